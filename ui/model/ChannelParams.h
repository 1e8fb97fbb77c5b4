// ChannelParams.h — what the Connect… and Listen… dialogs produce.
//
// What it does: the parameters of a new client or listening channel as the
// user chose them, kept by the main window so "Reconnect" can open the same
// channel again, and turned into engine::ChannelOptions when posted.
// What it owns: its strings.
// Threads: value types; any thread.
#pragma once

#include "engine/reactor/Command.h"
#include "engine/asyncore/Terminator.h"

#include <QString>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace engine::program {
class Program;
}

namespace ui {

/// A channel's protocol programs as chosen (ui/protocol/ProtocolChooser): a
/// preset by name and a rules file, run as layers (the preset frames, the
/// rules answer), and the programs as loaded when chosen.
struct ProtocolChoice {
    QString preset;     ///< "": none
    QString rulesFile;  ///< "": none
    QString rulesText;  ///< rules typed in the Protocol dialog's editor (then rulesFile is "")
    std::vector<std::shared_ptr<const engine::program::Program>> programs;

    bool isEmpty() const { return programs.empty(); }
    /// "redis", "redis + ping.lwp", "ping.lwp", or "" for none.
    QString label() const;
};

/// Loads `c.preset` (the user's presets folder first, then the built-in ones)
/// and `c.rulesFile` into `c.programs` (what File ▸ Recent reopens); "" when
/// they load, else the first error ("unknown preset …", "FILE:LINE: …"), and
/// then no programs.
QString loadProtocol(ProtocolChoice& c);

/// The socket options of a UDP channel beyond its address (the Connect and
/// Listen dialogs' UDP options; `linewright-cli udp --broadcast --multicast
/// --multicast-if --multicast-ttl --no-multicast-loop`).
struct UdpSocketOptions {
    bool broadcast = false;        ///< SO_BROADCAST: sends to a broadcast address are allowed.
    QString multicastGroup;        ///< A bound channel joins this group (a numeric address; "": none).
    QString multicastInterface;    ///< An IPv4 address or an IPv6 interface index ("": the system's choice).
    int multicastTtl = -1;         ///< TTL / hop limit of the multicast sent, 0–255 (-1: the system's default, 1).
    bool multicastLoop = true;     ///< Our own multicast comes back to us (the system's default).

    bool isDefault() const {
        return !broadcast && multicastGroup.isEmpty() && multicastInterface.isEmpty() && multicastTtl < 0 &&
               multicastLoop;
    }
    /// Copies them into `o`.
    void applyTo(engine::DatagramOptions& o) const;
    /// "broadcast, multicast group 239.1.2.3 on 127.0.0.1, TTL 0, no loop"; "" when all are defaults.
    static QString describe(const engine::DatagramOptions& o);
};

/// What is wrong with `o` for a UDP channel, in one sentence ("" when
/// nothing): a group that is not a numeric multicast address, a bad
/// interface, a TTL outside 0–255, and — bound (`bind`), with a group — a
/// host that would not hear the group (not the wildcard 0.0.0.0 / :: or the
/// group itself) or of another family than the group.
QString udpOptionsProblem(const UdpSocketOptions& o, bool bind, const QString& host);

/// The address family choice: any, IPv4 only, IPv6 only.
enum class Family { Any, IPv4, IPv6 };

/// The engine's family value for `f` (0, AF_INET or AF_INET6).
int engineFamily(Family f);

struct ConnectParams {
    /// UDP instead of TCP: a datagram channel connected to HOST:PORT (it sends
    /// there and hears only from there); the terminator then frames within a
    /// datagram (none: each datagram one message); TLS, the protocol and the
    /// buffer sizes do not apply.
    bool udp = false;
    QString host = QStringLiteral("127.0.0.1");
    std::uint16_t port = 7000;
    Family family = Family::Any;
    engine::Terminator terminator = engine::Terminator::bytes("\r\n");
    std::size_t inBufferSize = 4096;
    std::size_t outBufferSize = 4096;
    /// TLS / STARTTLS (off by default; verification on once TLS is on).
    engine::TlsConfig tls;
    /// Protocol programs (none by default): their starting terminator replaces `terminator`.
    ProtocolChoice protocol;
    /// UDP: broadcast, and multicast sent to a group (the group field does not apply).
    UdpSocketOptions udpOptions;

    engine::ChannelOptions options() const;
    /// What a UDP channel (udp) is opened with.
    engine::DatagramOptions datagramOptions() const;
};

/// A listener's TLS defaults: off, and no client certificate asked for
/// (verify false: for a server it means "require and verify one").
engine::TlsConfig serverTlsDefaults();

struct ListenParams {
    /// UDP instead of TCP: a datagram channel bound to HOST:PORT that hears
    /// anyone and replies to a chosen address or the last sender; `echo` sends
    /// each datagram back to its sender; TLS, the protocol and the buffer sizes
    /// do not apply.
    bool udp = false;
    QString host = QStringLiteral("127.0.0.1");
    std::uint16_t port = 7000;  ///< 0: any free port.
    engine::Terminator terminator = engine::Terminator::bytes("\r\n");
    bool echo = false;
    std::size_t inBufferSize = 4096;
    std::size_t outBufferSize = 4096;
    /// TLS for every connection it accepts (from the first byte, or STARTTLS after a match).
    engine::TlsConfig tls = serverTlsDefaults();
    /// Protocol programs every accepted connection runs (none by default).
    ProtocolChoice protocol;
    /// UDP: the multicast group joined, broadcast, and multicast sent.
    UdpSocketOptions udpOptions;

    engine::ChannelOptions options() const;
    /// What a UDP channel (udp) is opened with.
    engine::DatagramOptions datagramOptions() const;
};

/// A framing proxy (ProxyDialog; the engine's ChannelOptions::proxy, what
/// `linewright-cli proxy` opens): a listener on host:port whose every
/// connection gets its own upstream connection to toHost:toPort, the two
/// legs linked; each direction framed with its own terminator (a preset
/// frames both, as `proxy --preset` does).
struct ProxyParams {
    QString host = QStringLiteral("127.0.0.1");
    std::uint16_t port = 7001;  ///< 0: any free port.
    QString toHost = QStringLiteral("127.0.0.1");
    std::uint16_t toPort = 7000;
    Family family = Family::Any;  ///< Of the upstream connections.
    engine::Terminator clientTerminator = engine::Terminator::bytes("\r\n");  ///< client → server
    engine::Terminator serverTerminator = engine::Terminator::bytes("\r\n");  ///< server → client
    /// Protocol programs both legs run (framing and marks only: a proxy answers nothing).
    ProtocolChoice protocol;
    /// TLS towards the client (the accepted leg is the TLS server; `proxy
    /// --tls`): its certFile/keyFile, or, with none, a certificate per name
    /// the client asks for from the local CA in localCaDir (empty: the
    /// default folder, engine::tls::LocalCa::defaultDirectory()).
    engine::TlsConfig clientTls = serverTlsDefaults();
    /// TLS towards the server (the upstream leg is the TLS client; `proxy --to-tls`).
    engine::TlsConfig serverTls;
    /// STARTTLS passed through (smtp, imap, pop3, ftp; `proxy --starttls`):
    /// both legs start in plaintext and are upgraded with clientTls and
    /// serverTls (whatever their `enabled`) when the client asks and the
    /// server agrees.
    engine::StartTlsProtocol startTls = engine::StartTlsProtocol::None;

    /// TLS is offered to the client (from the first byte, or after STARTTLS).
    bool clientTlsWanted() const { return clientTls.enabled || startTls != engine::StartTlsProtocol::None; }
    /// The local CA's folder the client leg uses ("" when it presents its own certificate or has no TLS).
    std::string localCaDir() const;

    engine::ChannelOptions options() const;
};

/// "host:port", with brackets around an IPv6 host.
QString hostPort(const QString& host, std::uint16_t port);

}  // namespace ui
