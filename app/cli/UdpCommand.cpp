// UdpCommand.cpp — linewright-cli udp listen / udp send.
#include "app/cli/UdpCommand.h"

#include "app/cli/UdpOptions.h"

#include "app/cli/EventPrinter.h"
#include "app/cli/SessionOutputs.h"
#include "app/cli/SignalWatcher.h"
#include "app/cli/StdinPump.h"
#include "app/cli/StopClock.h"
#include "app/cli/ToolCommands.h"
#include "app/cli/Values.h"

#include "engine/asyncore/Escape.h"
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

constexpr std::size_t kEventBacklog = std::size_t{4} << 20;  // as CliSession

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
    void say(const std::string& line) { sayTo(m_err, line); }
    void handle(const std::vector<Event>& batch);
    void onEvent(const Event& e);
    void startSending();
    void requestStop() {
        if (m_clock.stopRequested()) return;
        m_clock.stop();
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
    SessionOutputs m_outputs;
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
    StopClock m_clock;
    std::string m_failure;
    std::string m_unreachable;  // send: the last unreachable warning
    std::string m_sendError;    // send: the first datagram that could not be sent
};

int UdpSession::run() {
    engine::ReactorOptions ro;
    // send: datagram_sent answers each send (the stdin pump's pacing and the
    // end of `udp send` count on it), so its level is always Full. listen:
    // as the TCP commands (every event for --json / --record, messages for
    // people, lifecycle only for --quiet, where the hot path just counts).
    ro.level = (!m_o.listen || m_o.json || !m_o.recordPath.empty()) ? engine::EventLevel::Full
               : m_o.quiet                                          ? engine::EventLevel::Lifecycle
                                                                    : engine::EventLevel::Messages;
    ro.eventBacklogLimit = kEventBacklog;
    if (int status = m_outputs.start(m_reactor, ro, m_o.json, m_out, m_o.recordPath, m_o.force, m_err); status != 0)
        return status;
    if (m_o.count) m_reactor->setMessageLimit(m_o.count);
    using Mode = engine::cmd::OpenDatagram::Mode;
    m_main = m_reactor->openDatagram(m_o.listen ? Mode::Bind : Mode::Connect, m_o.host, m_o.port, m_o.dgram,
                                     m_o.family);

    SignalWatcher signals([this](int) { m_reactor->shutdown(); });

    m_clock.begin(m_o.timeout);
    std::vector<Event> batch;
    while (!m_stopped) {
        const auto now = std::chrono::steady_clock::now();
        auto cap = std::chrono::steady_clock::duration(std::chrono::hours(1));
        if (m_lingerUntil) cap = std::min(cap, *m_lingerUntil - now);
        if (m_pump && !m_clock.stopRequested()) cap = std::min<std::chrono::steady_clock::duration>(cap, std::chrono::milliseconds(50));
        if (m_reactor->waitAndDrain(batch, m_clock.wait(now, cap))) handle(batch);
        const auto after = std::chrono::steady_clock::now();
        // send: once everything went out, wait --wait for replies, then stop.
        if (!m_o.listen && !m_clock.stopRequested() && !m_o.count && allSent()) {
            if (!m_lingerUntil) m_lingerUntil = after + m_o.wait;
            if (after >= *m_lingerUntil) requestStop();
        }
        if (!m_stopped && m_clock.timeoutPassed(after)) requestStop();
        if (!m_stopped) m_clock.abandonIfOverdue(after, m_err);
    }
    if (m_pump) m_pump->stop();
    m_outputs.close();
    if (m_failure.empty()) m_failure = m_outputs.error();
    if (m_o.stats) {
        const engine::ReactorStats s = m_reactor->stats();
        const double secs =
            std::max(1e-9, std::chrono::duration<double>(std::chrono::steady_clock::now() - m_clock.start()).count());
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
    if (m_clock.timedOut() && m_o.count && !m_limitReached) {
        say("timed out after " + m_o.timeoutText + " s: " + std::to_string(m_reactor->stats().messagesIn) + " of " +
            std::to_string(m_o.count) + " messages received");
        return 1;
    }
    return 0;
}

void UdpSession::startSending() {
    m_sendsStarted = true;
    for (const std::string& data : m_o.sends) {
        // --interval without --repeat: copies until the end (never all sent).
        m_expected += m_o.repeat == 0 ? std::uint64_t{1} << 62 : m_o.repeat;
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
    m_outputs.append(batch);
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
        m_failure = m_outputs.error();
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

int runUdpCommand(const UdpOptions& options, std::FILE* out, std::FILE* err) {
    try {
        UdpSession session(options, out, err);
        return session.run();
    } catch (const std::exception& e) {
        std::fprintf(err, "linewright-cli: %s\n", e.what());
        return 1;
    }
}

}  // namespace cli
