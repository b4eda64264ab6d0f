#!/usr/bin/env bash
# Issue 6, point 4: is `kioski tally` at most as slow as what a clerk would
# otherwise do (export CSV, import into sqlite3, one GROUP BY per
# question)? Both run on the same store of N simulated responses.
#   scripts/tally-vs-sqlite.sh [N]     (default 1,000,000; needs sqlite3)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
command -v sqlite3 >/dev/null || { echo "needs sqlite3 (apt-get install sqlite3)"; exit 2; }
cargo build --release --quiet
K=./target/release/kioski
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
$K --store "$work/store" load surveys/palvelupiste.toml >/dev/null
$K --store "$work/store" simulate --respondents "$N" --bulk --seed 1 >/dev/null
sync

secs() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null 2>&1; t1=$(date +%s.%N); awk "BEGIN { print $t1 - $t0 }"; }

tally=$(secs $K --store "$work/store" tally --format json)
export_s=$(secs $K --store "$work/store" export --format csv --out "$work/r.csv")
import_s=$(secs sqlite3 "$work/r.db" ".import --csv $work/r.csv r")
queries=""
for q in overall one_visit compared recommend group; do
  queries+="SELECT \"$q\", count(*) FROM r WHERE complete = '1' AND \"$q\" <> '' GROUP BY \"$q\";"
done
query_s=$(secs sqlite3 "$work/r.db" "$queries")
clerk=$(awk "BEGIN { print $export_s + $import_s + $query_s }")
printf '| responses | kioski tally | export CSV | sqlite import | GROUP BYs | clerk total | ratio |\n'
printf '|---:|---:|---:|---:|---:|---:|---:|\n'
printf '| %s | %.2f s | %.2f s | %.2f s | %.2f s | %.2f s | %.2f |\n' "$N" "$tally" "$export_s" "$import_s" "$query_s" "$clerk" "$(awk "BEGIN { print $tally / $clerk }")"
