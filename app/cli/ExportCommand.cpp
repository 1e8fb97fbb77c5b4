// ExportCommand.cpp — `linewright-cli export`: pcapng, transcript, raw bytes.
#include "app/cli/ToolCommands.h"

#include "engine/capture/PcapngWriter.h"
#include "engine/capture/Transcript.h"

#include <algorithm>

namespace cli {

int runExport(const ToolOptions& o, std::FILE* /*out*/, std::FILE* err) {
    auto session = loadSession(o.input, err);
    if (!session) return 1;
    const auto conversations = engine::extractConversations(session->events, session->header.level);
    std::string why;

    if (!o.pcapngOut.empty()) {
        engine::PcapngExportOptions po;
        po.channel = o.channel;
        po.comments = o.comments;
        po.application = "linewright-cli";
        po.file = outputFile(o.force);
        engine::PcapngExportStats stats;
        const bool ok =
            engine::PcapngWriter::writeSession(o.pcapngOut, session->header, session->events, conversations, po, &stats, &why);
        for (const std::string& n : stats.notes) sayTo(err, "note: " + n);
        if (!ok) {
            sayTo(err, "--pcapng: " + outputError(why));
            return 1;
        }
        sayTo(err, "wrote " + o.pcapngOut + ": " + stats.summary());
    }
    if (!o.textOut.empty()) {
        // A channel the session never mentions is refused as the other
        // outputs refuse it, not written as an empty transcript. (A listener
        // has no conversation of its own but does have a transcript.)
        if (o.channel && std::none_of(session->events.begin(), session->events.end(),
                                      [&o](const engine::Event& e) { return e.channel == *o.channel; })) {
            pickConversation(conversations, o, err);  // says why
            return 1;
        }
        engine::TranscriptOptions to;
        to.channel = o.channel;
        to.wallClock = o.utc;
        const std::string text = engine::Transcript::render(session->header, session->events, to);
        if (!engine::Transcript::writeFile(o.textOut, text, &why, outputFile(o.force))) {
            sayTo(err, "--text: " + outputError(why));
            return 1;
        }
        if (o.textOut != "-") sayTo(err, "wrote " + o.textOut + ": the transcript");
    }
    if (!o.rawClientOut.empty() || !o.rawServerOut.empty()) {
        const engine::Conversation* c = pickConversation(conversations, o, err);
        if (!c) return 1;
        if (!c->in.recorded || !c->out.recorded) {
            sayTo(err, o.input + ": channel " + std::to_string(c->channel) + ": its bytes are not in the session (level '" +
                           session->header.level + "')");
            return 1;
        }
        for (const auto& [path, clientSide] : {std::pair{o.rawClientOut, true}, std::pair{o.rawServerOut, false}}) {
            if (path.empty()) continue;
            const std::string bytes = engine::Transcript::rawBytes(*c, clientSide);
            if (!engine::Transcript::writeFile(path, bytes, &why, outputFile(o.force))) {
                sayTo(err, (clientSide ? "--raw-client: " : "--raw-server: ") + outputError(why));
                return 1;
            }
            if (path != "-")
                sayTo(err, "wrote " + path + ": " + std::to_string(bytes.size()) + " bytes the " +
                               (clientSide ? "client" : "server") + " sent on channel " + std::to_string(c->channel));
        }
    }
    return 0;
}

}  // namespace cli
