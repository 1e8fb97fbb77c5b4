#!/usr/bin/env bash
# listen_budget_rss.sh — peak memory of `linewright-cli listen` while many
# connections each send a long message without its terminator
# (docs/performance.md, "A listener's memory under its input budget").
#
#   tests/bench/listen_budget_rss.sh CLI [CONNS (200)] [BYTES (4194304)] [-- LISTEN OPTIONS...]
#
# Starts `CLI listen 127.0.0.1:0 OPTIONS` (stdout to /dev/null: the human
# output is produced and written, not kept), runs tests/bench/budget_load.py
# against it (CONNS connections × BYTES of 'x', no newline), reads the
# server's peak resident set (VmHWM in /proc/PID/status) while the
# connections are still open, then stops the server with SIGTERM (SIGKILL
# after 5 s) by its PID. Prints the load's line and one result line:
#   peak_rss_kib=N rss_kib=N options='...'
# Loopback only; every process it starts is ended by its PID.
set -u
cli=${1:?usage: listen_budget_rss.sh CLI [CONNS] [BYTES] [-- LISTEN OPTIONS...]}
shift
conns=200
bytes=$((4 << 20))
if [ $# -gt 0 ] && [ "$1" != "--" ]; then conns=$1; shift; fi
if [ $# -gt 0 ] && [ "$1" != "--" ]; then bytes=$1; shift; fi
[ $# -gt 0 ] && [ "$1" = "--" ] && shift
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
srv=""
cleanup() {
    if [ -n "$srv" ] && kill -0 "$srv" 2>/dev/null; then kill -9 "$srv" 2>/dev/null; fi
    rm -rf "$work"
}
trap cleanup EXIT
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

"$cli" listen 127.0.0.1:0 "$@" >/dev/null 2>"$work/err" &
srv=$!
port=""
for _ in $(seq 1 500); do
    port=$(sed -n 's/.*listening on [^ ]*:\([0-9]*\).*/\1/p' "$work/err" | head -1)
    [ -n "$port" ] && break
    kill -0 "$srv" 2>/dev/null || break
    sleep 0.01
done
if [ -z "$port" ]; then
    echo "the server did not start:" >&2
    cat "$work/err" >&2
    exit 1
fi
# The server may read for a long time after the load has sent what it could
# (it frames, prints and echoes at its own pace). The load holds its
# connections open until the server has been idle (no CPU time used) for
# 2 s: everything it will hold is held then. Then they close, and once the
# server is idle again (it has printed and dropped what they held) the peak
# is read.
cpu() { awk '{print $14 + $15}' "/proc/$srv/stat" 2>/dev/null; }
wait_idle() {  # until the server used no CPU for 2 s (bounded: 300 s)
    local last now same=0
    last=$(cpu)
    for _ in $(seq 1 1500); do
        sleep 0.2
        now=$(cpu)
        if [ "$now" = "$last" ]; then same=$((same + 1)); else same=0; fi
        last=$now
        [ "$same" -ge 10 ] && return 0
    done
    echo "the server did not go idle within 300 s" >&2
}
status() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$srv/status" 2>/dev/null; }
python3 "$here/budget_load.py" --port "$port" --conns "$conns" --bytes "$bytes" --idle 3 --timeout 300 \
    --hold-file "$work/release" >"$work/load.out" &
load=$!
start=$(date +%s.%N)
# until the load has sent what it could (it prints its line then)
while kill -0 "$load" 2>/dev/null && ! [ -s "$work/load.out" ]; do sleep 0.2; done
wait_idle
held_hwm=$(status VmHWM)
held_rss=$(status VmRSS)
touch "$work/release"
wait "$load"
load_status=$?
cat "$work/load.out"
wait_idle
end=$(date +%s.%N)
hwm=$(status VmHWM)
rss=$(status VmRSS)
kill -TERM "$srv" 2>/dev/null
for _ in $(seq 1 50); do kill -0 "$srv" 2>/dev/null || break; sleep 0.1; done
wait "$srv" 2>/dev/null
srv=""
grep -E "budget|resum" "$work/err" | head -3 | cut -c1-240 >&2
secs=$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.1f", b - a}')
echo "peak_rss_kib=${hwm:-?} (while held: ${held_hwm:-?}; rss then ${held_rss:-?}, at the end ${rss:-?})" \
    "load_status=$load_status seconds=$secs options='$*'"
