# bench_lib.sh — what the bench scripts (run_bench.sh, tls_bench.sh,
# udp_bench.sh, proxy_bench.sh) share, sourced by each (bash) once HERE (this
# folder) is set, and used once BUILD, LOGDIR, RUNS and PYTHON are set (by the
# script, or by bench_paths):
#   the usage text (usage), the options (bench_args), the check of a
#   positive number (posnum), the paths of a run (bench_paths), the bench
#   tools (find_tool, need_tools), the loud banner for a missing
#   linewright-cli, the servers (started on loopback, stopped by the PID this
#   script got when it started them; every server's PID in PIDS, all stopped
#   on exit), the record of every run (RUNS, one JSON line each), the
#   rotation of peers from one round to the next, the machine's CPU model,
#   and the exit status after the summary.
# It only defines functions, PIDS and the defaults of the options every
# script takes, sets the exit trap and exports LW_BENCH_DIR (this folder: the
# summaries import bench_summary.py from it); it runs nothing.

export LW_BENCH_DIR="$HERE"
LOGDIR="${LOGDIR:-}"
BUILD="" OUT="" REPEAT=3 QUICK=0 STRICT=0

# usage: the script's opening comment (what it does and how it is called) on
# stderr, then exit 2. (A script that has a usage of its own keeps it.)
declare -F usage >/dev/null || usage() {
    awk 'NR > 1 && !/^#/ { exit } NR > 1' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

# posnum V: whether V is a positive whole number (digits, no leading 0).
posnum() { case "$1" in ''|*[!0-9]*|0*) return 1 ;; esac; return 0; }

# bench_args SCRIPT SPECS ARGS...: the options ARGS into the variables SPECS
# names, and the one word that is not an option into BUILD (a second: usage).
# SPECS, a word an option: --name=VAR takes a value into VAR; --name:VAR=V
# sets VAR to V (an option may have several such words). -h/--help: usage;
# an unknown option: SCRIPT says so, then usage.
bench_args() {
    local script="$1" specs="$2" spec took; shift 2
    while [ $# -gt 0 ]; do
        case "$1" in -h|--help) usage ;; esac
        took=0
        for spec in $specs; do
            case "$spec" in
                "$1="*) [ $# -ge 2 ] || usage; printf -v "${spec#*=}" '%s' "$2"; took=2 ;;
                "$1:"*) spec="${spec#*:}"; printf -v "${spec%%=*}" '%s' "${spec#*=}"; took=1 ;;
            esac
        done
        case "$took$1" in
            0-*) echo "$script: unknown option $1" >&2; usage ;;
            0*) [ -z "$BUILD" ] || usage; BUILD="$1"; took=1 ;;
        esac
        shift "$took"
    done
}

# ---- the paths of a run ------------------------------------------------

# bench_paths SCRIPT RESULTS PREFIX: after the options, with BUILD the build
# tree given (usage when none; exits 2 when it is not a directory): BUILD
# made absolute, PYTHON (default python3), OUT (default BUILD/RESULTS), RUNS
# (OUT's .runs.jsonl beside it, emptied) and LOGDIR (a new temporary folder
# PREFIX.XXXXXX, removed on exit).
bench_paths() {
    [ -n "$BUILD" ] || usage
    [ -d "$BUILD" ] || { echo "$1: no build directory $BUILD" >&2; exit 2; }
    BUILD="$(cd "$BUILD" && pwd)"
    PYTHON="${PYTHON:-python3}"
    [ -n "$OUT" ] || OUT="$BUILD/$2"
    RUNS="${OUT%.json}.runs.jsonl"
    LOGDIR="$(mktemp -d "${TMPDIR:-/tmp}/$3.XXXXXX")"
    : > "$RUNS"
}

# ---- the tools ---------------------------------------------------------

find_tool() { # name -> path or empty
    local p
    for p in "$BUILD/tests/bench/$1" "$BUILD/$1"; do
        [ -x "$p" ] && { echo "$p"; return; }
    done
}

# need_tools SCRIPT TOOL...: builds the TOOLs in BUILD (only them) when one
# is missing; exits 1, saying how to get a build tree, when that fails.
need_tools() {
    local script="$1" t missing=0; shift
    for t in "$@"; do [ -n "$(find_tool "$t")" ] || missing=1; done
    [ "$missing" = 1 ] || return 0
    echo "== building $* in $BUILD"
    cmake --build "$BUILD" --target "$@" >"$LOGDIR/build.log" 2>&1 || {
        cat "$LOGDIR/build.log" >&2
        echo "$script: could not build $* in $BUILD; configure one with" >&2
        echo "  cmake -S $HERE -B DIR && tests/bench/$script DIR" >&2
        exit 1
    }
    for t in "$@"; do
        [ -n "$(find_tool "$t")" ] || { echo "$script: $t not found in $BUILD" >&2; exit 1; }
    done
}

# banner LINE...: the LINEs in a box of #, loud enough to be seen in a log.
banner() {
    local line
    echo
    echo "  ###################################################################"
    for line in "$@"; do echo "  ##  $line"; done
    echo "  ###################################################################"
    echo
}

# ---- servers -----------------------------------------------------------

PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" 2>/dev/null
    done
    PIDS=()
}
trap 'cleanup; rm -rf "$LOGDIR"' EXIT
trap 'echo "interrupted" >&2; exit 130' INT TERM

SERVER_PID="" SERVER_PORT=""

free_port() {
    "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# wait_for PID CMD...: runs CMD every 0.1 s until it succeeds, then echoes
# what it printed; 1 when PID is gone first or after ~10 s.
wait_for() {
    local pid="$1" i out; shift
    for i in $(seq 1 100); do
        if out="$("$@")"; then
            [ -z "$out" ] || echo "$out"
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

# accepts_tcp PORT: 0 when 127.0.0.1:PORT accepts a connection.
accepts_tcp() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# first_line FILE: FILE's first line; 1 while there is none.
first_line() {
    local p
    p="$(head -n 1 "$1" 2>/dev/null)"
    [ -n "$p" ] && echo "$p"
}

# Wait until 127.0.0.1:$1 accepts a connection (max ~10 s) while $2 lives.
wait_listening() { wait_for "$2" accepts_tcp "$1"; }

# Wait for the port number a server prints as its first stdout line.
wait_port_line() { wait_for "$2" first_line "$1"; } # file pid

# serve_cli CLI OUT ERR ARGS...: `CLI listen 127.0.0.1:PORT ARGS` on a free
# port; sets SERVER_PID, and SERVER_PORT once it accepts connections.
serve_cli() {
    local cli="$1" out="$2" err="$3"; shift 3
    SERVER_PORT="$(free_port)"
    "$cli" listen "127.0.0.1:$SERVER_PORT" "$@" >"$out" 2>"$err" &
    SERVER_PID=$!; PIDS+=("$SERVER_PID")
    wait_listening "$SERVER_PORT" "$SERVER_PID" || SERVER_PORT=""
}

# serve_port_line OUT ERR CMD...: a server that picks its port and prints it
# as its first line; sets SERVER_PID, and SERVER_PORT once it is printed.
serve_port_line() {
    local out="$1" err="$2"; shift 2
    "$@" >"$out" 2>"$err" &
    SERVER_PID=$!; PIDS+=("$SERVER_PID")
    SERVER_PORT="$(wait_port_line "$out" "$SERVER_PID")" || SERVER_PORT=""
}

# server_listening NAME ERR: 0 when the server just started has a port; else
# says so with its stderr (ERR), stops it and returns 1.
server_listening() {
    [ -z "$SERVER_PORT" ] || return 0
    echo "  !! $1 did not start listening; its stderr:" >&2
    sed 's/^/     /' "$2" >&2
    stop_server
    return 1
}

stop_server() {
    [ -n "$SERVER_PID" ] || return 0
    local pid="$SERVER_PID" i keep=()
    kill -TERM "$pid" 2>/dev/null
    for i in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    for i in "${PIDS[@]}"; do [ "$i" = "$pid" ] || keep+=("$i"); done
    PIDS=("${keep[@]}")
    SERVER_PID=""
}

# ---- runs --------------------------------------------------------------

record() { # scenario peer run json
    printf '{"scenario": "%s", "peer": "%s", "run": %s, "result": %s}\n' "$1" "$2" "$3" "$4" >>"$RUNS"
}

# rotate R WORDS...: WORDS rotated by R-1 (round 1 as given, round 2 from the
# second...), one a line: each round runs every peer once, in turn first, so
# that a change of load on the machine falls on all of them alike.
rotate() {
    local r="$1"; shift
    local a=("$@") n=$# k
    for k in $(seq 0 $((n - 1))); do
        printf '%s\n' "${a[$(((k + r - 1) % n))]}"
    done
}

# ---- summary -----------------------------------------------------------

cpu_model() {
    local m
    m="$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1)"
    [ -n "$m" ] || m="$(sed -n 's/^model name\t*: //p' /proc/cpuinfo | head -n 1)"
    echo "$m"
}

# finish SUMMARY_STATUS: exits 0 when every run completed (FAILED=0) and the
# summary ran, 1 otherwise; with STRICT=1 also 1 when the summary wrote "1"
# to RUNS.missed (a target missed).
finish() {
    local missed
    echo "   elapsed: ${ELAPSED}s"
    missed="$(cat "$RUNS.missed" 2>/dev/null || echo 0)"
    rm -f "$RUNS.missed"
    [ "$1" = 0 ] || FAILED=1
    if [ "$FAILED" = 1 ]; then exit 1; fi
    if [ "$STRICT" = 1 ] && [ "$missed" = 1 ]; then exit 1; fi
    exit 0
}
