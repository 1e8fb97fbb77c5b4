// UdpOptions.cpp — udp listen and udp send on CLI11: their options, help
// pages and checks.
#include "app/cli/UdpOptions.h"

#include "app/cli/HelpFormatter.h"
#include "app/cli/OptionGroups.h"
#include "app/cli/Values.h"

#include "engine/net/Platform.h"
#include "engine/reactor/DatagramOptions.h"

#include <CLI/CLI.hpp>

namespace cli {

namespace {

void addFraming(OptionDefiner& d, CLI::App& app, UdpOptions& o) {
    d.setGroup("Framing");
    addTerminatorOption(d, app,
                        "cut each datagram into messages at T: escaped bytes ('\\r\\n', '\\n'), count:N, or none "
                        "(the default: a datagram is a message). Nothing carries over from one datagram to the next.",
                        [&o](const engine::Terminator& t) { o.dgram.terminator = t; });
}

void addAddressing(OptionDefiner& d, CLI::App& app, UdpOptions& o, bool listen) {
    d.setGroup("Addressing");
    addFamilyOptions(d, app, o.family);
    d.flag(app, "--broadcast", "allow sending to a broadcast address (SO_BROADCAST).",
           [&o] { o.dgram.broadcast = true; });
    if (listen)
        d.value(
            app, "--multicast", "GROUP",
            "join the multicast GROUP (a numeric address); without a HOST, bind 0.0.0.0:PORT or [::]:PORT.",
            nullptr,  // checked with the host and the interface in finishUdp()
            [&o](const std::string& v) { o.dgram.multicastGroup = v; });
    d.value(
        app, "--multicast-if", "IF",
        "the interface for the group and for multicast sent: an IPv4 address, or an IPv6 interface index.",
        [](const std::string& v) { return v.empty() ? std::string("expected an interface") : std::string(); },
        [&o](const std::string& v) { o.dgram.multicastInterface = v; });
    d.value(
        app, "--multicast-ttl", "N", "TTL (hop limit) of the multicast sent, 0 to 255 (default 1).",
        [](const std::string& v) {
            const auto n = parseCount(v);
            return n && *n <= 255 ? std::string() : "expected a TTL from 0 to 255, got " + quote(v);
        },
        [&o](const std::string& v) { o.dgram.multicastTtl = static_cast<int>(*parseCount(v)); });
    d.flag(app, "--no-multicast-loop", "do not receive our own multicast.", [&o] { o.dgram.multicastLoop = 0; });
}

void addOutputAndStopping(OptionDefiner& d, CLI::App& app, UdpOptions& o, bool listen) {
    d.setGroup("Output");
    addJsonOption(d, app, "the event stream on stdout as JSON Lines (the session format of docs/session-format.md).",
                  o.json);
    addQuietOption(d, app,
                   listen ? "no per-message output; the \"listening on\" line and failures still go to stderr."
                          : "no per-message output; failures still go to stderr.",
                   o.quiet);
    addStatsOption(d, app, "final counters on stderr.", o.stats);
    addRecordOptions(d, app, "write the session (every event) to FILE.", o.recordPath, o.force);

    d.setGroup("Stopping");
    addCountOption(d, app, "stop after N messages received (in all).", o.count);
    addTimeoutOption(d, app,
                     "stop after S seconds (decimals allowed). That is a failure if --count was not reached; "
                     "otherwise the planned end.",
                     o.timeout, o.timeoutText);
}

const char* const kStoppingNote = "  SIGINT/SIGTERM stop cleanly (a second one exits at once).\n";
const char* const kFooter = "Exit status: 0 success; 1 a runtime failure, with one line on stderr; 2 a usage\n"
                            "error. See docs/udp.md.\n";

// What listen and send end with: the addressing, output and stopping
// options, and the help page (`usage`, `description`, the common notes).
void finishSubcommand(OptionDefiner& d, HelpFormatter& help, CLI::App& app, UdpOptions& o, bool listen,
                      std::string usage, std::string description) {
    addAddressing(d, app, o, listen);
    addOutputAndStopping(d, app, o, listen);
    HelpPage page;
    page.usage = {std::move(usage)};
    page.description = std::move(description);
    page.groupNotes["Stopping"] = kStoppingNote;
    page.footer = kFooter;
    help.setPage(&app, std::move(page));
}

CLI::App* addListen(CLI::App& udp, OptionDefiner& d, HelpFormatter& help, UdpOptions& o) {
    CLI::App* app = udp.add_subcommand("listen", "bind [HOST:]PORT and print every datagram with its sender.");
    addFraming(d, *app, o);
    d.setGroup("Replying");
    d.flag(*app, "-e,--echo", "send every datagram back, byte for byte, to its sender.",
           [&o] { o.dgram.echo = true; });
    finishSubcommand(d, help, *app, o, true, "udp listen [HOST:]PORT [options]",
                     "Binds [HOST:]PORT (127.0.0.1 unless a host is given; 0.0.0.0 or [::] for every\n"
                     "interface; port 0 picks a free port, and the line \"linewright-cli: listening on\n"
                     "HOST:PORT (udp)\" on stderr says which) and prints every message on stdout, one\n"
                     "per line, after its sender: \"HOST:PORT < bytes\", bytes escaped.\n");
    return app;
}

CLI::App* addSend(CLI::App& udp, OptionDefiner& d, HelpFormatter& help, UdpOptions& o) {
    CLI::App* app = udp.add_subcommand("send", "send datagrams to HOST PORT and print the replies.");
    addFraming(d, *app, o);
    d.setGroup("Sending");
    addSendOption(d, *app, "send TEXT (escapes allowed) as one datagram. Repeatable.", o.sends);
    addRepeatOption(d, *app, "send each --send N times.", o.repeat, o.repeatGiven);
    addIntervalOption(d, *app, "send each --send once every MS milliseconds (N times with --repeat, else until the end).",
                      o.interval);
    d.flag(*app, "-i,--stdin",
           "send each line read from stdin as one datagram, its line ending kept (the default without --send).",
           [&o] { o.stdinWanted = true; });
    d.flag(*app, "--no-stdin", "do not read stdin.", [&o] { o.stdinWanted = false; });
    d.value(
        *app, "--wait", "S",
        "once everything is sent, wait S seconds for replies and ICMP errors before ending (default 0.25).",
        checkSeconds, [&o](const std::string& v) { o.wait = *parseSeconds(v); });
    finishSubcommand(d, help, *app, o, false, "udp send HOST PORT [options]",
                     "Connects a UDP socket to HOST PORT (a name, or an IPv4 or IPv6 literal), sends the\n"
                     "--send data or else stdin, one datagram per line, and prints each reply on stdout\n"
                     "(\"< bytes\", escaped). It ends once everything is sent and --wait has passed, or\n"
                     "--count replies came, or --timeout. ICMP port unreachable is a failure.\n");
    return app;
}

}  // namespace

CLI::App* addUdpCommand(CLI::App& program, OptionDefiner& d, HelpFormatter& help, UdpOptions& o) {
    CLI::App* udp = program.add_subcommand("udp", "UDP: udp listen [HOST:]PORT, udp send HOST PORT.");
    addListen(*udp, d, help, o);
    addSend(*udp, d, help, o);
    HelpPage page;
    page.usage = {"udp listen [HOST:]PORT [options]", "udp send HOST PORT [options]"};
    page.description =
        "UDP: each datagram is one message (or, with --terminator, cut into several).\n"
        "Each subcommand has its own --help (linewright-cli udp send --help).\n";
    page.listCommands = true;
    page.footer = kFooter;
    help.setPage(udp, std::move(page));
    return udp;
}

std::string finishUdp(bool listen, const std::vector<std::string>& p, UdpOptions& o) {
    o.listen = listen;
    if (listen) {
        if (p.size() != 1)
            return std::string(p.empty() ? "udp listen needs" : "udp listen takes only") +
                   " one [HOST:]PORT: linewright-cli udp listen [HOST:]PORT [options]";
        if (std::string e = parseListenAddress(p[0], o.host, o.port); !e.empty()) return e;
        if (o.host.empty()) {
            if (!o.dgram.multicastGroup.empty())
                o.host = o.dgram.multicastGroup.find(':') != std::string::npos ? "::" : "0.0.0.0";
            else
                o.host = o.family == engine::kAfInet6 ? "::1" : "127.0.0.1";
        }
    } else {
        if (std::string e = parseHostAndPort("udp send", p, o.host, o.port); !e.empty()) return e;
    }
    if (std::string e = familyConflict(o.host, o.family); !e.empty()) return e;
    if (std::string e = engine::datagramOptionsProblem(o.dgram, listen, o.host); !e.empty()) return e;
    if (o.json && o.quiet) return "--json and --quiet cannot be used together";
    if (o.interval.count() > 0 && o.sends.empty()) return "--interval paces the --send data, but there is no --send";
    if (o.repeatGiven && o.sends.empty()) return "--repeat repeats the --send data, but there is no --send";
    if (o.interval.count() > 0 && !o.repeatGiven) o.repeat = 0;  // paced: until the end
    return {};
}

}  // namespace cli
