// UdpCommand.cpp — linewright-cli udp listen / udp send.
#include "app/cli/UdpCommand.h"

#include "app/Version.h"
#include "app/cli/EventPrinter.h"
#include "app/cli/JsonLinesWriter.h"
#include "app/cli/SignalWatcher.h"
#include "app/cli/StdinPump.h"
#include "app/cli/ToolCommands.h"
#include "app/cli/Values.h"

#include "engine/asyncore/Escape.h"
#include "engine/capture/EventJson.h"
#include "engine/capture/SessionRecorder.h"
#include "engine/net/Address.h"
#include "engine/reactor/Reactor.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cli {

using engine::ChannelId;
using engine::Event;
using engine::EventKind;

namespace {

constexpr auto kStopGrace = std::chrono::seconds(5);
constexpr std::size_t kEventBacklog = std::size_t{4} << 20;  // as CliSession

const char* const kUsage =
    "usage: linewright-cli udp listen [HOST:]PORT [options]\n"
    "       linewright-cli udp send HOST PORT [options]\n"
    "Try 'linewright-cli udp --help' for more information.\n";

const char* const kHelp =
    "Usage: linewright-cli udp listen [HOST:]PORT [options]\n"
    "       linewright-cli udp send HOST PORT [options]\n"
    "\n"
    "UDP: each datagram is one message (or, with --terminator, cut into several;\n"
    "nothing carries over from one datagram to the next).\n"
    "listen binds [HOST:]PORT (HOST defaults to 127.0.0.1; 0.0.0.0 or :: for every\n"
    "interface; PORT 0 picks a free one) and prints every message with its sender.\n"
    "send connects a UDP socket to HOST PORT, sends --send data or stdin lines (one\n"
    "datagram per line), prints the replies, and ends once everything is sent and\n"
    "--wait has passed (or --count replies came).\n"
    "\n"
    "Framing:\n"
    "  -t, --terminator SPEC   cut each datagram at SPEC (escaped bytes, count:N) or\n"
    "                          'none' (the default: a datagram is a message)\n"
    "Sending:\n"
    "  -s, --send DATA         send DATA (escapes: \\r \\n \\t \\0 \\\\ \\xNN) as one datagram;\n"
    "                          repeatable (send only)\n"
    "  -r, --repeat N          send each --send N times\n"
    "  -i, --interval SECS     one copy every SECS seconds (decimal)\n"
    "  -e, --echo              send every datagram back to its sender (listen only)\n"
    "      --stdin / --no-stdin  read stdin lines (default: send without --send)\n"
    "      --wait SECS         send: after the last datagram, wait this long for\n"
    "                          replies and ICMP errors (default 0.25)\n"
    "Addressing:\n"
    "  -4, -6                  IPv4 / IPv6 only\n"
    "      --broadcast         allow sending to a broadcast address (SO_BROADCAST)\n"
    "      --multicast GROUP   listen: join multicast GROUP (bind 0.0.0.0:PORT or [::]:PORT)\n"
    "      --multicast-if IF   the interface: an IPv4 address or an IPv6 interface index\n"
    "      --multicast-ttl N   TTL / hop limit of multicast sent (0-255)\n"
    "      --no-multicast-loop do not receive our own multicast\n"
    "Output:\n"
    "  -j, --json              every event as a JSON line on stdout (docs/session-format.md)\n"
    "  -q, --quiet             no message lines; errors only\n"
    "      --record FILE       record the session (JSON Lines) to FILE\n"
    "      --force             --record may overwrite FILE\n"
    "      --stats             totals on stderr at the end\n"
    "Stopping:\n"
    "  -c, --count N           stop after N messages received\n"
    "      --timeout SECS      stop after SECS seconds (1 if --count was not reached)\n"
    "\n"
    "Exit status: 0 success, 1 a runtime failure, 2 a usage error.\n";

struct UdpOptions {
    bool listen = true;
    std::string host;
    std::uint16_t port = 0;
    int family = 0;
    engine::DatagramOptions dgram;
    std::vector<std::string> sends;
    std::uint64_t repeat = 1;
    std::chrono::milliseconds interval{0};
    std::optional<bool> stdinWanted;
    std::chrono::milliseconds wait{250};
    bool json = false;
    bool quiet = false;
    bool stats = false;
    std::string recordPath;
    bool force = false;
    std::uint64_t count = 0;
    std::optional<std::chrono::milliseconds> timeout;
    std::string timeoutText;
};

struct UsageError {
    std::string text;
};

// Reads `udp listen|send …` (argv[1] is "udp").
UdpOptions parse(int argc, const char* const* argv, bool& help) {
    UdpOptions o;
    std::vector<std::string> positionals;
    bool optionsEnded = false;
    help = false;
    for (int i = 2; i < argc; ++i) {
        std::string arg = argv[i];
        if (optionsEnded || arg == "-" || arg.empty() || arg[0] != '-') {
            positionals.push_back(arg);
            continue;
        }
        if (arg == "--") {
            optionsEnded = true;
            continue;
        }
        std::string name = arg;
        std::optional<std::string> inlineValue;
        if (arg.rfind("--", 0) == 0) {
            if (const auto eq = arg.find('='); eq != std::string::npos) {
                name = arg.substr(0, eq);
                inlineValue = arg.substr(eq + 1);
            }
        } else if (arg.size() > 2) {
            name = arg.substr(0, 2);  // -sVALUE
            inlineValue = arg.substr(2);
        }
        auto flag = [&] {
            if (inlineValue) throw UsageError{"option " + name + " takes no value"};
        };
        auto value = [&]() -> std::string {
            if (inlineValue) return *inlineValue;
            if (i + 1 >= argc) throw UsageError{"option " + name + " needs a value"};
            return argv[++i];
        };
        auto seconds = [&](const std::string& v) {
            auto s = parseSeconds(v);
            if (!s) throw UsageError{name + ": " + quote(v) + " is not a number of seconds (e.g. 2 or 0.5)"};
            return *s;
        };
        auto number = [&](const std::string& v) {
            auto n = parseCount(v);
            if (!n) throw UsageError{name + ": " + quote(v) + " is not a whole number"};
            return *n;
        };
        if (name == "-h" || name == "--help") {
            help = true;
            return o;
        } else if (name == "-4" || name == "-6") {
            flag();
            o.family = name == "-4" ? engine::kAfInet : engine::kAfInet6;
        } else if (name == "-t" || name == "--terminator") {
            const std::string v = value();
            std::string why;
            auto t = engine::parseTerminatorSpec(v, &why);
            if (!t) throw UsageError{name + ": " + why};
            o.dgram.terminator = *t;
        } else if (name == "-s" || name == "--send") {
            const std::string v = value();
            engine::EscapeError e;
            auto bytes = engine::parseEscaped(v, &e);
            if (!bytes) throw UsageError{name + ": " + e.message};
            o.sends.push_back(std::move(*bytes));
        } else if (name == "-r" || name == "--repeat") {
            o.repeat = number(value());
            if (o.repeat == 0) throw UsageError{name + ": must be at least 1"};
        } else if (name == "-i" || name == "--interval") {
            o.interval = seconds(value());
        } else if (name == "-e" || name == "--echo") {
            flag();
            o.dgram.echo = true;
        } else if (name == "--stdin" || name == "--no-stdin") {
            flag();
            o.stdinWanted = name == "--stdin";
        } else if (name == "--wait") {
            o.wait = seconds(value());
        } else if (name == "--broadcast") {
            flag();
            o.dgram.broadcast = true;
        } else if (name == "--multicast") {
            o.dgram.multicastGroup = value();
        } else if (name == "--multicast-if") {
            o.dgram.multicastInterface = value();
        } else if (name == "--multicast-ttl") {
            const auto n = number(value());
            if (n > 255) throw UsageError{name + ": at most 255"};
            o.dgram.multicastTtl = static_cast<int>(n);
        } else if (name == "--no-multicast-loop") {
            flag();
            o.dgram.multicastLoop = 0;
        } else if (name == "-j" || name == "--json") {
            flag();
            o.json = true;
        } else if (name == "-q" || name == "--quiet") {
            flag();
            o.quiet = true;
        } else if (name == "--stats") {
            flag();
            o.stats = true;
        } else if (name == "--record") {
            o.recordPath = value();
            if (o.recordPath.empty()) throw UsageError{"--record: the file name is empty"};
        } else if (name == "--force") {
            flag();
            o.force = true;
        } else if (name == "-c" || name == "--count") {
            o.count = number(value());
            if (o.count == 0) throw UsageError{name + ": must be at least 1"};
        } else if (name == "--timeout") {
            o.timeoutText = value();
            o.timeout = seconds(o.timeoutText);
        } else {
            throw UsageError{"unknown option " + quote(name) + " for udp"};
        }
    }
    if (positionals.empty()) throw UsageError{"udp needs a subcommand: listen or send"};
    const std::string sub = positionals[0];
    if (sub == "listen") {
        o.listen = true;
        if (positionals.size() != 2) throw UsageError{"udp listen takes one argument, [HOST:]PORT"};
        std::string portText;
        if (!engine::splitHostPort(positionals[1], o.host, portText))
            throw UsageError{"udp listen: " + quote(positionals[1]) + " is not [HOST:]PORT"};
        const auto p = engine::parsePort(portText, true);
        if (!p) throw UsageError{"udp listen: " + quote(portText) + " is not a port (0-65535)"};
        o.port = *p;
        if (o.host.empty()) {
            if (!o.dgram.multicastGroup.empty())
                o.host = o.dgram.multicastGroup.find(':') != std::string::npos ? "::" : "0.0.0.0";
            else
                o.host = o.family == engine::kAfInet6 ? "::1" : "127.0.0.1";
        }
        if (!o.sends.empty()) throw UsageError{"udp listen: --send is for udp send (a listener replies with --echo)"};
        if (o.repeat != 1 || o.interval.count() != 0) throw UsageError{"udp listen: --repeat and --interval are for udp send"};
    } else if (sub == "send") {
        o.listen = false;
        if (positionals.size() != 3) throw UsageError{"udp send takes two arguments, HOST and PORT"};
        o.host = positionals[1];
        const auto p = engine::parsePort(positionals[2]);
        if (!p) throw UsageError{"udp send: " + quote(positionals[2]) + " is not a port (1-65535)"};
        o.port = *p;
        if (o.dgram.echo) throw UsageError{"udp send: --echo is for udp listen"};
        if (!o.dgram.multicastGroup.empty())
            throw UsageError{"udp send: --multicast joins a group to listen; to send to one, give the group as HOST"};
    } else {
        throw UsageError{"unknown udp subcommand " + quote(sub) + "; use listen or send"};
    }
    if (o.json && o.quiet) throw UsageError{"--json and --quiet cannot be used together"};
    if ((o.repeat != 1 || o.interval.count() != 0) && o.sends.empty())
        throw UsageError{"--repeat and --interval repeat --send data; give --send"};
    return o;
}

class UdpSession {
public:
    UdpSession(UdpOptions o, std::FILE* out, std::FILE* err)
        : m_o(std::move(o)), m_out(out), m_err(err), m_printer(out, err, false, false) {}
    ~UdpSession() {
        if (m_pump) m_pump->stop();
    }
    int run();

private:
    bool human() const { return !m_o.quiet && !m_o.json; }
    bool readsStdin() const { return m_o.stdinWanted.value_or(!m_o.listen && m_o.sends.empty()); }
    void say(const std::string& line) {
        std::fprintf(m_err, "linewright-cli: %s\n", engine::terminalSafe(line, engine::TerminalText::Multiline).c_str());
        std::fflush(m_err);
    }
    void handle(const std::vector<Event>& batch);
    void onEvent(const Event& e);
    void startSending();
    void requestStop() {
        if (m_stopRequested) return;
        m_stopRequested = std::chrono::steady_clock::now();
        m_reactor->shutdown();
    }
    bool allSent() const {
        return m_sendsStarted && (!m_pump || m_stdinDone.load(std::memory_order_acquire)) &&
               m_answered >= m_expected.load(std::memory_order_acquire);
    }

    UdpOptions m_o;
    std::FILE* m_out;
    std::FILE* m_err;
    EventPrinter m_printer;
    JsonLinesWriter m_json;
    engine::SessionRecorder m_record;
    std::unique_ptr<engine::Reactor> m_reactor;
    std::unique_ptr<StdinPump> m_pump;
    ChannelId m_main = 0;
    bool m_sendsStarted = false;
    std::atomic<bool> m_stdinDone{false};
    std::atomic<std::uint64_t> m_expected{0};  // datagrams asked for (stdin lines are added on the pump's thread)
    std::uint64_t m_answered = 0;              // datagram_sent, or an error / unreachable answering one
    std::optional<std::chrono::steady_clock::time_point> m_lingerUntil;
    bool m_limitReached = false;
    bool m_stopped = false;
    bool m_timedOut = false;
    std::optional<std::chrono::steady_clock::time_point> m_stopRequested;
    std::string m_failure;
    std::string m_unreachable;  // send: the last unreachable warning
    std::string m_sendError;    // send: the first datagram that could not be sent
};

int UdpSession::run() {
    if (m_o.json) m_json.adopt(m_out, "stdout");
    engine::ReactorOptions ro;
    // send: datagram_sent answers each send (the stdin pump's pacing and the
    // end of `udp send` count on it), so its level is always Full. listen:
    // as the TCP commands (every event for --json / --record, messages for
    // people, lifecycle only for --quiet, where the hot path just counts).
    ro.level = (!m_o.listen || m_o.json || !m_o.recordPath.empty()) ? engine::EventLevel::Full
               : m_o.quiet                                          ? engine::EventLevel::Lifecycle
                                                                    : engine::EventLevel::Messages;
    ro.eventBacklogLimit = kEventBacklog;
    try {
        m_reactor = std::make_unique<engine::Reactor>(ro);
    } catch (const std::exception& e) {
        say(std::string("cannot start the reactor: ") + e.what());
        return 1;
    }
    const auto header = engine::eventjson::makeHeader("linewright-cli", lw::kVersion, m_reactor->startedAt(),
                                                      std::string(engine::backendName(m_reactor->backend())),
                                                      std::string(engine::eventLevelName(ro.level)));
    std::string recordError;
    if (!m_o.recordPath.empty() && !m_record.open(m_o.recordPath, header, &recordError, outputFile(m_o.force))) {
        say("--record: " + outputError(recordError));
        return 2;
    }
    m_json.writeHeader(header);
    if (m_o.count) m_reactor->setMessageLimit(m_o.count);
    using Mode = engine::cmd::OpenDatagram::Mode;
    m_main = m_reactor->openDatagram(m_o.listen ? Mode::Bind : Mode::Connect, m_o.host, m_o.port, m_o.dgram,
                                     m_o.family);

    SignalWatcher signals([this](int) { m_reactor->shutdown(); });

    const auto start = std::chrono::steady_clock::now();
    // (a time point and a flag rather than an optional: GCC 12 warns, wrongly, that it may be uninitialized)
    const bool hasDeadline = m_o.timeout.has_value();
    const auto deadline = start + m_o.timeout.value_or(std::chrono::milliseconds(0));
    std::vector<Event> batch;
    while (!m_stopped) {
        const auto now = std::chrono::steady_clock::now();
        auto wait = std::chrono::steady_clock::duration(std::chrono::hours(1));
        if (hasDeadline && !m_timedOut) wait = std::min(wait, deadline - now);
        if (m_lingerUntil) wait = std::min(wait, *m_lingerUntil - now);
        if (m_pump && !m_stopRequested) wait = std::min<std::chrono::steady_clock::duration>(wait, std::chrono::milliseconds(50));
        if (m_stopRequested) wait = std::min(wait, *m_stopRequested + kStopGrace - now);
        const auto waitMs = std::max<std::chrono::milliseconds>(std::chrono::milliseconds(0),
                                                                std::chrono::ceil<std::chrono::milliseconds>(wait));
        if (m_reactor->waitAndDrain(batch, waitMs)) handle(batch);
        const auto after = std::chrono::steady_clock::now();
        // send: once everything went out, wait --wait for replies, then stop.
        if (!m_o.listen && !m_stopRequested && !m_o.count && allSent()) {
            if (!m_lingerUntil) m_lingerUntil = after + m_o.wait;
            if (after >= *m_lingerUntil) requestStop();
        }
        if (hasDeadline && !m_timedOut && !m_stopped && after >= deadline) {
            m_timedOut = true;
            requestStop();
        }
        if (m_stopRequested && !m_stopped && after >= *m_stopRequested + kStopGrace) {
            say("the engine did not stop within 5 s; giving up");
            std::fflush(nullptr);
            std::_Exit(1);
        }
    }
    if (m_pump) m_pump->stop();
    m_json.close();
    m_record.close();
    if (m_failure.empty() && m_json.failed()) m_failure = m_json.error();
    if (m_failure.empty() && m_record.failed()) m_failure = m_record.error();
    if (m_o.stats) {
        const engine::ReactorStats s = m_reactor->stats();
        const double secs =
            std::max(1e-9, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
        char rate[64];
        std::snprintf(rate, sizeof rate, "%.0f", static_cast<double>(s.messagesIn) / secs);
        say("stats: messages: " + std::to_string(s.messagesIn) + " in (" + rate + "/s), " +
            std::to_string(s.messagesOut) + " out; bytes: " + std::to_string(s.bytesIn) + " in, " +
            std::to_string(s.bytesOut) + " out; loop passes: " + std::to_string(s.passes));
    }
    if (!m_failure.empty()) {
        if (!(human() && m_printer.alreadySaid(m_failure))) say(m_failure);
        return 1;
    }
    if (!m_sendError.empty()) {
        if (!(human() && m_printer.alreadySaid(m_sendError))) say(m_sendError);
        return 1;
    }
    if (!m_o.listen && !m_unreachable.empty()) {
        if (!human()) say(m_unreachable);  // (a person has seen the warning line)
        return 1;
    }
    if (m_timedOut && m_o.count && !m_limitReached) {
        say("timed out after " + m_o.timeoutText + " s: " + std::to_string(m_reactor->stats().messagesIn) + " of " +
            std::to_string(m_o.count) + " messages received");
        return 1;
    }
    return 0;
}

void UdpSession::startSending() {
    m_sendsStarted = true;
    for (const std::string& data : m_o.sends) {
        m_expected += m_o.repeat;
        if (m_o.repeat > 1 || m_o.interval.count() > 0)
            m_reactor->pushRepeat(m_main, data, m_o.repeat, m_o.interval);
        else
            m_reactor->push(m_main, data);
    }
    if (!readsStdin()) return;
    const std::string ending = m_o.dgram.terminator.isBytes() ? m_o.dgram.terminator.bytesValue() : std::string("\n");
    m_pump = std::make_unique<StdinPump>(
        ending,
        [this](std::string bytes) -> std::size_t {
            m_expected.fetch_add(1, std::memory_order_acq_rel);
            m_reactor->push(m_main, std::move(bytes));
            return 1;
        },
        [this] { m_stdinDone.store(true, std::memory_order_release); });
    m_pump->start();
}

void UdpSession::handle(const std::vector<Event>& batch) {
    m_json.writeEvents(batch);
    m_record.append(batch);
    std::size_t answers = 0;
    std::string lines;
    for (const Event& e : batch) {
        if (e.channel == m_main &&
            (e.kind == EventKind::DatagramSent || e.kind == EventKind::Error ||
             (e.kind == EventKind::Warning && e.warningCode() == engine::WarningCode::Unreachable)))
            ++answers;
        if (e.kind == EventKind::Datagram && human()) {
            if (m_o.listen) {
                lines += engine::terminalSafe(e.peer());
                lines += ' ';
            }
            lines += "< ";
            engine::appendEscaped(lines, e.bytes());
            lines += '\n';
        }
        onEvent(e);
    }
    m_answered += answers;
    if (m_pump && answers > 0) m_pump->acknowledge(answers);
    if (human()) {
        if (!lines.empty() &&
            (std::fwrite(lines.data(), 1, lines.size(), m_out) != lines.size() || std::fflush(m_out) != 0) &&
            m_failure.empty()) {
            m_failure = std::string("cannot write stdout: ") + std::strerror(errno ? errno : EPIPE);
            requestStop();
        }
        // Status lines (errors, warnings, closed) as the TCP commands word them.
        std::vector<Event> status;
        for (const Event& e : batch)
            if (e.kind == EventKind::Error || e.kind == EventKind::Warning || e.kind == EventKind::Connected)
                status.push_back(e);
        if (!status.empty()) m_printer.print(status);
    }
    if (m_failure.empty()) {
        if (m_json.failed())
            m_failure = m_json.error();
        else if (m_record.failed())
            m_failure = m_record.error();
        if (!m_failure.empty()) requestStop();
    }
}

void UdpSession::onEvent(const Event& e) {
    if (e.channel != m_main && e.channel != 0) return;
    switch (e.kind) {
    case EventKind::Listening:
        say("listening on " + std::string(e.address()) + " (udp)");  // even when quiet: port 0 needs it
        startSending();
        break;
    case EventKind::Connected:
        startSending();
        break;
    case EventKind::Error:
        // A datagram that could not be sent (too large, the queue full): the
        // channel goes on, but `udp send` did not do what it was asked.
        if (!m_o.listen && e.channel == m_main && m_sendError.empty()) m_sendError = std::string(e.message());
        break;
    case EventKind::Warning:
        if (e.warningCode() == engine::WarningCode::Unreachable) m_unreachable = std::string(e.message());
        break;
    case EventKind::LimitReached:
        m_limitReached = true;
        requestStop();
        break;
    case EventKind::Closed:
        if (e.closeReason() == engine::CloseReason::Error && m_failure.empty()) m_failure = e.info;
        requestStop();
        break;
    case EventKind::Stopped: m_stopped = true; break;
    default: break;
    }
}

}  // namespace

bool isUdpCommand(int argc, const char* const* argv) { return argc >= 2 && std::string_view(argv[1]) == "udp"; }

int runUdpCommand(int argc, const char* const* argv, std::FILE* out, std::FILE* err) {
    UdpOptions o;
    bool help = false;
    try {
        o = parse(argc, argv, help);
    } catch (const UsageError& e) {
        std::fprintf(err, "linewright-cli: udp: %s\n%s",
                     engine::terminalSafe(e.text, engine::TerminalText::Line).c_str(), kUsage);
        return 2;
    }
    if (help) {
        std::fputs(kHelp, out);
        return 0;
    }
    try {
        UdpSession session(std::move(o), out, err);
        return session.run();
    } catch (const std::exception& e) {
        std::fprintf(err, "linewright-cli: %s\n", e.what());
        return 1;
    }
}

}  // namespace cli
