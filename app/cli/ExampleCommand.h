// ExampleCommand.h — `linewright-cli example NAME [options]`: runs one of
// the documentation's asyncore/asynchat examples (examples/) on a local
// port, in an engine::Loop on the main thread.
//
// What it does: parses its own options (everything after `example`),
// starts the example with examples::startExample(), prints
// "listening on 127.0.0.1:PORT" on stdout when there is a server, runs the
// loop until the example is done (or a signal, or --timeout), and returns
// the exit status: 0 done and correct, 1 a runtime failure, 2 a usage error.
// The examples log on stderr as Python's logging would ("EchoHandler: …");
// --trace adds one line per loop pass (readable/writable, ready, hooks).
// What it owns: nothing beyond the call.
// Threads: main thread (plus the signal watcher's).
#pragma once
#include <cstdio>

namespace cli {

/// True when argv names the `example` subcommand.
bool isExampleCommand(int argc, const char* const* argv);
/// Runs `linewright-cli example …`; argv[1] is "example".
int runExampleCommand(int argc, const char* const* argv, std::FILE* out, std::FILE* err);

}  // namespace cli
