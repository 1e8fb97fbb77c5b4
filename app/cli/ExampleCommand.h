// ExampleCommand.h — `linewright-cli example NAME [options]`: runs one of
// the documentation's asyncore/asynchat examples (examples/) on a local
// port, in an engine::Loop on the main thread.
//
// What it does: addExampleCommand() defines the subcommand and its options
// on CLI11 (bound to one ExampleArgs) with its help page; finishExample()
// checks the name and what depends on several options. Its usage errors
// are said as "linewright-cli example: WHY" followed by its usage
// (CommandLine.h). runExampleCommand() lists the examples (--list), or
// starts one with examples::startExample(), prints "listening on
// 127.0.0.1:PORT" on stdout when there is a server, runs the loop until the
// example is done (or a signal, or --timeout), and returns the exit status:
// 0 done and correct, 1 a runtime failure.
// The examples log on stderr as Python's logging would ("EchoHandler: …");
// --trace adds one line per loop pass (readable/writable, ready, hooks).
// What it owns: nothing beyond the call; ExampleArgs is a value type.
// Threads: main thread (plus the signal watcher's).
#pragma once

#include "app/cli/Forward.h"
#include "engine/asyncore/Loop.h"
#include "examples/ExampleRunner.h"

#include <cstdio>
#include <string>
#include <vector>

namespace cli {

struct ExampleArgs {
    examples::ExampleOptions options;  ///< --port, --server-only, --count, --connect, --message, --path
    std::string name;
    engine::Backend backend = engine::Backend::Select;  ///< asyncore's default
    bool trace = false;
    bool quiet = false;
    bool list = false;
    double timeout = 30.0;  ///< Seconds; 0: never.
};

/// Defines `example` under `program`, its options bound to `a`, and its help page.
CLI::App* addExampleCommand(CLI::App& program, OptionDefiner& d, HelpFormatter& help, ExampleArgs& a);
/// Once the options are parsed: the example's name and the checks across
/// options. "" when all is well, else the message.
std::string finishExample(const std::vector<std::string>& positionals, ExampleArgs& a);
/// Runs it; 0 or 1 (usage errors were dealt with before).
int runExampleCommand(const ExampleArgs& a, std::FILE* out, std::FILE* err);

}  // namespace cli
