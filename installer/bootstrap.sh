#!/usr/bin/env bash
# Linewright bootstrap: installs what the build needs (Debian), then builds and
# runs or tests, using the presets in CMakePresets.json.
#
#   installer/bootstrap.sh run [ARGS...]   build (default) and start the GUI (linewright) with ARGS
#   installer/bootstrap.sh test [ARGS...]  build (default) and run the whole suite; ARGS go to ctest
#   installer/bootstrap.sh asan [ARGS...]  the same under AddressSanitizer + UBSan (build/asan)
#   installer/bootstrap.sh tsan [ARGS...]  build under ThreadSanitizer, run the 'threaded' tests (build/tsan)
#   installer/bootstrap.sh package         build (default) and make the packages in build/default/packages
#   installer/bootstrap.sh windows         cross-build the engine and linewright-cli for Windows (MinGW-w64), run their checks under Wine
#
# CI=true turns warnings into errors (LW_WERROR=ON); so does LW_WERROR=ON.
set -euo pipefail

# Debian packages the build and the tests need. Add to this list when a new
# need appears (tshark, for instance, once the capture tests land).
DEPS=(
    cmake
    ninja-build
    g++
    qt6-base-dev
    qt6-base-dev-tools
    libgl-dev
    python3
    # the engine: RE2 matches untrusted data (replay ignore rules, rules, scripts);
    # CLI11 parses linewright-cli's command line; OpenSSL 3 for TLS
    libre2-dev
    libcli11-dev
    libssl-dev
    pkg-config
    # the examples' tests talk to the HTTP example with curl
    curl
    # capture/replay tests (tests/app/tst_CliReplay.cpp): tshark reads the exported
    # pcapng, tcpdump captures on lo (run as root)
    tshark
    tcpdump
    # the fuzz step: libFuzzer needs Clang and its runtime
    clang
    libclang-rt-14-dev
    # packaging (installer/CMakeLists.txt): dpkg-shlibdeps computes the .deb's
    # dependencies and CPack needs `file` for it; help2man writes the man pages.
    dpkg-dev
    file
    help2man
    # checks of the desktop files (tests registered in installer/CMakeLists.txt)
    desktop-file-utils
    appstream
    libxml2-utils
    # installer/test-deb.sh: a clean Debian to install the .deb into, and a
    # display for starting the installed GUI (--host mode)
    debootstrap
    xvfb
    xauth
    x11-utils
    # TLS (issue 12): real peers nobody here wrote, for the TLS/STARTTLS tests
    # (tests/engine/tls, tests/engine/reactor/tst_ChannelTls, tests/app/tst_CliTls)
    # and tests/bench/tls_bench.sh: openssl s_server/s_client and the openssl
    # command that makes the benchmark's certificate, gnutls-cli/gnutls-serv (a
    # second TLS stack), redis-server/redis-cli with --tls-port, swaks and
    # aiosmtpd (SMTP STARTTLS both ways), socat (plaintext peers on TLS ports)
    openssl
    gnutls-bin
    redis-server
    redis-tools
    swaks
    # swaks --tls (tst_CliTls) needs Net::SSLeay, only a Recommends of swaks
    libnet-ssleay-perl
    python3-aiosmtpd
    python3-pwntools
    socat
    # the pop3 preset against a real POP3 server (tests/app/tst_CliPresets.cpp
    # runs its own dovecot on loopback; note: on a machine with systemd the
    # package also enables a system dovecot on port 110)
    dovecot-pop3d
    # UDP (issue 16): tests/ui/tst_UdpWindow asks dnsmasq a DNS query from the
    # window; logger (util-linux, essential) sends syslog over UDP
    dnsmasq-base
    # dig, the DNS client of tests/app/tst_CliUdpReplay: a query to dnsmasq captured,
    # imported and replayed, and the recorded answer served to it by `mock`
    dnsutils
    # STARTTLS passed through by the proxy (tests/app/tst_CliProxyTls.cpp):
    # IMAP against dovecot's imap (curl --ssl-reqd imap://), FTP against
    # pyftpdlib's TLS_FTPHandler (which needs pyOpenSSL) for /usr/bin/python3
    dovecot-imapd
    python3-pyftpdlib
    python3-openssl
)
# `bootstrap.sh windows` only (CI's Windows step): the MinGW-w64 cross
# compilers and Wine to run what they build (tests/windows/run_wine_suite.sh).
WINDOWS_DEPS=(
    mingw-w64
    wine
    # RE2's MinGW build (tests/windows/build_re2.sh): its source is fetched
    # with curl, its Unicode tables generated from unicode-data by python3
    unicode-data
    curl
    python3
    # tests/windows/wine_cli_checks.py: tshark reads the .exe's pcapng export
    # (python3 is Debian's 3.11, which still has asynchat for the echo server);
    # openssl s_server is the TLS peer of connect --tls
    tshark
    openssl
)

cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf 'bootstrap: %s\n' "$*"; }
die() { say "$*" >&2; exit 1; }

usage() {
    echo "usage:"
    sed -n '5,10s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
}

# install_deps [PKG...]: the given packages, DEPS when none are given.
install_deps() {
    local wanted=("${DEPS[@]}")
    (($# > 0)) && wanted=("$@")
    if ! command -v dpkg-query >/dev/null 2>&1; then
        say "not a Debian system; make sure these are installed: ${wanted[*]}"
        return
    fi
    local missing=() pkg
    for pkg in "${wanted[@]}"; do
        [[ $(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null) == *"install ok installed"* ]] \
            || missing+=("$pkg")
    done
    if ((${#missing[@]} == 0)); then
        say "build dependencies present"
        return
    fi
    local sudo=()
    if ((EUID != 0)); then
        command -v sudo >/dev/null 2>&1 \
            || die "not root and no sudo; install them yourself: apt-get install ${missing[*]}"
        sudo=(sudo)
    fi
    say "installing missing packages: ${missing[*]}"
    # tshark's wireshark-common asks whether non-root users may capture: no.
    echo "wireshark-common wireshark-common/install-setuid boolean false" | "${sudo[@]}" debconf-set-selections
    "${sudo[@]}" apt-get update -q \
        || die "apt-get update failed; install them yourself: apt-get install ${missing[*]}"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q --no-install-recommends "${missing[@]}" \
        || die "could not install: ${missing[*]}"
}

configure() {
    local preset=$1 extra=()
    # CI never runs a debugger: line tables only (-g1) keep backtraces and
    # sanitizer reports readable and cut the default build's compile time by
    # about a quarter (a test TU: 16.1 s -> 11.9 s CPU). Elsewhere full -g.
    # The sanitizer builds (Debug) the same way in CI.
    if [[ $preset == default ]]; then
        extra=(-DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 $([[ ${CI:-} == true ]] && echo -g1 || echo -g) -DNDEBUG")
    elif [[ ( $preset == asan || $preset == tsan ) && ${CI:-} == true ]]; then
        extra=(-DCMAKE_CXX_FLAGS_DEBUG="-g1")
    fi
    say "configuring ($preset, LW_WERROR=$werror${extra:+, ${extra[*]}})"
    cmake --preset "$preset" --log-level=WARNING -DLW_WERROR="$werror" "${extra[@]}"
}

# build PRESET [TARGET...]: everything, or just the targets named.
build() {
    local preset=$1
    shift
    configure "$preset"
    say "building ($preset${*:+: $*})"
    cmake --build --preset "$preset" -j"$(nproc)" ${*:+--target "$@"}
}

# GCC 12's sanitizer runtimes assume the address-space layout of older kernels.
# Where vm.mmap_rnd_bits is 32 (newer kernels, e.g. Ubuntu 24.04's default) a
# TSan program dies at once with "FATAL: ThreadSanitizer: unexpected memory
# mapping" and an ASan program spins forever printing
# "AddressSanitizer:DEADLYSIGNAL". Both were reproduced here on a 6.18 kernel by
# raising the sysctl from 28 to 32, and both go away when the tests run with
# address-space randomisation off (setarch -R), so the sanitizer test runs use
# it whenever the kernel allows it (some container seccomp profiles do not).
# The sysctl itself is readable by root only, so it is not consulted.
san_wrap=()
no_aslr() {
    local arch
    arch=$(uname -m)
    if setarch "$arch" -R true 2>/dev/null; then
        san_wrap=(setarch "$arch" -R)
    else
        say "setarch -R is not allowed here; running the sanitizer tests with ASLR on"
    fi
}

run_tests() {
    local preset=$1
    shift
    say "testing ($preset)"
    # The TSan run takes as many tests at once as there are cores (most of a
    # test's time is spent waiting on its peers). The default and ASan runs
    # stay one at a time: twice in CI, with two at once, a dnsmasq peer
    # (tst_UdpWindow, tst_CliUdpReplay) never answered, which was not seen one
    # at a time.
    local jobs=()
    [[ $preset == tsan ]] && jobs=(-j"$(nproc)")
    "${san_wrap[@]}" ctest --preset "$preset" "${jobs[@]}" "$@"
}

# Passed on every configure, so that a build directory follows the current
# setting rather than whatever an earlier run left in its cache.
if [[ ${CI:-} == true ]]; then
    werror=ON
else
    werror=${LW_WERROR:-OFF}
fi

cmd=${1:-}
(($# > 0)) && shift
case $cmd in
    run)
        install_deps
        build default
        # The GUI is built in app/gui, linewright-cli in app (app/CMakeLists.txt).
        gui=build/default/app/gui/linewright
        [[ -x $gui ]] || die "the build did not produce the GUI ($gui); see the build output above"
        say "starting $gui $*"
        exec "$gui" "$@"
        ;;
    test)
        install_deps
        build default
        run_tests default "$@"
        ;;
    asan)
        install_deps
        build asan
        no_aslr
        run_tests asan "$@"
        ;;
    tsan)
        install_deps
        # Only what the 'threaded' tests need: each test is the target of
        # the same name (tests/CMakeLists.txt), and building the GUI, the
        # tools and the other tests under TSan would only cost CI time.
        configure tsan
        mapfile -t threaded < <(ctest --preset tsan -N | sed -n 's/^ *Test *#[0-9]*: *//p')
        ((${#threaded[@]} > 0)) || die "no test is labelled 'threaded' (ctest --preset tsan -N)"
        build tsan "${threaded[@]}"
        no_aslr
        say "tsan runs only the tests labelled 'threaded'"
        run_tests tsan "$@"
        ;;
    package)
        install_deps
        build default
        # CPack installs the build into a staging tree and packs it: on Linux
        # a .deb and a .tar.gz (installer/CMakeLists.txt says what goes in).
        # Old packages go first, so that only this version's are left.
        rm -f build/default/packages/*.deb build/default/packages/*.tar.gz
        say "packaging (cpack)"
        cpack --config build/default/CPackConfig.cmake
        say "packages:"
        ls -l build/default/packages/*.* | sed 's/^/  /'
        ;;
    windows)
        install_deps cmake ninja-build "${WINDOWS_DEPS[@]}"
        tests/windows/run_wine_suite.sh
        ;;
    -h | --help | help)
        usage
        ;;
    *)
        [[ -n $cmd ]] && say "unknown command: $cmd" >&2
        usage >&2
        exit 2
        ;;
esac
