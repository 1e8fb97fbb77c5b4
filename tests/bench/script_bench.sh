#!/usr/bin/env bash
# script_bench.sh — linewright-cli run as a load generator against
# redis-server, side by side with redis-benchmark, in one run:
#   linewright-cli run examples/scripts/redis-bench.lws --parallel C --iterations I
#     (each iteration: connect, AUTH, then SET and GET ten times: 21 round
#     trips, 31 expects since GET's reply is two messages)
#   redis-benchmark -c C -n N -t set,get -a PASSWORD   (N = C * I * 10 per command)
# and prints requests per second for both and their ratio (ours / redis-benchmark).
# Usage: tests/bench/script_bench.sh [LINEWRIGHT_CLI] [PARALLEL] [ITERATIONS]
# The server is started on a free loopback port and stopped by its PID.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
CLI="${1:-$ROOT/build/default/app/linewright-cli}"
PARALLEL="${2:-100}"
ITER="${3:-100}"
PASS=linewright-test
[ -x "$CLI" ] || { echo "script_bench.sh: no linewright-cli at $CLI (build it, or pass its path)" >&2; exit 1; }
for t in redis-server redis-benchmark; do
    command -v "$t" >/dev/null || { echo "script_bench.sh: $t is not installed (apt-get install redis-server redis-tools)" >&2; exit 1; }
done
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
LOG=$(mktemp)
redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no --requirepass "$PASS" >"$LOG" 2>&1 &
REDIS=$!
trap 'kill "$REDIS" 2>/dev/null; wait "$REDIS" 2>/dev/null; rm -f "$LOG"' EXIT
for _ in $(seq 1 100); do grep -q "Ready to accept" "$LOG" && break; sleep 0.05; done
grep -q "Ready to accept" "$LOG" || { cat "$LOG" >&2; exit 1; }

OUT=$("$CLI" run "$ROOT/examples/scripts/redis-bench.lws" --to "127.0.0.1:$PORT" \
      --parallel "$PARALLEL" --iterations "$ITER" --json)
echo "linewright-cli run: $OUT"
OURS=$(/usr/bin/python3 -c '
import json,sys
o=json.loads(sys.argv[1])
assert o["failed"]==0, o
# round trips: 21 per iteration (AUTH + 10 SET + 10 GET)
print("%.0f" % (o["passed"]*21/(o["elapsed_us"]/1e6)))' "$OUT")

N=$((PARALLEL * ITER * 10))
RB=$(redis-benchmark -h 127.0.0.1 -p "$PORT" -a "$PASS" -c "$PARALLEL" -n "$N" -t set,get -q 2>/dev/null | tr '\r' '\n' | grep -E '^(SET|GET): [0-9.]+ requests per second')
echo "redis-benchmark -c $PARALLEL -n $N -t set,get:"
echo "$RB"
THEIRS=$(echo "$RB" | /usr/bin/python3 -c '
import re,sys
v=[float(m.group(1)) for m in re.finditer(r":\s*([0-9.]+) requests per second", sys.stdin.read())]
print("%.0f" % (sum(v)/len(v)))')
echo "requests/s: linewright-cli run $OURS, redis-benchmark $THEIRS (mean of SET and GET)"
/usr/bin/python3 -c 'import sys; print("ratio (run / redis-benchmark): %.2f" % (float(sys.argv[1])/float(sys.argv[2])))' "$OURS" "$THEIRS"
