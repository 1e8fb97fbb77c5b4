// Channel.h — the Reactor's async_chat: one client, listener or accepted
// connection, reporting what asynchat does as events.
//
// What it does: an AsyncChat whose hooks turn into events (`collect`,
// `found_terminator`, `sent`, `closed`, …) and counters, and which carries
// out the Reactor's commands on itself (listen, connect to each resolved
// address in turn, push, set the terminator or buffer sizes, close_when_done,
// half-close, discard, close). On top of asynchat it adds what a tool needs:
//   * echo: each found_terminator pushes the message back, then the
//     terminator (with no framing terminator, each collected chunk goes back
//     as it comes). Below EventLevel::Full the replies of one handleRead()
//     are pushed once, at its end: the same bytes on the wire, one send; the
//     start of a message still waiting for its terminator stays behind.
//   * a count terminator frames fixed-size records: it is set again after
//     each record (asynchat alone would fall back to "collect all", R8).
//   * a message limit: past `maxMessage` bytes without the terminator the
//     message so far is passed on (echoed, reported) and a `no_terminator`
//     warning says so; nothing is dropped and nothing grows without bound.
//   * backpressure: queued output above `highWater` is reported
//     (`high_water`, then `low_water` at half the mark), and an echoing
//     channel stops reading meanwhile, so a slow reader cannot grow its fifo
//     without bound.
//   * at close, what asynchat would silently lose is reported: the held-back
//     partial terminator (R15, `residue` with the bytes), a message never
//     terminated (`unterminated`), output never sent (`unsent`).
//   * an input budget (ChannelOptions::maxBuffered, InputBudget.h): a
//     listener's connections share one; past it the largest holders of
//     input not yet framed stop reading until the total falls again.
//   * accept() running out of descriptors (EMFILE) closes the pending
//     connection through a reserved descriptor instead of closing the
//     listener (asyncore's D9), and says so (`accept_failed`).
//   * intercept (setIntercept(), ChannelIntercept.cpp): a proxy leg holds
//     each message it frames instead of forwarding it (cmd::SetIntercept).
//   * proxying (ChannelOptions::proxy, linkProxy()): two channels linked as
//     the legs of one proxied connection. What one leg reads is forwarded
//     to the other at the read, exactly as received, before it is framed;
//     end-of-file becomes a half-close of the other leg, a close or error
//     makes the other close once its queue is sent (an upstream that never
//     connected: at once, with an `error`), and a leg above its high-water
//     mark stops the other reading until it drains to half the mark.
//     Either leg may run TLS (the accepted one as its listener's TLS server,
//     the upstream one as ProxyTarget::tls's client): a TLS leg forwards the
//     plaintext its layer delivers (tls::PlainTap::onPlain).
//   * STARTTLS passed through (ProxyTarget::startTls, ChannelTls.cpp): the
//     accepted leg scans the client's lines (before framing, as read) for
//     the upgrade command, the upstream leg then the server's reply; on a
//     yes both legs upgrade (the accepted one after the yes has gone out).
//   * TLS (ChannelOptions::tls, ChannelTls.cpp): a TlsLayer under the
//     dispatcher from the first byte (a client once connected; every
//     connection a TLS listener accepts, with the listener's one context),
//     or a STARTTLS upgrade later: a client dialogue (StartTlsDialog) over
//     the lines received before framing, the server side's "upgrade after a
//     received line matches", or cmd::StartTls. An upgrade waits behind the
//     output already queued (a marker in the fifo: the go-ahead a server
//     pushes goes out in plaintext, then the handshake starts) and the
//     channel reads nothing meanwhile; bytes read after the go-ahead in the
//     same recv are handed to the layer, not framed. Framing, echo, hooks
//     and counters see plaintext as over TCP. Events: `starttls`,
//     `tls_handshake`, `tls_close`, `error` (handshake, verification,
//     refused STARTTLS: the channel closes), `tls_unverified` warnings.
// Its events and counters go through a ChannelReporter (ChannelReporter.h),
// the same that reports the dispatchers of hosted work.
// What it owns: its socket, buffers and fifo (through AsyncChat), its
// reporter, a share of its listener's InputBudget (a listener: of its own). It does not own its Loop or the ChannelContext (declared in
// ChannelReporter.h); the Reactor owns the Channel.
// Threads: loop thread only.
#pragma once

#include "engine/asyncore/AsyncChat.h"
#include "engine/reactor/ChannelReporter.h"
#include "engine/reactor/Command.h"
#include "engine/reactor/Event.h"
#include "engine/reactor/InputBudget.h"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace engine {

class Channel;
namespace program {
class ProgramRunner;
class ProgramFramer;
}
namespace tls {
class TlsContext;
class TlsLayer;
}  // namespace tls

/// Why backendCanWatch() said no: "descriptor 1030 is past what select() can
/// watch, FD_SETSIZE (1024)" on POSIX, "1025 sockets are past what select()
/// can watch, FD_SETSIZE (1024)" on Windows.
std::string backendLimitText(Backend backend, NativeSocket fd, std::size_t socketsInLoop);
/// Whether `backend` can watch descriptor `fd` in a loop that has
/// `socketsInLoop` sockets, `fd` counted. select() on POSIX: `fd` below
/// FD_SETSIZE (fd_set is a bitmap indexed by descriptor); on Windows: at most
/// FD_SETSIZE sockets (fd_set is an array of sockets of any value). poll and
/// epoll: always.
bool backendCanWatch(Backend backend, NativeSocket fd, std::size_t socketsInLoop);

/// What a Channel needs its owner to do. Implemented by the Reactor.
class ChannelHost {
public:
    virtual ~ChannelHost() = default;
    /// `listener` accepted `sock` from `peer`: make it a channel.
    virtual void acceptConnection(Channel& listener, Socket sock, const Address& peer) = 0;
    /// `channel` has just closed (its `closed` event is out); it must stay
    /// alive until the current loop pass is over.
    virtual void channelClosed(Channel& channel) = 0;
};

class Channel final : public AsyncChat {
public:
    /// A client or listener channel, with no socket yet.
    Channel(ChannelContext& ctx, Loop& loop, ChannelId id, ChannelRole role, const ChannelOptions& options);
    /// An accepted connection: adopts `sock` (throws std::system_error as
    /// Dispatcher(Socket) does when the connection is already unusable).
    Channel(ChannelContext& ctx, Loop& loop, ChannelId id, ChannelId parent, const ChannelOptions& options,
            Socket sock);
    ~Channel() override;

    ChannelId channelId() const noexcept { return m_report.id(); }
    ChannelRole role() const noexcept { return m_report.role(); }
    ChannelPhase phase() const noexcept { return m_phase; }
    ChannelId parentId() const noexcept { return m_report.parent(); }
    /// Its events and counters.
    ChannelReporter& reporter() noexcept { return m_report; }
    const ChannelOptions& options() const noexcept { return m_opts; }
    bool isClosed() const noexcept { return m_phase == ChannelPhase::Closed; }
    bool isHalfClosed() const noexcept { return m_halfClosed; }
    /// The peer's and our address as text ("" until known).
    const std::string& peerAddress() const noexcept { return m_peer; }
    const std::string& localAddress() const noexcept { return m_local; }

    // --- Commands, carried out on the loop thread ----------------------------------
    /// Binds and listens; emits `listening`, or `error` + `closed`.
    void listenOn(const Address& address, int backlog);
    /// Connects to each candidate in turn until one succeeds; `host` is the
    /// name as given, for the events.
    void connectTo(std::vector<Address> candidates, std::string host);
    /// The name could not be resolved: `error` + `closed`.
    void resolveFailed(std::string_view message);
    /// push(); `kind`/`copies` only qualify the `push` event.
    void pushBytes(std::string_view data, ProducerKind kind = ProducerKind::Bytes, std::int64_t copy = 0);
    /// pushBytes() that hands `data` to the fifo without a copy (AsyncChat::push(std::string&&)).
    void pushBytes(std::string&& data, ProducerKind kind = ProducerKind::Bytes, std::int64_t copy = 0);
    /// push_with_producer().
    void pushProducer(std::unique_ptr<Producer> producer, ProducerKind kind, std::int64_t size, std::int64_t copies,
                      std::string_view info);
    void applyTerminator(const Terminator& t);
    /// A proxying listener: the upstream legs of later connections start with `t`.
    void setProxyServerTerminator(const Terminator& t) { m_opts.proxy.serverTerminator = t; }
    /// cmd::SetPrograms: a connection's runner replaced (or removed), a listener's options changed.
    void applyPrograms(std::vector<std::shared_ptr<const program::Program>> programs);
    void applyBufferSizes(std::size_t in, std::size_t out);
    void applyLimits(std::size_t maxMessage, std::size_t highWater);
    void requestCloseWhenDone();
    void requestHalfClose();
    void discard();
    /// close() now, reported as closed by us with `detail`.
    void closeLocally(std::string_view detail);
    /// What a `channel_state` event shows.
    ChannelState snapshot();
    /// A listener's input budget, shared with the connections it accepts
    /// (null: none, or not a listener).
    const std::shared_ptr<InputBudget>& inputBudget() const noexcept { return m_budget; }
    /// An accepted connection shares its listener's `budget` (null: none).
    void joinBudget(std::shared_ptr<InputBudget> budget);
    /// Input held and not yet framed: ac_in_buffer plus the message being collected.
    std::size_t bufferedInput() const;
    /// Paused by its listener's input budget.
    bool isBudgetPaused() const noexcept { return m_budgetPaused; }

    // --- Proxying ---------------------------------------------------------------------------
    /// Links this channel and `other` as the two legs of a proxied
    /// connection; `upstream`: this one is the leg the reactor connects.
    void linkProxy(Channel& other, bool upstream);
    /// The other leg (null: not proxied, or it has closed).
    Channel* proxyPeer() const noexcept { return m_proxyPeer; }
    /// Reading paused because the other leg's queue is above its high-water mark.
    bool isProxyPaused() const noexcept { return m_proxyPaused; }

    // --- Intercept on a proxy leg (ChannelIntercept.cpp; cmd::SetIntercept) ----------------
    /// A leg's hold queue holds at most this many messages / bytes (then it stops reading).
    static constexpr std::size_t kMaxHeldMessages = 1024;
    static constexpr std::size_t kMaxHeldBytes = 16u << 20;
    /// Holds each message framed from now on (on), or forwards what is held
    /// and stops holding (off). False (nothing changed) when it cannot: not a
    /// proxy leg, one that does not frame, or closed.
    bool setIntercept(bool on);
    bool isIntercepting() const noexcept { return m_intercept; }
    /// Messages held now.
    std::size_t heldMessages() const noexcept { return m_held.size(); }
    /// cmd::ReleaseHeld on this leg.
    void releaseHeld(std::uint64_t message, cmd::ReleaseHeld::Action action, std::string data);
    /// A proxying listener: the pairs it accepts from now on start with intercept `on`.
    void setInterceptOption(bool on) { m_opts.intercept = on; }

    // --- TLS (ChannelTls.cpp) --------------------------------------------------------------
    /// cmd::StartTls: the TLS handshake starts once the output queued so far
    /// has been sent (client role for a client, server for an accepted
    /// connection). An `error` event (the channel stays as it was) when it
    /// cannot: a listener, TLS already on or under way, a bad configuration.
    void startTlsNow(const TlsConfig& config);
    /// An accepted connection: TLS from the first byte, or the server side
    /// of a STARTTLS upgrade, as its `listener`'s options say.
    void inheritTls(const Channel& listener);
    /// A TLS listener's context, shared by the connections it accepts; a
    /// channel's own otherwise (null: no TLS).
    std::shared_ptr<tls::TlsContext> tlsContext() const;
    /// The TLS session under the channel (null: none, or not yet).
    tls::TlsLayer* tlsLayer() const noexcept;

    // --- async_chat / asyncore hooks --------------------------------------------------
    bool readable() override {
        return !m_ctx.inputPaused && !m_readPaused && !m_budgetPaused && !m_tlsHold && !m_proxyPaused && !m_readEof &&
               !m_holdFull;
    }
    bool writable() override { return AsyncChat::writable() || m_tlsCloseAfterFlush; }
    void collectIncomingData(std::string_view data) override;
    void foundTerminator() override;
    /// Below EventLevel::Messages, with nothing that acts per message (echo,
    /// intercept, a program, TLS, --count): the records of a read counted at
    /// once, as collectIncomingData + foundTerminator would count them.
    std::size_t takeWholeRecords(std::string_view live, std::string_view terminator) override;
    void handleRead() override;
    void handleWrite() override;
    void handleConnect() override;
    void handleAccept() override;
    void handleAccepted(Socket sock, const Address& peer) override;
    void handleClose() override;
    void handleError() override;
    void log(std::string_view message) override;
    void logInfo(std::string_view message, std::string_view type = "info") override;

protected:
    std::string_view className() const override { return "Channel"; }
    void onSent(std::string_view written) override;
    void onProducerExhausted(const Producer& p) override;
    std::size_t rawRecv(void* buf, std::size_t len, std::error_code& ec) override;
    std::size_t rawSend(const void* data, std::size_t len, std::error_code& ec) override;

private:
    Event& emit(EventKind kind) { return m_report.emit(kind); }
    void applyOptions();  // both constructors: buffer sizes, terminator, echo batching
    void cacheTerminator();
    void cacheTerminator(const Terminator& t);  // the terminator in force (a program's, or the configured one)
    /// found_terminator() with a protocol program: its verdict reported,
    /// its replies pushed, its terminator set (for the bytes still buffered).
    void runProgram(bool counted);
    /// A new runner of the options' programs: its first terminator set
    /// (and returned), its notes wired.
    Terminator startPrograms();
    void attemptConnect();
    void echoReply(std::string_view reply);
    /// Echo, in found_terminator: the message and the terminator's bytes it
    /// `consumed` (none for a count) go back, batched or pushed now.
    void echoFound(std::string_view consumed);
    /// Max message reached: what an echo holds of the message goes out now.
    void passOnPartial();
    void flushEcho();
    /// Reports crossing the high-water mark either way; `inFlight` bytes of
    /// the fifo are already written (onSent runs before they are dropped).
    void checkWater(std::size_t inFlight = 0);
    /// Bytes queued for sending: the fifo's data entries plus echo replies
    /// not yet taken from their producers.
    std::size_t queuedOutput() const;
    void maybeHalfClose();
    void dropPendingConnection(const std::error_code& why);
    /// Closes, reports what was left behind, emits `closed`, tells the host.
    void finish(CloseReason reason, std::string detail, int error);
    bool closeMarkerQueued() const;
    /// Tells the input budget what this connection holds now.
    void updateBudget() {
        if (m_budgetMember) m_budget->update(*this, bufferedInput());
    }

    // Proxying.
    /// What this leg read (the bytes from the socket, or a TLS layer's
    /// plaintext): to the other leg as read, unless intercept holds it.
    void forwardRead(std::string_view bytes);
    /// Bytes the other leg read: queued as they are.
    void proxyForward(std::string_view bytes);
    /// handleRead() of an unobserved proxy leg (ChannelOptions::frameProxied false).
    void relayRead();
    /// End-of-file from our peer: half-close the other leg, read no more.
    void proxyEof();
    /// Both ways are over (end-of-file read, ours sent): close.
    void proxyMaybeDone();
    /// The other leg has closed (`neverConnected`: an upstream that never
    /// got through, `why` saying what happened).
    void proxyPeerClosed(bool neverConnected, const std::string& why);

    // Intercept (ChannelIntercept.cpp).
    void reportIntercept(InterceptAction action, std::uint64_t message, std::string_view bytes);
    void interceptCollect(std::string_view data);       // collect_incoming_data under intercept
    void interceptFound(std::string_view terminator);   // found_terminator under intercept
    void holdMessage();                                 // m_holding becomes a held message
    void forwardHeld(std::string_view bytes);
    void afterRelease();                                // room again; a deferred end-of-file
    /// End-of-file read while intercepting: what is under way is held too;
    /// true when the other leg's half-close waits for the held messages.
    bool interceptDeferEof();

    // TLS (ChannelTls.cpp).
    struct Tls;
    class UpgradeMarker;
    /// Makes m_tls for `config` in `role` (a TlsContext); false after an
    /// `error` (the caller decides whether the channel closes).
    bool tlsSetUp(const TlsConfig& config, bool server, std::string_view what);
    void tlsConnected();          // handleConnect: TLS from the first byte, or the dialogue's first step
    std::size_t tlsScan(char* buf, std::size_t n);  // rawRecv under a dialogue: lines, the cut
    void tlsAfterRead();          // handleRead: the dialogue's sends, failure or upgrade
    void tlsAfterPush();          // a push by the application: the go-ahead of a server upgrade
    void tlsQueueUpgrade();       // the marker: handshake once the queued output is out
    void tlsInstall(bool startTls);  // the layer, now
    void tlsFinishing();          // finish(): `tls_close` for a session this end closes
    void tlsHandshakeDone(const TlsHandshakeInfo& info);
    void tlsClosed(TlsCloseKind kind);
    // STARTTLS passed through by a proxy (ChannelTls.cpp).
    std::size_t passScan(char* buf, std::size_t n);  // rawRecv: the client's command, or the server's reply
    void passAfterRead();                            // handleRead: a yes upgrades both legs, a no resumes
    void passUpgrade(const TlsConfig& config, std::string stash);  // this leg, as a STARTTLS upgrade
    /// Runs `f` (which may send through the TLS layer) outside the Loop's
    /// guard: an exception is handled as handleError() would be.
    template <class F>
    void guardedIo(F&& f);

    friend class InputBudget;

    ChannelContext& m_ctx;
    ChannelReporter m_report;
    ChannelOptions m_opts;
    ChannelPhase m_phase;

    // The configured terminator, cached for the hot path.
    bool m_frames = true;           // it frames input (not None / b'' / 0)
    bool m_countTerminator = false;
    std::string m_termBytes;        // a bytes terminator's bytes

    // Input accounting (the bytes of the message in progress: m_report.counters().pending).
    std::string m_message;          // echo (one push per reply): the message so far
    std::string m_echoOut;          // echo (batched): the replies of this handleRead(), then
                                    // the start of the next message
    std::size_t m_echoReady = 0;    // bytes of m_echoOut that are complete replies
    std::size_t m_batchedBytes = 0; // bytes in ReplyBatch producers still in the fifo
    std::uint64_t m_echoReplies = 0;
    bool m_batchEcho = false;

    // Output state.
    bool m_aboveHigh = false;
    bool m_readPaused = false;
    bool m_closeWhenDone = false;
    bool m_halfClosePending = false;
    bool m_halfClosed = false;

    // The input budget: a listener's own, or the one an accepted connection
    // shares; the rest is InputBudget's bookkeeping.
    std::shared_ptr<InputBudget> m_budget;
    std::size_t m_budgetHeld = 0;   // what the budget counts for this channel
    std::size_t m_budgetIndex = 0;  // its place among the budget's members
    bool m_budgetMember = false;
    bool m_budgetPaused = false;

    // Why the channel is closing, learned at the transport.
    bool m_peerEof = false;
    std::error_code m_ioError;

    // Connecting.
    std::vector<Address> m_candidates;
    std::size_t m_nextCandidate = 0;
    std::string m_host;
    Address m_attempt;

    // Proxying: the other leg (owned by the Reactor; unlinked when either closes).
    Channel* m_proxyPeer = nullptr;
    ChannelId m_proxyPeerId = 0;
    bool m_proxied = false;          // a leg of a proxied connection, linked or no longer
    bool m_proxyUpstream = false;    // the leg the reactor connects
    bool m_proxyPaused = false;      // the other leg's queue is above its high-water mark
    bool m_readEof = false;          // proxied: end-of-file read; waiting for the other way to end

    // Intercept: messages framed and held, not forwarded (loop thread only).
    struct Held {
        std::uint64_t id = 0;
        std::string bytes;  // the message and its terminator, as read
    };
    std::deque<Held> m_held;
    std::size_t m_heldBytes = 0;
    std::string m_holding;             // the message being framed
    std::size_t m_alreadyForwarded = 0;  // bytes read and forwarded before intercept went on, not yet framed
    std::uint64_t m_nextHeld = 1;
    bool m_intercept = false;
    bool m_holdFull = false;           // the hold queue is full: read nothing
    bool m_eofAfterHeld = false;       // end-of-file read: the other leg's half-close waits for the queue

    // The protocol program's runner (ChannelOptions::program; null: none, or a listener).
    std::unique_ptr<program::ProgramRunner> m_program;
    bool m_programClosing = false;  // a rule closed the channel: later messages are not run
    // When a program tells the other direction something (`tell`, POP3): what
    // this channel sends, framed by the same programs for the other side, so
    // that its notes reach m_program (a proxy leg shares its peer leg's notes instead).
    std::unique_ptr<program::ProgramFramer> m_sentFramer;
    void wireNotes();

    // TLS: null for a cleartext channel that was never asked for TLS.
    std::unique_ptr<Tls> m_tls;
    bool m_tlsHold = false;             // an upgrade waits: read nothing (readable() false)
    bool m_tlsCloseAfterFlush = false;  // close_when_done reached: close once the layer has flushed

    // STARTTLS passed through (ProxyTarget::startTls): Watching (the accepted
    // leg, for the client's command), Asked (the accepted leg reads nothing;
    // the upstream leg scans the server's reply), Yes/No (the upstream leg:
    // decided in this read; passAfterRead acts).
    enum class PassTls : std::uint8_t { Off, Watching, Asked, Yes, No };
    PassTls m_passTls = PassTls::Off;
    StartTlsProtocol m_passProtocol = StartTlsProtocol::None;
    std::string m_passLine;   // the line being scanned (its first bytes only)
    std::string m_passTag;    // imap: the tag of the client's STARTTLS
    std::string m_passStash;  // bytes read after the decisive line (the peer's first TLS bytes)

    // Addresses as text, kept for events after the socket is gone.
    std::string m_peer;
    std::string m_local;
};

template <class F>
void Channel::guardedIo(F&& f) {
    try {
        f();
    } catch (const ExitNow&) {
        throw;
    } catch (...) {
        handleError();
    }
}

}  // namespace engine
