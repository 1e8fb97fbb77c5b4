// CommandLine.h — linewright-cli's whole command line, on CLI11: the
// commands, their options, their help, and the parse that turns argv into
// what to run or into one clear error.
//
// What it does: parseCommandLine() reads
//   linewright-cli connect HOST PORT [options]        (CliOptions.h)
//   linewright-cli listen [HOST:]PORT [options]
//   linewright-cli udp listen [HOST:]PORT | udp send HOST PORT  (UdpOptions.h)
//   linewright-cli replay|mock|export|import|reframe|summary FILE …  (ToolOptions.h)
//   linewright-cli example NAME [options]             (ExampleCommand.h)
//   linewright-cli run SCRIPT [options]               (RunCommand.h)
//   linewright-cli script SESSION -o SCRIPT           (ScriptCommand.h)
//   linewright-cli --help | --version                 (and COMMAND --help)
// The commands are CLI11 subcommands (udp has its own: the word after
// `udp` picks listen or send, and options may come before either word); their options are defined once per
// option group (OptionGroups.h) and the help pages are generated from those
// definitions (HelpFormatter.h).
// The syntax is GNU's, as before CLI11: options anywhere after the program
// name, also before the command (`--opt value`, `--opt=value`, `-o value`,
// `-ovalue`); a lone `-` is an argument; `--` ends the options. CLI11 is
// more lenient than that in places (it takes `-eq` for `-e -q` and
// `--echo=yes` for --echo, and words its own errors), so a first pass reads
// argv against the CLI11 definitions and refuses, in command-line order,
// what GNU getopt would refuse: an unknown option (or one that belongs to
// another command), a value given to a flag, short flags run together, a
// missing value. It also finds the command word, --help (the help of the
// command, if one is named; it wins over anything after it) and --version
// (alone only). CLI11 then parses the options in a plain form, in the same
// order, checking and storing each value as it comes; the first value
// refused is the error. Last, each command reads its positional arguments
// and checks what depends on several options.
// Exit statuses: a usage error is 2 (main.cpp), with one line on stderr,
// "linewright-cli: WHY" (example: "linewright-cli example: WHY" and its
// usage).
// What it owns: nothing beyond the call (the CLI11 apps live for one parse).
// Threads: main thread.
#pragma once

#include "app/cli/CliOptions.h"
#include "app/cli/ExampleCommand.h"
#include "app/cli/RunCommand.h"
#include "app/cli/ScriptCommand.h"
#include "app/cli/ToolOptions.h"
#include "app/cli/UdpOptions.h"

#include <string>

namespace cli {

struct ParsedCommandLine {
    enum class Kind { Session, Udp, Tool, Example, Run, Script, Help, Version, Error };
    Kind kind = Kind::Error;
    CliOptions session;   ///< Kind::Session (connect, listen).
    UdpOptions udp;       ///< Kind::Udp (udp listen, udp send).
    ToolOptions tool;     ///< Kind::Tool.
    ExampleArgs example;  ///< Kind::Example.
    RunArgs run;          ///< Kind::Run.
    ScriptArgs script;    ///< Kind::Script.
    /// Help, Version: what to print on stdout. Error: the message, one line,
    /// without the prefix.
    std::string text;
    std::string prefix = "linewright-cli";  ///< Error: the line is "PREFIX: TEXT".
    std::string usage;                      ///< Error: printed after that line ("" for none).
};

ParsedCommandLine parseCommandLine(int argc, const char* const* argv);

/// The --version text.
std::string versionText();

}  // namespace cli
