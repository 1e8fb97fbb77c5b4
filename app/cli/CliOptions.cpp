// CliOptions.cpp — connect and listen on CLI11: their options, help pages
// and checks.
#include "app/cli/CliOptions.h"

#include "app/cli/HelpFormatter.h"
#include "app/cli/OptionGroups.h"
#include "app/cli/Values.h"

#include "engine/asyncore/Escape.h"
#include "engine/net/Address.h"
#include "engine/program/Presets.h"
#include "engine/program/ProgramRunner.h"
#include "engine/reactor/Reactor.h"
#include "engine/tls/LocalCa.h"

#include <CLI/CLI.hpp>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace cli {

namespace {

std::string checkReadableFile(const std::string& v) {
    std::error_code fifoEc;
    // A named pipe is not opened here: opening it waits for a writer.
    if (!v.empty() && std::filesystem::is_fifo(v, fifoEc)) return {};
    errno = 0;
    std::ifstream f(v, std::ios::binary);
    const int err = errno;
    std::error_code ec;
    if (!v.empty() && f && !std::filesystem::is_directory(v, ec)) return {};
    const std::string why = std::filesystem::is_directory(v, ec) ? "it is a directory"
                            : err                                ? std::strerror(err)
                                                                 : "cannot open it";
    return "cannot read " + quote(v) + ": " + why;
}

std::string checkName(const std::string& v) {
    return v.empty() ? std::string("expected a preset name (linewright-cli presets lists them)") : std::string();
}

// --preset, --program, --rules: protocol programs (docs/presets.md).
void addProgramOptions(CLI::App& app, OptionDefiner& d, CliOptions& o, bool proxy) {
    d.value(app, "-p,--preset", "NAME",
            std::string("frame with the preset NAME (redis, memcached, http, smtp, …: linewright-cli presets lists "
                        "them): a protocol program that switches the terminator inside found_terminator, so bulk "
                        "strings, value blocks and bodies are framed whole, and groups the messages of one reply. ") +
                (proxy ? "Both directions." : "Replaces --terminator."),
            checkName, [&o](const std::string& v) { o.preset = v; });
    d.repeatable(app, "--program", "FILE", "run the protocol program in FILE (the preset language, docs/presets.md).",
                 checkReadableFile, [&o](const std::string& v) { o.programFiles.push_back(v); });
    d.repeatable(app, "--rules", "FILE",
                 std::string("run the rules in FILE after the preset and programs: each message goes through every "
                             "program, each running its first matching rule (replies, close, marks). ") +
                     (proxy ? "A proxy only frames and marks: replies and close are not carried out." : "Repeatable."),
                 checkReadableFile, [&o](const std::string& v) { o.rulesFiles.push_back(v); });
}

// Loads --preset, --program and --rules into o.programs; "" or the message.
std::string finishPrograms(CliOptions& o) {
    o.programs.clear();
    std::string error;
    if (!o.preset.empty()) {
        auto p = engine::program::loadPreset(o.preset, engine::program::userPresetDir(), &error);
        if (!p) return "--preset: " + error;
        o.programs.push_back(std::move(p));
    }
    for (const std::string& f : o.programFiles) {
        auto p = engine::program::loadProgramFile(f, &error);
        if (!p) return "--program: " + error;
        o.programs.push_back(std::move(p));
    }
    for (const std::string& f : o.rulesFiles) {
        auto p = engine::program::loadProgramFile(f, &error);
        if (!p) return "--rules: " + error;
        o.programs.push_back(std::move(p));
    }
    if (o.programs.empty()) return {};
    if (o.terminatorGiven)
        return "--terminator and a protocol program (--preset, --program, --rules) both set the framing; give one";
    // What the channels start with (they take it from the program; the printer and --stdin see it here).
    o.terminator = engine::program::ProgramRunner(o.programs, engine::program::Sender::Any).initialTerminator();
    o.serverTerminator = o.terminator;
    return {};
}

void addSessionOptions(CLI::App& app, OptionDefiner& d, CliOptions& o, Mode mode) {
    d.setGroup("Framing");
    addTerminatorOption(d, app,
                        "escaped bytes ('\\r\\n', '\\n', '\\x00', '\\r\\n\\r\\n'), count:N (records of N bytes) or "
                        "none (no framing). Default: '\\n' (also frames CRLF lines; the CR stays in the message).",
                        [&o](const engine::Terminator& t) {
                            o.terminator = t;
                            o.terminatorGiven = true;
                        });
    addMaxMessageOption(d, app, o.maxMessage);
    addProgramOptions(app, d, o, false);

    d.setGroup("Sending");
    addSendOption(d, app,
                  "push TEXT (escapes allowed; nothing is appended: write the terminator yourself). Repeatable. In "
                  "listen mode it goes to every connection when accepted.",
                  o.sends);
    d.repeatable(app, "-f,--send-file", "FILE", "push FILE, streamed in --out-buffer chunks. Repeatable.",
                 checkReadableFile, [&o](const std::string& v) { o.sendFiles.push_back(v); });
    addRepeatOption(d, app, "push each --send N times.", o.repeat, o.repeatGiven);
    addIntervalOption(d, app, "push each --send once every MS milliseconds (N times with --repeat, else until the end).",
                      o.interval);
    d.flag(app, "-e,--echo",
           "push every message back, followed by the terminator (with --terminator none: every chunk as it comes).",
           [&o] { o.echo = true; });
    d.flag(app, "-i,--stdin",
           "push each line read from stdin, ending it with the terminator (default in connect mode without --send or "
           "--send-file; in listen mode lines go to every connection). Stdin is read as bytes, any bytes; a line "
           "longer than 64K goes out in pieces as it is read. At end of stdin a client half-closes.",
           [&o] { o.stdinMode = StdinMode::On; });
    d.flag(app, "--no-stdin", "do not read stdin.", [&o] { o.stdinMode = StdinMode::Off; });

    addTlsOptions(d, app, mode == Mode::Connect ? TlsRole::Client : TlsRole::Server, o.tls);

    d.setGroup("Output");
    addJsonOption(d, app, "the event stream on stdout as JSON Lines (the session format of docs/session-format.md).",
                  o.json);
    addQuietOption(d, app,
                   "no per-message or per-connection output; the \"listening on\" line and failures still go to "
                   "stderr.",
                   o.quiet);
    addStatsOption(d, app, "final counters on stderr.", o.stats);
    addRecordOptions(d, app, "write the session (every event) to FILE.", o.recordPath, o.force);
    d.flag(app, "--trace-loop", "one `loop` event per loop pass (with --json/--record).",
           [&o] { o.traceLoop = true; });

    d.setGroup("Engine");
    addBackendOption(d, app, "select, poll or epoll (default: epoll where available).", [&o](engine::Backend b) {
        o.backend = b;
        o.backendGiven = true;
    });
    addBufferOptions(d, app, o.inBuffer, o.outBuffer, o.highWater);
    if (mode == Mode::Listen) addMaxBufferedOption(d, app, o.maxBuffered);
    addFamilyOptions(d, app, o.family);

    d.setGroup("Stopping");
    addCountOption(d, app, "stop after N messages received (in all); queued replies are sent first.", o.count);
    addTimeoutOption(d, app,
                     "stop after S seconds (decimals allowed). That is a failure if --count was not reached or the "
                     "connection never came up; otherwise the planned end.",
                     o.timeout, o.timeoutText);
}

void addProxyOptions(CLI::App& app, OptionDefiner& d, CliOptions& o) {
    d.setGroup("Upstream");
    addToOption(d, app,
                "the server every accepted connection is proxied to (required): a name, an IPv4 address, or [IPv6]:PORT.",
                o.toHost, o.toPort);
    addTlsOptions(d, app, TlsRole::Client, o.toTls, TlsLeg::ProxyUpstream);
    addTlsOptions(d, app, TlsRole::Server, o.tls, TlsLeg::ProxyClient);
    addSharedTlsOptions(d, app, o.tls, o.toTls, o.keyLogGiven);
    d.value(
        app, "--starttls", "PROTO",
        "pass STARTTLS through: both legs start in plaintext; when the client sends the protocol's upgrade command "
        "(smtp STARTTLS, imap TAG STARTTLS, pop3 STLS, ftp AUTH TLS) and the server says yes, both legs upgrade: "
        "towards the server as --to-… say, towards the client with --cert/--key or the local CA.",
        checkStartTlsProtocol,
        [&o](const std::string& v) { o.proxyStartTls = *engine::parseStartTlsProtocol(v); });

    d.setGroup("Framing");
    addTerminatorOption(d, app,
                        "frame both directions with T: escaped bytes ('\\r\\n', '\\n', '\\r\\n\\r\\n'), count:N or none. "
                        "Default: '\\n' (also frames CRLF lines). Framing only cuts messages for display and "
                        "recording; the bytes are forwarded exactly as received.",
                        [&o](const engine::Terminator& t) {
                            o.terminator = t;
                            o.serverTerminator = t;
                            o.terminatorGiven = true;
                        });
    d.value(app, "--client-terminator", "T", "frame what the client sends (client → server) with T.", checkTerminator,
            [&o](const std::string& v) {
                o.terminator = *engine::parseTerminatorSpec(v, nullptr);
                o.terminatorGiven = true;
            });
    d.value(app, "--server-terminator", "T", "frame what the server sends (server → client) with T.", checkTerminator,
            [&o](const std::string& v) {
                o.serverTerminator = *engine::parseTerminatorSpec(v, nullptr);
                o.terminatorGiven = true;
            });
    addMaxMessageOption(d, app, o.maxMessage);
    addProgramOptions(app, d, o, true);
    d.flag(app, "--commands",
           "read commands from stdin, one a line, each applied at once: 'terminator T' (both directions), "
           "'client-terminator T', 'server-terminator T'; prefixed '#N ' they change connection N only, else "
           "every open connection and the ones still to come. As asynchat's set_terminator, a change applies "
           "to bytes already buffered.",
           [&o] { o.proxyCommands = true; });

    d.setGroup("Output");
    addJsonOption(d, app,
                  "the event stream on stdout as JSON Lines (docs/session-format.md); each accepted connection's "
                  "`accepted` event names its upstream leg (\"upstream\"), whose `connecting` names it back "
                  "(\"proxy_for\").",
                  o.json);
    addQuietOption(d, app, "no per-message or per-connection output; the \"listening on\" line and failures still go to stderr.",
                   o.quiet);
    addStatsOption(d, app, "final counters on stderr.", o.stats);
    addRecordOptions(d, app, "write the session (every event, both legs of every connection) to FILE.", o.recordPath,
                     o.force);

    d.setGroup("Engine");
    addBackendOption(d, app, "select, poll or epoll (default: epoll where available).", [&o](engine::Backend b) {
        o.backend = b;
        o.backendGiven = true;
    });
    addBufferOptions(d, app, o.inBuffer, o.outBuffer, o.highWater);
    addMaxBufferedOption(d, app, o.maxBuffered);
    addFamilyOptions(d, app, o.family);

    d.setGroup("Stopping");
    addTimeoutOption(d, app, "stop after S seconds (decimals allowed).",
                     o.timeout, o.timeoutText);
}

CLI::App* addProxyCommand(CLI::App& program, OptionDefiner& d, HelpFormatter& help, CliOptions& o) {
    CLI::App* app = program.add_subcommand(
        "proxy", "accept connections on [HOST:]LISTEN_PORT and proxy each one to --to HOST:PORT, framing both ways.");
    addProxyOptions(*app, d, o);
    HelpPage page;
    page.usage = {"proxy [HOST:]LISTEN_PORT --to HOST:PORT [options]"};
    page.description =
        "Accepts connections on [HOST:]LISTEN_PORT (127.0.0.1 unless a host is given; port 0\n"
        "picks a free port, named on stderr) and opens, for each one, a connection of its\n"
        "own to --to HOST:PORT. Bytes go both ways exactly as received; each direction is\n"
        "framed with its own terminator only to cut messages for display and recording.\n"
        "Messages are printed one per line on stdout, bytes escaped: \"#N > \" from the\n"
        "client to the server, \"#N < \" back (N: the accepted connection's channel).\n"
        "End-of-file on one side becomes a half-close (shutdown(SHUT_WR)) of the other;\n"
        "an upstream that cannot be reached closes the client's connection with an\n"
        "error, and the proxy keeps serving. A side that cannot take data as fast as the\n"
        "other sends it stops the proxy reading from the other side (--high-water).\n";
    page.groupNotes["Engine"] = "Sizes take K, M, G suffixes (powers of 1024).\n";
    page.groupNotes["Stopping"] = "  SIGINT/SIGTERM stop cleanly (a second one exits at once).\n";
    page.groupNotes["Upstream TLS"] =
        "  TLS towards the server: the connect command's options, named --to-….\n"
        "  Verification is on unless --to-insecure. A failed handshake closes that\n"
        "  client's connection with one error line; the proxy goes on. See docs/tls.md.\n";
    page.groupNotes["TLS"] = "  TLS towards the client: the listen command's options. Framing, output\n"
                             "  and recordings see the plaintext of both legs.\n";
    page.footer = "Exit status: 0 success; 1 a runtime failure, with one line on stderr; 2 a usage\n"
                  "error. See docs/proxy.md.\n";
    help.setPage(app, std::move(page));
    return app;
}

}  // namespace

CLI::App* addSessionCommand(CLI::App& program, Mode mode, OptionDefiner& d, HelpFormatter& help, CliOptions& o) {
    if (mode == Mode::Proxy) return addProxyCommand(program, d, help, o);
    const bool connect = mode == Mode::Connect;
    CLI::App* app = program.add_subcommand(
        connect ? "connect" : "listen",
        connect ? "open one client channel to HOST PORT." : "accept connections on [HOST:]PORT, each its own channel.");
    addSessionOptions(*app, d, o, mode);

    HelpPage page;
    page.usage = {connect ? "connect HOST PORT [options]" : "listen [HOST:]PORT [options]"};
    page.description =
        connect ? "Opens one client channel to HOST PORT (a name, or an IPv4 or IPv6 literal; every address\n"
                  "found is tried in turn) and frames what arrives with the terminator. Received\n"
                  "messages are printed one per line on stdout, bytes escaped (\\r \\n \\t \\0 \\\\\n"
                  "\\xNN); status goes to stderr.\n"
                : "Accepts connections on [HOST:]PORT, each one its own channel with the listener's\n"
                  "terminator and buffer sizes. listen binds 127.0.0.1 unless a host is given; all\n"
                  "interfaces only when asked (0.0.0.0:PORT or [::]:PORT). Port 0 picks a free port;\n"
                  "the line \"linewright-cli: listening on HOST:PORT\" on stderr says which.\n";
    page.groupNotes["TLS"] = tlsGroupNote(connect ? TlsRole::Client : TlsRole::Server);
    page.groupNotes["Engine"] = "Sizes take K, M, G suffixes (powers of 1024).\n";
    page.groupNotes["Stopping"] =
        "  A client also stops when its connection closes (before --count is\n"
        "  reached, that is a failure); SIGINT/SIGTERM stop cleanly (a second one\n"
        "  exits at once).\n";
    page.footer = "Exit status: 0 success; 1 a runtime failure, with one line on stderr; 2 a usage\n"
                  "error. See linewright-cli --help for examples.\n";
    help.setPage(app, std::move(page));
    return app;
}

std::string finishSession(Mode mode, const std::vector<std::string>& p, CliOptions& o) {
    o.mode = mode;
    if (mode == Mode::Connect) {
        if (std::string e = parseHostAndPort("connect", p, o.host, o.port); !e.empty()) return e;
    } else if (mode == Mode::Proxy) {
        if (p.size() != 1)
            return std::string(p.empty() ? "proxy needs" : "proxy takes only") +
                   " one [HOST:]LISTEN_PORT: linewright-cli proxy [HOST:]LISTEN_PORT --to HOST:PORT [options]";
        if (std::string e = parseListenAddress(p[0], o.host, o.port); !e.empty()) return e;
        if (o.host.empty()) o.host = "127.0.0.1";
        if (o.toPort == 0) return "proxy needs --to HOST:PORT: the server to proxy to";
        if (!o.backendGiven) o.backend = engine::defaultBackend();
        if (std::string e = familyConflict(o.toHost, o.family); !e.empty()) return "--to " + e;
        if (std::string e = finishPrograms(o); !e.empty()) return e;
        const bool passTls = o.proxyStartTls != engine::StartTlsProtocol::None;
        if (passTls) {
            if (o.tls.config.enabled || o.toTls.config.enabled)
                return std::string("--starttls upgrades both legs of a plaintext connection when the client asks; ") +
                       (o.tls.config.enabled ? "--tls" : "--to-tls") +
                       " starts TLS with the first byte: give one or the other";
            // Both legs' TLS options apply to the upgrade: checked as for --tls / --to-tls.
            o.tls.config.enabled = o.toTls.config.enabled = true;
        }
        if (o.keyLogGiven && !o.tls.wanted() && !o.toTls.wanted())
            return "--keylog records TLS secrets, but TLS is not on: add --tls (towards the client) or --to-tls "
                   "(towards the server)";
        if (std::string e = finishTls(TlsRole::Client, "proxy", o.toTls, {}, TlsLeg::ProxyUpstream); !e.empty())
            return e;
        if (std::string e = finishTls(TlsRole::Server, "proxy", o.tls, {}, TlsLeg::ProxyClient); !e.empty()) return e;
        engine::TlsConfig& c = o.tls.config;
        if (c.enabled && c.certFile.empty()) {
            // Certificates from the local CA, one per name the client asks for.
            if (c.localCaDir.empty()) c.localCaDir = engine::tls::LocalCa::defaultDirectory();
            if (c.localCaDir.empty())
                return "proxy --tls without --cert/--key uses the local CA, but there is no folder for it (neither "
                       "XDG_DATA_HOME nor HOME is set): name one with --ca-dir DIR";
            c.localCaFallbackName = o.toHost;
        } else if (!c.localCaDir.empty()) {
            return "--ca-dir names the local CA that issues certificates when --cert/--key are not given: give one "
                   "or the other";
        }
        if (passTls) o.tls.config.enabled = o.toTls.config.enabled = false;  // plaintext until the upgrade
        return {};
    } else {
        if (p.size() != 1)
            return std::string(p.empty() ? "listen needs" : "listen takes only") +
                   " one [HOST:]PORT: linewright-cli listen [HOST:]PORT [options]";
        if (std::string e = parseListenAddress(p[0], o.host, o.port); !e.empty()) return e;
        if (o.host.empty()) o.host = "127.0.0.1";
    }

    if (!o.backendGiven) o.backend = engine::defaultBackend();
    if (std::string e = familyConflict(o.host, o.family); !e.empty()) return e;
    if (o.interval.count() > 0 && o.sends.empty()) return "--interval paces the --send data, but there is no --send";
    if (o.repeatGiven && o.sends.empty()) return "--repeat repeats the --send data, but there is no --send";
    if (o.interval.count() > 0 && !o.repeatGiven) o.repeat = 0;  // paced: until the end
    if (std::string e = finishPrograms(o); !e.empty()) return e;
    return finishTls(mode == Mode::Connect ? TlsRole::Client : TlsRole::Server, mode == Mode::Connect ? "connect" : "listen",
                     o.tls, kChannelsRunTls ? "" : "this build's engine does not run TLS on its channels yet");
}

}  // namespace cli
