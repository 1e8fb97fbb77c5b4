// CliOptions.cpp — argv → CliOptions, with one precise message per mistake.
#include "app/cli/CliOptions.h"

#include "app/cli/CommandLine.h"

#include "app/Version.h"
#include "engine/net/Address.h"
#include "engine/asyncore/Escape.h"
#include "engine/reactor/Reactor.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string_view>

namespace cli {
namespace {

struct OptionSpec {
    std::string_view longName;
    char shortName;  // 0: none
    bool takesValue;
};

constexpr OptionSpec kOptions[] = {
    {"terminator", 't', true},  {"echo", 'e', false},      {"send", 's', true},        {"send-file", 'f', true},
    {"repeat", 0, true},        {"interval", 0, true},     {"stdin", 'i', false},      {"no-stdin", 0, false},
    {"json", 'j', false},       {"quiet", 'q', false},     {"stats", 0, false},        {"record", 'r', true},
    {"backend", 'b', true},     {"in-buffer", 0, true},    {"out-buffer", 0, true},    {"max-message", 0, true},
    {"high-water", 0, true},    {"trace-loop", 0, false},  {"count", 'c', true},       {"timeout", 'w', true},
    {"ipv4", '4', false},       {"ipv6", '6', false},      {"help", 'h', false},       {"version", 'V', false},
};

class Parser {
public:
    Parser(int argc, const char* const* argv) {
        for (int i = 1; i < argc; ++i) m_args.emplace_back(argv[i]);
    }

    ParseResult run() {
        ParseResult r;
        std::vector<std::string> positional;
        ArgScanner<OptionSpec> args(m_args, kOptions);
        for (auto item = args.next(); item.kind != ArgScanner<OptionSpec>::Kind::End; item = args.next()) {
            if (item.kind == ArgScanner<OptionSpec>::Kind::Error) return error(item.value);
            if (item.kind == ArgScanner<OptionSpec>::Kind::Positional) {
                positional.push_back(std::move(item.value));
                continue;
            }
            const OptionSpec* spec = item.spec;
            if (spec->longName == "help") {
                r.kind = ParseResult::Kind::Help;
                return r;
            }
            if (spec->longName == "version") {
                r.kind = ParseResult::Kind::Version;
                return r;
            }
            if (!apply(*spec, item.name, item.value)) return error(m_error);
        }
        if (!positionals(positional)) return error(m_error);
        if (!crossChecks()) return error(m_error);
        r.kind = ParseResult::Kind::Run;
        r.options = m_o;
        return r;
    }

private:
    ParseResult error(std::string message) {
        ParseResult r;
        r.kind = ParseResult::Kind::Error;
        r.error = std::move(message);
        return r;
    }
    bool fail(std::string message) {
        m_error = std::move(message);
        return false;
    }

    bool size(const std::string& name, const std::string& v, std::size_t& out) {
        const auto n = parseSize(v);
        if (!n || *n == 0)
            return fail(name + ": expected a size of at least 1 byte (e.g. 4096, 64K, 4M), got " + quote(v));
        out = *n;
        return true;
    }

    bool apply(const OptionSpec& spec, const std::string& name, const std::string& v) {
        const std::string_view o = spec.longName;
        if (o == "terminator") {
            std::string why;
            auto t = engine::parseTerminatorSpec(v, &why);
            if (!t) return fail(name + ": " + why);
            m_o.terminator = *t;
        } else if (o == "echo") {
            m_o.echo = true;
        } else if (o == "send") {
            engine::EscapeError e;
            auto bytes = engine::parseEscaped(v, &e);
            if (!bytes) return fail(name + ": " + e.message);
            m_o.sends.push_back(std::move(*bytes));
        } else if (o == "send-file") {
            std::ifstream f(v, std::ios::binary);
            std::error_code ec;
            if (v.empty() || !f || std::filesystem::is_directory(v, ec)) {
                const std::string why = std::filesystem::is_directory(v, ec) ? "it is a directory"
                                        : errno                           ? std::strerror(errno)
                                                                          : "cannot open it";
                return fail(name + ": cannot read " + quote(v) + ": " + why);
            }
            m_o.sendFiles.push_back(v);
        } else if (o == "repeat") {
            const auto n = parseCount(v);
            if (!n || *n == 0) return fail(name + ": expected a number of copies of at least 1, got " + quote(v));
            m_o.repeat = *n;
            m_o.repeatGiven = true;
        } else if (o == "interval") {
            const auto n = parseCount(v);
            if (!n || *n == 0 || *n > 86400000ull)
                return fail(name + ": expected milliseconds between copies (1 to 86400000), got " + quote(v));
            m_o.interval = std::chrono::milliseconds(static_cast<long long>(*n));
        } else if (o == "stdin") {
            m_o.stdinMode = StdinMode::On;
        } else if (o == "no-stdin") {
            m_o.stdinMode = StdinMode::Off;
        } else if (o == "json") {
            m_o.json = true;
        } else if (o == "quiet") {
            m_o.quiet = true;
        } else if (o == "stats") {
            m_o.stats = true;
        } else if (o == "record") {
            if (v.empty()) return fail(name + ": expected a file name");
            m_o.recordPath = v;
        } else if (o == "backend") {
            const auto b = engine::parseBackend(v);
            if (!b) return fail(name + ": unknown backend " + quote(v) + "; expected select, poll or epoll");
            if (!engine::backendAvailable(*b)) return fail(name + ": " + v + " is not available on this system");
            m_o.backend = *b;
            m_backendGiven = true;
        } else if (o == "in-buffer") {
            return size(name, v, m_o.inBuffer);
        } else if (o == "out-buffer") {
            return size(name, v, m_o.outBuffer);
        } else if (o == "max-message") {
            return size(name, v, m_o.maxMessage);
        } else if (o == "high-water") {
            return size(name, v, m_o.highWater);
        } else if (o == "trace-loop") {
            m_o.traceLoop = true;
        } else if (o == "count") {
            const auto n = parseCount(v);
            if (!n || *n == 0) return fail(name + ": expected a number of messages of at least 1, got " + quote(v));
            m_o.count = *n;
        } else if (o == "timeout") {
            const auto t = parseSeconds(v);
            if (!t) return fail(name + ": expected a number of seconds greater than 0 (e.g. 5 or 0.5), got " + quote(v));
            m_o.timeout = *t;
            m_o.timeoutText = v;
        } else if (o == "ipv4") {
            m_o.family = engine::kAfInet;
        } else if (o == "ipv6") {
            m_o.family = engine::kAfInet6;
        }
        return true;
    }

    bool positionals(const std::vector<std::string>& p) {
        if (p.empty())
            return fail("missing command: expected 'connect HOST PORT', 'listen [HOST:]PORT' or a session tool (see --help)");
        const std::string& cmd = p[0];
        if (cmd == "connect") {
            m_o.mode = Mode::Connect;
            if (p.size() != 3)
                return fail(std::string(p.size() < 3 ? "connect needs" : "connect takes only") +
                            " a HOST and a PORT: linewright-cli connect HOST PORT [options]");
            m_o.host = p[1];
            if (m_o.host.empty()) return fail("connect: the HOST is empty");
            const auto port = engine::parsePort(p[2]);
            if (!port) return fail("invalid port " + quote(p[2]) + ": expected a number from 1 to 65535");
            m_o.port = *port;
            return true;
        }
        if (cmd == "listen") {
            m_o.mode = Mode::Listen;
            if (p.size() != 2)
                return fail(std::string(p.size() < 2 ? "listen needs" : "listen takes only") +
                            " one [HOST:]PORT: linewright-cli listen [HOST:]PORT [options]");
            std::string host, port;
            if (!engine::splitHostPort(p[1], host, port))
                return fail("invalid address " + quote(p[1]) + ": expected PORT, HOST:PORT or [IPv6]:PORT");
            const auto n = engine::parsePort(port, true);
            if (!n)
                return fail("invalid port " + quote(port) + ": expected a number from 1 to 65535 (or 0 for any free port)");
            m_o.host = host.empty() ? std::string("127.0.0.1") : host;
            m_o.port = *n;
            return true;
        }
        return fail("unknown command " + quote(cmd) +
                    ": expected connect, listen, replay, mock, export, import, reframe, summary or example (see --help)");
    }

    bool crossChecks() {
        if (!m_backendGiven) m_o.backend = engine::defaultBackend();
        if (m_o.family != 0) {
            std::string host = m_o.host;
            if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
            if (const auto numeric = engine::Address::fromNumeric(host, 1); numeric && numeric->family() != m_o.family)
                return fail(quote(m_o.host) + " is not an " + (m_o.family == engine::kAfInet ? "IPv4" : "IPv6") +
                            " address, but " + (m_o.family == engine::kAfInet ? "-4" : "-6") + " asks for one");
        }
        if (m_o.interval.count() > 0 && m_o.sends.empty())
            return fail("--interval paces the --send data, but there is no --send");
        if (m_o.repeatGiven && m_o.sends.empty()) return fail("--repeat repeats the --send data, but there is no --send");
        if (m_o.interval.count() > 0 && !m_o.repeatGiven) m_o.repeat = 0;  // paced: until the end
        return true;
    }

    std::vector<std::string> m_args;
    CliOptions m_o;
    bool m_backendGiven = false;
    std::string m_error;
};

}  // namespace

ParseResult parseCommandLine(int argc, const char* const* argv) { return Parser(argc, argv).run(); }

std::string versionText() {
    std::string backends;
    for (engine::Backend b : {engine::Backend::Select, engine::Backend::Poll, engine::Backend::Epoll}) {
        if (!engine::backendAvailable(b)) continue;
        if (!backends.empty()) backends += ", ";
        backends += engine::backendName(b);
    }
    return "linewright-cli " + std::string(lw::kVersion) + "\n" + "Backends: " + backends + " (default " +
           std::string(engine::backendName(engine::defaultBackend())) + "). Session format: linewright-session v1.\n";
}

std::string helpText() {
    return R"(Usage: linewright-cli connect HOST PORT [options]
  or:  linewright-cli listen [HOST:]PORT [options]
  or:  linewright-cli replay FILE --to HOST:PORT [options]
  or:  linewright-cli mock FILE --listen [HOST:]PORT [options]
  or:  linewright-cli export FILE --pcapng OUT | --text OUT | --raw-client OUT | --raw-server OUT
  or:  linewright-cli import CAPTURE --list | --stream N -o SESSION
  or:  linewright-cli reframe FILE --terminator T
  or:  linewright-cli summary FILE
  or:  linewright-cli --help | --version

A workbench for terminator-framed TCP protocols, built on asyncore/asynchat.
connect opens one client channel; listen accepts connections (each one its
own channel, with the listener's terminator and buffer sizes). Received
messages are printed one per line on stdout, bytes escaped (\r \n \t \0 \\
\xNN); status goes to stderr.

listen binds 127.0.0.1 unless a host is given; all interfaces only when
asked (0.0.0.0:PORT or [::]:PORT). Port 0 picks a free port; the line
"linewright-cli: listening on HOST:PORT" on stderr says which.

Framing:
  -t, --terminator T   escaped bytes ('\r\n', '\n', '\x00', '\r\n\r\n'),
                       count:N (records of N bytes) or none (no framing).
                       Default: '\n' (also frames CRLF lines; the CR stays
                       in the message).
      --max-message N  a message may grow to N bytes without its terminator;
                       past that it is passed on without one, with a warning
                       (default 4M).

Sending:
  -s, --send TEXT      push TEXT (escapes allowed; nothing is appended:
                       write the terminator yourself). Repeatable. In listen
                       mode it goes to every connection when accepted.
  -f, --send-file FILE
                       push FILE, streamed in --out-buffer chunks. Repeatable.
      --repeat N       push each --send N times.
      --interval MS    push each --send once every MS milliseconds (N times
                       with --repeat, else until the end).
  -e, --echo           push every message back, followed by the terminator
                       (with --terminator none: every chunk as it comes).
  -i, --stdin          push each line read from stdin, ending it with the
                       terminator (default in connect mode without --send or
                       --send-file; in listen mode lines go to every
                       connection). At end of stdin a client half-closes.
      --no-stdin       do not read stdin.

Output:
  -j, --json           the event stream on stdout as JSON Lines (the session
                       format of docs/session-format.md).
  -q, --quiet          no per-message or per-connection output; the
                       "listening on" line and failures still go to stderr.
      --stats          final counters on stderr.
  -r, --record FILE    write the session (every event) to FILE.
      --trace-loop     one `loop` event per loop pass (with --json/--record).

Engine:
  -b, --backend B      select, poll or epoll (default: epoll where available).
      --in-buffer N    ac_in_buffer_size: bytes per recv (default 64K).
      --out-buffer N   ac_out_buffer_size: bytes per send (default 64K).
      --high-water N   queued output that counts as backpressure (default 4M);
                       an --echo channel stops reading while above it.
  -4, --ipv4 / -6, --ipv6   resolve HOST to that family only.
Sizes take K, M, G suffixes (powers of 1024).

Stopping:
  -c, --count N        stop after N messages received (in all); queued
                       replies are sent first.
  -w, --timeout S      stop after S seconds (decimals allowed). That is a
                       failure if --count was not reached or the connection
                       never came up; otherwise the planned end.
  A client also stops when its connection closes (before --count is
  reached, that is a failure); SIGINT/SIGTERM stop cleanly (a second one
  exits at once).

Session files (--record) are replayed against a server (replay), served
to clients as a mock server (mock), exported for Wireshark and other tools
(export), framed again with another terminator (reframe) and summarised
(summary); import turns a TCP stream of a pcap/pcapng capture into one.
Each has its own --help (linewright-cli replay --help); see docs/replay.md.

Exit status: 0 success; 1 a runtime failure (refused, reset, unresolvable
host, address in use, timeout), with one line on stderr; 2 a usage error
(bad option or value, port 0 for connect or above 65535, unreadable
--send-file, unwritable --record).

Examples:
  An echo server on port 7000, and a client that sends one line to it:

    linewright-cli listen 7000 --echo

    linewright-cli connect localhost 7000 --send 'PING\r\n' --terminator '\r\n' --count 1

  An echo server on a free port, quiet, with its counters at the end:

    linewright-cli listen 0 --echo --quiet --stats --terminator '\r\n'

  Talk to an SMTP server by hand, recording the session:

    linewright-cli connect 127.0.0.1 25 -t '\r\n' --json --record smtp.lwsession
)";
}

}  // namespace cli
