#!/usr/bin/env bash
# tests/windows/build_re2.sh — cross-builds RE2 as a static library for
# Windows (MinGW-w64, cmake/toolchains/mingw-w64.cmake) inside a build
# directory, because Debian ships no MinGW RE2.
#
#   tests/windows/build_re2.sh BUILD_DIR     prints the install prefix
#
# The source is Debian 12's own RE2 (2022-06-01, the version libre2-dev is
# built from; this one needs no Abseil): the .orig tarball from the Debian
# archive this machine's apt uses (the host is read from the apt sources, none
# is written here), checked against its SHA-256. The dfsg tarball leaves out
# RE2's generated Unicode and Perl tables; they are generated as Debian does,
# from the `unicode-data` package (/usr/share/unicode) with
# /usr/bin/python3 and perl (both in every Debian
# install: perl-base; python3 as the project installs it).
#
# Cached in BUILD_DIR/deps only: a second run with the library in place does
# nothing. Cold: 78 s wall on the shared 2-core machine (CCACHE_DISABLE=1), 254 kB download.
set -euo pipefail
build=${1:?usage: build_re2.sh BUILD_DIR}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
mkdir -p "$build/deps"
deps=$(cd "$build/deps" && pwd)
prefix=$deps/re2-install
if [[ -f $prefix/lib/cmake/re2/re2Config.cmake && -f $prefix/lib/libre2.a ]]; then
    echo "$prefix"
    exit 0
fi

version=20220601+dfsg
archive=re2_$version.orig.tar.xz
sha256=3bc61251da3b0b97be40a8a127818c517c62516e4eda11fc901d29496663df54
[[ -d /usr/share/unicode ]] || { echo "build_re2: /usr/share/unicode missing (apt-get install unicode-data)" >&2; exit 1; }

if [[ ! -f $deps/$archive ]] || ! sha256sum -c --status <<<"$sha256  $deps/$archive"; then
    # The first Debian archive (not security) named in apt's sources.
    mirror=$(grep -rhoE '(URIs:|^deb)[[:space:]]+(\[[^]]*\][[:space:]]+)?https?://[^[:space:]]+/debian/?([[:space:]]|$)' \
                 /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null \
             | grep -oE 'https?://[^[:space:]]+' | grep -v security | head -n1 || true)
    [[ -n $mirror ]] || { echo "build_re2: no Debian archive in the apt sources" >&2; exit 1; }
    curl -fsSL --retry 3 -o "$deps/$archive.part" "${mirror%/}/pool/main/r/re2/$archive"
    mv "$deps/$archive.part" "$deps/$archive"
    sha256sum -c --status <<<"$sha256  $deps/$archive" || { echo "build_re2: $archive: checksum mismatch" >&2; exit 1; }
fi

src=$deps/re2-2022-06-01
rm -rf "$src" "$deps/re2-build"
tar -C "$deps" -xf "$deps/$archive"
# Debian's debian-unicode-data.patch: the Unicode tables from the system.
# And Python 3's own urllib for six.moves' (python3-six need not be there).
sed -i -e 's|^_UNICODE_DIR = .*|_UNICODE_DIR = "/usr/share/unicode"|' \
       -e 's|^from six.moves import urllib$|import urllib.request|' "$src/re2/unicode.py"
grep -q '^import urllib.request$' "$src/re2/unicode.py" || { echo "build_re2: unicode.py not as expected" >&2; exit 1; }
(cd "$src/re2" &&
    perl make_perl_groups.pl >perl_groups.cc &&
    /usr/bin/python3 make_unicode_casefold.py >unicode_casefold.cc &&
    /usr/bin/python3 make_unicode_groups.py >unicode_groups.cc)

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$src" -B "$deps/re2-build" --log-level=WARNING \
    -DCMAKE_TOOLCHAIN_FILE="$root/cmake/toolchains/mingw-w64.cmake" \
    -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF -DRE2_BUILD_TESTING=OFF \
    -DCMAKE_INSTALL_PREFIX="$prefix" "${launcher[@]}" >&2
cmake --build "$deps/re2-build" -j2 >&2
cmake --install "$deps/re2-build" >/dev/null
echo "$prefix"
