// CaptureTestSupport.h — hand-built captures for the pcap/pcapng tests:
// TCP/IP frames on every link type the reader knows, and pcap and pcapng
// files around them, in either byte order.
#pragma once

#include "engine/capture/PcapReader.h"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace lwtest {

struct Frame {
    std::int64_t ns = 0;      ///< Since the epoch.
    std::uint32_t linkType = engine::linktype::kEthernet;
    std::string bytes;
    std::uint32_t originalLength = 0;  ///< 0: the size of bytes.
};

/// Builds TCP/IP packets. Checksums are left 0 (the reader does not check them).
struct TcpPacket {
    bool ipv6 = false;
    std::array<std::uint8_t, 16> src{{127, 0, 0, 1}};
    std::array<std::uint8_t, 16> dst{{127, 0, 0, 1}};
    std::uint16_t sport = 50000;
    std::uint16_t dport = 7000;
    std::uint32_t seq = 0;
    std::uint32_t ack = 0;
    std::uint8_t flags = engine::TcpSegment::kAck;
    std::string payload;
    /// A UDP datagram instead (seq, ack and flags unused).
    bool udp = false;
    /// The UDP header's length field; -1: the right one (8 + the payload).
    int udpLength = -1;

    std::string ip() const {
        if (udp) return ipOf(udpHeader(), 17);
        std::string tcp(20, '\0');
        put16(tcp, 0, sport);
        put16(tcp, 2, dport);
        put32(tcp, 4, seq);
        put32(tcp, 8, ack);
        tcp[12] = 0x50;
        tcp[13] = static_cast<char>(flags);
        put16(tcp, 14, 65535);
        tcp += payload;
        return ipOf(tcp, 6);
    }
    std::string udpHeader() const {
        std::string u(8, '\0');
        put16(u, 0, sport);
        put16(u, 2, dport);
        put16(u, 4, udpLength >= 0 ? static_cast<std::uint32_t>(udpLength) : static_cast<std::uint32_t>(8 + payload.size()));
        return u + payload;
    }
    std::string ipOf(const std::string& tcp, int protocol) const {
        std::string h;
        if (!ipv6) {
            h.assign(20, '\0');
            h[0] = 0x45;
            put16(h, 2, static_cast<std::uint32_t>(20 + tcp.size()));
            h[8] = 64;
            h[9] = static_cast<char>(protocol);
            for (int i = 0; i < 4; ++i) {
                h[static_cast<std::size_t>(12 + i)] = static_cast<char>(src[static_cast<std::size_t>(i)]);
                h[static_cast<std::size_t>(16 + i)] = static_cast<char>(dst[static_cast<std::size_t>(i)]);
            }
        } else {
            h.assign(40, '\0');
            h[0] = 0x60;
            put16(h, 4, static_cast<std::uint32_t>(tcp.size()));
            h[6] = static_cast<char>(protocol);
            h[7] = 64;
            for (int i = 0; i < 16; ++i) {
                h[static_cast<std::size_t>(8 + i)] = static_cast<char>(src[static_cast<std::size_t>(i)]);
                h[static_cast<std::size_t>(24 + i)] = static_cast<char>(dst[static_cast<std::size_t>(i)]);
            }
        }
        return h + tcp;
    }
    /// The packet on a link of `linkType`.
    std::string frame(std::uint32_t linkType) const {
        const std::string p = ip();
        namespace lt = engine::linktype;
        switch (linkType) {
        case lt::kEthernet: {
            std::string e(12, '\x02');
            e += ipv6 ? std::string("\x86\xdd", 2) : std::string("\x08\x00", 2);
            return e + p;
        }
        case lt::kLinuxSll: {
            std::string e(14, '\0');
            e += ipv6 ? std::string("\x86\xdd", 2) : std::string("\x08\x00", 2);
            return e + p;
        }
        case lt::kLinuxSll2: {
            std::string e = ipv6 ? std::string("\x86\xdd", 2) : std::string("\x08\x00", 2);
            e += std::string(18, '\0');
            return e + p;
        }
        case lt::kNull: return std::string(ipv6 ? "\x1e\0\0\0" : "\x02\0\0\0", 4) + p;  // little-endian host
        case lt::kLoop: return std::string(ipv6 ? "\0\0\0\x18" : "\0\0\0\x02", 4) + p;
        default: return p;  // raw
        }
    }

    static void put16(std::string& s, std::size_t at, std::uint32_t v) {
        s[at] = static_cast<char>((v >> 8) & 0xff);
        s[at + 1] = static_cast<char>(v & 0xff);
    }
    static void put32(std::string& s, std::size_t at, std::uint32_t v) {
        put16(s, at, v >> 16);
        put16(s, at + 2, v & 0xffff);
    }
};

class Bytes {
public:
    explicit Bytes(bool bigEndian) : m_be(bigEndian) {}
    Bytes& u8(std::uint32_t v) {
        s.push_back(static_cast<char>(v & 0xff));
        return *this;
    }
    Bytes& u16(std::uint32_t v) {
        if (m_be) return u8(v >> 8).u8(v);
        return u8(v).u8(v >> 8);
    }
    Bytes& u32(std::uint32_t v) {
        if (m_be) return u16(v >> 16).u16(v & 0xffff);
        return u16(v & 0xffff).u16(v >> 16);
    }
    Bytes& raw(const std::string& b) {
        s += b;
        return *this;
    }
    Bytes& pad4() {
        while (s.size() % 4) s.push_back('\0');
        return *this;
    }
    std::string s;

private:
    bool m_be;
};

/// A classic pcap file.
inline std::string pcapFile(const std::vector<Frame>& frames, std::uint32_t linkType, bool bigEndian = false,
                            bool nanoseconds = false) {
    Bytes b(bigEndian);
    b.u32(nanoseconds ? 0xa1b23c4d : 0xa1b2c3d4).u16(2).u16(4).u32(0).u32(0).u32(262144).u32(linkType);
    for (const Frame& f : frames) {
        const auto sec = static_cast<std::uint32_t>(f.ns / 1000000000);
        const auto frac = static_cast<std::uint32_t>(nanoseconds ? f.ns % 1000000000 : (f.ns % 1000000000) / 1000);
        b.u32(sec).u32(frac).u32(static_cast<std::uint32_t>(f.bytes.size()))
            .u32(f.originalLength ? f.originalLength : static_cast<std::uint32_t>(f.bytes.size()))
            .raw(f.bytes);
    }
    return b.s;
}

struct PcapngOptions {
    bool bigEndian = false;
    int tsresol = -1;            ///< if_tsresol byte; -1: none (microseconds).
    bool simpleBlocks = false;   ///< SPB instead of EPB (no timestamps).
    bool obsoleteBlocks = false; ///< Packet Block (type 2) instead of EPB.
    std::vector<std::string> comments;  ///< One per packet (EPB only), "" for none.
};

inline std::string pcapngBlock(bool be, std::uint32_t type, const std::string& body) {
    Bytes b(be);
    const auto len = static_cast<std::uint32_t>(12 + body.size());
    b.u32(type).u32(len).raw(body).u32(len);
    return b.s;
}

inline std::string pcapngFile(const std::vector<Frame>& frames, std::uint32_t linkType, const PcapngOptions& o = {}) {
    const bool be = o.bigEndian;
    std::string out;
    {
        Bytes shb(be);
        shb.u32(0x1a2b3c4d).u16(1).u16(0).u32(0xffffffff).u32(0xffffffff).u16(0).u16(0);
        out += pcapngBlock(be, 0x0a0d0d0a, shb.s);
    }
    {
        Bytes idb(be);
        idb.u16(linkType).u16(0).u32(262144);
        if (o.tsresol >= 0) idb.u16(9).u16(1).u8(static_cast<std::uint32_t>(o.tsresol)).pad4();
        idb.u16(0).u16(0);
        out += pcapngBlock(be, 1, idb.s);
    }
    // A block the reader must skip (a name resolution block, empty).
    {
        Bytes nrb(be);
        nrb.u16(0).u16(0);
        out += pcapngBlock(be, 4, nrb.s);
    }
    for (std::size_t i = 0; i < frames.size(); ++i) {
        const Frame& f = frames[i];
        const auto cap = static_cast<std::uint32_t>(f.bytes.size());
        const std::uint32_t orig = f.originalLength ? f.originalLength : cap;
        std::uint64_t ts = static_cast<std::uint64_t>(f.ns / 1000);  // microseconds
        if (o.tsresol == 9) ts = static_cast<std::uint64_t>(f.ns);
        Bytes blk(be);
        if (o.simpleBlocks) {
            blk.u32(orig).raw(f.bytes).pad4();
            out += pcapngBlock(be, 3, blk.s);
            continue;
        }
        if (o.obsoleteBlocks)
            blk.u16(0).u16(0);
        else
            blk.u32(0);
        blk.u32(static_cast<std::uint32_t>(ts >> 32)).u32(static_cast<std::uint32_t>(ts & 0xffffffff)).u32(cap).u32(orig);
        blk.raw(f.bytes).pad4();
        if (!o.obsoleteBlocks && i < o.comments.size() && !o.comments[i].empty()) {
            blk.u16(1).u16(static_cast<std::uint32_t>(o.comments[i].size())).raw(o.comments[i]).pad4();
            blk.u16(0).u16(0);
        }
        out += pcapngBlock(be, o.obsoleteBlocks ? 2 : 6, blk.s);
    }
    return out;
}

}  // namespace lwtest
