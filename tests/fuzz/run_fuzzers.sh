#!/usr/bin/env bash
# run_fuzzers.sh BUILD_DIR SECONDS — runs every libFuzzer target built in
# BUILD_DIR (configured with -DLW_FUZZ=ON, see tests/fuzz/CMakeLists.txt) for
# SECONDS seconds (all at once), starting from the committed corpus, and fails on the
# first crash, leak, timeout or out-of-memory, printing the input that
# caused it. The committed corpus is only read: new inputs go to a temporary
# directory (merge them in with -merge=1 when they are worth keeping).
set -euo pipefail
if [[ $# -ne 2 || ! $2 =~ ^[0-9]+$ || $2 -lt 1 ]]; then
    echo "usage: $0 BUILD_DIR SECONDS" >&2
    exit 2
fi
build=$1
seconds=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The targets run at the same time (one core each): the wall time is SECONDS,
# not SECONDS per target; each one's result is reported when all are done.
targets=(SessionReader PcapReader)
for target in "${targets[@]}"; do
    if [[ ! -x $build/tests/fuzz/fuzz_$target ]]; then
        echo "run_fuzzers: $build/tests/fuzz/fuzz_$target is missing (configure with CXX=clang++ -DLW_FUZZ=ON and build fuzz_$target)" >&2
        exit 2
    fi
done

declare -A pids
for target in "${targets[@]}"; do
    bin="$build/tests/fuzz/fuzz_$target"
    mkdir -p "$work/$target/new" "$work/$target/artifacts"
    dict=()
    [[ -f $here/$target.dict ]] && dict=(-dict="$here/$target.dict")
    echo "==> fuzz_$target for ${seconds}s"
    "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -print_final_stats=1 "${dict[@]}" -artifact_prefix="$work/$target/artifacts/" \
        "$work/$target/new" "$here/corpus/$target" > "$work/$target/log" 2>&1 &
    pids[$target]=$!
done

status=0
for target in "${targets[@]}"; do
    if ! wait "${pids[$target]}"; then
        status=1
        echo "run_fuzzers: fuzz_$target FAILED; the end of its log:" >&2
        tail -n 60 "$work/$target/log" >&2
        for a in "$work/$target/artifacts/"*; do
            [[ -e $a ]] || continue
            echo "run_fuzzers: input: $(basename "$a") (base64):" >&2
            base64 "$a" >&2
        done
    else
        grep -E '^stat::(number_of_executed_units|peak_rss_mb)|^#[0-9]+.*DONE' "$work/$target/log" || true
        echo "==> fuzz_$target: no crash ($(ls "$work/$target/new" | wc -l) new inputs, not kept)"
    fi
done
exit "$status"
