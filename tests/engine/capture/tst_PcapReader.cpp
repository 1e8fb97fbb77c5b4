// tst_PcapReader.cpp — engine::PcapReader: pcap and pcapng files, and the
// TCP segments inside their packets.
//
// Covered: pcap in both byte orders with microsecond and nanosecond
// timestamps; pcapng in both byte orders with EPB, SPB and the obsolete PB,
// if_tsresol, skipped blocks, packet comments, a second section; every link
// type (Ethernet with VLAN tags, raw IP, SLL, SLL2, null, loop), IPv4 and
// IPv6 (with an extension header); Ethernet padding is not payload; a
// payload cut by the snap length is marked; fragments and other protocols
// are told apart; and every truncation or corruption is an error naming the
// packet and the byte offset — checked by cutting a good file at every
// length and flipping every header byte, without a crash.
#include "engine/capture/PcapReader.h"

#include "CaptureTestSupport.h"

#include <QTest>

#include <algorithm>

namespace {

using engine::CapturedPacket;
using engine::DecodeResult;
using engine::PcapReader;
using engine::TcpSegment;
using lwtest::Frame;
using lwtest::TcpPacket;
namespace lt = engine::linktype;

constexpr std::int64_t kT0 = 1777636800123456789;  // 2026-05-01, with nanoseconds

std::vector<Frame> someFrames(std::uint32_t linkType, bool ipv6 = false) {
    std::vector<Frame> out;
    TcpPacket p;
    p.ipv6 = ipv6;
    if (ipv6) {
        p.src = {};
        p.src[15] = 1;
        p.dst = p.src;
    }
    p.flags = TcpSegment::kSyn;
    p.seq = 1000;
    out.push_back({kT0, linkType, p.frame(linkType)});
    p.flags = TcpSegment::kAck | TcpSegment::kPsh;
    p.seq = 1001;
    p.payload = "hello\n";
    out.push_back({kT0 + 1500, linkType, p.frame(linkType)});
    return out;
}

std::vector<CapturedPacket> readAll(const std::string& data, std::string* error = nullptr) {
    PcapReader r;
    std::vector<CapturedPacket> out;
    if (!r.openData(data, "cap")) {
        if (error) *error = r.error();
        return out;
    }
    CapturedPacket p;
    while (r.next(p)) out.push_back(p);
    if (error) *error = r.error();
    return out;
}

TcpSegment decode(const CapturedPacket& p, DecodeResult expect = DecodeResult::Tcp) {
    TcpSegment s;
    std::string why;
    const DecodeResult r = PcapReader::decodeTcp(p, s, &why);
    if (r != expect) QTest::qFail(("decodeTcp: " + why).c_str(), __FILE__, __LINE__);
    return s;
}

}  // namespace

class TestPcapReader : public QObject {
    Q_OBJECT

private slots:
    void pcapEveryByteOrderAndResolution();
    void pcapngBlocks();
    void pcapngSecondSectionInTheOtherByteOrder();
    void linkTypes();
    void ipv6ExtensionHeaders();
    void ethernetPaddingAndSnapLength();
    void notTcp();
    void clearErrors();
    void everyTruncationIsAnError();
    void corruptedBytesNeverCrash();
};

void TestPcapReader::pcapEveryByteOrderAndResolution() {
    for (bool be : {false, true}) {
        for (bool ns : {false, true}) {
            std::string error;
            const auto ps = readAll(lwtest::pcapFile(someFrames(lt::kEthernet), lt::kEthernet, be, ns), &error);
            QVERIFY2(error.empty(), error.c_str());
            QCOMPARE(ps.size(), 2u);
            QCOMPARE(ps[0].number, 1u);
            QCOMPARE(ps[0].fileOffset, 24u);
            QCOMPARE(ps[1].timestampNs, ns ? kT0 + 1500 : (kT0 + 1500) / 1000 * 1000);
            QCOMPARE(ps[1].linkType, lt::kEthernet);
            const TcpSegment s = decode(ps[1]);
            QCOMPARE(s.payload, std::string_view("hello\n"));
            QCOMPARE(s.seq, 1001u);
            QCOMPARE(s.source(), std::string("127.0.0.1:50000"));
            QCOMPARE(s.destination(), std::string("127.0.0.1:7000"));
        }
    }
}

void TestPcapReader::pcapngBlocks() {
    const auto frames = someFrames(lt::kEthernet);
    {
        lwtest::PcapngOptions o;
        o.comments = {"", "a comment"};
        PcapReader r;
        QVERIFY(r.openData(lwtest::pcapngFile(frames, lt::kEthernet, o)));
        QCOMPARE(r.format(), engine::CaptureFormat::Pcapng);
        CapturedPacket p;
        QVERIFY(r.next(p));
        QCOMPARE(p.timestampNs, kT0 / 1000 * 1000);
        QVERIFY(p.comments.empty());
        QVERIFY(r.next(p));
        QCOMPARE(p.comments, std::vector<std::string>{"a comment"});
        QVERIFY(!r.next(p));
        QVERIFY(!r.failed());
        QCOMPARE(r.linkTypes(), std::vector<std::uint32_t>{lt::kEthernet});
    }
    for (bool be : {false, true}) {
        lwtest::PcapngOptions o;
        o.bigEndian = be;
        o.tsresol = 9;
        auto ps = readAll(lwtest::pcapngFile(frames, lt::kEthernet, o));
        QCOMPARE(ps.size(), 2u);
        QCOMPARE(ps[1].timestampNs, kT0 + 1500);
        QCOMPARE(decode(ps[1]).payload, std::string_view("hello\n"));
        o.simpleBlocks = true;
        ps = readAll(lwtest::pcapngFile(frames, lt::kEthernet, o));
        QCOMPARE(ps.size(), 2u);
        QCOMPARE(ps[1].timestampNs, 0);  // a simple packet block has no time
        QCOMPARE(decode(ps[1]).payload, std::string_view("hello\n"));
        o.simpleBlocks = false;
        o.obsoleteBlocks = true;
        ps = readAll(lwtest::pcapngFile(frames, lt::kEthernet, o));
        QCOMPARE(ps.size(), 2u);
        QCOMPARE(ps[0].timestampNs, kT0);
    }
}

void TestPcapReader::pcapngSecondSectionInTheOtherByteOrder() {
    lwtest::PcapngOptions bigEndian;
    bigEndian.bigEndian = true;
    const std::string data = lwtest::pcapngFile(someFrames(lt::kEthernet), lt::kEthernet) +
                             lwtest::pcapngFile(someFrames(lt::kRaw), lt::kRaw, bigEndian);
    const auto ps = readAll(data);
    QCOMPARE(ps.size(), 4u);
    QCOMPARE(ps[2].linkType, lt::kRaw);
    QCOMPARE(ps[3].number, 4u);
    QCOMPARE(decode(ps[3]).payload, std::string_view("hello\n"));
}

void TestPcapReader::linkTypes() {
    for (std::uint32_t t : {lt::kEthernet, lt::kRaw, lt::kRawAlt12, lt::kLinuxSll, lt::kLinuxSll2, lt::kNull, lt::kLoop}) {
        for (bool v6 : {false, true}) {
            const auto ps = readAll(lwtest::pcapFile(someFrames(t, v6), t));
            QCOMPARE(ps.size(), 2u);
            const TcpSegment s = decode(ps[1]);
            QCOMPARE(s.family, v6 ? engine::kAfInet6 : engine::kAfInet);
            QCOMPARE(s.payload, std::string_view("hello\n"));
            QCOMPARE(s.source(), std::string(v6 ? "[::1]:50000" : "127.0.0.1:50000"));
            QVERIFY(engine::linkTypeSupported(t));
        }
    }
    // VLAN-tagged Ethernet.
    TcpPacket p;
    p.payload = "x";
    std::string f = p.frame(lt::kEthernet);
    f.insert(12, std::string("\x81\x00\x00\x05", 4));
    CapturedPacket c;
    c.linkType = lt::kEthernet;
    c.data = f;
    QCOMPARE(decode(c).payload, std::string_view("x"));
    QCOMPARE(engine::linkTypeName(lt::kLinuxSll2), std::string("Linux cooked (SLL2)"));
    QCOMPARE(engine::linkTypeName(147), std::string("link type 147"));
}

void TestPcapReader::ipv6ExtensionHeaders() {
    TcpPacket p;
    p.ipv6 = true;
    p.payload = "data";
    std::string ip = p.ip();
    // Insert a hop-by-hop options header (8 bytes) before TCP.
    std::string hbh("\x06\x00\x01\x04\x00\x00\x00\x00", 8);
    ip[6] = 0;  // next header: hop-by-hop
    const auto plen = static_cast<std::uint32_t>(((static_cast<unsigned char>(ip[4]) << 8) | static_cast<unsigned char>(ip[5])) + 8);
    TcpPacket::put16(ip, 4, plen);
    ip.insert(40, hbh);
    CapturedPacket c;
    c.linkType = lt::kRaw;
    c.data = ip;
    QCOMPARE(decode(c).payload, std::string_view("data"));
    ip[40] = 44;  // the next header is a fragment header
    c.data = ip;
    decode(c, DecodeResult::Fragment);
}

void TestPcapReader::ethernetPaddingAndSnapLength() {
    TcpPacket p;
    p.payload = "ab";
    CapturedPacket c;
    c.linkType = lt::kEthernet;
    c.data = p.frame(lt::kEthernet) + std::string(6, '\0');  // padded to 60 bytes on the wire
    TcpSegment s = decode(c);
    QCOMPARE(s.payload, std::string_view("ab"));
    QVERIFY(!s.truncated());
    p.payload = std::string(100, 'z');
    c.data = p.frame(lt::kEthernet).substr(0, 14 + 20 + 20 + 30);  // snap length 84
    s = decode(c);
    QCOMPARE(s.payload.size(), 30u);
    QCOMPARE(s.payloadLength, 100u);
    QVERIFY(s.truncated());
}

void TestPcapReader::notTcp() {
    TcpPacket p;
    std::string ip = p.ip();
    ip[9] = 17;  // UDP
    CapturedPacket c;
    c.linkType = lt::kRaw;
    c.data = ip;
    decode(c, DecodeResult::NotTcp);
    ip[9] = 6;
    ip[6] = 0x20;  // more fragments
    c.data = ip;
    decode(c, DecodeResult::Fragment);
    c.data = std::string("\x45\x00", 2);
    decode(c, DecodeResult::Malformed);
    c.linkType = 147;
    decode(c, DecodeResult::NotTcp);
    c.linkType = lt::kEthernet;
    c.data = std::string(12, '\0') + std::string("\x08\x06", 2) + std::string(28, '\0');  // ARP
    TcpSegment s;
    std::string why;
    QCOMPARE(PcapReader::decodeTcp(c, s, &why), DecodeResult::NotTcp);
    QCOMPARE(why, std::string("ethertype 0x0806"));
    // A TCP header that claims more than the packet holds.
    TcpPacket q;
    std::string bad = q.ip();
    bad[20 + 12] = static_cast<char>(0xf0);  // data offset 15 (60 bytes)
    c.linkType = lt::kRaw;
    c.data = bad;
    QCOMPARE(PcapReader::decodeTcp(c, s, &why), DecodeResult::Malformed);
    QCOMPARE(why, std::string("the TCP header is longer than the IP payload"));
}

void TestPcapReader::clearErrors() {
    const std::string good = lwtest::pcapFile(someFrames(lt::kEthernet), lt::kEthernet);
    std::string error;
    readAll("", &error);
    QCOMPARE(error, std::string("cap: the file is empty; not a capture"));
    readAll("{\"format\":", &error);
    QCOMPARE(error, std::string("cap: not a pcap or pcapng capture (it starts with 7b 22 66 6f)"));
    // The second record cut short.
    const auto ps = readAll(good.substr(0, good.size() - 10), &error);
    QCOMPARE(ps.size(), 1u);
    QVERIFY2(error.find("cap: packet 2 at byte offset ") == 0, error.c_str());
    QVERIFY2(error.find("but only") != std::string::npos && error.find("the capture is truncated") != std::string::npos,
             error.c_str());
    // An absurd record length.
    std::string huge = good;
    huge[24 + 8] = '\xff';
    huge[24 + 9] = '\xff';
    huge[24 + 10] = '\xff';
    huge[24 + 11] = '\x7f';
    readAll(huge, &error);
    QCOMPARE(error, std::string("cap: packet 1 at byte offset 24: the record says 2147483647 captured bytes, which is "
                                "not plausible: the capture is corrupted"));
    // pcapng: a block whose trailing length disagrees.
    std::string ng = lwtest::pcapngFile(someFrames(lt::kEthernet), lt::kEthernet);
    ng[ng.size() - 4] = '\x01';
    readAll(ng, &error);
    QVERIFY2(error.find("the trailing block length") != std::string::npos, error.c_str());
    QVERIFY2(error.find("at byte offset ") != std::string::npos, error.c_str());
    PcapReader r;
    QVERIFY(!r.open("/no/such/capture.pcap"));
    QCOMPARE(r.error(), std::string("/no/such/capture.pcap: cannot open it: No such file or directory"));
}

void TestPcapReader::everyTruncationIsAnError() {
    // A capture cut exactly between two records is a shorter capture; cut
    // anywhere else it is an error naming where.
    const std::string pcap = lwtest::pcapFile(someFrames(lt::kEthernet), lt::kEthernet);
    const std::string ng = lwtest::pcapngFile(someFrames(lt::kLinuxSll2), lt::kLinuxSll2);
    for (const std::string* good : {&pcap, &ng}) {
        std::vector<std::size_t> boundaries;
        if (good == &pcap) {
            for (std::size_t at = 24; at < good->size();) {
                boundaries.push_back(at);
                at += 16u + static_cast<unsigned char>((*good)[at + 8]);  // small packets: one length byte
            }
        } else {
            for (std::size_t at = 0; at < good->size();) {
                at += static_cast<std::size_t>(static_cast<unsigned char>((*good)[at + 4])) |
                      (static_cast<std::size_t>(static_cast<unsigned char>((*good)[at + 5])) << 8);
                boundaries.push_back(at);
            }
        }
        for (std::size_t n = 0; n < good->size(); ++n) {
            std::string error;
            const auto ps = readAll(good->substr(0, n), &error);
            QVERIFY(ps.size() < 2);
            const bool boundary = std::find(boundaries.begin(), boundaries.end(), n) != boundaries.end();
            if (boundary) {
                QVERIFY2(error.empty(), error.c_str());
                continue;
            }
            QVERIFY2(!error.empty(), ("no error for a file cut at " + std::to_string(n)).c_str());
            QVERIFY2(error.find("offset") != std::string::npos || error.find("empty") != std::string::npos ||
                         error.find("too short") != std::string::npos || error.find("cut short") != std::string::npos,
                     error.c_str());
        }
    }
}

void TestPcapReader::corruptedBytesNeverCrash() {
    for (const std::string& good : {lwtest::pcapFile(someFrames(lt::kEthernet, true), lt::kEthernet, true),
                                    lwtest::pcapngFile(someFrames(lt::kNull), lt::kNull)}) {
        for (std::size_t i = 0; i < good.size(); ++i) {
            for (int v : {0x00, 0x01, 0x7f, 0x80, 0xff}) {
                std::string bad = good;
                bad[i] = static_cast<char>(v);
                PcapReader r;
                if (!r.openData(bad)) continue;
                CapturedPacket p;
                TcpSegment s;
                while (r.next(p)) PcapReader::decodeTcp(p, s);
            }
        }
    }
}

QTEST_GUILESS_MAIN(TestPcapReader)
#include "tst_PcapReader.moc"
