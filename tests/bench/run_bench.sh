#!/usr/bin/env bash
# Linewright benchmark: linewright-cli vs CPython 3.11 asynchat vs a raw epoll
# floor, side by side in one run on loopback. See docs/performance.md.
#
#   tests/bench/run_bench.sh BUILD_DIR [--out FILE] [--repeat N] [--quick] [--strict]
#                            [--old-cli PATH] [--only a,b,c,d] [--pipeline-lines N] [--no-cpython]
#
# BUILD_DIR is a configured build tree holding lw_loadgen and lw_raw_echo
# (the project's tree, where they live in tests/bench/, or a standalone one
# from `cmake -S tests/bench -B DIR`); if they are missing the script runs
# `cmake --build BUILD_DIR --target lw_loadgen lw_raw_echo`, nothing else.
# linewright-cli is taken from $LW_CLI, else BUILD_DIR/app/linewright-cli; if
# it is absent the linewright column is skipped, loudly.
#
#   --out FILE   the machine-readable result (JSON; default BUILD_DIR/bench-results.json;
#                every single run also goes to FILE's .runs.jsonl beside it)
#   --repeat N   rounds per scenario, the median of each peer is reported
#                (default 3; the whole run takes about 1.5 min on 2 cores, most
#                of it CPython)
#   --quick      a smoke run with every scenario scaled down (not for figures)
#   --strict     exit 1 when a target of the issue is missed
#   --old-cli PATH  a second linewright-cli (e.g. a build of the commit before
#                a change), measured as the peer `linewright-old` in the same
#                rounds as the first: a before/after in one run
#   --only LIST  only these scenarios, a comma-separated subset of a,b,c,d
#   --pipeline-lines N  lines per connection in (a) (default 20000; the raw
#                floor moves 50 x 20000 lines in ~20 ms, so one hiccup of the
#                machine moves the ratio: 100000 or more gives steadier figures)
#   --no-cpython leave CPython out (its column and the 10x target are n/a):
#                for long runs of (a), where CPython alone would take minutes
#
# Each round of a scenario runs every peer once, the order rotated from one
# round to the next, so that a change of load on the machine falls on all of
# them alike (a shared machine is rarely quiet for a whole run).
#
# Environment: LW_CLI (path of linewright-cli), LW_CLI_OLD (as --old-cli),
# PYTHON (default python3).
#
# Every server is started on an ephemeral loopback port and stopped by the
# PID this script got when it started it; every client run is bounded by
# timeout(1). Exit status: 0 when every run completed (and, with --strict,
# every target was met), 1 otherwise, 2 on bad usage.

set -u -o pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$HERE/bench_lib.sh"

ORIG_ARGS="$*"
CLI_OLD="${LW_CLI_OLD:-}"
ONLY="a,b,c,d"
A_LINES_ARG=""
NO_CPYTHON=0
bench_args run_bench.sh "--out=OUT --old-cli=CLI_OLD --only=ONLY --pipeline-lines=A_LINES_ARG
    --no-cpython:NO_CPYTHON=1 --repeat=REPEAT --quick:QUICK=1 --strict:STRICT=1" "$@"
case "$REPEAT" in ''|*[!0-9]*|0) echo "run_bench.sh: --repeat takes a positive number" >&2; exit 2 ;; esac
case "$A_LINES_ARG" in ''|[1-9]|[1-9][0-9]*) ;; *) echo "run_bench.sh: --pipeline-lines takes a positive number" >&2; exit 2 ;; esac
case ",$ONLY," in *,[!abcd,]*|*,[abcd][!,]*|,,) echo "run_bench.sh: --only takes a comma-separated subset of a,b,c,d" >&2; exit 2 ;; esac
want() { case ",$ONLY," in *",$1,"*) return 0 ;; esac; return 1; }
bench_paths run_bench.sh bench-results.json lw-bench

# ---- the tools ---------------------------------------------------------

need_tools run_bench.sh lw_loadgen lw_raw_echo
LOADGEN="$(find_tool lw_loadgen)"
RAW="$(find_tool lw_raw_echo)"
CLI="${LW_CLI:-$BUILD/app/linewright-cli}"
HAVE_CLI=1
if [ ! -x "$CLI" ]; then
    HAVE_CLI=0
    banner "linewright-cli NOT FOUND at $CLI" \
        "The linewright column is SKIPPED: only CPython asynchat and the" \
        "raw floor are measured. Build app/ or set LW_CLI=/path/to/cli."
fi
HAVE_OLD=0
if [ -n "$CLI_OLD" ]; then
    [ -x "$CLI_OLD" ] || { echo "run_bench.sh: --old-cli: no executable $CLI_OLD" >&2; exit 2; }
    [ "$HAVE_CLI" = 1 ] || { echo "run_bench.sh: --old-cli needs the (new) linewright-cli too" >&2; exit 2; }
    HAVE_OLD=1
fi
[ "$NO_CPYTHON" = 1 ] || "$PYTHON" -c 'import asynchat' 2>/dev/null || {
    echo "run_bench.sh: $PYTHON has no asynchat module (CPython <= 3.11 needed)" >&2; exit 1; }

# 10,000 concurrent connections: every server started below inherits this.
ulimit -n "$(ulimit -Hn)" 2>/dev/null
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt 10100 ]; then
    ulimit -Hn 20000 2>/dev/null && ulimit -n 20000 2>/dev/null
fi

# ---- scenario sizes ----------------------------------------------------

A_CONNS=50; A_LINES=20000
B_LINES=20000
C_CONNS=10000
D_BYTES=1073741824
if [ "$QUICK" = 1 ]; then
    A_LINES=2000; B_LINES=2000; C_CONNS=1000; D_BYTES=67108864
fi
[ -n "$A_LINES_ARG" ] && A_LINES="$A_LINES_ARG"
SIZE=64

# ---- servers -----------------------------------------------------------

# start_server PEER ARGS...: sets SERVER_PID and SERVER_PORT; 1 on failure.
start_server() {
    local peer="$1"; shift
    local out="$LOGDIR/$peer.$RANDOM.out" err="$LOGDIR/$peer.err"
    SERVER_PID=""; SERVER_PORT=""
    case "$peer" in
        linewright-old*) serve_cli "$CLI_OLD" "$out" "$err" "$@" ;;
        linewright*) serve_cli "$CLI" "$out" "$err" "$@" ;;
        cpython*) serve_port_line "$out" "$err" "$PYTHON" "$HERE/asynchat_echo.py" --port 0 "$@" ;;
        raw*) serve_port_line "$out" "$err" "$RAW" 0 "$@" ;;
    esac
    server_listening "$peer" "$err"
}

FAILED=0
# run_one SCENARIO PEER RUN TIMEOUT SERVER_ARGS -- LOADGEN_ARGS
# One run on a fresh server (fresh port, no state carried over); 1 when the
# server did not start.
run_one() {
    local scen="$1" peer="$2" r="$3" tmo="$4"; shift 4
    local sargs=() largs=() json
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do sargs+=("$1"); shift; done
    shift
    largs=("$@")
    if ! start_server "$peer" "${sargs[@]}"; then
        record "$scen" "$peer" "$r" '{"ok": false, "error": "server did not start"}'
        FAILED=1
        return 1
    fi
    json="$(timeout -k 5 "$((tmo + 15))" "$LOADGEN" "${largs[@]}" --port "$SERVER_PORT" --timeout "$tmo")"
    [ -n "$json" ] || json='{"ok": false, "error": "lw_loadgen killed by timeout or crashed"}'
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        json="${json%\}}, \"server_died\": true}"
    fi
    stop_server
    record "$scen" "$peer" "$r" "$json"
    case "$json" in *'"ok": true'*) ;; *) FAILED=1 ;; esac
    printf '  %-18s %-19s run %s: %s\n' "$scen" "$peer" "$r" "$json" | cut -c1-230
}

# measure SCENARIO "PEER TIMEOUT SERVER_ARGS..." ... -- LOADGEN_ARGS
# REPEAT rounds; each round runs every peer once, starting one peer further
# on each round (p1 p2 p3, then p2 p3 p1, ...). Server arguments are split on
# spaces (none of them holds one). A peer whose server does not start is
# dropped for the rest of the scenario.
measure() {
    local scen="$1"; shift
    local specs=() largs=() spec=() order=() dead=" " r s
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do specs+=("$1"); shift; done
    shift
    largs=("$@")
    for r in $(seq 1 "$REPEAT"); do
        mapfile -t order < <(rotate "$r" "${specs[@]}")
        for s in "${order[@]}"; do
            read -r -a spec <<<"$s"
            case "$dead" in *" ${spec[0]} "*) continue ;; esac
            run_one "$scen" "${spec[0]}" "$r" "${spec[1]}" "${spec[@]:2}" -- "${largs[@]}" || dead="$dead${spec[0]} "
        done
    done
}

# The linewright peers of a scenario: the CLI, and the old one when given.
# The CPython peer of a scenario, unless --no-cpython.
cpy_peer() { # "PEER TIMEOUT SERVER_ARGS"
    [ "$NO_CPYTHON" = 1 ] || printf '%s\n' "$1"
}

lw_peers() { # SUFFIX TIMEOUT SERVER_ARGS
    local suffix="$1"; shift
    [ "$HAVE_CLI" = 1 ] && printf '%s\n' "linewright$suffix $*"
    [ "$HAVE_OLD" = 1 ] && printf '%s\n' "linewright-old$suffix $*"
    return 0
}

LW_ECHO='--echo --quiet --terminator \r\n'

echo "== Linewright benchmark: $(date -u +%Y-%m-%dT%H:%M:%SZ), repeat=$REPEAT$([ "$QUICK" = 1 ] && echo ', QUICK (scaled down)'), scenarios $ONLY"
echo "   loadgen=$LOADGEN"
echo "   cli=$([ "$HAVE_CLI" = 1 ] && echo "$CLI" || echo 'ABSENT')"
[ "$HAVE_OLD" = 1 ] && echo "   old cli=$CLI_OLD"
echo "   load average before: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
START=$SECONDS

if want a; then
    echo "== (a) pipeline: $A_CONNS conns x $A_LINES lines x $SIZE B"
    mapfile -t peers < <(lw_peers "" 120 "$LW_ECHO"; cpy_peer "cpython 120")
    measure a_pipeline "${peers[@]}" "raw 60" \
        -- pipeline --conns "$A_CONNS" --lines "$A_LINES" --size "$SIZE"
fi

if want b; then
    echo "== (b) ping-pong: 1 conn x $B_LINES round trips"
    mapfile -t peers < <(lw_peers "" 60 "$LW_ECHO"; cpy_peer "cpython 60")
    measure b_pingpong "${peers[@]}" "raw 60" -- pingpong --lines "$B_LINES" --size "$SIZE"
fi

if want c; then
    echo "== (c) fan-out: $C_CONNS concurrent conns, one line each"
    mapfile -t peers < <(lw_peers -poll 120 "$LW_ECHO --backend poll"; cpy_peer "cpython-poll 150 --poll")
    measure c_fanout_poll "${peers[@]}" -- fanout --conns "$C_CONNS" --size "$SIZE"
    mapfile -t peers < <(lw_peers -epoll 120 "$LW_ECHO --backend epoll")
    measure c_fanout_epoll "${peers[@]}" "raw-epoll 60" -- fanout --conns "$C_CONNS" --size "$SIZE"
fi

if want d; then
    echo "== (d) bulk: one $D_BYTES-byte message behind count:$D_BYTES, receiver discards"
    mapfile -t peers < <(lw_peers "" 120 "--quiet --terminator count:$D_BYTES"; cpy_peer "cpython 120 --count-terminator $D_BYTES")
    measure d_bulk "${peers[@]}" "raw 60 --discard" \
        -- bulk --bytes "$D_BYTES"
fi

ELAPSED=$((SECONDS - START))

# ---- summary -----------------------------------------------------------

CPU_MODEL="$(cpu_model)"
export LW_B_RUNS="$RUNS" LW_B_OUT="$OUT" LW_B_HAVE_CLI="$HAVE_CLI" LW_B_QUICK="$QUICK" LW_B_REPEAT="$REPEAT"
export LW_B_NPROC="$(nproc)" LW_B_CPU="$CPU_MODEL" LW_B_KERNEL="$(uname -srm)" LW_B_ELAPSED="$ELAPSED"
export LW_B_PYVER="$("$PYTHON" -c 'import sys; print(sys.version.split()[0])')"
export LW_B_CMD="tests/bench/run_bench.sh $ORIG_ARGS" LW_B_CLI="$CLI" LW_B_STRICT="$STRICT"
export LW_B_A="${A_CONNS}x${A_LINES}" LW_B_B="$B_LINES" LW_B_C="$C_CONNS" LW_B_D="$D_BYTES"
export LW_B_ARGS="$BUILD$([ "$QUICK" = 1 ] && echo ' --quick')$([ "$NO_CPYTHON" = 1 ] && echo ' --no-cpython') --repeat $REPEAT --only $ONLY --pipeline-lines $A_LINES"
export LW_B_HAVE_OLD="$HAVE_OLD" LW_B_CLI_OLD="$CLI_OLD" LW_B_LOAD_BEFORE="$LOAD_BEFORE"
export LW_B_LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
"$PYTHON" - <<'PY'
import os, sys, datetime
sys.path.insert(0, os.environ["LW_BENCH_DIR"])
from bench_summary import load_runs, median, ratio, print_targets, print_failed, write_result

runs = load_runs(os.environ["LW_B_RUNS"])
have_cli = os.environ["LW_B_HAVE_CLI"] == "1"
have_old = os.environ["LW_B_HAVE_OLD"] == "1"

def med(scen, peer, key):
    return median(runs, scen, peer, key)

def count(scen, peer):
    rs = [r for r in runs if r["scenario"] == scen and r["peer"] == peer]
    return len(rs), sum(1 for r in rs if r["result"].get("ok"))

def fmt(v, unit=""):
    if v is None:
        return "n/a"
    if v >= 1e6:
        return f"{v/1e6:.2f} M{unit}"
    if v >= 1e3:
        return f"{v/1e3:.1f} k{unit}"
    return f"{v:.2f}{unit}"

def cell(v):
    """A figure in a table cell: 3 digits, or fmt()'s k/M form; '-' for none."""
    return "-" if v is None else (f"{v:.3g}" if v < 1000 else fmt(v))

def times(r, none="-"):
    """A ratio in a table cell ("1.23x"); `none` when there is none."""
    return none if r is None else f"{r:.2f}x"

A, B, C, D = (os.environ["LW_B_" + k] for k in ("A", "B", "C", "D"))
conns_c = f"{int(C)//1000}k" if int(C) >= 1000 else C
size_d = f"{int(D) >> 30} GiB" if int(D) >= 1 << 30 else f"{int(D) >> 20} MiB"
rows = [  # label, metric, scenario, key, linewright peer, CPython peer, raw peer
    (f"(a) pipeline {A}", "lines/s", "a_pipeline", "lines_per_s", "linewright", "cpython", "raw"),
    (f"(b) ping-pong {B}", "trips/s", "b_pingpong", "round_trips_per_s", "linewright", "cpython", "raw"),
    (f"(b) ping-pong {B}", "p99 us", "b_pingpong", "p99_us", "linewright", "cpython", "raw"),
    (f"(c) {conns_c} conns, poll", "served/s", "c_fanout_poll", "served_per_s", "linewright-poll", "cpython-poll", None),
    (f"(c) {conns_c} conns, epoll", "served/s", "c_fanout_epoll", "served_per_s", "linewright-epoll", None, "raw-epoll"),
    (f"(d) {size_d} count:", "MB/s", "d_bulk", "mb_per_s", "linewright", "cpython", "raw"),
]

summary = {"rows": []}
print()
hdr = f"{'scenario':<22} {'metric':<9} {'linewright':>11} {'CPython':>11} {'raw':>11} {'lw/CPython':>10} {'lw/raw':>8}"
print(hdr)
print("-" * len(hdr))
for label, unit, scen, key, lw, cpy, raw in rows:
    v_lw = med(scen, lw, key) if have_cli else None
    v_cp = med(scen, cpy, key) if cpy else None
    v_raw = med(scen, raw, key) if raw else None
    r_cp, r_raw = ratio(v_lw, v_cp), ratio(v_lw, v_raw)
    print(f"{label:<22} {unit:<9} {cell(v_lw) if have_cli else 'SKIPPED':>11} "
          f"{cell(v_cp) if cpy else '-':>11} {cell(v_raw) if raw else '-':>11} "
          f"{times(r_cp, 'n/a') if cpy else '-':>10} {times(r_raw, 'n/a') if raw else '-':>8}")
    row = {"scenario": scen, "metric": key, "unit": unit,
           "linewright": v_lw, "linewright_peer": lw,
           "cpython": v_cp, "cpython_peer": cpy,
           "raw": v_raw, "raw_peer": raw,
           "linewright_over_cpython": r_cp, "linewright_over_raw": r_raw}
    if have_old:
        old = lw.replace("linewright", "linewright-old", 1)
        v_old = med(scen, old, key)
        row.update({"linewright_old": v_old, "linewright_old_peer": old,
                    "linewright_old_over_raw": ratio(v_old, v_raw),
                    "linewright_over_old": ratio(v_lw, v_old)})
    summary["rows"].append(row)

if have_old:
    print()
    print("before/after, the same rounds (linewright = --cli / LW_CLI, old = --old-cli):")
    hdr2 = f"{'scenario':<22} {'metric':<9} {'linewright':>11} {'old':>11} {'new/old':>8} {'new/raw':>8} {'old/raw':>8}"
    print(hdr2)
    print("-" * len(hdr2))
    for row, (label, unit, *_rest) in zip(summary["rows"], rows):
        print(f"{label:<22} {unit:<9} {cell(row['linewright']):>11} {cell(row['linewright_old']):>11} "
              f"{times(row['linewright_over_old']):>8} {times(row['linewright_over_raw']):>8} "
              f"{times(row['linewright_old_over_raw']):>8}")

n_conns = max([r["result"].get("conns", 0) for r in runs if r["scenario"].startswith("c_")] or [0])
served = {}
print()
print("fan-out, connections served (worst run):")
for scen, peer in (("c_fanout_poll", "linewright-poll"), ("c_fanout_epoll", "linewright-epoll"),
                   ("c_fanout_poll", "linewright-old-poll"), ("c_fanout_epoll", "linewright-old-epoll"),
                   ("c_fanout_poll", "cpython-poll"), ("c_fanout_epoll", "raw-epoll")):
    if peer.startswith("linewright") and not have_cli:
        continue
    if peer.startswith("linewright-old") and not have_old:
        continue
    vals = [r["result"].get("served", 0) for r in runs if r["scenario"] == scen and r["peer"] == peer]
    served[peer] = min(vals) if vals else None
    print(f"  {peer:<20} {served[peer]} of {n_conns}")

def get(scen, peer, key):
    return med(scen, peer, key) if have_cli or not peer.startswith("linewright") else None

targets = []
def target(name, ok):
    targets.append({"target": name, "met": ok})
a_lw, a_cp, a_raw = get("a_pipeline", "linewright", "lines_per_s"), med("a_pipeline", "cpython", "lines_per_s"), med("a_pipeline", "raw", "lines_per_s")
target("(a) linewright >= 10x CPython asynchat", None if a_lw is None or a_cp is None else a_lw >= 10 * a_cp)
target("(a) linewright >= 0.5x raw floor", None if a_lw is None or a_raw is None else a_lw >= 0.5 * a_raw)
for peer in ("linewright-poll", "linewright-epoll"):
    s = served.get(peer)
    target(f"(c) all {n_conns} served, {peer}", None if s is None else s == n_conns)
d_lw, d_raw = get("d_bulk", "linewright", "mb_per_s"), med("d_bulk", "raw", "mb_per_s")
target("(d) linewright >= 0.8x raw floor", None if d_lw is None or d_raw is None else d_lw >= 0.8 * d_raw)
print_targets("targets of the issue:", targets)
print_failed(runs)
if not have_cli:
    print()
    print("NOTE: linewright-cli was absent: the linewright column and every ratio to it are n/a.")
print()
print("notes: medians of the runs; for the p99 row a ratio above 1 means linewright is slower;")
print("       CPython's asyncore has no epoll, so (c)/poll compares with CPython and (c)/epoll")
print("       with the raw floor; (d)'s CPython handler counts and drops the bytes (no target).")
print(f"load average (1, 5, 15 min): {os.environ['LW_B_LOAD_BEFORE']} before, {os.environ['LW_B_LOAD_AFTER']} after")

result = {
    "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    "command": os.environ["LW_B_CMD"].strip(),
    "args": os.environ["LW_B_ARGS"],
    "quick": os.environ["LW_B_QUICK"] == "1",
    "repeat": int(os.environ["LW_B_REPEAT"]),
    "elapsed_s": int(os.environ["LW_B_ELAPSED"]),
    "machine": {"nproc": int(os.environ["LW_B_NPROC"]), "cpu": os.environ["LW_B_CPU"],
                "kernel": os.environ["LW_B_KERNEL"], "python": os.environ["LW_B_PYVER"]},
    "linewright_cli": os.environ["LW_B_CLI"] if have_cli else None,
    "linewright_old_cli": os.environ["LW_B_CLI_OLD"] if have_old else None,
    "load_average": {"before": os.environ["LW_B_LOAD_BEFORE"], "after": os.environ["LW_B_LOAD_AFTER"]},
    "summary": summary["rows"],
    "fanout_served_worst": served,
    "targets": targets,
    "runs": runs,
}
write_result(os.environ["LW_B_OUT"], os.environ["LW_B_RUNS"], result, targets)
PY
finish $?
