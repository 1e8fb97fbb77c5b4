// PcapReader.cpp — pcap records, pcapng blocks, and the link/IP/TCP headers.
#include "engine/capture/PcapReader.h"

#include "engine/capture/InputFile.h"

#include "engine/net/Address.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>

namespace engine {

namespace {

constexpr std::uint32_t kPcapMicro = 0xa1b2c3d4;
constexpr std::uint32_t kPcapNano = 0xa1b23c4d;
constexpr std::uint32_t kPcapMicroSwapped = 0xd4c3b2a1;
constexpr std::uint32_t kPcapNanoSwapped = 0x4d3cb2a1;
constexpr std::uint32_t kShb = 0x0a0d0d0a;
constexpr std::uint32_t kByteOrderMagic = 0x1a2b3c4d;
constexpr std::uint32_t kIdb = 1;
constexpr std::uint32_t kPb = 2;
constexpr std::uint32_t kSpb = 3;
constexpr std::uint32_t kEpb = 6;

std::uint32_t beU32(const unsigned char* p) noexcept {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}
std::uint32_t leU32(const unsigned char* p) noexcept {
    return (std::uint32_t{p[3]} << 24) | (std::uint32_t{p[2]} << 16) | (std::uint32_t{p[1]} << 8) | p[0];
}
std::uint16_t beU16(const unsigned char* p) noexcept {
    return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}

std::string hex(const unsigned char* p, std::size_t n) {
    std::string s;
    char b[4];
    for (std::size_t i = 0; i < n; ++i) {
        std::snprintf(b, sizeof b, "%02x", p[i]);
        if (i) s += ' ';
        s += b;
    }
    return s;
}

const unsigned char* bytes(const std::string& s) { return reinterpret_cast<const unsigned char*>(s.data()); }

// a * b, or false when it does not fit.
bool mulOk(std::uint64_t a, std::uint64_t b, std::uint64_t& out) {
    if (a != 0 && b > std::numeric_limits<std::uint64_t>::max() / a) return false;
    out = a * b;
    return true;
}

std::int64_t clampToI64(std::uint64_t v) {
    return v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())
               ? std::numeric_limits<std::int64_t>::max()
               : static_cast<std::int64_t>(v);
}

}  // namespace

std::string linkTypeName(std::uint32_t type) {
    switch (type) {
    case linktype::kNull: return "BSD loopback (null)";
    case linktype::kEthernet: return "Ethernet";
    case linktype::kRawAlt12:
    case linktype::kRawAlt14:
    case linktype::kRaw: return "raw IP";
    case linktype::kLoop: return "OpenBSD loopback";
    case linktype::kLinuxSll: return "Linux cooked (SLL)";
    case linktype::kIpv4: return "raw IPv4";
    case linktype::kIpv6: return "raw IPv6";
    case linktype::kLinuxSll2: return "Linux cooked (SLL2)";
    default: return "link type " + std::to_string(type);
    }
}

bool linkTypeSupported(std::uint32_t type) noexcept {
    switch (type) {
    case linktype::kNull:
    case linktype::kEthernet:
    case linktype::kRawAlt12:
    case linktype::kRawAlt14:
    case linktype::kRaw:
    case linktype::kLoop:
    case linktype::kLinuxSll:
    case linktype::kIpv4:
    case linktype::kIpv6:
    case linktype::kLinuxSll2: return true;
    default: return false;
    }
}

std::string endpointText(int family, const std::array<std::uint8_t, 16>& a, std::uint16_t port) {
    // The port as a sockaddr holds it: big-endian.
    const unsigned char pb[2] = {static_cast<unsigned char>(port >> 8), static_cast<unsigned char>(port & 0xff)};
    if (family == kAfInet) {
        sockaddr_in in{};
        in.sin_family = AF_INET;
        std::memcpy(&in.sin_addr, a.data(), 4);
        std::memcpy(&in.sin_port, pb, 2);
        return Address::fromSockaddr(reinterpret_cast<const sockaddr*>(&in), sizeof in).toString();
    }
    sockaddr_in6 in6{};
    in6.sin6_family = AF_INET6;
    std::memcpy(&in6.sin6_addr, a.data(), 16);
    std::memcpy(&in6.sin6_port, pb, 2);
    return Address::fromSockaddr(reinterpret_cast<const sockaddr*>(&in6), sizeof in6).toString();
}

std::string TcpSegment::source() const { return endpointText(family, src, srcPort); }
std::string TcpSegment::destination() const { return endpointText(family, dst, dstPort); }
std::string UdpDatagram::source() const { return endpointText(family, src, srcPort); }
std::string UdpDatagram::destination() const { return endpointText(family, dst, dstPort); }

PcapReader::PcapReader() = default;
PcapReader::~PcapReader() = default;

bool PcapReader::fail(const std::string& message) {
    if (m_error.empty()) m_error = m_name + ": " + message;
    m_done = true;
    return false;
}

bool PcapReader::open(const std::string& path) {
    m_name = path;
    std::optional<std::uint64_t> size;
    std::string error;
    auto f = openInputFile(path, size, error);
    if (!f) return fail(error);
    if (!size) return fail("cannot read it: it is not a regular file");
    m_size = *size;
    m_in = std::move(f);
    return start();
}

bool PcapReader::openData(std::string data, std::string name) {
    m_name = std::move(name);
    m_size = data.size();
    m_in = std::make_unique<std::istringstream>(std::move(data), std::ios::binary);
    return start();
}

bool PcapReader::readExact(void* buf, std::size_t n) {
    if (n == 0) return true;
    m_in->read(static_cast<char*>(buf), static_cast<std::streamsize>(n));
    if (m_in->gcount() != static_cast<std::streamsize>(n)) return false;
    m_offset += n;
    return true;
}

std::uint16_t PcapReader::u16(const unsigned char* p) const noexcept {
    return m_bigEndian ? beU16(p) : static_cast<std::uint16_t>(p[0] | (p[1] << 8));
}
std::uint32_t PcapReader::u32(const unsigned char* p) const noexcept { return m_bigEndian ? beU32(p) : leU32(p); }
std::uint64_t PcapReader::u64(const unsigned char* p) const noexcept {
    // pcapng's 64-bit fields are two 32-bit words, high word first only in
    // the section's byte order as a whole: read them as one integer.
    const std::uint64_t a = u32(p);
    const std::uint64_t b = u32(p + 4);
    return m_bigEndian ? (a << 32) | b : (b << 32) | a;
}

void PcapReader::noteLinkType(std::uint32_t t) {
    if (std::find(m_linkTypesSeen.begin(), m_linkTypesSeen.end(), t) == m_linkTypesSeen.end())
        m_linkTypesSeen.push_back(t);
}

bool PcapReader::start() {
    unsigned char magic[4];
    if (m_size < 4 || !readExact(magic, 4)) {
        if (m_size == 0) return fail("the file is empty; not a capture");
        return fail("only " + std::to_string(m_size) + " bytes; too short to be a capture");
    }
    const std::uint32_t be = beU32(magic);
    if (be == kPcapMicro || be == kPcapNano || be == kPcapMicroSwapped || be == kPcapNanoSwapped) {
        m_format = CaptureFormat::Pcap;
        m_bigEndian = be == kPcapMicro || be == kPcapNano;
        m_nanoseconds = be == kPcapNano || be == kPcapNanoSwapped;
        unsigned char h[20];
        if (!readExact(h, sizeof h))
            return fail("the pcap file header is cut short: " + std::to_string(m_size) + " bytes, 24 needed");
        const std::uint16_t major = u16(h);
        if (major != 2)
            return fail("pcap version " + std::to_string(major) + "." + std::to_string(u16(h + 2)) +
                        " is not supported (only 2.x)");
        m_snapLength = u32(h + 12);
        m_linkType = u32(h + 16) & 0x0fffffffu;  // the top bits carry FCS information
        noteLinkType(m_linkType);
        return true;
    }
    if (be == kShb) {
        m_format = CaptureFormat::Pcapng;
        // Back to the start: the section header is read as a block.
        m_in->clear();
        m_in->seekg(0);
        m_offset = 0;
        return true;
    }
    if (be == 0xa1b2cd34 || be == 0x34cdb2a1)
        return fail("this is a 'modified' (Kuznetzov) pcap file, which is not supported; convert it with editcap");
    return fail("not a pcap or pcapng capture (it starts with " + hex(magic, 4) + ")");
}

bool PcapReader::next(CapturedPacket& out) {
    if (m_done || !m_in) return false;
    return m_format == CaptureFormat::Pcap ? nextPcap(out) : nextPcapng(out);
}

bool PcapReader::nextPcap(CapturedPacket& out) {
    const std::uint64_t at = m_offset;
    const std::uint64_t packet = m_number + 1;
    const std::string where = "packet " + std::to_string(packet) + " at byte offset " + std::to_string(at);
    if (at == m_size) {
        m_done = true;
        return false;
    }
    unsigned char h[16];
    if (m_size - at < sizeof h)
        return fail(where + ": the record header is cut short (" + std::to_string(m_size - at) +
                    " of 16 bytes): the capture is truncated");
    if (!readExact(h, sizeof h)) return fail(where + ": read error");
    const std::uint32_t sec = u32(h);
    const std::uint32_t frac = u32(h + 4);
    const std::uint32_t incl = u32(h + 8);
    const std::uint32_t orig = u32(h + 12);
    if (incl > kMaxRecord)
        return fail(where + ": the record says " + std::to_string(incl) +
                    " captured bytes, which is not plausible: the capture is corrupted");
    if (incl > m_size - m_offset)
        return fail(where + ": the record says " + std::to_string(incl) + " captured bytes, but only " +
                    std::to_string(m_size - m_offset) + " remain: the capture is truncated");
    if ((m_nanoseconds && frac >= 1000000000u) || (!m_nanoseconds && frac >= 1000000u))
        return fail(where + ": the timestamp's fraction " + std::to_string(frac) + " is out of range" +
                    (m_nanoseconds ? " (nanoseconds)" : " (microseconds)") + ": the capture is corrupted");
    out.data.resize(incl);
    if (!readExact(out.data.data(), incl)) return fail(where + ": read error");
    out.comments.clear();
    out.number = ++m_number;
    out.fileOffset = at;
    out.timestampNs = static_cast<std::int64_t>(sec) * 1000000000 +
                      static_cast<std::int64_t>(m_nanoseconds ? frac : frac * std::uint64_t{1000});
    out.linkType = m_linkType;
    out.interfaceId = 0;
    out.originalLength = orig;
    m_lastNs = out.timestampNs;
    return true;
}

bool PcapReader::checkBlockLength(const std::string& where, std::uint64_t blockStart, std::uint32_t length,
                                  std::uint32_t minimum) {
    if (length < minimum || length % 4 != 0 || length > kMaxRecord)
        return fail(where + ": block length " + std::to_string(length) + " is invalid (at least " +
                    std::to_string(minimum) + ", a multiple of 4): the capture is corrupted");
    if (length > m_size - blockStart)
        return fail(where + ": the block says " + std::to_string(length) + " bytes, but only " +
                    std::to_string(m_size - blockStart) + " remain: the capture is truncated");
    return true;
}

bool PcapReader::readSectionHeader(std::uint64_t blockStart) {
    const std::string where = "the section header block at byte offset " + std::to_string(blockStart);
    unsigned char h[12];  // type, length, byte-order magic
    if (m_size - blockStart < 28)
        return fail(where + " is cut short (" + std::to_string(m_size - blockStart) +
                    " bytes, at least 28 needed): the capture is truncated");
    if (!readExact(h, sizeof h)) return fail(where + ": read error");
    const std::uint32_t bom = beU32(h + 8);
    if (bom == kByteOrderMagic)
        m_bigEndian = true;
    else if (leU32(h + 8) == kByteOrderMagic)
        m_bigEndian = false;
    else
        return fail(where + ": unknown byte-order magic " + hex(h + 8, 4) + ": the capture is corrupted");
    const std::uint32_t length = u32(h + 4);
    if (!checkBlockLength(where, blockStart, length, 28)) return false;
    std::string rest(length - 12, '\0');
    if (!readExact(rest.data(), rest.size())) return fail(where + ": read error");
    const auto* b = bytes(rest);
    const std::uint16_t major = u16(b);
    if (major != 1)
        return fail(where + ": pcapng version " + std::to_string(major) + " is not supported (only 1.x)");
    if (u32(b + rest.size() - 4) != length)
        return fail(where + ": the trailing block length " + std::to_string(u32(b + rest.size() - 4)) +
                    " differs from the leading one " + std::to_string(length) + ": the capture is corrupted");
    m_interfaces.clear();
    return true;
}

bool PcapReader::readInterface(const std::string& body, std::uint64_t blockStart) {
    const std::string where = "the interface description block at byte offset " + std::to_string(blockStart);
    if (body.size() < 8) return fail(where + " is too short for its fields: the capture is corrupted");
    const auto* b = bytes(body);
    Interface itf;
    itf.linkType = u16(b);
    itf.snapLength = u32(b + 4);
    // Options: code, length, value padded to 4.
    std::size_t at = 8;
    while (at + 4 <= body.size()) {
        const std::uint16_t code = u16(b + at);
        const std::uint16_t len = u16(b + at + 2);
        at += 4;
        if (code == 0) break;  // opt_endofopt
        if (len > body.size() - at)
            return fail(where + ": option " + std::to_string(code) + " says " + std::to_string(len) +
                        " bytes, more than the block holds: the capture is corrupted");
        if (code == 9 && len >= 1) {  // if_tsresol
            const std::uint8_t v = b[at];
            itf.resolutionIsPowerOf2 = (v & 0x80) != 0;
            itf.resolution = static_cast<std::uint8_t>(v & 0x7f);
            if ((!itf.resolutionIsPowerOf2 && itf.resolution > 18) || (itf.resolutionIsPowerOf2 && itf.resolution > 63))
                return fail(where + ": timestamp resolution " + std::to_string(v) + " is not supported");
        } else if (code == 14 && len >= 8) {  // if_tsoffset
            itf.offsetSeconds = static_cast<std::int64_t>(u64(b + at));
        }
        at += (static_cast<std::size_t>(len) + 3) & ~std::size_t{3};
    }
    m_interfaces.push_back(itf);
    noteLinkType(itf.linkType);
    return true;
}

std::int64_t PcapReader::pcapngTime(const Interface& itf, std::uint64_t ts) const {
    std::uint64_t ns = 0;
    if (itf.resolutionIsPowerOf2) {
        const long double v = static_cast<long double>(ts) / std::ldexp(1.0L, itf.resolution) * 1e9L;
        ns = v >= 9.2e18L ? std::numeric_limits<std::uint64_t>::max() : static_cast<std::uint64_t>(v);
    } else if (itf.resolution <= 9) {
        std::uint64_t mult = 1;
        for (int i = itf.resolution; i < 9; ++i) mult *= 10;
        if (!mulOk(ts, mult, ns)) ns = std::numeric_limits<std::uint64_t>::max();
    } else {
        std::uint64_t div = 1;
        for (int i = 9; i < itf.resolution; ++i) div *= 10;
        ns = ts / div;
    }
    std::int64_t t = clampToI64(ns);
    const std::int64_t off = std::clamp<std::int64_t>(itf.offsetSeconds, -(std::int64_t{1} << 32), std::int64_t{1} << 32);
    if (t <= std::numeric_limits<std::int64_t>::max() - off * 1000000000) t += off * 1000000000;
    return t;
}

bool PcapReader::nextPcapng(CapturedPacket& out) {
    for (;;) {
        const std::uint64_t at = m_offset;
        if (at == m_size) {
            m_done = true;
            return false;
        }
        const std::string where = "the block at byte offset " + std::to_string(at);
        if (m_size - at < 12)
            return fail(where + " is cut short (" + std::to_string(m_size - at) +
                        " bytes, a block needs at least 12): the capture is truncated");
        unsigned char h[8];
        if (!readExact(h, sizeof h)) return fail(where + ": read error");
        if (beU32(h) == kShb) {
            m_in->clear();
            m_in->seekg(static_cast<std::streamoff>(at));
            m_offset = at;
            if (!readSectionHeader(at)) return false;
            continue;
        }
        if (m_offset == 8 && at == 0) return fail("the file does not start with a section header block");
        const std::uint32_t type = u32(h);
        const std::uint32_t length = u32(h + 4);
        if (!checkBlockLength(where, at, length, 12)) return false;
        std::string body(length - 12, '\0');
        unsigned char trailer[4];
        if (!readExact(body.data(), body.size()) || !readExact(trailer, 4)) return fail(where + ": read error");
        if (u32(trailer) != length)
            return fail(where + ": the trailing block length " + std::to_string(u32(trailer)) +
                        " differs from the leading one " + std::to_string(length) + ": the capture is corrupted");
        const auto* b = bytes(body);
        const std::uint64_t packet = m_number + 1;
        const std::string pwhere = "packet " + std::to_string(packet) + " at byte offset " + std::to_string(at);
        switch (type) {
        case kIdb:
            if (!readInterface(body, at)) return false;
            continue;
        case kEpb:
        case kPb: {
            if (body.size() < 20) return fail(pwhere + ": the packet block is too short for its fields: the capture is corrupted");
            const std::uint32_t itfId = type == kEpb ? u32(b) : u16(b);
            if (itfId >= m_interfaces.size())
                return fail(pwhere + ": it names interface " + std::to_string(itfId) + ", but the section describes " +
                            std::to_string(m_interfaces.size()) + ": the capture is corrupted");
            const std::uint64_t ts = (std::uint64_t{u32(b + 4)} << 32) | u32(b + 8);
            const std::uint32_t cap = u32(b + 12);
            const std::uint32_t orig = u32(b + 16);
            if (cap > body.size() - 20)
                return fail(pwhere + ": the block says " + std::to_string(cap) + " captured bytes, but holds only " +
                            std::to_string(body.size() - 20) + ": the capture is corrupted");
            const Interface& itf = m_interfaces[itfId];
            out.data.assign(body, 20, cap);
            out.comments.clear();
            if (type == kEpb) {
                // Options follow the padded packet data: code, length, value.
                std::size_t opt = 20 + ((static_cast<std::size_t>(cap) + 3) & ~std::size_t{3});
                while (opt + 4 <= body.size()) {
                    const std::uint16_t code = u16(b + opt);
                    const std::uint16_t len = u16(b + opt + 2);
                    opt += 4;
                    if (code == 0 || len > body.size() - opt) break;  // end, or options that do not fit: ignored
                    if (code == 1) out.comments.emplace_back(body, opt, len);
                    opt += (static_cast<std::size_t>(len) + 3) & ~std::size_t{3};
                }
            }
            out.number = ++m_number;
            out.fileOffset = at;
            out.timestampNs = pcapngTime(itf, ts);
            out.linkType = itf.linkType;
            out.interfaceId = itfId;
            out.originalLength = orig;
            m_lastNs = out.timestampNs;
            return true;
        }
        case kSpb: {
            if (body.size() < 4) return fail(pwhere + ": the simple packet block is too short: the capture is corrupted");
            if (m_interfaces.empty())
                return fail(pwhere + ": a simple packet block before any interface description: the capture is corrupted");
            const Interface& itf = m_interfaces[0];
            const std::uint32_t orig = u32(b);
            std::size_t cap = std::min<std::size_t>(orig, body.size() - 4);
            if (itf.snapLength) cap = std::min<std::size_t>(cap, itf.snapLength);
            out.data.assign(body, 4, cap);
            out.comments.clear();
            out.number = ++m_number;
            out.fileOffset = at;
            out.timestampNs = m_lastNs;  // the block carries no timestamp
            out.linkType = itf.linkType;
            out.interfaceId = 0;
            out.originalLength = orig;
            return true;
        }
        default: continue;  // name resolution, statistics, custom blocks, …
        }
    }
}

// --- Decoding ------------------------------------------------------------------------------------

namespace {

DecodeResult say(std::string* why, DecodeResult r, std::string text) {
    if (why) *why = std::move(text);
    return r;
}

DecodeResult decodeIp(const unsigned char* p, std::size_t n, int hint, TcpSegment& out, bool udp, std::string* why);

DecodeResult decodeUdpHeader(const unsigned char* p, std::size_t captured, std::size_t claimed, TcpSegment& out,
                             std::string* why) {
    if (claimed < 8) return say(why, DecodeResult::Malformed, "the IP payload is too short for a UDP header");
    if (captured < 8) return say(why, DecodeResult::Malformed, "the UDP header is cut short by the snap length");
    const std::size_t length = beU16(p + 4);
    // 0 is a UDP/IPv6 jumbogram's length (RFC 2675), not read here.
    if (length < 8) return say(why, DecodeResult::Malformed, "UDP length " + std::to_string(length) + " is less than its header");
    if (length > claimed)
        return say(why, DecodeResult::Malformed,
                   "UDP length " + std::to_string(length) + " runs past the IP payload of " + std::to_string(claimed) + " bytes");
    out.srcPort = beU16(p);
    out.dstPort = beU16(p + 2);
    out.payloadLength = static_cast<std::uint32_t>(length - 8);
    out.payload = std::string_view(reinterpret_cast<const char*>(p) + 8, std::min(captured, length) - 8);
    return DecodeResult::Udp;
}

DecodeResult decodeTransport(const unsigned char* p, std::size_t captured, std::size_t claimed, TcpSegment& out, bool udp,
                             std::string* why);

DecodeResult decodeTcpHeader(const unsigned char* p, std::size_t captured, std::size_t claimed, TcpSegment& out,
                             std::string* why) {
    if (claimed < 20) return say(why, DecodeResult::Malformed, "the IP payload is too short for a TCP header");
    if (captured < 20) return say(why, DecodeResult::Malformed, "the TCP header is cut short by the snap length");
    const std::size_t doff = static_cast<std::size_t>(p[12] >> 4) * 4;
    if (doff < 20) return say(why, DecodeResult::Malformed, "TCP data offset " + std::to_string(doff / 4) + " is less than 5");
    if (doff > claimed) return say(why, DecodeResult::Malformed, "the TCP header is longer than the IP payload");
    if (doff > captured) return say(why, DecodeResult::Malformed, "the TCP header is cut short by the snap length");
    out.srcPort = beU16(p);
    out.dstPort = beU16(p + 2);
    out.seq = beU32(p + 4);
    out.ack = beU32(p + 8);
    out.flags = p[13];
    out.window = beU16(p + 14);
    out.payloadLength = static_cast<std::uint32_t>(claimed - doff);
    out.payload = std::string_view(reinterpret_cast<const char*>(p) + doff, std::min(captured, claimed) - doff);
    return DecodeResult::Tcp;
}

DecodeResult decodeIpv4(const unsigned char* p, std::size_t n, TcpSegment& out, bool udp, std::string* why) {
    if (n < 20) return say(why, DecodeResult::Malformed, "the IPv4 header is cut short");
    const std::size_t ihl = static_cast<std::size_t>(p[0] & 0x0f) * 4;
    const std::size_t total = beU16(p + 2);
    if (ihl < 20) return say(why, DecodeResult::Malformed, "IPv4 header length " + std::to_string(ihl / 4) + " is less than 5");
    if (total < ihl) return say(why, DecodeResult::Malformed, "IPv4 total length " + std::to_string(total) + " is less than its header");
    if (n < ihl) return say(why, DecodeResult::Malformed, "the IPv4 header is cut short");
    const std::uint16_t frag = beU16(p + 6);
    if ((frag & 0x2000) || (frag & 0x1fff)) return say(why, DecodeResult::Fragment, "an IPv4 fragment");
    if (p[9] != (udp ? 17 : 6)) return say(why, DecodeResult::NotTcp, "IPv4 protocol " + std::to_string(p[9]));
    out.family = kAfInet;
    out.src = {};
    out.dst = {};
    std::memcpy(out.src.data(), p + 12, 4);
    std::memcpy(out.dst.data(), p + 16, 4);
    // The captured bytes may run past the IP packet (Ethernet padding) or
    // stop before its end (snap length): the IP length is the truth.
    const std::size_t captured = std::min(n, total) - ihl;
    return decodeTransport(p + ihl, captured, total - ihl, out, udp, why);
}

DecodeResult decodeIpv6(const unsigned char* p, std::size_t n, TcpSegment& out, bool udp, std::string* why) {
    if (n < 40) return say(why, DecodeResult::Malformed, "the IPv6 header is cut short");
    const std::size_t payload = beU16(p + 4);
    if (payload == 0) return say(why, DecodeResult::NotTcp, "an IPv6 jumbogram or an empty IPv6 packet");
    std::uint8_t next = p[6];
    out.family = kAfInet6;
    std::memcpy(out.src.data(), p + 8, 16);
    std::memcpy(out.dst.data(), p + 24, 16);
    std::size_t at = 40;
    const std::size_t end = 40 + payload;
    for (int hops = 0; hops < 16; ++hops) {
        switch (next) {
        case 6:
        case 17: {
            if (next != (udp ? 17 : 6)) return say(why, DecodeResult::NotTcp, "IPv6 next header " + std::to_string(next));
            const std::size_t captured = std::min(n, end) > at ? std::min(n, end) - at : 0;
            return decodeTransport(p + at, captured, end - at, out, udp, why);
        }
        case 0:    // hop-by-hop options
        case 43:   // routing
        case 60:   // destination options
        case 51: { // authentication header
            if (at + 8 > std::min(n, end)) return say(why, DecodeResult::Malformed, "an IPv6 extension header is cut short");
            // The length field counts 8-byte units after the first; the authentication
            // header's counts 4-byte units after the first two.
            const auto units = static_cast<std::size_t>(p[at + 1]);
            const std::size_t len = next == 51 ? (units + 2) * 4 : (units + 1) * 8;
            next = p[at];
            at += len;
            if (at > end) return say(why, DecodeResult::Malformed, "an IPv6 extension header runs past the packet");
            break;
        }
        case 44: return say(why, DecodeResult::Fragment, "an IPv6 fragment");
        default: return say(why, DecodeResult::NotTcp, "IPv6 next header " + std::to_string(next));
        }
    }
    return say(why, DecodeResult::Malformed, "too many IPv6 extension headers");
}

DecodeResult decodeTransport(const unsigned char* p, std::size_t captured, std::size_t claimed, TcpSegment& out, bool udp,
                             std::string* why) {
    return udp ? decodeUdpHeader(p, captured, claimed, out, why) : decodeTcpHeader(p, captured, claimed, out, why);
}

// hint: 4, 6, or 0 (read the version nibble).
DecodeResult decodeIp(const unsigned char* p, std::size_t n, int hint, TcpSegment& out, bool udp, std::string* why) {
    if (n < 1) return say(why, DecodeResult::Malformed, "no IP header");
    const int version = p[0] >> 4;
    if (hint && version != hint)
        return say(why, DecodeResult::Malformed, "IP version " + std::to_string(version) + " where " + std::to_string(hint) + " was announced");
    if (version == 4) return decodeIpv4(p, n, out, udp, why);
    if (version == 6) return decodeIpv6(p, n, out, udp, why);
    return say(why, DecodeResult::NotTcp, "IP version " + std::to_string(version));
}

DecodeResult byEtherType(std::uint16_t type, const unsigned char* p, std::size_t n, TcpSegment& out, bool udp, std::string* why) {
    if (type == 0x0800) return decodeIp(p, n, 4, out, udp, why);
    if (type == 0x86dd) return decodeIp(p, n, 6, out, udp, why);
    char b[8];
    std::snprintf(b, sizeof b, "%04x", type);
    return say(why, DecodeResult::NotTcp, std::string("ethertype 0x") + b);
}

// BSD loopback families: AF_INET is 2 everywhere; AF_INET6 is 10 (Linux),
// 24 (NetBSD, OpenBSD), 28 (FreeBSD), 30 (macOS), 23 (Windows).
int loopbackFamily(std::uint32_t v) {
    if (v == 2) return 4;
    if (v == 10 || v == 23 || v == 24 || v == 28 || v == 30) return 6;
    return 0;
}

}  // namespace

DecodeResult PcapReader::decodeTcp(const CapturedPacket& pkt, TcpSegment& out, std::string* why) {
    return decodeLink(pkt, out, false, why);
}

DecodeResult PcapReader::decodeUdp(const CapturedPacket& pkt, UdpDatagram& out, std::string* why) {
    TcpSegment seg;
    const DecodeResult r = decodeLink(pkt, seg, true, why);
    out = UdpDatagram{};
    out.family = seg.family;
    out.src = seg.src;
    out.dst = seg.dst;
    out.srcPort = seg.srcPort;
    out.dstPort = seg.dstPort;
    out.payload = seg.payload;
    out.payloadLength = seg.payloadLength;
    return r;
}

DecodeResult PcapReader::decodeLink(const CapturedPacket& pkt, TcpSegment& out, bool udp, std::string* why) {
    out = TcpSegment{};
    const auto* p = reinterpret_cast<const unsigned char*>(pkt.data.data());
    const std::size_t n = pkt.data.size();
    switch (pkt.linkType) {
    case linktype::kEthernet: {
        if (n < 14) return say(why, DecodeResult::Malformed, "the Ethernet header is cut short");
        std::size_t at = 12;
        std::uint16_t type = beU16(p + at);
        while (type == 0x8100 || type == 0x88a8 || type == 0x9100) {  // VLAN tags
            at += 4;
            if (at + 2 > n) return say(why, DecodeResult::Malformed, "a VLAN tag is cut short");
            type = beU16(p + at);
        }
        at += 2;
        return byEtherType(type, p + at, n - at, out, udp, why);
    }
    case linktype::kRaw:
    case linktype::kRawAlt12:
    case linktype::kRawAlt14: return decodeIp(p, n, 0, out, udp, why);
    case linktype::kIpv4: return decodeIp(p, n, 4, out, udp, why);
    case linktype::kIpv6: return decodeIp(p, n, 6, out, udp, why);
    case linktype::kLinuxSll:
        if (n < 16) return say(why, DecodeResult::Malformed, "the Linux cooked (SLL) header is cut short");
        return byEtherType(beU16(p + 14), p + 16, n - 16, out, udp, why);
    case linktype::kLinuxSll2:
        if (n < 20) return say(why, DecodeResult::Malformed, "the Linux cooked (SLL2) header is cut short");
        return byEtherType(beU16(p), p + 20, n - 20, out, udp, why);
    case linktype::kNull:
    case linktype::kLoop: {
        if (n < 4) return say(why, DecodeResult::Malformed, "the loopback header is cut short");
        // Null: the capturing host's byte order, which we cannot know: try both.
        int v = pkt.linkType == linktype::kLoop ? loopbackFamily(beU32(p)) : loopbackFamily(leU32(p));
        if (!v && pkt.linkType == linktype::kNull) v = loopbackFamily(beU32(p));
        if (!v) return say(why, DecodeResult::NotTcp, "loopback family " + std::to_string(leU32(p)));
        return decodeIp(p + 4, n - 4, v, out, udp, why);
    }
    default: return say(why, DecodeResult::NotTcp, "link type " + linkTypeName(pkt.linkType) + " is not read");
    }
}

}  // namespace engine
