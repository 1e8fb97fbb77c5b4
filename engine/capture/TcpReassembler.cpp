// TcpReassembler.cpp — streams by 4-tuple, directions by sequence number.
#include "engine/capture/TcpReassembler.h"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <map>
#include <limits>
#include <tuple>

namespace engine {

bool TcpReassembler::Key::operator<(const Key& o) const {
    return std::tie(family, a, pa, b, pb) < std::tie(o.family, o.a, o.pa, o.b, o.pb);
}

void TcpReassembler::add(const TcpSegment& seg, std::uint64_t frame, std::int64_t ns) {
    // The key orders the two endpoints so both directions find the same stream.
    const bool forward = std::tie(seg.src, seg.srcPort) < std::tie(seg.dst, seg.dstPort);
    Key key{seg.family, forward ? seg.src : seg.dst, forward ? seg.srcPort : seg.dstPort,
            forward ? seg.dst : seg.src, forward ? seg.dstPort : seg.srcPort};
    const bool pureSyn = seg.has(TcpSegment::kSyn) && !seg.has(TcpSegment::kAck);

    auto it = m_current.find(key);
    bool fresh = it == m_current.end();
    if (!fresh && pureSyn) {
        // A new connection on the same 4-tuple: after the old one ended, or
        // a SYN with another initial sequence number.
        const Stream& old = m_streams[it->second];
        const int from = (old.side[0].port == seg.srcPort && old.side[0].address == seg.src) ? 0 : 1;
        const bool otherIsn = old.synSeen[from] && old.synSeq[from] != seg.seq;
        if (old.ended || otherIsn) fresh = true;
    }
    if (fresh) {
        Stream s;
        s.family = seg.family;
        s.side[0].address = seg.src;
        s.side[0].port = seg.srcPort;
        s.side[1].address = seg.dst;
        s.side[1].port = seg.dstPort;
        s.keep = !m_keepOnly || *m_keepOnly == m_streams.size();
        s.firstFrame = frame;
        s.firstNs = ns;
        m_current[key] = m_streams.size();
        m_streams.push_back(std::move(s));
        it = m_current.find(key);
    }
    Stream& s = m_streams[it->second];
    const int from = (s.side[0].port == seg.srcPort && s.side[0].address == seg.src) ? 0 : 1;
    ++s.packets;
    s.lastFrame = frame;
    s.lastNs = std::max(s.lastNs, ns);
    if (seg.has(TcpSegment::kSyn)) {
        if (!s.synSeen[from]) {
            s.synSeen[from] = true;
            s.synSeq[from] = seg.seq;
        }
    }
    if (seg.has(TcpSegment::kFin) || seg.has(TcpSegment::kRst)) s.ended = true;
    Segment g;
    g.seq = seg.seq;
    g.flags = seg.flags;
    g.claimed = seg.payloadLength;
    g.captured = static_cast<std::uint32_t>(seg.payload.size());
    if (s.keep) g.payload.assign(seg.payload);
    g.ns = ns;
    g.frame = frame;
    s.side[from].segments.push_back(std::move(g));
}

// --- Reassembly ---------------------------------------------------------------------------------

struct TcpReassembler::Direction {
    std::vector<ReassembledChunk> chunks;
    std::uint64_t bytes = 0;
    std::uint64_t missing = 0;
    std::uint64_t retransmitted = 0;
    std::uint64_t outOfOrder = 0;
    std::int64_t finNs = -1;
    std::int64_t rstNs = -1;
    bool hadSyn = false;
};

TcpReassembler::Direction TcpReassembler::reassemble(const Stream& s, int sideIndex, std::vector<std::string>& problems,
                                                     const std::string& label) {
    Direction d;
    const std::vector<Segment>& segs = s.side[sideIndex].segments;
    if (segs.empty()) return d;

    // Where the stream starts.
    std::uint32_t base = 0;
    if (s.synSeen[sideIndex]) {
        base = s.synSeq[sideIndex] + 1;
        d.hadSyn = true;
    } else {
        const std::uint32_t first = segs.front().seq;
        std::int64_t lowest = 0;
        for (const Segment& g : segs) {
            if (g.claimed == 0 && !(g.flags & TcpSegment::kFin)) continue;
            lowest = std::min<std::int64_t>(lowest, static_cast<std::int32_t>(g.seq - first));
        }
        base = first + static_cast<std::uint32_t>(lowest);
    }

    // The bytes, in capture order: the first copy of a byte wins. `filled`
    // maps a start offset to a run of bytes from one segment.
    struct Run {
        std::int64_t end = 0;
        std::size_t segment = 0;
        std::size_t from = 0;  // where the run starts in its segment's payload
    };
    struct Cut {
        std::int64_t begin, end;
        std::uint64_t frame;
    };
    std::map<std::int64_t, Run> filled;
    std::vector<Cut> cuts;  // bytes on the wire the capture did not keep (snap length)
    std::int64_t reference = 0;  // the highest offset seen, for wrap-around
    std::int64_t finOffset = -1;
    bool conflictNoted = false;
    for (std::size_t i = 0; i < segs.size(); ++i) {
        const Segment& g = segs[i];
        const std::uint32_t dataSeq = g.seq + ((g.flags & TcpSegment::kSyn) ? 1u : 0u);
        const auto delta = static_cast<std::int32_t>(dataSeq - (base + static_cast<std::uint32_t>(reference)));
        const std::int64_t off = reference + delta;
        reference = std::max(reference, off);
        if (g.flags & TcpSegment::kRst) {
            if (d.rstNs < 0) d.rstNs = g.ns;
            continue;  // a reset's payload, if any, is not stream data
        }
        if ((g.flags & TcpSegment::kFin) && finOffset < 0) {
            finOffset = off + g.claimed;
            d.finNs = g.ns;
        }
        if (g.claimed == 0) continue;
        if (g.captured < g.claimed) cuts.push_back({off + g.captured, off + g.claimed, g.frame});
        // This segment's captured bytes, minus what is already there.
        std::int64_t at = std::max<std::int64_t>(off, 0);  // bytes before the start we chose are not kept
        const std::int64_t end = off + g.captured;
        bool addedAny = false;
        auto next = filled.upper_bound(at);
        if (next != filled.begin()) {
            auto prev = std::prev(next);
            if (prev->second.end > at) next = prev;
        }
        while (at < end) {
            if (next != filled.end() && next->first <= at) {
                // Already have [next->first, next->second.end): compare the overlap.
                const std::int64_t overlapEnd = std::min(end, next->second.end);
                if (s.keep && !conflictNoted) {
                    const Segment& other = segs[next->second.segment];
                    const auto a = static_cast<std::size_t>(at - off);
                    const auto b = next->second.from + static_cast<std::size_t>(at - next->first);
                    const auto n = static_cast<std::size_t>(overlapEnd - at);
                    if (g.payload.compare(a, n, other.payload, b, n) != 0) {
                        conflictNoted = true;
                        problems.push_back(label + ": frame " + std::to_string(g.frame) + " retransmits bytes " +
                                           std::to_string(at) + "–" + std::to_string(overlapEnd) +
                                           " with different content; the first copy was kept");
                    }
                }
                at = overlapEnd;
                ++next;
                continue;
            }
            const std::int64_t stop = next == filled.end() ? end : std::min(end, next->first);
            filled.emplace(at, Run{stop, i, static_cast<std::size_t>(at - off)});
            addedAny = true;
            at = stop;
        }
        if (!addedAny) ++d.retransmitted;
    }

    // Delivery, in stream order.
    std::int64_t cursor = 0;
    std::int64_t lastNs = std::numeric_limits<std::int64_t>::min();
    std::uint64_t maxFrame = 0;
    std::uint64_t lastCountedFrame = 0;
    auto hole = [&](std::int64_t from, std::int64_t to, const std::string& before) {
        const auto n = static_cast<std::uint64_t>(to - from);
        d.missing += n;
        for (const Cut& c : cuts)
            if (c.begin <= from && from < c.end) {
                problems.push_back(label + ": frame " + std::to_string(c.frame) + " lost " + std::to_string(n) +
                                   " bytes to the capture's snap length (stream offset " + std::to_string(from) + ")");
                return;
            }
        problems.push_back(label + ": " + std::to_string(n) + " bytes missing at stream offset " + std::to_string(from) +
                           " (" + before + "): the capture lost them");
    };
    for (const auto& [begin, run] : filled) {
        const Segment& g = segs[run.segment];
        if (begin > cursor) hole(cursor, begin, "before frame " + std::to_string(g.frame));
        if (g.frame < maxFrame && g.frame != lastCountedFrame) {
            ++d.outOfOrder;  // it came ahead of bytes that precede it
            lastCountedFrame = g.frame;
        }
        maxFrame = std::max(maxFrame, g.frame);
        ReassembledChunk c;
        c.direction = sideIndex;
        const auto n = static_cast<std::size_t>(run.end - begin);
        if (s.keep) c.bytes.assign(g.payload, run.from, n);
        lastNs = std::max(lastNs, g.ns);
        c.timestampNs = lastNs;
        c.frame = g.frame;
        d.bytes += n;
        // Runs of one segment that follow each other are one chunk.
        if (!d.chunks.empty() && d.chunks.back().frame == g.frame && begin == cursor)
            d.chunks.back().bytes += c.bytes;
        else
            d.chunks.push_back(std::move(c));
        cursor = run.end;
    }
    std::int64_t streamEnd = cursor;
    for (const Cut& c : cuts) streamEnd = std::max(streamEnd, c.end);
    if (finOffset > streamEnd) streamEnd = finOffset;
    if (streamEnd > cursor) hole(cursor, streamEnd, finOffset == streamEnd ? "before the FIN" : "at the end");
    return d;
}

int TcpReassembler::clientSideOf(const Stream& s, std::string& rule) const {
    for (int x = 0; x < 2; ++x) {
        for (const Segment& g : s.side[x].segments) {
            if ((g.flags & TcpSegment::kSyn) && !(g.flags & TcpSegment::kAck)) {
                rule = "it sent the SYN";
                return x;
            }
        }
    }
    for (int x = 0; x < 2; ++x) {
        for (const Segment& g : s.side[x].segments) {
            if ((g.flags & TcpSegment::kSyn) && (g.flags & TcpSegment::kAck)) {
                rule = "the other side sent the SYN-ACK";
                return 1 - x;
            }
        }
    }
    if (s.side[0].port != s.side[1].port) {
        rule = "no handshake in the capture: the side with the higher port";
        return s.side[0].port > s.side[1].port ? 0 : 1;
    }
    rule = "no handshake in the capture and equal ports: the side that spoke first";
    return 0;
}

TcpStreamInfo TcpReassembler::infoOf(std::size_t index, int clientSide) const {
    const Stream& s = m_streams[index];
    TcpStreamInfo i;
    i.index = index;
    i.family = s.family;
    i.client = endpointText(s.family, s.side[clientSide].address, s.side[clientSide].port);
    i.server = endpointText(s.family, s.side[1 - clientSide].address, s.side[1 - clientSide].port);
    i.packets = s.packets;
    i.firstFrame = s.firstFrame;
    i.lastFrame = s.lastFrame;
    i.firstNs = s.firstNs;
    i.lastNs = s.lastNs;
    return i;
}

std::vector<TcpStreamInfo> TcpReassembler::streams() const {
    std::vector<TcpStreamInfo> out;
    out.reserve(m_streams.size());
    for (std::size_t k = 0; k < m_streams.size(); ++k) out.push_back(stream(k).info);
    return out;
}

ReassembledStream TcpReassembler::stream(std::size_t index) const {
    ReassembledStream r;
    if (index >= m_streams.size()) return r;
    const Stream& s = m_streams[index];
    std::string rule;
    const int client = clientSideOf(s, rule);
    r.info = infoOf(index, client);
    r.info.clientRule = rule;
    const Direction dirs[2] = {reassemble(s, client, r.info.problems, "client to server"),
                               reassemble(s, 1 - client, r.info.problems, "server to client")};
    r.info.handshake = dirs[0].hadSyn;
    if (!dirs[0].hadSyn && !dirs[1].hadSyn)
        r.info.problems.insert(r.info.problems.begin(),
                               "the capture starts in the middle of the connection (no SYN): earlier bytes are not in it");
    for (int d = 0; d < 2; ++d) {
        const auto du = static_cast<std::size_t>(d);
        r.info.bytes[du] = dirs[d].bytes;
        r.info.fin[du] = dirs[d].finNs >= 0;
        r.info.retransmitted[du] = dirs[d].retransmitted;
        r.info.outOfOrder[du] = dirs[d].outOfOrder;
        r.info.missing[du] = dirs[d].missing;
        r.finNs[du] = dirs[d].finNs;
        if (dirs[d].rstNs >= 0 && (r.resetNs < 0 || dirs[d].rstNs < r.resetNs)) {
            r.resetNs = dirs[d].rstNs;
            r.resetFrom = d;
        }
    }
    r.info.reset = r.resetNs >= 0;
    // Handshake times.
    for (const Segment& g : s.side[client].segments)
        if ((g.flags & TcpSegment::kSyn) && !(g.flags & TcpSegment::kAck)) {
            r.synNs = g.ns;
            break;
        }
    for (const Segment& g : s.side[1 - client].segments)
        if ((g.flags & TcpSegment::kSyn) && (g.flags & TcpSegment::kAck)) {
            r.establishedNs = g.ns;
            break;
        }
    if (r.establishedNs < 0) r.establishedNs = s.firstNs;
    // Both directions, in the order their bytes became available: a merge
    // by time that keeps each direction's own order (its times never go
    // back; its frames may, after reordering).
    const std::vector<ReassembledChunk>& a = dirs[0].chunks;
    const std::vector<ReassembledChunk>& b = dirs[1].chunks;
    r.chunks.reserve(a.size() + b.size());
    std::size_t i = 0, j = 0;
    while (i < a.size() || j < b.size()) {
        const bool takeA = j == b.size() ||
                           (i < a.size() && std::tie(a[i].timestampNs, a[i].frame) <= std::tie(b[j].timestampNs, b[j].frame));
        r.chunks.push_back(takeA ? a[i++] : b[j++]);
        r.chunks.back().direction = takeA ? 0 : 1;
    }
    return r;
}

}  // namespace engine
