// ScriptCommand.cpp — `linewright-cli script SESSION -o SCRIPT`.
#include "app/cli/ScriptCommand.h"

#include "app/cli/HelpFormatter.h"
#include "app/cli/OptionGroups.h"
#include "app/cli/ToolCommands.h"
#include "app/cli/Values.h"

#include "engine/capture/Conversation.h"
#include "engine/capture/OutputFile.h"
#include "engine/script/ScriptMaker.h"

#include <CLI/CLI.hpp>

namespace cli {

CLI::App* addScriptCommand(CLI::App& program, OptionDefiner& d, HelpFormatter& help, ScriptArgs& a) {
    CLI::App* app = program.add_subcommand("script", "make a conversation script from a recorded connection.");
    HelpPage page;
    page.usage = {"script SESSION -o SCRIPT [--channel N] [--exact] [--force]"};
    page.description =
        "Makes a conversation script (docs/scripts.md) from a connection of a session\n"
        "file: each request the client sent becomes a send, each reply an expect\n"
        "(numbers, which change from run to run, as [0-9]+ — but a reply code that\n"
        "starts a reply — unless --exact). Run it: linewright-cli run SCRIPT.\n";
    help.setPage(app, std::move(page));
    d.setGroup("Options");
    d.value(*app, "-o,--output", "SCRIPT", "the script file to write (required).",
            [](const std::string& v) { return v.empty() ? std::string("expected a file name") : std::string(); },
            [&a](const std::string& v) { a.output = v; });
    addChannelOption(d, *app, "the recorded connection (default: the first that carried bytes).", a.channel);
    d.flag(*app, "--exact", "expect every reply byte for byte (no [0-9]+ for digit runs).", [&a] { a.exact = true; });
    d.flag(*app, "--force", "overwrite output files that exist (never through a symbolic link).",
           [&a] { a.force = true; });
    return app;
}

std::string finishScript(const std::vector<std::string>& positionals, ScriptArgs& a) {
    if (positionals.empty()) return "which session? (script SESSION -o SCRIPT)";
    if (positionals.size() > 1)
        return "one session at a time (got " + quote(positionals[0]) + " and " + quote(positionals[1]) + ")";
    a.session = positionals[0];
    if (a.output.empty()) return "script needs -o SCRIPT (the file to write)";
    return {};
}

int runScriptCommand(const ScriptArgs& a, std::FILE* out, std::FILE* err) {
    (void)out;
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
    std::FILE* f = engine::openForWriting(a.output, outputFile(a.force), &why);
    if (!f) {
        sayTo(err, outputError(why));
        return 1;
    }
    const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
    if (std::fclose(f) != 0 || !ok) {
        sayTo(err, a.output + ": write failed");
        return 1;
    }
    sayTo(err, "wrote " + a.output + " from channel " + std::to_string(c->channel) + " (" +
                   std::to_string(c->clientToServer().messages.size()) + " sends)");
    return 0;
}

}  // namespace cli
