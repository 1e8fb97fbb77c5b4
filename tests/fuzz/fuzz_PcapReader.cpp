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
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    engine::PcapReader reader;
    if (!reader.openData(std::string(reinterpret_cast<const char*>(data), size), "fuzz")) return 0;
    engine::TcpReassembler reassembler;
    engine::CapturedPacket p;
    engine::TcpSegment s;
    std::string why;
    while (reader.next(p)) {
        if (engine::PcapReader::decodeTcp(p, s, &why) == engine::DecodeResult::Tcp)
            reassembler.add(s, p.number, p.timestampNs);
    }
    const std::size_t n = std::min<std::size_t>(reassembler.streamCount(), 8);
    for (std::size_t i = 0; i < n; ++i) {
        const engine::ReassembledStream stream = reassembler.stream(i);
        if (i == 0) (void)engine::CaptureImporter::toSession(stream, {});
    }
    return 0;
}
