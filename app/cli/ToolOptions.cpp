// ToolOptions.cpp — argv → ToolOptions for the session tools.
#include "app/cli/ToolOptions.h"

#include "app/cli/CommandLine.h"

#include "engine/net/Address.h"
#include "engine/asyncore/Escape.h"
#include "engine/asyncore/Pattern.h"
#include "engine/reactor/Reactor.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace cli {
namespace {

enum ToolMask : unsigned {
    kReplay = 1u << 0,
    kMock = 1u << 1,
    kExport = 1u << 2,
    kImport = 1u << 3,
    kReframe = 1u << 4,
    kSummary = 1u << 5,
    kAll = 0x3f,
};

struct OptionSpec {
    std::string_view longName;
    char shortName;  // 0: none
    bool takesValue;
    unsigned tools;
};

constexpr OptionSpec kOptions[] = {
    {"help", 'h', false, kAll},
    {"channel", 0, true, kReplay | kMock | kExport | kReframe},
    {"backend", 'b', true, kReplay | kMock},
    {"quiet", 'q', false, kReplay | kMock},
    {"to", 0, true, kReplay},
    {"ipv4", '4', false, kReplay},
    {"ipv6", '6', false, kReplay},
    {"pace", 0, true, kReplay},
    {"speed", 0, true, kReplay},
    {"timeout", 'w', true, kReplay | kMock},
    {"ignore", 0, true, kReplay},
    {"ignore-reply", 0, true, kReplay},
    {"keep-going", 'k', false, kReplay},
    {"reply-terminator", 0, true, kReplay},
    {"listen", 'l', true, kMock},
    {"clients", 0, true, kMock},
    {"request-terminator", 0, true, kMock},
    {"pcapng", 0, true, kExport},
    {"text", 0, true, kExport},
    {"raw-client", 0, true, kExport},
    {"raw-server", 0, true, kExport},
    {"no-comments", 0, false, kExport},
    {"utc", 0, false, kExport},
    {"list", 0, false, kImport},
    {"stream", 0, true, kImport},
    {"output", 'o', true, kImport},
    {"terminator", 't', true, kImport | kReframe},
    {"allow-gaps", 0, false, kImport},
    {"direction", 0, true, kReframe},
};

unsigned maskOf(Tool t) {
    switch (t) {
    case Tool::Replay: return kReplay;
    case Tool::Mock: return kMock;
    case Tool::Export: return kExport;
    case Tool::Import: return kImport;
    case Tool::Reframe: return kReframe;
    case Tool::Summary: return kSummary;
    }
    return 0;
}

std::optional<Tool> toolOf(std::string_view name) {
    if (name == "replay") return Tool::Replay;
    if (name == "mock") return Tool::Mock;
    if (name == "export") return Tool::Export;
    if (name == "import") return Tool::Import;
    if (name == "reframe") return Tool::Reframe;
    if (name == "summary") return Tool::Summary;
    return std::nullopt;
}

std::string usageOf(Tool t) {
    switch (t) {
    case Tool::Replay: return "linewright-cli replay FILE --to HOST:PORT [options]";
    case Tool::Mock: return "linewright-cli mock FILE --listen [HOST:]PORT [options]";
    case Tool::Export: return "linewright-cli export FILE --pcapng OUT | --text OUT | --raw-client OUT | --raw-server OUT";
    case Tool::Import: return "linewright-cli import CAPTURE --list | --stream N -o SESSION [options]";
    case Tool::Reframe: return "linewright-cli reframe FILE --terminator T [options]";
    case Tool::Summary: return "linewright-cli summary FILE";
    }
    return {};
}

class Parser {
public:
    Parser(int argc, const char* const* argv) {
        for (int i = 1; i < argc; ++i) m_args.emplace_back(argv[i]);
    }

    ToolParseResult run() {
        // The command: the first argument that is not an option.
        std::vector<std::string> positional;
        std::vector<std::pair<const OptionSpec*, std::string>> raw;  // pending options, checked once the tool is known
        std::optional<Tool> tool;
        ArgScanner<OptionSpec> args(m_args, kOptions);
        for (auto item = args.next(); item.kind != ArgScanner<OptionSpec>::Kind::End; item = args.next()) {
            if (item.kind == ArgScanner<OptionSpec>::Kind::Error) return error(item.value);
            if (item.kind == ArgScanner<OptionSpec>::Kind::Positional) {
                if (!tool) {
                    tool = toolOf(item.value);
                    if (!tool) return error("unknown command " + quote(item.value) + " (see --help)");
                    m_o.tool = *tool;
                    continue;
                }
                positional.push_back(std::move(item.value));
                continue;
            }
            const OptionSpec* spec = item.spec;
            if (spec->longName == "help") {
                m_help = true;
                continue;
            }
            raw.emplace_back(spec, std::move(item.value));
        }
        if (!tool) return error("missing command (see --help)");
        const std::string cmd(toolName(*tool));
        if (m_help) {
            ToolParseResult r;
            r.kind = ToolParseResult::Kind::Help;
            r.options.tool = *tool;
            r.help = toolHelp(*tool);
            return r;
        }
        for (const auto& [spec, value] : raw) {
            const std::string opt(spec->longName);
            if (!(spec->tools & maskOf(*tool)))
                return error("option --" + opt + " does not apply to " + cmd + " (see linewright-cli " + cmd + " --help)");
            if (!apply(opt, "--" + opt, value)) return error(m_error);
        }
        if (positional.empty()) return error(cmd + " needs a file: " + usageOf(*tool));
        if (positional.size() > 1) return error(cmd + " takes one file, but got " + quote(positional[1]) + " as well: " + usageOf(*tool));
        m_o.input = positional[0];
        if (!checks()) return error(m_error);
        if (!readable(m_o.input)) return error(m_error);
        ToolParseResult r;
        r.kind = ToolParseResult::Kind::Run;
        r.options = m_o;
        return r;
    }

private:
    ToolParseResult error(std::string message) {
        ToolParseResult r;
        r.kind = ToolParseResult::Kind::Error;
        r.error = std::move(message);
        return r;
    }
    bool fail(std::string message) {
        m_error = std::move(message);
        return false;
    }

    bool terminator(const std::string& name, const std::string& v, std::optional<engine::Terminator>& out) {
        std::string why;
        auto t = engine::parseTerminatorSpec(v, &why);
        if (!t) return fail(name + ": " + why);
        out = *t;
        return true;
    }
    bool output(const std::string& name, const std::string& v, std::string& out) {
        if (v.empty()) return fail(name + ": expected a file name");
        out = v;
        return true;
    }

    bool apply(const std::string& o, const std::string& name, const std::string& v) {
        if (o == "channel") {
            const auto n = parseCount(v);
            if (!n || *n == 0 || *n > 0xffffffffu) return fail(name + ": expected a channel number (1, 2, …), got " + quote(v));
            m_o.channel = static_cast<engine::ChannelId>(*n);
        } else if (o == "backend") {
            const auto b = engine::parseBackend(v);
            if (!b) return fail(name + ": unknown backend " + quote(v) + "; expected select, poll or epoll");
            if (!engine::backendAvailable(*b)) return fail(name + ": " + v + " is not available on this system");
            m_o.backend = *b;
            m_backendGiven = true;
        } else if (o == "quiet") {
            m_o.quiet = true;
        } else if (o == "to") {
            std::string host, port;
            if (!engine::splitHostPort(v, host, port))
                return fail(name + ": invalid address " + quote(v) + ": expected HOST:PORT, PORT or [IPv6]:PORT");
            const auto p = engine::parsePort(port);
            if (!p) return fail(name + ": invalid port " + quote(port) + ": expected a number from 1 to 65535");
            m_o.host = host.empty() ? std::string("127.0.0.1") : host;
            m_o.port = *p;
            m_toGiven = true;
        } else if (o == "ipv4") {
            m_o.family = engine::kAfInet;
        } else if (o == "ipv6") {
            m_o.family = engine::kAfInet6;
        } else if (o == "pace") {
            const auto p = engine::parsePacing(v);
            if (!p) return fail(name + ": unknown pacing " + quote(v) + "; expected original, fast or lockstep");
            m_o.pacing = *p;
        } else if (o == "speed") {
            const auto s = parsePositive(v);
            if (!s) return fail(name + ": expected a speed factor greater than 0 (e.g. 2 or 0.5), got " + quote(v));
            m_o.speed = *s;
            m_o.speedGiven = true;
        } else if (o == "timeout") {
            const auto t = parseSeconds(v);
            if (!t) return fail(name + ": expected a number of seconds greater than 0 (e.g. 5 or 0.5), got " + quote(v));
            m_o.timeout = *t;
            m_o.timeoutGiven = true;
        } else if (o == "ignore" || o == "ignore-reply") {
            engine::IgnoreRule rule;
            std::string pattern = v;
            if (o == "ignore-reply") {
                const auto colon = v.find(':');
                const auto n = colon == std::string::npos ? std::nullopt : parseCount(std::string_view(v).substr(0, colon));
                if (!n || *n == 0)
                    return fail(name + ": expected N:REGEX (N the 1-based reply it applies to), got " + quote(v));
                rule.reply = static_cast<std::size_t>(*n);
                pattern = v.substr(colon + 1);
            }
            if (pattern.empty()) return fail(name + ": the regular expression is empty");
            std::string why;
            if (!engine::Pattern::compile(pattern, &why))
                return fail(name + ": " + quote(engine::Pattern::excerpt(pattern)) +
                            " is not a valid regular expression: " + why);
            rule.pattern = pattern;
            m_o.ignore.push_back(std::move(rule));
        } else if (o == "keep-going") {
            m_o.keepGoing = true;
        } else if (o == "reply-terminator") {
            return terminator(name, v, m_o.replyTerminator);
        } else if (o == "listen") {
            std::string host, port;
            if (!engine::splitHostPort(v, host, port))
                return fail(name + ": invalid address " + quote(v) + ": expected PORT, HOST:PORT or [IPv6]:PORT");
            const auto p = engine::parsePort(port, true);
            if (!p) return fail(name + ": invalid port " + quote(port) + ": expected a number from 1 to 65535 (or 0 for any free port)");
            m_o.listenHost = host.empty() ? std::string("127.0.0.1") : host;
            m_o.listenPort = *p;
            m_listenGiven = true;
        } else if (o == "clients") {
            const auto n = parseCount(v);
            if (!n || *n == 0) return fail(name + ": expected a number of clients of at least 1, got " + quote(v));
            m_o.clients = *n;
        } else if (o == "request-terminator") {
            return terminator(name, v, m_o.requestTerminator);
        } else if (o == "pcapng") {
            return output(name, v, m_o.pcapngOut);
        } else if (o == "text") {
            return output(name, v, m_o.textOut);
        } else if (o == "raw-client") {
            return output(name, v, m_o.rawClientOut);
        } else if (o == "raw-server") {
            return output(name, v, m_o.rawServerOut);
        } else if (o == "no-comments") {
            m_o.comments = false;
        } else if (o == "utc") {
            m_o.utc = true;
        } else if (o == "list") {
            m_o.list = true;
        } else if (o == "stream") {
            const auto n = parseCount(v);
            if (!n) return fail(name + ": expected a stream number (0, 1, … as --list shows them), got " + quote(v));
            m_o.stream = static_cast<std::size_t>(*n);
        } else if (o == "output") {
            return output(name, v, m_o.output);
        } else if (o == "terminator") {
            std::optional<engine::Terminator> t;
            if (!terminator(name, v, t)) return false;
            m_o.terminator = *t;
            m_o.reframeTerminator = *t;
        } else if (o == "allow-gaps") {
            m_o.allowGaps = true;
        } else if (o == "direction") {
            if (v == "received") {
                m_o.direction = ReframeDirection::Received;
            } else if (v == "sent") {
                m_o.direction = ReframeDirection::Sent;
            } else if (v == "client" || v == "client-to-server") {
                m_o.direction = ReframeDirection::ClientToServer;
            } else if (v == "server" || v == "server-to-client") {
                m_o.direction = ReframeDirection::ServerToClient;
            } else {
                return fail(name + ": unknown direction " + quote(v) + "; expected received, sent, client or server");
            }
        }
        return true;
    }

    bool checks() {
        if (!m_backendGiven) m_o.backend = engine::defaultBackend();
        switch (m_o.tool) {
        case Tool::Replay:
            if (!m_toGiven) return fail("replay needs the server to replay against: --to HOST:PORT");
            if (m_o.speedGiven && m_o.pacing != engine::Pacing::Original)
                return fail("--speed scales the original timing; it needs --pace original");
            if (m_o.family != 0) {
                if (const auto a = engine::Address::fromNumeric(m_o.host, 1); a && a->family() != m_o.family)
                    return fail(quote(m_o.host) + " is not an " + (m_o.family == engine::kAfInet ? "IPv4" : "IPv6") +
                                " address, but " + (m_o.family == engine::kAfInet ? "-4" : "-6") + " asks for one");
            }
            break;
        case Tool::Mock:
            if (!m_listenGiven) return fail("mock needs an address to listen on: --listen [HOST:]PORT (0 for any free port)");
            break;
        case Tool::Export:
            if (m_o.pcapngOut.empty() && m_o.textOut.empty() && m_o.rawClientOut.empty() && m_o.rawServerOut.empty())
                return fail("export needs at least one output: --pcapng OUT, --text OUT, --raw-client OUT or --raw-server OUT");
            break;
        case Tool::Import:
            if (m_o.list && (m_o.stream || !m_o.output.empty()))
                return fail("import: --list only lists the streams; leave out --stream and --output");
            if (!m_o.list && !m_o.stream)
                return fail("import needs --list (to see the TCP streams) or --stream N -o SESSION");
            if (m_o.stream && m_o.output.empty()) return fail("import --stream needs the session file to write: -o SESSION");
            break;
        case Tool::Reframe:
            if (!m_o.reframeTerminator) return fail("reframe needs the terminator to try: --terminator T");
            break;
        case Tool::Summary: break;
        }
        return true;
    }

    bool readable(const std::string& path) {
        std::error_code ec;
        if (std::filesystem::is_directory(path, ec)) return fail("cannot read " + quote(path) + ": it is a directory");
        errno = 0;
        std::ifstream f(path, std::ios::binary);
        if (!f) return fail("cannot read " + quote(path) + ": " + (errno ? std::strerror(errno) : "cannot open it"));
        return true;
    }

    std::vector<std::string> m_args;
    ToolOptions m_o;
    bool m_help = false;
    bool m_backendGiven = false;
    bool m_toGiven = false;
    bool m_listenGiven = false;
    std::string m_error;
};

}  // namespace

std::string_view toolName(Tool tool) {
    switch (tool) {
    case Tool::Replay: return "replay";
    case Tool::Mock: return "mock";
    case Tool::Export: return "export";
    case Tool::Import: return "import";
    case Tool::Reframe: return "reframe";
    case Tool::Summary: return "summary";
    }
    return "?";
}

bool isToolCommand(int argc, const char* const* argv) {
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (a == "--") return i + 1 < argc && toolOf(argv[i + 1]).has_value();
        if (a.size() >= 2 && a[0] == '-') continue;
        return toolOf(a).has_value();
    }
    return false;
}

ToolParseResult parseToolCommandLine(int argc, const char* const* argv) { return Parser(argc, argv).run(); }

std::string toolHelp(Tool tool) {
    switch (tool) {
    case Tool::Replay:
        return R"(Usage: linewright-cli replay FILE --to HOST:PORT [options]

Replays the client side of a recorded conversation against a server and
compares every reply with the recorded one. The replies are framed by the
terminators the recording framed them with (asynchat's own loop), and
compared message by message. Exit status 0 when every reply matched, 1 at
the first divergence (with a report of the reply, the byte offset, and the
expected and received bytes, escaped), 2 for a bad command line.

  --to HOST:PORT       the server (IPv6: [::1]:7000).
  --channel N          the recorded connection to replay (default: the
                       first that carried bytes; `summary FILE` lists them).
  --pace P             original (the recorded timing), fast (everything at
                       once) or lockstep (each request once the replies that
                       preceded it in the recording have come; the default).
  --speed X            with --pace original: X times as fast (0.5: half).
  -w, --timeout S      the longest wait for the connection, for a reply, and
                       for a close the recording shows (default 5).
  --ignore REGEX       leave out what REGEX matches (in the recorded and the
                       received reply) when comparing, e.g. dates or ids.
                       Repeatable. RE2 syntax, on bytes (docs/replay.md).
  --ignore-reply N:REGEX   the same for reply N only (1-based).
  -k, --keep-going     report every divergence, not only the first.
  --reply-terminator T frame the replies with T instead of the recording's.
  -q, --quiet          no line per request and reply on stdout.
  -b, --backend B      select, poll or epoll.
  -4, --ipv4 / -6, --ipv6   resolve HOST to that family only.

Examples:
  linewright-cli replay session.jsonl --to 127.0.0.1:7000
  linewright-cli replay smtp.jsonl --to mail:25 --ignore '[0-9]{2}:[0-9]{2}:[0-9]{2}'
)";
    case Tool::Mock:
        return R"(Usage: linewright-cli mock FILE --listen [HOST:]PORT [options]

Serves the server side of a recorded session to every client that
connects: the greeting, then for each client message the replies the
server gave at that point of the recording (lockstep), then the close if
the server closed. Clients are served independently. With a session of
several connections, client 1 gets the first, client 2 the second, and
round again; --channel serves one to all.
The line "linewright-cli: mock listening on HOST:PORT" goes to stderr.

  -l, --listen [HOST:]PORT   127.0.0.1 unless a host is given; 0: any port.
  --channel N          serve only this recorded connection.
  --clients N          stop after N clients have come and gone.
  -w, --timeout S      stop after S seconds.
  --request-terminator T   frame the clients' messages with T (default: as
                       the recording framed them).
  -q, --quiet          no line per client.
  -b, --backend B      select, poll or epoll.
SIGINT/SIGTERM stop it (status 0).
)";
    case Tool::Export:
        return R"(Usage: linewright-cli export FILE [outputs] [options]

Writes a recorded session in the formats other tools read:
  --pcapng OUT         a capture for Wireshark/tshark: each connection as
                       Ethernet/IP/TCP packets (handshake, data, FIN), with
                       found_terminator boundaries as packet comments.
  --text OUT           a transcript: one line per message and connection
                       event, escaped, with timestamps ("-": stdout).
  --raw-client OUT     the bytes the client sent, as they were.
  --raw-server OUT     the bytes the server sent, as they were.
Options:
  --channel N          only this connection (raw outputs: default the first
                       that carried bytes).
  --no-comments        no packet comments in the pcapng.
  --utc                transcript times in UTC instead of seconds since the start.
)";
    case Tool::Import:
        return R"(Usage: linewright-cli import CAPTURE --list
       linewright-cli import CAPTURE --stream N -o SESSION [options]

Reads a pcap or pcapng capture (tcpdump, Wireshark; Ethernet, raw IP,
Linux cooked, loopback; IPv4 and IPv6), lists its TCP streams, and turns one
into a session as a client would have recorded it: the client's messages as
pushes, the server's framed into messages by the terminator, with the
packets' timestamps. Out-of-order and retransmitted segments are put right;
bytes the capture lost are reported (and refused unless --allow-gaps). The
client is the side that sent the SYN (without a handshake: the side with
the higher port).

  --list               the TCP streams, numbered as Wireshark's tcp.stream.
  --stream N           the stream to import.
  -o, --output SESSION the session file to write.
  -t, --terminator T   frames the messages (default '\n').
  --allow-gaps         import a stream with missing bytes (left out).
)";
    case Tool::Reframe:
        return R"(Usage: linewright-cli reframe FILE --terminator T [options]

Frames a recorded byte stream again with another terminator, offline, with
asynchat's own framing loop, and prints the messages that come out, one per
line, escaped (the tail the stream ends in is marked [unterminated]). A
summary on stderr compares with the recorded framing.

  -t, --terminator T   the terminator to try: escaped bytes, count:N, none.
  --channel N          the connection (default: the first that carried bytes).
  --direction D        received (what the channel received; the default),
                       sent, client (client to server) or server.
)";
    case Tool::Summary:
        return R"(Usage: linewright-cli summary FILE

Checks a session file and prints what it holds: who wrote it, when, how
long it lasted, its channels, bytes and messages, and each connection. A
file cut short (a recorder killed with kill -9) is read up to its last
complete line and said so; a corrupted file is an error naming the line.
)";
    }
    return {};
}

}  // namespace cli
