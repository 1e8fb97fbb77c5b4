// ScriptCommand.cpp — `linewright-cli script SESSION -o SCRIPT`.
#include "app/cli/ScriptCommand.h"

#include "app/cli/HelpFormatter.h"
#include "app/cli/OptionGroups.h"
#include "app/cli/ToolCommands.h"
#include "app/cli/Values.h"

#include "engine/capture/Conversation.h"
#include "engine/capture/OutputFile.h"
#include "engine/script/Script.h"
#include "engine/script/ScriptMaker.h"

#include <CLI/CLI.hpp>

namespace cli {

CLI::App* addScriptCommand(CLI::App& program, OptionDefiner& d, HelpFormatter& help, ScriptArgs& a) {
    CLI::App* app = program.add_subcommand("script", "make a conversation script from a recorded connection.");
    HelpPage page;
    page.usage = {"script SESSION -o SCRIPT [--channel N] [--exact] [--force]",
                  "script SCRIPT.lws|SESSION --python pwntools|asyncio -o PROGRAM.py [--channel N] [--force]"};
    page.description =
        "Makes a conversation script (docs/scripts.md) from a connection of a session\n"
        "file: each request the client sent becomes a send, each reply an expect\n"
        "(numbers, which change from run to run, as [0-9]+ — but a reply code that\n"
        "starts a reply — unless --exact). Run it: linewright-cli run SCRIPT.\n"
        "With --python, writes a Python program that runs the same conversation\n"
        "(from a script, a file named *.lws, or from a session): for pwntools, or\n"
        "for asyncio and the standard library alone. Run it: python3 PROGRAM.py\n"
        "[HOST:PORT]; it exits 1 with the failing line on the first failed check.\n";
    help.setPage(app, std::move(page));
    d.setGroup("Options");
    d.value(*app, "-o,--output", "SCRIPT", "the script file to write (required).",
            checkFileName,
            [&a](const std::string& v) { a.output = v; });
    addChannelOption(d, *app, "the recorded connection (default: the first that carried bytes).", a.channel);
    d.value(*app, "--python", "FLAVOR", "write a Python program: pwntools or asyncio (docs/scripts.md).",
            [](const std::string& v) {
                return engine::script::pythonFlavor(v) ? std::string()
                                                       : "expected pwntools or asyncio (got " + quote(v) + ")";
            },
            [&a](const std::string& v) { a.python = engine::script::pythonFlavor(v); });
    d.flag(*app, "--exact", "expect every reply byte for byte (no [0-9]+ for digit runs).", [&a] { a.exact = true; });
    d.flag(*app, "--force", "overwrite output files that exist (never through a symbolic link).",
           [&a] { a.force = true; });
    return app;
}

std::string finishScript(const std::vector<std::string>& positionals, ScriptArgs& a) {
    if (positionals.empty()) return "which session? (script SESSION -o SCRIPT)";
    if (!a.python && isScriptFile(positionals[0]))
        return quote(positionals[0]) + " is a script already; to make a Python program of it add --python pwntools|asyncio";
    if (positionals.size() > 1)
        return "one session at a time (got " + quote(positionals[0]) + " and " + quote(positionals[1]) + ")";
    a.session = positionals[0];
    if (a.output.empty()) return "script needs -o SCRIPT (the file to write)";
    return {};
}

namespace {

bool writeText(const std::string& path, const std::string& text, bool force, std::FILE* err) {
    std::string why;
    std::FILE* f = engine::openForWriting(path, outputFile(force), &why);
    if (!f) {
        sayTo(err, outputError(why));
        return false;
    }
    const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
    if (std::fclose(f) != 0 || !ok) {
        sayTo(err, path + ": write failed");
        return false;
    }
    return true;
}

int writePython(const ScriptArgs& a, const engine::script::Script& script, const std::string& from, std::FILE* err) {
    std::string why;
    const auto program = engine::script::exportPython(script, *a.python, &why);
    if (!program) {
        sayTo(err, why);
        return 1;
    }
    if (!writeText(a.output, *program, a.force, err)) return 1;
    sayTo(err, "wrote " + a.output + " (" + (*a.python == engine::script::PythonFlavor::Pwntools ? "pwntools" : "asyncio") +
                   ") from " + from);
    return 0;
}

}  // namespace

bool isScriptFile(const std::string& path) { return path.size() > 4 && path.compare(path.size() - 4, 4, ".lws") == 0; }

int runScriptCommand(const ScriptArgs& a, std::FILE* out, std::FILE* err) {
    (void)out;
    if (a.python && isScriptFile(a.session)) {
        std::string why;
        auto script = engine::script::Script::load(a.session, &why);
        if (!script) {
            sayTo(err, why);
            return 1;
        }
        return writePython(a, *script, a.session, err);
    }
    auto session = loadSession(a.session, err);
    if (!session) return 1;
    const auto conversations = engine::extractConversations(session->events, session->header.level);
    std::string why;
    const engine::Conversation* c = engine::selectConversation(conversations, a.channel, &why);
    if (!c) {
        sayTo(err, a.session + ": " + why);
        return 1;
    }
    engine::script::MakeOptions mo;
    mo.source = a.session;
    mo.exact = a.exact;
    const std::string text = engine::script::makeScript(*c, mo);
    if (a.python) {
        auto script = engine::script::Script::parse(text, a.session, &why);
        if (!script) {
            sayTo(err, "the script made from the session does not parse: " + why);
            return 1;
        }
        return writePython(a, *script, a.session + " channel " + std::to_string(c->channel), err);
    }
    if (!writeText(a.output, text, a.force, err)) return 1;
    sayTo(err, "wrote " + a.output + " from channel " + std::to_string(c->channel) + " (" +
                   std::to_string(c->clientToServer().messages.size()) + " sends)");
    return 0;
}

}  // namespace cli
