// RunCommand.h — `linewright-cli run SCRIPT`: runs a conversation script
// (engine/script, docs/scripts.md) against a server, as a test or as a load.
//
// What it does: addRunCommand() defines the subcommand and its options on
// CLI11 (bound to one RunArgs) with its help page; finishRun() takes the
// script's path. runRunCommand() parses the script (a mistake: exit 2 with
// "FILE:LINE: what is wrong"), then runs it once — one line per passed step
// on stdout ("ok", the line, the statement, the time; a JSON object per step
// with --json), and on the first failing step its report on stderr (step,
// line, expected, got, waited) and exit 1 — or, with --parallel/--iterations,
// on N connections M times each, printing throughput and the expects'
// latency percentiles (p50/p90/p99/max); exit 1 if any iteration failed.
// --record FILE writes one run as a session file (made before the run, exit
// 2 when refused; written at its end).
// What it owns: nothing beyond the call; RunArgs is a value type.
// Threads: main thread (the script runs in a loop on it).
#pragma once

#include "app/cli/Forward.h"

#include "engine/asyncore/Loop.h"

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace cli {

struct RunArgs {
    std::string script;
    std::string toHost;
    std::uint16_t toPort = 0;
    bool json = false;
    bool quiet = false;
    std::int64_t timeoutMs = 5000;
    std::size_t parallel = 1;
    std::size_t iterations = 1;
    bool load = false;  ///< --parallel or --iterations given
    std::string record;  ///< --record FILE: the run as a session file
    bool force = false;  ///< --force: --record may overwrite
    engine::Backend backend = engine::defaultBackend();
};

/// Defines `run` under `program`, its options bound to `a`, and its help page.
CLI::App* addRunCommand(CLI::App& program, OptionDefiner& d, HelpFormatter& help, RunArgs& a);
/// Once the options are parsed: the script's path. "" when all is well, else the message.
std::string finishRun(const std::vector<std::string>& positionals, RunArgs& a);
/// Runs it: 0 every step passed, 1 a step failed, 2 a bad script.
int runRunCommand(const RunArgs& a, std::FILE* out, std::FILE* err);

}  // namespace cli
