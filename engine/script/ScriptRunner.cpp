// ScriptRunner.cpp — a script's steps on AsyncChat connections in one loop.
#include "engine/script/ScriptRunner.h"

#include "engine/asyncore/AsyncChat.h"
#include "engine/asyncore/Escape.h"
#include "engine/net/Address.h"
#include "engine/net/SocketOps.h"
#include "engine/program/ProgramRunner.h"
#include "engine/tls/PlainTap.h"
#include "engine/tls/StartTlsDialog.h"
#include "engine/tls/TlsContext.h"
#include "engine/tls/TlsLayer.h"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <cmath>
#include <map>
#include <memory>
#include <system_error>
#include <unordered_map>

namespace engine::script {

namespace {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point t, Clock::time_point now) {
    return std::chrono::duration<double, std::milli>(now - t).count();
}

std::string shortEscaped(std::string_view bytes, std::size_t limit = 200) {
    std::string out = renderEscaped(bytes.substr(0, limit));
    if (bytes.size() > limit) out += "... (" + std::to_string(bytes.size()) + " bytes)";
    return out;
}

std::string matcherName(program::Rule::Match m) {
    using M = program::Rule::Match;
    switch (m) {
    case M::Equals: return "equals";
    case M::Prefix: return "prefix";
    case M::Suffix: return "suffix";
    case M::Contains: return "contains";
    case M::Regex: return "regex";
    case M::Any: return "any";
    }
    return "?";
}

}  // namespace

// --- One connection running the script ---------------------------------------------------------

class ScriptRunner::Session {
public:
    enum class State { Running, Connecting, Expecting, ExpectingClose, Waiting, Flushing, StartTls, Held, Done };
    /// A send waits while this much is queued and not yet sent (a peer that does not read).
    static constexpr std::size_t kMaxUnsent = std::size_t{1} << 20;

    Session(const Script& script, const RunOptions& options, Loop& loop,
            std::map<std::string, std::vector<Address>>& resolved)
        : m_script(script), m_options(options), m_loop(loop), m_resolved(resolved) {}
    ~Session() {
        dropChat();
        reap();  // never inside a hook: the runner destroys sessions after its loop's last pass
    }

    void start(Clock::time_point now) {
        m_pc = 0;
        m_vars.clear();
        m_repeats.clear();
        m_framing = Terminator::bytes("\r\n");
        m_oneShot.reset();
        m_program.reset();
        m_timeoutMs = m_options.defaultTimeoutMs;
        m_failure.reset();
        m_dialog.reset();
        m_stepsRun = 0;
        m_stepsBegun = 0;
        m_started = now;
        m_state = State::Running;
        advance(now);
    }

    bool done() const noexcept { return m_state == State::Done; }
    /// Takes `d` off the run's time (a paused loop's time): every deadline
    /// and the step's start move on by it.
    void shift(Clock::duration d) {
        m_deadline += d;
        m_stepStart += d;
        m_started += d;
    }
    bool passed() const noexcept { return m_state == State::Done && !m_failure; }
    const std::optional<StepFailure>& failure() const noexcept { return m_failure; }
    std::uint64_t stepsRun() const noexcept { return m_stepsRun; }
    std::optional<Clock::time_point> deadline() const {
        if (m_state == State::Connecting || m_state == State::Expecting || m_state == State::ExpectingClose ||
            m_state == State::Waiting || m_state == State::Flushing || m_state == State::StartTls)
            return m_deadline;
        return std::nullopt;
    }
    std::uint64_t bytesSent = 0;
    std::uint64_t bytesReceived = 0;
    std::function<void(const StepDone&)> onStep;
    std::vector<std::uint32_t>* latencies = nullptr;

    /// A session event, when recording (RunOptions::record).
    void emit(Event e, bool reactor = false) {
        if (!m_options.record) return;
        e.seq = ++m_seq;
        e.tUs = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - m_t0).count();
        e.channel = reactor ? 0 : m_channel;
        m_options.record->push_back(std::move(e));
    }
    void setRecordStart(Clock::time_point t0) { m_t0 = t0; }
    void recordClose(CloseReason reason, std::string detail) {
        if (!m_options.record || m_closeRecorded || m_channel == 0) return;
        m_closeRecorded = true;
        Event e;
        e.kind = EventKind::Closed;
        e.sub = static_cast<std::uint8_t>(reason);
        e.info = std::move(detail);
        emit(std::move(e));
    }

    /// Time passed: a deadline may have come, or a stop was asked for.
    void tick(Clock::time_point now) {
        if (m_state == State::Done) return;
        if (m_options.cancel && m_options.cancel->load()) {
            fail(now, "interrupted", "", "");
            return;
        }
        if (m_state == State::Held) {
            if (m_options.stepBudget && m_stepsBegun >= m_options.stepBudget->load()) return;
            m_state = State::Running;
            advance(now);
            return;
        }
        if (!deadline() || now < m_deadline) return;
        const Step& st = m_script.steps()[m_pc];
        switch (m_state) {
        case State::Waiting:
            passStep(now, {});
            advance(now);
            return;
        case State::Connecting:
            fail(now,
                 (m_connected ? "no TLS handshake within " : "no connection within ") + std::to_string(m_timeoutMs) +
                     " ms",
                 "a connection", "nothing");
            return;
        case State::StartTls:
            fail(now, "the STARTTLS upgrade was not done within " + std::to_string(m_timeoutMs) + " ms",
                 m_dialog ? std::string(startTlsProtocolName(m_dialog->protocol())) + " STARTTLS dialogue"
                          : std::string("a TLS handshake"),
                 pendingText());
            return;
        case State::Expecting:
            fail(now, "timed out after " + std::to_string(st.ms >= 0 ? st.ms : m_timeoutMs) + " ms",
                 expectedText(st), pendingText());
            return;
        case State::ExpectingClose:
            fail(now, "timed out after " + std::to_string(st.ms >= 0 ? st.ms : m_timeoutMs) + " ms",
                 "the peer to close the connection", pendingText());
            return;
        case State::Flushing:
            fail(now,
                 "the peer did not read for " + std::to_string(m_timeoutMs) + " ms (" + std::to_string(m_unsent) +
                     " bytes wait to be sent)",
                 "the peer to read", "");
            return;
        default: return;
        }
    }

    // --- Called by the connection -------------------------------------------------------------
    bool wantsRead() const noexcept {
        return m_state == State::Expecting || m_state == State::ExpectingClose || m_state == State::StartTls ||
               (m_state == State::Held && m_connected && m_in.size() - m_pos < m_options.maxMessage) ||
               m_in.size() - m_pos < m_options.maxMessage;
    }
    void onConnected() {
        if (m_state != State::Connecting) return;
        m_connected = true;
        {
            Event e;
            e.kind = EventKind::Connected;
            e.info = m_target;
            e.aux = localAddress();
            emit(std::move(e));
        }
        if (step().tls) {  // the handshake is part of the step: onTlsReady() passes it
            chatStartTls();
            return;
        }
        const auto now = Clock::now();
        passStep(now, "to " + m_target);
        advance(now);
    }
    /// The TLS handshake of a `connect … tls` or a `starttls` completed.
    void onTlsReady(const TlsHandshakeInfo& info) {
        if (m_state != State::Connecting && m_state != State::StartTls) return;
        std::string detail = m_state == State::Connecting ? "to " + m_target + " over " : std::string("upgraded to ");
        detail += info.version + " (" + info.cipher + ")";
        if (info.verifySkipped) detail += ", not verified (insecure): " + info.verifyResult;
        m_dialog.reset();
        const auto now = Clock::now();
        passStep(now, std::move(detail));
        advance(now);
    }
    void onData(std::string_view data) {
        bytesReceived += data.size();
        m_in.append(data);
    }
    void onSent(std::string_view written) {
        const std::size_t n = written.size();
        if (n) {
            Event e;
            e.kind = EventKind::Sent;
            e.size = static_cast<std::int64_t>(n);
            e.data = std::string(written);
            emit(std::move(e));
        }
        m_unsent -= std::min(m_unsent, n);
        if (m_state == State::Flushing && m_unsent <= kMaxUnsent / 4) {
            const auto now = Clock::now();
            passStep(now, {});
            advance(now);
        }
    }
    void afterRead() {
        if (m_state == State::Expecting) advance(Clock::now());
        else if (m_state == State::StartTls && m_dialog && !m_dialog->finished()) dialogue(Clock::now());
    }
    void onClosed(std::string how) {
        m_peerClosed = true;
        recordClose(how == "closed" ? CloseReason::Peer : CloseReason::Error, how == "closed" ? "eof" : how);
        m_closedHow = std::move(how);
        const auto now = Clock::now();
        if (m_state == State::Connecting) {
            fail(now, (m_connected ? "TLS handshake failed: " : "connect failed: ") + m_closedHow, "a connection",
                 "nothing");
            return;
        }
        if (m_state == State::StartTls) {
            fail(now,
                 (m_chat && chatTlsStarted() ? "TLS handshake failed: " : "the peer closed the connection: ") +
                     m_closedHow,
                 m_dialog ? std::string(startTlsProtocolName(m_dialog->protocol())) + " STARTTLS dialogue"
                          : std::string("a TLS handshake"),
                 pendingText());
            return;
        }
        if (m_state == State::ExpectingClose) {
            passStep(now, {});
            advance(now);
            return;
        }
        if (m_state == State::Flushing) {
            fail(now, "the peer closed the connection (" + m_closedHow + ")", "to send", "");
            return;
        }
        if (m_state == State::Expecting) advance(now);  // what is buffered first, then the close
    }

    class Chat;

private:
    struct Repeat {
        std::size_t begin;
        std::uint64_t remaining;
    };

    const Step& step() const { return m_script.steps()[m_pc]; }

    void advance(Clock::time_point now) {
        const auto& steps = m_script.steps();
        const bool stepping = m_options.stepBudget || m_options.onBegin;
        while (m_state == State::Running || m_state == State::Expecting) {
            if (m_pc >= steps.size()) {
                dropChat();
                m_state = State::Done;
                return;
            }
            const Step& st = steps[m_pc];
            if (m_state == State::Expecting) {
                if (!tryExpect(st, now)) return;
                continue;
            }
            if (stepping && st.kind != Step::Kind::RepeatEnd) {
                if (m_options.stepBudget && m_stepsBegun >= m_options.stepBudget->load()) {
                    m_state = State::Held;
                    if (m_options.onHeld) m_options.onHeld(m_pc);
                    return;
                }
                ++m_stepsBegun;
                if (m_options.onBegin) m_options.onBegin(m_pc);
            }
            m_stepStart = now;
            m_stepOut = m_stepIn = -1;
            switch (st.kind) {
            case Step::Kind::Connect: {
                dropChat();
                m_peerClosed = false;
                m_connected = false;
                m_unsent = 0;
                m_in.clear();
                m_pos = 0;
                m_scan = 0;
                m_rxBase = bytesReceived;
                m_txBase = bytesSent;
                const std::string host = m_options.host.empty() ? st.host : m_options.host;
                const std::uint16_t port = m_options.host.empty() ? st.port : m_options.port;
                const std::string key = host + ":" + std::to_string(port);
                auto it = m_resolved.find(key);
                if (it == m_resolved.end()) {
                    std::string why;
                    auto addrs = Address::resolve(host, port, 0, why);
                    it = m_resolved.emplace(key, std::move(addrs)).first;
                    if (it->second.empty()) m_resolveError[key] = why;
                }
                if (it->second.empty()) {
                    fail(now, "cannot resolve " + key + ": " + m_resolveError[key], "a connection", "nothing");
                    return;
                }
                m_target = it->second.front().toString();
                m_host = host;
                if (st.tls && !tlsContext()) return;  // failed: the CA file, certificate, …
                ++m_channel;
                m_closeRecorded = false;
                {
                    Event e;
                    e.kind = EventKind::Connecting;
                    e.info = m_target;
                    e.aux = host;
                    e.size = port;
                    emit(std::move(e));
                }
                try {
                    makeChat(it->second.front());
                } catch (const std::exception& e) {
                    fail(now, "connect to " + it->second.front().toString() + ": " + e.what(), "a connection",
                         "nothing");
                    return;
                }
                m_state = State::Connecting;
                m_deadline = now + std::chrono::milliseconds(m_timeoutMs);
                return;
            }
            case Step::Kind::Timeout: m_timeoutMs = st.ms; break;
            case Step::Kind::Terminator:
                m_scan = m_pos;  // a new terminator is searched for from the start
                if (!st.countVariable.empty()) {
                    const std::string v = variable(st.countVariable);
                    std::uint64_t n = 0;
                    bool ok = !v.empty() && v.size() <= 10;
                    for (char c : v) {
                        if (c < '0' || c > '9') ok = false;
                        else n = n * 10 + static_cast<std::uint64_t>(c - '0');
                    }
                    if (!ok || n > m_options.maxMessage) {
                        fail(now, "${" + st.countVariable + "} is '" + shortEscaped(v, 40) +
                                      "', not a count from 0 to " + std::to_string(m_options.maxMessage),
                             "a count", shortEscaped(v, 40));
                        return;
                    }
                    m_oneShot = Terminator::count(static_cast<long long>(n));
                } else if (st.terminator.isCount()) {
                    if (st.terminator.countValue() > m_options.maxMessage) {
                        fail(now, "count " + std::to_string(st.terminator.countValue()) + " is above the max message (" +
                                      std::to_string(m_options.maxMessage) + " bytes)",
                             "a count", "");
                        return;
                    }
                    m_oneShot = st.terminator;
                } else {
                    m_program.reset();
                    m_oneShot.reset();
                    m_framing = st.terminator;
                }
                break;
            case Step::Kind::Preset:
                m_scan = m_pos;
                m_oneShot.reset();
                m_program = std::make_unique<program::ProgramRunner>(st.program, program::Sender::Server,
                                                                     m_options.maxMessage);
                break;
            case Step::Kind::Send: {
                if (!needConnection(now, "to send")) return;
                std::string bytes = render(st.text);
                if (!st.raw) bytes += sendTerminator();
                m_stepOut = static_cast<std::int64_t>(bytesSent - m_txBase);
                bytesSent += bytes.size();
                m_unsent += bytes.size();
                {
                    Event e;
                    e.kind = EventKind::Push;
                    e.sub = static_cast<std::uint8_t>(ProducerKind::Bytes);
                    e.size = static_cast<std::int64_t>(bytes.size());
                    emit(std::move(e));
                }
                pushToChat(std::move(bytes));
                if (m_state == State::Done) return;  // the push found the connection gone (a send error)
                if (m_unsent > kMaxUnsent) {
                    m_state = State::Flushing;
                    m_deadline = now + std::chrono::milliseconds(m_timeoutMs);
                    return;
                }
                break;
            }
            case Step::Kind::Expect:
                m_state = State::Expecting;
                m_seen = 0;
                m_lastSeen.clear();
                m_deadline = now + std::chrono::milliseconds(st.ms >= 0 ? st.ms : m_timeoutMs);
                continue;
            case Step::Kind::ExpectClose:
                if (m_peerClosed || !m_chat) break;
                m_state = State::ExpectingClose;
                m_deadline = now + std::chrono::milliseconds(st.ms >= 0 ? st.ms : m_timeoutMs);
                return;
            case Step::Kind::Wait:
                m_state = State::Waiting;
                m_deadline = now + std::chrono::milliseconds(st.ms);
                return;
            case Step::Kind::Set: {
                std::string v = render(st.text);
                if (v.size() > m_options.maxMessage) {
                    fail(now,
                         "${" + st.name + "} would be " + std::to_string(v.size()) + " bytes, above the max message (" +
                             std::to_string(m_options.maxMessage) + " bytes)",
                         "", "");
                    return;
                }
                m_vars[st.name] = std::move(v);
                break;
            }
            case Step::Kind::Assert: {
                const std::string a = render(st.text);
                bool ok = false;
                std::string expected;
                if (st.compare == Step::Compare::Matches) {
                    std::vector<std::string_view> caps;
                    ok = program::ProgramRunner::matchMessage(st.rule, a, caps);
                    expected = "a match of regex '" + printableAscii(st.other.source) + "'";
                } else {
                    const std::string b = render(st.other);
                    ok = (a == b) == (st.compare == Step::Compare::Equal);
                    expected = (st.compare == Step::Compare::Equal ? "'" : "not '") + shortEscaped(b) + "'";
                }
                if (!ok) {
                    fail(now, "assertion failed", expected, "'" + shortEscaped(a) + "'");
                    return;
                }
                break;
            }
            case Step::Kind::RepeatBegin:
                if (st.count == 0) {
                    m_pc = st.jump + 1;
                    ++m_stepsRun;
                    continue;
                }
                m_repeats.push_back({m_pc, st.count});
                break;
            case Step::Kind::RepeatEnd:
                if (!m_repeats.empty() && --m_repeats.back().remaining > 0) {
                    m_pc = m_repeats.back().begin + 1;
                    continue;
                }
                if (!m_repeats.empty()) m_repeats.pop_back();
                break;
            case Step::Kind::Close: dropChat(); break;
            case Step::Kind::StartTls: {
                if (!needConnection(now, "a connection to upgrade")) return;
                if (chatTlsStarted()) {
                    fail(now, "the connection is already over TLS", "a plaintext connection", "");
                    return;
                }
                if (!tlsContext()) return;
                m_state = State::StartTls;
                m_deadline = now + std::chrono::milliseconds(m_timeoutMs);
                if (st.tlsConfig.startTls == StartTlsProtocol::None) {
                    upgrade(now);
                    return;
                }
                m_dialog.emplace(st.tlsConfig.startTls, std::string_view{}, false);
                if (!dialogueStep(now, m_dialog->start())) return;
                dialogue(now);
                return;
            }
            }
            passStep(now, {});
        }
    }

    // The TLS context of the step at m_pc (made once per step and kept); null
    // after failing the step with OpenSSL's reason (a CA file that does not load, …).
    std::shared_ptr<const tls::TlsContext> tlsContext() {
        auto& c = m_tlsContexts[m_pc];
        if (c) return c;
        TlsConfig config = step().tlsConfig;
        config.enabled = true;
        config.startTls = StartTlsProtocol::None;
        config.handshakeTimeoutMs = static_cast<std::uint32_t>(std::min<std::int64_t>(m_timeoutMs, 86400000));
        try {
            c = tls::TlsContext::create(config, tls::TlsRole::Client);
        } catch (const std::exception& e) {
            fail(Clock::now(), std::string("TLS: ") + e.what(), "a TLS configuration", "");
            m_tlsContexts.erase(m_pc);
            return nullptr;
        }
        return c;
    }

    // True when the step has an open connection to use; else the step fails,
    // having expected `wanted`.
    bool needConnection(Clock::time_point now, std::string wanted) {
        if (m_chat && m_connected && !m_peerClosed) return true;
        fail(now, m_peerClosed ? "the peer closed the connection (" + m_closedHow + ")" : std::string("not connected"),
             std::move(wanted), "");
        return false;
    }

    // STARTTLS, built-in dialogue: each received line to it, what it says sent.
    void dialogue(Clock::time_point now) {
        while (m_state == State::StartTls && m_dialog && !m_dialog->finished()) {
            const std::size_t nl = m_in.find('\n', m_pos);
            if (nl == std::string::npos) {
                if (m_in.size() - m_pos > kMaxDialogueLine)
                    fail(now, "a line above " + std::to_string(kMaxDialogueLine) + " bytes in the STARTTLS dialogue",
                         std::string(startTlsProtocolName(m_dialog->protocol())) + " STARTTLS dialogue", pendingText());
                else if (m_peerClosed)
                    fail(now, "the peer closed the connection (" + m_closedHow + ")",
                         std::string(startTlsProtocolName(m_dialog->protocol())) + " STARTTLS dialogue", pendingText());
                return;
            }
            const std::string line = m_in.substr(m_pos, nl + 1 - m_pos);
            m_pos = nl + 1;
            if (m_options.record) {
                Event e;
                e.kind = EventKind::Collect;
                e.size = static_cast<std::int64_t>(line.size());
                e.data = line;
                emit(std::move(e));
            }
            if (!dialogueStep(now, m_dialog->onLine(line))) return;
        }
    }
    // One step of the dialogue; false when the step failed.
    bool dialogueStep(Clock::time_point now, const tls::StartTlsDialog::Step& d) {
        if (!d.send.empty()) {
            bytesSent += d.send.size();
            m_unsent += d.send.size();
            Event e;
            e.kind = EventKind::Push;
            e.sub = static_cast<std::uint8_t>(ProducerKind::Bytes);
            e.size = static_cast<std::int64_t>(d.send.size());
            emit(std::move(e));
            pushToChat(d.send);
            if (m_state == State::Done) return false;
        }
        if (d.failed) {
            fail(now, d.reason, std::string(startTlsProtocolName(m_dialog->protocol())) + " STARTTLS dialogue",
                 pendingText());
            return false;
        }
        if (d.upgrade) upgrade(now);
        return m_state != State::Done;
    }
    // The handshake, once what was sent has gone out. Bytes the peer sent that
    // the script did not read would pass as if TLS protected them: refused.
    void upgrade(Clock::time_point now) {
        compact();
        if (m_pos < m_in.size()) {
            fail(now,
                 std::to_string(m_in.size() - m_pos) +
                     " bytes came before the TLS handshake and were not read (refused: they would pass as protected)",
                 "nothing before the handshake", pendingText());
            return;
        }
        m_in.clear();
        m_pos = m_scan = 0;
        if (auto c = tlsContext()) chatUpgrade(std::move(c));
    }

    // The expect at m_pc: reads messages; true when it matched (m_pc moved on).
    bool tryExpect(const Step& st, Clock::time_point now) {
        for (;;) {
            std::string_view msg;
            std::string error;
            if (!frame(msg, error)) {
                if (!error.empty()) {
                    fail(now, error, expectedText(st), pendingText());
                    return false;
                }
                if (m_peerClosed || !m_chat) {
                    fail(now, m_chat ? "the peer closed the connection (" + m_closedHow + ")" : std::string("not connected"), expectedText(st),
                         m_seen ? "'" + m_lastSeen + "' then the close" : pendingText());
                    return false;
                }
                return false;
            }
            ++m_seen;
            program::Rule literal;
            const program::Rule* rule = &st.rule;
            if (st.rule.match != program::Rule::Match::Regex && !st.text.isLiteral()) {
                literal.match = st.rule.match;
                literal.literal = render(st.text);
                rule = &literal;
            }
            if (program::ProgramRunner::matchMessage(*rule, msg, m_caps)) {
                if (st.rule.match == program::Rule::Match::Regex) {
                    for (std::size_t i = 0; i < st.captures.size(); ++i)
                        m_vars[st.captures[i]] = i + 1 < m_caps.size() ? std::string(m_caps[i + 1]) : std::string();
                } else if (!st.captures.empty()) {
                    m_vars[st.captures[0]] = std::string(msg);
                }
                const auto t = Clock::now();
                if (latencies) {
                    const double us = std::chrono::duration<double, std::micro>(t - m_stepStart).count();
                    latencies->push_back(static_cast<std::uint32_t>(std::min(us, 4.0e9)));
                }
                m_state = State::Running;
                m_stepIn = static_cast<std::int64_t>(bytesReceived - m_rxBase) -
                           static_cast<std::int64_t>(m_in.size() - static_cast<std::size_t>(msg.data() - m_in.data()));
                passStep(t, "'" + shortEscaped(msg) + "'");
                return true;
            }
            m_lastSeen = shortEscaped(msg);
            if (m_seen >= st.within) {
                fail(now,
                     st.within == 1 ? std::string("the next message did not match")
                                    : "none of the next " + std::to_string(st.within) + " messages matched",
                     expectedText(st), "'" + m_lastSeen + "'");
                return false;
            }
        }
    }

    // The next message by the framing in force, as a view valid until the next frame().
    bool frame(std::string_view& msg, std::string& error) {
        compact();
        const std::string_view avail = std::string_view(m_in).substr(m_pos);
        const bool oneShot = m_oneShot.has_value();
        Terminator t = oneShot ? *m_oneShot : m_program ? m_program->nextTerminator() : m_framing;
        std::string_view termBytes;
        if (t.isBytes() && !t.bytesValue().empty()) {
            const std::string& tb = t.bytesValue();
            const std::size_t from = m_scan > m_pos + tb.size() ? m_scan - m_pos - tb.size() : 0;
            const std::size_t at = findTerminator(avail.substr(from), tb);
            if (at == std::string_view::npos) {
                m_scan = m_in.size();
                if (avail.size() > m_options.maxMessage + tb.size())
                    error = "no terminator '" + renderEscaped(tb) + "' in the first " +
                            std::to_string(m_options.maxMessage) + " bytes (the max message)";
                return false;
            }
            msg = avail.substr(0, from + at);
            termBytes = avail.substr(from + at, tb.size());
            m_pos += from + at + tb.size();
        } else if (t.isCount()) {
            if (avail.size() < t.countValue()) return false;
            msg = avail.substr(0, t.countValue());
            m_pos += t.countValue();
        } else {
            if (avail.empty()) return false;
            msg = avail.substr(0, std::min(avail.size(), m_options.maxMessage));
            m_pos += msg.size();
        }
        m_scan = m_pos;
        m_oneShot.reset();
        if (m_options.record) {
            if (!msg.empty()) {
                Event e;
                e.kind = EventKind::Collect;
                e.size = static_cast<std::int64_t>(msg.size());
                e.data = std::string(msg);
                emit(std::move(e));
            }
            if (t.framesInput()) {  // asynchat calls found_terminator (a count as count 0, R8)
                Event e;
                e.kind = EventKind::FoundTerminator;
                e.size = static_cast<std::int64_t>(msg.size());
                e.setTerminator(t.isCount() ? Terminator::count(0) : t);
                emit(std::move(e));
            }
        }
        if (m_program && !oneShot) {
            m_program->collect(msg);
            m_program->found(termBytes);
        }
        return true;
    }

    void compact() {
        if (m_pos > 65536 && m_pos * 2 > m_in.size()) {
            m_in.erase(0, m_pos);
            m_scan -= std::min(m_scan, m_pos);
            m_pos = 0;
        } else if (m_pos == m_in.size()) {
            m_in.clear();
            m_pos = m_scan = 0;
        }
    }

    std::string sendTerminator() const {
        if (m_program) {
            const Terminator& t = m_program->initialTerminator();
            return t.isBytes() ? t.bytesValue() : std::string();
        }
        return m_framing.isBytes() ? m_framing.bytesValue() : std::string();
    }

    std::string variable(const std::string& name) const {
        const auto it = m_vars.find(name);
        return it == m_vars.end() ? std::string() : it->second;
    }

    std::string render(const Text& t) const {
        std::string out;
        for (const auto& p : t.parts) out += p.variable ? variable(p.text) : p.text;
        return out;
    }

    std::string expectedText(const Step& st) const {
        std::string s = matcherName(st.rule.match) + " '";
        if (st.rule.match == program::Rule::Match::Regex)
            s += printableAscii(st.text.source);
        else
            s += shortEscaped(render(st.text));
        s += "'";
        if (st.within > 1) s += " within " + std::to_string(st.within) + " messages";
        return s;
    }

    std::string pendingText() const {
        const std::string_view rest = std::string_view(m_in).substr(m_pos);
        if (rest.empty()) return m_seen ? "'" + m_lastSeen + "' (then nothing)" : "nothing";
        return "'" + shortEscaped(rest) + "' (no complete message)";
    }

    void passStep(Clock::time_point now, std::string detail) {
        if (m_state == State::Done) return;  // failed meanwhile (inside a hook it caused)
        ++m_stepsRun;
        if (onStep) {
            StepDone d;
            d.step = m_pc + 1;
            d.line = step().line;
            d.statement = &step();
            d.ms = msSince(m_stepStart, now);
            d.detail = std::move(detail);
            d.connection = m_channel;
            d.outOffset = m_stepOut;
            d.inOffset = m_stepIn;
            onStep(d);
        }
        m_state = State::Running;
        ++m_pc;
    }

    void fail(Clock::time_point now, std::string reason, std::string expected, std::string got) {
        StepFailure f;
        f.step = m_pc + 1;
        f.line = m_pc < m_script.steps().size() ? step().line : 0;
        f.statement = m_pc < m_script.steps().size() ? describeStep(step()) : "";
        f.reason = std::move(reason);
        f.expected = std::move(expected);
        f.got = std::move(got);
        f.waitedMs = msSince(m_stepStart, now);
        m_failure = std::move(f);
        m_state = State::Done;
        dropChat();
    }

    void makeChat(const Address& a);
    std::string localAddress() const;
    void pushToChat(std::string bytes);
    void dropChat();
    void chatStartTls();
    void chatUpgrade(std::shared_ptr<const tls::TlsContext> context);
    bool chatTlsStarted() const;

    const Script& m_script;
    const RunOptions& m_options;
    Loop& m_loop;
    std::map<std::string, std::vector<Address>>& m_resolved;
    std::map<std::string, std::string> m_resolveError;
    std::unique_ptr<Chat> m_chat;
    State m_state = State::Done;
    std::size_t m_pc = 0;
    std::unordered_map<std::string, std::string> m_vars;
    std::vector<Repeat> m_repeats;
    Terminator m_framing;
    std::optional<Terminator> m_oneShot;
    std::unique_ptr<program::ProgramRunner> m_program;
    std::int64_t m_timeoutMs = 5000;
    Clock::time_point m_started;
    Clock::time_point m_stepStart;
    Clock::time_point m_deadline;
    std::optional<StepFailure> m_failure;
    std::uint64_t m_stepsRun = 0;
    std::uint64_t m_stepsBegun = 0;  // steps begun (stepping: against RunOptions::stepBudget)
    std::string m_in;
    std::size_t m_pos = 0;
    std::size_t m_scan = 0;
    std::size_t m_seen = 0;
    std::string m_lastSeen;
    std::vector<std::string_view> m_caps;
    bool m_peerClosed = false;
    bool m_connected = false;
    std::string m_closedHow;
    std::string m_target;  // the address connected to, for messages
    std::string m_host;    // the host connected to (TLS: SNI and the name checked)
    std::map<std::size_t, std::shared_ptr<const tls::TlsContext>> m_tlsContexts;  // by step index
    std::optional<tls::StartTlsDialog> m_dialog;  // a built-in STARTTLS dialogue running
    static constexpr std::size_t kMaxDialogueLine = 64 * 1024;
    std::size_t m_unsent = 0;  // pushed, not yet sent
    std::uint64_t m_rxBase = 0;  // bytesReceived / bytesSent when the connection was made
    std::uint64_t m_txBase = 0;
    std::int64_t m_stepOut = -1;  // the step's StepDone::outOffset / inOffset
    std::int64_t m_stepIn = -1;
    // Recording (RunOptions::record)
    std::uint64_t m_seq = 0;
    Clock::time_point m_t0 = Clock::now();
    ChannelId m_channel = 0;
    bool m_closeRecorded = false;

public:
    static void reap();
};

// The connection: an AsyncChat that collects everything (terminator None)
// and leaves the framing to the session.
class ScriptRunner::Session::Chat final : public AsyncChat, private tls::TlsLayer::Listener {
public:
    Chat(Session& s, Loop* loop) : AsyncChat(loop), m_s(s) {
        acInBufferSize = 65536;
        acOutBufferSize = 65536;
        setTerminator(nullptr);
        useStoredTerminator();
    }
    bool readable() override { return !m_closed && connected && m_s.wantsRead(); }
    void collectIncomingData(std::string_view data) override { m_s.onData(data); }
    void foundTerminator() override {}
    void handleConnect() override { m_s.onConnected(); }
    void handleRead() override {
        AsyncChat::handleRead();
        if (!m_closed) m_s.afterRead();
    }
    void handleWrite() override {
        AsyncChat::handleWrite();
        tryUpgrade();
    }
    void handleClose() override {
        if (m_closed) return;
        if (m_tls && m_tls->handshakeDone() && !m_eof) {
            // A hangup while TLS may still hold plaintext: read it first.
            for (int i = 0; i < 4096 && !m_eof && !m_closed && connected; ++i) {
                const std::uint64_t before = m_s.bytesReceived;
                handleRead();
                if (m_s.bytesReceived == before) break;
            }
            if (m_closed) return;
        }
        m_closed = true;
        std::string how = m_eof ? "closed" : "reset";
        if (m_tls && !m_tls->handshakeDone()) {
            how = !m_tlsFailure.empty() ? m_tlsFailure
                  : m_eof || !m_error   ? std::string("the peer closed the connection during the handshake")
                                        : sockops::describe(m_error);
        } else if (!connected) {
            std::error_code ec;
            const int err = rawPendingError(ec);
            how = err ? sockops::describe(sockops::errorFromNative(err)) : std::string("connection failed");
        } else if (!m_eof && m_error) {
            how = sockops::describe(m_error);
        }
        closeNoThrow();
        m_s.onClosed(std::move(how));
    }
    void handleError() override {
        std::string what = "error";
        try {
            if (auto p = std::current_exception()) std::rethrow_exception(p);
        } catch (const std::system_error& e) {
            what = sockops::describe(e.code());
        } catch (const std::exception& e) {
            what = e.what();
        } catch (...) {
        }
        if (m_closed) return;
        if (!m_tlsFailure.empty()) what = m_tlsFailure;
        m_closed = true;
        closeNoThrow();
        m_s.onClosed(std::move(what));
    }
    /// TLS on this connection now (`upgrade`: STARTTLS, else from the first byte).
    void startTls(std::shared_ptr<const tls::TlsContext> context, const std::string& host, bool upgrade) {
        std::unique_ptr<tls::TlsLayer> layer;
        try {
            layer = std::make_unique<tls::TlsLayer>(std::move(context), host, static_cast<tls::TlsLayer::Listener*>(this));
        } catch (const std::exception& e) {
            m_tlsFailure = std::string("cannot start TLS: ") + e.what();
            m_closed = true;
            closeNoThrow();
            m_s.onClosed(m_tlsFailure);
            return;
        }
        layer->setStartTls(upgrade);
        m_tls = layer.get();
        setLayer(std::make_unique<tls::PlainTap>(std::move(layer), [this](std::size_t n) {
            if (n == 0) m_eof = true;
        }));
    }
    /// STARTTLS: the handshake once what was queued (the upgrade command) has gone out.
    void upgradeWhenFlushed(std::shared_ptr<const tls::TlsContext> context, std::string host) {
        m_upgradeContext = std::move(context);
        m_upgradeHost = std::move(host);
        tryUpgrade();
    }
    bool tlsStarted() const noexcept { return m_tls != nullptr || m_upgradeContext != nullptr; }
    void initiateSendIfAny() {
        if (connected && !producerFifo().empty()) initiateSend();
    }
    void shut() {
        m_closed = true;
        closeNoThrow();
    }

protected:
    std::string_view className() const override { return "ScriptChat"; }
    void onSent(std::string_view written) override {
        if (!m_closed) m_s.onSent(written);
    }
    std::size_t rawRecv(void* buf, std::size_t len, std::error_code& ec) override {
        const std::size_t n = AsyncChat::rawRecv(buf, len, ec);
        if (ec) {
            if (!sockops::isWouldBlock(ec)) m_error = ec;
        } else if (n == 0 && len > 0 && !m_tls) {  // over TLS the PlainTap sees the end of the plaintext
            m_eof = true;
        }
        return n;
    }

private:
    void tryUpgrade() {
        if (!m_upgradeContext || m_tls || m_closed || !connected || !producerFifo().empty()) return;
        startTls(m_upgradeContext, m_upgradeHost, true);
        if (!m_closed) initiateSendIfAny();
    }
    // tls::TlsLayer::Listener: called from inside the layer's calls.
    void handshakeDone(const TlsHandshakeInfo& info) override {
        if (!m_closed) m_s.onTlsReady(info);
    }
    void failed(const std::string& reason) override { m_tlsFailure = reason; }

    Session& m_s;
    tls::TlsLayer* m_tls = nullptr;  // inside the PlainTap the dispatcher owns; null before TLS
    std::string m_tlsFailure;
    std::shared_ptr<const tls::TlsContext> m_upgradeContext;
    std::string m_upgradeHost;
    bool m_closed = false;
    bool m_eof = false;
    std::error_code m_error;
};

namespace {
std::vector<std::unique_ptr<ScriptRunner::Session::Chat>>& graveyard() {
    static thread_local std::vector<std::unique_ptr<ScriptRunner::Session::Chat>> g;
    return g;
}
}  // namespace

void ScriptRunner::Session::makeChat(const Address& a) {
    m_chat = std::make_unique<Chat>(*this, &m_loop);
    m_chat->createSocket(a.family());
    m_chat->connect(a);
}

std::string ScriptRunner::Session::localAddress() const {
    if (!m_chat) return {};
    std::error_code ec;
    const Address a = sockops::localAddress(m_chat->socketHandle(), ec);
    return ec || a.isEmpty() ? std::string() : a.toString();
}

void ScriptRunner::Session::pushToChat(std::string bytes) { m_chat->push(std::move(bytes)); }

void ScriptRunner::Session::chatStartTls() {
    if (auto c = tlsContext()) m_chat->startTls(std::move(c), m_host, false);
}

void ScriptRunner::Session::chatUpgrade(std::shared_ptr<const tls::TlsContext> context) {
    m_chat->upgradeWhenFlushed(std::move(context), m_host);
}

bool ScriptRunner::Session::chatTlsStarted() const { return m_chat && m_chat->tlsStarted(); }

void ScriptRunner::Session::dropChat() {
    if (!m_chat) return;
    recordClose(CloseReason::Local, "close");
    m_chat->shut();
    // Not deleted here: this may run inside one of its own hooks.
    graveyard().push_back(std::move(m_chat));
}

void ScriptRunner::Session::reap() { graveyard().clear(); }

// --- The runner ---------------------------------------------------------------------------------

ScriptRunner::ScriptRunner(const Script& script, RunOptions options) : m_script(script), m_options(std::move(options)) {}
ScriptRunner::~ScriptRunner() = default;

namespace {

template <class Sessions>
void drive(Loop& loop, Backend backend, const std::atomic<bool>* cancel, Sessions& sessions,
           const std::function<bool(Clock::time_point)>& after) {
    for (;;) {
        const auto now = Clock::now();
        for (auto& s : sessions) s->tick(now);
        if (!after(now)) return;
        std::optional<Clock::time_point> next;
        for (auto& s : sessions)
            if (auto d = s->deadline()) next = next ? std::min(*next, *d) : *d;
        const double most = cancel ? 0.1 : 1.0;
        double wait = most;
        if (next) wait = std::clamp(std::chrono::duration<double>(*next - now).count(), 0.0, most);
        loop.poll(wait, backend);
        ScriptRunner::Session::reap();
    }
}

}  // namespace

RunResult ScriptRunner::run(const std::function<void(const StepDone&)>& onStep) {
    Loop loop;
    std::map<std::string, std::vector<Address>> resolved;
    std::vector<std::unique_ptr<Session>> sessions;
    sessions.push_back(std::make_unique<Session>(m_script, m_options, loop, resolved));
    Session& s = *sessions.front();
    s.onStep = onStep;
    const auto t0 = Clock::now();
    RunResult r;
    r.startedAt = std::chrono::system_clock::now();
    s.setRecordStart(t0);
    s.start(t0);
    drive(loop, m_options.backend, m_options.cancel, sessions, [&](Clock::time_point) { return !s.done(); });
    if (m_options.record) {
        Event e;
        e.kind = EventKind::Stopped;
        s.emit(std::move(e), true);
    }
    r.passed = s.passed();
    r.failure = s.failure();
    r.stepsRun = s.stepsRun();
    r.elapsedMs = msSince(t0, Clock::now());
    r.bytesSent = s.bytesSent;
    r.bytesReceived = s.bytesReceived;
    sessions.clear();
    Session::reap();
    return r;
}

LoadResult ScriptRunner::runLoad(std::size_t parallel, std::size_t iterations) {
    RunOptions options = m_options;
    options.record = nullptr;  // a load is not recorded, stepped or followed
    options.stepBudget = nullptr;
    options.onBegin = nullptr;
    options.onHeld = nullptr;
    Loop loop;
    std::map<std::string, std::vector<Address>> resolved;
    std::vector<std::unique_ptr<Session>> sessions;
    std::vector<std::size_t> left(parallel, iterations);
    LoadResult r;
    r.expectUs.reserve(parallel * iterations * 4);
    const auto t0 = Clock::now();
    for (std::size_t i = 0; i < parallel; ++i) {
        sessions.push_back(std::make_unique<Session>(m_script, options, loop, resolved));
        sessions.back()->latencies = &r.expectUs;
    }
    for (std::size_t i = 0; i < parallel && iterations > 0; ++i) sessions[i]->start(t0);
    drive(loop, m_options.backend, m_options.cancel, sessions, [&](Clock::time_point now) {
        if (m_options.cancel && m_options.cancel->load())  // the iteration running is the last
            for (auto& l : left) l = std::min<std::size_t>(l, 1);
        bool running = false;
        for (std::size_t i = 0; i < parallel; ++i) {
            Session& s = *sessions[i];
            while (left[i] > 0 && s.done()) {
                if (s.passed()) {
                    ++r.iterationsPassed;
                } else {
                    ++r.iterationsFailed;
                    if (!r.firstFailure) r.firstFailure = s.failure();
                }
                if (--left[i] > 0) s.start(now);
            }
            running = running || left[i] > 0;
        }
        return running;
    });
    r.elapsedMs = msSince(t0, Clock::now());
    r.expects = r.expectUs.size();
    std::sort(r.expectUs.begin(), r.expectUs.end());
    sessions.clear();
    Session::reap();
    return r;
}

std::uint32_t ScriptRunner::percentile(const std::vector<std::uint32_t>& sorted, double p) {
    if (sorted.empty()) return 0;
    const double rank = std::ceil(p / 100.0 * static_cast<double>(sorted.size()));
    const std::size_t i = rank < 1 ? 0 : std::min(sorted.size() - 1, static_cast<std::size_t>(rank) - 1);
    return sorted[i];
}

// --- Hosted in a Reactor's loop -----------------------------------------------------------------

struct HostedRun::Shared {
    Script script;
    RunOptions options;
    std::atomic<bool> cancel{false};
    std::atomic<std::uint64_t> budget{std::numeric_limits<std::uint64_t>::max()};
    std::atomic<bool> made{false};
    Mutex mutex;
    std::vector<Report> reports LW_GUARDED_BY(mutex);
    std::function<void()> notify LW_GUARDED_BY(mutex);

    Shared(Script s, RunOptions o) : script(std::move(s)), options(std::move(o)) {}
    void post(Report r) LW_EXCLUDES(mutex) {
        MutexLock lock(mutex);
        const bool first = reports.empty();
        reports.push_back(std::move(r));
        if (first && notify) notify();
    }
};

namespace {

// The run as hosted work: one Session in the Reactor's Loop, ticked before
// every wait (HostedWorkRunner::settle), its clock stopped while the Reactor
// is paused.
class HostedScript final : public HostedWork {
public:
    using Report = HostedRun::Report;

    HostedScript(std::shared_ptr<HostedRun::Shared> shared, Loop& loop)
        : m_shared(std::move(shared)), m_options(makeOptions()),
          m_session(m_shared->script, m_options, loop, m_resolved) {
        m_session.onStep = [this](const StepDone& d) {
            Report r;
            r.kind = Report::Kind::Passed;
            r.index = d.step - 1;
            r.step = d;
            r.events.swap(m_record);
            m_shared->post(std::move(r));
        };
        m_t0 = Clock::now();
        m_result.startedAt = std::chrono::system_clock::now();
        m_session.setRecordStart(m_t0);
        m_session.start(m_t0);
    }
    ~HostedScript() override {
        if (!m_finished) {  // the Reactor ended the work (stopHost, shutdown)
            StepFailure f;
            f.reason = "stopped: the window's loop ended the script";
            m_result.failure = std::move(f);
            report(Clock::now(), false);
        }
    }

    bool done() const override { return m_finished; }
    bool ok() const override { return m_finished && m_result.passed; }

    std::optional<Clock::time_point> tick(bool paused) override {
        ScriptRunner::Session::reap();  // connections closed in the hooks of the last pass
        if (m_finished) return std::nullopt;
        const auto now = Clock::now();
        if (paused) {
            if (!m_pausedAt) m_pausedAt = now;
            // Nothing runs out while paused; Stop still stops, and a run a
            // stepped pass carried to its end ends.
            if (!m_shared->cancel.load() && !m_session.done()) return std::nullopt;
        } else if (m_pausedAt) {
            m_session.shift(now - *m_pausedAt);
            m_pausedTotal += now - *m_pausedAt;
            m_pausedAt.reset();
        }
        m_session.tick(now);
        if (m_session.done()) {
            m_result.passed = m_session.passed();
            m_result.failure = m_session.failure();
            report(now, true);
            return std::nullopt;
        }
        return m_session.deadline();
    }

private:
    RunOptions makeOptions() {
        RunOptions o = m_shared->options;
        o.cancel = &m_shared->cancel;
        o.stepBudget = &m_shared->budget;
        o.record = &m_record;
        HostedRun::Shared* sh = m_shared.get();
        o.onBegin = [sh](std::size_t i) {
            Report r;
            r.kind = Report::Kind::Begun;
            r.index = i;
            sh->post(std::move(r));
        };
        o.onHeld = [sh](std::size_t i) {
            Report r;
            r.kind = Report::Kind::Held;
            r.index = i;
            sh->post(std::move(r));
        };
        return o;
    }
    void report(Clock::time_point now, bool stopped) {
        m_finished = true;
        if (stopped) {
            Event e;
            e.kind = EventKind::Stopped;
            m_session.emit(std::move(e), true);
        }
        if (m_pausedAt) m_pausedTotal += now - *m_pausedAt;
        m_result.stepsRun = m_session.stepsRun();
        m_result.elapsedMs = msSince(m_t0 + m_pausedTotal, now);
        m_result.bytesSent = m_session.bytesSent;
        m_result.bytesReceived = m_session.bytesReceived;
        Report r;
        r.kind = Report::Kind::Finished;
        r.result = m_result;
        r.events.swap(m_record);
        m_shared->post(std::move(r));
    }

    std::shared_ptr<HostedRun::Shared> m_shared;
    std::vector<Event> m_record;
    RunOptions m_options;
    std::map<std::string, std::vector<Address>> m_resolved;
    ScriptRunner::Session m_session;
    Clock::time_point m_t0;
    std::optional<Clock::time_point> m_pausedAt;
    Clock::duration m_pausedTotal{};
    RunResult m_result;
    bool m_finished = false;
};

}  // namespace

HostedRun::HostedRun(Script script, RunOptions options, bool stepping)
    : m_shared(std::make_shared<Shared>(std::move(script), std::move(options))) {
    if (stepping) m_shared->budget = 1;
}

HostedRun::~HostedRun() {
    setNotify({});
    stop();
}

const Script& HostedRun::script() const noexcept { return m_shared->script; }

HostFactory HostedRun::factory() {
    return [shared = m_shared](Loop& loop) -> std::unique_ptr<HostedWork> {
        if (shared->made.exchange(true)) throw std::logic_error("a hosted run is made once");
        return std::make_unique<HostedScript>(shared, loop);
    };
}

void HostedRun::setNotify(std::function<void()> notify) {
    MutexLock lock(m_shared->mutex);
    m_shared->notify = std::move(notify);
}

void HostedRun::take(std::vector<Report>& out) {
    out.clear();
    MutexLock lock(m_shared->mutex);
    out.swap(m_shared->reports);
}

void HostedRun::step() {
    if (m_shared->budget.load() != std::numeric_limits<std::uint64_t>::max()) ++m_shared->budget;
}

void HostedRun::resume() { m_shared->budget = std::numeric_limits<std::uint64_t>::max(); }

void HostedRun::stop() { m_shared->cancel = true; }

}  // namespace engine::script
