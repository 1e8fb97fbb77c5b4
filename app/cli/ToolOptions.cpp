// ToolOptions.cpp — the session tools on CLI11: their options, help pages
// and checks.
#include "app/cli/ToolOptions.h"

#include "app/cli/HelpFormatter.h"
#include "app/cli/OptionGroups.h"
#include "app/cli/Values.h"

#include "engine/asyncore/Escape.h"
#include "engine/asyncore/Pattern.h"
#include "engine/net/Address.h"
#include "engine/reactor/Reactor.h"
#include "engine/replay/UdpReplay.h"

#include <CLI/CLI.hpp>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <utility>

namespace cli {

namespace {

std::string usageOf(Tool t) {
    switch (t) {
    case Tool::Replay: return "linewright-cli replay FILE --to HOST:PORT [options]";
    case Tool::Mock: return "linewright-cli mock FILE --listen [HOST:]PORT [options]";
    case Tool::Export: return "linewright-cli export FILE --pcapng OUT | --text OUT | --raw-client OUT | --raw-server OUT";
    case Tool::Import: return "linewright-cli import CAPTURE --list | --stream N | --udp-flow N -o SESSION [options]";
    case Tool::Reframe: return "linewright-cli reframe FILE --terminator T | --preset NAME [options]";
    case Tool::Summary: return "linewright-cli summary FILE";
    case Tool::Presets: return "linewright-cli presets";
    case Tool::Ca: return "linewright-cli ca [--ca-dir DIR] [--export FILE [--force]]";
    }
    return {};
}

// replay and mock take the TLS options of connect and listen and run TLS
// from the first byte or STARTTLS where the recording did (engine::Replayer,
// engine::Mocker).
const char* const kReplayTlsNote =
    "  --tls: the replay's connection runs a TLS client handshake (verified\n"
    "  unless --insecure; the host name checked and sent as SNI) before the\n"
    "  first request; requests and replies are compared on the plaintext. A\n"
    "  failed handshake or verification ends the replay with status 1 and one\n"
    "  line naming the reason. --starttls PROTO or --starttls-after REGEX\n"
    "  (either: the recorded dialogue is what is replayed) replays a\n"
    "  recording made with STARTTLS: the plaintext up to its starttls event,\n"
    "  then the handshake, then the rest inside TLS. See docs/tls.md.\n";
const char* const kMockTlsNote =
    "  --tls: every client is served over TLS, with --cert/--key or, without\n"
    "  them, a generated self-signed certificate whose SHA-256 fingerprint is\n"
    "  printed. A client whose handshake fails gets an error line and is not\n"
    "  served; the mock goes on. --starttls-after REGEX serves a recording made\n"
    "  with STARTTLS: the plaintext dialogue, then, after the client's request\n"
    "  at the recorded starttls event (it must match REGEX) and the go-ahead,\n"
    "  the TLS server handshake and the rest inside TLS. See docs/tls.md.\n";

/// HOST:PORT, PORT or [IPv6]:PORT; port 0 only for a listener.
std::string checkAddress(const std::string& v, bool listener) {
    std::string host, port;
    if (!engine::splitHostPort(v, host, port))
        return "invalid address " + quote(v) + ": expected " + (listener ? "PORT, HOST:PORT" : "HOST:PORT, PORT") +
               " or [IPv6]:PORT";
    if (!engine::parsePort(port, listener))
        return "invalid port " + quote(port) + ": expected a number from 1 to 65535" +
               (listener ? " (or 0 for any free port)" : "");
    return {};
}

/// An address option (checkAddress): stores the host (127.0.0.1 when none
/// is given) and the port, and notes that it was given.
void addAddressOption(OptionDefiner& d, CLI::App& app, const std::string& names, const std::string& metavar,
                      std::string description, bool listener, std::string& host, std::uint16_t& port, bool& given) {
    d.value(
        app, names, metavar, std::move(description),
        [listener](const std::string& v) { return checkAddress(v, listener); },
        [listener, &host, &port, &given](const std::string& v) {
            std::string h, p;
            engine::splitHostPort(v, h, p);
            host = h.empty() ? std::string("127.0.0.1") : h;
            port = *engine::parsePort(p, listener);
            given = true;
        });
}

std::string checkIgnore(const std::string& v, bool perReply) {
    std::string pattern = v;
    if (perReply) {
        const auto colon = v.find(':');
        const auto n = colon == std::string::npos ? std::nullopt : parseCount(std::string_view(v).substr(0, colon));
        if (!n || *n == 0) return "expected N:REGEX (N the 1-based reply it applies to), got " + quote(v);
        pattern = v.substr(colon + 1);
    }
    if (pattern.empty()) return "the regular expression is empty";
    // The engine's matcher (engine::Replayer), with its syntax and limits.
    std::string why;
    if (!engine::Pattern::compile(pattern, &why))
        return quote(engine::Pattern::excerpt(pattern)) + " is not a valid regular expression: " + why;
    return {};
}

engine::IgnoreRule ignoreRule(const std::string& v, bool perReply) {
    engine::IgnoreRule rule;
    rule.pattern = v;
    if (perReply) {
        const auto colon = v.find(':');
        rule.reply = static_cast<std::size_t>(*parseCount(std::string_view(v).substr(0, colon)));
        rule.pattern = v.substr(colon + 1);
    }
    return rule;
}

CLI::App* addTool(CLI::App& program, HelpFormatter& help, Tool tool, std::string summary, HelpPage page) {
    CLI::App* app = program.add_subcommand(std::string(toolName(tool)), std::move(summary));
    help.setPage(app, std::move(page));
    return app;
}

// A tool without options: its one usage line and its description.
void addPlainTool(CLI::App& program, HelpFormatter& help, Tool tool, std::string summary, std::string usage,
                  std::string description) {
    HelpPage page;
    page.usage = {std::move(usage)};
    page.description = std::move(description);
    addTool(program, help, tool, std::move(summary), std::move(page));
}

void addBackend(OptionDefiner& d, CLI::App& app, ToolOptions& o) {
    addBackendOption(d, app, "select, poll or epoll.", [&o](engine::Backend b) {
        o.backend = b;
        o.backendGiven = true;
    });
}

void addTimeout(OptionDefiner& d, CLI::App& app, ToolOptions& o, std::string description) {
    addTimeoutOption(d, app, std::move(description), [&o](std::chrono::milliseconds t, const std::string&) {
        o.timeout = t;
        o.timeoutGiven = true;
    });
}

void addReplay(CLI::App& program, OptionDefiner& d, HelpFormatter& help, ToolOptions& o) {
    HelpPage page;
    page.usage = {"replay FILE --to HOST:PORT [options]"};
    page.description =
        "Replays the client side of a recorded conversation against a server and\n"
        "compares every reply with the recorded one. The replies are framed by the\n"
        "terminators the recording framed them with (asynchat's own loop), and\n"
        "compared message by message. Exit status 0 when every reply matched, 1 at\n"
        "the first divergence (with a report of the reply, the byte offset, and the\n"
        "expected and received bytes, escaped), 2 for a bad command line.\n";
    page.footer = "Examples:\n"
                  "  linewright-cli replay session.jsonl --to 127.0.0.1:7000\n"
                  "  linewright-cli replay https.jsonl --to localhost:8443 --tls --cafile ca.pem\n"
                  "  linewright-cli replay smtp.jsonl --to mail:25 --ignore '[0-9]{2}:[0-9]{2}:[0-9]{2}'\n";
    page.groupNotes["TLS"] = kReplayTlsNote;
    CLI::App& app = *addTool(program, help, Tool::Replay, "replay a recorded client against a server, comparing the replies.",
                             std::move(page));
    d.setGroup("Options");
    addAddressOption(d, app, "--to", "HOST:PORT", "the server (IPv6: [::1]:7000).", false, o.host, o.port, o.toGiven);
    addChannelOption(d, app,
                     "the recorded connection to replay (default: the first that carried bytes; `summary FILE` lists "
                     "them).",
                     o.channel);
    d.value(
        app, "--pace", "P",
        "original (the recorded timing), fast (everything at once) or lockstep (each request once the replies that "
        "preceded it in the recording have come; the default).",
        [](const std::string& v) {
            return engine::parsePacing(v) ? std::string()
                                          : "unknown pacing " + quote(v) + "; expected original, fast or lockstep";
        },
        [&o](const std::string& v) { o.pacing = *engine::parsePacing(v); });
    d.value(
        app, "--speed", "X", "with --pace original: X times as fast (0.5: half).",
        [](const std::string& v) {
            return parseDecimal(v) ? std::string()
                                   : "expected a speed factor greater than 0 (e.g. 2 or 0.5), got " + quote(v);
        },
        [&o](const std::string& v) {
            o.speed = *parseDecimal(v);
            o.speedGiven = true;
        });
    addTimeout(d, app, o,
               "the longest wait for the connection, for a reply (until its end, however long it keeps streaming), and for a close the recording shows (default 5).");
    d.repeatable(
        app, "--ignore", "REGEX",
        "leave out what REGEX matches (in the recorded and the received reply) when comparing, e.g. dates or ids. "
        "Repeatable. RE2 syntax, on bytes (docs/replay.md).",
        [](const std::string& v) { return checkIgnore(v, false); },
        [&o](const std::string& v) { o.ignore.push_back(ignoreRule(v, false)); });
    d.repeatable(
        app, "--ignore-reply", "N:REGEX", "the same for reply N only (1-based).",
        [](const std::string& v) { return checkIgnore(v, true); },
        [&o](const std::string& v) { o.ignore.push_back(ignoreRule(v, true)); });
    d.flag(app, "-k,--keep-going", "report every divergence, not only the first (at most --max-divergences).",
           [&o] { o.keepGoing = true; });
    d.value(
        app, "--max-divergences", "N", "with --keep-going: end the replay at the Nth divergence (default 100).",
        [](const std::string& v) {
            const auto n = parseCount(v);
            return n && *n != 0 && *n <= 1000000 ? std::string()
                                                 : "expected a number of divergences from 1 to 1000000, got " + quote(v);
        },
        [&o](const std::string& v) { o.maxDivergences = static_cast<std::size_t>(*parseCount(v)); });
    addSizeOption(d, app, "--max-reply",
                  "a reply may grow to N bytes before its end comes (default 16M, at most " + sizeText(kMaxLimitSize) +
                      "); past that the replay ends with a divergence.",
                  kMaxLimitSize, o.maxReplyBytes);
    d.value(app, "--reply-terminator", "T", "frame the replies with T instead of the recording's.", checkTerminator,
            [&o](const std::string& v) { o.replyTerminator = engine::parseTerminatorSpec(v, nullptr); });
    addQuietOption(d, app, "no line per request and reply on stdout.", o.quiet);
    addBackend(d, app, o);
    addFamilyOptions(d, app, o.family);
    addTlsOptions(d, app, TlsRole::Client, o.tls);
}

void addMock(CLI::App& program, OptionDefiner& d, HelpFormatter& help, ToolOptions& o) {
    HelpPage page;
    page.usage = {"mock FILE --listen [HOST:]PORT [options]"};
    page.description =
        "Serves the server side of a recorded session to every client that\n"
        "connects: the greeting, then for each client message the replies the\n"
        "server gave at that point of the recording (lockstep), then the close if\n"
        "the server closed. Clients are served independently. With a session of\n"
        "several connections, client 1 gets the first, client 2 the second, and\n"
        "round again; --channel serves one to all.\n"
        "A UDP session (datagram events) is served on a UDP socket: each sender's\n"
        "n-th datagram gets the replies recorded after the n-th request.\n"
        "The line \"linewright-cli: mock listening on HOST:PORT\" goes to stderr.\n";
    page.footer = "SIGINT/SIGTERM stop it (status 0).\n";
    page.groupNotes["TLS"] = kMockTlsNote;
    CLI::App& app = *addTool(program, help, Tool::Mock, "serve a recorded server to clients.", std::move(page));
    d.setGroup("Options");
    addAddressOption(d, app, "-l,--listen", "[HOST:]PORT", "127.0.0.1 unless a host is given; 0: any port.", true,
                     o.listenHost, o.listenPort, o.listenGiven);
    addChannelOption(d, app, "serve only this recorded connection.", o.channel);
    d.value(
        app, "--clients", "N", "stop after N clients have come and gone.",
        [](const std::string& v) {
            const auto n = parseCount(v);
            return n && *n != 0 ? std::string() : "expected a number of clients of at least 1, got " + quote(v);
        },
        [&o](const std::string& v) { o.clients = *parseCount(v); });
    addTimeout(d, app, o, "stop after S seconds.");
    d.value(app, "--request-terminator", "T",
            "frame the clients' messages with T (default: as the recording framed them).", checkTerminator,
            [&o](const std::string& v) { o.requestTerminator = engine::parseTerminatorSpec(v, nullptr); });
    d.flag(app, "--match",
           "answer each message with the recorded reply to the same recorded message, in any order (default: in "
           "recorded order); one matching none gets no answer.",
           [&o] { o.match = true; });
    d.value(
        app, "--copy-bytes", "OFFSET:LENGTH",
        "UDP: copy these bytes of each request into its replies (DNS: 0:2, the transaction id); repeatable.",
        [](const std::string& v) {
            return engine::parseCopyRange(v) ? std::string()
                                             : "expected OFFSET:LENGTH (bytes, e.g. 0:2), got " + quote(v);
        },
        [&o](const std::string& v) { o.copyRanges.push_back(*engine::parseCopyRange(v)); });
    addSizeOption(d, app, "--max-request",
                  "a client's message may grow to N bytes without its terminator (default 16M, at most " +
                      sizeText(kMaxLimitSize) + "); past that the client is told so and closed.",
                  kMaxLimitSize, o.maxRequestBytes);
    addQuietOption(d, app, "no line per client.", o.quiet);
    addBackend(d, app, o);
    addTlsOptions(d, app, TlsRole::Server, o.tls);
}

void addExport(CLI::App& program, OptionDefiner& d, HelpFormatter& help, ToolOptions& o) {
    HelpPage page;
    page.usage = {"export FILE [outputs] [options]"};
    page.description = "Writes a recorded session in the formats other tools read.\n";
    CLI::App& app =
        *addTool(program, help, Tool::Export, "write a session as pcapng, a transcript or raw bytes.", std::move(page));
    d.setGroup("Outputs");
    d.value(app, "--pcapng", "OUT",
            "a capture for Wireshark/tshark: each connection as Ethernet/IP/TCP packets (handshake, data, FIN), with "
            "found_terminator boundaries as packet comments.",
            checkFileName, [&o](const std::string& v) { o.pcapngOut = v; });
    d.value(app, "--text", "OUT",
            "a transcript: one line per message and connection event, escaped, with timestamps (\"-\": stdout).",
            checkFileName, [&o](const std::string& v) { o.textOut = v; });
    d.value(app, "--raw-client", "OUT", "the bytes the client sent, as they were.", checkFileName,
            [&o](const std::string& v) { o.rawClientOut = v; });
    d.value(app, "--raw-server", "OUT", "the bytes the server sent, as they were.", checkFileName,
            [&o](const std::string& v) { o.rawServerOut = v; });
    d.setGroup("Options");
    addChannelOption(d, app, "only this connection (raw outputs: default the first that carried bytes).", o.channel);
    d.flag(app, "--no-comments", "no packet comments in the pcapng.", [&o] { o.comments = false; });
    d.flag(app, "--utc", "transcript times in UTC instead of seconds since the start.", [&o] { o.utc = true; });
    d.flag(app, "--force", "overwrite output files that exist (never through a symbolic link).",
           [&o] { o.force = true; });
}

// import's --stream N or --udp-flow N: which of the `noun`s --list shows.
void addImportIndex(OptionDefiner& d, CLI::App& app, const std::string& name, const std::string& noun,
                    std::optional<std::size_t>& index) {
    d.value(
        app, name, "N", "the " + noun + " to import.",
        [noun](const std::string& v) {
            return parseCount(v) ? std::string()
                                 : "expected a " + noun + " number (0, 1, … as --list shows them), got " + quote(v);
        },
        [&index](const std::string& v) { index = static_cast<std::size_t>(*parseCount(v)); });
}

void addImport(CLI::App& program, OptionDefiner& d, HelpFormatter& help, ToolOptions& o) {
    HelpPage page;
    page.usage = {"import CAPTURE --list", "import CAPTURE --stream N -o SESSION [options]",
                  "import CAPTURE --udp-flow N -o SESSION [options]"};
    page.description =
        "Reads a pcap or pcapng capture (tcpdump, Wireshark; Ethernet, raw IP,\n"
        "Linux cooked, loopback; IPv4 and IPv6), lists its TCP streams, and turns one\n"
        "into a session as a client would have recorded it: the client's messages as\n"
        "pushes, the server's framed into messages by the terminator, with the\n"
        "packets' timestamps. Out-of-order and retransmitted segments are put right;\n"
        "bytes the capture lost are reported (and refused unless --allow-gaps). The\n"
        "client is the side that sent the SYN (without a handshake: the side with\n"
        "the higher port). UDP flows (one per pair of endpoints) are listed too, and\n"
        "--udp-flow N imports one as a UDP session: the datagrams of the side that\n"
        "sent the first one as datagram_sent, the other side's as datagram (a\n"
        "datagram is a message; the terminator does not apply).\n";
    CLI::App& app = *addTool(program, help, Tool::Import,
                             "list the TCP streams and UDP flows of a capture, or import one as a session.",
                             std::move(page));
    d.setGroup("Options");
    d.flag(app, "--list", "the TCP streams and UDP flows, numbered as Wireshark's tcp.stream and udp.stream.",
           [&o] { o.list = true; });
    addImportIndex(d, app, "--stream", "stream", o.stream);
    addImportIndex(d, app, "--udp-flow", "UDP flow", o.udpFlow);
    d.value(app, "-o,--output", "SESSION", "the session file to write.", checkFileName,
            [&o](const std::string& v) { o.output = v; });
    addTerminatorOption(d, app, "frames the messages (default '\\n').", [&o](const engine::Terminator& t) {
        o.terminator = t;
        o.reframeTerminator = t;
    });
    d.flag(app, "--allow-gaps", "import a stream with missing bytes (left out).", [&o] { o.allowGaps = true; });
    d.flag(app, "--force", "let -o overwrite an existing file (never through a symbolic link).",
           [&o] { o.force = true; });
}

std::string readable(const std::string& path);

void addReframe(CLI::App& program, OptionDefiner& d, HelpFormatter& help, ToolOptions& o) {
    HelpPage page;
    page.usage = {"reframe FILE --terminator T [options]", "reframe FILE --preset NAME [options]"};
    page.description =
        "Frames a recorded byte stream again with another terminator, offline, with\n"
        "asynchat's own framing loop, and prints the messages that come out, one per\n"
        "line, escaped (the tail the stream ends in is marked [unterminated]). A\n"
        "summary on stderr compares with the recorded framing. With --preset (or\n"
        "--program/--rules) a protocol program switches the terminator as it goes;\n"
        "each message is then shown with its group and the rule that matched it.\n";
    CLI::App& app = *addTool(program, help, Tool::Reframe, "frame a recorded byte stream again with another terminator.",
                             std::move(page));
    d.setGroup("Options");
    addTerminatorOption(d, app, "the terminator to try: escaped bytes, count:N, none.",
                        [&o](const engine::Terminator& t) {
                            o.terminator = t;
                            o.reframeTerminator = t;
                        });
    d.value(
        app, "-p,--preset", "NAME", "frame with the preset NAME (linewright-cli presets lists them).",
        [](const std::string& v) { return v.empty() ? std::string("expected a preset name") : std::string(); },
        [&o](const std::string& v) { o.reframePreset = v; });
    d.repeatable(app, "--program", "FILE", "frame with the protocol program in FILE (after --preset).", readable,
                 [&o](const std::string& v) { o.reframePrograms.push_back(v); });
    d.repeatable(app, "--rules", "FILE", "run the rules in FILE too (their replies are shown, not sent).", readable,
                 [&o](const std::string& v) { o.reframePrograms.push_back(v); });
    addChannelOption(d, app, "the connection (default: the first that carried bytes).", o.channel);
    d.value(
        app, "--direction", "D",
        "received (what the channel received; the default), sent, client (client to server) or server.",
        [](const std::string& v) {
            static const char* const kNames[] = {"received", "sent", "client", "client-to-server", "server",
                                                 "server-to-client"};
            for (const char* n : kNames)
                if (v == n) return std::string();
            return "unknown direction " + quote(v) + "; expected received, sent, client or server";
        },
        [&o](const std::string& v) {
            o.direction = v == "received"                                ? ReframeDirection::Received
                          : v == "sent"                                  ? ReframeDirection::Sent
                          : v == "client" || v == "client-to-server"    ? ReframeDirection::ClientToServer
                                                                         : ReframeDirection::ServerToClient;
        });
}

void addPresets(CLI::App& program, HelpFormatter& help) {
    addPlainTool(program, help, Tool::Presets, "list the protocol presets (built-in and the user's).", "presets",
                 "Lists the protocol presets: the built-in ones and the user's (*.lwp files in\n"
                 "the presets folder named at the end, which replace a built-in one of the same\n"
                 "name). Use one with connect/listen/proxy/reframe --preset NAME; copy one to\n"
                 "the folder to change it. The language is in docs/presets.md.\n");
}

void addCa(CLI::App& program, OptionDefiner& d, HelpFormatter& help, ToolOptions& o) {
    HelpPage page;
    page.usage = {"ca [--ca-dir DIR] [--export FILE [--force]]"};
    page.description =
        "Linewright's local certificate authority, which proxy --tls (without\n"
        "--cert/--key) uses to issue a certificate for each server name a client asks\n"
        "for. Creates it when it does not exist yet (an EC P-256 key, 0600, and a\n"
        "certificate with CA:TRUE, valid ten years) in $XDG_DATA_HOME/linewright/ca\n"
        "(else ~/.local/share/linewright/ca) or --ca-dir, and prints where it is and\n"
        "its SHA-256 fingerprint. --export writes its certificate (PEM) for clients to\n"
        "trust: curl --cacert FILE, openssl s_client -CAfile FILE, a browser's or the\n"
        "system's store. Anyone with the key can impersonate any server to whoever\n"
        "trusts the certificate: keep the folder private. See docs/proxy.md.\n";
    CLI::App& app = *addTool(program, help, Tool::Ca, "create or show the local CA of proxy --tls; export its certificate.",
                             std::move(page));
    d.setGroup("Options");
    d.value(app, "--ca-dir", "DIR", "the CA's folder (default $XDG_DATA_HOME/linewright/ca).",
            [](const std::string& v) { return v.empty() ? std::string("expected a folder") : std::string(); },
            [&o](const std::string& v) { o.caDir = v; });
    d.value(app, "--export", "FILE", "write the CA certificate (PEM) to FILE (\"-\": stdout).", checkFileName,
            [&o](const std::string& v) { o.caExport = v; });
    d.flag(app, "--force", "overwrite FILE if it exists (never through a symbolic link).", [&o] { o.force = true; });
}

void addSummary(CLI::App& program, HelpFormatter& help) {
    addPlainTool(program, help, Tool::Summary, "check a session file and say what it holds.", "summary FILE",
                 "Checks a session file and prints what it holds: who wrote it, when, how\n"
                 "long it lasted, its channels, bytes and messages, and each connection. A\n"
                 "file cut short (a recorder killed with kill -9) is read up to its last\n"
                 "complete line and said so; a corrupted file is an error naming the line.\n");
}

std::string readable(const std::string& path) {
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (std::filesystem::is_directory(status)) return "cannot read " + quote(path) + ": it is a directory";
    // A named pipe is not opened here: opening it waits for a writer, and
    // one open is the reader's (which says so when it waits).
    if (std::filesystem::is_fifo(status)) return {};
    errno = 0;
    std::ifstream f(path, std::ios::binary);
    if (!f) return "cannot read " + quote(path) + ": " + (errno ? std::strerror(errno) : "cannot open it");
    return {};
}

}  // namespace

void addToolCommands(CLI::App& program, OptionDefiner& d, HelpFormatter& help, ToolOptions& o) {
    addReplay(program, d, help, o);
    addMock(program, d, help, o);
    addExport(program, d, help, o);
    addImport(program, d, help, o);
    addReframe(program, d, help, o);
    addSummary(program, help);
    addPresets(program, help);
    addCa(program, d, help, o);
}

std::optional<Tool> toolOf(std::string_view name) {
    for (Tool t : {Tool::Replay, Tool::Mock, Tool::Export, Tool::Import, Tool::Reframe, Tool::Summary, Tool::Presets, Tool::Ca})
        if (toolName(t) == name) return t;
    return std::nullopt;
}

std::string_view toolName(Tool tool) {
    switch (tool) {
    case Tool::Replay: return "replay";
    case Tool::Mock: return "mock";
    case Tool::Export: return "export";
    case Tool::Import: return "import";
    case Tool::Reframe: return "reframe";
    case Tool::Summary: return "summary";
    case Tool::Presets: return "presets";
    case Tool::Ca: return "ca";
    }
    return "?";
}

std::string finishTool(Tool tool, const std::vector<std::string>& positionals, ToolOptions& o) {
    o.tool = tool;
    const std::string cmd(toolName(tool));
    if (tool == Tool::Presets)
        return positionals.empty() ? std::string() : "presets takes no arguments, but got " + quote(positionals[0]);
    if (tool == Tool::Ca)
        return positionals.empty() ? std::string()
                                   : "ca takes no arguments, but got " + quote(positionals[0]) + ": " + usageOf(tool);
    if (positionals.empty()) return cmd + " needs a file: " + usageOf(tool);
    if (positionals.size() > 1)
        return cmd + " takes one file, but got " + quote(positionals[1]) + " as well: " + usageOf(tool);
    o.input = positionals[0];
    if (!o.backendGiven) o.backend = engine::defaultBackend();
    switch (tool) {
    case Tool::Replay:
        if (!o.toGiven) return "replay needs the server to replay against: --to HOST:PORT";
        if (std::string why = finishTls(TlsRole::Client, cmd, o.tls); !why.empty()) return why;
        if (o.speedGiven && o.pacing != engine::Pacing::Original)
            return "--speed scales the original timing; it needs --pace original";
        if (o.family != 0) {
            if (const auto a = engine::Address::fromNumeric(o.host, 1); a && a->family() != o.family)
                return quote(o.host) + " is not an " + (o.family == engine::kAfInet ? "IPv4" : "IPv6") +
                       " address, but " + (o.family == engine::kAfInet ? "-4" : "-6") + " asks for one";
        }
        break;
    case Tool::Mock:
        if (!o.listenGiven) return "mock needs an address to listen on: --listen [HOST:]PORT (0 for any free port)";
        if (std::string why = finishTls(TlsRole::Server, cmd, o.tls); !why.empty()) return why;
        break;
    case Tool::Export:
        if (o.pcapngOut.empty() && o.textOut.empty() && o.rawClientOut.empty() && o.rawServerOut.empty())
            return "export needs at least one output: --pcapng OUT, --text OUT, --raw-client OUT or --raw-server OUT";
        break;
    case Tool::Import:
        if (o.list && (o.stream || o.udpFlow || !o.output.empty()))
            return "import: --list only lists the streams; leave out --stream, --udp-flow and --output";
        if (o.stream && o.udpFlow) return "import: --stream and --udp-flow both name what to import; give one";
        if (!o.list && !o.stream && !o.udpFlow)
            return "import needs --list (to see the TCP streams and UDP flows), --stream N -o SESSION or --udp-flow N -o "
                   "SESSION";
        if (o.stream && o.output.empty()) return "import --stream needs the session file to write: -o SESSION";
        if (o.udpFlow && o.output.empty()) return "import --udp-flow needs the session file to write: -o SESSION";
        break;
    case Tool::Reframe:
        if (o.reframeTerminator && (!o.reframePreset.empty() || !o.reframePrograms.empty()))
            return "reframe: --terminator and a protocol program (--preset, --program, --rules) both set the framing; "
                   "give one";
        if (!o.reframeTerminator && o.reframePreset.empty() && o.reframePrograms.empty())
            return "reframe needs the terminator to try (--terminator T) or a protocol program (--preset NAME)";
        break;
    case Tool::Summary: break;
    case Tool::Presets: break;
    case Tool::Ca: break;
    }
    return readable(o.input);
}

}  // namespace cli
