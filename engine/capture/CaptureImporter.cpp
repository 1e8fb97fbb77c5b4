// CaptureImporter.cpp — capture → streams → one stream as session events.
#include "engine/capture/CaptureImporter.h"

#include "engine/asyncore/Escape.h"
#include "engine/capture/Reframer.h"
#include "engine/net/NetErrors.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <system_error>
#include <utility>

namespace engine {

namespace {

constexpr std::size_t kMaxNotes = 10;
// The one channel of an imported session: the client.
constexpr ChannelId kChannel = 1;

/// The UDP flows of a capture, in the order of their first datagram; the
/// datagrams of one flow only (`keep`) are held.
class UdpFlowTable {
public:
    void keepOnly(std::size_t index) { m_keep = index; }
    void add(const UdpDatagram& d, std::uint64_t frame, std::int64_t ns) {
        std::string from = d.source();
        std::string to = d.destination();
        auto key = from < to ? std::make_pair(from, to) : std::make_pair(to, from);
        const auto [it, inserted] = m_index.try_emplace(std::move(key), m_flows.size());
        if (inserted) {
            UdpFlow f;
            f.info.index = m_flows.size();
            f.info.client = from;
            f.info.server = to;
            f.info.firstFrame = frame;
            f.info.firstNs = ns;
            m_flows.push_back(std::move(f));
        }
        UdpFlow& f = m_flows[it->second];
        const int dir = from == f.info.client ? 0 : 1;
        ++f.info.datagrams[dir];
        f.info.bytes[dir] += d.payloadLength;
        if (d.truncated()) ++f.info.truncated;
        f.info.lastFrame = frame;
        f.info.lastNs = std::max(f.info.lastNs, ns);
        if (it->second == m_keep) f.datagrams.push_back({dir, std::string(d.payload), d.truncated(), ns, frame});
    }
    std::size_t count() const noexcept { return m_flows.size(); }
    std::vector<UdpFlowInfo> infos() const {
        std::vector<UdpFlowInfo> out;
        out.reserve(m_flows.size());
        for (const UdpFlow& f : m_flows) out.push_back(f.info);
        return out;
    }
    const UdpFlow& flow(std::size_t i) const { return m_flows.at(i); }

private:
    std::size_t m_keep = static_cast<std::size_t>(-1);
    std::map<std::pair<std::string, std::string>, std::size_t> m_index;
    std::vector<UdpFlow> m_flows;
};

bool scan(PcapReader& reader, TcpReassembler& reassembler, UdpFlowTable& udp, CaptureListing& listing,
          std::string* error, const CaptureImporter::Progress& progress) {
    CapturedPacket p;
    TcpSegment seg;
    UdpDatagram datagram;
    std::string why;
    std::uint64_t reported = 0;
    while (reader.next(p)) {
        if (progress && reader.bytesRead() - reported >= (1u << 20)) {
            reported = reader.bytesRead();
            if (!progress(reported, reader.totalBytes())) {
                if (error) *error = "cancelled";
                return false;
            }
        }
        ++listing.packets;
        DecodeResult r = PcapReader::decodeTcp(p, seg, &why);
        if (r == DecodeResult::NotTcp) r = PcapReader::decodeUdp(p, datagram, &why);
        switch (r) {
        case DecodeResult::Tcp:
            ++listing.tcpPackets;
            reassembler.add(seg, p.number, p.timestampNs);
            break;
        case DecodeResult::Udp:
            ++listing.udpPackets;
            udp.add(datagram, p.number, p.timestampNs);
            break;
        case DecodeResult::NotTcp: ++listing.otherPackets; break;
        case DecodeResult::Fragment: ++listing.fragments; break;
        case DecodeResult::Malformed:
            ++listing.malformed;
            if (listing.notes.size() < kMaxNotes)
                listing.notes.push_back("frame " + std::to_string(p.number) + " (byte offset " +
                                        std::to_string(p.fileOffset) + "): " + why);
            break;
        }
    }
    if (reader.failed()) {
        if (error) *error = reader.error();
        return false;
    }
    if (progress) progress(reader.bytesRead(), reader.totalBytes());
    listing.format = reader.format();
    listing.linkTypes = reader.linkTypes();
    return true;
}

/// scan() of a reader that `opened` (else its error), keeping the payload of
/// stream `keep` only.
bool scanOpened(PcapReader& reader, bool opened, std::size_t keep, TcpReassembler& reassembler,
                CaptureListing& listing, std::string* error, const CaptureImporter::Progress& progress,
                UdpFlowTable* udpTable = nullptr) {
    if (!opened) {
        if (error) *error = reader.error();
        return false;
    }
    reassembler.keepOnly(keep);
    UdpFlowTable none;
    return scan(reader, reassembler, udpTable ? *udpTable : none, listing, error, progress);
}

std::optional<CaptureListing> listFrom(PcapReader& reader, bool opened, std::string* error,
                                       const CaptureImporter::Progress& progress) {
    CaptureListing listing;
    TcpReassembler reassembler;
    UdpFlowTable udp;
    // No stream's payload is kept: sizes only.
    if (!scanOpened(reader, opened, static_cast<std::size_t>(-1), reassembler, listing, error, progress, &udp))
        return std::nullopt;
    listing.streams = reassembler.streams();
    listing.udpFlows = udp.infos();
    return listing;
}

std::optional<LoadedSession> importUdpFrom(PcapReader& reader, bool opened, std::size_t index,
                                           const CaptureImportOptions& options, std::string* error,
                                           const CaptureImporter::Progress& progress) {
    CaptureListing listing;
    TcpReassembler reassembler;  // keeps no payload: sizes only
    UdpFlowTable udp;
    udp.keepOnly(index);
    if (!scanOpened(reader, opened, static_cast<std::size_t>(-1), reassembler, listing, error, progress, &udp))
        return std::nullopt;
    if (index >= udp.count()) {
        if (error) {
            const std::size_t n = udp.count();
            *error = n == 0 ? "the capture has no UDP flows" + std::string(listing.packets ? "" : " (it has no packets)")
                            : "the capture has " + std::to_string(n) + " UDP flow" + (n == 1 ? "" : "s") + " (0" +
                                  (n > 1 ? " to " + std::to_string(n - 1) : std::string()) + "); there is no flow " +
                                  std::to_string(index);
        }
        return std::nullopt;
    }
    const UdpFlow& flow = udp.flow(index);
    if (flow.info.truncated && !options.allowGaps) {
        if (error) {
            std::uint64_t frame = 0;
            for (const UdpFlowDatagram& d : flow.datagrams)
                if (d.truncated) {
                    frame = d.frame;
                    break;
                }
            *error = "UDP flow " + std::to_string(index) + " is incomplete: " + std::to_string(flow.info.truncated) +
                     " datagram" + (flow.info.truncated == 1 ? " was" : "s were") +
                     " cut short by the capture's snap length (the first in frame " + std::to_string(frame) +
                     "). Import it anyway with --allow-gaps (those datagrams are left out)";
        }
        return std::nullopt;
    }
    return CaptureImporter::toSession(flow, options);
}

std::optional<LoadedSession> importFrom(PcapReader& reader, bool opened, std::size_t index,
                                        const CaptureImportOptions& options, std::string* error,
                                        const CaptureImporter::Progress& progress) {
    CaptureListing listing;
    TcpReassembler reassembler;
    if (!scanOpened(reader, opened, index, reassembler, listing, error, progress)) return std::nullopt;
    if (index >= reassembler.streamCount()) {
        if (error) {
            const std::size_t n = reassembler.streamCount();
            *error = n == 0 ? "the capture has no TCP streams" + std::string(listing.packets ? "" : " (it has no packets)")
                            : "the capture has " + std::to_string(n) + " TCP stream" + (n == 1 ? "" : "s") + " (0" +
                                  (n > 1 ? " to " + std::to_string(n - 1) : std::string()) + "); there is no stream " +
                                  std::to_string(index);
        }
        return std::nullopt;
    }
    const ReassembledStream stream = reassembler.stream(index);
    if (!stream.info.complete() && !options.allowGaps) {
        if (error) {
            std::string why;
            std::size_t shown = 0;
            for (const std::string& p : stream.info.problems) {
                if (p.find("missing") == std::string::npos && p.find("snap length") == std::string::npos) continue;
                if (shown++ == 3) break;
                why += "; " + p;
            }
            *error = "stream " + std::to_string(index) + " is incomplete" + why +
                     ". Import it anyway with --allow-gaps (the missing bytes are left out)";
        }
        return std::nullopt;
    }
    return CaptureImporter::toSession(stream, options);
}

// "127.0.0.1:7000" → "127.0.0.1", 7000; "[::1]:7000" → "::1", 7000.
void splitEndpoint(const std::string& text, std::string& host, std::int64_t& port) {
    const std::size_t colon = text.rfind(':');
    host = colon == std::string::npos ? text : text.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    port = 0;
    if (colon != std::string::npos)
        for (char c : text.substr(colon + 1)) port = port * 10 + (c - '0');
}

std::string quoted(const Terminator& t) {
    if (t.isBytes()) return "'" + renderEscaped(t.bytesValue()) + "'";
    if (t.isCount()) return "count:" + std::to_string(t.countValue());
    return "none";
}

/// The events of an imported session, one at a time: each gets the next
/// sequence number and a time since the capture's start `t0` that never goes
/// back. Owns the session it builds; finish() hands it over.
class SessionBuilder {
public:
    SessionBuilder(const CaptureImportOptions& options, std::int64_t t0) : m_t0(t0) {
        m_session.header = eventjson::makeHeader(
            options.tool, options.toolVersion,
            std::chrono::system_clock::time_point(std::chrono::duration_cast<std::chrono::system_clock::duration>(
                std::chrono::nanoseconds(t0))),
            std::string(), "full");
    }

    Event& add(EventKind kind, std::int64_t ns, ChannelId channel = kChannel) {
        Event e;
        e.seq = ++m_seq;
        e.tUs = std::max(m_lastUs, (ns - m_t0) / 1000);
        m_lastUs = e.tUs;
        e.channel = channel;
        e.kind = kind;
        m_session.events.push_back(std::move(e));
        return m_session.events.back();
    }

    /// The client's Connecting (to `server`) and Connected events.
    void connect(const std::string& server, const std::string& client, std::int64_t connectingNs,
                 std::int64_t connectedNs) {
        std::string serverHost;
        std::int64_t serverPort = 0;
        splitEndpoint(server, serverHost, serverPort);
        Event& connecting = add(EventKind::Connecting, connectingNs);
        connecting.info = server;
        connecting.aux = serverHost;
        connecting.size = serverPort;
        Event& connected = add(EventKind::Connected, connectedNs);
        connected.info = server;
        connected.aux = client;
    }

    /// The reactor's Stopped event at `endNs`, then the session with its summary.
    LoadedSession finish(std::int64_t endNs) {
        add(EventKind::Stopped, endNs, kReactorChannel);
        m_session.summary = SessionReader::summarize(m_session.events);
        return std::move(m_session);
    }

private:
    LoadedSession m_session;
    std::int64_t m_t0;
    std::uint64_t m_seq = 0;
    std::int64_t m_lastUs = 0;
};

}  // namespace

std::optional<CaptureListing> CaptureImporter::list(const std::string& path, std::string* error,
                                                    const Progress& progress) {
    PcapReader r;
    const bool ok = r.open(path);
    return listFrom(r, ok, error, progress);
}

std::optional<CaptureListing> CaptureImporter::listData(std::string data, std::string name, std::string* error) {
    PcapReader r;
    const bool ok = r.openData(std::move(data), std::move(name));
    return listFrom(r, ok, error, {});
}

std::optional<LoadedSession> CaptureImporter::importStream(const std::string& path, std::size_t stream,
                                                           const CaptureImportOptions& options, std::string* error,
                                                           const Progress& progress) {
    PcapReader r;
    const bool ok = r.open(path);
    return importFrom(r, ok, stream, options, error, progress);
}

std::optional<LoadedSession> CaptureImporter::importData(std::string data, std::string name, std::size_t stream,
                                                         const CaptureImportOptions& options, std::string* error) {
    PcapReader r;
    const bool ok = r.openData(std::move(data), std::move(name));
    return importFrom(r, ok, stream, options, error, {});
}

std::optional<LoadedSession> CaptureImporter::importUdpFlow(const std::string& path, std::size_t flow,
                                                            const CaptureImportOptions& options, std::string* error,
                                                            const Progress& progress) {
    PcapReader r;
    const bool ok = r.open(path);
    return importUdpFrom(r, ok, flow, options, error, progress);
}

std::optional<LoadedSession> CaptureImporter::importUdpData(std::string data, std::string name, std::size_t flow,
                                                            const CaptureImportOptions& options, std::string* error) {
    PcapReader r;
    const bool ok = r.openData(std::move(data), std::move(name));
    return importUdpFrom(r, ok, flow, options, error, {});
}

LoadedSession CaptureImporter::toSession(const UdpFlow& flow, const CaptureImportOptions& options) {
    const std::int64_t t0 = flow.info.firstNs;
    SessionBuilder b(options, t0);
    b.connect(flow.info.server, flow.info.client, t0, t0);
    auto state = std::make_shared<ChannelState>();
    std::int64_t endNs = t0;
    for (const UdpFlowDatagram& d : flow.datagrams) {
        endNs = std::max(endNs, d.timestampNs);
        if (d.truncated) continue;  // refused before, unless allowGaps: left out
        Event& e = b.add(d.direction == 0 ? EventKind::DatagramSent : EventKind::Datagram, d.timestampNs);
        e.size = static_cast<std::int64_t>(d.bytes.size());
        e.data = d.bytes;
        e.info = flow.info.server;
        if (d.direction == 0) {
            state->bytesOut += d.bytes.size();
            ++state->messagesOut;
        } else {
            state->bytesIn += d.bytes.size();
            ++state->messagesIn;
        }
    }
    {
        Event& e = b.add(EventKind::Closed, endNs);
        e.sub = static_cast<std::uint8_t>(CloseReason::Local);
        e.info = "close";
        e.state = std::move(state);
    }
    return b.finish(endNs);
}

LoadedSession CaptureImporter::toSession(const ReassembledStream& stream, const CaptureImportOptions& options) {
    const std::int64_t t0 = stream.info.firstNs;
    SessionBuilder b(options, t0);
    b.connect(stream.info.server, stream.info.client, stream.synNs >= 0 ? stream.synNs : t0,
              stream.establishedNs >= 0 ? stream.establishedNs : t0);

    // The client's messages (one push each): its stream framed by the terminator.
    std::string c2s;
    for (const ReassembledChunk& c : stream.chunks)
        if (c.direction == 0) c2s += c.bytes;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> pushes;  // offset, size
    for (const FramedMessage& m : Reframer::frame(c2s, TerminatorSchedule(options.terminator)))
        pushes.emplace_back(m.offset, m.wireSize());
    std::size_t nextPush = 0;
    std::uint64_t c2sAt = 0;

    // The server's bytes through asynchat's framing, chunk by chunk.
    Reframer framer{TerminatorSchedule(options.terminator)};
    framer.setKeepMessages(false);
    std::int64_t chunkNs = t0;
    std::uint64_t found = 0;
    framer.setHooks({[&](std::string_view data) {
                         Event& e = b.add(EventKind::Collect, chunkNs);
                         e.size = static_cast<std::int64_t>(data.size());
                         e.data.assign(data);
                     },
                     [&](const Terminator& inForce, std::uint64_t bodySize) {
                         Event& e = b.add(EventKind::FoundTerminator, chunkNs);
                         e.setTerminator(inForce);
                         e.size = static_cast<std::int64_t>(bodySize);
                         ++found;
                     }});

    bool halfClosed = false;
    auto maybeHalfClose = [&](std::int64_t beforeNs) {
        // The client's FIN, if it came first: it shut its side down.
        if (halfClosed || stream.finNs[0] < 0 || stream.finNs[0] > beforeNs) return;
        if (stream.finNs[1] >= 0 && stream.finNs[1] < stream.finNs[0]) return;
        halfClosed = true;
        b.add(EventKind::HalfClosed, stream.finNs[0]);
    };

    std::uint64_t bytesIn = 0;
    std::uint64_t bytesOut = 0;
    for (const ReassembledChunk& c : stream.chunks) {
        maybeHalfClose(c.timestampNs);
        chunkNs = c.timestampNs;
        if (c.direction == 0) {
            const std::uint64_t end = c2sAt + c.bytes.size();
            while (nextPush < pushes.size() && pushes[nextPush].first < end) {
                Event& e = b.add(EventKind::Push, c.timestampNs);
                e.sub = static_cast<std::uint8_t>(ProducerKind::Bytes);
                e.size = static_cast<std::int64_t>(pushes[nextPush].second);
                ++nextPush;
            }
            Event& e = b.add(EventKind::Sent, c.timestampNs);
            e.size = static_cast<std::int64_t>(c.bytes.size());
            e.data = c.bytes;
            c2sAt = end;
            bytesOut += c.bytes.size();
        } else {
            framer.feed(c.bytes, c.timestampNs);
            bytesIn += c.bytes.size();
        }
    }

    // The end of the connection, as the client saw it.
    std::int64_t endNs = stream.info.lastNs;
    maybeHalfClose(endNs);
    const bool serverFin = stream.finNs[1] >= 0;
    const bool reset = stream.resetNs >= 0;
    if (serverFin || reset) {
        const std::int64_t closeNs = std::max({stream.finNs[1], stream.resetNs, stream.finNs[0]});
        chunkNs = closeNs;
        if (const std::string_view residue = framer.residue(); !residue.empty()) {
            Event& e = b.add(EventKind::Warning, closeNs);
            e.sub = static_cast<std::uint8_t>(WarningCode::Residue);
            e.info = std::to_string(residue.size()) + " byte(s) held back as a possible start of the terminator " +
                     quoted(options.terminator) + " were never delivered";
            e.size = static_cast<std::int64_t>(residue.size());
            e.data.assign(residue);
        }
        if (options.terminator.framesInput() && framer.pendingBytes() > 0) {
            Event& e = b.add(EventKind::Warning, closeNs);
            e.sub = static_cast<std::uint8_t>(WarningCode::Unterminated);
            e.info = "the last message (" + std::to_string(framer.pendingBytes()) + " bytes) never saw its terminator " +
                     quoted(options.terminator);
            e.size = static_cast<std::int64_t>(framer.pendingBytes());
        }
        Event& e = b.add(EventKind::Closed, closeNs);
        if (reset && (!serverFin || stream.resetNs <= stream.finNs[1])) {
            const bool byServer = stream.resetFrom == 1;
            e.sub = static_cast<std::uint8_t>(byServer ? CloseReason::Peer : CloseReason::Local);
            e.info = byServer ? "Connection reset by peer" : "close";
            e.error = byServer ? static_cast<int>(std::errc::connection_reset) : 0;
            e.aux = sockops::errorName(e.error);
        } else {
            e.sub = static_cast<std::uint8_t>(CloseReason::Peer);
            e.info = "eof";
        }
        auto state = std::make_shared<ChannelState>();
        state->bytesIn = bytesIn;
        state->bytesOut = bytesOut;
        state->messagesIn = found;
        state->messagesOut = pushes.size();
        e.state = std::move(state);
        endNs = std::max(endNs, closeNs);
    }
    return b.finish(endNs);
}

}  // namespace engine
