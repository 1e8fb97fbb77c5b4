// TcpReassembler.h — groups TCP segments into connections and puts each
// direction's bytes back in order.
//
// What it does: add() takes the TCP segments of a capture in file order
// (PcapReader::decodeTcp()) and sorts them into streams — one per
// connection, numbered from 0 in order of first appearance, as Wireshark's
// tcp.stream numbers them; a new SYN on a 4-tuple whose connection already
// ended starts a new stream. stream() then reassembles one of them:
//   * the client is the side that sent the SYN (or, without a handshake in
//     the capture, the side that did not send the SYN-ACK; without either,
//     the side with the higher port — servers listen on the lower, usually
//     well-known, port; with equal ports, the side that spoke first);
//   * each direction starts at its SYN's sequence number + 1, or, when the
//     capture began mid-connection, at the lowest sequence number seen; 32-bit
//     wrap-around is followed;
//   * segments are placed by sequence number, so out-of-order segments are
//     put back in order and retransmissions are dropped (the first copy of a
//     byte wins; a retransmission that carries different bytes is reported);
//     a hole nobody filled (a packet the capture lost, or bytes cut by the
//     snap length) is reported with its offset and size;
//   * each delivered chunk keeps the time it became available in order (the
//     later of its own packet's time and the previous chunk's).
// What it owns: the segments it was given (payload copies only for the
// stream it was told to keep, or for all).
// Threads: one thread at a time.
#pragma once

#include "engine/capture/PcapReader.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace engine {

/// What one TCP connection of a capture looks like.
struct TcpStreamInfo {
    std::size_t index = 0;        ///< 0, 1, 2… in order of first appearance.
    int family = 0;
    std::string client;           ///< "127.0.0.1:50412".
    std::string server;           ///< "127.0.0.1:7000".
    std::string clientRule;       ///< How the client was told: "sent the SYN", "higher port", …
    std::uint64_t packets = 0;
    std::uint64_t firstFrame = 0;
    std::uint64_t lastFrame = 0;
    std::int64_t firstNs = 0;
    std::int64_t lastNs = 0;
    bool handshake = false;       ///< The client's SYN is in the capture.
    std::array<std::uint64_t, 2> bytes{};          ///< Stream bytes: [0] client→server, [1] server→client.
    std::array<bool, 2> fin{};                     ///< A FIN in that direction.
    bool reset = false;                            ///< An RST, from either side.
    std::array<std::uint64_t, 2> retransmitted{};  ///< Segments that carried only bytes already seen.
    std::array<std::uint64_t, 2> outOfOrder{};     ///< Segments that arrived ahead of a gap that was filled later.
    std::array<std::uint64_t, 2> missing{};        ///< Bytes never seen (holes).
    /// Findings worth a line each: holes (with offsets), conflicting
    /// retransmissions, a capture that started mid-connection.
    std::vector<std::string> problems;

    bool complete() const noexcept { return missing[0] == 0 && missing[1] == 0; }
    double durationSeconds() const noexcept { return static_cast<double>(lastNs - firstNs) / 1e9; }
};

/// A run of in-order bytes of one direction.
struct ReassembledChunk {
    int direction = 0;         ///< 0 client→server, 1 server→client.
    std::string bytes;
    std::int64_t timestampNs = 0;
    std::uint64_t frame = 0;   ///< The packet that carried (the end of) it.
};

struct ReassembledStream {
    TcpStreamInfo info;
    /// Both directions, in the order their bytes became available.
    std::vector<ReassembledChunk> chunks;
    std::int64_t synNs = -1;           ///< The client's SYN.
    std::int64_t establishedNs = -1;   ///< The server's SYN-ACK (else the first packet).
    std::array<std::int64_t, 2> finNs{{-1, -1}};  ///< When each direction's FIN came (-1: none).
    std::int64_t resetNs = -1;
    int resetFrom = -1;                ///< 0 the client, 1 the server.
};

class TcpReassembler {
public:
    TcpReassembler() = default;
    /// Keep payload bytes only for stream `index` (the others are still
    /// numbered and counted): for importing one stream of a large capture.
    void keepOnly(std::size_t index) { m_keepOnly = index; }

    /// One segment, in capture order.
    void add(const TcpSegment& segment, std::uint64_t frame, std::int64_t timestampNs);

    std::size_t streamCount() const noexcept { return m_streams.size(); }
    /// Every stream's summary.
    std::vector<TcpStreamInfo> streams() const;
    /// One stream, reassembled. Its chunks are empty unless its payload was kept.
    ReassembledStream stream(std::size_t index) const;

private:
    struct Segment {
        std::uint32_t seq = 0;
        std::uint8_t flags = 0;
        std::uint32_t claimed = 0;  // payload length per the IP header
        std::string payload;        // captured payload (kept streams only)
        std::uint32_t captured = 0;
        std::int64_t ns = 0;
        std::uint64_t frame = 0;
    };
    struct Side {
        std::array<std::uint8_t, 16> address{};
        std::uint16_t port = 0;
        std::vector<Segment> segments;
    };
    struct Stream {
        int family = 0;
        Side side[2];  // [0]: the side that sent the first packet
        bool keep = false;
        bool ended = false;        // FIN or RST seen
        bool synSeen[2] = {false, false};
        std::uint32_t synSeq[2] = {0, 0};
        std::uint64_t packets = 0;
        std::uint64_t firstFrame = 0, lastFrame = 0;
        std::int64_t firstNs = 0, lastNs = 0;
    };
    struct Key {
        int family;
        std::array<std::uint8_t, 16> a;
        std::uint16_t pa;
        std::array<std::uint8_t, 16> b;
        std::uint16_t pb;
        bool operator<(const Key& o) const;
    };
    struct Direction;
    static Direction reassemble(const Stream& s, int side, std::vector<std::string>& problems,
                                const std::string& label);
    TcpStreamInfo infoOf(std::size_t index, int clientSide) const;
    int clientSideOf(const Stream& s, std::string& rule) const;

    std::vector<Stream> m_streams;
    std::map<Key, std::size_t> m_current;
    std::optional<std::size_t> m_keepOnly;
};

}  // namespace engine
