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

struct CaptureListing {
    CaptureFormat format = CaptureFormat::Pcap;
    std::vector<std::uint32_t> linkTypes;
    std::uint64_t packets = 0;     ///< In the file.
    std::uint64_t tcpPackets = 0;  ///< Decoded as TCP.
    std::uint64_t otherPackets = 0;
    std::uint64_t fragments = 0;
    std::uint64_t malformed = 0;
    std::vector<std::string> notes;  ///< The first few malformed packets, with their frame numbers.
    std::vector<TcpStreamInfo> streams;
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

    /// The session events of a reassembled stream (its payload kept).
    static LoadedSession toSession(const ReassembledStream& stream, const CaptureImportOptions& options);
};

}  // namespace engine
