// CaptureImporter.h — turns one TCP conversation of a packet capture into a
// session that can be viewed, exported and replayed.
//
// What it does: list() reads a capture (PcapReader) and lists its TCP
// streams (TcpReassembler) with their endpoints, sizes and problems.
// importStream() reassembles one stream and writes it as the session a
// linewright client on the client's side would have recorded at level full:
//   connecting / connected   at the SYN and the SYN-ACK (or the first packet);
//   push + sent              for the client's bytes, one push per message —
//                            the client's stream framed by the same
//                            terminator — and one sent per reassembled chunk;
//   collect / found_terminator  for the server's bytes, framed chunk by
//                            chunk by the real asynchat loop (Reframer.h)
//                            with the given terminator (default '\n');
//   half_closed, closed      from the FINs and a reset; the residue and
//                            unterminated warnings a live channel would give;
//   stopped                  last.
// UDP flows (listUdp numbering, as Wireshark's udp.stream: one per pair of
// endpoints, in the order of their first datagram) are imported by
// importUdpFlow() as the session `linewright-cli udp send` would have
// recorded on the side that sent the first datagram (the client):
//   connecting / connected   at the first datagram;
//   datagram_sent            each datagram of the client, to the server;
//   datagram                 each datagram of the server (a datagram is a
//                            message: the terminator does not apply);
//   closed (local), stopped  at the last datagram.
// A datagram cut short by the snap length is refused unless allowGaps (then
// it is left out); a UDP header whose length does not fit its IP packet is
// counted as malformed, never read past.
// Times are the packets' (microseconds since the stream's first packet; the
// header's start is that packet's wall-clock time). A stream with bytes
// missing (lost by the capture) is refused unless allowGaps, naming where.
// What it owns: nothing beyond the call.
// Threads: any (the GUI runs them on a worker thread, with progress and
// cancel); the functions are independent of each other.
#pragma once

#include "engine/capture/PcapReader.h"
#include "engine/capture/SessionReader.h"
#include "engine/capture/TcpReassembler.h"
#include "engine/asyncore/Terminator.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace engine {

/// One UDP flow: the datagrams between two endpoints, both ways.
struct UdpFlowInfo {
    std::size_t index = 0;        ///< 0-based, as Wireshark's udp.stream.
    std::string client;           ///< The sender of the first datagram ("127.0.0.1:50412").
    std::string server;
    std::uint64_t datagrams[2] = {0, 0};  ///< Client to server, server to client.
    std::uint64_t bytes[2] = {0, 0};      ///< Their payload bytes (as the UDP headers say).
    std::uint64_t truncated = 0;  ///< Datagrams cut short by the snap length.
    std::uint64_t firstFrame = 0;
    std::uint64_t lastFrame = 0;
    std::int64_t firstNs = 0;
    std::int64_t lastNs = 0;
    double durationSeconds() const noexcept { return static_cast<double>(lastNs - firstNs) / 1e9; }
};

struct UdpFlowDatagram {
    int direction = 0;            ///< 0: from the client; 1: from the server.
    std::string bytes;            ///< The captured payload.
    bool truncated = false;       ///< Cut short by the snap length.
    std::int64_t timestampNs = 0;
    std::uint64_t frame = 0;
};

struct UdpFlow {
    UdpFlowInfo info;
    std::vector<UdpFlowDatagram> datagrams;
};

struct CaptureListing {
    CaptureFormat format = CaptureFormat::Pcap;
    std::vector<std::uint32_t> linkTypes;
    std::uint64_t packets = 0;     ///< In the file.
    std::uint64_t tcpPackets = 0;  ///< Decoded as TCP.
    std::uint64_t udpPackets = 0;  ///< Decoded as UDP.
    std::uint64_t otherPackets = 0;
    std::uint64_t fragments = 0;
    std::uint64_t malformed = 0;
    std::vector<std::string> notes;  ///< The first few malformed packets, with their frame numbers.
    std::vector<TcpStreamInfo> streams;
    std::vector<UdpFlowInfo> udpFlows;
};

struct CaptureImportOptions {
    /// Frames the server's bytes into messages (and the client's into pushes).
    Terminator terminator = Terminator::bytes("\n");
    /// Import a stream with holes (the missing bytes are left out).
    bool allowGaps = false;
    std::string tool = "linewright-cli";
    std::string toolVersion;
};

class CaptureImporter {
public:
    /// Called now and then with the bytes of the capture read so far and its
    /// size; returning false cancels (the call then fails with "cancelled").
    using Progress = std::function<bool(std::uint64_t done, std::uint64_t total)>;

    static std::optional<CaptureListing> list(const std::string& path, std::string* error,
                                              const Progress& progress = {});
    static std::optional<CaptureListing> listData(std::string data, std::string name, std::string* error);

    /// The session of stream `stream` (0-based, as list() numbers them).
    static std::optional<LoadedSession> importStream(const std::string& path, std::size_t stream,
                                                     const CaptureImportOptions& options, std::string* error,
                                                     const Progress& progress = {});
    static std::optional<LoadedSession> importData(std::string data, std::string name, std::size_t stream,
                                                   const CaptureImportOptions& options, std::string* error);

    /// The session of UDP flow `flow` (0-based, as list() numbers them).
    static std::optional<LoadedSession> importUdpFlow(const std::string& path, std::size_t flow,
                                                      const CaptureImportOptions& options, std::string* error,
                                                      const Progress& progress = {});
    static std::optional<LoadedSession> importUdpData(std::string data, std::string name, std::size_t flow,
                                                      const CaptureImportOptions& options, std::string* error);
    /// The session events of a UDP flow (its datagrams kept).
    static LoadedSession toSession(const UdpFlow& flow, const CaptureImportOptions& options);

    /// The session events of a reassembled stream (its payload kept).
    static LoadedSession toSession(const ReassembledStream& stream, const CaptureImportOptions& options);
};

}  // namespace engine
