#!/usr/bin/env bash
# CI check of the Debian package: build it, check what is in it, install it on
# a clean Debian 12, use it, remove it, and check that nothing is left.
#
#   installer/test-deb.sh           install into a fresh debootstrap root (default)
#   installer/test-deb.sh --host    install on this machine instead (needs root;
#                                   removes any linewright package already there)
#   installer/test-deb.sh --no-build   test the .deb already in build/default/packages
#
# Steps:
#   1. installer/bootstrap.sh package (build/default/packages/linewright_*.deb)
#   2. the package's control data (name, version = project(), computed Depends)
#      and file list (both programs, menu entry, metainfo, MIME type, icons, man
#      pages; nothing outside /usr), then desktop-file-validate, appstreamcli
#      validate and xmllint on the files as packaged
#   3. a clean root: `debootstrap --variant=minbase bookworm` with bookworm,
#      -updates and -security, plus the desktop's own packages that react to an
#      installed application (shared-mime-info, desktop-file-utils) and a
#      display to start the GUI on (xvfb, xauth, x11-utils, libglib2.0-bin);
#      nothing is cached between runs
#   4. apt-get install ./linewright_*.deb, which must pull the dependencies;
#      then: both programs on the PATH and their --version equal to the
#      package's; an echo round trip between two linewright-cli processes over
#      127.0.0.1, recorded to a session file; the menu entry, icon, MIME type
#      registered; the GUI started from the Exec line of its menu entry under
#      Xvfb, alive with a window; then started as a double-click on the
#      session file starts it (%f), with a window showing that file
#   5. apt-get remove, then purge: every file and directory the package alone
#      owned is gone, the MIME type and menu caches forgot it; in the clean root
#      also `apt-get autoremove` brings the package set back to what it was
#      before the install (the dependencies were marked automatic)
#
# Budget: about a minute and a half on top of the build (debootstrap ~25 s,
# the Qt runtime ~25 s, on 2 cores); needs root (debootstrap, chroot) and the
# Debian mirror. The mirrors are the ones this machine's apt already uses
# (its sources.list / *.sources); LW_DEBIAN_MIRROR and
# LW_DEBIAN_SECURITY_MIRROR override them.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

mode=chroot
build=1
for arg; do
    case $arg in
        --host) mode=host ;;
        --chroot) mode=chroot ;;
        --no-build) build=0 ;;
        -h | --help) sed -n '2,9s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) echo "test-deb: unknown argument: $arg" >&2; exit 2 ;;
    esac
done

# The first archive URI of this machine's apt sources whose suites include
# $1 (deb822 *.sources files and one-line sources.list entries).
apt_uri_for_suite() {
    local suite=$1 f
    for f in /etc/apt/sources.list.d/*.sources; do
        [[ -r $f ]] || continue
        awk -v want="$suite" '
            /^[[:space:]]*$/ { if (uri != "" && found) { print uri; exit } uri = ""; found = 0; next }
            $1 == "URIs:" { uri = $2 }
            $1 == "Suites:" { for (i = 2; i <= NF; i++) if ($i == want) found = 1 }
            END { if (uri != "" && found) print uri }' "$f" | head -n 1
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [[ -r $f ]] || continue
        awk -v want="$suite" '$1 == "deb" { u = ($2 ~ /^\[/) ? $3 : $2; s = ($2 ~ /^\[/) ? $4 : $3; if (s == want) print u }' "$f"
    done
}
MIRROR=${LW_DEBIAN_MIRROR:-$(apt_uri_for_suite bookworm | head -n 1)}
SECURITY_MIRROR=${LW_DEBIAN_SECURITY_MIRROR:-$(apt_uri_for_suite bookworm-security | head -n 1)}
APP_ID=io.github.linewright.Linewright
MIME_TYPE=application/x-linewright-session

say() { printf 'test-deb: %s\n' "$*"; }
die() { printf 'test-deb: FAILED: %s\n' "$*" >&2; exit 1; }
checks=0
ok() { checks=$((checks + 1)); printf 'test-deb:   ok  %s\n' "$*"; }

((EUID == 0)) || die "needs root (debootstrap, chroot, dpkg)"
[[ -n $MIRROR ]] || die "no Debian archive for bookworm in this machine's apt sources; set LW_DEBIAN_MIRROR"

# --- 1. build ----------------------------------------------------------------

if ((build)); then
    installer/bootstrap.sh package
fi
shopt -s nullglob
debs=(build/default/packages/linewright_*.deb)
shopt -u nullglob
((${#debs[@]} == 1)) || die "expected one build/default/packages/linewright_*.deb, found ${#debs[@]}"
deb=$(realpath "${debs[0]}")
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' build/default/CMakeCache.txt)
[[ -n $version ]] || die "no CMAKE_PROJECT_VERSION in build/default/CMakeCache.txt"
say "package: $deb (project version $version)"

work=$(mktemp -d "${TMPDIR:-/tmp}/lw-test-deb.XXXXXX")
root=""                                  # the chroot, in chroot mode
bg_pids=()
cleanup() {
    local pid m
    for pid in "${bg_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    if [[ -n $root && -d $root ]]; then
        for m in dev/shm proc; do
            if mountpoint -q "$root/$m"; then umount "$root/$m" || umount -l "$root/$m" || true; fi
        done
        if findmnt -rn -o TARGET | grep -q "^$root/"; then
            say "something is still mounted under $root; leaving it there"
        else
            rm -rf --one-file-system "$root"
        fi
    fi
    rm -rf "$work"
}
trap cleanup EXIT

# --- 2. what is in the package ------------------------------------------------

say "checking the package"
field() { dpkg-deb -f "$deb" "$1"; }
[[ $(field Package) == linewright ]] || die "Package: $(field Package)"
[[ $(field Version) == "$version" ]] || die "Version: $(field Version), project version $version"
ok "Package: linewright, Version: $version"
depends=$(field Depends)
dep_names=$(tr ',|' '\n\n' <<<"$depends" | sed 's/^ *//; s/[ (].*//')
for lib in libc6 libstdc++6 libqt6core6 libqt6gui6 libqt6widgets6; do
    grep -qxF "$lib" <<<"$dep_names" || die "Depends lacks $lib: $depends"
done
ok "Depends (dpkg-shlibdeps): $depends"

dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|; s|/$||' | grep -v '^$' | sort >"$work/contents"
expected=(
    /usr/bin/linewright
    /usr/bin/linewright-cli
    /usr/share/applications/$APP_ID.desktop
    /usr/share/metainfo/$APP_ID.metainfo.xml
    /usr/share/mime/packages/$APP_ID.xml
    /usr/share/icons/hicolor/scalable/apps/$APP_ID.svg
    /usr/share/man/man1/linewright.1.gz
    /usr/share/man/man1/linewright-cli.1.gz
)
for n in 16 22 24 32 48 64 128 256 512; do
    expected+=("/usr/share/icons/hicolor/${n}x${n}/apps/$APP_ID.png")
done
for f in "${expected[@]}"; do
    grep -qxF "$f" "$work/contents" || die "not in the package: $f"
done
ok "contents: ${#expected[@]} expected files present"
if grep -v -e '^/usr$' -e '^/usr/' "$work/contents"; then die "files outside /usr (above)"; fi
if grep -e '^/usr/local' -e '^/usr/include' -e '\.a$' "$work/contents"; then die "unexpected files (above)"; fi
ok "contents: nothing outside /usr, no headers or static libraries"
dpkg-deb -c "$deb" | awk '$6 ~ /usr\/bin\/./ && ($1 != "-rwxr-xr-x" || $2 != "root/root") {bad = 1; print} END {exit bad}' \
    || die "programs not 0755 root/root (above)"
ok "programs: 0755 root/root"

mkdir "$work/x"
dpkg-deb -x "$deb" "$work/x"
for f in "$work"/x/usr/bin/*; do
    file -b "$f" | grep -q ', stripped' || die "not stripped: ${f#"$work"/x}"
    if readelf -d "$f" | grep -E 'RPATH|RUNPATH'; then die "${f#"$work"/x} has an RPATH (above)"; fi
done
ok "programs: stripped, no RPATH"
out=$(desktop-file-validate "$work/x/usr/share/applications/$APP_ID.desktop" 2>&1) || die "desktop-file-validate: $out"
[[ -z $out ]] || die "desktop-file-validate says: $out"
ok "desktop-file-validate: clean"
appstreamcli validate --no-net "$work/x/usr/share/metainfo/$APP_ID.metainfo.xml" >"$work/as.log" 2>&1 \
    || { cat "$work/as.log"; die "appstreamcli validate (above)"; }
grep -q "<release version=\"$version\"" "$work/x/usr/share/metainfo/$APP_ID.metainfo.xml" \
    || die "the metainfo has no release $version"
ok "appstreamcli validate --no-net: passed; release $version listed"
xmllint --noout "$work/x/usr/share/mime/packages/$APP_ID.xml" || die "xmllint: MIME XML"
ok "MIME XML well-formed"
for page in linewright linewright-cli; do
    zcat "$work/x/usr/share/man/man1/$page.1.gz" >"$work/$page.1"
    grep -q '^\.SH SYNOPSIS' "$work/$page.1" || die "man page $page.1 has no SYNOPSIS"
    grep -q -- '-version' "$work/$page.1" || die "man page $page.1 does not mention --version (not from --help?)"
    grep -q "^\.TH \"\?${page^^}\"\? .*$version" "$work/$page.1" || die "man page $page.1: no version $version in .TH"
done
ok "man pages: linewright.1 and linewright-cli.1 made from --help, version $version"

# --- 3. a clean Debian ----------------------------------------------------------

if [[ $mode == chroot ]]; then
    root=$(mktemp -d "${TMPDIR:-/tmp}/lw-test-deb-root.XXXXXX")
    say "debootstrap bookworm (minbase) into $root"
    start=$SECONDS
    tries=0
    until debootstrap --variant=minbase bookworm "$root" "$MIRROR" >"$work/debootstrap.log" 2>&1; do
        tries=$((tries + 1))
        ((tries < 2)) || { tail -20 "$work/debootstrap.log"; die "debootstrap failed twice"; }
        say "debootstrap failed; once more"
        rm -rf --one-file-system "$root" && mkdir "$root"
    done
    say "debootstrap took $((SECONDS - start)) s"
    cat >"$root/etc/apt/sources.list" <<EOF
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
EOF
    [[ -z $SECURITY_MIRROR ]] || echo "deb $SECURITY_MIRROR bookworm-security main" >>"$root/etc/apt/sources.list"
    mount -t proc proc "$root/proc"
    mkdir -p "$root/dev/shm"
    mount -t tmpfs -o mode=1777 shm "$root/dev/shm"
    in_root() {
        chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
            DEBIAN_FRONTEND=noninteractive "$@"
    }
    apt_get() { in_root apt-get -q -y -o Dpkg::Use-Pty=0 "$@"; }
    start=$SECONDS
    apt_get update >"$work/apt.log" 2>&1 || { cat "$work/apt.log"; die "apt-get update in the root"; }
    # What a desktop has and what the test needs, before the package comes.
    apt_get install --no-install-recommends shared-mime-info desktop-file-utils \
        xvfb xauth x11-utils libglib2.0-bin >>"$work/apt.log" 2>&1 \
        || { tail -30 "$work/apt.log"; die "installing the test tools in the root"; }
    say "root ready in $((SECONDS - start)) s more"
    cp "$deb" "$root/tmp/"
    chmod 644 "$root/tmp/${deb##*/}"
    deb_in_root=/tmp/${deb##*/}
    tmp_in_root=$root/tmp
else
    in_root() { /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
        DEBIAN_FRONTEND=noninteractive "$@"; }
    apt_get() { in_root apt-get -q -y -o Dpkg::Use-Pty=0 "$@"; }
    for tool in xvfb-run xwininfo; do
        command -v "$tool" >/dev/null || die "--host needs $tool (installer/bootstrap.sh installs it)"
    done
    if dpkg-query -W -f '${Status}' linewright 2>/dev/null | grep -q installed; then
        say "linewright is installed on this machine already; purging it first"
        apt_get purge linewright >/dev/null
    fi
    cp "$deb" "$work/"
    chmod 755 "$work"
    chmod 644 "$work/${deb##*/}"
    deb_in_root=$work/${deb##*/}
    tmp_in_root=$work
fi
# Paths as the installed system sees them, and as this script reaches them.
host_path() { if [[ $mode == chroot ]]; then printf '%s%s' "$root" "$1"; else printf '%s' "$1"; fi; }
guest_path() { if [[ $mode == chroot ]]; then printf '%s' "${1#"$root"}"; else printf '%s' "$1"; fi; }

# --- 4. install and use ---------------------------------------------------------

say "apt-get install ./${deb##*/}"
in_root dpkg-query -W -f '${Package}\n' | sort >"$work/packages-before"
start=$SECONDS
apt_get install "$deb_in_root" >"$work/install.log" 2>&1 || { tail -30 "$work/install.log"; die "apt-get install"; }
in_root dpkg-query -W -f '${Package}\n' | sort >"$work/packages-installed"
say "installed in $((SECONDS - start)) s, with $(comm -13 "$work/packages-before" "$work/packages-installed" | grep -vcx linewright) new dependencies"
[[ $(in_root dpkg-query -W -f '${Status} ${Version}' linewright) == "install ok installed $version" ]] \
    || die "dpkg does not list linewright $version as installed"
ok "apt-get install ./${deb##*/}: installed with its dependencies"
in_root dpkg -L linewright | sort >"$work/owned"

for prog in linewright linewright-cli; do
    [[ $(in_root sh -c "command -v $prog") == /usr/bin/$prog ]] || die "$prog is not on the PATH"
    first=$(in_root "$prog" --version | head -1)
    [[ $first == "$prog $version" ]] || die "$prog --version says '$first', expected '$prog $version'"
done
ok "linewright and linewright-cli on the PATH, --version: $version"
if in_root ldd /usr/bin/linewright | grep 'not found'; then die "the GUI misses libraries (above)"; fi
ok "ldd /usr/bin/linewright: every library found"

# Echo round trip: a listener that echoes, a client that sends one line and
# waits for it to come back; both stop by themselves (--count, --timeout).
say "echo round trip over 127.0.0.1"
listen_err=$work/listen.err              # redirections happen out here, in both modes
in_root linewright-cli listen 127.0.0.1:0 --echo --count 1 --timeout 20 \
    >"$work/listen.out" 2>"$listen_err" </dev/null &
listener=$!
bg_pids+=("$listener")
port=""
for _ in $(seq 100); do
    port=$(sed -n 's/^linewright-cli: listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$listen_err")
    [[ -n $port ]] && break
    kill -0 "$listener" 2>/dev/null || break
    sleep 0.1
done
[[ -n $port ]] || { cat "$listen_err"; die "the listener did not say its port"; }
session_guest=$(guest_path "$tmp_in_root")/lw-echo.lwsession
reply=$(in_root linewright-cli connect 127.0.0.1 "$port" --send 'hi from the .deb\n' --count 1 --timeout 10 \
    --record "$session_guest" 2>"$work/connect.err" </dev/null) || { cat "$work/connect.err" "$listen_err"; die "linewright-cli connect failed"; }
wait "$listener" || { cat "$listen_err"; die "the listener failed"; }
[[ $reply == "< hi from the .deb" ]] || die "the client got '$reply', expected '< hi from the .deb'"
ok "echo round trip: sent 'hi from the .deb', got it back ($reply)"
summary=$(in_root linewright-cli summary "$session_guest" 2>&1) || { printf '%s\n' "$summary"; die "summary of the recorded session"; }
grep -q 'messages' <<<"$summary" || { printf '%s\n' "$summary"; die "the summary names no messages"; }
ok "the round trip, recorded with --record, reads back (linewright-cli summary)"

# Desktop integration as the desktop's own tools see it (chroot: the root has
# them; host: only what this machine has).
[[ -f $(host_path /usr/share/icons/hicolor/48x48/apps/$APP_ID.png) ]] || die "no 48x48 icon"
desktop=$(host_path /usr/share/applications/$APP_ID.desktop)
[[ -f $desktop ]] || die "no menu entry"
icon=$(sed -n 's/^Icon=//p' "$desktop")
[[ $icon == "$APP_ID" ]] || die "the menu entry's Icon is '$icon'"
ok "menu entry and icon installed"
if [[ -f $(host_path /usr/share/applications/mimeinfo.cache) ]] || [[ $mode == chroot ]]; then
    grep -q "^$MIME_TYPE=\(.*;\)\?$APP_ID\.desktop;" "$(host_path /usr/share/applications/mimeinfo.cache)" \
        || die "mimeinfo.cache does not send $MIME_TYPE to Linewright"
    ok "desktop database: $MIME_TYPE opens with $APP_ID.desktop"
fi
if [[ -d $(host_path /usr/share/mime/application) ]] || [[ $mode == chroot ]]; then
    [[ -f $(host_path /usr/share/mime/application/x-linewright-session.xml) ]] \
        || die "the MIME database does not know $MIME_TYPE"
    ok "MIME database: $MIME_TYPE registered"
fi
if in_root sh -c 'command -v gio' >/dev/null; then
    header='{"format":"linewright-session","version":1,"tool":"test-deb"}'
    printf '%s\n' "$header" >"$tmp_in_root/lw-by-name.lwsession"
    printf '%s\n' "$header" >"$tmp_in_root/lw-by-content"
    for f in lw-by-name.lwsession lw-by-content; do
        type=$(in_root gio info -a standard::content-type "$(guest_path "$tmp_in_root")/$f" \
            | sed -n 's/^ *standard::content-type: //p')
        [[ $type == "$MIME_TYPE" ]] || die "gio says $f is '$type', expected $MIME_TYPE"
    done
    ok "gio: a .lwsession file and an extensionless session file are both $MIME_TYPE"
fi

# Runs the GUI command $1 under Xvfb for 5 s, then lists the windows into
# /tmp/lw-gui.windows (its output: /tmp/lw-gui.out; the run's log: $2).
# Fails, saying $3, when it does not stay up.
gui_stays_up() {
    local cmd=$1 log=$2 what=$3
    in_root xvfb-run -a -s '-screen 0 1280x800x24' sh -c "
    $cmd >/tmp/lw-gui.out 2>&1 &
    gui=\$!
    sleep 5
    if ! kill -0 \$gui 2>/dev/null; then echo 'the GUI exited'; exit 1; fi
    xwininfo -root -tree >/tmp/lw-gui.windows
    kill \$gui; wait \$gui 2>/dev/null; exit 0
" >"$log" 2>&1 || { cat "$log" "$(host_path /tmp/lw-gui.out)"; die "$what"; }
}

# The GUI, started the way a menu starts it: the Exec line without its field
# codes (a menu launch with no file leaves %f empty).
exec_line=$(sed -n 's/^Exec=//p' "$desktop")
cmd=$(sed -E 's/ ?%[fFuUik]//g' <<<"$exec_line")
say "starting the GUI under Xvfb as its menu entry does: $cmd"
gui_stays_up "$cmd" "$work/gui.log" "the GUI did not stay up"
grep -i '"linewright' "$(host_path /tmp/lw-gui.windows)" | grep -v '1x1+' >"$work/windows" \
    || { cat "$(host_path /tmp/lw-gui.out)"; die "no Linewright window appeared"; }
ok "GUI: running after 5 s with a window: $(head -1 "$work/windows" | sed 's/^ *//')"

# A double-click on a session file: the Exec line with %f as the file.
cmd=${exec_line//%f/$session_guest}
say "opening the recorded session as a double-click does: $cmd"
gui_stays_up "$cmd" "$work/gui-file.log" "the GUI did not stay up with the file"
grep 'lw-echo\.lwsession' "$(host_path /tmp/lw-gui.windows)" >"$work/windows" \
    || { cat "$(host_path /tmp/lw-gui.out)"; die "no window shows lw-echo.lwsession"; }
ok "GUI: the session file opened in a window: $(head -1 "$work/windows" | sed 's/^ *//')"
rm -f "$(host_path /tmp/lw-gui.out)" "$(host_path /tmp/lw-gui.windows)" \
    "$tmp_in_root/lw-by-name.lwsession" "$tmp_in_root/lw-by-content" "$tmp_in_root/lw-echo.lwsession"

# --- 5. remove --------------------------------------------------------------------

# What only the package owns (directories shared with other packages stay).
: >"$work/own-only"
while read -r path; do
    [[ $path == /. ]] && continue
    owners=$(in_root dpkg-query -S "$path" 2>/dev/null | sed -n "s|: $path\$||p" | tr -d ' ')
    [[ $owners == linewright ]] && printf '%s\n' "$path" >>"$work/own-only"
done <"$work/owned"
say "apt-get remove linewright ($(wc -l <"$work/own-only") paths owned by it alone), then purge"
apt_get remove linewright >"$work/remove.log" 2>&1 || { tail -20 "$work/remove.log"; die "apt-get remove"; }
# The package has no conffiles, so remove already forgets it; purge (dpkg's,
# as apt no longer knows the name) makes sure whatever would remain goes too.
in_root dpkg --purge linewright >>"$work/remove.log" 2>&1 || { tail -20 "$work/remove.log"; die "dpkg --purge"; }
status=$(in_root dpkg-query -W -f '${db:Status-Abbrev}' linewright 2>/dev/null || true)
[[ -z $status || $status == "un "* ]] || die "dpkg still lists linewright: '$status'"
left=0
while read -r path; do
    if [[ -e $(host_path "$path") || -L $(host_path "$path") ]]; then
        say "left behind: $path"
        left=1
    fi
done <"$work/own-only"
((left == 0)) || die "files left after apt-get remove (above)"
ok "apt-get remove + purge: all $(wc -l <"$work/own-only") paths of the package are gone"
if [[ -f $(host_path /usr/share/applications/mimeinfo.cache) ]]; then
    if grep -n "$APP_ID" "$(host_path /usr/share/applications/mimeinfo.cache)"; then
        die "mimeinfo.cache still names Linewright (above)"
    fi
fi
[[ ! -e $(host_path /usr/share/mime/application/x-linewright-session.xml) ]] \
    || die "the MIME database still has $MIME_TYPE"
ok "the menu and MIME caches forgot Linewright"

if [[ $mode == chroot ]]; then
    apt_get autoremove --purge >>"$work/remove.log" 2>&1 || { tail -20 "$work/remove.log"; die "apt-get autoremove"; }
    in_root dpkg-query -W -f '${Package}\n' | sort >"$work/packages-after"
    diff -u "$work/packages-before" "$work/packages-after" || die "the package set differs from before the install (above)"
    ok "apt-get autoremove: back to the package set from before the install"
fi

printf '%s passed, 0 failed\n' "$checks"
