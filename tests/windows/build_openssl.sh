#!/usr/bin/env bash
# tests/windows/build_openssl.sh — cross-builds OpenSSL 3 as static libraries
# for Windows (MinGW-w64) inside a build directory, because Debian ships no
# MinGW OpenSSL. Opt-in (tests/windows/run_wine_cli.sh), not in .ci/run.
#
#   tests/windows/build_openssl.sh BUILD_DIR     prints the install prefix
#
# The source is Debian 12's OpenSSL (3.0.22, the .orig tarball from the
# Debian security archive apt uses; the host is read from the apt sources),
# checked against its SHA-256. Only libssl.a and libcrypto.a are built (no
# apps, tests, engines, modules, legacy provider, no assembler).
# Cached in BUILD_DIR/deps only. Cold: 275 s wall at -j2 on the shared 2-core
# machine (no ccache: OpenSSL's make does not use it).
set -euo pipefail
build=${1:?usage: build_openssl.sh BUILD_DIR}
mkdir -p "$build/deps"
deps=$(cd "$build/deps" && pwd)
prefix=$deps/openssl-install
if [[ -f $prefix/lib64/libssl.a && -f $prefix/lib64/libcrypto.a && -f $prefix/include/openssl/ssl.h ]]; then
    echo "$prefix"
    exit 0
fi
version=3.0.22
archive=openssl_$version.orig.tar.gz
sha256=67ebca7e50d17383028045486653492195b83db95f8558709701bb47b5c1ef81
if [[ ! -f $deps/$archive ]] || ! sha256sum -c --status <<<"$sha256  $deps/$archive"; then
    mirror=$(grep -rhoE 'https?://[^[:space:]]+/debian-security/?([[:space:]]|$)' \
                 /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null | grep -oE 'https?://[^[:space:]]+' | head -n1 || true)
    [[ -n $mirror ]] || { echo "build_openssl: no Debian security archive in the apt sources" >&2; exit 1; }
    curl -fsSL --retry 3 -o "$deps/$archive.part" "${mirror%/}/pool/updates/main/o/openssl/$archive"
    mv "$deps/$archive.part" "$deps/$archive"
    sha256sum -c --status <<<"$sha256  $deps/$archive" || { echo "build_openssl: $archive: checksum mismatch" >&2; exit 1; }
fi
src=$deps/openssl-$version
rm -rf "$src"
tar -C "$deps" -xzf "$deps/$archive"
(cd "$src" &&
    ./Configure mingw64 --cross-compile-prefix=x86_64-w64-mingw32- no-shared no-asm no-tests no-module \
        no-legacy no-engine no-dso no-ui-console --prefix="$prefix" >&2 &&
    make -j2 build_libs >&2 &&
    make install_dev >/dev/null)
echo "$prefix"
