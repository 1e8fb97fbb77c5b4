#!/usr/bin/env bash
# record_kill_lag.sh — how far behind a busy --record file is when the
# recorder is killed with kill -9 (docs/performance.md, "Crash safety of a
# busy recording").
#
#   tests/bench/record_kill_lag.sh BUILD_DIR [KILLS (10)] [RUN_SECONDS (1.5)]
#
# Each round starts `linewright-cli listen 127.0.0.1:0 --echo --record F`,
# floods it on loopback with lw_loadgen pipeline (bounded: --lines per
# connection, --timeout), kills the server with SIGKILL after RUN_SECONDS,
# and compares the wall time of the kill with the wall time of the last
# complete event line in F (start_unix_us + t_us). Prints one line per round
# (lag ms, events, events/s, bytes/event) and min/median/max of the lag.
# Loopback only; every process it starts is ended by its PID.
set -u
build=${1:?usage: record_kill_lag.sh BUILD_DIR [KILLS] [RUN_SECONDS]}
kills=${2:-10}
run=${3:-1.5}
cli="$build/app/linewright-cli"
gen="$build/tests/bench/lw_loadgen"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
lags=()
for ((i = 1; i <= kills; i++)); do
    rec="$work/r$i.jsonl"
    "$cli" listen 127.0.0.1:0 --echo --record "$rec" >/dev/null 2>"$work/err$i" &
    srv=$!
    port=""
    for _ in $(seq 1 200); do
        port=$(sed -n 's/.*listening on [^ ]*:\([0-9]*\).*/\1/p' "$work/err$i" | head -1)
        [ -n "$port" ] && break
        sleep 0.01
    done
    if [ -z "$port" ]; then echo "round $i: server did not start"; kill -9 "$srv" 2>/dev/null; continue; fi
    "$gen" pipeline --port "$port" --conns 4 --lines 2000000 --size 32 --window 256 --timeout 20 --no-verify \
        >/dev/null 2>&1 &
    gen_pid=$!
    sleep "$run"
    kill_us=$(date +%s%6N)
    kill -9 "$srv"
    wait "$srv" 2>/dev/null
    kill "$gen_pid" 2>/dev/null
    wait "$gen_pid" 2>/dev/null
    line=$(python3 - "$rec" "$kill_us" <<'PY'
import json, os, sys
path, kill_us = sys.argv[1], int(sys.argv[2])
data = open(path, 'rb').read()
lines = data.split(b'\n')
complete = lines[:-1]  # the last piece has no newline (or is empty)
head = json.loads(complete[0])
# Version 1 lines carry t_us; version 2 lines may carry dt (from the previous
# line) or nothing (the same time) instead.
t_us, last = 0, None
for raw in complete[1:]:
    try:
        e = json.loads(raw)
    except ValueError:
        break
    t_us = e["t_us"] if "t_us" in e else t_us + e.get("dt", 0)
    last = e
events = len(complete) - 1
if last is None:
    print("nan 0 0 0"); sys.exit()
last = {"t_us": t_us}
t_s = last["t_us"] / 1e6
lag_ms = (kill_us - head["start_unix_us"] - last["t_us"]) / 1000
print(f"{lag_ms:.1f} {events} {events / t_s if t_s > 0 else 0:.0f} {os.path.getsize(path) / max(events, 1):.1f}")
PY
)
    set -- $line
    echo "round $i: lag ${1} ms, ${2} events, ${3} events/s, ${4} bytes/event"
    lags+=("$1")
    rm -f "$rec"
done
printf '%s\n' "${lags[@]}" | sort -n | awk '{a[NR]=$1} END {if (NR) printf "lag ms: min %s median %s max %s (n=%d)\n", a[1], (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2), a[NR], NR}'
