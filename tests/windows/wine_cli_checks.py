#!/usr/bin/env python3
"""tests/windows/wine_cli_checks.py - linewright-cli.exe under Wine, against
native Linux peers (this Python, CPython's asynchat, tshark, openssl
s_server).

    wine_cli_checks.py CLI_EXE WORK_DIR [LINUX_CLI]

Run by tests/windows/run_wine_suite.sh (CI's Windows step) with WINEPREFIX and
WINEDEBUG set. Needs a Python with asynchat (3.11; it is gone from 3.12) and
tshark and openssl. Every wait has a deadline and waits on something (a listener's
"listening on" line, a socket, a process's end); nothing sleeps. Prints one
"ok - ..." line per check and fails at the first mismatch with what differed.
LINUX_CLI (the native linewright-cli), when given, reads the session the .exe
recorded: its summary and pcapng export must be byte-equal to the .exe's.
"""
import warnings

warnings.simplefilter("ignore", DeprecationWarning)  # asynchat/asyncore: deprecated, still there in 3.11
import asynchat  # noqa: E402
import asyncore  # noqa: E402
import json
import os
import re
import selectors
import socket
import subprocess
import sys
import threading
import time

CLI, WORK = sys.argv[1], sys.argv[2]
LINUX_CLI = sys.argv[3] if len(sys.argv) > 3 else None
TIMEOUT = 120  # any one program's whole run under Wine, generous for 2 loaded cores
passed = 0


def fail(what):
    sys.exit("wine_cli_checks: FAILED: " + what)


def ok(what):
    global passed
    passed += 1
    print("ok - " + what, flush=True)


def run(args, what, status=0, stdin=None):
    """Runs the .exe to its end; returns (stdout bytes, stderr text)."""
    try:
        p = subprocess.run(["wine", CLI] + args, input=stdin, capture_output=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        fail("%s: no exit within %d s" % (what, TIMEOUT))
    err = p.stderr.decode("utf-8", "replace")
    if p.returncode != status:
        fail("%s: exit status %d, expected %d; stderr:\n%s" % (what, p.returncode, status, err[-2000:]))
    return p.stdout, err


class Server:
    """The .exe as a listener (listen, mock): started, its port read from its
    "listening on" line, then awaited."""

    def __init__(self, args, what, marker=r"listening on 127\.0\.0\.1:(\d+)"):
        self.what = what
        self.p = subprocess.Popen(["wine", CLI] + args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE)
        self.err, self.out = [], []
        self.changed = threading.Condition()
        self.ended = False
        found = threading.Event()
        self.port = None

        def drain_err():
            for raw in self.p.stderr:
                line = raw.decode("utf-8", "replace")
                with self.changed:
                    self.err.append(line)
                    self.changed.notify_all()
                m = re.search(marker, line)
                if m and self.port is None:
                    self.port = int(m.group(1)) if m.groups() else 0
                    found.set()
            found.set()  # stderr closed: the program ended
            with self.changed:
                self.ended = True
                self.changed.notify_all()

        def drain_out():
            while True:
                chunk = self.p.stdout.read1(65536)
                with self.changed:
                    if chunk:
                        self.out.append(chunk)
                    self.changed.notify_all()
                if not chunk:
                    return

        self.threads = [threading.Thread(target=drain_err, daemon=True),
                        threading.Thread(target=drain_out, daemon=True)]
        for t in self.threads:
            t.start()
        if not found.wait(TIMEOUT) or self.port is None:
            self.kill()
            fail("%s: no line matching %r; stderr:\n%s" % (what, marker, "".join(self.err)[-2000:]))

    def wait_err(self, pattern, n=1, deadline_s=TIMEOUT):
        """Waits until `n` lines of stderr match `pattern` (or the program
        ended, or the deadline passed: then fails). Returns those lines."""
        deadline = time.monotonic() + deadline_s
        with self.changed:
            while True:
                hits = [line for line in self.err if re.search(pattern, line)]
                if len(hits) >= n:
                    return hits
                if self.ended:
                    fail("%s: ended (status %s) with %d of %d lines matching %r; stderr:\n%s" %
                         (self.what, self.p.wait(), len(hits), n, pattern, "".join(self.err)[-2000:]))
                left = deadline - time.monotonic()
                if left <= 0:
                    self.p.kill()
                    fail("%s: %d of %d lines matching %r within %d s; stderr:\n%s" %
                         (self.what, len(hits), n, pattern, deadline_s, "".join(self.err)[-2000:]))
                self.changed.wait(left)  # notified on every stderr line and when stderr closes

    def wait_out(self, needle, deadline_s=TIMEOUT):
        """Waits until stdout holds `needle` (bytes), or fails."""
        deadline = time.monotonic() + deadline_s
        with self.changed:
            while needle not in b"".join(self.out):
                left = deadline - time.monotonic()
                if self.ended or left <= 0:
                    self.p.kill()
                    fail("%s: no %r on stdout (%s); stdout:\n%r\nstderr:\n%s" %
                         (self.what, needle, "it ended" if self.ended else "deadline", b"".join(self.out)[-500:],
                          "".join(self.err)[-2000:]))
                self.changed.wait(left)

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
        self.p.wait()

    def finish(self, status=0):
        try:
            rc = self.p.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()
            fail("%s: did not stop within %d s; stderr:\n%s" % (self.what, TIMEOUT, "".join(self.err)[-2000:]))
        for t in self.threads:
            t.join(TIMEOUT)
        if rc != status:
            fail("%s: exit status %d, expected %d; stderr:\n%s" % (self.what, rc, status, "".join(self.err)[-2000:]))
        return b"".join(self.out), "".join(self.err)


def exchange(port, plans, deadline_s=90):
    """Opens one connection per plan (all connected before any sends), sends
    each plan's bytes and reads until each has `expect` bytes (then compares
    them) or the peer closes. Returns the received bytes per connection."""
    socks = []
    for _ in plans:
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
        s.setblocking(False)
        socks.append(s)
    sel = selectors.DefaultSelector()
    state = []
    for s, (send, expect) in zip(socks, plans):
        st = {"out": memoryview(send), "got": bytearray(), "expect": expect, "done": False}
        state.append(st)
        sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE, st)
    deadline = time.monotonic() + deadline_s
    pending = len(socks)
    while pending:
        left = deadline - time.monotonic()
        if left <= 0:
            short = sum(1 for st in state if not st["done"])
            fail("%d of %d connections not answered in full within %d s" % (short, len(socks), deadline_s))
        for key, ev in sel.select(left):
            s, st = key.fileobj, key.data
            if ev & selectors.EVENT_WRITE and st["out"]:
                try:
                    n = s.send(st["out"][:65536])
                    st["out"] = st["out"][n:]
                except BlockingIOError:
                    pass
                if not st["out"]:
                    sel.modify(s, selectors.EVENT_READ, st)
            if ev & selectors.EVENT_READ:
                try:
                    chunk = s.recv(65536)
                except BlockingIOError:
                    continue
                if chunk:
                    st["got"] += chunk
                if not chunk or len(st["got"]) >= len(st["expect"]):
                    st["done"] = True
                    sel.unregister(s)
                    pending -= 1
    for s in socks:
        s.close()
    for i, st in enumerate(state):
        if bytes(st["got"]) != st["expect"]:
            got, exp = bytes(st["got"]), st["expect"]
            at = next((j for j in range(min(len(got), len(exp))) if got[j] != exp[j]), min(len(got), len(exp)))
            fail("connection %d: %d bytes back of %d expected, first difference at byte %d" %
                 (i + 1, len(got), len(exp), at))
    return [bytes(st["got"]) for st in state]


# --- --version, --help -------------------------------------------------------
out, _ = run(["--version"], "--version")
if not out.startswith(b"linewright-cli ") or b"\r" in out:
    fail("--version printed %r" % out[:200])
out, _ = run(["--help"], "--help")
if b"listen [HOST:]PORT" not in out or b"\r" in out:
    fail("--help: no usage line, or CR in it")
ok("--version and --help (LF line ends)")

# --- listen --echo on poll and select -----------------------------------------
big = bytes((i * 131 + i // 256) % 256 for i in range(100 * 1024)).replace(b"\r\n", b"..") + b"\r\n"
lines = [b"line %d\r\n" % i for i in range(120)]
lines.insert(60, big)
one = b"".join(lines)
N, K = 200, 5
for backend in ("poll", "select"):
    srv = Server(["listen", "127.0.0.1:0", "--echo", "-t", "\\r\\n", "--backend", backend, "--quiet",
                  "--count", str(len(lines))], "listen --echo --backend " + backend)
    exchange(srv.port, [(one, one)])
    srv.finish()
    ok("listen --echo --backend %s: one connection, %d lines (one of 100 kB, binary bytes), %d bytes "
       "echoed byte-exact" % (backend, len(lines), len(one)))

    plans = []
    for c in range(N):
        data = b"".join(b"conn %d line %d %s\n" % (c, i, b"x" * (c % 50)) for i in range(K))
        plans.append((data, data))
    srv = Server(["listen", "127.0.0.1:0", "--echo", "--backend", backend, "--quiet", "--stats",
                  "--count", str(N * K)], "listen --echo --backend %s, %d connections" % (backend, N))
    exchange(srv.port, plans)
    _, err = srv.finish()
    m = re.search(r"connections: (\d+) accepted \(peak (\d+) open", err)
    if not m or int(m.group(1)) != N:
        fail("%d concurrent connections (%s): stats say %r" % (N, backend, m.group(0) if m else err[-500:]))
    ok("listen --echo --backend %s: %d concurrent connections all served (peak %s open at once%s)" %
       (backend, N, m.group(2), "; select past 64 sockets" if backend == "select" else ""))


# --- select past FD_SETSIZE: a refusal per connection, the others served -----
# Winsock's fd_set is an array of at most FD_SETSIZE sockets of any value (the
# build sets FD_SETSIZE in engine/CMakeLists.txt). The loop holds the listener
# and the Waker's socket, so FD_SETSIZE - 2 connections fit; each one past
# that is accepted and closed at once with an accept_failed warning, and the
# reactor goes on serving the others (it used to stop the whole loop).
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
m = re.search(r"target_compile_definitions\(lw_net PUBLIC FD_SETSIZE=(\d+)\)",
              open(os.path.join(ROOT, "engine", "CMakeLists.txt")).read())
if not m:
    fail("engine/CMakeLists.txt does not set FD_SETSIZE for Windows any more: update this check")
FD_SETSIZE = int(m.group(1))
import resource  # noqa: E402
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
if soft != resource.RLIM_INFINITY and soft < FD_SETSIZE + 256:
    resource.setrlimit(resource.RLIMIT_NOFILE, (FD_SETSIZE + 256 if hard == resource.RLIM_INFINITY
                                                else min(hard, FD_SETSIZE + 256), hard))
FIT, EXTRA, LATER = FD_SETSIZE - 2, 10, 5
srv = Server(["listen", "127.0.0.1:0", "--echo", "--backend", "select", "--stats", "--count", str(FIT + LATER)],
             "listen --echo --backend select past FD_SETSIZE")
conns = []
for i in range(FIT + EXTRA):
    c = socket.create_connection(("127.0.0.1", srv.port), timeout=30)
    conns.append(c)
refusals = srv.wait_err(r"warning: select\(\) can watch at most %d sockets \(FD_SETSIZE\).*the connection from "
                        r"127\.0\.0\.1:\d+ was closed" % FD_SETSIZE, EXTRA)
# Each connection says its number; the ones the loop holds answer, the ones
# past the limit were closed (end-of-file or a reset).
served, refused = [], []
sel = selectors.DefaultSelector()
for i, c in enumerate(conns):
    try:
        c.sendall(b"conn %d\n" % i)
    except (BrokenPipeError, ConnectionResetError):
        pass  # a refused one, already reset: its recv says so
    c.setblocking(False)
    sel.register(c, selectors.EVENT_READ, (i, bytearray()))
deadline = time.monotonic() + 90
while len(served) + len(refused) < len(conns):
    left = deadline - time.monotonic()
    if left <= 0:
        srv.kill()
        fail("select past FD_SETSIZE: %d answered, %d closed, %d silent after 90 s" %
             (len(served), len(refused), len(conns) - len(served) - len(refused)))
    for key, _ in sel.select(left):
        i, got = key.data
        try:
            chunk = key.fileobj.recv(4096)
        except (ConnectionResetError, BlockingIOError) as e:
            chunk = b"" if isinstance(e, ConnectionResetError) else None
        if chunk is None:
            continue
        got += chunk
        if not chunk or got.endswith(b"\n"):
            sel.unregister(key.fileobj)
            if got == b"conn %d\n" % i:
                served.append(i)
            elif not got:
                refused.append(i)
            else:
                srv.kill()
                fail("select past FD_SETSIZE: connection %d got %r" % (i, bytes(got[:100])))
if len(served) != FIT or sorted(refused) != list(range(FIT, FIT + EXTRA)):
    srv.kill()
    fail("select past FD_SETSIZE: %d served (expected %d), refused %s (expected the last %d)" %
         (len(served), FIT, sorted(refused)[:20], EXTRA))
# Room again: LATER connections closed, LATER new ones served.
for c in conns[:LATER]:
    c.close()
srv.wait_err(r"closed by peer", LATER)
exchange(srv.port, [(b"later %d\n" % i, b"later %d\n" % i) for i in range(LATER)])
_, err = srv.finish()  # --count reached: FIT + LATER lines
for c in conns:
    c.close()
m = re.search(r"connections: (\d+) accepted \(peak (\d+) open", err)
if not m or int(m.group(1)) != FIT + LATER or int(m.group(2)) != FIT:
    fail("select past FD_SETSIZE: stats say %r" % (m.group(0) if m else err[-500:]))
ok("listen --echo --backend select past FD_SETSIZE (%d): %d connections served, the %d past them refused one "
   "by one ('%s'), the loop served on; %d closed, %d new served (peak %s open)" %
   (FD_SETSIZE, FIT, EXTRA, refusals[0].split("warning: ", 1)[1].split(";")[0], LATER, LATER, m.group(2)))


# --- connect to a native asynchat echo server; --json, --record ---------------
class EchoHandler(asynchat.async_chat):
    def __init__(self, sock):
        super().__init__(sock)
        self.set_terminator(b"\r\n")
        self.buf = []

    def collect_incoming_data(self, data):
        self.buf.append(data)

    def found_terminator(self):
        self.push(b"".join(self.buf) + b"\r\n")
        self.buf = []


class EchoServer(asyncore.dispatcher):
    def __init__(self):
        super().__init__()
        self.create_socket(socket.AF_INET, socket.SOCK_STREAM)
        self.set_reuse_addr()
        self.bind(("127.0.0.1", 0))
        self.listen(16)

    def handle_accepted(self, sock, addr):
        EchoHandler(sock)


echo = EchoServer()
echo_port = echo.socket.getsockname()[1]
stop_echo = threading.Event()
echo_thread = threading.Thread(
    target=lambda: [asyncore.loop(timeout=0.05, count=1) for _ in iter(stop_echo.is_set, True)], daemon=True)
echo_thread.start()

session = os.path.join(WORK, "wine.lwsession")
for f in (session,):
    if os.path.exists(f):
        os.remove(f)
requests = [b"HELLO asynchat", b"caf\xc3\xa9 \x01\x02\xff binary", b"x" * 3000, b"QUIT"]
args = ["connect", "127.0.0.1", str(echo_port), "-t", "\\r\\n", "--json", "--record", session, "--no-stdin",
        "--send", "HELLO asynchat\\r\\n", "--send", "caf\\xc3\\xa9 \\x01\\x02\\xff binary\\r\\n",
        "--send", "x" * 3000 + "\\r\\n", "--send", "QUIT\\r\\n", "--count", str(len(requests))]
out, err = run(args, "connect to the asynchat echo server")
events = []
for i, line in enumerate(out.split(b"\n")[:-1]):
    try:
        events.append(json.loads(line))
    except ValueError:
        fail("--json line %d is not JSON: %r" % (i + 1, line[:200]))
if not events or events[0].get("format") != "linewright-session" or b"\r" in out:
    fail("--json: no session header, or CR in the output: %r" % out[:300])
import base64  # noqa: E402
got = [base64.b64decode(e["data_b64"]) for e in events if e.get("event") == "collect"]
kinds = [e.get("event") for e in events[1:]]
if b"".join(got) != b"".join(requests) or "connected" not in kinds or kinds[-1] != "stopped":
    fail("--json: the collected replies or the events differ: kinds %s, %d bytes collected" %
         (kinds, len(b"".join(got))))
ok("connect to a native asynchat echo server: %d replies echoed; --json: %d events, header first, "
   "'stopped' last, LF only" % (len(requests), len(events)))

# --- the recording: summary, export --pcapng (tshark), replay, mock ----------
if not os.path.exists(session):
    fail("--record wrote no file")
summary, _ = run(["summary", session], "summary")
if (b"\r" in summary or b"bytes: 3042 received, 3042 sent" not in summary
        or b"messages: 4 received (found_terminator), 4 sent (push)" not in summary):
    fail("summary: %r" % summary[:800])
pcap = os.path.join(WORK, "wine.pcapng")
if os.path.exists(pcap):
    os.remove(pcap)
run(["export", session, "--pcapng", pcap], "export --pcapng")
t = subprocess.run(["tshark", "-r", pcap, "-q", "-z", "follow,tcp,raw,0"], capture_output=True, timeout=TIMEOUT)
if t.returncode != 0:
    fail("tshark could not read the export: %s" % t.stderr.decode("utf-8", "replace")[-500:])
sides = {b"": b"", b"\t": b""}  # tshark's raw follow: client bytes as hex lines, server bytes after a tab
for tab, h in re.findall(rb"^(\t?)([0-9a-f]+)$", t.stdout, re.M):
    sides[tab] += bytes.fromhex(h.decode())
wire = b"".join(r + b"\r\n" for r in requests)
if sides[b""] != wire or sides[b"\t"] != wire:
    fail("tshark follows %d bytes client to server and %d back in the pcapng, expected %d each way" %
         (len(sides[b""]), len(sides[b"\t"]), len(wire)))
ok("--record, then summary; export --pcapng read by tshark: the TCP stream holds the %d bytes each way" %
   len(wire))

out, err = run(["replay", session, "--to", "127.0.0.1:%d" % echo_port, "--quiet"], "replay")
if "replay passed" not in err:
    fail("replay: %s" % err[-500:])
ok("replay to the asynchat echo server: " + err.strip().splitlines()[-1].split(": ", 1)[-1])

# --- Ctrl-C: Wine turns SIGINT sent to the process into CTRL_C_EVENT ----------
# (/usr/bin/wine execs the loader, so the Popen's pid is the Windows
# program's process; its console control handler, app/cli/SignalWatcher.cpp,
# starts the clean stop.) Documented (docs/cli.md): every channel closed,
# --stats printed, --record ended with `stopped`, status 0.
import signal  # noqa: E402


def last_event(path):
    lines = [line for line in open(path, "rb").read().split(b"\n") if line]
    try:
        return [json.loads(line) for line in lines]
    except ValueError:
        fail("%s: not JSON lines (an incomplete recording?): %r" % (path, lines[-1][:200]))


sig_listen = os.path.join(WORK, "sigint-listen.lwsession")
sig_connect = os.path.join(WORK, "sigint-connect.lwsession")
for f in (sig_listen, sig_connect):
    if os.path.exists(f):
        os.remove(f)
srv = Server(["listen", "127.0.0.1:0", "--echo", "-t", "\\r\\n", "--record", sig_listen, "--stats"],
             "listen, then Ctrl-C")
c = socket.create_connection(("127.0.0.1", srv.port), timeout=30)
c.sendall(b"before ctrl-c\r\n")
got = b""
while len(got) < len(b"before ctrl-c\r\n"):
    chunk = c.recv(4096)  # the socket's own 30 s timeout bounds each wait
    if not chunk:
        break
    got += chunk
if got != b"before ctrl-c\r\n":
    srv.kill()
    fail("listen, then Ctrl-C: the echo before the signal was %r" % got)
srv.p.send_signal(signal.SIGINT)
_, err = srv.finish(0)
if c.recv(4096) != b"":  # every channel closed: end-of-file
    fail("listen, then Ctrl-C: the connection was not closed")
c.close()
if not re.search(r"stats: .*connections: 1 accepted", err):
    fail("listen, then Ctrl-C: no --stats line: %s" % err[-500:])
ev = last_event(sig_listen)
kinds = [e.get("event") for e in ev[1:]]
if kinds[-1] != "stopped" or "found_terminator" not in kinds or kinds.count("closed") != 2:
    fail("listen, then Ctrl-C: the recording's events: %s" % kinds)
ok("listen, then SIGINT to the wine process (CTRL_C_EVENT): status 0, the client closed, --stats printed, "
   "the recording complete (%d events, 'stopped' last)" % len(ev))

srv = Server(["connect", "127.0.0.1", str(echo_port), "-t", "\\r\\n", "--record", sig_connect, "--no-stdin",
              "--send", "before ctrl-c\\r\\n"], "connect, then Ctrl-C", marker=r"connected to 127\.0\.0\.1:\d+")
srv.wait_out(b"before ctrl-c")  # the echo came back: the recording has both directions
srv.p.send_signal(signal.SIGINT)
srv.finish(0)
ev = last_event(sig_connect)
kinds = [e.get("event") for e in ev[1:]]
if kinds[-1] != "stopped" or "found_terminator" not in kinds or "closed" not in kinds:
    fail("connect, then Ctrl-C: the recording's events: %s" % kinds)
ok("connect, then SIGINT: status 0, the recording complete (%d events, 'stopped' last)" % len(ev))
sigint_summaries = [(f, run(["summary", f], "summary of " + f)[0]) for f in (sig_listen, sig_connect)]

stop_echo.set()
echo_thread.join(TIMEOUT)
echo.close()

srv = Server(["mock", session, "--listen", "127.0.0.1:0", "--clients", "1"], "mock")
exchange(srv.port, [(wire, wire)])
srv.finish()
ok("mock serves the recorded replies to a native client, byte-exact")

# --- an error recorded portably: a refused connect ----------------------------
refused = os.path.join(WORK, "refused.lwsession")
if os.path.exists(refused):
    os.remove(refused)
closed = socket.socket()
closed.bind(("127.0.0.1", 0))
closed_port = closed.getsockname()[1]
closed.close()  # nothing listens there now: a connect is refused
_, err = run(["connect", "127.0.0.1", str(closed_port), "--record", refused, "--no-stdin"], "refused connect",
             status=1)
if "Connection refused" not in err:
    fail("refused connect: %s" % err[-500:])
names = [json.loads(line).get("errno_name") for line in open(refused, "rb").read().split(b"\n")[1:] if line]
if "ECONNREFUSED" not in names:
    fail("the refused connect's session has no errno_name ECONNREFUSED: %s" % open(refused, "rb").read()[:800])
ok("a refused connect: 'Connection refused' (status 1), recorded with errno_name ECONNREFUSED")
refused_summary, _ = run(["summary", refused], "summary of the refused connect")

# --- TLS: connect --tls to a native openssl s_server -------------------------
pki = os.path.join(WORK, "pki")
os.makedirs(pki, exist_ok=True)


def openssl(*args):
    r = subprocess.run(["openssl"] + list(args), capture_output=True, timeout=TIMEOUT)
    if r.returncode != 0:
        fail("openssl %s: %s" % (args[0], r.stderr.decode("utf-8", "replace")[-500:]))


def pk(name):
    return os.path.join(pki, name)


ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
openssl("req", "-x509", *ec, "-keyout", pk("ca.key"), "-out", pk("ca.pem"), "-days", "2", "-subj", "/CN=Wine Test CA")
openssl("req", "-x509", *ec, "-keyout", pk("wrongca.key"), "-out", pk("wrongca.pem"), "-days", "2",
        "-subj", "/CN=Other CA")
openssl("req", *ec, "-keyout", pk("server.key"), "-out", pk("server.csr"), "-subj", "/CN=localhost")
with open(pk("server.ext"), "w") as f:
    f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
openssl("x509", "-req", "-in", pk("server.csr"), "-CA", pk("ca.pem"), "-CAkey", pk("ca.key"), "-CAcreateserial",
        "-out", pk("server.pem"), "-days", "2", "-extfile", pk("server.ext"))
probe = socket.socket()
probe.bind(("127.0.0.1", 0))
tls_port = probe.getsockname()[1]
probe.close()
# -rev: each line comes back reversed.
s_server = subprocess.Popen(["openssl", "s_server", "-accept", "127.0.0.1:%d" % tls_port, "-cert", pk("server.pem"),
                             "-key", pk("server.key"), "-rev"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
accept = threading.Event()
s_out = []


def drain_s_server():
    for line in s_server.stdout:
        s_out.append(line)
        if line.startswith(b"ACCEPT"):
            accept.set()
    accept.set()


threading.Thread(target=drain_s_server, daemon=True).start()
if not accept.wait(TIMEOUT) or s_server.poll() is not None:
    s_server.kill()
    fail("openssl s_server did not start: %r" % b"".join(s_out)[-500:])
try:
    out, err = run(["connect", "127.0.0.1", str(tls_port), "--tls", "--cafile", pk("ca.pem"), "--send",
                    "hello wine\\n", "--count", "1", "--json"], "connect --tls --cafile")
    events = [json.loads(line) for line in out.split(b"\n") if line]
    hs = [e for e in events if e.get("event") == "tls_handshake"]
    if (not hs or b'"verified":true' not in out or b'"text":"eniw olleh"' not in out or err
            or events[-1].get("event") != "stopped"):
        fail("connect --tls --cafile: %r\nstderr: %s" % (out[-1500:], err))
    out, err = run(["connect", "127.0.0.1", str(tls_port), "--tls", "--cafile", pk("wrongca.pem"), "--send",
                    "x\\n", "--count", "1", "--quiet"], "connect --tls with the wrong CA", status=1)
    want = ("linewright-cli: TLS handshake failed: certificate verify failed: unable to get local issuer "
            "certificate (subject CN=localhost, issuer CN=Wine Test CA, depth 0)\n")
    # stderr stays in text mode, as Windows consoles expect: CRLF line ends.
    if err.replace("\r\n", "\n") != want:
        fail("connect --tls with the wrong CA: stderr %r, expected %r" % (err, want))
finally:
    s_server.kill()
    s_server.wait()
ok("connect --tls to openssl s_server: %s, verified against --cafile, the line reversed back; the wrong CA "
   "refused: '%s' (status 1)" % (hs[0].get("version"), want.strip()[len("linewright-cli: "):]))

# --- the same sessions read by the Linux build --------------------------------
if LINUX_CLI:
    for f, text in [(session, summary), (refused, refused_summary)] + sigint_summaries:
        native = subprocess.run([LINUX_CLI, "summary", f], capture_output=True, timeout=TIMEOUT)
        if native.returncode != 0 or native.stdout != text:
            fail("the Linux build's summary of %s differs:\n--- wine\n%s\n--- linux\n%s%s" %
                 (f, text.decode("utf-8", "replace"), native.stdout.decode("utf-8", "replace"),
                  native.stderr.decode("utf-8", "replace")))
    pcap_linux = os.path.join(WORK, "linux.pcapng")
    native = subprocess.run([LINUX_CLI, "export", session, "--pcapng", pcap_linux, "--force"],
                            capture_output=True, timeout=TIMEOUT)
    if native.returncode != 0 or open(pcap_linux, "rb").read() != open(pcap, "rb").read():
        fail("the Linux build's pcapng export of the Wine recording differs from the .exe's")
    ok("the sessions recorded under Wine (one ended by Ctrl-C in listen and one in connect among them) read "
       "identically with the Linux build (summaries, pcapng byte-equal)")

print("%d passed, 0 failed" % passed)
