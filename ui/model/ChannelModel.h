// ChannelModel.h — every channel of a session as a tree: listeners with the
// connections they accepted beneath them, clients at the top level.
//
// What it does: applyEvents() folds each batch of events into one
// ChannelInfo per channel (role, phase, addresses, terminator, byte and
// message counters) and tells the views with at most one beginInsertRows()
// per parent and one dataChanged() per run of changed rows. Counters come
// from the events: collect + found_terminator (bytes in, counting the
// terminator's bytes; messages in), sent (bytes out), push (messages out);
// every `channel_state` snapshot and the final state of `closed` replace
// them with the engine's exact figures. At EventLevel::Lifecycle (no
// collect / sent events) they change only on snapshots and at close.
// A terminator is known from terminator_set, found_terminator, snapshots,
// the listener (for an accepted channel), or setOptions() (the bridge tells
// what a channel was opened with).
// A proxied connection is a pair: the accepted leg under its proxying
// listener, its upstream leg (the reactor's connection to the real server)
// beneath the accepted leg; each names the other (ChannelInfo::proxyPeer).
// A bound UDP channel has one child row per address that sent it a datagram
// (UdpPeer: datagrams and bytes in and out, first and last seen), created as
// the `datagram` events come; a `datagram_sent` counts for the row of its
// destination if there is one (a send creates no row). At most kMaxPeers
// rows per channel: datagrams from further addresses are counted in one last
// row, "… other senders", so a flood from many source ports cannot grow the
// model. Peer rows are not channels: ChannelIdRole gives their channel's id,
// PeerAddressRole their address; they grey with their channel when it closes.
// Closed channels stay (phase "closed") until removeClosed().
// The user may name a channel (setUserLabel(), or editing the Name column:
// F2): the name is shown before the channel's number in the Name column, for
// this window only — it is not an event and is not recorded in the session.
// What it owns: the ChannelInfo of every channel.
// Threads: GUI thread only.
#pragma once

#include "engine/reactor/Command.h"
#include "engine/reactor/Event.h"
#include "engine/asyncore/Terminator.h"

#include <QAbstractItemModel>
#include <QDateTime>
#include <QString>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ui {

/// Where a channel stands with TLS (folded from starttls, tls_handshake and
/// tls_close, and from what it was opened with).
enum class TlsPhase : std::uint8_t {
    None,         ///< Plaintext, no TLS asked for.
    Requested,    ///< Opened with TLS (or STARTTLS) asked for; no handshake yet. A listener: its connections will use it.
    Handshaking,  ///< A `starttls` event (or Start TLS): the handshake is under way.
    Established,  ///< tls_handshake came: ChannelInfo::tls says what was negotiated.
    Closed,       ///< tls_close, close_notify: the TLS session ended cleanly.
    Truncated,    ///< tls_close, truncated: it ended without close_notify.
};

/// One sender of a bound UDP channel (a row beneath it).
struct UdpPeer {
    QString address;             ///< "127.0.0.1:40123" ("" for the "other senders" row).
    std::uint64_t datagramsIn = 0;
    std::uint64_t datagramsOut = 0;
    std::uint64_t bytesIn = 0;
    std::uint64_t bytesOut = 0;
    std::int64_t firstUs = -1;   ///< t_us of its first datagram.
    std::int64_t lastUs = -1;    ///< … and of its latest one (in or out).
};

struct ChannelInfo {
    engine::ChannelId id = 0;
    engine::ChannelRole role = engine::ChannelRole::Client;
    engine::ChannelPhase phase = engine::ChannelPhase::Connecting;
    engine::ChannelId parent = 0;  ///< The listener of an accepted channel, else 0.
    /// A leg of a proxied connection: the other leg (0: not proxied). The
    /// accepted leg (the real client's; its messages go client → server)
    /// names its upstream leg, which the tree shows beneath it; the upstream
    /// leg (connected to the real server; its messages go server → client)
    /// names the accepted one.
    engine::ChannelId proxyPeer = 0;
    bool proxyUpstream = false;    ///< This leg is the one connected to the real server.
    QString peer;                  ///< "127.0.0.1:7000"; for a connecting client, the address being tried.
    QString local;
    QString host;                  ///< A client's host as given ("localhost"), if known.
    QString label;                 ///< A hosted example's dispatcher: its Python class ("EchoHandler"), else empty.
    QString userLabel;             ///< The name the user gave it (Rename, F2): shown, never recorded; "" none.
    QString example;               ///< … and the example it belongs to ("echo-length").
    engine::ChannelState last;     ///< The latest snapshot (channel_state / closed), if any.
    bool hasSnapshot = false;
    std::uint64_t bytesIn = 0;
    std::uint64_t bytesOut = 0;
    std::uint64_t messagesIn = 0;
    std::uint64_t messagesOut = 0;
    engine::Terminator terminator;
    bool terminatorKnown = false;
    bool halfClosed = false;
    std::int32_t lastError = 0;    ///< errno of the last `error` event (0: none).
    QString lastErrorText;
    std::int64_t openedUs = -1;    ///< t_us of the first event seen, -1 if none.
    std::int64_t closedUs = -1;    ///< t_us of `closed`, -1 while open.
    // --- TLS (per channel: the log's rows keep only their kind) ---
    TlsPhase tlsPhase = TlsPhase::None;
    /// The latest handshake's details (shared with its event; nullptr before one).
    std::shared_ptr<const engine::TlsHandshakeInfo> tls;
    bool tlsAsked = false;       ///< Opened with ChannelOptions::tls.wanted() (a listener: for its connections).
    bool tlsInsecure = false;    ///< … with verification turned off (a client).
    QString tlsStartedBy;        ///< The STARTTLS dialogue that upgraded it ("smtp", "after-match"), if any.
    // --- UDP ---
    /// A datagram channel (opened as one, or seen sending / receiving datagrams):
    /// a Listener role is a bound socket, a Client one connected to its peer.
    bool udp = false;
    QString lastSender;          ///< A bound UDP channel: the sender of the latest datagram (where a plain send goes).
    QString udpOptions;          ///< Broadcast / multicast it was opened with, in words (UdpSocketOptions::describe); "" none.
};

class ChannelModel : public QAbstractItemModel {
    Q_OBJECT

public:
    enum Column { ColName, ColState, ColPeer, ColBytesIn, ColBytesOut, ColMsgsIn, ColMsgsOut, ColTerminator, ColumnCount };
    enum Role {
        ChannelIdRole = Qt::UserRole + 1,  ///< uint (engine::ChannelId).
        // --- additions ---
        RoleRole,   ///< int (engine::ChannelRole).
        PhaseRole,  ///< int (engine::ChannelPhase).
        IsOpenRole, ///< bool: not closed.
        SortRole,   ///< The raw value of the column (numbers as qulonglong) for sorting proxies.
        TlsPhaseRole,    ///< int (ui::TlsPhase).
        TlsVerifiedRole, ///< bool: a TLS peer whose certificate was verified (false: none, or unverified).
        ProxyPeerRole,   ///< uint: the other leg of a proxied connection (0: not proxied).
        PeerAddressRole, ///< QString: a UDP peer row's address ("" on channel rows and the "other senders" row).
        IsPeerRowRole,   ///< bool: a row beneath a bound UDP channel (a peer, or "other senders").
    };
    /// Peer rows kept beneath one bound UDP channel.
    static constexpr int kMaxPeers = 1000;
    /// "TLS 1.3", "TLS 1.3 — UNVERIFIED", "TLS closed", "TLS…", "" (what the
    /// State column adds after the phase, and the inspector's headline).
    static QString tlsText(const ChannelInfo& info);

    explicit ChannelModel(QObject* parent = nullptr);
    ~ChannelModel() override;

    /// Folds `batch` in (in order).
    void applyEvents(const std::vector<engine::Event>& batch);
    /// What channel `id` was opened with (its terminator, at least). Call it
    /// right after posting OpenClient / OpenServer; a channel not seen yet is
    /// created (phase connecting / listening).
    void setOptions(engine::ChannelId id, engine::ChannelRole role, const engine::ChannelOptions& options,
                    const QString& address = QString());

    /// A TLS upgrade of live channel `id` was asked for (Start TLS): it shows
    /// a pending padlock until its `tls_handshake`. Unknown channels are ignored.
    /// A UDP channel was opened (bound: `role` Listener; connected: Client)
    /// with `options`: its terminator frames within a datagram; its broadcast
    /// and multicast options are shown in its tool tip (ChannelInfo::udpOptions).
    void setDatagram(engine::ChannelId id, engine::ChannelRole role, const engine::DatagramOptions& options,
                     const QString& address);
    /// When the session started (the peers' "last seen" times are shown from it).
    void setStartTime(const QDateTime& start);
    void setTlsRequested(engine::ChannelId id, const engine::TlsConfig& tls);

    /// Characters of a user's label kept.
    static constexpr int kMaxUserLabel = 64;
    /// Names channel `id` for display ("" removes the name; control characters
    /// become spaces; cut at kMaxUserLabel). False for an unknown channel.
    bool setUserLabel(engine::ChannelId id, const QString& label);

    QModelIndex indexForChannel(engine::ChannelId id) const;
    /// The channel's info, or nullptr if the model has never seen it.
    const ChannelInfo* info(engine::ChannelId id) const;
    /// Every channel id known, in the order they appeared.
    std::vector<engine::ChannelId> channels() const;
    /// A bound UDP channel's peers (row order; at most kMaxPeers), or nullptr.
    const std::vector<UdpPeer>* peers(engine::ChannelId id) const;
    /// Datagrams (and bytes) from senders beyond kMaxPeers: the "other senders" row (nullptr: none yet).
    const UdpPeer* otherSenders(engine::ChannelId id) const;
    /// A peer row's index (column 0), or invalid.
    QModelIndex indexForPeer(engine::ChannelId id, const QString& address) const;
    /// Channels not closed.
    int openChannels() const noexcept { return m_open; }
    /// Channels known (open or closed, not removed).
    int channelCount() const noexcept { return static_cast<int>(m_byId.size()); }

    /// Forgets closed channels (a closed listener stays while it still has
    /// children that are open). Returns how many went.
    int removeClosed();
    /// Forgets everything.
    void clear();

    QModelIndex index(int row, int column, const QModelIndex& parent = QModelIndex()) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    int rowCount(const QModelIndex& parent = QModelIndex()) const override;
    int columnCount(const QModelIndex& parent = QModelIndex()) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    /// The Name column is editable (the user's label).
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;

private:
    struct StringHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };
    struct Node {
        ChannelInfo info;
        int parentNode = -1;       ///< -1: top level.
        int row = -1;              ///< Row under its parent; -1 until announced.
        std::vector<int> children; ///< Node numbers, in row order.
        bool alive = true;
        bool changed = false;      ///< Changed in the current batch (announced nodes only).
        // --- a bound UDP channel's peers (rows beneath it, not channels) ---
        std::vector<UdpPeer> peers;                       ///< Row order.
        std::unordered_map<std::string, int, StringHash, std::equal_to<>> peerIndex;  ///< address → row.
        UdpPeer others;                                   ///< Senders beyond kMaxPeers, together.
        bool hasOthers = false;
        int peerRows = 0;                                 ///< Rows announced to the views.
        int peerChangedLo = -1, peerChangedHi = -1;       ///< Announced rows changed this batch.
        bool peersDirty = false;                          ///< In m_peersTouched.
        int peerRowsWanted() const { return static_cast<int>(peers.size()) + (hasOthers ? 1 : 0); }
    };
    /// internalId() of a peer row: its channel's node + 1, with this bit.
    static constexpr quintptr kPeerBit = quintptr(1) << (sizeof(quintptr) * 8 - 1);

    static QString nameText(const ChannelInfo& i);  // the Name column without the user's label
    int nodeFor(engine::ChannelId id, engine::ChannelRole role, engine::ChannelId parent, std::int64_t tUs);
    void applyOne(const engine::Event& e);
    void applySnapshot(Node& n, const engine::ChannelState& s);
    void setPhase(Node& n, engine::ChannelPhase phase);
    void touch(int node);
    void notePeer(int node, const engine::Event& e, bool in);
    void touchPeerRow(int node, int row);
    /// The channel node of a peer row (and the row), or -1.
    int peerNodeOf(const QModelIndex& index) const;
    QVariant peerData(const Node& node, int row, int column, int role) const;
    void flush();
    const Node* nodeOf(const QModelIndex& index) const;
    QModelIndex indexOfNode(int node, int column) const;

    std::vector<Node> m_nodes;
    std::unordered_map<engine::ChannelId, int> m_byId;
    std::vector<int> m_top;
    std::vector<int> m_pending;  ///< Created this batch, not announced yet (creation order).
    std::vector<int> m_touched;  ///< Announced nodes changed this batch.
    std::vector<int> m_peersTouched;  ///< Nodes whose peers changed or grew this batch.
    QDateTime m_startTime;
    /// Proxied connections: upstream leg → accepted leg (from `accepted`), so
    /// the upstream leg is put beneath its accepted leg whatever its first event.
    std::unordered_map<engine::ChannelId, engine::ChannelId> m_upstreamOf;
    int m_open = 0;
};

}  // namespace ui
