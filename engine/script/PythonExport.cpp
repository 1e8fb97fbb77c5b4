// PythonExport.cpp — a conversation script as a Python program.
#include "engine/script/PythonExport.h"

#include <cstdio>

namespace engine::script {

namespace {

std::string literal(std::string_view bytes, const char* prefix) {
    std::string out = prefix;
    out += '\'';
    for (const char ch : bytes) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '\\' || c == '\'') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c >= 0x20 && c <= 0x7e) {
            out += static_cast<char>(c);
        } else {
            char buf[5];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        }
    }
    out += '\'';
    return out;
}

// A comment's text: printable ASCII only (a \r or a form feed would end it).
std::string commentText(std::string_view s) {
    std::string out;
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        out += (c >= 0x20 && c <= 0x7e) ? static_cast<char>(c) : '?';
    }
    return out;
}

// Shared by both flavors; `A` is "await " for asyncio.
const char* const kCommonTop = R"PY(import re
import ssl
import sys
import time

TARGET = sys.argv[1] if len(sys.argv) > 1 else None


def show(b):
    """A received message for a report: Python's escaped form, cut."""
    return repr(bytes(b[:120])) + (' ...' if len(b) > 120 else '')


def fail(where, what, expected, got):
    sys.stderr.write('%s: %s\n  expected: %s\n  got:      %s\n' % (where, what, expected, got))
    sys.exit(1)


def target(host, port):
    if TARGET is None:
        return host, port
    h, _, p = TARGET.rpartition(':')
    return h.strip('[]'), int(p)


def tls_context(insecure, cafile, cert, key, where):
    """The client TLS context of a `connect ... tls` or a `starttls`."""
    try:
        ctx = ssl.create_default_context(cafile=cafile)
        if cert:
            ctx.load_cert_chain(cert, key)
    except (OSError, ssl.SSLError) as e:
        fail(where, 'TLS: %s' % e, 'a TLS configuration', 'nothing')
    if insecure:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


def regex(pattern, where):
    try:
        return re.compile(pattern)
    except re.error as e:
        fail(where, 'the regex is not valid in Python: %s' % e, 'a regex', show(pattern))


def matches(how, want, msg):
    if how == 'equals':
        return msg == want
    if how == 'prefix':
        return msg.startswith(want)
    if how == 'suffix':
        return msg.endswith(want)
    if how == 'contains':
        return want in msg
    return want.search(msg)


class Base:
    def __init__(self):
        self.timeout = 5.0
        self.framing = b'\r\n'  # the terminator in force (the default); None or b'': no framing
        self.once = None     # a count for the next message only
        self.vars = {}

    def var(self, name):
        return self.vars.get(name, b'')

    def count(self, name, where):
        v = self.var(name)
        if not v.isdigit() or len(v) > 10:
            fail(where, '${%s} is %s, not a count' % (name, show(v)), 'a count', show(v))
        self.once = int(v)

    def matched(self, how, m, msg, names):
        if how == 'regex':
            for i, name in enumerate(names):
                self.vars[name] = (m.group(i + 1) if i + 1 <= m.re.groups else None) or b''
        elif names:
            self.vars[names[0]] = msg

    def check(self, a, op, b, where, expected):
        if op == '=~':
            ok = b.search(a) is not None
        else:
            ok = (a == b) == (op == '==')
        if not ok:
            fail(where, 'assertion failed', expected, show(a))
)PY";

const char* const kPwntools = R"PY(
import os
os.environ.setdefault('PWNLIB_NOTERM', '1')
from pwn import context, remote  # noqa: E402

context.log_level = 'error'


class Conversation(Base):
    def __init__(self):
        super().__init__()
        self.io = None

    def connect(self, host, port, where, tls=None, sni=None):
        self.close()
        host, port = target(host, port)
        self.host = host
        try:
            self.io = remote(host, port, timeout=self.timeout)
        except Exception as e:  # pwntools raises its own on a refusal
            fail(where, 'could not connect to %s:%d (%s)' % (host, port, e), 'a connection', 'nothing')
        if tls is not None:
            self.handshake(tls, sni, where)

    def handshake(self, ctx, sni, where):
        try:
            self.io.sock.settimeout(self.timeout)
            self.io.sock = ctx.wrap_socket(self.io.sock, server_hostname=sni or self.host)
        except (OSError, ssl.SSLError) as e:
            fail(where, 'TLS handshake failed: %s' % e, 'a TLS handshake', 'nothing')

    def starttls(self, ctx, sni, where):
        if self.io is None:
            fail(where, 'not connected', 'a connection to upgrade', 'nothing')
        if len(self.io.buffer):
            fail(where, 'bytes came before the TLS handshake and were not read', 'nothing before the handshake',
                 show(self.io.buffer.get()))
        self.handshake(ctx, sni, where)

    def close(self):
        if self.io is not None:
            self.io.close()
            self.io = None

    def send(self, data, line, where):
        if self.io is None:
            fail(where, 'not connected', 'a connection', 'nothing')
        if line and self.framing:
            self.io.newline = self.framing
            self.io.sendline(data)
        else:
            self.io.send(data)

    def message(self, timeout, where, expected):
        if self.io is None:
            fail(where, 'not connected', expected, 'nothing')
        try:
            if self.once is not None:
                n, self.once = self.once, None
                data = self.io.recvn(n, timeout=timeout) if n else b''
                if len(data) < n:
                    fail(where, 'no %d-byte message within %gs' % (n, timeout), expected, 'nothing')
                return data
            if self.framing:
                data = self.io.recvuntil(self.framing, timeout=timeout)
                if not data.endswith(self.framing):
                    fail(where, 'no message within %gs' % timeout, expected, 'nothing')
                return data[:-len(self.framing)]
            data = self.io.recv(timeout=timeout)
            if not data:
                fail(where, 'no message within %gs' % timeout, expected, 'nothing')
            return data
        except EOFError:
            fail(where, 'the peer closed the connection', expected, 'the close')

)PY";

const char* const kPwntoolsEnd = R"PY(
    def expect_close(self, timeout, where, expected):
        t = self.timeout if timeout is None else timeout
        if self.io is None:
            return
        try:
            data = self.io.recv(timeout=t)
        except EOFError:
            self.close()
            return
        fail(where, 'the peer did not close', expected, show(data) if data else 'nothing within %gs' % t)

    def wait(self, seconds):
        time.sleep(seconds)


def main():
    s = Conversation()
)PY";

const char* const kAsyncio = R"PY(
import asyncio


class Conversation(Base):
    def __init__(self):
        super().__init__()
        self.reader = None
        self.writer = None

    async def connect(self, host, port, where, tls=None, sni=None):
        await self.close()
        host, port = target(host, port)
        self.host = host
        try:
            self.reader, self.writer = await asyncio.wait_for(
                asyncio.open_connection(host, port, limit=1 << 20, ssl=tls,
                                        server_hostname=(sni or host) if tls else None), self.timeout)
        except (OSError, asyncio.TimeoutError) as e:
            fail(where, 'could not connect to %s:%d (%s)' % (host, port, e or 'timed out'),
                 'a connection', 'nothing')

    async def starttls(self, ctx, sni, where):
        if self.writer is None:
            fail(where, 'not connected', 'a connection to upgrade', 'nothing')
        if not hasattr(self.writer, 'start_tls'):
            fail(where, 'starttls needs Python 3.11 or later (StreamWriter.start_tls)', 'a TLS handshake', 'nothing')
        try:
            await asyncio.wait_for(self.writer.start_tls(ctx, server_hostname=sni or self.host), self.timeout)
        except (OSError, ssl.SSLError, asyncio.TimeoutError) as e:
            fail(where, 'TLS handshake failed: %s' % (e or 'timed out'), 'a TLS handshake', 'nothing')

    async def close(self):
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except OSError:
                pass
            self.reader = self.writer = None

    async def send(self, data, line, where):
        if self.writer is None:
            fail(where, 'not connected', 'a connection', 'nothing')
        self.writer.write(data + self.framing if line and self.framing else data)
        try:
            await self.writer.drain()
        except OSError as e:
            fail(where, 'the send failed (%s)' % e, 'a connection', 'nothing')

    async def message(self, timeout, where, expected):
        if self.reader is None:
            fail(where, 'not connected', expected, 'nothing')
        try:
            if self.once is not None:
                n, self.once = self.once, None
                return await asyncio.wait_for(self.reader.readexactly(n), timeout)
            if self.framing:
                data = await asyncio.wait_for(self.reader.readuntil(self.framing), timeout)
                return data[:-len(self.framing)]
            data = await asyncio.wait_for(self.reader.read(65536), timeout)
            if not data:
                fail(where, 'the peer closed the connection', expected, 'the close')
            return data
        except asyncio.TimeoutError:
            fail(where, 'no message within %gs' % timeout, expected, 'nothing')
        except asyncio.IncompleteReadError as e:
            fail(where, 'the peer closed the connection', expected,
                 (show(e.partial) + ' then the close') if e.partial else 'the close')
        except asyncio.LimitOverrunError:
            fail(where, 'a message above 1 MiB', expected, 'more than 1 MiB without the terminator')
        except OSError as e:
            fail(where, 'the connection failed (%s)' % e, expected, 'nothing')

)PY";

const char* const kAsyncioEnd = R"PY(
    async def expect_close(self, timeout, where, expected):
        t = self.timeout if timeout is None else timeout
        if self.reader is None:
            return
        try:
            data = await asyncio.wait_for(self.reader.read(65536), t)
        except asyncio.TimeoutError:
            fail(where, 'the peer did not close', expected, 'nothing within %gs' % t)
        except OSError:
            data = b''
        if data:
            fail(where, 'the peer did not close', expected, show(data))
        await self.close()

    async def wait(self, seconds):
        await asyncio.sleep(seconds)


async def main():
    s = Conversation()
)PY";

std::string seconds(std::int64_t ms) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(ms) / 1000.0);
    return buf;
}

std::string textExpr(const Text& t) {
    if (t.parts.empty()) return "b''";
    std::string out;
    for (const Text::Part& p : t.parts) {
        if (!out.empty()) out += " + ";
        out += p.variable ? "s.var(" + pythonStr(p.text) + ")" : pythonBytes(p.text);
    }
    return out;
}

// The arguments `tls_context(…), SNI` of a connect … tls or a starttls.
std::string tlsArgs(const TlsConfig& c, const std::string& where) {
    auto opt = [](const std::string& v) { return v.empty() ? std::string("None") : pythonStr(v); };
    return "tls_context(" + std::string(c.verify ? "False" : "True") + ", " + opt(c.caFile) + ", " + opt(c.certFile) +
           ", " + opt(c.keyFile) + ", " + where + "), " + opt(c.serverName);
}

// Conversation.expect(), the same in both but for `A` ("await " with
// asyncio, else "") before the wait for a message.
std::string expectMethod(const std::string& A) {
    return "    " + std::string(A.empty() ? "" : "async ") +
           "def expect(self, how, want, names, within, timeout, where, expected):\n"
           "        t = self.timeout if timeout is None else timeout\n"
           "        deadline = time.monotonic() + t\n"
           "        msg = b''\n"
           "        for _ in range(within):\n"
           "            msg = " + A + "self.message(max(0.0, deadline - time.monotonic()), where, expected)\n"
           "            m = matches(how, want, msg)\n"
           "            if m:\n"
           "                self.matched(how, m, msg, names)\n"
           "                return\n"
           "        fail(where, 'the next message did not match' if within == 1 else\n"
           "             'none of the next %d messages matched' % within, expected, show(msg))\n";
}

const char* matchName(program::Rule::Match m) {
    switch (m) {
    case program::Rule::Match::Equals: return "equals";
    case program::Rule::Match::Prefix: return "prefix";
    case program::Rule::Match::Suffix: return "suffix";
    case program::Rule::Match::Contains: return "contains";
    case program::Rule::Match::Regex: return "regex";
    case program::Rule::Match::Any: break;
    }
    return "contains";  // Any: every message (want b'')
}

}  // namespace

std::optional<PythonFlavor> pythonFlavor(std::string_view name) {
    if (name == "pwntools") return PythonFlavor::Pwntools;
    if (name == "asyncio") return PythonFlavor::Asyncio;
    return std::nullopt;
}

std::string pythonBytes(std::string_view bytes) { return literal(bytes, "b"); }
std::string pythonStr(std::string_view text) { return literal(text, ""); }

std::string pythonRegex(std::string_view re2) {
    // Multi-line mode anywhere ((?m), (?sm:, …): `$` already means what it means in Python.
    bool multiLine = false;
    for (std::size_t at = re2.find("(?"); at != std::string_view::npos; at = re2.find("(?", at + 2)) {
        for (std::size_t k = at + 2; k < re2.size() && re2[k] != ')' && re2[k] != ':'; ++k)
            if (re2[k] == 'm') multiLine = true;
    }
    std::string out;
    bool inClass = false;
    for (std::size_t i = 0; i < re2.size(); ++i) {
        const char c = re2[i];
        if (c == '\\' && i + 1 < re2.size()) {
            const char n = re2[++i];
            if (n == 'z') out += "\\Z";
            else {
                out += c;
                out += n;
            }
            continue;
        }
        if (inClass) {
            if (c == ']') inClass = false;
            out += c;
            continue;
        }
        if (c == '[') {
            inClass = true;
            out += c;
            if (i + 1 < re2.size() && re2[i + 1] == '^') out += re2[++i];
            if (i + 1 < re2.size() && re2[i + 1] == ']') out += re2[++i];  // a ']' first is literal
            continue;
        }
        if (c == '$' && !multiLine) out += "\\Z";
        else out += c;
    }
    return out;
}

std::optional<std::string> exportPython(const Script& script, PythonFlavor flavor, std::string* error) {
    const bool aio = flavor == PythonFlavor::Asyncio;
    const std::string A = aio ? "await " : "";
    std::string regexes;  // compiled first, so a pattern Python refuses fails before connecting
    std::string body;
    std::size_t nRegex = 0;
    int depth = 1;
    auto line = [&](const std::string& s) {
        body.append(static_cast<std::size_t>(depth) * 4, ' ');
        body += s;
        body += '\n';
    };
    auto addRegex = [&](const Step& st) {
        const std::string name = "R" + std::to_string(nRegex++);
        regexes += "    " + name + " = regex(" + pythonBytes(pythonRegex(st.rule.pattern->source())) + ", " +
                   pythonStr(script.where(st)) + ")\n";
        return name;
    };
    std::vector<bool> emptyBlock;
    for (const Step& st : script.steps()) {
        const std::string where = pythonStr(script.where(st));
        const std::string expected = pythonStr(describeStep(st));
        if (st.kind != Step::Kind::RepeatEnd) line("# " + commentText(script.where(st) + "  " + st.source));
        if (!emptyBlock.empty()) emptyBlock.back() = false;
        switch (st.kind) {
        case Step::Kind::Connect:
            line(A + "s.connect(" + pythonStr(st.host) + ", " + std::to_string(st.port) + ", " + where +
                 (st.tls ? ", " + tlsArgs(st.tlsConfig, where) : std::string()) + ")");
            break;
        case Step::Kind::StartTls:
            if (st.tlsConfig.startTls != StartTlsProtocol::None) {
                if (error)
                    *error = script.where(st) + ": starttls " + std::string(startTlsProtocolName(st.tlsConfig.startTls)) +
                             " (the built-in dialogue) cannot be exported to Python; write the dialogue as send and "
                             "expect steps followed by a plain 'starttls'";
                return std::nullopt;
            }
            line(A + "s.starttls(" + tlsArgs(st.tlsConfig, where) + ", " + where + ")");
            break;
        case Step::Kind::Timeout: line("s.timeout = " + seconds(st.ms)); break;
        case Step::Kind::Terminator:
            if (!st.countVariable.empty()) line("s.count(" + pythonStr(st.countVariable) + ", " + where + ")");
            else if (st.terminator.isCount()) line("s.once = " + std::to_string(st.terminator.countValue()));
            else if (st.terminator.isBytes()) line("s.framing, s.once = " + pythonBytes(st.terminator.bytesValue()) + ", None");
            else line("s.framing, s.once = None, None");
            break;
        case Step::Kind::Preset:
            if (error)
                *error = script.where(st) + ": preset (framing by a protocol program) cannot be exported to Python";
            return std::nullopt;
        case Step::Kind::Send:
            line(A + "s.send(" + textExpr(st.text) + ", " + (st.raw ? "False" : "True") + ", " + where + ")");
            break;
        case Step::Kind::Expect: {
            std::string want;
            if (st.rule.match == program::Rule::Match::Regex) want = addRegex(st);
            else if (st.rule.match == program::Rule::Match::Any) want = "b''";
            else want = st.text.isLiteral() ? pythonBytes(st.rule.literal) : textExpr(st.text);
            std::string names = "[";
            for (const std::string& n : st.captures) names += (names.size() > 1 ? ", " : "") + pythonStr(n);
            names += "]";
            line(A + "s.expect('" + matchName(st.rule.match) + "', " + want + ", " + names + ", " +
                 std::to_string(st.within) + ", " + (st.ms >= 0 ? seconds(st.ms) : std::string("None")) + ",");
            line("         " + where + ", " + expected + ")");
            break;
        }
        case Step::Kind::ExpectClose:
            line(A + "s.expect_close(" + (st.ms >= 0 ? seconds(st.ms) : std::string("None")) + ", " + where + ", " +
                 expected + ")");
            break;
        case Step::Kind::Wait: line(A + "s.wait(" + seconds(st.ms) + ")"); break;
        case Step::Kind::Set: line("s.vars[" + pythonStr(st.name) + "] = " + textExpr(st.text)); break;
        case Step::Kind::Assert: {
            std::string op, other;
            if (st.compare == Step::Compare::Matches) {
                op = "=~";
                other = addRegex(st);
            } else {
                op = st.compare == Step::Compare::Equal ? "==" : "!=";
                other = textExpr(st.other);
            }
            line("s.check(" + textExpr(st.text) + ", '" + op + "', " + other + ", " + where + ", " + expected + ")");
            break;
        }
        case Step::Kind::RepeatBegin:
            line("for _ in range(" + std::to_string(st.count) + "):");
            ++depth;
            emptyBlock.push_back(true);
            break;
        case Step::Kind::RepeatEnd:
            if (!emptyBlock.empty()) {
                if (emptyBlock.back()) line("pass");
                emptyBlock.pop_back();
            }
            --depth;
            break;
        case Step::Kind::Close: line(A + "s.close()"); break;
        }
    }
    std::string out = "#!/usr/bin/env python3\n# " + commentText(script.file()) +
                      (aio ? " as a Python program (asyncio, the standard library only)"
                           : " as a Python program for pwntools") +
                      ", written by linewright-cli.\n# Run: python3 THIS_FILE [HOST:PORT]  (HOST:PORT replaces every "
                      "connect's target)\n";
    out += kCommonTop;
    out += aio ? kAsyncio : kPwntools;
    out += expectMethod(A);
    out += aio ? kAsyncioEnd : kPwntoolsEnd;
    out += regexes;
    out += body;
    out += "    " + A + "s.close()\n    print('passed: ' + " + pythonStr(script.file()) + ")\n\n\n";
    out += aio ? "asyncio.run(main())\n" : "main()\n";
    return out;
}

}  // namespace engine::script
