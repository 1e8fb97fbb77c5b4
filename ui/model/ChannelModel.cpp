// ChannelModel.cpp — the channel tree, folded from events.
#include "ui/model/ChannelModel.h"

#include "ui/model/ChannelParams.h"
#include "ui/model/Formatters.h"

#include <QGuiApplication>
#include <QIcon>
#include <QPainter>
#include <QPainterPath>
#include <QPalette>
#include <QPixmap>

#include <algorithm>
#include <limits>

namespace ui {
namespace {

QString utf8(std::string_view s) { return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size())); }
QString latin1(std::string_view s) { return QString::fromLatin1(s.data(), static_cast<qsizetype>(s.size())); }

// Whether the terminator `e` reports is `t` (without building a Terminator).
bool sameTerminator(const engine::Terminator& t, const engine::Event& e) {
    if (t.kind() != e.terminatorKind()) return false;
    switch (t.kind()) {
    case engine::Terminator::Kind::Bytes: return t.bytesValue() == e.terminatorBytes();
    case engine::Terminator::Kind::Count: return static_cast<std::int64_t>(t.countValue()) == e.terminatorCount();
    case engine::Terminator::Kind::None: return true;
    }
    return false;
}

enum class Padlock { Secure, Unverified, Ended, Pending };

// A padlock drawn for the palette in force (no icon theme is needed, and it
// is sharp at any scale): closed and in the text colour when verified; red
// with a "!" when the peer is unverified; open and grey once TLS has ended;
// an outline while the handshake is pending.
QPixmap padlockPixmap(Padlock kind, int size, const QPalette& p) {
    QPixmap pm(size, size);
    pm.fill(Qt::transparent);
    QPainter g(&pm);
    g.setRenderHint(QPainter::Antialiasing);
    const bool dark = p.color(QPalette::Base).lightness() < 128;
    QColor body = p.color(QPalette::Text);
    if (kind == Padlock::Unverified) body = QColor::fromHsl(0, 200, dark ? 150 : 105);
    if (kind == Padlock::Ended || kind == Padlock::Pending) body = p.color(QPalette::PlaceholderText);
    const qreal s = size;
    const qreal pen = qMax<qreal>(1.0, s / 9.0);
    // The shackle: an arch above the body (lifted and open on one side once ended).
    QPainterPath shackle;
    const qreal left = s * 0.30, right = s * 0.70, top = s * 0.08, base = s * 0.48;
    const qreal lift = kind == Padlock::Ended ? s * 0.10 : 0.0;
    shackle.moveTo(left, base - lift);
    shackle.lineTo(left, top + (right - left) / 2 - lift);
    shackle.arcTo(QRectF(left, top - lift, right - left, right - left), 180, -180);
    shackle.lineTo(right, kind == Padlock::Ended ? base - lift - s * 0.12 : base);
    g.setPen(QPen(body, pen, Qt::SolidLine, Qt::RoundCap));
    g.setBrush(Qt::NoBrush);
    g.drawPath(shackle);
    const QRectF box(s * 0.16, s * 0.44, s * 0.68, s * 0.50);
    if (kind == Padlock::Pending) {
        g.drawRoundedRect(box, s * 0.08, s * 0.08);
    } else {
        g.setPen(Qt::NoPen);
        g.setBrush(body);
        g.drawRoundedRect(box, s * 0.08, s * 0.08);
    }
    if (kind == Padlock::Unverified) {
        // "!" in the body.
        g.setPen(QPen(p.color(QPalette::Base), pen * 1.2, Qt::SolidLine, Qt::RoundCap));
        g.drawLine(QPointF(s * 0.5, box.top() + box.height() * 0.22), QPointF(s * 0.5, box.top() + box.height() * 0.58));
        g.drawPoint(QPointF(s * 0.5, box.top() + box.height() * 0.80));
    }
    return pm;
}

QIcon padlockIcon(Padlock kind) {
    struct Cache {
        qint64 key = -1;
        QIcon icons[4];
    };
    static Cache cache;
    const QPalette p = QGuiApplication::palette();
    if (cache.key != p.cacheKey()) {
        cache.key = p.cacheKey();
        for (int k = 0; k < 4; ++k) {
            QIcon icon;
            for (int size : {16, 24, 32, 48}) icon.addPixmap(padlockPixmap(static_cast<Padlock>(k), size, p));
            cache.icons[k] = icon;
        }
    }
    return cache.icons[static_cast<int>(kind)];
}

// The address a channel was opened with: a listener's local address; a
// connection's host, unless one is known already.
void noteAddress(ChannelInfo& i, engine::ChannelRole role, const QString& address) {
    if (address.isEmpty()) return;
    if (role == engine::ChannelRole::Listener)
        i.local = address;
    else if (i.host.isEmpty())
        i.host = address;
}

}  // namespace

QString ChannelModel::tlsText(const ChannelInfo& i) {
    switch (i.tlsPhase) {
    case TlsPhase::None: return QString();
    case TlsPhase::Requested:
        if (i.role == engine::ChannelRole::Listener) return tr("TLS");
        return i.phase == engine::ChannelPhase::Closed ? QString() : tr("TLS…");
    case TlsPhase::Handshaking: return i.phase == engine::ChannelPhase::Closed ? tr("TLS failed") : tr("TLS handshake…");
    case TlsPhase::Established: {
        QString s = i.tls ? tlsVersionText(i.tls->version) : tr("TLS");
        if (i.tls && tlsUnverifiedPeer(*i.tls)) s += tr(" — UNVERIFIED");
        return s;
    }
    case TlsPhase::Closed: return tr("TLS closed");
    case TlsPhase::Truncated: return tr("TLS truncated");
    }
    return QString();
}

ChannelModel::ChannelModel(QObject* parent) : QAbstractItemModel(parent) {}
ChannelModel::~ChannelModel() = default;

// --- Folding events --------------------------------------------------------------------------------

int ChannelModel::nodeFor(engine::ChannelId id, engine::ChannelRole role, engine::ChannelId parent,
                          std::int64_t tUs) {
    if (auto it = m_byId.find(id); it != m_byId.end()) return it->second;
    const int n = static_cast<int>(m_nodes.size());
    Node node;
    node.info.id = id;
    node.info.role = role;
    node.info.parent = parent;
    node.info.openedUs = tUs;
    switch (role) {
    case engine::ChannelRole::Listener: node.info.phase = engine::ChannelPhase::Listening; break;
    case engine::ChannelRole::Accepted: node.info.phase = engine::ChannelPhase::Connected; break;
    case engine::ChannelRole::Client: node.info.phase = engine::ChannelPhase::Connecting; break;
    }
    if (auto up = m_upstreamOf.find(id); up != m_upstreamOf.end()) {
        // A proxy's upstream leg: beneath the accepted leg it serves.
        node.info.proxyPeer = up->second;
        node.info.proxyUpstream = true;
        if (auto a = m_byId.find(up->second); a != m_byId.end() && m_nodes[static_cast<std::size_t>(a->second)].alive)
            node.parentNode = a->second;
    }
    if (role == engine::ChannelRole::Accepted && parent != 0) {
        if (auto p = m_byId.find(parent); p != m_byId.end() && m_nodes[static_cast<std::size_t>(p->second)].alive) {
            const Node& listener = m_nodes[static_cast<std::size_t>(p->second)];
            node.parentNode = p->second;
            if (listener.info.terminatorKnown) {
                node.info.terminator = listener.info.terminator;
                node.info.terminatorKnown = true;
            }
            if (listener.info.tlsAsked) {
                node.info.tlsAsked = true;
                node.info.tlsPhase = TlsPhase::Requested;
            }
        }
    }
    m_nodes.push_back(std::move(node));
    m_byId.emplace(id, n);
    m_pending.push_back(n);
    ++m_open;
    return n;
}

void ChannelModel::touch(int node) {
    Node& n = m_nodes[static_cast<std::size_t>(node)];
    if (n.row < 0 || n.changed) return;  // not announced yet, or already noted
    n.changed = true;
    m_touched.push_back(node);
}

void ChannelModel::setPhase(Node& n, engine::ChannelPhase phase) {
    const bool wasOpen = n.info.phase != engine::ChannelPhase::Closed;
    const bool isOpen = phase != engine::ChannelPhase::Closed;
    n.info.phase = phase;
    if (wasOpen && !isOpen) --m_open;
    if (!wasOpen && isOpen) ++m_open;
}

void ChannelModel::applySnapshot(Node& n, const engine::ChannelState& s) {
    ChannelInfo& i = n.info;
    i.last = s;
    i.hasSnapshot = true;
    i.bytesIn = s.bytesIn;
    i.bytesOut = s.bytesOut;
    i.messagesIn = s.messagesIn;
    i.messagesOut = s.messagesOut;
    if (!s.peer.empty()) i.peer = utf8(s.peer);
    if (!s.local.empty()) i.local = utf8(s.local);
    // A decoded `closed` state carries only the counters; its terminator says nothing.
    if (s.phase != engine::ChannelPhase::Closed || s.terminator.framesInput()) {
        i.terminator = s.terminator;
        i.terminatorKnown = true;
    }
    setPhase(n, s.phase);
}

void ChannelModel::applyOne(const engine::Event& e) {
    using K = engine::EventKind;
    if (e.channel == engine::kReactorChannel) return;
    const engine::ChannelState* state = e.channelState();
    engine::ChannelRole role = engine::ChannelRole::Client;
    if (e.kind == K::Listening) role = engine::ChannelRole::Listener;
    if (e.kind == K::Accepted) role = engine::ChannelRole::Accepted;
    if (e.kind == K::ChannelState && state) role = state->role;
    const int id = nodeFor(e.channel, role, e.kind == K::Accepted ? e.listener() : (state ? state->parent : 0), e.tUs);
    Node& n = m_nodes[static_cast<std::size_t>(id)];
    ChannelInfo& i = n.info;
    if (i.openedUs < 0) i.openedUs = e.tUs;
    switch (e.kind) {
    case K::Listening:
        setPhase(n, engine::ChannelPhase::Listening);
        i.local = utf8(e.address());
        break;
    case K::Connecting:
        setPhase(n, engine::ChannelPhase::Connecting);
        i.peer = utf8(e.address());
        if (!e.host().empty()) i.host = utf8(e.host());
        break;
    case K::Accepted:
        setPhase(n, engine::ChannelPhase::Connected);
        if (e.upstream() != 0) {
            i.proxyPeer = e.upstream();
            m_upstreamOf[e.upstream()] = e.channel;
        }
        i.peer = utf8(e.peer());
        i.local = utf8(e.local());
        break;
    case K::Connected:
        setPhase(n, engine::ChannelPhase::Connected);
        if (!e.peer().empty()) i.peer = utf8(e.peer());
        if (!e.local().empty()) i.local = utf8(e.local());
        break;
    case K::Collect:
    case K::Received: i.bytesIn += e.bytes().size(); break;
    case K::Datagram:
        i.udp = true;
        ++i.messagesIn;
        i.bytesIn += e.bytes().size();
        if (!e.peer().empty()) i.lastSender = utf8(e.peer());
        if (i.role == engine::ChannelRole::Listener) notePeer(id, e, true);
        break;
    case K::DatagramSent:
        i.udp = true;
        ++i.messagesOut;
        i.bytesOut += e.bytes().size();
        if (i.role == engine::ChannelRole::Listener) notePeer(id, e, false);
        break;
    case K::Hosted:
        if (e.hostPhase() != engine::HostPhase::Dispatcher) return;
        i.label = utf8(e.label());
        i.example = utf8(e.hostLabel());
        break;
    case K::FoundTerminator:
        ++i.messagesIn;
        if (e.terminatorKind() == engine::Terminator::Kind::Bytes) {
            i.bytesIn += e.terminatorBytes().size();
            // A count terminator reports count:0 here (R8): only bytes terminators say what is in force.
            if (!i.terminatorKnown || !sameTerminator(i.terminator, e)) {
                i.terminator = e.terminator();
                i.terminatorKnown = true;
            }
        }
        break;
    case K::TerminatorSet:
        i.terminator = e.terminator();
        i.terminatorKnown = true;
        break;
    case K::Push:
        i.messagesOut += e.producerKind() == engine::ProducerKind::Bytes
                             ? 1u
                             : static_cast<std::uint64_t>(std::max<std::int64_t>(e.copies(), 1));
        break;
    case K::Sent: i.bytesOut += e.bytes().size(); break;
    case K::CloseWhenDone:
        if (i.phase == engine::ChannelPhase::Connected) setPhase(n, engine::ChannelPhase::Closing);
        break;
    case K::HalfClosed: i.halfClosed = true; break;
    case K::Error:
        i.lastError = e.errorCode();
        i.lastErrorText = utf8(e.message());
        break;
    case K::ChannelState:
        if (state) applySnapshot(n, *state);
        break;
    case K::StartTls:
        i.tlsPhase = TlsPhase::Handshaking;
        i.tlsStartedBy = utf8(e.startTlsProtocol());
        break;
    case K::TlsHandshake:
        i.tlsPhase = TlsPhase::Established;
        if (e.tls) i.tls = e.tls;  // shared with the event: no copy of the chain
        break;
    case K::TlsClose:
        i.tlsPhase = e.tlsCloseKind() == engine::TlsCloseKind::Truncated ? TlsPhase::Truncated : TlsPhase::Closed;
        break;
    case K::Closed:
        if (state) applySnapshot(n, *state);
        setPhase(n, engine::ChannelPhase::Closed);
        i.closedUs = e.tUs;
        // Its peer rows grey with it.
        if (n.peerRows > 0) {
            touchPeerRow(id, 0);
            touchPeerRow(id, n.peerRows - 1);
        }
        if (e.closeReason() == engine::CloseReason::Error && i.lastErrorText.isEmpty()) {
            i.lastError = e.errorCode();
            i.lastErrorText = utf8(e.detail());
        }
        break;
    default: return;  // nothing shown changes
    }
    touch(id);
}

void ChannelModel::notePeer(int node, const engine::Event& e, bool in) {
    const std::string_view address = e.peer();
    if (address.empty()) return;
    Node& n = m_nodes[static_cast<std::size_t>(node)];
    UdpPeer* p = nullptr;
    int row = -1;
    if (const auto it = n.peerIndex.find(address); it != n.peerIndex.end()) {
        row = it->second;
        p = &n.peers[static_cast<std::size_t>(row)];
    } else if (!in) {
        return;  // a send to an address that has not sent anything makes no row
    } else if (n.peers.size() < static_cast<std::size_t>(kMaxPeers)) {
        row = static_cast<int>(n.peers.size());
        n.peers.push_back(UdpPeer{utf8(address)});
        n.peerIndex.emplace(std::string(address), row);
        p = &n.peers.back();
    } else {
        // Beyond the bound: counted together, nothing kept per address.
        n.hasOthers = true;
        row = kMaxPeers;
        p = &n.others;
    }
    if (p->firstUs < 0) p->firstUs = e.tUs;
    p->lastUs = e.tUs;
    if (in) {
        ++p->datagramsIn;
        p->bytesIn += e.bytes().size();
    } else {
        ++p->datagramsOut;
        p->bytesOut += e.bytes().size();
    }
    touchPeerRow(node, row);
}

void ChannelModel::touchPeerRow(int node, int row) {
    Node& n = m_nodes[static_cast<std::size_t>(node)];
    if (row < n.peerRows) {
        n.peerChangedLo = n.peerChangedLo < 0 ? row : std::min(n.peerChangedLo, row);
        n.peerChangedHi = std::max(n.peerChangedHi, row);
    }
    if (!n.peersDirty) {
        n.peersDirty = true;
        m_peersTouched.push_back(node);
    }
}

void ChannelModel::applyEvents(const std::vector<engine::Event>& batch) {
    for (const engine::Event& e : batch) applyOne(e);
    flush();
}

void ChannelModel::setOptions(engine::ChannelId id, engine::ChannelRole role, const engine::ChannelOptions& options,
                              const QString& address) {
    const int n = nodeFor(id, role, 0, -1);
    ChannelInfo& i = m_nodes[static_cast<std::size_t>(n)].info;
    i.terminator = options.terminator;
    i.terminatorKnown = true;
    if (options.tls.wanted()) {
        i.tlsAsked = true;
        i.tlsInsecure = role != engine::ChannelRole::Listener && !options.tls.verify;
        if (i.tlsPhase == TlsPhase::None) i.tlsPhase = TlsPhase::Requested;
    }
    noteAddress(i, role, address);
    touch(n);
    flush();
}

void ChannelModel::setStartTime(const QDateTime& start) { m_startTime = start; }

void ChannelModel::setDatagram(engine::ChannelId id, engine::ChannelRole role, const engine::DatagramOptions& options,
                               const QString& address) {
    const int n = nodeFor(id, role, 0, -1);
    ChannelInfo& i = m_nodes[static_cast<std::size_t>(n)].info;
    i.udp = true;
    i.udpOptions = UdpSocketOptions::describe(options);
    i.terminator = options.terminator;
    i.terminatorKnown = true;
    noteAddress(i, role, address);
    touch(n);
    flush();
}

void ChannelModel::setTlsRequested(engine::ChannelId id, const engine::TlsConfig& tls) {
    const auto it = m_byId.find(id);
    if (it == m_byId.end()) return;
    ChannelInfo& i = m_nodes[static_cast<std::size_t>(it->second)].info;
    i.tlsAsked = true;
    i.tlsInsecure = i.role == engine::ChannelRole::Client && !tls.verify;
    if (i.tlsPhase != TlsPhase::Established) i.tlsPhase = TlsPhase::Requested;
    touch(it->second);
    flush();
}

void ChannelModel::flush() {
    // New nodes: top level first (listeners must exist before their children), then
    // one insertion per parent.
    if (!m_pending.empty()) {
        std::vector<int> top;
        std::vector<int> parents;  // in order of first appearance
        std::unordered_map<int, std::vector<int>> children;
        for (int n : m_pending) {
            const int p = m_nodes[static_cast<std::size_t>(n)].parentNode;
            if (p < 0) {
                top.push_back(n);
            } else {
                auto [it, fresh] = children.try_emplace(p);
                if (fresh) parents.push_back(p);
                it->second.push_back(n);
            }
        }
        m_pending.clear();
        if (!top.empty()) {
            const int first = static_cast<int>(m_top.size());
            beginInsertRows(QModelIndex(), first, first + static_cast<int>(top.size()) - 1);
            for (int n : top) {
                m_nodes[static_cast<std::size_t>(n)].row = static_cast<int>(m_top.size());
                m_top.push_back(n);
            }
            endInsertRows();
        }
        for (int p : parents) {
            const std::vector<int>& add = children[p];
            Node& parentNode = m_nodes[static_cast<std::size_t>(p)];
            const int first = static_cast<int>(parentNode.children.size());
            beginInsertRows(indexOfNode(p, 0), first, first + static_cast<int>(add.size()) - 1);
            for (int n : add) {
                m_nodes[static_cast<std::size_t>(n)].row = static_cast<int>(parentNode.children.size());
                parentNode.children.push_back(n);
            }
            endInsertRows();
            // The listener's aggregate columns changed too.
            touch(p);
        }
    }
    // Peer rows: the new ones in one insertion per channel, the changed ones in one dataChanged.
    for (int node : m_peersTouched) {
        Node& n = m_nodes[static_cast<std::size_t>(node)];
        n.peersDirty = false;
        if (!n.alive || n.row < 0) continue;
        const QModelIndex parentIndex = indexOfNode(node, 0);
        if (n.peerChangedHi >= 0)
            emit dataChanged(index(n.peerChangedLo, 0, parentIndex), index(n.peerChangedHi, ColumnCount - 1, parentIndex));
        n.peerChangedLo = n.peerChangedHi = -1;
        if (const int wanted = n.peerRowsWanted(); wanted > n.peerRows) {
            beginInsertRows(parentIndex, n.peerRows, wanted - 1);
            n.peerRows = wanted;
            endInsertRows();
        }
    }
    m_peersTouched.clear();
    if (m_touched.empty()) return;
    // Changed rows: one dataChanged per run of adjacent rows under one parent.
    std::sort(m_touched.begin(), m_touched.end(), [this](int a, int b) {
        const Node& x = m_nodes[static_cast<std::size_t>(a)];
        const Node& y = m_nodes[static_cast<std::size_t>(b)];
        return x.parentNode != y.parentNode ? x.parentNode < y.parentNode : x.row < y.row;
    });
    std::vector<int> parentsToo;
    std::size_t i = 0;
    while (i < m_touched.size()) {
        std::size_t j = i;
        const Node& a = m_nodes[static_cast<std::size_t>(m_touched[i])];
        while (j + 1 < m_touched.size()) {
            const Node& b = m_nodes[static_cast<std::size_t>(m_touched[j + 1])];
            const Node& c = m_nodes[static_cast<std::size_t>(m_touched[j])];
            if (b.parentNode != a.parentNode || b.row != c.row + 1) break;
            ++j;
        }
        emit dataChanged(indexOfNode(m_touched[i], 0), indexOfNode(m_touched[j], ColumnCount - 1));
        if (a.parentNode >= 0) parentsToo.push_back(a.parentNode);
        i = j + 1;
    }
    for (int n : m_touched) m_nodes[static_cast<std::size_t>(n)].changed = false;
    m_touched.clear();
    // A listener shows its connections' totals.
    std::sort(parentsToo.begin(), parentsToo.end());
    parentsToo.erase(std::unique(parentsToo.begin(), parentsToo.end()), parentsToo.end());
    for (int p : parentsToo)
        if (!m_nodes[static_cast<std::size_t>(p)].changed)
            emit dataChanged(indexOfNode(p, ColBytesIn), indexOfNode(p, ColMsgsOut));
}

// --- Removing --------------------------------------------------------------------------------------

int ChannelModel::removeClosed() {
    int removed = 0;
    const auto closed = [this](int n) {
        const Node& node = m_nodes[static_cast<std::size_t>(n)];
        return node.info.phase == engine::ChannelPhase::Closed && node.children.empty();
    };
    const auto drop = [this, &removed](int n) {
        Node& node = m_nodes[static_cast<std::size_t>(n)];
        node.alive = false;
        node.row = -1;
        m_byId.erase(node.info.id);
        node.info = ChannelInfo{};
        node.peers.clear();
        node.peerIndex.clear();
        node.others = UdpPeer{};
        node.hasOthers = false;
        node.peerRows = 0;
        ++removed;
    };
    // Removes the runs of removable entries of `list` (children of `parent`), last run first.
    const auto sweep = [&](std::vector<int>& list, int parentNode) {
        int end = static_cast<int>(list.size());
        while (end > 0) {
            int b = end - 1;
            while (b >= 0 && !closed(list[static_cast<std::size_t>(b)])) --b;
            if (b < 0) break;
            int a = b;
            while (a > 0 && closed(list[static_cast<std::size_t>(a - 1)])) --a;
            beginRemoveRows(parentNode < 0 ? QModelIndex() : indexOfNode(parentNode, 0), a, b);
            for (int k = a; k <= b; ++k) drop(list[static_cast<std::size_t>(k)]);
            list.erase(list.begin() + a, list.begin() + b + 1);
            for (std::size_t k = static_cast<std::size_t>(a); k < list.size(); ++k)
                m_nodes[static_cast<std::size_t>(list[k])].row = static_cast<int>(k);
            endRemoveRows();
            end = a;
        }
    };
    // Proxies: the upstream legs beneath accepted legs first, so a closed pair goes as a whole.
    for (int t : m_top) {
        const std::vector<int> kids = m_nodes[static_cast<std::size_t>(t)].children;
        for (int c : kids) sweep(m_nodes[static_cast<std::size_t>(c)].children, c);
    }
    for (int t : m_top) sweep(m_nodes[static_cast<std::size_t>(t)].children, t);
    sweep(m_top, -1);
    return removed;
}

void ChannelModel::clear() {
    beginResetModel();
    m_nodes.clear();
    m_byId.clear();
    m_top.clear();
    m_pending.clear();
    m_touched.clear();
    m_peersTouched.clear();
    m_upstreamOf.clear();
    m_open = 0;
    endResetModel();
}

// --- Looking up ------------------------------------------------------------------------------------

QModelIndex ChannelModel::indexOfNode(int node, int column) const {
    const Node& n = m_nodes[static_cast<std::size_t>(node)];
    if (n.row < 0) return QModelIndex();
    return createIndex(n.row, column, static_cast<quintptr>(n.parentNode + 1));
}

QModelIndex ChannelModel::indexForChannel(engine::ChannelId id) const {
    auto it = m_byId.find(id);
    return it == m_byId.end() ? QModelIndex() : indexOfNode(it->second, 0);
}

const ChannelInfo* ChannelModel::info(engine::ChannelId id) const {
    auto it = m_byId.find(id);
    return it == m_byId.end() ? nullptr : &m_nodes[static_cast<std::size_t>(it->second)].info;
}

const std::vector<UdpPeer>* ChannelModel::peers(engine::ChannelId id) const {
    auto it = m_byId.find(id);
    return it == m_byId.end() ? nullptr : &m_nodes[static_cast<std::size_t>(it->second)].peers;
}

const UdpPeer* ChannelModel::otherSenders(engine::ChannelId id) const {
    auto it = m_byId.find(id);
    if (it == m_byId.end()) return nullptr;
    const Node& n = m_nodes[static_cast<std::size_t>(it->second)];
    return n.hasOthers ? &n.others : nullptr;
}

QModelIndex ChannelModel::indexForPeer(engine::ChannelId id, const QString& address) const {
    auto it = m_byId.find(id);
    if (it == m_byId.end()) return QModelIndex();
    const Node& n = m_nodes[static_cast<std::size_t>(it->second)];
    const QByteArray key = address.toUtf8();
    const auto p = n.peerIndex.find(std::string_view(key.constData(), static_cast<std::size_t>(key.size())));
    if (p == n.peerIndex.end() || p->second >= n.peerRows || n.row < 0) return QModelIndex();
    return createIndex(p->second, 0, static_cast<quintptr>(it->second + 1) | kPeerBit);
}

int ChannelModel::peerNodeOf(const QModelIndex& index) const {
    if (!index.isValid() || index.model() != this || (index.internalId() & kPeerBit) == 0) return -1;
    const auto node = static_cast<long long>(index.internalId() & ~kPeerBit) - 1;
    if (node < 0 || static_cast<std::size_t>(node) >= m_nodes.size()) return -1;
    const Node& n = m_nodes[static_cast<std::size_t>(node)];
    if (!n.alive || index.row() < 0 || index.row() >= n.peerRows) return -1;
    return static_cast<int>(node);
}

std::vector<engine::ChannelId> ChannelModel::channels() const {
    std::vector<engine::ChannelId> v;
    v.reserve(m_byId.size());
    for (const Node& n : m_nodes)
        if (n.alive) v.push_back(n.info.id);
    return v;
}

const ChannelModel::Node* ChannelModel::nodeOf(const QModelIndex& index) const {
    if (!index.isValid() || index.model() != this || (index.internalId() & kPeerBit) != 0) return nullptr;
    const auto parentNode = static_cast<long long>(index.internalId()) - 1;
    const std::vector<int>& list =
        parentNode < 0 ? m_top : m_nodes[static_cast<std::size_t>(parentNode)].children;
    if (index.row() < 0 || static_cast<std::size_t>(index.row()) >= list.size()) return nullptr;
    return &m_nodes[static_cast<std::size_t>(list[static_cast<std::size_t>(index.row())])];
}

QModelIndex ChannelModel::index(int row, int column, const QModelIndex& parent) const {
    if (row < 0 || column < 0 || column >= ColumnCount) return QModelIndex();
    if (!parent.isValid()) {
        if (static_cast<std::size_t>(row) >= m_top.size()) return QModelIndex();
        return createIndex(row, column, quintptr{0});
    }
    if (parent.column() != 0) return QModelIndex();
    const Node* p = nodeOf(parent);
    if (!p) return QModelIndex();
    if (p->children.empty() && row < p->peerRows)  // a bound UDP channel: its peers
        return createIndex(row, column, static_cast<quintptr>(p - m_nodes.data() + 1) | kPeerBit);
    if (static_cast<std::size_t>(row) >= p->children.size()) return QModelIndex();
    const int pnode = m_nodes[static_cast<std::size_t>(p->children[static_cast<std::size_t>(row)])].parentNode;
    return createIndex(row, column, static_cast<quintptr>(pnode + 1));
}

QModelIndex ChannelModel::parent(const QModelIndex& child) const {
    if (!child.isValid() || child.internalId() == 0) return QModelIndex();
    return indexOfNode(static_cast<int>((child.internalId() & ~kPeerBit) - 1), 0);
}

int ChannelModel::rowCount(const QModelIndex& parent) const {
    if (!parent.isValid()) return static_cast<int>(m_top.size());
    if (parent.column() != 0) return 0;
    const Node* p = nodeOf(parent);  // nullptr for a peer row: it has none
    return p ? static_cast<int>(p->children.size()) + (p->children.empty() ? p->peerRows : 0) : 0;
}

int ChannelModel::columnCount(const QModelIndex&) const { return ColumnCount; }

Qt::ItemFlags ChannelModel::flags(const QModelIndex& index) const {
    Qt::ItemFlags f = QAbstractItemModel::flags(index);
    if (index.isValid() && index.column() == ColName && nodeOf(index)) f |= Qt::ItemIsEditable;
    return f;
}

bool ChannelModel::setData(const QModelIndex& index, const QVariant& value, int role) {
    const Node* node = nodeOf(index);
    if (!node || role != Qt::EditRole || index.column() != ColName) return false;
    return setUserLabel(node->info.id, value.toString());
}

bool ChannelModel::setUserLabel(engine::ChannelId id, const QString& label) {
    const auto it = m_byId.find(id);
    if (it == m_byId.end()) return false;
    Node& n = m_nodes[static_cast<std::size_t>(it->second)];
    // One line, no control characters, not without end: it is a name in a list.
    QString clean;
    for (const QChar c : label.left(kMaxUserLabel))
        clean.append(c.unicode() < 0x20 || c.unicode() == 0x7f ? QChar(u' ') : c);
    clean = clean.trimmed();
    if (clean == n.info.userLabel) return true;
    n.info.userLabel = clean;
    if (n.row >= 0) {
        const QModelIndex i = indexOfNode(it->second, ColName);
        emit dataChanged(i, i);
    }
    return true;
}

QString ChannelModel::nameText(const ChannelInfo& i) {
    // A proxied connection's legs say which way their messages go.
    if (i.proxyPeer != 0 && i.proxyUpstream)
        return tr("%1 server → client").arg(channelLabel(i.id));
    if (i.proxyPeer != 0)
        return tr("%1 client → server ⇄ %2").arg(channelLabel(i.id), channelLabel(i.proxyPeer));
    if (i.udp)
        return QStringLiteral("%1%2 %3").arg(i.label, channelLabel(i.id),
                                             i.role == engine::ChannelRole::Listener ? tr("UDP bound") : tr("UDP"));
    return QStringLiteral("%1%2 %3").arg(i.label, channelLabel(i.id), latin1(engine::channelRoleName(i.role)));
}

QVariant ChannelModel::peerData(const Node& node, int row, int column, int role) const {
    const ChannelInfo& c = node.info;
    const bool others = row >= static_cast<int>(node.peers.size());
    const UdpPeer& p = others ? node.others : node.peers[static_cast<std::size_t>(row)];
    const bool closed = c.phase == engine::ChannelPhase::Closed;
    const auto value = [&](int col) -> QVariant {
        switch (col) {
        case ColName:
        case ColPeer: return p.address;
        case ColState: return static_cast<qlonglong>(p.lastUs);
        case ColBytesIn: return static_cast<qulonglong>(p.bytesIn);
        case ColBytesOut: return static_cast<qulonglong>(p.bytesOut);
        case ColMsgsIn: return static_cast<qulonglong>(p.datagramsIn);
        case ColMsgsOut: return static_cast<qulonglong>(p.datagramsOut);
        default: return QString();
        }
    };
    const QString seen = p.lastUs < 0 ? QString() : formatTimeUs(p.lastUs, m_startTime);
    switch (role) {
    case Qt::DisplayRole:
        switch (column) {
        case ColName: return others ? tr("… other senders (beyond %1)").arg(kMaxPeers) : p.address;
        case ColState: return closed ? tr("closed · last %1").arg(seen) : tr("seen %1").arg(seen);
        case ColPeer: return QString();  // the Name column has it
        case ColBytesIn:
        case ColBytesOut:
        case ColMsgsIn:
        case ColMsgsOut: return QString::number(value(column).toULongLong());
        default: return QString();
        }
    case Qt::ToolTipRole: {
        QStringList lines;
        if (others)
            lines << tr("Datagrams from senders beyond the first %1 of %2, counted together (no row each, so "
                        "a flood from many source ports stays bounded)")
                         .arg(kMaxPeers)
                         .arg(channelLabel(c.id));
        else
            lines << tr("peer %1 of %2 (UDP bound)").arg(p.address, channelLabel(c.id));
        lines << tr("in: %n datagram(s)", nullptr, static_cast<int>(std::min<std::uint64_t>(p.datagramsIn, std::numeric_limits<int>::max())))
                         + tr(", %1").arg(formatBytes(p.bytesIn));
        if (!others)
            lines << tr("out: %n datagram(s)", nullptr, static_cast<int>(std::min<std::uint64_t>(p.datagramsOut, std::numeric_limits<int>::max())))
                             + tr(", %1").arg(formatBytes(p.bytesOut));
        if (p.firstUs >= 0) lines << tr("first seen %1, last %2").arg(formatTimeUs(p.firstUs, m_startTime), seen);
        if (closed) lines << tr("%1 is closed").arg(channelLabel(c.id));
        else if (!others) lines << tr("Select it to reply to it: the composer's To takes its address");
        return lines.join(QLatin1Char('\n'));
    }
    case Qt::TextAlignmentRole:
        if (column >= ColBytesIn && column <= ColMsgsOut)
            return QVariant::fromValue(Qt::Alignment(Qt::AlignRight | Qt::AlignVCenter));
        return QVariant();
    case Qt::ForegroundRole:
        if (closed || others) return QGuiApplication::palette().color(QPalette::PlaceholderText);
        return QVariant();
    case ChannelIdRole: return static_cast<uint>(c.id);
    case RoleRole: return static_cast<int>(c.role);
    case PhaseRole: return static_cast<int>(c.phase);
    case IsOpenRole: return !closed;
    case SortRole: return value(column);
    case PeerAddressRole: return others ? QString() : p.address;
    case IsPeerRowRole: return true;
    default: return QVariant();
    }
}

QVariant ChannelModel::data(const QModelIndex& index, int role) const {
    if (const int peerNode = peerNodeOf(index); peerNode >= 0)
        return peerData(m_nodes[static_cast<std::size_t>(peerNode)], index.row(), index.column(), role);
    const Node* node = nodeOf(index);
    if (!node) return QVariant();
    const ChannelInfo& i = node->info;
    const bool listener = i.role == engine::ChannelRole::Listener;
    // A listener moves no bytes itself: it shows the totals of its connections.
    const auto total = [&](std::uint64_t ChannelInfo::*field) {
        if (!listener) return i.*field;
        std::uint64_t sum = i.*field;
        for (int c : node->children) sum += m_nodes[static_cast<std::size_t>(c)].info.*field;
        return sum;
    };
    const auto value = [&](int column) -> QVariant {
        switch (column) {
        case ColName: return static_cast<uint>(i.id);
        case ColState: return static_cast<int>(i.phase);
        case ColPeer: return listener ? i.local : i.peer;
        case ColBytesIn: return static_cast<qulonglong>(total(&ChannelInfo::bytesIn));
        case ColBytesOut: return static_cast<qulonglong>(total(&ChannelInfo::bytesOut));
        case ColMsgsIn: return static_cast<qulonglong>(total(&ChannelInfo::messagesIn));
        case ColMsgsOut: return static_cast<qulonglong>(total(&ChannelInfo::messagesOut));
        case ColTerminator: return i.terminatorKnown ? terminatorText(i.terminator) : QString();
        default: return QVariant();
        }
    };
    if (role == Qt::DisplayRole && index.column() == ColName && !i.userLabel.isEmpty()) {
        return tr("%1 · %2").arg(i.userLabel, nameText(i));
    }
    if (role == Qt::EditRole && index.column() == ColName) return i.userLabel;
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case ColName:
            return nameText(i);
        case ColState: {
            QString s = latin1(engine::channelPhaseName(i.phase));
            if (i.halfClosed && i.phase != engine::ChannelPhase::Closed) s += tr(" (half-closed)");
            if (i.lastError && i.phase != engine::ChannelPhase::Closed) s += tr(" (error)");
            const QString tls = tlsText(i);
            if (!tls.isEmpty()) s += QStringLiteral(" · ") + tls;
            return s;
        }
        case ColPeer:
            if (listener) return i.local;
            if (i.phase == engine::ChannelPhase::Connecting && !i.host.isEmpty() && !i.peer.contains(i.host))
                return i.peer.isEmpty() ? i.host : QStringLiteral("%1 (%2)").arg(i.peer, i.host);
            return i.peer;
        case ColBytesIn:
        case ColBytesOut:
        case ColMsgsIn:
        case ColMsgsOut: return QString::number(value(index.column()).toULongLong());
        case ColTerminator: return value(ColTerminator);
        default: return QVariant();
        }
    case Qt::ToolTipRole: {
        QStringList lines;
        lines << QStringLiteral("%1 %2, %3").arg(channelLabel(i.id), latin1(engine::channelRoleName(i.role)),
                                                  latin1(engine::channelPhaseName(i.phase)));
        if (i.parent) lines << tr("accepted by %1").arg(channelLabel(i.parent));
        if (i.proxyPeer != 0)
            lines << (i.proxyUpstream
                          ? tr("proxy: the leg to the real server (server → client) of the client leg %1").arg(channelLabel(i.proxyPeer))
                          : tr("proxy: the real client's leg (client → server); the server leg is %1").arg(channelLabel(i.proxyPeer)));
        if (!i.local.isEmpty()) lines << tr("local %1").arg(i.local);
        if (!i.peer.isEmpty()) lines << tr("peer %1").arg(i.peer);
        if (!i.host.isEmpty()) lines << tr("host %1").arg(i.host);
        if (i.terminatorKnown) lines << tr("terminator %1").arg(terminatorText(i.terminator));
        if (i.tls && i.tlsPhase != TlsPhase::None) {
            const engine::TlsHandshakeInfo& t = *i.tls;
            lines << tr("%1 %2%3").arg(tlsVersionText(t.version), QString::fromStdString(t.cipher),
                                       t.alpn.empty() ? QString() : tr(", ALPN %1").arg(QString::fromStdString(t.alpn)));
            lines << tr("peer certificate: %1").arg(tlsVerificationText(t));
            if (!t.peerChain.empty()) lines << tr("peer: %1").arg(QString::fromStdString(t.peerChain.front().subject));
            if (i.tlsPhase == TlsPhase::Closed) lines << tr("TLS ended: close_notify");
            if (i.tlsPhase == TlsPhase::Truncated) lines << tr("TLS ended without close_notify (truncated)");
        } else if (i.tlsPhase == TlsPhase::Requested) {
            lines << (i.role == engine::ChannelRole::Listener ? tr("TLS for every connection it accepts")
                                                              : tr("TLS asked for; no handshake yet"));
            if (i.tlsInsecure) lines << tr("certificate verification OFF");
        } else if (i.tlsPhase == TlsPhase::Handshaking) {
            lines << tr("TLS handshake under way%1")
                         .arg(i.tlsStartedBy.isEmpty() ? QString() : tr(" (STARTTLS %1)").arg(i.tlsStartedBy));
        }
        if (!i.lastErrorText.isEmpty())
            lines << (i.lastError ? tr("last error [errno %1] %2").arg(i.lastError).arg(i.lastErrorText)
                                  : tr("last error %1").arg(i.lastErrorText));
        if (listener && !node->children.empty()) lines << tr("%n connection(s) shown", nullptr, static_cast<int>(node->children.size()));
        if (i.udp) lines << (i.udpOptions.isEmpty() ? tr("UDP options: none (no broadcast, no multicast group)")
                                                    : tr("UDP options: %1").arg(i.udpOptions));
        if (!node->peers.empty())
            lines << tr("%n peer(s) shown", nullptr, static_cast<int>(node->peers.size())) +
                         (node->hasOthers ? tr(" (the first %1; later senders counted together)").arg(kMaxPeers) : QString());
        return lines.join(QLatin1Char('\n'));
    }
    case Qt::TextAlignmentRole:
        if (index.column() >= ColBytesIn && index.column() <= ColMsgsOut)
            return QVariant::fromValue(Qt::Alignment(Qt::AlignRight | Qt::AlignVCenter));
        return QVariant();
    case Qt::ForegroundRole:
        if (i.phase == engine::ChannelPhase::Closed) return QGuiApplication::palette().color(QPalette::PlaceholderText);
        return QVariant();
    case Qt::DecorationRole:
        if (index.column() != ColState) return QVariant();
        switch (i.tlsPhase) {
        case TlsPhase::None: return QVariant();
        case TlsPhase::Requested:
        case TlsPhase::Handshaking:
            return i.phase == engine::ChannelPhase::Closed && i.role != engine::ChannelRole::Listener
                       ? QVariant()
                       : QVariant(padlockIcon(i.role == engine::ChannelRole::Listener ? Padlock::Secure : Padlock::Pending));
        case TlsPhase::Established:
            return padlockIcon(i.tls && tlsUnverifiedPeer(*i.tls) ? Padlock::Unverified : Padlock::Secure);
        case TlsPhase::Closed:
        case TlsPhase::Truncated: return padlockIcon(Padlock::Ended);
        }
        return QVariant();
    case ChannelIdRole: return static_cast<uint>(i.id);
    case RoleRole: return static_cast<int>(i.role);
    case PhaseRole: return static_cast<int>(i.phase);
    case IsOpenRole: return i.phase != engine::ChannelPhase::Closed;
    case SortRole: return value(index.column());
    case TlsPhaseRole: return static_cast<int>(i.tlsPhase);
    case ProxyPeerRole: return static_cast<uint>(i.proxyPeer);
    case PeerAddressRole: return QString();
    case IsPeerRowRole: return false;
    case TlsVerifiedRole: return i.tlsPhase == TlsPhase::Established && i.tls && tlsVerified(*i.tls);
    default: return QVariant();
    }
}

QVariant ChannelModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal) return QVariant();
    if (role == Qt::DisplayRole) {
        switch (section) {
        case ColName: return tr("Channel");
        case ColState: return tr("State");
        case ColPeer: return tr("Peer");
        case ColBytesIn: return tr("Bytes in");
        case ColBytesOut: return tr("Bytes out");
        case ColMsgsIn: return tr("Msgs in");
        case ColMsgsOut: return tr("Msgs out");
        case ColTerminator: return tr("Terminator");
        default: return QVariant();
        }
    }
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case ColPeer: return tr("The remote address (for a listener: the address it listens on).");
        case ColBytesIn: return tr("Bytes received (a listener: all its connections).");
        case ColBytesOut: return tr("Bytes sent (a listener: all its connections).");
        case ColMsgsIn: return tr("found_terminator calls.");
        case ColMsgsOut: return tr("Pushes (commands, echo replies, repeated copies).");
        case ColTerminator: return tr("The terminator in force (set_terminator).");
        default: return QVariant();
        }
    }
    return QVariant();
}

}  // namespace ui
