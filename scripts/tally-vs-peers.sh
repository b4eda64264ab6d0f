#!/usr/bin/env bash
# Issue 16: kioski's figures side by side with sqlite3 and DuckDB, in one run.
# For each size it builds a store of N simulated responses (release build),
# times `tally --format json`, `tally --by group --period month`, `surveys`,
# the live view's first frame, `export --format csv` and `check`, loads the export into sqlite3 and DuckDB
# and times their GROUP BYs for the same figures (DuckDB in a warm process,
# and as a whole Python process).
#   scripts/tally-vs-peers.sh [N ...]      (default: 10000 100000 1000000)
# Needs python3 (sqlite3 from its stdlib); DuckDB comes from PyPI into a
# venv under target/peers-venv. Times are the best of 3 runs; RSS is the
# maximum resident set size of the plain tally (GNU time).
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000 1000000)
venv=target/peers-venv
if ! "$venv/bin/python" -c 'import duckdb' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q duckdb
fi
PY="$venv/bin/python"
cargo build --release --quiet
K=$PWD/target/release/kioski
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Best of 3 wall-clock seconds of a command.
best() {
  local b=999999 t0 t1 t
  for _ in 1 2 3; do
    t0=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; t1=$(date +%s.%N)
    t=$(awk "BEGIN { print $t1 - $t0 }")
    b=$(awk "BEGIN { print ($t < $b) ? $t : $b }")
  done
  echo "$b"
}
rss_mb() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1 | awk '{ printf "%.0f", $1 / 1024 }'; }

# The peers' GROUP BYs for the figures `tally --format json` prints:
# counts per answer of every closed question over the complete responses,
# then the same per group and month.
cat >"$work/peers.py" <<'EOF'
import sqlite3, sys, time, duckdb
csv, which = sys.argv[1], sys.argv[2]
closed = ["overall", "one_visit", "compared", "recommend", "group"]
plain = [f'SELECT "{q}", count(*) FROM r WHERE complete = 1 AND "{q}" IS NOT NULL GROUP BY "{q}"' for q in closed]
plain.append('SELECT count(*), min(submitted), max(submitted) FROM r WHERE complete = 1')
# The rest of what `tally --format json` prints: every free text, newest first.
texts = [f'SELECT "{q}" FROM r WHERE complete = 1 AND "{q}" IS NOT NULL ORDER BY submitted DESC, id DESC' for q in ["improve", "group.other"]]
by = [f'SELECT "group", strftime(submitted, \'%Y-%m\') AS m, "{q}", count(*) FROM r WHERE complete = 1 GROUP BY "group", m, "{q}"' for q in closed]
by_sqlite = [f'SELECT "group", substr(submitted, 1, 7) AS m, "{q}", count(*) FROM r WHERE complete = 1 GROUP BY "group", m, "{q}"' for q in closed]
def timed(run, qs):
    best = None
    for _ in range(3):
        t0 = time.perf_counter()
        for q in qs:
            run(q)
        t = time.perf_counter() - t0
        best = t if best is None or t < best else best
    return best
if which == "duckdb":
    t0 = time.perf_counter()
    con = duckdb.connect()
    con.execute(f"CREATE TABLE r AS SELECT * FROM read_csv_auto('{csv}', header=true, all_varchar=false)")
    load = time.perf_counter() - t0
    run = lambda q: con.execute(q).fetchall()
    print(f"{load:.3f} {timed(run, plain):.3f} {timed(run, plain + texts):.3f} {timed(run, by):.3f}")
else:
    import csv as csvmod
    t0 = time.perf_counter()
    con = sqlite3.connect(":memory:")
    with open(csv, newline="") as f:
        rows = csvmod.reader(f)
        head = next(rows)
        con.execute("CREATE TABLE r (" + ", ".join(f'"{h}"' for h in head) + ")")
        con.executemany("INSERT INTO r VALUES (" + ", ".join("?" * len(head)) + ")",
                        ([None if v == "" else (int(v) if v.isdigit() else v) for v in row] for row in rows))
    load = time.perf_counter() - t0
    run = lambda q: con.execute(q).fetchall()
    print(f"{load:.3f} {timed(run, plain):.3f} {timed(run, plain + texts):.3f} {timed(run, by_sqlite):.3f}")
EOF

# Seconds from starting `kioski tally --live` in a 120x40 pseudo-terminal
# until its first frame shows the count of complete responses (best of 3),
# answering the cursor-position query as a terminal would.
cat >"$work/first_frame.py" <<'EOF'
import fcntl, os, pty, re, select, struct, sys, termios, time
want, cmd = sys.argv[1], sys.argv[2:]
def once():
    t0 = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["TERM"] = "xterm-256color"
        os.execvp(cmd[0], cmd)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    seen, took = b"", None
    while took is None:
        ready, _, _ = select.select([fd], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(fd, 1 << 16)
        except OSError:
            break
        # Answer as a terminal does: the cursor's position.
        if b"\x1b[6n" in chunk:
            os.write(fd, b"\x1b[1;1R")
        seen += chunk
        text = re.sub(rb"\x1b\[[0-9;?]*[A-Za-z]", b" ", seen)
        if re.search(rb"\b" + want.encode() + rb" responses", text):
            took = time.perf_counter() - t0
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    return took if took is not None else float("nan")
print(f"{min(once() for _ in range(3)):.3f}")
EOF

printf '| responses | full scan (before) | tally json | by+month | surveys | live first frame | export csv | check | tally RSS | DuckDB load | DuckDB counts | DuckDB counts+texts | DuckDB by+month | DuckDB process | sqlite load | sqlite counts | sqlite counts+texts | sqlite by+month | tally / DuckDB same figures |\n'
printf '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n'
for N in "${sizes[@]}"; do
  s="$work/store-$N"
  $K --store "$s" load surveys/palvelupiste.toml >/dev/null
  $K --store "$s" simulate --respondents "$N" --bulk --seed 1 >/dev/null
  $K --store "$s" tally --format json >/dev/null   # builds the aggregates once if missing
  sync
  full=$(best env KIOSKI_FULL_SCAN=1 $K --store "$s" tally --format json)
  tally=$(best $K --store "$s" tally --format json)
  grouped=$(best $K --store "$s" tally --by group --period month --format json)
  surveys=$(best $K --store "$s" surveys)
  complete=$($K --store "$s" surveys --format json | "$PY" -c 'import json, sys; print(json.load(sys.stdin)[0]["complete"])')
  live=$("$PY" "$work/first_frame.py" "$complete" $K --store "$s" tally --live)
  export_s=$(best $K --store "$s" export --format csv --out "$work/r-$N.csv")
  check_s=$(best $K --store "$s" check)
  rss=$(rss_mb $K --store "$s" tally --format json)
  t0=$(date +%s.%N)
  read -r d_load d_plain d_same d_by < <("$PY" "$work/peers.py" "$work/r-$N.csv" duckdb)
  t1=$(date +%s.%N)
  d_proc=$(awk "BEGIN { print $t1 - $t0 }")
  read -r s_load s_plain s_same s_by < <("$PY" "$work/peers.py" "$work/r-$N.csv" sqlite)
  printf '| %s | %.2f s | %.3f s | %.3f s | %.3f s | %.3f s | %.2f s | %.2f s | %s MB | %.2f s | %.3f s | %.3f s | %.3f s | %.2f s | %.2f s | %.3f s | %.3f s | %.3f s | %.2f |\n' \
    "$N" "$full" "$tally" "$grouped" "$surveys" "$live" "$export_s" "$check_s" "$rss" "$d_load" "$d_plain" "$d_same" "$d_by" "$d_proc" \
    "$s_load" "$s_plain" "$s_same" "$s_by" "$(awk "BEGIN { print $tally / $d_same }")"
  rm -rf "$s" "$work/r-$N.csv"
done
