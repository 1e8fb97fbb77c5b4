// CliSession.cpp — the consumer loop of linewright-cli.
#include "app/cli/CliSession.h"

#include "app/cli/SignalWatcher.h"
#include "app/cli/StdinPump.h"
#include "app/cli/ToolCommands.h"
#include "engine/asyncore/Escape.h"
#include "engine/tls/LocalCa.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace cli {

using engine::ChannelId;
using engine::Event;
using engine::EventKind;

namespace {
// Bytes of undrained events past which the reactor stops reading.
constexpr std::size_t kEventBacklog = std::size_t{4} << 20;

std::string formatSeconds(std::chrono::steady_clock::duration d) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", std::chrono::duration<double>(d).count());
    return buf;
}
}  // namespace

CliSession::CliSession(CliOptions options, std::FILE* out, std::FILE* err)
    : m_o(std::move(options)), m_out(out), m_err(err),
      m_printer(out, err, m_o.mode != Mode::Connect, m_o.terminator.framesInput()),
      // A client's built-in STARTTLS dialogue (EHLO, STARTTLS, …) runs first;
      // --send data and stdin wait for the TLS handshake, so that nothing of
      // the user's goes out in plaintext or in the middle of the dialogue.
      m_holdUntilTls(m_o.mode == Mode::Connect && m_o.tls.config.startTls != engine::StartTlsProtocol::None &&
                     m_o.tls.config.startTls != engine::StartTlsProtocol::AfterMatch) {}

CliSession::~CliSession() {
    if (m_pump) m_pump->stop();
}

void CliSession::say(const std::string& line) { sayTo(m_err, line); }

int CliSession::run() {
    engine::ReactorOptions ro;
    ro.backend = m_o.backend;
    ro.level = (m_o.json || !m_o.recordPath.empty()) ? engine::EventLevel::Full
               : m_o.quiet                           ? engine::EventLevel::Lifecycle
                                                     : engine::EventLevel::Messages;
    ro.traceLoop = m_o.traceLoop;
    // The events the reactor holds undrained are memory beyond the listener's
    // input budget (their bytes are a copy of what the channels read), so
    // they are kept short in every mode: 4 MiB is some 20,000 events, tens of
    // milliseconds at full speed, after which the reactor stops reading until
    // this loop has drained them (the default of 64 MiB is for consumers that
    // drain less often). With --record it also bounds how far the file
    // trails the session (a kill -9 loses the undrained events too): the
    // recorder keeps its own queue within 100 ms of event time and makes
    // this loop wait when it is behind.
    ro.eventBacklogLimit = kEventBacklog;
    if (int status = m_outputs.start(m_reactor, ro, m_o.json, m_out, m_o.recordPath, m_o.force, m_err); status != 0)
        return status;
    if (m_o.count) m_reactor->setMessageLimit(m_o.count);

    engine::ChannelOptions co;
    co.terminator = m_o.terminator;
    co.inBufferSize = m_o.inBuffer;
    co.outBufferSize = m_o.outBuffer;
    co.maxMessage = m_o.maxMessage;
    co.highWater = m_o.highWater;
    co.maxBuffered = m_o.maxBuffered;
    co.echo = m_o.echo;
    co.programs = m_o.programs;
    co.tls = m_o.tls.config;
    // (A proxy: either leg's; both legs share one key log.)
    const TlsOptions& keyLogTls = m_o.tls.wanted() || m_o.mode != Mode::Proxy ? m_o.tls : m_o.toTls;
    if ((keyLogTls.wanted() || m_o.proxyStartTls != engine::StartTlsProtocol::None) && !keyLogTls.config.keyLogFile.empty() && !m_o.quiet)
        say("TLS key log: appending session secrets to " + keyLogTls.config.keyLogFile +
            (keyLogTls.keyLogFromEnvironment ? " (from SSLKEYLOGFILE)" : ""));
    if (m_o.mode == Mode::Proxy) {
        if (!co.tls.localCaDir.empty()) {
            // Opened (created) here first, to say which CA clients must trust.
            try {
                m_localCa = engine::tls::LocalCa::open(co.tls.localCaDir);
                const auto& ca = m_localCa;
                say(std::string("TLS: certificates for the names clients ask for, issued by the local CA in ") +
                    ca->directory() + (ca->created() ? " (created now)" : "") + ", SHA-256 " + ca->fingerprint() +
                    "; clients trust " + ca->certificatePath() + " (linewright-cli ca --export FILE)");
            } catch (const std::exception& e) {
                say(std::string("local CA: ") + e.what());
                return 1;
            }
        }
        co.proxy.host = m_o.toHost;
        co.proxy.port = m_o.toPort;
        co.proxy.family = m_o.family;
        co.proxy.serverTerminator = m_o.serverTerminator;
        co.proxy.tls = m_o.toTls.config;
        co.proxy.startTls = m_o.proxyStartTls;
        // Nobody observes the messages (--quiet, no --stats, --json, --record,
        // programs or commands): the legs forward without framing.
        co.frameProxied = !m_o.quiet || m_o.json || !m_o.recordPath.empty() || m_o.stats || !m_o.programs.empty() ||
                          m_o.proxyCommands;
        m_printer.setProxy(m_o.serverTerminator.framesInput());
        m_main = m_reactor->openServer(m_o.host, m_o.port, co);
    } else if (m_o.mode == Mode::Listen) {
        m_main = m_reactor->openServer(m_o.host, m_o.port, co);
    } else {
        m_main = m_reactor->openClient(m_o.host, m_o.port, co, m_o.family);
        if (!m_holdUntilTls) pushSends(m_main);  // queued until connected
    }

    SignalWatcher signals([this](int sig) {
        m_signal = sig;
        m_reactor->shutdown();
    });

    if (!m_holdUntilTls) startStdin();

    m_clock.begin(m_o.timeout);
    std::vector<Event> batch;
    while (!m_stopped) {
        if (m_reactor->waitAndDrain(batch, m_clock.wait(std::chrono::steady_clock::now()))) handle(batch);

        const auto after = std::chrono::steady_clock::now();
        if (!m_stopped && m_clock.timeoutPassed(after)) requestStop();
        if (!m_stopped) m_clock.abandonIfOverdue(after, m_err);
    }
    const auto elapsed = std::chrono::steady_clock::now() - m_clock.start();
    if (m_pump) m_pump->stop();
    m_outputs.close();
    if (m_failure.empty()) m_failure = m_outputs.error();
    if (m_o.stats) printStats(elapsed);
    return conclude();
}

void CliSession::startStdin() {
    if (!m_o.readsStdin() || m_pump) return;
    const std::string ending = m_o.mode == Mode::Proxy     ? std::string("\n")
                               : m_o.terminator.isBytes() ? m_o.terminator.bytesValue()
                                                          : std::string("\n");
    m_pump = std::make_unique<StdinPump>(
        ending, [this](std::string bytes) { return onStdinLine(std::move(bytes)); }, [this] { onStdinEof(); });
    m_pump->start();
}

void CliSession::pushSends(ChannelId ch) {
    for (const std::string& data : m_o.sends) {
        if (m_o.interval.count() > 0 || m_o.repeat > 1)
            m_reactor->pushRepeat(ch, data, m_o.repeat, m_o.interval);
        else
            m_reactor->push(ch, data);
    }
    for (const std::string& path : m_o.sendFiles) m_reactor->pushFile(ch, path);
}

void CliSession::handle(const std::vector<Event>& batch) {
    m_outputs.append(batch);
    if (human()) m_printer.print(batch);
    std::size_t pushAnswers = 0;  // every push command is answered by a push event, or an error
    for (const Event& e : batch) {
        onEvent(e);
        if (e.kind == EventKind::Push || e.kind == EventKind::Error) ++pushAnswers;
    }
    // After the whole batch: a high_water after a push is seen before the
    // pump may go on.
    if (m_pump && pushAnswers > 0) m_pump->acknowledge(pushAnswers);
    if (m_failure.empty()) {
        m_failure = m_outputs.error();
        if (m_failure.empty() && m_printer.outputFailed())
            m_failure = std::string("cannot write stdout: ") + std::strerror(errno ? errno : EPIPE);
        if (!m_failure.empty()) requestStop();
    }
}

void CliSession::onEvent(const Event& e) {
    const ChannelId ch = e.channel;
    switch (e.kind) {
    case EventKind::Listening:
        if (ch == m_main) {
            say("listening on " + e.info);  // even when quiet: port 0 needs it
            // Even when quiet: a client checks the certificate against it.
            if (!e.aux.empty())
                say("TLS: no --cert/--key given, so a self-signed certificate was generated; SHA-256 fingerprint " +
                    e.aux);
        }
        break;
    case EventKind::TlsHandshake:
        if (ch == m_main && m_holdUntilTls) {
            // The STARTTLS dialogue is over and TLS is up: now the user's data.
            m_holdUntilTls = false;
            pushSends(m_main);
            startStdin();
        }
        break;
    case EventKind::Accepted: {
        std::lock_guard<std::mutex> lock(m_liveMutex);
        m_live.insert(ch);
        if (e.upstream() != 0) m_pairs[ch] = e.upstream();
        if (m_finishing) {
            m_reactor->closeWhenDone(ch);
        } else {
            pushSends(ch);  // a greeting for every connection
        }
        break;
    }
    case EventKind::Connected:
        if (ch == m_main) m_connected = true;
        break;
    case EventKind::HighWater:
    case EventKind::LowWater:
        if (e.kind == EventKind::HighWater)
            m_aboveHighWater.insert(ch);
        else
            m_aboveHighWater.erase(ch);
        if (m_pump) m_pump->setThrottled(!m_aboveHighWater.empty());
        break;
    case EventKind::LimitReached:
        m_limitReached = true;
        beginFinish();
        break;
    case EventKind::Closed: {
        m_aboveHighWater.erase(ch);
        if (m_pump) m_pump->setThrottled(!m_aboveHighWater.empty());
        bool noneLeft = false;
        {
            std::lock_guard<std::mutex> lock(m_liveMutex);
            m_live.erase(ch);
            m_pairs.erase(ch);
            noneLeft = m_live.empty();
        }
        if (ch == m_main) {
            m_mainClosed.store(true, std::memory_order_release);
            if (e.closeReason() == engine::CloseReason::Error) {
                if (m_failure.empty()) m_failure = e.info;
                requestStop();
            } else if (m_o.mode == Mode::Connect) {
                if (e.closeReason() == engine::CloseReason::Peer && m_failure.empty()) {
                    if (e.error != 0)
                        m_failure = e.error == static_cast<int>(std::errc::connection_reset)
                                        ? "connection reset by peer"
                                        : "connection lost: " + e.info;
                    else if (m_o.count && !m_limitReached && e.state)
                        m_failure = "connection closed by peer after " + std::to_string(e.state->messagesIn) +
                                    " of " + std::to_string(m_o.count) + " messages";
                }
                requestStop();
            }
        }
        if (m_finishing && noneLeft) requestStop();
        break;
    }
    case EventKind::Stopped: m_stopped = true; break;
    default: break;
    }
}

void CliSession::beginFinish() {
    if (m_finishing) return;
    m_finishing = true;
    if (m_o.mode == Mode::Connect) {
        m_reactor->closeWhenDone(m_main);  // replies still queued go out first
        return;
    }
    m_reactor->close(m_main);  // no new connections
    std::lock_guard<std::mutex> lock(m_liveMutex);
    for (ChannelId id : m_live) m_reactor->closeWhenDone(id);
    if (m_live.empty()) requestStop();
}

void CliSession::requestStop() {
    if (m_clock.stopRequested()) return;
    m_clock.stop();
    m_reactor->shutdown();
}

std::size_t CliSession::onStdinLine(std::string bytes) {
    // Runs on the pump's thread: only thread-safe calls here. The bytes are
    // moved, not copied, into the (last) push command.
    if (m_o.mode == Mode::Connect) {
        m_reactor->push(m_main, std::move(bytes));
        return 1;
    }
    if (m_o.mode == Mode::Proxy) {
        proxyCommand(std::move(bytes));
        return 0;  // no push to acknowledge
    }
    std::lock_guard<std::mutex> lock(m_liveMutex);
    const std::size_t n = m_live.size();
    std::size_t left = n;
    for (ChannelId id : m_live) {
        if (--left == 0)
            m_reactor->push(id, std::move(bytes));
        else
            m_reactor->push(id, bytes);
    }
    return n;
}

void CliSession::proxyCommand(std::string line) {
    // Runs on the pump's thread: only thread-safe calls here.
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    const auto trim = [](std::string_view s) {
        while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
        while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
        return s;
    };
    std::string_view rest = trim(line);
    if (rest.empty()) return;
    const std::string usage =
        "expected 'terminator T', 'client-terminator T' or 'server-terminator T', optionally after '#N '";
    std::optional<ChannelId> pair;
    if (rest.front() == '#') {
        const std::size_t end = rest.find_first_of(" \t");
        const std::string_view number = rest.substr(1, end == std::string_view::npos ? std::string_view::npos : end - 1);
        ChannelId n = 0;
        bool ok = !number.empty() && number.size() <= 18;
        for (const char c : number) ok = ok && c >= '0' && c <= '9';
        if (ok)
            for (const char c : number) n = n * 10 + static_cast<ChannelId>(c - '0');
        if (!ok || end == std::string_view::npos) {
            say("command " + std::string(rest) + ": " + usage);
            return;
        }
        pair = n;
        rest = trim(rest.substr(end));
    }
    const std::size_t space = rest.find_first_of(" \t");
    const std::string verb(rest.substr(0, space));
    const std::string spec(space == std::string_view::npos ? std::string_view() : trim(rest.substr(space)));
    const bool client = verb == "terminator" || verb == "client-terminator";
    const bool server = verb == "terminator" || verb == "server-terminator";
    if ((!client && !server) || spec.empty()) {
        say("command " + line + ": " + usage);
        return;
    }
    std::string error;
    const auto t = engine::parseTerminatorSpec(spec, &error);
    if (!t) {
        say("command " + line + ": " + error);
        return;
    }
    std::lock_guard<std::mutex> lock(m_liveMutex);
    if (pair) {
        const auto it = m_pairs.find(*pair);
        if (it == m_pairs.end()) {
            std::string open;
            for (const auto& [a, u] : m_pairs) open += (open.empty() ? "#" : ", #") + std::to_string(a);
            say("command " + line + ": no open proxied connection #" + std::to_string(*pair) +
                (open.empty() ? std::string(" (none is open)") : " (open: " + open + ")"));
            return;
        }
        if (client) m_reactor->setTerminator(it->first, *t);
        if (server) m_reactor->setTerminator(it->second, *t);
        return;
    }
    // Every open pair, and the connections still to come.
    if (client) {
        m_reactor->setTerminator(m_main, *t);
        m_printer.setClientFramed(t->framesInput());
    }
    if (server) {
        m_reactor->setProxyServerTerminator(m_main, *t);
        m_printer.setServerFramed(t->framesInput());
    }
    for (const auto& [accepted, upstream] : m_pairs) {
        if (client) m_reactor->setTerminator(accepted, *t);
        if (server) m_reactor->setTerminator(upstream, *t);
    }
}

void CliSession::onStdinEof() {
    // Like ncat: the peer sees end-of-file, and replies still come back.
    // Once the connection is gone there is nothing to half-close (and no
    // "cannot half-close" error to put in the session).
    if (m_o.mode == Mode::Connect && !m_mainClosed.load(std::memory_order_acquire)) m_reactor->halfClose(m_main);
}

void CliSession::printStats(std::chrono::steady_clock::duration elapsed) {
    const engine::ReactorStats s = m_reactor->stats();
    const double secs = std::max(1e-9, std::chrono::duration<double>(elapsed).count());
    char rate[64];
    std::snprintf(rate, sizeof rate, "%.0f", static_cast<double>(s.messagesIn) / secs);
    std::string conns = m_o.mode != Mode::Connect
                            ? std::to_string(s.accepted) + " accepted (peak " + std::to_string(s.peakChannels > 0 ? s.peakChannels - 1 : 0) +
                                  " open at once)"
                            : std::string(m_connected ? "1 (connected)" : "1 (never connected)");
    say("stats: " + formatSeconds(elapsed) + " s; connections: " + conns + "; messages: " +
        std::to_string(s.messagesIn) + " in (" + rate + "/s), " + std::to_string(s.messagesOut) + " out; bytes: " +
        std::to_string(s.bytesIn) + " in, " + std::to_string(s.bytesOut) + " out; loop passes: " +
        std::to_string(s.passes) + "; events: " + std::to_string(s.events));
}

int CliSession::conclude() {
    if (!m_failure.empty()) {
        if (!(human() && m_printer.alreadySaid(m_failure))) say(m_failure);
        return 1;
    }
    if (m_clock.timedOut()) {
        if (m_o.count && !m_limitReached) {
            say("timed out after " + m_o.timeoutText + " s: " + std::to_string(m_reactor->stats().messagesIn) + " of " +
                std::to_string(m_o.count) + " messages received");
            return 1;
        }
        if (m_o.mode == Mode::Connect && !m_connected) {
            say("timed out after " + m_o.timeoutText + " s connecting to " + m_o.host + " port " +
                std::to_string(m_o.port));
            return 1;
        }
    }
    return 0;
}

}  // namespace cli
