// fuzz_SessionReader.cpp — libFuzzer target: any bytes as a session file.
//
// Reads the input with engine::SessionReader (header, every event, a cut-short
// last line), then hands whatever events it accepted to everything that
// consumes sessions — conversation extraction, replay scripts (with their
// reply framing), the transcript and the pcapng export — so a file that
// decodes but makes no sense cannot crash them either. Built with libFuzzer
// (LW_FUZZ, Clang) and, without it, by corpus_main.cpp to replay the corpus
// in the ordinary test run.
#include "engine/capture/Conversation.h"
#include "engine/capture/PcapngWriter.h"
#include "engine/replay/ReplayScript.h"
#include "engine/capture/SessionReader.h"
#include "engine/capture/Transcript.h"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    engine::SessionReader reader;
    reader.setMaxLineBytes(1 << 20);
    if (!reader.openData(std::string(reinterpret_cast<const char*>(data), size), "fuzz")) return 0;
    std::vector<engine::Event> events;
    engine::Event e;
    while (reader.next(e) && events.size() < 10000) events.push_back(e);
    (void)reader.summary();

    const auto conversations = engine::extractConversations(events, reader.header().level);
    for (const engine::Conversation& c : conversations) {
        std::string why;
        (void)engine::ReplayScript::build(c, {}, &why);
    }
    (void)engine::Transcript::render(reader.header(), events);
    engine::PcapngExportOptions o;
    o.maxSegment = 1000;
    (void)engine::PcapngWriter::render(reader.header(), conversations, o);
    return 0;
}
