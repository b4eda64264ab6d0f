#!/usr/bin/env bash
# Makes the golden fixtures in tests/data/golden/ with the release before
# issue 11 (commit 6b57f67): its binary writes the store, the bundle and the
# expected outputs; dump.rs, built as an example of that commit, adds
# prize-draw entries and a terminal name and writes single records and
# socket frames. Run from the repository root:
#
#     bash tests/data/golden/make/make.sh
#
# The fixtures are committed once and never remade: tests open them forever.
set -euo pipefail
ROOT=$(pwd)
RELEASE=6b57f67
OUT=$ROOT/tests/data/golden
BUILD=$(mktemp -d /tmp/kioski-golden-build.XXXXXX)
git worktree add --detach "$BUILD" "$RELEASE"
cp "$OUT/make/dump.rs" "$BUILD/examples/dump.rs" 2>/dev/null || { mkdir -p "$BUILD/examples"; cp "$OUT/make/dump.rs" "$BUILD/examples/dump.rs"; }
(cd "$BUILD" && cargo build --release --locked --bin kioski --example dump)
K=$BUILD/target/release/kioski
DUMP=$BUILD/target/release/examples/dump

rm -rf "$OUT/store" "$OUT/expected" "$OUT/records" "$OUT/frames" "$OUT/bundle.kioski"
mkdir -p "$OUT/expected"
export KIOSKI_STORE=$OUT/store
# Every survey of surveys/, in file order; pulssi then gets a second version.
"$K" load surveys/palvelupiste.toml surveys/pulssi.toml surveys/tilat.toml \
    surveys/asiointikanavat.toml surveys/palvelulupaus.toml
"$K" simulate --survey palvelupiste --respondents 120 --seed 11 --terminal kirjasto-1
"$K" simulate --survey pulssi --respondents 40 --seed 12 --terminal kirjasto-1
sed 's/Quick feedback/Quick feedback, please/' surveys/pulssi.toml > "$BUILD/pulssi-v2.toml"
"$K" load "$BUILD/pulssi-v2.toml"
"$K" simulate --survey pulssi --respondents 20 --seed 13 --terminal kirjasto-2
"$K" simulate --survey tilat --respondents 30 --seed 14 --bulk
"$K" simulate --survey asiointikanavat --respondents 30 --seed 15
"$K" simulate --survey palvelulupaus --respondents 25 --seed 16
echo 482913 | "$K" pin set
(cd "$ROOT" && "$DUMP" "$KIOSKI_STORE" "$OUT")
"$K" bundle export --out "$OUT/bundle.kioski"
"$K" surveys --format json > "$OUT/expected/surveys.json"
for f in surveys/*.toml "$BUILD/pulssi-v2.toml"; do
    "$K" validate "$f" >/dev/null
done
for id in palvelupiste pulssi tilat asiointikanavat palvelulupaus; do
    "$K" tally --survey "$id" --format json --include-partial > "$OUT/expected/tally-$id.json"
    "$K" export --survey "$id" --format csv > "$OUT/expected/export-$id.csv"
    "$K" export --survey "$id" --format jsonl > "$OUT/expected/export-$id.jsonl"
done
# The lock and the log belong to a running process, not to the data.
rm -f "$KIOSKI_STORE/kioski.lock" "$KIOSKI_STORE/kioski.log"*
cp "$BUILD/pulssi-v2.toml" "$OUT/pulssi-v2.toml"
git worktree remove --force "$BUILD"
echo "golden fixtures written to $OUT"
