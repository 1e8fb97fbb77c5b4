#!/usr/bin/env bash
# Checks the README's first command as a newcomer runs it: `installer/bootstrap.sh run`
# on a virtual display (Xvfb) must end in the GUI's main window, not in a
# message or linewright-cli's help. Run by .ci/run; exits 0 when a top-level
# "Linewright" window of a real size is on the screen within the time limit,
# 1 otherwise, with what the command printed.
#
#   installer/check-run.sh [SECONDS]    (default 300: the first run may build)
#
# Needs xvfb-run and xwininfo (the bootstrap's list has xvfb, xauth and
# x11-utils). The GUI it starts records into a temporary folder and is ended
# by its PID once the window is seen.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

limit=${1:-300}
for tool in xvfb-run xwininfo; do
    command -v "$tool" >/dev/null || { echo "check-run: $tool is missing (apt-get install xvfb xauth x11-utils)" >&2; exit 1; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Inside the virtual display: start the command, then look at the window tree
# until a Linewright window appears, the command ends, or time runs out.
export LINEWRIGHT_SESSIONS_DIR="$work/sessions" LW_CHECK_LIMIT=$limit LW_CHECK_WORK=$work
rc=0
xvfb-run -a -s '-screen 0 1600x1000x24' bash -c '
    installer/bootstrap.sh run >"$LW_CHECK_WORK/run.log" 2>&1 &
    pid=$!
    deadline=$((SECONDS + LW_CHECK_LIMIT))
    while ((SECONDS < deadline)); do
        if ! kill -0 "$pid" 2>/dev/null; then
            wait "$pid"; echo "exited with status $? before any window appeared" >"$LW_CHECK_WORK/why"; exit 1
        fi
        # A mapped top-level window named "Linewright" (xwininfo prints
        # name, class and geometry; a 1x1 window is no window a person sees).
        if xwininfo -root -tree 2>/dev/null | grep -E "\"Linewright\": \(\"linewright\"" | grep -vq " 1x1+"; then
            xwininfo -root -tree | grep -E "\"Linewright\"" | grep -v " 1x1+" | head -1 >"$LW_CHECK_WORK/window"
            kill "$pid"; wait "$pid" 2>/dev/null || true
            exit 0
        fi
        sleep 0.5
    done
    echo "no Linewright window within ${LW_CHECK_LIMIT} s" >"$LW_CHECK_WORK/why"
    kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
    exit 1
' || rc=$?
if ((rc == 0)); then
    echo "check-run: installer/bootstrap.sh run showed the window: $(sed 's/^ *//' "$work/window")"
    exit 0
fi
echo "check-run: installer/bootstrap.sh run did not show the GUI: $(cat "$work/why" 2>/dev/null || echo "xvfb-run failed ($rc)")" >&2
echo "check-run: what it printed:" >&2
sed 's/^/  /' "$work/run.log" >&2 || true
exit 1
