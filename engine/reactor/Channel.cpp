// Channel.cpp — asynchat hooks → events and counters; commands → asynchat.
#include "engine/reactor/Channel.h"

#include "engine/program/ProgramFramer.h"
#include "engine/program/ProgramRunner.h"

#include "engine/asyncore/Escape.h"
#include "engine/asyncore/FileProducer.h"
#include "engine/net/SocketOps.h"
#include "engine/reactor/ChannelTls.h"

#include <algorithm>
#include <exception>
#include <utility>

#if !defined(_WIN32)
#include <sys/select.h>  // FD_SETSIZE, for the select backend's descriptor limit
#endif

namespace engine {
namespace {

// Connections taken per accept readiness event. asyncore takes one; taking a
// batch keeps a burst of connects from costing one loop pass each.
constexpr int kAcceptBatch = 64;

bool isResourceExhaustion(const std::error_code& ec) {
    return ec == std::errc::too_many_files_open || ec == std::errc::too_many_files_open_in_system ||
           ec == std::errc::no_buffer_space || ec == std::errc::not_enough_memory;
}

std::string quoted(const Terminator& t) { return "'" + terminatorSpec(t) + "'"; }

// The message of the exception being handled (handleError runs inside a
// catch block); `ec` gets its error code when it is a std::system_error.
std::string currentExceptionMessage(std::error_code& ec) {
    const std::exception_ptr ep = std::current_exception();
    if (!ep) return "unknown error";
    try {
        std::rethrow_exception(ep);
    } catch (const std::system_error& e) {
        ec = e.code();
        return e.what();
    } catch (const std::exception& e) {
        return e.what();
    } catch (...) {
        return "unknown exception";
    }
}

// The replies of one read, handed to the fifo without a copy: more() gives
// the whole buffer away once (the fifo takes it as a data entry, P9). Until
// then its bytes are counted in `held`, so backpressure sees them (the fifo
// counts data entries only).
class ReplyBatch final : public Producer {
public:
    ReplyBatch(std::string bytes, std::size_t& held) : m_bytes(std::move(bytes)), m_held(held) {
        m_held += m_bytes.size();
    }
    ~ReplyBatch() override { m_held -= m_bytes.size(); }
    ReplyBatch(const ReplyBatch&) = delete;
    ReplyBatch& operator=(const ReplyBatch&) = delete;
    std::string more() override {
        m_held -= m_bytes.size();
        return std::exchange(m_bytes, std::string());
    }
    std::string_view kind() const override { return "bytes"; }
    long long remaining() const override { return static_cast<long long>(m_bytes.size()); }

private:
    std::string m_bytes;
    std::size_t& m_held;
};

ProducerKind producerKindOf(std::string_view kind) {
    if (kind == "file") return ProducerKind::File;
    if (kind == "repeat") return ProducerKind::Repeat;
    if (kind == "simple") return ProducerKind::Simple;
    return ProducerKind::Other;
}

}  // namespace

Channel::Channel(ChannelContext& ctx, Loop& loop, ChannelId id, ChannelRole role, const ChannelOptions& options)
    : AsyncChat(&loop), m_ctx(ctx), m_report(ctx, id, role, 0), m_opts(options),
      m_phase(ChannelPhase::Resolving) {
    applyOptions();
    if (role == ChannelRole::Listener && m_opts.maxBuffered > 0)
        m_budget = std::make_shared<InputBudget>(ctx, id, m_opts.maxBuffered);
}

Channel::Channel(ChannelContext& ctx, Loop& loop, ChannelId id, ChannelId parent, const ChannelOptions& options,
                 Socket sock)
    : AsyncChat(std::move(sock), &loop), m_ctx(ctx), m_report(ctx, id, ChannelRole::Accepted, parent),
      m_opts(options), m_phase(ChannelPhase::Connected) {
    applyOptions();
    m_peer = addr.toString();
    std::error_code ec;
    m_local = sockops::localAddress(socketHandle(), ec).toString();
}

Channel::~Channel() {
    if (m_proxyPeer) {
        m_proxyPeer->m_proxyPeer = nullptr;
        m_proxyPeer->m_proxyPaused = false;
    }
    // The layer outlives m_tls (the Dispatcher owns it): it must not call back.
    if (tls::TlsLayer* l = tlsLayer()) l->setListener(nullptr);
    if (m_budgetMember) m_budget->leave(*this);
    // Empty the fifo now: echo replies in it count themselves out of
    // m_batchedBytes, which is gone by the time ~AsyncChat runs.
    discardBuffers();
}

void Channel::applyOptions() {
    acInBufferSize = std::max<std::size_t>(m_opts.inBufferSize, 1);
    acOutBufferSize = std::max<std::size_t>(m_opts.outBufferSize, 1);
    if (!m_opts.programs.empty() && role() != ChannelRole::Listener) {
        startPrograms();
    } else {
        AsyncChat::setTerminator(m_opts.terminator);
        cacheTerminator();
    }
    useStoredTerminator();  // Channel never overrides getTerminator(): read it in place
    m_batchEcho = m_opts.echo && m_ctx.level < EventLevel::Full;
}

void Channel::cacheTerminator() { cacheTerminator(m_opts.terminator); }

void Channel::cacheTerminator(const Terminator& t) {
    m_frames = t.framesInput();
    m_countTerminator = m_frames && t.isCount();
    m_termBytes = t.isBytes() ? t.bytesValue() : std::string();
}

// --- Commands -------------------------------------------------------------------------

// select()'s limit. POSIX fd_sets are bitmaps indexed by descriptor: one at
// or past FD_SETSIZE cannot be watched, whatever the count. Winsock's are
// arrays of at most FD_SETSIZE sockets of any value: what counts is how many
// sockets the loop has (Poller.cpp's SelectPoller throws BackendError, which
// stops the whole loop, past that).
bool backendCanWatch(Backend backend, NativeSocket fd, std::size_t socketsInLoop) {
    if (backend != Backend::Select) return true;
    if constexpr (kIsWindows) {
        (void)fd;
        return socketsInLoop <= static_cast<std::size_t>(FD_SETSIZE);
    } else {
        (void)socketsInLoop;
        return static_cast<long long>(fd) < static_cast<long long>(FD_SETSIZE);
    }
}

std::string backendLimitText(Backend backend, NativeSocket fd, std::size_t socketsInLoop) {
    if constexpr (kIsWindows) {
        (void)fd;
        return std::to_string(socketsInLoop) + " sockets are past what " + std::string(backendName(backend)) +
               "() can watch, FD_SETSIZE (" + std::to_string(FD_SETSIZE) + ")";
    } else {
        (void)socketsInLoop;
        return "descriptor " + std::to_string(static_cast<long long>(fd)) + " is past what " +
               std::string(backendName(backend)) + "() can watch, FD_SETSIZE (" + std::to_string(FD_SETSIZE) + ")";
    }
}

namespace {
std::system_error selectLimitError(NativeSocket fd) {
    if constexpr (kIsWindows) {
        (void)fd;
        return std::system_error(std::make_error_code(std::errc::too_many_files_open),
                                 "select() can watch at most " + std::to_string(FD_SETSIZE) +
                                     " sockets (FD_SETSIZE) and the loop has that many; use the poll backend");
    } else {
        return std::system_error(std::make_error_code(std::errc::too_many_files_open),
                                 "select() cannot watch descriptor " + std::to_string(static_cast<long long>(fd)) +
                                     " (FD_SETSIZE); use the poll or epoll backend");
    }
}
}  // namespace

void Channel::listenOn(const Address& address, int backlog) {
    try {
        createSocket(address.family());
        if (!backendCanWatch(m_ctx.backend, socketHandle(), map().size())) throw selectLimitError(socketHandle());
        setReuseAddr();
        if (address.family() == kAfInet6) {
            std::error_code ignored;  // "::" means IPv6 only unless asked otherwise
            sockops::setV6Only(socketHandle(), true, ignored);
        }
        bind(address);
        listenUncapped(backlog);
    } catch (const std::system_error& e) {
        std::string message = "cannot listen on " + address.toString() + ": " + sockops::describe(e.code());
        m_report.error(e.code().value(), message);
        finish(CloseReason::Error, std::move(message), e.code().value());
        return;
    }
    std::error_code ec;
    const Address local = sockops::localAddress(socketHandle(), ec);
    m_local = ec ? address.toString() : local.toString();
    // TLS, or STARTTLS's server side: one context for every connection
    // accepted (a generated certificate is made once, here).
    if (m_opts.tls.wanted() && !tlsSetUp(m_opts.tls, true, "listen on " + m_local)) {
        finish(CloseReason::Error, "TLS set-up failed", 0);
        return;
    }
    m_phase = ChannelPhase::Listening;
    m_report.listening(m_local, ec ? address.port() : local.port(),
                       m_tls ? m_tls->context->localFingerprint() : std::string());
}

void Channel::connectTo(std::vector<Address> candidates, std::string host) {
    if (m_opts.tls.wanted() && !m_tls && !tlsSetUp(m_opts.tls, false, "connect to " + host)) {
        finish(CloseReason::Error, "TLS set-up failed", 0);
        return;
    }
    m_candidates = std::move(candidates);
    m_nextCandidate = 0;
    m_host = std::move(host);
    if (m_phase == ChannelPhase::Resolving) m_phase = ChannelPhase::Connecting;
    attemptConnect();
}

void Channel::attemptConnect() {
    std::string lastMessage = "no address to connect to";
    int lastError = 0;
    while (m_nextCandidate < m_candidates.size()) {
        m_attempt = m_candidates[m_nextCandidate++];
        try {
            createSocket(m_attempt.family());
            if (!backendCanWatch(m_ctx.backend, socketHandle(), map().size())) throw selectLimitError(socketHandle());
            m_report.connecting(m_attempt, m_host, m_proxyUpstream ? m_proxyPeerId : 0);
            connect(m_attempt);  // completes later, or now (then handleConnect has run)
            return;
        } catch (const std::system_error& e) {
            lastError = e.code().value();
            lastMessage = "connect to " + m_attempt.toString() + ": " + sockops::describe(e.code());
            m_report.error(lastError, lastMessage);
            closeNoThrow();
        }
    }
    finish(CloseReason::Error, std::move(lastMessage), lastError);
}

void Channel::resolveFailed(std::string_view message) {
    m_report.error(0, std::string(message));
    finish(CloseReason::Error, std::string(message), 0);
}

void Channel::pushBytes(std::string_view data, ProducerKind kind, std::int64_t copy) {
    m_report.pushed(kind, static_cast<std::int64_t>(data.size()), copy, {}, 1);
    if (!m_tls) {
        push(data);
    } else {
        guardedIo([&] { push(data); });  // a TLS layer's errors are thrown
        if (isClosed()) return;
        tlsAfterPush();
    }
    checkWater();
    maybeHalfClose();
}

void Channel::pushBytes(std::string&& data, ProducerKind kind, std::int64_t copy) {
    m_report.pushed(kind, static_cast<std::int64_t>(data.size()), copy, {}, 1);
    if (!m_tls) {
        push(std::move(data));
    } else {
        guardedIo([&] { push(std::move(data)); });  // a TLS layer's errors are thrown
        if (isClosed()) return;
        tlsAfterPush();
    }
    checkWater();
    maybeHalfClose();
}

void Channel::pushProducer(std::unique_ptr<Producer> producer, ProducerKind kind, std::int64_t size,
                           std::int64_t copies, std::string_view info) {
    m_report.pushed(kind, size, copies, info, static_cast<std::uint64_t>(std::max<std::int64_t>(copies, 1)));
    if (!m_tls) {
        pushWithProducer(std::move(producer));
    } else {
        guardedIo([&] { pushWithProducer(std::move(producer)); });
        if (isClosed()) return;
        tlsAfterPush();
    }
    checkWater();
    maybeHalfClose();
}

void Channel::applyTerminator(const Terminator& t) {
    // Set by hand, the terminator replaces the program's framing (its rules no longer run).
    m_program.reset();
    m_sentFramer.reset();
    m_opts.terminator = t;
    AsyncChat::setTerminator(t);
    cacheTerminator();
    emit(EventKind::TerminatorSet).setTerminator(t);
}

void Channel::applyPrograms(std::vector<std::shared_ptr<const program::Program>> programs) {
    m_opts.programs = std::move(programs);
    if (role() == ChannelRole::Listener) {
        // Handed on to the connections it accepts from now on.
        emit(EventKind::TerminatorSet).setTerminator(m_opts.terminator);
        return;
    }
    m_programClosing = false;
    if (m_opts.programs.empty()) {
        m_program.reset();
        m_sentFramer.reset();
        AsyncChat::setTerminator(m_opts.terminator);
        cacheTerminator();
        emit(EventKind::TerminatorSet).setTerminator(m_opts.terminator);
        return;
    }
    emit(EventKind::TerminatorSet).setTerminator(startPrograms());
}

Terminator Channel::startPrograms() {
    // What this channel receives comes from the server (a client) or the client (an accepted connection).
    m_program = std::make_unique<program::ProgramRunner>(
        m_opts.programs, role() == ChannelRole::Client ? program::Sender::Server : program::Sender::Client,
        m_opts.maxMessage);
    Terminator first = m_program->initialTerminator();
    AsyncChat::setTerminator(first);
    cacheTerminator(first);
    wireNotes();
    return first;
}

void Channel::wireNotes() {
    m_sentFramer.reset();
    if (!m_program || !m_program->tells()) return;
    if (m_proxied) {
        // The other leg frames the other direction: one set of notes for both.
        if (m_proxyPeer && m_proxyPeer->m_program) m_program->shareNotes(m_proxyPeer->m_program->notes());
        return;
    }
    m_sentFramer = std::make_unique<program::ProgramFramer>(
        m_opts.programs, role() == ChannelRole::Client ? program::Sender::Client : program::Sender::Server,
        m_opts.maxMessage);
    m_sentFramer->setKeepMessages(false);
    m_sentFramer->runner().shareNotes(m_program->notes());
}

void Channel::applyBufferSizes(std::size_t in, std::size_t out) {
    m_opts.inBufferSize = std::max<std::size_t>(in, 1);
    m_opts.outBufferSize = std::max<std::size_t>(out, 1);
    acInBufferSize = m_opts.inBufferSize;
    acOutBufferSize = m_opts.outBufferSize;
    Event& e = emit(EventKind::BuffersSet);
    e.size = static_cast<std::int64_t>(m_opts.inBufferSize);
    e.count = static_cast<std::int64_t>(m_opts.outBufferSize);
}

void Channel::applyLimits(std::size_t maxMessage, std::size_t highWater) {
    m_opts.maxMessage = std::max<std::size_t>(maxMessage, 1);
    m_opts.highWater = std::max<std::size_t>(highWater, 1);
    Event& e = emit(EventKind::LimitsSet);
    e.size = static_cast<std::int64_t>(m_opts.maxMessage);
    e.count = static_cast<std::int64_t>(m_opts.highWater);
    checkWater();
}

void Channel::requestCloseWhenDone() {
    m_closeWhenDone = true;
    if (m_phase == ChannelPhase::Connected) m_phase = ChannelPhase::Closing;
    emit(EventKind::CloseWhenDone);
    closeWhenDone();  // P4: no initiate_send; the close happens on the next write event
}

void Channel::requestHalfClose() {
    if (m_halfClosed || m_halfClosePending) return;
    m_halfClosePending = true;
    maybeHalfClose();
}

void Channel::maybeHalfClose() {
    if (!m_halfClosePending || m_halfClosed || !connected || !producerFifo().empty() || isClosed()) return;
    m_halfClosePending = false;
    m_halfClosed = true;
    if (StreamLayer* l = layer()) {
        // TLS: close_notify, then shutdown(SHUT_WR) once it has gone out.
        guardedIo([&] { l->shutdownWrite(); });
        if (!isClosed()) emit(EventKind::HalfClosed);
        proxyMaybeDone();
        return;
    }
    std::error_code ec;
    sockops::shutdownWrite(socketHandle(), ec);
    if (ec && !sockops::isDisconnect(ec)) {
        m_report.error(ec.value(), "shutdown(SHUT_WR): " + sockops::describe(ec));
        return;
    }
    // (A disconnect errno means the peer is gone already; reading will say so.)
    emit(EventKind::HalfClosed);
    proxyMaybeDone();
}

void Channel::discard() {
    const std::string_view residue = inputBuffer();
    Event& e = emit(EventKind::Discarded);
    e.size = static_cast<std::int64_t>(residue.size() + queuedOutput() + m_message.size() + m_echoOut.size());
    e.count = static_cast<std::int64_t>(producerFifo().size());
    discardBuffers();
    m_message.clear();
    m_echoOut.clear();
    m_echoReady = 0;
    m_echoReplies = 0;
    m_report.messageEnded();
    updateBudget();
    // An upgrade waiting behind the output: the marker went with the fifo.
    if (m_tlsHold && producerFifo().empty() && m_tls) {
        tlsInstall(true);
        if (isClosed()) return;
    }
    // W3: the close marker went with the fifo; the channel no longer closes by itself.
    if (m_closeWhenDone) {
        m_closeWhenDone = false;
        if (m_phase == ChannelPhase::Closing && !m_halfClosePending) m_phase = ChannelPhase::Connected;
    }
    checkWater();
    maybeHalfClose();
}

void Channel::joinBudget(std::shared_ptr<InputBudget> budget) {
    if (!budget || m_budgetMember || isClosed()) return;
    m_budget = std::move(budget);
    m_budget->join(*this);
    updateBudget();
}

std::size_t Channel::bufferedInput() const {
    return inputBuffer().size() + static_cast<std::size_t>(m_report.counters().pending);
}

void Channel::closeLocally(std::string_view detail) { finish(CloseReason::Local, std::string(detail), 0); }

ChannelState Channel::snapshot() {
    ChannelState s = m_report.state(m_phase);
    s.peer = m_peer;
    s.local = m_local;
    ChannelReporter::describe(s, *this);  // terminator, buffer sizes, residue, fifo
    s.queuedBytes = queuedOutput();        // with the echo replies not yet in the fifo as data
    s.maxMessage = m_opts.maxMessage;
    s.highWater = m_opts.highWater;
    s.echo = m_opts.echo;
    if (!isClosed()) {
        s.readable = readable();
        s.writable = writable() && !accepting;
    }
    return s;
}

// --- Input -----------------------------------------------------------------------------

void Channel::collectIncomingData(std::string_view data) {
    m_report.collected(data);
    if (m_intercept) interceptCollect(data);
    if (m_program) m_program->collect(data);
    if (m_opts.echo) {
        if (!m_frames) {
            // Nothing frames the input: each chunk goes back as it comes.
            echoReply(data);
        } else if (m_batchEcho) {
            m_echoOut.append(data);  // sent once its terminator is found
        } else {
            m_message.append(data);
        }
    }
    if (const std::uint64_t pending = m_report.counters().pending; m_frames && pending > m_opts.maxMessage) {
        if (m_countTerminator) {
            // A long counted record is expected, not an error: only bound
            // what an echo holds on to by passing the part on now.
            passOnPartial();
        } else {
            m_report.warning(WarningCode::NoTerminator,
                             "no terminator " + quoted(m_opts.terminator) + " within " + std::to_string(pending) +
                                 " bytes (the message limit is " + std::to_string(m_opts.maxMessage) +
                                 "); the bytes so far were passed on without it",
                             static_cast<std::int64_t>(pending));
            passOnPartial();
            m_report.messageEnded();
            if (m_program) m_program->abandonMessage();
        }
    }
}

std::size_t Channel::takeWholeRecords(std::string_view live, std::string_view terminator) {
    // Only when collectIncomingData and foundTerminator would do nothing but
    // count: no per-message events, echo, intercept, program, TLS (a STARTTLS
    // dialogue's lines are not counted), message limit; and no record could
    // pass the message limit (each one within this read, the first one with
    // what was pending before).
    if (m_ctx.level >= EventLevel::Messages || m_opts.echo || m_intercept || m_program || m_tls || !m_frames ||
        m_countTerminator || m_ctx.messageLimit || live.size() > m_opts.maxMessage)
        return 0;
    std::size_t pos = 0, records = 0, first = 0;
    for (;;) {
        const std::size_t i = findTerminator(live.substr(pos), terminator);
        if (i == std::string_view::npos) break;
        if (records == 0) first = i;
        pos += i + terminator.size();
        ++records;
    }
    if (records == 0 || m_report.counters().pending + first > m_opts.maxMessage) return 0;
    m_report.recordsCounted(records);
    return pos;
}

void Channel::foundTerminator() {
    // The terminator in force: 0 for a count (R8). Lines received while a
    // STARTTLS dialogue runs (the greeting, EHLO, STARTTLS, the go-ahead …)
    // are delivered and reported, but they are not the session's messages.
    const bool counted = !(m_tls && m_tls->stage == Tls::Stage::Dialogue);
    if (m_intercept) interceptFound(m_countTerminator ? std::string_view() : std::string_view(m_termBytes));
    if (m_program && counted) {
        runProgram(counted);
        return;
    }
    m_report.terminatorFound(getTerminator(), counted);
    if (m_opts.echo) echoFound(m_termBytes);
    if (m_countTerminator) AsyncChat::setTerminator(m_opts.terminator);  // fixed-size records
    m_ctx.checkMessageLimit();
}

void Channel::echoFound(std::string_view consumed) {
    if (m_batchEcho) {
        echoReply(consumed);  // the message's bytes went to m_echoOut as they came
        return;
    }
    m_message.append(consumed);
    echoReply(m_message);
    m_message.clear();
}

void Channel::runProgram(bool counted) {
    // The bytes the terminator in force consumed (none for a count), before the program switches it.
    // (A view: the terminator is switched only after its last use below.)
    const std::string_view consumed = m_countTerminator ? std::string_view() : std::string_view(m_termBytes);
    program::Verdict& v = m_program->found(consumed);
    m_report.terminatorFound(getTerminator(), counted, v.group, v.rules,
                             v.mark);
    for (std::string& e : v.errors) m_report.warning(WarningCode::Program, std::move(e));
    if (m_opts.echo) echoFound(consumed);
    // Inside found_terminator: handle_read()'s loop frames the bytes still buffered with it.
    const Terminator& next = m_program->nextTerminator();
    // Set again unless it is the bytes terminator already in force (a count has counted down to 0, R8).
    const bool same = next.isBytes() && m_frames && !m_countTerminator && next.bytesValue() == m_termBytes;
    if (!same) {
        AsyncChat::setTerminator(next);
        cacheTerminator(next);
    }
    if (!m_programClosing && !m_proxied) {
        for (std::string& r : v.replies) {
            if (isClosed() || m_halfClosed) break;
            pushBytes(std::move(r));
        }
        if (v.close && !isClosed()) {
            m_programClosing = true;
            requestCloseWhenDone();
        }
    }
    m_ctx.checkMessageLimit();
}

void Channel::echoReply(std::string_view reply) {
    if (m_batchEcho) {
        m_echoOut.append(reply);
        m_echoReady = m_echoOut.size();
        ++m_echoReplies;
        return;
    }
    if (isClosed() || m_halfClosed) return;
    pushBytes(reply);
}

void Channel::passOnPartial() {
    if (m_batchEcho) {
        m_echoReady = m_echoOut.size();  // the message so far goes out with this read's replies
    } else if (!m_message.empty()) {
        echoReply(m_message);
        m_message.clear();
    }
}

void Channel::flushEcho() {
    m_report.messagesSent(std::exchange(m_echoReplies, 0));
    std::string replies;
    if (m_echoReady == m_echoOut.size()) {
        // The usual case: hand the buffer over, start a new one of its size.
        const std::size_t capacity = m_echoOut.capacity();
        replies = std::exchange(m_echoOut, std::string());
        m_echoOut.reserve(capacity);
    } else {
        // Keep the start of a message whose terminator has not come yet.
        replies.assign(m_echoOut, 0, m_echoReady);
        m_echoOut.erase(0, m_echoReady);
    }
    m_echoReady = 0;
    if (!isClosed() && !m_halfClosed) {
        pushWithProducer(std::make_unique<ReplyBatch>(std::move(replies), m_batchedBytes));
        checkWater();
    }
}

void Channel::handleRead() {
    // Paused by the input budget during this pass, after the poll had found
    // the socket readable: the bytes stay in the socket. Likewise while a
    // TLS upgrade waits: the peer's next bytes are TLS.
    if (m_budgetPaused || m_tlsHold) return;
    if (m_proxied && !m_opts.frameProxied && !m_tls && !m_program) {
        relayRead();
        updateBudget();
        if (m_passTls == PassTls::Yes || m_passTls == PassTls::No) passAfterRead();
        return;
    }
    AsyncChat::handleRead();
    if (m_program) m_program->detach();  // the next recv overwrites what the program was shown
    if (m_echoReady) flushEcho();
    updateBudget();
    if (m_tls) tlsAfterRead();
    if (m_passTls == PassTls::Yes || m_passTls == PassTls::No) passAfterRead();
}

std::size_t Channel::rawRecv(void* buf, std::size_t len, std::error_code& ec) {
    std::size_t n = AsyncChat::rawRecv(buf, len, ec);
    if (ec) {
        if (!sockops::isWouldBlock(ec)) m_ioError = ec;
    } else if (n == 0) {
        if (len > 0) m_peerEof = true;
    } else if (!layer()) {
        // (With a TLS layer these are ciphertext: the layer's plaintext is
        // counted as it is received, tls::PlainTap.)
        if (m_tls && m_tls->dialog && !m_tls->dialog->finished())
            n = tlsScan(static_cast<char*>(buf), n);
        else if (m_passTls == (m_proxyUpstream ? PassTls::Asked : PassTls::Watching))
            n = passScan(static_cast<char*>(buf), n);
        m_report.received(n);
        forwardRead(std::string_view(static_cast<const char*>(buf), n));
    }
    return n;
}

// --- Output ------------------------------------------------------------------------------

void Channel::handleWrite() {
    if (m_tlsCloseAfterFlush) {
        // close_when_done over TLS: the last records have left the layer.
        if (StreamLayer* l = layer(); !l || !l->wantsWrite()) finish(CloseReason::Local, "close_when_done", 0);
        return;
    }
    AsyncChat::handleWrite();
    maybeHalfClose();
}

std::size_t Channel::rawSend(const void* data, std::size_t len, std::error_code& ec) {
    const std::size_t n = AsyncChat::rawSend(data, len, ec);
    if (ec && !sockops::isWouldBlock(ec)) m_ioError = ec;
    return n;
}

void Channel::onSent(std::string_view written) {
    if (written.empty()) return;
    m_report.sent(written);
    // What went out, framed for the other side: its notes (`tell`) are there
    // before the peer can answer them.
    if (m_sentFramer) m_sentFramer->feed(written);
    // initiateSend() drops the written bytes from the fifo after this call.
    if (m_aboveHigh) checkWater(written.size());
}

void Channel::onProducerExhausted(const Producer& p) {
    if (dynamic_cast<const UpgradeMarker*>(&p)) {
        // Everything queued before the upgrade has been sent: TLS from here.
        tlsInstall(true);
        return;
    }
    if (m_ctx.level == EventLevel::Full)
        emit(EventKind::ProducerExhausted).sub = static_cast<std::uint8_t>(producerKindOf(p.kind()));
    const auto* f = dynamic_cast<const FileProducer*>(&p);
    if (f && f->openError())  // the words of a push whose file could not be opened
        m_report.error(f->openError().value(), "cannot read '" + f->path() + "': " + f->openError().message());
    else if (f && f->error())
        m_report.warning(WarningCode::ProducerError,
                         "reading '" + f->path() + "' failed: " + f->error().message() + "; the file was sent only in part");
}

std::size_t Channel::queuedOutput() const { return producerFifo().queuedBytes() + m_batchedBytes; }

void Channel::checkWater(std::size_t inFlight) {
    const std::size_t queued = queuedOutput() - std::min(inFlight, queuedOutput());
    if (!m_aboveHigh && queued > m_opts.highWater) {
        m_aboveHigh = true;
        m_readPaused = m_opts.echo;  // an echo's output grows with its input: stop reading
        if (m_proxyPeer) m_proxyPeer->m_proxyPaused = true;  // so does a proxy leg's with the other's input
        Event& e = emit(EventKind::HighWater);
        e.size = static_cast<std::int64_t>(queued);
        e.count = static_cast<std::int64_t>(m_opts.highWater);
    } else if (m_aboveHigh && queued <= m_opts.highWater / 2) {
        m_aboveHigh = false;
        m_readPaused = false;
        if (m_proxyPeer) m_proxyPeer->m_proxyPaused = false;
        Event& e = emit(EventKind::LowWater);
        e.size = static_cast<std::int64_t>(queued);
        e.count = static_cast<std::int64_t>(m_opts.highWater);
    }
}

// --- Connections -------------------------------------------------------------------------

void Channel::handleConnect() {
    if (m_phase == ChannelPhase::Connecting) m_phase = ChannelPhase::Connected;
    m_peer = addr.toString();
    std::error_code ec;
    m_local = sockops::localAddress(socketHandle(), ec).toString();
    m_candidates.clear();
    m_nextCandidate = 0;
    m_report.connected(m_peer, m_local);
    if (m_tls) tlsConnected();
    maybeHalfClose();  // a proxy's client may have sent end-of-file while this leg was connecting
}

void Channel::handleAccept() {
    for (int i = 0; i < kAcceptBatch && accepting; ++i) {
        std::optional<Accepted> a;
        try {
            a = accept();
        } catch (const std::system_error& e) {
            if (!isResourceExhaustion(e.code())) throw;  // handleError: the listener closes (D9)
            dropPendingConnection(e.code());
            return;
        }
        if (!a) return;
        trace(Hook::HandleAccepted);
        handleAccepted(std::move(a->sock), a->addr);
    }
}

void Channel::handleAccepted(Socket sock, const Address& peer) {
    // (`sock` is not in the loop yet: the loop would have one more.)
    if (!backendCanWatch(m_ctx.backend, sock.get(), map().size() + 1)) {
        m_report.warning(WarningCode::AcceptFailed, std::string(selectLimitError(sock.get()).what()) +
                                                        "; the connection from " + peer.toString() + " was closed");
        return;  // `sock` closes here
    }
    m_ctx.host.acceptConnection(*this, std::move(sock), peer);
}

void Channel::dropPendingConnection(const std::error_code& why) {
    // Give up the spare descriptor, accept the connection that is waiting and
    // close it at once, then take the spare back. Without this, a full
    // descriptor table keeps the listener readable and the loop spinning.
    m_ctx.reserve.reset();
    std::error_code ec;
    Address peer;
    Socket dropped(sockops::accept(socketHandle(), &peer, ec));
    dropped.reset();
    m_ctx.reserve = Socket(sockops::create(kAfInet, kSockStream, ec));
    m_report.warning(WarningCode::AcceptFailed,
                     "accept on " + m_local + ": " + sockops::describe(why) +
                         (peer.isEmpty() ? std::string() : "; the connection from " + peer.toString() + " was closed") +
                         (why == std::errc::too_many_files_open ? " (raise the open-files limit: ulimit -n)" : ""));
}

void Channel::handleClose() {
    if (isClosed()) return;
    if (m_phase == ChannelPhase::Connecting) {
        // A failed connect reported as an exceptional condition (Windows):
        // SO_ERROR says why (WSAECONNREFUSED: "Connection refused", as on Linux).
        std::error_code soEc;
        const int err = sockops::pendingError(socketHandle(), soEc);
        const std::string message = "connect to " + m_attempt.toString() + ": " +
                                    (err ? sockops::describe(sockops::errorFromNative(err)) : "connection failed");
        m_report.error(err, message);
        closeNoThrow();
        if (m_nextCandidate < m_candidates.size()) {
            attemptConnect();
            return;
        }
        finish(CloseReason::Error, message, err);
        return;
    }
    if (!m_peerEof && !m_ioError && m_proxyPeer && !m_readEof && !m_closeWhenDone) {
        // A hangup (POLLHUP: both ways shut down) on a proxy leg: what the
        // peer sent before its end-of-file is still in the socket and goes
        // on first; the recv that returns 0 ends this leg's direction.
        for (int i = 0; i < 4096 && !isClosed() && !m_peerEof; ++i) {
            const std::uint64_t before = m_report.counters().bytesIn;
            AsyncChat::handleRead();
            if (m_program) m_program->detach();
            if (m_report.counters().bytesIn == before) break;
        }
        if (isClosed() || m_peerEof) return;
    }
    if (m_peerEof && m_proxied && m_proxyPeer && !m_readEof) {
        proxyEof();  // the other way may still carry data: a half-close, not a close
    } else if (m_peerEof) {
        finish(CloseReason::Peer, "eof", 0);
    } else if (m_ioError && sockops::isDisconnect(m_ioError)) {
        finish(CloseReason::Peer, sockops::describe(m_ioError), m_ioError.value());
    } else if (m_closeWhenDone && !closeMarkerQueued()) {
        if (StreamLayer* l = layer(); l && l->wantsWrite() && !m_ioError) {
            // TLS still holds records for the socket: close once they are out.
            m_tlsCloseAfterFlush = true;
            return;
        }
        finish(CloseReason::Local, "close_when_done", 0);
    } else {
        finish(CloseReason::Peer, "hangup", 0);
    }
}

void Channel::handleError() {
    std::error_code ec;
    const std::string what = currentExceptionMessage(ec);
    if (isClosed()) return;
    if (m_phase == ChannelPhase::Connecting) {
        const std::string message =
            "connect to " + m_attempt.toString() + ": " + (ec ? sockops::describe(ec) : what);
        m_report.error(ec.value(), message);
        closeNoThrow();
        if (m_nextCandidate < m_candidates.size()) {
            attemptConnect();
            return;
        }
        finish(CloseReason::Error, message, ec.value());
        return;
    }
    if (ec && sockops::isDisconnect(ec)) {
        finish(CloseReason::Peer, sockops::describe(ec), ec.value());
        return;
    }
    m_report.error(ec.value(), what);
    finish(CloseReason::Error, what, ec.value());
}

bool Channel::closeMarkerQueued() const {
    for (const Fifo::Entry& e : producerFifo())
        if (e.kind == Fifo::Entry::Kind::Close) return true;
    return false;
}

void Channel::finish(CloseReason reason, std::string detail, int error) {
    if (isClosed()) return;
    // A proxy's upstream leg that never connected: the accepted leg closes with an error.
    const bool neverConnected =
        m_proxyUpstream && (m_phase == ChannelPhase::Resolving || m_phase == ChannelPhase::Connecting);
    const std::string peerWhy = m_proxyPeer ? detail : std::string();
    m_phase = ChannelPhase::Closed;
    m_readPaused = false;

    // What asynchat would leave behind without a word.
    if (const std::string_view residue = inputBuffer(); !residue.empty())
        m_report.warning(WarningCode::Residue,
                         std::to_string(residue.size()) + " byte(s) held back as a possible start of the terminator " +
                             quoted(m_opts.terminator) + " were never delivered",
                         static_cast<std::int64_t>(residue.size()), residue);
    if (const std::uint64_t pending = m_report.counters().pending;
        m_frames && pending > 0 && role() != ChannelRole::Listener)
        m_report.warning(WarningCode::Unterminated,
                              "the last message (" + std::to_string(pending) + " bytes) never saw its terminator " +
                                  quoted(m_opts.terminator),
                              static_cast<std::int64_t>(pending));
    std::size_t producers = 0;  // other than echo replies, which queuedOutput() counts
    for (const Fifo::Entry& e : producerFifo())
        if (e.kind == Fifo::Entry::Kind::Producer && !dynamic_cast<const ReplyBatch*>(e.producer.get()) &&
            !dynamic_cast<const UpgradeMarker*>(e.producer.get()))
            ++producers;
    if (const std::size_t queued = queuedOutput(); queued > 0 || producers > 0)
        m_report.warning(WarningCode::Unsent,
                         std::to_string(queued) + " queued byte(s)" +
                             (producers ? " and " + std::to_string(producers) + " producer(s)" : std::string()) +
                             " were never sent",
                         static_cast<std::int64_t>(queued));

    ChannelState last = snapshot();
    closeNoThrow();
    m_tlsHold = false;
    m_tlsCloseAfterFlush = false;
    tlsFinishing();
    m_report.closed(reason, error, std::move(detail), std::move(last));
    if (m_budgetMember) m_budget->leave(*this);  // may resume the listener's other connections
    m_ctx.host.channelClosed(*this);
    if (Channel* peer = std::exchange(m_proxyPeer, nullptr)) {
        peer->m_proxyPeer = nullptr;
        peer->m_proxyPaused = false;
        m_proxyPaused = false;
        peer->proxyPeerClosed(neverConnected, peerWhy);
    }
}

// --- Proxying ------------------------------------------------------------------------------

void Channel::linkProxy(Channel& other, bool upstream) {
    m_proxyPeer = &other;
    m_proxyPeerId = other.channelId();
    m_proxied = true;
    m_proxyUpstream = upstream;
    wireNotes();
    // STARTTLS passed through: the accepted leg (its listener's options) watches both.
    if (!upstream && m_opts.proxy.startTls != StartTlsProtocol::None && !m_tls) {
        m_passProtocol = other.m_passProtocol = m_opts.proxy.startTls;
        m_passTls = PassTls::Watching;
    }
    // A listener with intercept on: the pair starts holding.
    if (m_opts.intercept) setIntercept(true);
}

void Channel::relayRead() {
    // An unobserved proxy leg (ChannelOptions::frameProxied false): one
    // recv, no framing; rawRecv() forwards what it read to the other leg
    // and counts it; end-of-file and errors go the usual way.
    char buf[64 * 1024];
    const std::size_t want = std::min(sizeof buf, std::max<std::size_t>(acInBufferSize, 1));
    try {
        bool wouldBlock = false;
        recvOrWouldBlock(buf, want, wouldBlock);
    } catch (const std::system_error&) {
        handleError();
    }
}

void Channel::forwardRead(std::string_view bytes) {
    // Intercepting: each message is held as it is framed, and forwarded when
    // released (ChannelIntercept.cpp), not here.
    if (m_proxyPeer && !m_intercept) m_proxyPeer->proxyForward(bytes);
}

void Channel::proxyForward(std::string_view bytes) {
    if (isClosed() || m_halfClosed || m_halfClosePending) return;
    // initiate_send: sent now if the socket takes it, else queued (nothing
    // goes before the connect); a send error is this leg's, not the reader's.
    guardedIo([&] { push(bytes); });
    if (isClosed()) return;
    checkWater();
}

void Channel::proxyEof() {
    m_readEof = true;
    if (m_intercept && interceptDeferEof()) return;  // afterRelease() passes it on
    if (m_proxyPeer) m_proxyPeer->requestHalfClose();
    proxyMaybeDone();
}

void Channel::proxyMaybeDone() {
    if (!m_proxied || isClosed() || !m_readEof || !m_halfClosed) return;
    finish(CloseReason::Peer, "eof", 0);
}

void Channel::proxyPeerClosed(bool neverConnected, const std::string& why) {
    if (isClosed()) return;
    if (neverConnected) {
        std::string message = "proxy: the upstream could not be reached (" + why + "); the client's connection is closed";
        m_report.error(0, message);
        finish(CloseReason::Error, std::move(message), 0);
        return;
    }
    if (m_readEof && m_halfClosed) {
        finish(CloseReason::Peer, "eof", 0);
        return;
    }
    if (m_phase == ChannelPhase::Resolving || m_phase == ChannelPhase::Connecting) {
        finish(CloseReason::Local, "the proxied client's connection closed", 0);
        return;
    }
    // What was forwarded still goes out; then the connection closes, as the
    // other leg's did.
    requestCloseWhenDone();
}

// --- asyncore's logging, as events --------------------------------------------------------

void Channel::log(std::string_view message) { m_report.warning(WarningCode::Log, "log: " + std::string(message)); }

void Channel::logInfo(std::string_view message, std::string_view type) {
    if (ignoreLogTypes.find(type) != ignoreLogTypes.end()) return;
    m_report.warning(WarningCode::Log, std::string(type) + ": " + std::string(message));
}

}  // namespace engine
