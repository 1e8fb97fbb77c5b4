#!/usr/bin/env bash
# Linewright UDP benchmark: echoed datagrams per second through
# `linewright-cli udp listen --echo`, socat and a minimal recvmmsg/sendmmsg
# floor (lw_udp_floor echo), side by side in one run on loopback. See
# docs/performance.md, "UDP".
#
#   tests/bench/udp_bench.sh BUILD_DIR [--quick] [--repeat N] [--count N] [--size B]
#                            [--window N] [--seconds S] [--out FILE]
#
# BUILD_DIR is a configured build tree holding lw_udp_floor (the project's
# tree, in tests/bench/, or a standalone one from `cmake -S tests/bench -B
# DIR`); if it is missing the script runs `cmake --build BUILD_DIR --target
# lw_udp_floor`, nothing else. linewright-cli is $LW_CLI, else
# BUILD_DIR/app/linewright-cli; if it is absent or has no `udp` command, the
# linewright peer is skipped, loudly.
#
# Every peer is loaded by the same client, `lw_udp_floor client`: --count
# (default 200000) datagrams of --size bytes (default 32), at most --window
# (default 64) unanswered, each run bounded by --seconds (default 30) and
# timeout(1). A window unanswered for 100 ms counts as lost. The peers:
#   linewright  linewright-cli udp listen 127.0.0.1:0 --echo --quiet
#   socat       socat -b SIZE UDP-LISTEN:PORT,bind=127.0.0.1 PIPE (one peer;
#               -b SIZE so that the pipe gives back one datagram per read:
#               without it socat merges replies)
#   socat-fork  socat UDP-RECVFROM:PORT,bind=127.0.0.1,fork EXEC:cat (a
#               process per datagram; window 1 and at most 2000 datagrams)
#   floor       lw_udp_floor echo 127.0.0.1:0 (blocking recvmmsg/sendmmsg,
#               64 per call)
#
#   --quick     a smoke run (20000 datagrams, one round; not for figures)
#   --repeat N  rounds; each round runs every peer once, the order rotated
#               from one round to the next; medians reported (default 3)
#   --out FILE  the result as JSON (default BUILD_DIR/udp-bench-results.json;
#               every single run also goes to FILE's .runs.jsonl beside it)
#
# Environment: LW_CLI (path of linewright-cli), PYTHON (default python3).
# Every server is started on loopback and stopped by the PID this script got
# when it started it. Exit status: 0 when every run completed, 1 otherwise,
# 2 on bad usage.

set -u -o pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$HERE/bench_lib.sh"

ORIG_ARGS="$*"
COUNT=200000 SIZE=32 WINDOW=64 SECONDS_MAX=30
bench_args udp_bench.sh "--out=OUT --repeat=REPEAT --count=COUNT --size=SIZE --window=WINDOW
    --seconds=SECONDS_MAX --quick:QUICK=1" "$@"
for v in "$REPEAT" "$COUNT" "$SIZE" "$WINDOW" "$SECONDS_MAX"; do
    posnum "$v" || { echo "udp_bench.sh: --repeat, --count, --size, --window and --seconds take a positive number" >&2; exit 2; }
done
[ "$SIZE" -le 8192 ] || { echo "udp_bench.sh: --size is at most 8192 (socat's largest -b here)" >&2; exit 2; }
if [ "$QUICK" = 1 ]; then COUNT=20000; REPEAT=1; fi
bench_paths udp_bench.sh udp-bench-results.json lw-udp-bench

need_tools udp_bench.sh lw_udp_floor
FLOOR="$(find_tool lw_udp_floor)"
CLI="${LW_CLI:-$BUILD/app/linewright-cli}"
PEERS=()
if [ ! -x "$CLI" ]; then
    banner "linewright-cli: not found at $CLI" "The linewright peer is SKIPPED." "Set LW_CLI=/path/to/cli."
elif ! "$CLI" udp --help >/dev/null 2>&1; then
    banner "linewright-cli: $CLI has no udp command" "The linewright peer is SKIPPED."
else
    PEERS+=(linewright)
fi
if command -v socat >/dev/null 2>&1; then PEERS+=(socat socat-fork); else
    banner "socat is not installed: the socat peers are SKIPPED (Debian package socat)"
fi
PEERS+=(floor)

udp_free_port() {
    "$PYTHON" -c 'import socket; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
# udp_bound PORT: 0 when something holds UDP 127.0.0.1:PORT (our bind fails).
udp_bound() {
    "$PYTHON" -c 'import socket,sys
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)
try: s.bind(("127.0.0.1",int(sys.argv[1])))
except OSError: sys.exit(0)
sys.exit(1)' "$1"
}
# listening_line FILE: the port of linewright's "listening on 127.0.0.1:PORT (udp)" in FILE.
listening_line() {
    local p
    p="$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\) (udp).*/\1/p' "$1" 2>/dev/null | head -n 1)"
    [ -n "$p" ] && echo "$p"
}

start_peer() { # peer -> SERVER_PID, SERVER_PORT
    local out="$LOGDIR/$1.out" err="$LOGDIR/$1.err"
    SERVER_PORT=""
    case "$1" in
        linewright)
            "$CLI" udp listen 127.0.0.1:0 --echo --quiet >"$out" 2>"$err" &
            SERVER_PID=$!; PIDS+=("$SERVER_PID")
            SERVER_PORT="$(wait_for "$SERVER_PID" listening_line "$err")" || SERVER_PORT="" ;;
        socat|socat-fork)
            SERVER_PORT="$(udp_free_port)"
            if [ "$1" = socat ]; then
                socat -b "$SIZE" "UDP-LISTEN:$SERVER_PORT,bind=127.0.0.1" PIPE >"$out" 2>"$err" &
            else
                socat "UDP-RECVFROM:$SERVER_PORT,bind=127.0.0.1,fork" EXEC:cat >"$out" 2>"$err" &
            fi
            SERVER_PID=$!; PIDS+=("$SERVER_PID")
            wait_for "$SERVER_PID" udp_bound "$SERVER_PORT" || SERVER_PORT="" ;;
        floor) serve_port_line "$out" "$err" "$FLOOR" echo 127.0.0.1:0 ;;
    esac
    server_listening "$1" "$err"
}

LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
T0=$(date +%s)
FAILED=0
echo "== udp_bench.sh $ORIG_ARGS"
echo "   $(cpu_model), $(nproc) CPUs; load average before: $LOAD_BEFORE"
echo "   $COUNT datagrams of $SIZE B, window $WINDOW, $REPEAT round(s); peers: ${PEERS[*]}"
for r in $(seq 1 "$REPEAT"); do
    for peer in $(rotate "$r" "${PEERS[@]}"); do
        n="$COUNT" w="$WINDOW"
        if [ "$peer" = socat-fork ]; then n=$((COUNT < 2000 ? COUNT : 2000)); w=1; fi
        if ! start_peer "$peer"; then FAILED=1; continue; fi
        res="$(timeout $((SECONDS_MAX + 10)) "$FLOOR" client 127.0.0.1 "$SERVER_PORT" "$n" "$SIZE" "$w" "$SECONDS_MAX")"
        status=$?
        stop_server
        [ -n "$res" ] || res='{"ok": false, "error": "the client printed nothing"}'
        [ "$status" = 0 ] || FAILED=1
        record udp_echo "$peer" "$r" "$res"
        echo "   round $r  $(printf '%-11s' "$peer") $res"
    done
done
ELAPSED=$(( $(date +%s) - T0 ))
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"
echo "   load average after: $LOAD_AFTER"

"$PYTHON" - "$RUNS" "$OUT" "$LOAD_BEFORE" "$LOAD_AFTER" "udp_bench.sh $ORIG_ARGS" <<'PY'
import json, statistics, sys
runs_path, out_path, before, after, command = sys.argv[1:6]
runs = [json.loads(l) for l in open(runs_path) if l.strip()]
peers = []
for r in runs:
    if r["peer"] not in peers: peers.append(r["peer"])
med = {}
print("\n   peer         datagrams/s (median)   lost   vs floor  vs socat")
rows = {}
for p in peers:
    ok = [r["result"] for r in runs if r["peer"] == p and r["result"].get("ok")]
    if not ok: continue
    med[p] = statistics.median(x["per_s"] for x in ok)
    rows[p] = {"per_s_median": med[p], "runs": len(ok), "per_s": [x["per_s"] for x in ok],
               "lost": sum(x["lost"] for x in ok), "odd_size_replies": sum(x["odd_size_replies"] for x in ok)}
for p, row in rows.items():
    vf = "%.2fx" % (med[p] / med["floor"]) if "floor" in med else "-"
    vs = "%.2fx" % (med[p] / med["socat"]) if "socat" in med else "-"
    row["vs_floor"] = med[p] / med["floor"] if "floor" in med else None
    print("   %-11s %12.0f %14d %9s %9s" % (p, med[p], row["lost"], vf, vs))
json.dump({"command": command, "load_before": before, "load_after": after, "peers": rows}, open(out_path, "w"), indent=1)
print("\n   results: %s" % out_path)
PY
finish $?
