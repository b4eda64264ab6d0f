#!/usr/bin/env bash
# kioski's command-line figures for docs/performance.md: a million
# simulated responses written in bulk, exported as CSV, JSONL and a bundle,
# the store's size on disk, and durable one-by-one submits.
#
# Usage: scripts/bench.sh            (about 4 minutes on a quiet 2-core VM)
#   RUNS=3 N=1000000 SMALL=100000 DURABLE=2000 SURVEY=palvelupiste SEED=1
#   QUIET_WAIT=120 (seconds to wait for an idle machine before each step)
#   COMMIT=... (what the output names when run outside a git checkout)
#
# Every figure is the median of RUNS runs (each with a fresh store and the
# same seed, so the same work) with the min-max spread beside it: disks on
# shared machines are noisy. Wall time and max RSS come from
# /usr/bin/time -v. Stores and files live in a temporary directory under
# /tmp, removed on exit. "other CPU" is the CPU time other processes used
# meanwhile: on a 2-core machine, a figure with seconds there is not this
# program's alone. The per-submit latency percentiles are in the criterion
# harness: cargo bench --bench main -- store/durable
set -euo pipefail

RUNS=${RUNS:-3}
N=${N:-1000000}
SMALL=${SMALL:-100000}
DURABLE=${DURABLE:-2000}
SURVEY=${SURVEY:-palvelupiste}
SEED=${SEED:-1}

cd "$(dirname "$0")/.."
[[ -x /usr/bin/time ]] || { echo "needs GNU time at /usr/bin/time" >&2; exit 1; }
cargo build --release --quiet
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
BIN=$PWD/target/release/kioski
SOURCE=$PWD/surveys/$SURVEY.toml

WORK=$(mktemp -d /tmp/kioski-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
RESULTS=$WORK/results # lines: name value (seconds, KiB or bytes)

# wait_quiet: flushes what earlier steps left to write back, then waits
# (up to QUIET_WAIT seconds) for a second in which the CPUs are at least
# 90% idle, so that other work on a shared machine does not land in a
# figure. A step that found no quiet second is counted in NOISY.
QUIET_WAIT=${QUIET_WAIT:-120}
NOISY=0
cpu_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8 }' /proc/stat; }
wait_quiet() {
  sync
  local waited=0 b1 t1 b2 t2
  while ((waited < QUIET_WAIT)); do
    read -r b1 t1 < <(cpu_ticks)
    sleep 1
    read -r b2 t2 < <(cpu_ticks)
    if (((b2 - b1) * 10 <= t2 - t1)); then
      return
    fi
    waited=$((waited + 1))
  done
  NOISY=$((NOISY + 1))
}

# measure NAME CMD...: runs CMD under /usr/bin/time -v and records its
# wall time (NAME.s, seconds) and max RSS (NAME.rss, KiB).
measure() {
  local name=$1
  shift
  wait_quiet
  local busy1 busy2 _
  read -r busy1 _ < <(cpu_ticks)
  if ! /usr/bin/time -v -o "$WORK/time" "$@" >"$WORK/out" 2>"$WORK/err"; then
    echo "failed: $*" >&2
    cat "$WORK/err" "$WORK/time" >&2
    exit 1
  fi
  read -r busy2 _ < <(cpu_ticks)
  # NAME.other: CPU seconds that other processes used meanwhile (all busy
  # time on the machine less this command's user + system time).
  awk -v name="$name" -v busy="$(((busy2 - busy1)))" -v hz="$(getconf CLK_TCK)" -F': ' '
    /Elapsed \(wall clock\)/ {
      n = split($2, p, ":"); s = 0
      for (i = 1; i <= n; i++) s = s * 60 + p[i]
      print name ".s", s
    }
    /Maximum resident set size/ { print name ".rss", $2 }
    /User time|System time/ { own += $2 }
    END { other = busy / hz - own; print name ".other", (other > 0 ? other : 0) }
  ' "$WORK/time" >>"$RESULTS"
}

record() { echo "$1 $2" >>"$RESULTS"; }

fresh_store() {
  rm -rf "$WORK/store"
  "$BIN" load --store "$WORK/store" "$SOURCE" >/dev/null
}

# The exports, the bundle and the size of a store of $1 responses, as NAME-$1.
read_side() {
  local n=$1
  measure "export-csv-$n" "$BIN" export --store "$WORK/store" --survey "$SURVEY" --format csv --out "$WORK/out.csv"
  record "csv-bytes-$n" "$(stat -c %s "$WORK/out.csv")"
  rm -f "$WORK/out.csv"
  measure "export-jsonl-$n" "$BIN" export --store "$WORK/store" --survey "$SURVEY" --format jsonl --out "$WORK/out.jsonl"
  rm -f "$WORK/out.jsonl"
  measure "bundle-$n" "$BIN" bundle export --store "$WORK/store" --survey "$SURVEY" --out "$WORK/out.kioski"
  record "bundle-bytes-$n" "$(stat -c %s "$WORK/out.kioski")"
  rm -f "$WORK/out.kioski"
}

for run in $(seq "$RUNS"); do
  echo "run $run/$RUNS: $N responses in bulk, exports, bundle" >&2
  fresh_store
  measure "bulk-$N" "$BIN" simulate --store "$WORK/store" --survey "$SURVEY" --respondents "$N" --bulk --seed "$SEED"
  record "store-bytes-$N" "$(du -sb "$WORK/store" | cut -f1)"
  read_side "$N"

  echo "run $run/$RUNS: $DURABLE durable submits" >&2
  fresh_store
  measure "durable-$DURABLE" "$BIN" simulate --store "$WORK/store" --survey "$SURVEY" --respondents "$DURABLE" --seed "$SEED"
  measure "durable-0" "$BIN" simulate --store "$WORK/store" --survey "$SURVEY" --respondents 0 --seed "$SEED"
done

# Constant memory: the same reads from a store a tenth the size, once.
echo "a store of $SMALL responses, for memory against size" >&2
fresh_store
measure "bulk-$SMALL" "$BIN" simulate --store "$WORK/store" --survey "$SURVEY" --respondents "$SMALL" --bulk --seed "$SEED"
record "store-bytes-$SMALL" "$(du -sb "$WORK/store" | cut -f1)"
read_side "$SMALL"
rm -rf "$WORK/store"

# summary NAME SCALE FORMAT: "median (min-max)" of NAME's values divided by SCALE.
summary() {
  awk -v name="$1" -v scale="$2" -v fmt="$3" '
    $1 == name { v[n++] = $2 / scale }
    END {
      if (n == 0) { print "-"; exit }
      for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
      med = (n % 2) ? v[int(n / 2)] : (v[n / 2 - 1] + v[n / 2]) / 2
      if (n == 1) printf fmt, med
      else printf fmt " (" fmt "-" fmt ")", med, v[0], v[n - 1]
    }
  ' "$RESULTS"
}

load_after=$(cut -d' ' -f1-3 /proc/loadavg)
commit=${COMMIT:-$(git rev-parse --short HEAD 2>/dev/null || echo unknown)}
[[ -n ${COMMIT:-} || -z $(git status --porcelain --untracked-files=no 2>/dev/null) ]] || commit="$commit + local changes"
per_ms=$(awk -v d="$DURABLE" 'BEGIN { print d / 1000 }')
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')
mem=$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
fs=$(df -T /tmp | awk 'NR == 2 { print $2 " on " $1 }')

cat <<EOF

kioski $("$BIN" --version | cut -d' ' -f2), commit $commit, $(date -u +%Y-%m-%d)
$(nproc) CPUs ($cpu), $mem, /tmp is $fs, Linux $(uname -r)
Load average before / after: $load_before / $load_after
Survey \`$SURVEY\`, seed $SEED; median of $RUNS runs (min-max).
Measurements that started without a quiet second (other work on the machine): $NOISY
\`simulate --bulk\` $N, each run, wall s (other CPU s): $(awk -v a="bulk-$N.s" -v b="bulk-$N.other" '$1 == a { w[n++] = $2 } $1 == b { o[m++] = $2 } END { for (i = 0; i < n; i++) printf "%s (%.1f)  ", w[i], o[i] }' "$RESULTS")

| figure | goal | value | max RSS (MiB) | other CPU (s) |
|---|---|---|---|---|
| \`simulate --bulk\` $N, wall (s) | < 10 s | $(summary "bulk-$N.s" 1 %.2f) | $(summary "bulk-$N.rss" 1024 %.0f) | $(summary "bulk-$N.other" 1 %.1f) |
| \`export --format csv\` $N rows to a file (s) | constant memory | $(summary "export-csv-$N.s" 1 %.2f) | $(summary "export-csv-$N.rss" 1024 %.0f) | $(summary "export-csv-$N.other" 1 %.1f) |
| \`export --format jsonl\` $N rows to a file (s) | constant memory | $(summary "export-jsonl-$N.s" 1 %.2f) | $(summary "export-jsonl-$N.rss" 1024 %.0f) | $(summary "export-jsonl-$N.other" 1 %.1f) |
| \`bundle export\` $N responses (s) | - | $(summary "bundle-$N.s" 1 %.2f) | $(summary "bundle-$N.rss" 1024 %.0f) | $(summary "bundle-$N.other" 1 %.1f) |
| store on disk (\`du -sb\`), bytes per response | - | $(summary "store-bytes-$N" "$N" %.0f) | | |
| store on disk for $N responses (MB) | - | $(summary "store-bytes-$N" 1000000 %.0f) | | |
| CSV file, bytes per row | - | $(summary "csv-bytes-$N" "$N" %.0f) | | |
| bundle file, bytes per response | - | $(summary "bundle-bytes-$N" "$N" %.0f) | | |
| \`simulate\` $DURABLE durable, wall (s) | - | $(summary "durable-$DURABLE.s" 1 %.2f) | $(summary "durable-$DURABLE.rss" 1024 %.0f) | $(summary "durable-$DURABLE.other" 1 %.1f) |
| per durable submit, wall / $DURABLE (ms) | - | $(summary "durable-$DURABLE.s" "$per_ms" %.3f) | | |
| \`simulate --respondents 0\` (start-up, open, close) (s) | - | $(summary "durable-0.s" 1 %.3f) | | $(summary "durable-0.other" 1 %.1f) |

Memory against store size (one run of $SMALL responses):

| command | max RSS at $SMALL (MiB) | max RSS at $N, median (MiB) |
|---|---|---|
| \`simulate --bulk\` | $(summary "bulk-$SMALL.rss" 1024 %.0f) | $(summary "bulk-$N.rss" 1024 %.0f) |
| \`export --format csv\` | $(summary "export-csv-$SMALL.rss" 1024 %.0f) | $(summary "export-csv-$N.rss" 1024 %.0f) |
| \`export --format jsonl\` | $(summary "export-jsonl-$SMALL.rss" 1024 %.0f) | $(summary "export-jsonl-$N.rss" 1024 %.0f) |
| \`bundle export\` | $(summary "bundle-$SMALL.rss" 1024 %.0f) | $(summary "bundle-$N.rss" 1024 %.0f) |
EOF
