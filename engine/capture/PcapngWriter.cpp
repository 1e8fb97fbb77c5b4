// PcapngWriter.cpp — packet synthesis (Ethernet, IPv4/IPv6, TCP, UDP) and pcapng blocks.
#include "engine/capture/PcapngWriter.h"

#include "engine/net/Address.h"
#include "engine/asyncore/Escape.h"
#include "engine/capture/JsonWriter.h"
#include "engine/capture/OutputFile.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <map>
#include <set>
#include <tuple>

namespace engine {

namespace {

// --- Little-endian block writing ----------------------------------------------------------------

void put16(std::string& o, std::uint32_t v) {
    o.push_back(static_cast<char>(v & 0xff));
    o.push_back(static_cast<char>((v >> 8) & 0xff));
}
void put32(std::string& o, std::uint32_t v) {
    put16(o, v & 0xffff);
    put16(o, v >> 16);
}
void pad4(std::string& o) {
    while (o.size() % 4) o.push_back('\0');
}
void option(std::string& o, std::uint16_t code, std::string_view value) {
    put16(o, code);
    put16(o, static_cast<std::uint32_t>(value.size()));
    o.append(value);
    pad4(o);
}
void endOptions(std::string& o) {
    put16(o, 0);
    put16(o, 0);
}
void block(std::string& out, std::uint32_t type, const std::string& body) {
    const auto len = static_cast<std::uint32_t>(12 + body.size());
    put32(out, type);
    put32(out, len);
    out += body;
    put32(out, len);
}

// --- Packets ----------------------------------------------------------------------------------

struct Endpoint {
    int family = kAfInet;
    std::array<std::uint8_t, 16> ip{};
    std::uint16_t port = 0;
    std::array<std::uint8_t, 6> mac{};
};

bool parseEndpoint(const std::string& text, Endpoint& out) {
    std::string host, port;
    if (text.empty() || !splitHostPort(text, host, port)) return false;
    const auto p = parsePort(port, true);
    if (!p) return false;
    const auto a = Address::fromNumeric(host, *p);
    if (!a) return false;
    out.family = a->family();
    out.port = *p;
    out.ip = {};
    if (out.family == kAfInet) {
        sockaddr_in in{};
        std::memcpy(&in, a->sockaddrPtr(), std::min(sizeof in, a->sockaddrLen()));
        std::memcpy(out.ip.data(), &in.sin_addr, 4);
    } else {
        sockaddr_in6 in6{};
        std::memcpy(&in6, a->sockaddrPtr(), std::min(sizeof in6, a->sockaddrLen()));
        std::memcpy(out.ip.data(), &in6.sin6_addr, 16);
    }
    return true;
}

std::uint32_t sumBytes(std::uint32_t sum, const unsigned char* p, std::size_t n) {
    for (std::size_t i = 0; i + 1 < n; i += 2) sum += static_cast<std::uint32_t>((p[i] << 8) | p[i + 1]);
    if (n % 2) sum += static_cast<std::uint32_t>(p[n - 1] << 8);
    return sum;
}
std::uint16_t fold(std::uint32_t sum) {
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum & 0xffff);
}
void be16(std::string& o, std::size_t at, std::uint32_t v) {
    o[at] = static_cast<char>((v >> 8) & 0xff);
    o[at + 1] = static_cast<char>(v & 0xff);
}
void be32(std::string& o, std::size_t at, std::uint32_t v) {
    be16(o, at, v >> 16);
    be16(o, at + 2, v & 0xffff);
}
const unsigned char* ubytes(const std::string& s, std::size_t at = 0) {
    return reinterpret_cast<const unsigned char*>(s.data()) + at;
}

constexpr std::uint8_t kProtoTcp = 6;
constexpr std::uint8_t kProtoUdp = 17;

// The checksum of a TCP or UDP `segment` (`protocol`) from `s` to `d`: over
// the IPv4/IPv6 pseudo-header and the segment, with its checksum field zero.
std::uint16_t transportChecksum(const Endpoint& s, const Endpoint& d, std::uint8_t protocol,
                                const std::string& segment) {
    std::uint32_t sum = 0;
    const std::size_t alen = s.family == kAfInet ? 4 : 16;
    sum = sumBytes(sum, s.ip.data(), alen);
    sum = sumBytes(sum, d.ip.data(), alen);
    const auto len = static_cast<std::uint32_t>(segment.size());
    sum += len >> 16;
    sum += len & 0xffff;
    sum += protocol;
    sum = sumBytes(sum, ubytes(segment), segment.size());
    return fold(sum);
}

// The Ethernet frame from `s` to `d` carrying `segment` (`protocol`) in an
// IPv4 (identification `ipId`, "don't fragment" when asked) or IPv6 packet.
std::string ethernetFrame(const Endpoint& s, const Endpoint& d, std::uint8_t protocol, std::uint32_t ipId,
                          bool dontFragment, const std::string& segment) {
    std::string ip;
    if (s.family == kAfInet) {
        ip.assign(20, '\0');
        ip[0] = 0x45;
        be16(ip, 2, static_cast<std::uint32_t>(20 + segment.size()));
        be16(ip, 4, ipId);
        if (dontFragment) be16(ip, 6, 0x4000);
        ip[8] = 64;
        ip[9] = static_cast<char>(protocol);
        std::memcpy(ip.data() + 12, s.ip.data(), 4);
        std::memcpy(ip.data() + 16, d.ip.data(), 4);
        be16(ip, 10, fold(sumBytes(0, ubytes(ip), 20)));
    } else {
        ip.assign(40, '\0');
        ip[0] = 0x60;
        be16(ip, 4, static_cast<std::uint32_t>(segment.size()));
        ip[6] = static_cast<char>(protocol);
        ip[7] = 64;
        std::memcpy(ip.data() + 8, s.ip.data(), 16);
        std::memcpy(ip.data() + 24, d.ip.data(), 16);
    }
    std::string frame;
    frame.append(reinterpret_cast<const char*>(d.mac.data()), 6);
    frame.append(reinterpret_cast<const char*>(s.mac.data()), 6);
    frame.push_back(s.family == kAfInet ? '\x08' : '\x86');
    frame.push_back(s.family == kAfInet ? '\x00' : '\xdd');
    frame += ip;
    frame += segment;
    return frame;
}

struct Packet {
    std::int64_t unixUs = 0;
    std::size_t conversation = 0;
    std::size_t order = 0;
    std::string frame;
    std::vector<std::string> comments;
};

// One synthesized TCP connection.
class Connection {
public:
    Connection(const Endpoint& client, const Endpoint& server, std::size_t index, std::int64_t baseUs,
               std::vector<Packet>& out)
        : m_ep{client, server}, m_index(index), m_base(baseUs), m_out(out) {
        m_ep[0].mac = {0x02, 0, 0, 0, 0, 0x01};
        m_ep[1].mac = {0x02, 0, 0, 0, 0, 0x02};
        // Fixed initial sequence numbers: exports of one session are identical.
        m_seq[0] = 0x1a2b0000u + static_cast<std::uint32_t>(index) * 0x10000u;
        m_seq[1] = 0x5c6d0000u + static_cast<std::uint32_t>(index) * 0x10000u;
    }

    static constexpr std::uint8_t kFin = 0x01, kSyn = 0x02, kRst = 0x04, kPsh = 0x08, kAck = 0x10;

    /// A segment from side `from` (0 client, 1 server). Returns its packet.
    Packet& send(int from, std::int64_t tUs, std::uint8_t flags, std::string_view payload = {}) {
        const int to = 1 - from;
        const auto f = static_cast<std::size_t>(from);
        const auto t = static_cast<std::size_t>(to);
        const Endpoint& s = m_ep[f];
        const Endpoint& d = m_ep[t];
        const std::uint32_t ack = (flags & kAck) ? m_seq[t] : 0;

        std::string tcp(20, '\0');
        be16(tcp, 0, s.port);
        be16(tcp, 2, d.port);
        be32(tcp, 4, m_seq[f]);
        be32(tcp, 8, ack);
        tcp[12] = static_cast<char>(5 << 4);
        tcp[13] = static_cast<char>(flags);
        be16(tcp, 14, 65535);
        tcp.append(payload);
        be16(tcp, 16, transportChecksum(s, d, kProtoTcp, tcp));

        Packet p;
        p.unixUs = m_base + tUs;
        p.conversation = m_index;
        p.order = m_out.size();
        p.frame = ethernetFrame(s, d, kProtoTcp, m_ipId[f]++, true, tcp);
        m_seq[f] += static_cast<std::uint32_t>(payload.size()) + ((flags & (kSyn | kFin)) ? 1u : 0u);
        m_out.push_back(std::move(p));
        return m_out.back();
    }

private:
    std::array<Endpoint, 2> m_ep;
    std::size_t m_index;
    std::int64_t m_base;
    std::vector<Packet>& m_out;
    std::array<std::uint32_t, 2> m_seq{};
    std::array<std::uint32_t, 2> m_ipId{{1, 1}};
};

std::string quoted(const Terminator& t) {
    if (t.isBytes()) return "'" + renderEscaped(t.bytesValue()) + "'";
    if (t.isCount()) return "count:" + std::to_string(t.countValue());
    return "none";
}

// A TLS note stays well within a pcapng option (at most 64 KiB).
constexpr std::size_t kMaxTlsComment = 4096;

std::string tlsPayloadNote(const TlsMark& m) {
    return m.kind == EventKind::TlsHandshake
               ? std::string(" [the TCP payload here is the decrypted plaintext; the TLS records are not in this capture]")
               : std::string();
}

// Inbound events closer than this are taken to come from one read.
constexpr std::int64_t kSameReadUs = 50;

// A run of bytes one side sent at one moment.
struct Piece {
    int from = 0;  // 0 client, 1 server
    std::int64_t tUs = 0;
    std::uint64_t seq = 0;
    bool inbound = false;        // received by the recording channel
    std::uint64_t offset = 0;    // in that direction's stream
    std::uint64_t size = 0;
};

void exportConversation(const Conversation& c, std::size_t index, std::int64_t baseUs, const PcapngExportOptions& o,
                        std::vector<Packet>& packets, PcapngExportStats& stats) {
    const std::string who = "channel " + std::to_string(c.channel);
    Endpoint client, server;
    if (!parseEndpoint(c.clientAddress(), client)) {
        stats.notes.push_back(who + ": the client's address '" + terminalSafe(c.clientAddress()) +
                              "' is not recorded; 192.0.2.1 stands in for it");
        parseEndpoint("192.0.2.1:" + std::to_string(40000 + c.channel % 20000), client);
    }
    if (!parseEndpoint(c.serverAddress(), server)) {
        stats.notes.push_back(who + ": the server's address '" + terminalSafe(c.serverAddress()) +
                              "' is not recorded; 192.0.2.2 stands in for it");
        parseEndpoint("192.0.2.2:7", server);
    }
    if (client.family != server.family) {
        stats.notes.push_back(who + ": the client and server addresses are of different families; left out");
        return;
    }
    Connection tcp(client, server, index, baseUs, packets);
    const int local = c.localIsClient() ? 0 : 1;
    const int remote = 1 - local;

    // Handshake.
    const std::int64_t upUs = c.connectedUs >= 0 ? c.connectedUs : c.firstUs;
    const std::int64_t synUs = c.localIsClient() ? std::min(c.firstUs, upUs) : upUs;
    tcp.send(0, synUs, Connection::kSyn);
    tcp.send(1, upUs, Connection::kSyn | Connection::kAck);
    tcp.send(0, upUs, Connection::kAck);

    // Data: both directions' chunks in event order. A `sent` event is one
    // send(): one segment. What one read delivered shows as several events
    // (collects, and the terminators found between them) emitted within
    // microseconds of each other: inbound chunks less than kSameReadUs apart
    // are joined into one segment.
    std::vector<Piece> pieces;
    for (const StreamChunk& ch : c.in.chunks) pieces.push_back({remote, ch.tUs, ch.seq, true, ch.offset, ch.size});
    for (const StreamChunk& ch : c.out.chunks) pieces.push_back({local, ch.tUs, ch.seq, false, ch.offset, ch.size});
    std::sort(pieces.begin(), pieces.end(), [](const Piece& a, const Piece& b) { return a.seq < b.seq; });
    std::vector<Piece> joined;
    for (const Piece& p : pieces) {
        if (!joined.empty()) {
            Piece& last = joined.back();
            if (last.inbound && p.inbound && p.tUs - last.tUs <= kSameReadUs && last.offset + last.size == p.offset) {
                last.size += p.size;
                continue;
            }
        }
        joined.push_back(p);
    }

    // Comments: found_terminator boundaries of the inbound direction, by the
    // offset of each message's last byte.
    std::vector<std::pair<std::uint64_t, std::string>> marks;
    std::size_t number = 0;
    for (const StreamMessage& m : c.in.messages) {
        if (!m.terminated) continue;
        ++number;
        if (!o.comments || m.size == 0) continue;
        marks.emplace_back(m.offset + m.size - 1,
                           "found_terminator " + std::to_string(number) + " on channel " + std::to_string(c.channel) +
                               ": " + std::to_string(m.size - m.terminatorSize) + "-byte message, terminator " +
                               quoted(m.terminator));
    }
    std::size_t nextMark = 0;

    // TLS events (the streams are the plaintext; the TLS records are not in
    // the capture): each is noted on the first packet after it.
    std::vector<std::string> tlsNotes;
    std::size_t nextTls = 0;
    const auto noteTls = [&](Packet& pkt, std::uint64_t beforeSeq) {
        for (; nextTls < c.tls.size() && c.tls[nextTls].seq < beforeSeq; ++nextTls) {
            if (!o.comments) continue;
            // (the text is terminal-safe already; the cut keeps an option within 64 KiB)
            pkt.comments.push_back(clampedUtf8("channel " + std::to_string(c.channel) + ": " + c.tls[nextTls].text +
                                                   tlsPayloadNote(c.tls[nextTls]),
                                               kMaxTlsComment));
            ++stats.comments;
        }
    };

    const std::size_t maxSeg = std::max<std::size_t>(o.maxSegment, 1);
    const std::int64_t halfUs = c.halfClosedUs;
    bool localFinSent = false;
    for (const Piece& p : joined) {
        if (halfUs >= 0 && !localFinSent && p.inbound && p.tUs > halfUs) {
            // We half-closed before these bytes came: our FIN goes first.
            tcp.send(local, halfUs, Connection::kFin | Connection::kAck);
            localFinSent = true;
        }
        const std::string& stream = p.inbound ? c.in.bytes : c.out.bytes;
        for (std::uint64_t at = 0; at < p.size; at += maxSeg) {
            const std::uint64_t n = std::min<std::uint64_t>(maxSeg, p.size - at);
            const std::uint64_t begin = p.offset + at;
            Packet& pkt = tcp.send(p.from, p.tUs, Connection::kAck | Connection::kPsh,
                                   std::string_view(stream).substr(static_cast<std::size_t>(begin), static_cast<std::size_t>(n)));
            if (at == 0) noteTls(pkt, p.seq);
            if (p.inbound) {
                while (nextMark < marks.size() && marks[nextMark].first < begin + n) {
                    if (marks[nextMark].first >= begin) {
                        pkt.comments.push_back(marks[nextMark].second);
                        ++stats.comments;
                    }
                    ++nextMark;
                }
            }
        }
    }

    // The end. TLS events after the last bytes (a tls_close) are noted on
    // its first packet, or on the last packet there is.
    const auto end = [&](Packet& pkt) -> Packet& {
        noteTls(pkt, std::numeric_limits<std::uint64_t>::max());
        return pkt;
    };
    if (halfUs >= 0 && !localFinSent) {
        end(tcp.send(local, halfUs, Connection::kFin | Connection::kAck));
        localFinSent = true;
    }
    if (c.closed) {
        const std::int64_t t = std::max(c.closedUs, c.lastUs);
        const bool peerReset = c.closeReason != CloseReason::Local && c.closeErrno != 0;
        if (peerReset) {
            end(tcp.send(remote, t, Connection::kRst | Connection::kAck));
        } else if (c.closeReason == CloseReason::Peer) {
            // The peer's FIN, then ours (asynchat closes at end of file), then its ACK.
            end(tcp.send(remote, t, Connection::kFin | Connection::kAck));
            if (!localFinSent) tcp.send(local, t, Connection::kFin | Connection::kAck);
            tcp.send(remote, t, Connection::kAck);
        } else if (c.connectedEver()) {
            // We closed: our FIN (unless a half-close sent it), the peer's, our ACK.
            if (!localFinSent) end(tcp.send(local, t, Connection::kFin | Connection::kAck));
            tcp.send(remote, t, Connection::kFin | Connection::kAck);
            tcp.send(local, t, Connection::kAck);
        }
    }
    if (nextTls < c.tls.size()) noteTls(packets.back(), std::numeric_limits<std::uint64_t>::max());
}

// One UDP packet from `s` to `d`.
Packet udpPacket(const Endpoint& s, const Endpoint& d, std::int64_t unixUs, std::size_t order, std::uint16_t ipId,
                 std::string_view payload) {
    std::string udp(8, '\0');
    be16(udp, 0, s.port);
    be16(udp, 2, d.port);
    be16(udp, 4, static_cast<std::uint32_t>(8 + payload.size()));
    udp.append(payload);
    std::uint16_t ck = transportChecksum(s, d, kProtoUdp, udp);
    if (ck == 0) ck = 0xffff;  // 0 means "no checksum" in UDP
    be16(udp, 6, ck);
    Packet p;
    p.unixUs = unixUs;
    p.conversation = std::numeric_limits<std::size_t>::max();  // after the TCP ones at the same instant
    p.order = order;
    p.frame = ethernetFrame(s, d, kProtoUdp, ipId, false, udp);
    return p;
}

bool unspecified(const Endpoint& e) {
    const std::size_t n = e.family == kAfInet ? 4 : 16;
    for (std::size_t i = 0; i < n; ++i)
        if (e.ip[i] != 0) return false;
    return true;
}

}  // namespace

std::vector<RecordedDatagram> extractDatagrams(const std::vector<Event>& events, std::vector<std::string>* notes) {
    std::map<ChannelId, std::string> local;
    std::set<ChannelId> framed;
    std::vector<RecordedDatagram> out;
    for (const Event& e : events) {
        switch (e.kind) {
        case EventKind::Listening: local[e.channel] = e.info; break;
        case EventKind::Connected: local[e.channel] = e.aux; break;
        case EventKind::Datagram:
        case EventKind::DatagramSent:
            if (e.kind == EventKind::Datagram && e.datagramSize() != 0) {
                framed.insert(e.channel);
                break;
            }
            out.push_back({e.channel, e.tUs, e.kind == EventKind::DatagramSent, local[e.channel], e.info, e.data});
            break;
        default: break;
        }
    }
    if (!framed.empty()) {
        std::erase_if(out, [&](const RecordedDatagram& d) { return framed.count(d.channel) != 0; });
        if (notes)
            for (const ChannelId c : framed)
                notes->push_back("channel " + std::to_string(c) +
                                 ": its datagrams were cut into messages by a terminator and cannot be rebuilt; left out");
    }
    return out;
}

std::string PcapngExportStats::summary() const {
    return std::to_string(conversations) + " connection" + (conversations == 1 ? "" : "s") + ", " +
           std::to_string(packets) + " packets, " + std::to_string(comments) + " found_terminator comments" +
           (datagrams ? ", " + std::to_string(datagrams) + " UDP datagrams" : std::string());
}

bool PcapngWriter::writeSession(const std::string& path, const SessionHeader& header, const std::vector<Event>& events,
                                const std::vector<Conversation>& conversations, const PcapngExportOptions& options,
                                PcapngExportStats* statsOut, std::string* error) {
    std::vector<std::string> udpNotes;
    const std::vector<RecordedDatagram> datagrams = extractDatagrams(events, &udpNotes);
    PcapngExportStats stats;
    const bool ok = write(path, header, conversations, options, &stats, error, datagrams);
    stats.notes.insert(stats.notes.begin(), udpNotes.begin(), udpNotes.end());
    if (statsOut) *statsOut = std::move(stats);
    return ok;
}

std::string PcapngWriter::render(const SessionHeader& header, const std::vector<Conversation>& conversations,
                                 const PcapngExportOptions& options, PcapngExportStats* statsOut,
                                 const std::vector<RecordedDatagram>& datagrams) {
    PcapngExportStats stats;
    std::vector<Packet> packets;
    std::size_t index = 0;
    // A connected UDP channel (udp send, an imported UDP flow) has connecting
    // and connected events too: its datagrams are its packets, no TCP ones.
    std::set<ChannelId> udpChannels;
    for (const RecordedDatagram& d : datagrams) udpChannels.insert(d.channel);
    for (const Conversation& c : conversations) {
        if (options.channel && c.channel != *options.channel) continue;
        if (udpChannels.count(c.channel) != 0) continue;
        const std::string who = "channel " + std::to_string(c.channel);
        if (!c.in.recorded || !c.out.recorded) {
            stats.notes.push_back(who + ": its bytes are not in the session (recorded at level '" +
                                  terminalSafe(header.level) + "'); left out");
            continue;
        }
        if (!c.connectedEver()) continue;  // never connected: no packets to show
        exportConversation(c, index++, header.startUnixUs, options, packets, stats);
        ++stats.conversations;
    }
    {
        std::uint16_t ipId = 1;
        std::set<std::string> noted;
        for (const RecordedDatagram& d : datagrams) {
            if (options.channel && d.channel != *options.channel) continue;
            Endpoint me, them;
            if (!parseEndpoint(d.local, me) || !parseEndpoint(d.peer, them) || me.family != them.family) {
                const std::string note = "channel " + std::to_string(d.channel) + ": a datagram between " +
                                         terminalSafe(d.local) + " and " + terminalSafe(d.peer) +
                                         " has no usable addresses; left out";
                if (noted.insert(note).second) stats.notes.push_back(note);
                continue;
            }
            if (unspecified(me)) me.ip = them.ip;  // bound to every interface: it answered on the address used
            me.mac = {0x02, 0, 0, 0, 0, 0x01};
            them.mac = {0x02, 0, 0, 0, 0, 0x02};
            packets.push_back(d.sent ? udpPacket(me, them, header.startUnixUs + d.tUs, packets.size(), ipId++, d.data)
                                     : udpPacket(them, me, header.startUnixUs + d.tUs, packets.size(), ipId++, d.data));
            ++stats.datagrams;
        }
    }
    std::stable_sort(packets.begin(), packets.end(), [](const Packet& a, const Packet& b) {
        return std::tie(a.unixUs, a.conversation, a.order) < std::tie(b.unixUs, b.conversation, b.order);
    });

    std::string out;
    {
        std::string shb;
        put32(shb, 0x1a2b3c4d);
        put16(shb, 1);
        put16(shb, 0);
        put32(shb, 0xffffffffu);  // section length: not given
        put32(shb, 0xffffffffu);
        option(shb, 1, "Exported by linewright from a session started " +
                           terminalSafe(header.start + " (" + header.tool + " " + header.toolVersion + ")"));
        option(shb, 4, options.application);
        endOptions(shb);
        block(out, 0x0a0d0d0a, shb);
    }
    {
        std::string idb;
        put16(idb, 1);  // LINKTYPE_ETHERNET
        put16(idb, 0);
        put32(idb, 262144);
        option(idb, 2, "linewright");
        option(idb, 9, std::string(1, '\x06'));  // if_tsresol: microseconds
        endOptions(idb);
        block(out, 1, idb);
    }
    for (const Packet& p : packets) {
        std::string epb;
        const auto ts = static_cast<std::uint64_t>(std::max<std::int64_t>(p.unixUs, 0));
        put32(epb, 0);
        put32(epb, static_cast<std::uint32_t>(ts >> 32));
        put32(epb, static_cast<std::uint32_t>(ts & 0xffffffffu));
        put32(epb, static_cast<std::uint32_t>(p.frame.size()));
        put32(epb, static_cast<std::uint32_t>(p.frame.size()));
        epb += p.frame;
        pad4(epb);
        if (!p.comments.empty()) {
            for (const std::string& c : p.comments) option(epb, 1, c);
            endOptions(epb);
        }
        block(out, 6, epb);
    }
    stats.packets = packets.size();
    if (statsOut) *statsOut = std::move(stats);
    return out;
}

bool PcapngWriter::write(const std::string& path, const SessionHeader& header,
                         const std::vector<Conversation>& conversations, const PcapngExportOptions& options,
                         PcapngExportStats* statsOut, std::string* error,
                         const std::vector<RecordedDatagram>& datagrams) {
    PcapngExportStats stats;
    const std::string bytes = render(header, conversations, options, &stats, datagrams);
    if (stats.conversations == 0 && stats.datagrams == 0) {
        if (error) {
            *error = options.channel ? "channel " + std::to_string(*options.channel) + " is not a connection with traffic to export"
                                     : std::string("the session has no connection to export");
            for (const std::string& n : stats.notes) *error += "; " + n;
        }
        if (statsOut) *statsOut = std::move(stats);
        return false;
    }
    std::string openError;
    std::FILE* f = openForWriting(path, options.file, &openError);
    bool ok = f != nullptr;
    int err = 0;
    if (f) {
        errno = 0;
        ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
        err = errno;
        if (std::fclose(f) != 0 && ok) {
            ok = false;
            err = errno;
        }
    }
    if (!ok && error) *error = f ? "cannot write '" + path + "': " + std::strerror(err ? err : EIO) : openError;
    if (statsOut) *statsOut = std::move(stats);
    return ok;
}

}  // namespace engine
