// ScriptCommand.h — `linewright-cli script SESSION -o SCRIPT`: a
// conversation script made from a recorded connection (engine/script
// ScriptMaker): each request a send, each reply an expect; with
// `--python pwntools|asyncio`, a Python program instead (engine/script
// PythonExport), made from a script (a file named *.lws) or a session.
//
// What it does: addScriptCommand() defines the subcommand and its options
// (--channel N, --exact, --force, --python FLAVOR) with its help page; finishScript() takes
// the session's path. runScriptCommand() loads the session (loadSession,
// its notes reported), picks the connection (--channel, else the first with
// traffic), writes the script (0600, never through a link, an existing file
// only with --force) and says so on stderr. Exit status 0, or 1 with one
// line (an unreadable session, no such channel, an unwritable output).
// What it owns: nothing beyond the call.
// Threads: main thread.
#pragma once

#include "app/cli/Forward.h"

#include "engine/reactor/Event.h"
#include "engine/script/PythonExport.h"

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace cli {

struct ScriptArgs {
    std::string session;
    std::string output;
    std::optional<engine::ChannelId> channel;
    bool exact = false;
    bool force = false;
    std::optional<engine::script::PythonFlavor> python;  ///< --python: write a Python program
};

CLI::App* addScriptCommand(CLI::App& program, OptionDefiner& d, HelpFormatter& help, ScriptArgs& a);
std::string finishScript(const std::vector<std::string>& positionals, ScriptArgs& a);
/// A script rather than a session: the name ends in ".lws".
bool isScriptFile(const std::string& path);
int runScriptCommand(const ScriptArgs& a, std::FILE* out, std::FILE* err);

}  // namespace cli
