// PcapReader.h — reads packet captures (pcap and pcapng) and decodes the
// TCP segments and UDP datagrams in them.
//
// What it does: open() recognises the format from the first bytes and
// next() returns one captured packet at a time, with its timestamp in
// nanoseconds since the Unix epoch, its link type and its bytes.
//   pcap     both byte orders, microsecond and nanosecond timestamps
//            (magic a1b2c3d4 / a1b23c4d, either way round);
//   pcapng   sections in either byte order; Interface Description Blocks
//            (link type, snap length, if_tsresol, if_tsoffset), Enhanced
//            Packet Blocks, Simple Packet Blocks (timestamp: the previous
//            packet's, the block has none), the obsolete Packet Block; every
//            other block is skipped.
// Every length in the file is checked against what is left before it is
// trusted, so a truncated or corrupted capture ends with an error naming the
// byte offset and the packet ("packet 57 at byte offset 90312: the record
// says 1514 captured bytes, but only 200 remain: the capture is truncated"),
// never with a crash or an unbounded allocation.
// decodeTcp() takes a packet apart: link layers Ethernet (with VLAN tags),
// raw IP, Linux cooked SLL and SLL2, BSD loopback (null/loop); IPv4 (not
// fragments) and IPv6 (extension headers skipped, not fragments); TCP. The
// payload's length comes from the IP header (Ethernet padding is not data);
// a payload cut short by the snap length is marked so. decodeUdp() does the
// same for UDP: the payload's length is the UDP header's, checked against
// the IP payload (a UDP length under 8 or past the IP packet is Malformed).
// What it owns: the open file (or the bytes it was given).
// Threads: one thread at a time.
#pragma once

#include "engine/net/Platform.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <istream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace engine {

enum class CaptureFormat : std::uint8_t { Pcap, Pcapng };

/// Link types (LINKTYPE_* of the tcpdump.org list) that decodeTcp() reads.
namespace linktype {
inline constexpr std::uint32_t kNull = 0;        ///< BSD loopback: 4-byte family, host order.
inline constexpr std::uint32_t kEthernet = 1;
inline constexpr std::uint32_t kRawAlt12 = 12;   ///< DLT_RAW as some systems number it.
inline constexpr std::uint32_t kRawAlt14 = 14;
inline constexpr std::uint32_t kRaw = 101;       ///< Raw IPv4 or IPv6.
inline constexpr std::uint32_t kLoop = 108;      ///< OpenBSD loopback: 4-byte family, network order.
inline constexpr std::uint32_t kLinuxSll = 113;
inline constexpr std::uint32_t kIpv4 = 228;
inline constexpr std::uint32_t kIpv6 = 229;
inline constexpr std::uint32_t kLinuxSll2 = 276;
}  // namespace linktype

/// "Ethernet", "Linux cooked (SLL2)", … or "link type N".
std::string linkTypeName(std::uint32_t type);
bool linkTypeSupported(std::uint32_t type) noexcept;

struct CapturedPacket {
    std::uint64_t number = 0;        ///< 1-based, in file order (Wireshark's frame number).
    std::uint64_t fileOffset = 0;    ///< Where its record or block starts.
    std::int64_t timestampNs = 0;    ///< Since the Unix epoch.
    std::uint32_t linkType = 0;
    std::uint32_t interfaceId = 0;   ///< pcapng: its interface; pcap: 0.
    std::uint32_t originalLength = 0;
    std::string data;                ///< The captured bytes.
    std::vector<std::string> comments;  ///< pcapng: the packet's opt_comment options.
};

/// One TCP segment, as decodeTcp() found it.
struct TcpSegment {
    int family = 0;                          ///< kAfInet or kAfInet6.
    std::array<std::uint8_t, 16> src{};      ///< 4 or 16 address bytes.
    std::array<std::uint8_t, 16> dst{};
    std::uint16_t srcPort = 0;
    std::uint16_t dstPort = 0;
    std::uint32_t seq = 0;
    std::uint32_t ack = 0;
    std::uint8_t flags = 0;                  ///< kFin, kSyn, kRst, kPsh, kAck, …
    std::uint16_t window = 0;
    std::string_view payload;                ///< Into the packet's data.
    std::uint32_t payloadLength = 0;         ///< As the IP header says (≥ payload.size()).

    static constexpr std::uint8_t kFin = 0x01;
    static constexpr std::uint8_t kSyn = 0x02;
    static constexpr std::uint8_t kRst = 0x04;
    static constexpr std::uint8_t kPsh = 0x08;
    static constexpr std::uint8_t kAck = 0x10;

    bool has(std::uint8_t f) const noexcept { return (flags & f) != 0; }
    /// The payload was cut short by the capture's snap length.
    bool truncated() const noexcept { return payload.size() < payloadLength; }
    /// "127.0.0.1:50412", "[::1]:7000".
    std::string source() const;
    std::string destination() const;
};

/// One UDP datagram, as decodeUdp() found it.
struct UdpDatagram {
    int family = 0;                          ///< kAfInet or kAfInet6.
    std::array<std::uint8_t, 16> src{};      ///< 4 or 16 address bytes.
    std::array<std::uint8_t, 16> dst{};
    std::uint16_t srcPort = 0;
    std::uint16_t dstPort = 0;
    std::string_view payload;                ///< Into the packet's data.
    std::uint32_t payloadLength = 0;         ///< As the UDP header says (≥ payload.size()).

    /// The payload was cut short by the capture's snap length.
    bool truncated() const noexcept { return payload.size() < payloadLength; }
    std::string source() const;
    std::string destination() const;
};

enum class DecodeResult : std::uint8_t {
    Tcp,        ///< A TCP segment (decodeTcp()).
    NotTcp,     ///< Another protocol than the one asked for, or a link type not read (why says which).
    Fragment,   ///< An IP fragment (not reassembled).
    Malformed,  ///< Headers that do not add up (why says how).
    Udp,        ///< A UDP datagram (decodeUdp()).
};

/// "a.b.c.d:port" / "[v6]:port" of raw address bytes.
std::string endpointText(int family, const std::array<std::uint8_t, 16>& address, std::uint16_t port);

class PcapReader {
public:
    /// Largest packet or block accepted: 256 MiB (a larger one means a corrupted file).
    static constexpr std::uint32_t kMaxRecord = 256u << 20;

    PcapReader();
    ~PcapReader();
    PcapReader(const PcapReader&) = delete;
    PcapReader& operator=(const PcapReader&) = delete;

    /// Opens a capture and reads its file header. False with error() set
    /// ("NAME: not a pcap or pcapng capture (it starts with 7b 22 66 6f)").
    bool open(const std::string& path);
    bool openData(std::string data, std::string name = "<memory>");

    CaptureFormat format() const noexcept { return m_format; }
    /// The next packet. False at the end or on an error (then failed()).
    bool next(CapturedPacket& out);
    bool failed() const noexcept { return !m_error.empty(); }
    /// "NAME: packet 57 at byte offset 90312: …".
    const std::string& error() const noexcept { return m_error; }
    /// Packets returned so far.
    std::uint64_t packets() const noexcept { return m_number; }
    /// Bytes consumed so far and the file's size: for progress.
    std::uint64_t bytesRead() const noexcept { return m_offset; }
    std::uint64_t totalBytes() const noexcept { return m_size; }
    /// Link types seen (pcap: the one of the file; pcapng: every interface's).
    const std::vector<std::uint32_t>& linkTypes() const noexcept { return m_linkTypesSeen; }

    /// Decodes the TCP segment in `p`. `why` says what it is otherwise.
    static DecodeResult decodeTcp(const CapturedPacket& p, TcpSegment& out, std::string* why = nullptr);
    /// Decodes the UDP datagram in `p` (Udp); NotTcp for any other protocol.
    static DecodeResult decodeUdp(const CapturedPacket& p, UdpDatagram& out, std::string* why = nullptr);

private:
    static DecodeResult decodeLink(const CapturedPacket& p, TcpSegment& out, bool udp, std::string* why);
    struct Interface {
        std::uint32_t linkType = 0;
        std::uint32_t snapLength = 0;
        bool resolutionIsPowerOf2 = false;
        std::uint8_t resolution = 6;  // 10^-6 by default
        std::int64_t offsetSeconds = 0;
    };
    bool start();
    bool fail(const std::string& message);
    bool readExact(void* buf, std::size_t n);
    std::uint16_t u16(const unsigned char* p) const noexcept;
    std::uint32_t u32(const unsigned char* p) const noexcept;
    std::uint64_t u64(const unsigned char* p) const noexcept;
    bool nextPcap(CapturedPacket& out);
    bool nextPcapng(CapturedPacket& out);
    /// A pcapng block's length field: at least `minimum`, a multiple of 4, no
    /// more than kMaxRecord, and within the file (else fail(), naming `where`).
    bool checkBlockLength(const std::string& where, std::uint64_t blockStart, std::uint32_t length,
                          std::uint32_t minimum);
    bool readSectionHeader(std::uint64_t blockStart);
    bool readInterface(const std::string& body, std::uint64_t blockStart);
    std::int64_t pcapngTime(const Interface& itf, std::uint64_t ts) const;
    void noteLinkType(std::uint32_t t);

    std::unique_ptr<std::istream> m_in;
    std::string m_name;
    std::uint64_t m_size = 0;      // bytes in the file
    std::uint64_t m_offset = 0;    // bytes consumed
    CaptureFormat m_format = CaptureFormat::Pcap;
    bool m_bigEndian = false;      // the file's byte order
    bool m_nanoseconds = false;    // pcap: timestamps in ns
    std::uint32_t m_snapLength = 0;
    std::uint32_t m_linkType = 0;
    std::vector<Interface> m_interfaces;  // pcapng: of the current section
    std::vector<std::uint32_t> m_linkTypesSeen;
    std::int64_t m_lastNs = 0;
    std::uint64_t m_number = 0;
    bool m_done = false;
    std::string m_error;
};

}  // namespace engine
