#!/usr/bin/env bash
# Peak memory of `kioski bundle import` of a large bundle, for
# docs/performance.md: (a) the command owning a fresh store, (b) through a
# kiosk running on another fresh store (in a detached tmux session), where
# the kiosk does the import and the command only checks the file first.
#
# Usage: scripts/import-rss.sh [BINARY...]
#   N=500000 SURVEY=palvelupiste SEED=1
#   With no BINARY it builds and measures target/release/kioski; name
#   several (e.g. an older build) to measure each on the same bundle.
#
# The bundle is made once with the first binary (`simulate --bulk`, then
# `bundle export`) in a temporary directory under /tmp (short, for the
# socket path), removed on exit. The command's peak RSS and wall time come
# from /usr/bin/time -v; the kiosk's peak RSS is VmHWM from
# /proc/PID/status after the import (VmRSS before it is printed too).
set -euo pipefail

N=${N:-500000}
SURVEY=${SURVEY:-palvelupiste}
SEED=${SEED:-1}

cd "$(dirname "$0")/.."
[[ -x /usr/bin/time ]] || { echo "needs GNU time at /usr/bin/time (apt-get install time)" >&2; exit 1; }
command -v tmux >/dev/null || { echo "needs tmux" >&2; exit 1; }
if (($# == 0)); then
  cargo build --release --quiet
  set -- "$PWD/target/release/kioski"
fi
SOURCE=$PWD/surveys/$SURVEY.toml

WORK=$(mktemp -d /tmp/kimp.XXXXXX)
SESSION=kioski-import-rss-$$
KIOSK_PID=
cleanup() {
  if [[ -n $KIOSK_PID ]]; then kill "$KIOSK_PID" 2>/dev/null || true; fi
  tmux kill-session -t "$SESSION" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

kib() { awk -v k="$1" 'BEGIN { printf "%.0f MB", k * 1024 / 1e6 }'; }
# timed LABEL CMD...: runs CMD under /usr/bin/time -v, prints its output,
# wall time and max RSS.
timed() {
  local label=$1
  shift
  /usr/bin/time -v -o "$WORK/time" "$@" >"$WORK/out" 2>&1 || {
    cat "$WORK/out" >&2
    echo "$label: failed" >&2
    exit 1
  }
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { print $2 }' "$WORK/time")
  rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$WORK/time")
  printf '  %-34s %8s wall, peak RSS %s\n' "$label" "$wall" "$(kib "$rss")"
  sed 's/^/      /' "$WORK/out"
}
status_kib() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }

echo "making a bundle of $N responses to $SURVEY (seed $SEED)"
FIRST=$1
"$FIRST" --store "$WORK/src" load "$SOURCE" >/dev/null
"$FIRST" --store "$WORK/src" simulate --survey "$SURVEY" --respondents "$N" --bulk --seed "$SEED" >/dev/null
"$FIRST" --store "$WORK/src" bundle export --out "$WORK/b.kioski" >/dev/null
echo "  $(du -h "$WORK/b.kioski" | cut -f1) bundle"
rm -rf "$WORK/src"

for BIN in "$@"; do
  echo
  echo "$BIN ($("$BIN" --version 2>/dev/null || echo '?'))"
  sync
  timed "(a) import, owning the store" "$BIN" --store "$WORK/a" bundle import "$WORK/b.kioski"
  rm -rf "$WORK/a"

  sync
  tmux new-session -d -s "$SESSION" -x 100 -y 30 "exec '$BIN' --store '$WORK/k' kiosk"
  for _ in $(seq 100); do
    [[ -S $WORK/k/kioski.sock ]] && break
    sleep 0.1
  done
  [[ -S $WORK/k/kioski.sock ]] || { echo "the kiosk did not start" >&2; exit 1; }
  KIOSK_PID=$(awk -F= '$1 == "pid" { print $2 }' "$WORK/k/kioski.lock")
  before=$(status_kib "$KIOSK_PID" VmRSS)
  timed "(b) import through a running kiosk" "$BIN" --store "$WORK/k" bundle import "$WORK/b.kioski"
  peak=$(status_kib "$KIOSK_PID" VmHWM)
  printf '  %-34s %s before, peak RSS (VmHWM) %s\n' "    the kiosk (pid $KIOSK_PID)" "$(kib "$before")" "$(kib "$peak")"
  kill "$KIOSK_PID"
  KIOSK_PID=
  tmux kill-session -t "$SESSION" 2>/dev/null || true
  sleep 0.5
  rm -rf "$WORK/k"
done
