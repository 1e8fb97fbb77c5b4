#!/usr/bin/env bash
# Linewright proxy benchmark: `linewright-cli proxy` beside socat's forking
# relay (socat TCP-LISTEN:P,fork,reuseaddr TCP:127.0.0.1:S, the peer a user
# would pick) and beside the server reached directly, side by side in one
# run on loopback. See docs/performance.md, "Proxy".
#
#   tests/bench/proxy_bench.sh BUILD_DIR [--quick] [--repeat N] [--bytes N]
#                              [--lines N] [--conns N] [--fanout N]
#
# BUILD_DIR is a configured build tree holding lw_loadgen and lw_raw_echo
# (built with `cmake --build BUILD_DIR --target lw_loadgen lw_raw_echo` when
# missing). linewright-cli is $LW_CLI, else BUILD_DIR/app/linewright-cli.
# The server behind every relay is lw_raw_echo (no framing). Two proxies:
#   proxy     -t '\r\n' --quiet: nothing observes the messages, so the legs
#             forward without framing (ChannelOptions::frameProxied false)
#   proxy-f   -t '\r\n' --quiet --stats: both directions framed, every line
#             cut as a message and counted (the --stats line), nothing printed
# The client is lw_loadgen:
#   bulk      --bytes (default 1 GiB) through the relay into lw_raw_echo
#             --discard; MB/s; ratios proxy(-f) / socat (target >= 0.8)
#   lines     pipelined 64-byte CRLF lines, --conns connections (default 4)
#             of --lines lines each (default 200000), echoed through the
#             relay and checked; lines/s; ratios proxy(-f) / socat (target
#             >= 1.0)
#   fanout    --fanout connections at once (default 1000), each one request
#             line and its echo; p50/p99 latency, direct, socat, proxy
#   --quick   a smoke run (64 MiB, 20000 lines, 200 connections, one round)
#   --repeat N  rounds, the order of the relays rotated each round; medians
#             (default 3)
# Every server and relay is started on loopback and stopped by the PID this
# script got when it started it. Exit status: 0 when every run completed, 1
# otherwise, 2 on bad usage.

set -u -o pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=bench_lib.sh
. "$HERE/bench_lib.sh"

BYTES=$((1 << 30)) LINES=200000 CONNS=4 FANOUT=1000
bench_args proxy_bench.sh "--repeat=REPEAT --bytes=BYTES --lines=LINES --conns=CONNS --fanout=FANOUT
    --quick:REPEAT=1 --quick:BYTES=$((64 << 20)) --quick:LINES=20000 --quick:FANOUT=200" "$@"
[ -n "$BUILD" ] || usage
for n in "$REPEAT" "$BYTES" "$LINES" "$CONNS" "$FANOUT"; do posnum "$n" || usage; done
BUILD="$(cd "$BUILD" && pwd)" || exit 2
PYTHON="${PYTHON:-python3}"
LOGDIR="$(mktemp -d)"
RUNS="$LOGDIR/runs.jsonl"

need_tools proxy_bench.sh lw_loadgen lw_raw_echo
LOADGEN="$(find_tool lw_loadgen)"
RAW="$(find_tool lw_raw_echo)"
CLI="${LW_CLI:-$BUILD/app/linewright-cli}"
[ -x "$CLI" ] || { echo "proxy_bench.sh: linewright-cli not found ($CLI); set LW_CLI" >&2; exit 1; }
command -v socat >/dev/null || { echo "proxy_bench.sh: socat is not installed (Debian: apt-get install socat)" >&2; exit 1; }

FAILED=0

# start_bg NAME CMD...: starts CMD in the background, its PID in LAST_PID (and PIDS).
start_bg() {
    local name="$1"; shift
    "$@" >"$LOGDIR/$name.out" 2>"$LOGDIR/$name.err" &
    LAST_PID=$!
    PIDS+=("$LAST_PID")
}
stop_pid() {
    kill -TERM "$1" 2>/dev/null
    wait "$1" 2>/dev/null
}

# start_echo [--discard]: lw_raw_echo on a free port -> ECHO_PID, ECHO_PORT.
start_echo() {
    start_bg echo "$RAW" 0 "$@"
    ECHO_PID=$LAST_PID
    local i
    for i in $(seq 1 100); do
        ECHO_PORT="$(head -n1 "$LOGDIR/echo.out" 2>/dev/null)"
        [ -n "$ECHO_PORT" ] && return 0
        sleep 0.05
    done
    echo "proxy_bench.sh: lw_raw_echo did not start" >&2
    exit 1
}

# start_relay KIND: KIND direct|socat|proxy in front of ECHO_PORT -> RELAY_PID, RELAY_PORT.
start_relay() {
    RELAY_PID=""
    case "$1" in
        direct) RELAY_PORT=$ECHO_PORT; return 0 ;;
        socat)
            RELAY_PORT="$(free_port)"
            start_bg socat socat "TCP-LISTEN:$RELAY_PORT,bind=127.0.0.1,fork,reuseaddr,backlog=2048" "TCP:127.0.0.1:$ECHO_PORT"
            ;;
        proxy)
            RELAY_PORT="$(free_port)"
            start_bg proxy "$CLI" proxy "127.0.0.1:$RELAY_PORT" --to "127.0.0.1:$ECHO_PORT" -t '\r\n' --quiet
            ;;
        proxy-f)
            RELAY_PORT="$(free_port)"
            start_bg proxy "$CLI" proxy "127.0.0.1:$RELAY_PORT" --to "127.0.0.1:$ECHO_PORT" -t '\r\n' --quiet --stats
            ;;
    esac
    RELAY_PID=$LAST_PID
    wait_listening "$RELAY_PORT" "$RELAY_PID" || { echo "proxy_bench.sh: $1 did not listen" >&2; exit 1; }
}

# run_one SCENARIO KIND ROUND LOADGEN-ARGS...: one measured run, its JSON line to RUNS.
run_one() {
    local scenario="$1" kind="$2" round="$3"; shift 3
    local json
    json="$("$LOADGEN" "$@" --port "$RELAY_PORT" --timeout 300 2>"$LOGDIR/loadgen.err")" || FAILED=1
    [ -n "$json" ] || json='{"ok":false}'
    printf '{"scenario":"%s","peer":"%s","round":%s,"result":%s}\n' "$scenario" "$kind" "$round" "$json" >>"$RUNS"
    echo "   $scenario $kind: $json"
}

# One round of every scenario; the relays' order rotated by ROUND.
KINDS=(direct socat proxy proxy-f)
for round in $(seq 1 "$REPEAT"); do
    order=()
    for i in 0 1 2 3; do order+=("${KINDS[$(((i + round - 1) % 4))]}"); done
    echo "== round $round: ${order[*]}"
    start_echo --discard
    for kind in "${order[@]}"; do
        start_relay "$kind"
        run_one bulk "$kind" "$round" bulk --bytes "$BYTES"
        [ -n "$RELAY_PID" ] && stop_pid "$RELAY_PID"
    done
    stop_pid "$ECHO_PID"
    start_echo
    for kind in "${order[@]}"; do
        start_relay "$kind"
        run_one lines "$kind" "$round" pipeline --conns "$CONNS" --lines "$LINES" --size 64 --window 1024
        run_one fanout "$kind" "$round" fanout --conns "$FANOUT" --size 64 --connect-window 512
        [ -n "$RELAY_PID" ] && stop_pid "$RELAY_PID"
    done
    stop_pid "$ECHO_PID"
done

echo "== summary (medians of $REPEAT round(s); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'))"
"$PYTHON" - "$RUNS" <<'EOF'
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
def med(scenario, peer, key):
    v = [r["result"].get(key) for r in runs if r["scenario"] == scenario and r["peer"] == peer]
    v = [x for x in v if isinstance(x, (int, float))]
    return statistics.median(v) if v else float("nan")
for peer in ("direct", "socat", "proxy", "proxy-f"):
    print(f"  bulk   {peer:8s} {med('bulk', peer, 'mb_per_s'):9.1f} MB/s")
for p in ("proxy", "proxy-f"):
    print(f"  bulk   {p}/socat {med('bulk',p,'mb_per_s') / med('bulk','socat','mb_per_s'):.2f}x (target >= 0.8)")
for peer in ("direct", "socat", "proxy", "proxy-f"):
    print(f"  lines  {peer:8s} {med('lines', peer, 'lines_per_s'):11.0f} lines/s")
for p in ("proxy", "proxy-f"):
    print(f"  lines  {p}/socat {med('lines',p,'lines_per_s') / med('lines','socat','lines_per_s'):.2f}x (target >= 1.0)")
for peer in ("direct", "socat", "proxy", "proxy-f"):
    print(f"  fanout {peer:8s} p50 {med('fanout', peer, 'latency_p50_ms'):8.2f} ms  p99 {med('fanout', peer, 'latency_p99_ms'):8.2f} ms"
          f"  served {med('fanout', peer, 'served'):.0f}")
EOF
[ "$FAILED" = 0 ] || { echo "proxy_bench.sh: some runs failed (see above)" >&2; exit 1; }
exit 0
