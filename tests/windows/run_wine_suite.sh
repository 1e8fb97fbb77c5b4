#!/usr/bin/env bash
# tests/windows/run_wine_suite.sh — CI's Windows step (installer/bootstrap.sh
# windows). Cross-builds the whole engine, the examples and linewright-cli for
# Windows with MinGW-w64 (cmake/toolchains/mingw-w64.cmake: posix threads,
# static runtime; warnings as errors) and runs under Wine:
#   net_checks.exe      engine/net: Winsock errors mapped to std::errc and named
#                       portably, would-block, 100 kB binary transfer, FIN as
#                       end-of-file, RST, refused connect (SO_ERROR), select
#                       past 64 sockets, binary stdout;
#   pattern_checks.exe  engine/asyncore's Pattern over the cross-built RE2;
#   linewright-cli.exe  tests/windows/wine_cli_checks.py: --help/--version,
#                       listen --echo (poll, select) byte-exact and with 200
#                       concurrent connections, connect to a CPython asynchat
#                       server, --json, --record, summary, export --pcapng
#                       (tshark), replay, mock; select past FD_SETSIZE (a
#                       refusal per connection, the loop serves on); Ctrl-C
#                       (SIGINT to the wine process) in listen and connect;
#                       connect --tls to openssl s_server (--cafile, wrong CA);
#                       and the recorded sessions read by the Linux build
#                       (build/default, when it is there).
#
#   tests/windows/run_wine_suite.sh [BUILD_DIR]   (default build/windows-cross)
#
# Debian has no RE2 or OpenSSL for MinGW: build_re2.sh and build_openssl.sh
# cross-build Debian's own sources into BUILD_DIR/deps (OpenSSL in a minimal
# configuration, at -O1). The C++ is built at -O1 without debug info, with
# assertions on: the fastest cold build that still gets GCC's flow warnings
# (docs/install.md, "Windows"). Wine gets a prefix of its own in BUILD_DIR.
# Needs mingw-w64, wine, unicode-data, tshark, openssl and a python3 with
# asynchat (3.11).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

build=${1:-build/windows-cross}
mkdir -p "$build"
build=$(cd "$build" && pwd)  # absolute: WINEPREFIX must be
for tool in x86_64-w64-mingw32-g++-posix wine tshark openssl python3; do
    command -v "$tool" >/dev/null || { echo "run_wine_suite: $tool not found" >&2; exit 1; }
done
python3 -c 'import asynchat' 2>/dev/null ||
    { echo "run_wine_suite: python3 ($(command -v python3)) has no asynchat (Python 3.11 has it)" >&2; exit 1; }

t0=$SECONDS
re2_prefix=$(tests/windows/build_re2.sh "$build" 2>"$build/re2.log") ||
    { tail -n 30 "$build/re2.log" >&2; echo "run_wine_suite: RE2 build failed" >&2; exit 1; }
t1=$SECONDS
ssl_prefix=$(tests/windows/build_openssl.sh "$build" 2>"$build/openssl.log") ||
    { tail -n 30 "$build/openssl.log" >&2; echo "run_wine_suite: OpenSSL build failed" >&2; exit 1; }
t2=$SECONDS

# CLI11 is header-only: its headers copied into the build directory, so that
# the cross-build gets no -I/usr/include (glibc's headers).
cli11=$build/deps/cli11
mkdir -p "$cli11/include"
cp -r /usr/include/CLI "$cli11/include/"
cp /usr/share/cmake/CLI11/CLI11ConfigVersion.cmake "$cli11/"
cat >"$cli11/CLI11Config.cmake" <<CFG
if(NOT TARGET CLI11::CLI11)
    add_library(CLI11::CLI11 INTERFACE IMPORTED)
    set_target_properties(CLI11::CLI11 PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "$cli11/include")
endif()
CFG

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake --preset windows-cross -B "$build" --log-level=WARNING "${launcher[@]}" \
    -DLW_ENGINE_NET_ONLY=OFF -DLW_BUILD_TESTS=OFF -DLW_BUILD_BENCH=OFF \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 \
    -Dre2_DIR="$re2_prefix/lib/cmake/re2" -DCLI11_DIR="$cli11" -DOPENSSL_USE_STATIC_LIBS=ON \
    -DOPENSSL_INCLUDE_DIR="$ssl_prefix/include" -DLIB_EAY="$ssl_prefix/lib64/libcrypto.a" \
    -DSSL_EAY="$ssl_prefix/lib64/libssl.a" \
    >"$build/configure.log" 2>&1 || { cat "$build/configure.log" >&2; exit 1; }
nice -n 5 cmake --build "$build" -j2 >"$build/build.log" 2>&1 ||
    { grep -E -A3 'error:|FAILED:' "$build/build.log" | cut -c1-400 | head -n 40 >&2; echo "run_wine_suite: cross-build failed" >&2; exit 1; }
t3=$SECONDS
echo "cross-built (-Werror): RE2 $((t1 - t0)) s, OpenSSL $((t2 - t1)) s, engine + examples + linewright-cli $((t3 - t2)) s"

export WINEPREFIX=$build/wineprefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
mkdir -p "$WINEPREFIX"
trap 'wineserver -k 2>/dev/null || true' EXIT
# A persistent wineserver, and Wine's own services (winedevice.exe, ...)
# started once here with stdio on /dev/null. Otherwise every run of a program
# starts them anew, they inherit the caller's pipes and keep them open for
# the server's 3 s linger: each captured run took 3 s more (0.14 s now).
wineserver -p </dev/null >/dev/null 2>&1
timeout 120 wine "$build/app/linewright-cli.exe" --version </dev/null >/dev/null 2>&1 || true
# Each program bounded: every wait inside has its own deadline.
for prog in net_checks pattern_checks; do
    out=$(timeout 120 wine "$build/tests/windows/$prog.exe" 2>&1) || {
        printf '%s\n' "$out"
        echo "run_wine_suite: $prog.exe failed under Wine" >&2
        exit 1
    }
    # The summary line says every check reported.
    summary=$(grep ' checks passed, 0 failed' <<<"$out") || {
        printf '%s\n' "$out"
        echo "run_wine_suite: $prog: no summary line" >&2
        exit 1
    }
    echo "$prog.exe: $summary"
done

linux_cli=()
if [[ -x build/default/app/linewright-cli ]]; then
    linux_cli=("$PWD/build/default/app/linewright-cli")
else
    echo "run_wine_suite: build/default/app/linewright-cli not built: the session portability check is SKIPPED"
fi
mkdir -p "$build/cli-checks"
timeout 900 python3 tests/windows/wine_cli_checks.py "$build/app/linewright-cli.exe" "$build/cli-checks" \
    "${linux_cli[@]}"
