#!/usr/bin/env bash
# tests/windows/run_wine_cli.sh — OPT-IN, not in .ci/run (too young and too
# slow to gate CI: about 14 min cold on the shared 2-core machine). Cross-builds
# the whole engine and linewright-cli for Windows (MinGW-w64, -Werror) against
# RE2 and OpenSSL built from Debian's sources into BUILD_DIR/deps
# (build_re2.sh, build_openssl.sh) and CLI11's headers, then under Wine:
# --help and --version, and `listen --echo` (poll and select backends) with a
# CPython client sending 120 lines and one of 100 kB with binary bytes, echoed
# byte-exact.
#
#   tests/windows/run_wine_cli.sh [BUILD_DIR]   (default build/windows-cli)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
build=${1:-build/windows-cli}
mkdir -p "$build"
build=$(cd "$build" && pwd)

re2_prefix=$(tests/windows/build_re2.sh "$build")
ssl_prefix=$(tests/windows/build_openssl.sh "$build")
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
cmake -S . -B "$build" -G Ninja --log-level=WARNING "${launcher[@]}" \
    -DCMAKE_TOOLCHAIN_FILE="$PWD/cmake/toolchains/mingw-w64.cmake" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DLW_BUILD_GUI=OFF -DLW_BUILD_TESTS=OFF -DLW_BUILD_BENCH=OFF -DLW_WERROR=ON \
    -Dre2_DIR="$re2_prefix/lib/cmake/re2" -DCLI11_DIR="$cli11" -DOPENSSL_USE_STATIC_LIBS=ON \
    -DOPENSSL_INCLUDE_DIR="$ssl_prefix/include" -DLIB_EAY="$ssl_prefix/lib64/libcrypto.a" \
    -DSSL_EAY="$ssl_prefix/lib64/libssl.a"
cmake --build "$build" -j2 --target linewright-cli
cli=$build/app/linewright-cli.exe

export WINEPREFIX=$build/wineprefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
mkdir -p "$WINEPREFIX"
fail() { echo "run_wine_cli: $*" >&2; wineserver -k 2>/dev/null || true; exit 1; }

out=$(timeout 120 wine "$cli" --version) || fail "--version failed"
grep -q '^linewright-cli ' <<<"$out" || fail "--version: $out"
[[ $out != *$'\r'* ]] || fail "--version prints CR"
out=$(timeout 60 wine "$cli" --help) || fail "--help failed"
grep -q 'listen \[HOST:\]PORT' <<<"$out" || fail "--help has no usage"
echo "ok - --version and --help (LF line ends)"

for backend in poll select; do
    log=$build/listen-$backend.log
    timeout 60 wine "$cli" listen 127.0.0.1:0 --echo --backend "$backend" >"$log" 2>&1 &
    pid=$!
    /usr/bin/python3 - "$log" <<'PY' || { kill "$pid" 2>/dev/null; fail "listen --echo ($backend)"; }
import re, select, socket, sys, time
log = sys.argv[1]
deadline = time.monotonic() + 30
port = None
while port is None:  # the port from the "listening on" line, read with a deadline
    m = re.search(r"listening on 127\.0\.0\.1:(\d+)", open(log, errors="replace").read())
    if m:
        port = int(m.group(1))
        break
    if time.monotonic() > deadline:
        sys.exit("no 'listening on' line: " + open(log, errors="replace").read())
    select.select([], [], [], 0.05)
s = socket.create_connection(("127.0.0.1", port), timeout=20)
big = bytes((i * 131) % 256 for i in range(100 * 1024)).replace(b"\r\n", b"..") + b"\r\n"
lines = [b"line %d\r\n" % i for i in range(120)]
lines.insert(60, big)
data = b"".join(lines)
s.sendall(data)
got = b""
while len(got) < len(data):
    chunk = s.recv(65536)
    if not chunk:
        break
    got += chunk
s.close()
if got != data:
    sys.exit("echo differs: %d of %d bytes" % (len(got), len(data)))
print("ok - listen --echo: %d bytes in 121 lines echoed byte-exact" % len(data))
PY
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    echo "ok - listen --echo --backend $backend"
done
wineserver -k 2>/dev/null || true
echo "3 passed, 0 failed"
