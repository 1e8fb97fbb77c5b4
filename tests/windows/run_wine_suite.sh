#!/usr/bin/env bash
# tests/windows/run_wine_suite.sh — cross-builds the platform layer for
# Windows with MinGW-w64 (the windows-cross preset: posix threads, static
# runtime, warnings as errors) and runs its Qt-free checks under Wine
# (tests/windows/net_checks.cpp: Winsock errors mapped to std::errc and named
# portably, would-block, a 100 kB binary transfer, FIN as end-of-file, RST,
# refused connect read from SO_ERROR, select past 64 sockets, binary stdout).
#
#   tests/windows/run_wine_suite.sh [BUILD_DIR]   (default build/windows-cross)
#
# Needs the Debian packages mingw-w64, wine and unicode-data (RE2's tables;
# installer/bootstrap.sh windows installs them). Wine gets a prefix of its own inside the build directory, so
# the run never touches ~/.wine; it is created on the first run (a few seconds).
# RE2 has no MinGW package in Debian: tests/windows/build_re2.sh cross-builds
# Debian's own RE2 source into BUILD_DIR/deps, so engine/asyncore and
# engine/program are cross-built too and pattern_checks.exe runs. What is not
# built here: OpenSSL and Qt have no MinGW packages either, so engine/tls and
# the layers above it, linewright-cli and the GUI are not cross-built
# (docs/install.md, "Windows").
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

build=${1:-build/windows-cross}
mkdir -p "$build"
build=$(cd "$build" && pwd)  # absolute: WINEPREFIX must be
for tool in x86_64-w64-mingw32-g++-posix wine; do
    command -v "$tool" >/dev/null || { echo "run_wine_suite: $tool not found (apt-get install mingw-w64 wine)" >&2; exit 1; }
done

# RE2 for MinGW, built from Debian's source into $build/deps (cached there
# only), so that engine/asyncore and engine/program (the layers below
# engine/tls) are cross-built and their Pattern checks run too.
re2_prefix=$(tests/windows/build_re2.sh "$build")

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake --preset windows-cross -B "$build" --log-level=WARNING "${launcher[@]}" \
    -DLW_ENGINE_BELOW_TLS=ON -Dre2_DIR="$re2_prefix/lib/cmake/re2"
cmake --build "$build" -j2

export WINEPREFIX=$build/wineprefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
mkdir -p "$WINEPREFIX"
# One program, bounded: every wait inside has its own 5 s deadline.
out=$(timeout 120 wine "$build/tests/windows/net_checks.exe" 2>&1) || {
    printf '%s\n' "$out"
    echo "run_wine_suite: net_checks.exe failed under Wine" >&2
    exit 1
}
printf '%s\n' "$out"
# The program is Windows' own: make sure it ran as one (a .exe under Wine), and
# that every check reported.
grep -q ' checks passed, 0 failed' <<<"$out" || { echo "run_wine_suite: no summary line" >&2; exit 1; }

# engine/asyncore's Pattern over the cross-built RE2: binary bytes, captures,
# a refused pattern.
out=$(timeout 120 wine "$build/tests/windows/pattern_checks.exe" 2>&1) || {
    printf '%s\n' "$out"
    echo "run_wine_suite: pattern_checks.exe failed under Wine" >&2
    exit 1
}
printf '%s\n' "$out"
grep -q ' checks passed, 0 failed' <<<"$out" || { echo "run_wine_suite: pattern_checks: no summary line" >&2; exit 1; }
wineserver -k 2>/dev/null || true
