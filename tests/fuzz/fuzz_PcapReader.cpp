// fuzz_PcapReader.cpp — libFuzzer target: any bytes as a pcap/pcapng capture.
//
// Reads every packet with engine::PcapReader, decodes its TCP segment, feeds
// the segments to a TcpReassembler, reassembles every stream and turns the
// first one into a session (CaptureImporter::toSession), which also frames
// it with asynchat's loop. Built with libFuzzer (LW_FUZZ, Clang) and, without
// it, by corpus_main.cpp to replay the corpus in the ordinary test run.
#include "engine/capture/CaptureImporter.h"
#include "engine/capture/PcapReader.h"
#include "engine/capture/TcpReassembler.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    engine::PcapReader reader;
    if (!reader.openData(std::string(reinterpret_cast<const char*>(data), size), "fuzz")) return 0;
    engine::TcpReassembler reassembler;
    engine::CapturedPacket p;
    engine::TcpSegment s;
    engine::UdpDatagram u;
    std::string why;
    std::size_t udpBytes = 0;
    while (reader.next(p)) {
        if (engine::PcapReader::decodeTcp(p, s, &why) == engine::DecodeResult::Tcp)
            reassembler.add(s, p.number, p.timestampNs);
        else if (engine::PcapReader::decodeUdp(p, u, &why) == engine::DecodeResult::Udp) {
            if (u.payload.size() > u.payloadLength || u.payload.data() < p.data.data() ||
                u.payload.data() + u.payload.size() > p.data.data() + p.data.size())
                std::abort();  // the payload must lie inside the packet, within the UDP length
            udpBytes += u.payload.size();
        }
    }
    (void)udpBytes;
    // The whole importer too: every UDP flow listed, the first imported.
    (void)engine::CaptureImporter::listData(std::string(reinterpret_cast<const char*>(data), size), "fuzz", &why);
    (void)engine::CaptureImporter::importUdpData(std::string(reinterpret_cast<const char*>(data), size), "fuzz", 0, {},
                                                 &why);
    const std::size_t n = std::min<std::size_t>(reassembler.streamCount(), 8);
    for (std::size_t i = 0; i < n; ++i) {
        const engine::ReassembledStream stream = reassembler.stream(i);
        if (i == 0) (void)engine::CaptureImporter::toSession(stream, {});
    }
    return 0;
}
