#!/usr/bin/env bash
# tests/windows/build_openssl.sh — cross-builds OpenSSL 3 as static libraries
# for Windows (MinGW-w64) inside a build directory, because Debian ships no
# MinGW OpenSSL. Used by tests/windows/run_wine_suite.sh (CI's Windows step).
#
#   tests/windows/build_openssl.sh BUILD_DIR     prints the install prefix
#
# The source is Debian 12's OpenSSL (3.0.22, the .orig tarball from the
# Debian security archive apt uses; the host is read from the apt sources),
# checked against its SHA-256. Only libssl.a and libcrypto.a are built (no
# apps, tests, engines, modules, legacy provider, no assembler; see `minimal`
# below), at -O1. Cached in BUILD_DIR/deps only. Cold: 5 min 0 s of CPU
# (6 min 57 s wall with seven other builds on the shared 2-core machine; the
# default configuration at -O3 took 275 s wall on a quieter one). OpenSSL's
# make does not use ccache.
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
# What engine/tls does not use (ciphers and protocols it never offers, CMS,
# OCSP, TS, CT, SRP, GOST, SM2/3/4, DTLS, ...): left out, which cuts the
# build by about a third. Kept: TLS 1.0-1.3, RSA/RSA-PSS, EC (P-256...),
# Ed25519/Ed448, X25519, DH, AES, ChaCha20-Poly1305, SHA-1/2/3, X.509, PEM.
minimal=(no-aria no-bf no-blake2 no-camellia no-cast no-cmp no-cms no-comp no-ct no-des no-dtls no-ec2m
    no-gost no-idea no-md4 no-mdc2 no-ocb no-ocsp no-rc2 no-rc4 no-rmd160 no-scrypt no-seed no-siphash
    no-siv no-sm2 no-sm3 no-sm4 no-srp no-srtp no-ssl3 no-ts no-whirlpool no-autoload-config)
src=$deps/openssl-$version
rm -rf "$src"
tar -C "$deps" -xzf "$deps/$archive"
(cd "$src" &&
    CFLAGS=-O1 ./Configure mingw64 --cross-compile-prefix=x86_64-w64-mingw32- no-shared no-asm no-tests no-module \
        no-legacy no-engine no-dso no-ui-console "${minimal[@]}" --prefix="$prefix" >&2 &&
    make -j2 build_libs >&2 &&
    make install_dev >/dev/null)
echo "$prefix"
