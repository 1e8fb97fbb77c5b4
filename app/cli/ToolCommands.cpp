// ToolCommands.cpp — dispatch and the helpers the session tools share.
#include "app/cli/ToolCommands.h"

#include "engine/asyncore/Escape.h"

namespace cli {

void sayTo(std::FILE* err, const std::string& line) {
    // The boundary for status lines: whatever they quote (a file's name or
    // fields, an engine message) reaches the terminal without control bytes.
    std::fprintf(err, "linewright-cli: %s\n", engine::terminalSafe(line, engine::TerminalText::Multiline).c_str());
    std::fflush(err);
}

std::optional<engine::LoadedSession> loadSession(const std::string& path, std::FILE* err) {
    std::string error;
    auto s = engine::SessionReader::load(path, &error, {}, [err, path] {
        sayTo(err, path + ": a named pipe; waiting for a writer");
    });
    if (!s) {
        sayTo(err, error);
        return std::nullopt;
    }
    if (!s->truncation.empty()) sayTo(err, "note: " + s->truncation);
    for (const std::string& n : s->notes) sayTo(err, "note: " + n);
    return s;
}

const engine::Conversation* pickConversation(const std::vector<engine::Conversation>& conversations,
                                             const ToolOptions& o, std::FILE* err) {
    std::string why;
    const engine::Conversation* c = engine::selectConversation(conversations, o.channel, &why);
    if (!c) sayTo(err, o.input + ": " + why);
    return c;
}

std::string terminatorText(const engine::Terminator& t) {
    if (t.isBytes()) return "'" + engine::renderEscaped(t.bytesValue()) + "'";
    if (t.isCount()) return "count:" + std::to_string(t.countValue());
    return "none";
}

engine::OutputFileOptions outputFile(bool force) {
    engine::OutputFileOptions f;
    f.overwrite = force;
    return f;
}

std::string outputError(const std::string& why) {
    constexpr std::string_view kExists = "it is not overwritten";
    if (why.size() >= kExists.size() && why.compare(why.size() - kExists.size(), kExists.size(), kExists) == 0)
        return why + " (--force overwrites it)";
    return why;
}

std::string shortEscaped(std::string_view bytes, std::size_t limit) {
    std::string s = engine::renderEscaped(bytes);
    if (s.size() > limit) {
        s.resize(limit);
        s += "…";
    }
    return s;
}

int runTool(const ToolOptions& o, std::FILE* out, std::FILE* err) {
    switch (o.tool) {
    case Tool::Replay: return runReplay(o, out, err);
    case Tool::Mock: return runMock(o, out, err);
    case Tool::Export: return runExport(o, out, err);
    case Tool::Import: return runImport(o, out, err);
    case Tool::Reframe: return runReframe(o, out, err);
    case Tool::Summary: return runSummary(o, out, err);
    case Tool::Presets: return runPresets(o, out, err);
    case Tool::Ca: return runCa(o, out, err);
    }
    return 1;
}

}  // namespace cli
