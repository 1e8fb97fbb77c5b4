// Command.h — what other threads may ask of a Reactor: small value types.
//
// What it does: one struct per request (open a client or a server, push
// bytes / a file / repeated bytes, set the terminator or the buffer sizes,
// close_when_done, discard_buffers, close, loop control, snapshot, shut
// down), and Command, the std::variant of them that Reactor::post() takes.
// ChannelOptions are what a new channel starts with; a listener passes its
// current ones on to every channel it accepts.
// What it owns: its strings.
// Threads: plain values; built anywhere, carried out on the loop thread.
#pragma once

#include "engine/asyncore/BufferSizes.h"
#include "engine/reactor/DatagramOptions.h"
#include "engine/reactor/Event.h"
#include "engine/reactor/HostedWork.h"
#include "engine/asyncore/Terminator.h"
#include "engine/tls/TlsConfig.h"

namespace engine::program {
class Program;
}

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace engine {

/// A proxying listener's upstream (ChannelOptions::proxy): every connection
/// it accepts gets a client channel of its own connected to host:port, and
/// the two are linked as one proxied connection. Bytes read on either leg
/// are forwarded to the other exactly as received (at the read, before
/// framing: the terminators only decide where messages are cut for events
/// and recordings). The accepted leg frames with the listener's terminator
/// (client → server), the upstream leg with `serverTerminator`.
/// End-of-file on one leg becomes shutdown(SHUT_WR) on the other once what
/// was forwarded has been sent; a leg that closes otherwise makes the other
/// close once its queue is sent; an upstream that cannot be reached closes
/// the accepted leg with an `error`. A leg whose queue passes the high-water
/// mark stops the other leg reading until it drains to half the mark.
/// TLS: `tls` is the upstream leg's (this end the TLS client, as a
/// connecting channel's ChannelOptions::tls); the listener's own
/// ChannelOptions::tls is the accepted leg's (this end the TLS server). Each
/// leg forwards the plaintext it reads, so framing, events and recordings
/// see plaintext on both legs.
struct ProxyTarget {
    std::string host;        ///< A name or a numeric address.
    std::uint16_t port = 0;  ///< 0: not a proxy.
    int family = 0;          ///< 0 (any), kAfInet or kAfInet6.
    Terminator serverTerminator = Terminator::bytes("\n");
    /// TLS towards the upstream (enabled: from the first byte).
    TlsConfig tls;
    /// STARTTLS passed through (smtp, imap, pop3, ftp; None: not watched):
    /// both legs start in plaintext; the accepted leg watches the client's
    /// lines for the protocol's upgrade command (STARTTLS, a1 STARTTLS, STLS,
    /// AUTH TLS), reads nothing more once it came, and the upstream leg
    /// watches the server's reply. A yes (220, OK, +OK, 234), forwarded to the
    /// client in plaintext, makes both legs start TLS: the upstream as a
    /// client with `tls` (enabled or not), the accepted leg as a server with
    /// the listener's ChannelOptions::tls (its certificate, or the local CA)
    /// once the yes has gone out. A no: the client's leg reads on in plaintext.
    StartTlsProtocol startTls = StartTlsProtocol::None;
    bool wanted() const noexcept { return port != 0; }
};

/// What a channel starts with. A listener's options (as later commands change
/// them) are inherited by every channel it accepts.
struct ChannelOptions {
    static constexpr std::size_t kDefaultMaxMessage = 4u << 20;  // 4 MiB
    static constexpr std::size_t kDefaultHighWater = 4u << 20;   // 4 MiB
    static constexpr std::size_t kDefaultMaxBuffered = 256u << 20;  // 256 MiB

    /// The terminator. A count terminator frames fixed-size records: the
    /// channel sets it again after each record (asynchat alone would fall
    /// back to "collect everything", R8).
    Terminator terminator = Terminator::bytes("\n");
    std::size_t inBufferSize = kAcInBufferSize;    ///< ac_in_buffer_size (≥ 1)
    std::size_t outBufferSize = kAcOutBufferSize;  ///< ac_out_buffer_size (≥ 1)
    /// Bytes a message may reach without its terminator before they are
    /// passed on without one (and a `no_terminator` warning says so).
    std::size_t maxMessage = kDefaultMaxMessage;
    /// Queued output above which `high_water` is reported (and an echoing
    /// channel stops reading until it drains to half of it).
    std::size_t highWater = kDefaultHighWater;
    /// A listener's input budget: the bytes its accepted connections may
    /// hold together as input not yet framed (each one's ac_in_buffer plus
    /// the message being collected). Past it the listener stops reading from
    /// the largest holders until the total falls below 3/4 of it (an
    /// `input_budget` warning, then `input_resumed`); nothing is dropped or
    /// closed. 0: no budget. Only a listener's value matters (set when it is
    /// opened); the connections it accepts share its budget.
    std::size_t maxBuffered = kDefaultMaxBuffered;
    /// Each found_terminator pushes the message back, then the terminator.
    bool echo = false;
    /// A proxying listener's legs (both take it from the listener): false
    /// forwards what each leg reads without framing it at all, for a user
    /// that observes no message (no message events wanted, no programs, no
    /// message counts read): the bytes and the connection lifecycle are the
    /// same, the framing work is saved. true: both directions framed.
    bool frameProxied = true;
    /// TLS from the first byte, or a STARTTLS upgrade later (TlsConfig.h).
    /// A listener's value applies to the connections it accepts.
    TlsConfig tls;
    /// A listener: proxy every connection it accepts to this upstream (ProxyTarget).
    ProxyTarget proxy;
    /// A proxying listener: the legs of the connections it accepts start
    /// with intercept on (cmd::SetIntercept; needs frameProxied).
    bool intercept = false;
    /// Protocol programs (engine/program: a preset, a rules file; run as
    /// layers, ProgramRunner.h) run in each found_terminator: they set the
    /// terminator (their starting one replaces `terminator`), answer, close
    /// and group the messages (found_terminator's `group`, `rule`, `mark`).
    /// A listener's apply to each connection it accepts, each with a runner
    /// of its own. The legs of a proxied connection are framed and marked,
    /// never answered or closed by a program. Empty: none.
    std::vector<std::shared_ptr<const program::Program>> programs;
};

/// Every channel, for commands that take "one channel or all" (Snapshot).
inline constexpr ChannelId kAllChannels = 0;

namespace cmd {

/// Connect to HOST:PORT. Names are resolved off the loop thread; every
/// address found is tried in turn until one connects. `family` 0 (any),
/// kAfInet or kAfInet6. `id` is filled by Reactor::post().
struct OpenClient {
    ChannelId id = 0;
    std::string host;
    std::uint16_t port = 0;
    int family = 0;
    ChannelOptions options;
};
/// Listen on HOST:PORT (port 0: any free port; the `listening` event says
/// which). The default host is loopback; all interfaces only when asked
/// ("0.0.0.0" or "::").
struct OpenServer {
    static constexpr int kDefaultBacklog = 4096;
    ChannelId id = 0;
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;
    int backlog = kDefaultBacklog;
    ChannelOptions options;
};
/// A UDP channel (DatagramChannel.h). Bind: bound to HOST:PORT (port 0:
/// any free port), receives from anyone and replies to the sender of the
/// last datagram (`listening`; the default host is loopback). Connect: bound
/// to an ephemeral port and connected to HOST:PORT (a name is resolved off
/// the loop thread, the first address is used): sends there, receives only
/// from there, and hears ICMP port unreachable (`connecting`, `connected`).
/// Push sends one datagram per push; PushTo to a given address.
struct OpenDatagram {
    enum class Mode : std::uint8_t { Bind, Connect };
    ChannelId id = 0;
    Mode mode = Mode::Bind;
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;
    int family = 0;
    DatagramOptions options;
};
/// One datagram from UDP channel `channel` to `to` (a numeric "HOST:PORT",
/// "[V6]:PORT").
struct PushTo {
    ChannelId channel = 0;
    std::string data;
    std::string to;
};
/// push(bytes). On a UDP channel: one datagram, to the connected peer or,
/// for a bound channel, to the sender of the last datagram received.
struct Push {
    ChannelId channel = 0;
    std::string data;
};
/// push_with_producer(FileProducer(path)).
struct PushFile {
    ChannelId channel = 0;
    std::string path;
};
/// `copies` copies of `data`: all at once through a RepeatProducer when
/// `interval` is zero, else one push every `interval` (copies 0: until the
/// channel closes or its buffers are discarded).
struct PushRepeat {
    ChannelId channel = 0;
    std::string data;
    std::uint64_t copies = 1;
    std::chrono::milliseconds interval{0};
};
/// set_terminator(). On a listener: what it hands to channels it accepts.
struct SetTerminator {
    ChannelId channel = 0;
    Terminator terminator;
};
/// A proxying listener (ChannelOptions::proxy): the terminator its
/// connections' upstream legs start with (server → client framing). The
/// legs already open keep theirs (SetTerminator changes one leg).
struct SetProxyServerTerminator {
    ChannelId listener = 0;
    Terminator terminator;
};
/// Intercept on a framing proxy. `channel`: a proxying listener (every pair
/// it has and every pair it accepts later) or either leg of one proxied
/// connection (both legs). On: each message a leg frames (the terminator in
/// force cuts it; with none, each read) is held on the loop thread instead
/// of forwarded, and an `intercept` event (held) carries it with its number;
/// ReleaseHeld forwards, edits or drops it. The bytes a leg had read and
/// forwarded before are not held again. A leg's hold queue takes at most
/// Channel::kMaxHeldMessages messages or kMaxHeldBytes bytes: when full the
/// leg stops reading (its peer's sends wait in TCP; nothing is dropped) until
/// releases bring it under 3/4 of both (`intercept` full, then room).
/// End-of-file from a peer waits until what that leg holds is released. Off:
/// what is held is forwarded in order, then bytes flow as read again.
/// Injecting a message is a Push on a leg (to the client: the accepted leg;
/// to the server: the upstream leg). Not a proxy, or one that does not frame
/// (frameProxied false): an `error` event.
struct SetIntercept {
    ChannelId channel = 0;
    bool on = true;
};
/// One held message of leg `channel` (its `intercept` held event's
/// message number; 0: every message it holds, in order — not for Edit):
/// forwarded as it was, forwarded as `data` instead, or dropped. A number
/// the leg does not hold: an `error` event.
struct ReleaseHeld {
    enum class Action : std::uint8_t { Forward, Edit, Drop };
    ChannelId channel = 0;
    std::uint64_t message = 0;
    Action action = Action::Forward;
    std::string data;  ///< Edit: the bytes that go instead (terminator included).
};
/// Replace a live channel's protocol programs (ChannelOptions::programs;
/// empty: none, back to the terminator last set by hand or at open). A
/// connection gets a new runner at once: its starting terminator is in force
/// from the next byte framed (`terminator_set` says which), its rules see
/// the messages that end from now on (the bytes of a message already under
/// way were collected for the old runner: that message is framed by the new
/// terminator but its rules see only the part that arrives afterwards), its
/// state, groups and counter start afresh. On a listener: what every
/// connection it accepts from now on runs (those already accepted keep
/// theirs). A UDP channel: an `error` event.
struct SetPrograms {
    ChannelId channel = 0;
    std::vector<std::shared_ptr<const program::Program>> programs;
};
/// ac_in_buffer_size / ac_out_buffer_size (each ≥ 1).
struct SetBufferSizes {
    ChannelId channel = 0;
    std::size_t inBufferSize = kAcInBufferSize;
    std::size_t outBufferSize = kAcOutBufferSize;
};
/// The message limit and the high-water mark (each ≥ 1).
struct SetLimits {
    ChannelId channel = 0;
    std::size_t maxMessage = ChannelOptions::kDefaultMaxMessage;
    std::size_t highWater = ChannelOptions::kDefaultHighWater;
};
/// close_when_done().
struct CloseWhenDone {
    ChannelId channel = 0;
};
/// shutdown(SHUT_WR) once everything queued has been sent: the peer sees
/// end-of-file while the channel still reads (what ncat does at stdin EOF).
struct HalfClose {
    ChannelId channel = 0;
};
/// discard_buffers() (also stops a paced PushRepeat).
struct DiscardBuffers {
    ChannelId channel = 0;
};
/// close() now; queued output is dropped (P13).
struct Close {
    ChannelId channel = 0;
};
/// Upgrade a live plaintext channel to TLS now (STARTTLS done by hand): the
/// channel is the TLS client when it connected, the TLS server when it was
/// accepted. Output already queued goes out in plaintext first; the
/// handshake starts once it has been sent, and the channel reads nothing
/// meanwhile (the peer's first TLS bytes are not taken for plaintext).
/// `tls` as ChannelOptions::tls (enabled and startTls are ignored).
/// A listener, a closed channel or one already in TLS: an `error` event.
struct StartTls {
    ChannelId channel = 0;
    TlsConfig tls;
};
/// One `channel_state` event per channel (kAllChannels) or for one channel.
struct Snapshot {
    ChannelId channel = kAllChannels;
};
/// Stop dispatching: the loop waits for commands only.
struct Pause {};
/// Run freely again.
struct Resume {};
/// While paused: run exactly one loop pass (it waits for readiness as a
/// running loop would; any command ends the wait).
struct Step {};
/// The loop trace: one `loop` event per pass.
struct SetLoopTrace {
    bool on = true;
};
/// Wait in `backend` from the next pass on (select, poll, epoll). Refused
/// with an `error` event when it is not available here, or when select()
/// cannot watch a descriptor the loop has (FD_SETSIZE).
struct SetBackend {
    Backend backend = Backend::Select;
};
/// Emit `limit_reached` once `messages` messages have been received in all
/// (0: no limit). The reactor only reports it; what to do is the caller's.
struct SetMessageLimit {
    std::uint64_t messages = 0;
};
/// Close every channel (reason local, "shutdown") and stop the loop thread;
/// `stopped` is the last event.
struct Shutdown {};
/// Run `factory` on the loop thread and host what it makes (HostedWork.h):
/// each dispatcher it registers becomes a channel of its own (`hosted
/// dispatcher`, then the usual events). `host` is filled by Reactor::post().
struct Host {
    HostId host = 0;
    std::string label;
    HostFactory factory;
};
/// Close the dispatchers of hosted work `host` and destroy it (`hosted stopped`).
struct StopHost {
    HostId host = 0;
};

}  // namespace cmd

using Command = std::variant<cmd::OpenClient, cmd::OpenServer, cmd::OpenDatagram, cmd::PushTo, cmd::Push, cmd::PushFile, cmd::PushRepeat,
                             cmd::SetTerminator, cmd::SetProxyServerTerminator, cmd::SetPrograms, cmd::SetBufferSizes, cmd::SetLimits, cmd::CloseWhenDone,
                             cmd::HalfClose, cmd::DiscardBuffers, cmd::Close, cmd::StartTls, cmd::Snapshot, cmd::Pause,
                             cmd::Resume, cmd::Step, cmd::SetLoopTrace, cmd::SetBackend, cmd::SetMessageLimit, cmd::Shutdown,
                             cmd::Host, cmd::StopHost, cmd::SetIntercept, cmd::ReleaseHeld>;

}  // namespace engine
