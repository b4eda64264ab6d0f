#!/usr/bin/env bash
# Wall time and peak memory of `kioski backup` and `kioski restore` on a
# large store, for docs/performance.md: (a) a backup by the command owning
# the store, (b) a restore into a fresh store, (c) a backup through a kiosk
# running on the store (in a detached tmux session), where the kiosk writes
# the file in its socket thread.
#
# Usage: scripts/backup-rss.sh [BINARY]
#   N=1000000 SURVEY=palvelupiste SEED=1
#   With no BINARY it builds and measures target/release/kioski.
#
# The store is made with `simulate --bulk` in a temporary directory under
# /tmp (short, for the socket path), removed on exit. The command's peak
# RSS and wall time come from /usr/bin/time -v; the kiosk's peak RSS is
# VmHWM from /proc/PID/status after the backup (VmRSS before it too).
set -euo pipefail

N=${N:-1000000}
SURVEY=${SURVEY:-palvelupiste}
SEED=${SEED:-1}

cd "$(dirname "$0")/.."
[[ -x /usr/bin/time ]] || { echo "needs GNU time at /usr/bin/time (apt-get install time)" >&2; exit 1; }
command -v tmux >/dev/null || { echo "needs tmux" >&2; exit 1; }
if (($# == 0)); then
  cargo build --release --quiet
  set -- "$PWD/target/release/kioski"
fi
BIN=$1
SOURCE=$PWD/surveys/$SURVEY.toml

WORK=$(mktemp -d /tmp/kbak.XXXXXX)
SESSION=kioski-backup-rss-$$
KIOSK_PID=
cleanup() {
  if [[ -n $KIOSK_PID ]]; then kill "$KIOSK_PID" 2>/dev/null || true; fi
  tmux kill-session -t "$SESSION" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

kib() { awk -v k="$1" 'BEGIN { printf "%.0f MB", k * 1024 / 1e6 }'; }
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
  printf '  %-36s %8s wall, peak RSS %s\n' "$label" "$wall" "$(kib "$rss")"
  sed 's/^/      /' "$WORK/out"
}
status_kib() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }

echo "$BIN ($("$BIN" --version)): a store of $N responses to $SURVEY (seed $SEED)"
"$BIN" --store "$WORK/s" load "$SOURCE" >/dev/null
"$BIN" --store "$WORK/s" simulate --survey "$SURVEY" --respondents "$N" --bulk --seed "$SEED" >/dev/null
echo "  $(du -sh "$WORK/s" | cut -f1) store"

sync
timed "(a) backup, owning the store" "$BIN" --store "$WORK/s" backup --out "$WORK/a.backup"
echo "      $(du -h "$WORK/a.backup" | cut -f1) backup file"
sync
timed "(b) restore into a fresh store" "$BIN" --store "$WORK/r" restore "$WORK/a.backup"
rm -rf "$WORK/r"

sync
tmux new-session -d -s "$SESSION" -x 100 -y 30 "exec '$BIN' --store '$WORK/s' kiosk"
for _ in $(seq 300); do
  [[ -S $WORK/s/kioski.sock ]] && break
  sleep 0.1
done
[[ -S $WORK/s/kioski.sock ]] || { echo "the kiosk did not start" >&2; exit 1; }
KIOSK_PID=$(awk -F= '$1 == "pid" { print $2 }' "$WORK/s/kioski.lock")
before=$(status_kib "$KIOSK_PID" VmRSS)
timed "(c) backup through a running kiosk" "$BIN" --store "$WORK/s" backup --out "$WORK/c.backup"
peak=$(status_kib "$KIOSK_PID" VmHWM)
printf '  %-36s %s before, peak RSS (VmHWM) %s\n' "    the kiosk (pid $KIOSK_PID)" "$(kib "$before")" "$(kib "$peak")"
