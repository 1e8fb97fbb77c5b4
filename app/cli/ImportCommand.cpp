// ImportCommand.cpp — `linewright-cli import`: TCP streams and UDP flows of a
// capture, and one of them as a session.
#include "app/Version.h"
#include "app/cli/ToolCommands.h"

#include "engine/capture/CaptureImporter.h"
#include "engine/capture/SessionRecorder.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>

namespace cli {

namespace {

/// A device such as /dev/zero seeks to 0, so the capture reader takes it
/// for an empty file ("the file is empty"). Such an input is judged by its
/// first bytes instead, exactly as the reader judges a file holding them
/// ("not a pcap or pcapng capture (it starts with 00 00 00 00)"). Regular
/// files are the reader's alone, and pipes are left unread (reading would
/// take their bytes; the reader refuses them anyway).
std::optional<std::string> deviceHeaderProblem(const std::string& path) {
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (ec || std::filesystem::is_regular_file(status) || std::filesystem::is_fifo(status) ||
        std::filesystem::is_directory(status))
        return std::nullopt;
    std::ifstream f(path, std::ios::binary);
    char head[24];
    f.read(head, sizeof head);
    const auto n = f.gcount();
    if (n < 4) return std::nullopt;  // empty or too short: the reader says which
    engine::PcapReader reader;
    if (reader.openData(std::string(head, static_cast<std::size_t>(n)), path)) return std::nullopt;
    return reader.error();
}

/// "FILE: why", naming the file once (the reader's messages name it already).
std::string aboutFile(const std::string& path, const std::string& why) {
    return why.compare(0, path.size() + 2, path + ": ") == 0 ? why : path + ": " + why;
}
/// An imported session (a stream, a UDP flow) written to --output; false
/// after saying why the import or the writing failed.
bool writeImported(const std::optional<engine::LoadedSession>& session, const std::string& why, const ToolOptions& o,
                   std::FILE* err) {
    if (!session) {
        sayTo(err, aboutFile(o.input, why));
        return false;
    }
    std::string writeWhy;
    if (!engine::SessionRecorder::writeFile(o.output, session->header, session->events, &writeWhy,
                                            outputFile(o.force))) {
        sayTo(err, "--output: " + outputError(writeWhy));
        return false;
    }
    return true;
}

std::string secondsText(double s) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6f", s);
    return buf;
}
}  // namespace

int runImport(const ToolOptions& o, std::FILE* out, std::FILE* err) {
    if (const auto problem = deviceHeaderProblem(o.input)) {
        sayTo(err, *problem);
        return 1;
    }
    std::string why;
    if (o.list) {
        const auto listing = engine::CaptureImporter::list(o.input, &why);
        if (!listing) {
            sayTo(err, aboutFile(o.input, why));
            return 1;
        }
        std::string links;
        for (std::uint32_t t : listing->linkTypes) links += (links.empty() ? "" : ", ") + engine::linkTypeName(t);
        std::fprintf(out, "capture: %s (%s, %s): %llu packets, %llu TCP, %llu UDP, %llu other, %llu IP fragments, %llu malformed\n",
                     o.input.c_str(), listing->format == engine::CaptureFormat::Pcap ? "pcap" : "pcapng",
                     links.empty() ? "no interfaces" : links.c_str(), static_cast<unsigned long long>(listing->packets),
                     static_cast<unsigned long long>(listing->tcpPackets),
                     static_cast<unsigned long long>(listing->udpPackets),
                     static_cast<unsigned long long>(listing->otherPackets),
                     static_cast<unsigned long long>(listing->fragments),
                     static_cast<unsigned long long>(listing->malformed));
        for (const std::string& n : listing->notes) std::fprintf(out, "  malformed: %s\n", n.c_str());
        for (const engine::TcpStreamInfo& s : listing->streams) {
            std::string flags = s.handshake ? "handshake" : "no handshake";
            if (s.fin[0]) flags += ", client FIN";
            if (s.fin[1]) flags += ", server FIN";
            if (s.reset) flags += ", reset";
            if (s.retransmitted[0] + s.retransmitted[1]) flags += ", " + std::to_string(s.retransmitted[0] + s.retransmitted[1]) + " retransmitted";
            if (s.outOfOrder[0] + s.outOfOrder[1]) flags += ", " + std::to_string(s.outOfOrder[0] + s.outOfOrder[1]) + " out of order";
            if (!s.complete()) flags += ", INCOMPLETE (" + std::to_string(s.missing[0] + s.missing[1]) + " bytes missing)";
            std::fprintf(out, "stream %zu: %s -> %s, %llu packets (frames %llu-%llu), %llu bytes from the client, %llu from the server, %s s; %s\n",
                         s.index, s.client.c_str(), s.server.c_str(), static_cast<unsigned long long>(s.packets),
                         static_cast<unsigned long long>(s.firstFrame), static_cast<unsigned long long>(s.lastFrame),
                         static_cast<unsigned long long>(s.bytes[0]), static_cast<unsigned long long>(s.bytes[1]),
                         secondsText(s.durationSeconds()).c_str(), flags.c_str());
            for (const std::string& p : s.problems) std::fprintf(out, "  %s\n", p.c_str());
        }
        if (listing->streams.empty()) std::fprintf(out, "no TCP streams\n");
        for (const engine::UdpFlowInfo& f : listing->udpFlows) {
            std::string flags;
            if (f.truncated) flags = "; INCOMPLETE (" + std::to_string(f.truncated) + " cut short by the snap length)";
            std::fprintf(out, "udp flow %zu: %s -> %s, frames %llu-%llu, %llu datagrams (%llu bytes) from the client, %llu (%llu bytes) from the server, %s s%s\n",
                         f.index, f.client.c_str(), f.server.c_str(), static_cast<unsigned long long>(f.firstFrame),
                         static_cast<unsigned long long>(f.lastFrame), static_cast<unsigned long long>(f.datagrams[0]),
                         static_cast<unsigned long long>(f.bytes[0]), static_cast<unsigned long long>(f.datagrams[1]),
                         static_cast<unsigned long long>(f.bytes[1]), secondsText(f.durationSeconds()).c_str(),
                         flags.c_str());
        }
        std::fflush(out);
        return 0;
    }

    engine::CaptureImportOptions io;
    io.terminator = o.terminator;
    io.allowGaps = o.allowGaps;
    io.tool = "linewright-cli";
    io.toolVersion = lw::kVersion;
    const auto session = o.udpFlow ? engine::CaptureImporter::importUdpFlow(o.input, *o.udpFlow, io, &why)
                                   : engine::CaptureImporter::importStream(o.input, *o.stream, io, &why);
    if (!writeImported(session, why, o, err)) return 1;
    const engine::SessionSummary& s = session->summary;
    if (o.udpFlow)
        sayTo(err, "wrote " + o.output + ": UDP flow " + std::to_string(*o.udpFlow) + " as a session of " +
                       std::to_string(s.events) + " events: " + std::to_string(s.messagesOut) + " datagrams (" +
                       std::to_string(s.bytesOut) + " bytes) from the client, " + std::to_string(s.messagesIn) +
                       " datagrams (" + std::to_string(s.bytesIn) + " bytes) from the server");
    else
        sayTo(err, "wrote " + o.output + ": stream " + std::to_string(*o.stream) + " as a session of " +
                       std::to_string(s.events) + " events: " + std::to_string(s.bytesOut) + " bytes in " +
                       std::to_string(s.messagesOut) + " messages from the client, " + std::to_string(s.bytesIn) +
                       " bytes in " + std::to_string(s.messagesIn) + " messages (framed by " +
                       terminatorText(o.terminator) + ") from the server");
    return 0;
}

}  // namespace cli
