// main.cpp — linewright-cli: parse the command line (CommandLine.h), run one
// session (connect, listen, udp), one of the session tools (replay, mock,
// export, import, reframe, summary) or an example.
//
// Exit status: 0 success, 1 a runtime failure (one line on stderr), 2 a
// usage error (one line on stderr). See --help and docs/cli.md.
#include "app/cli/CliSession.h"
#include "app/cli/CommandLine.h"
#include "app/cli/RunCommand.h"
#include "app/cli/ScriptCommand.h"
#include "app/cli/SignalWatcher.h"
#include "app/cli/ToolCommands.h"
#include "app/cli/UdpCommand.h"

#include "engine/asyncore/Escape.h"
#include "engine/net/FileOps.h"

#include <cstdio>
#include <exception>

#if !defined(_WIN32)
#include <sys/resource.h>
#endif
#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace {

// 10,000 connections need more descriptors than the usual soft limit of
// 1024: take what the hard limit allows.
void raiseOpenFileLimit() {
#if !defined(_WIN32)
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
#endif
}

// A busy echo allocates and frees a reply buffer per read. By default glibc
// gives freed memory at the top of the heap back to the system at once and
// takes it again a moment later (a page fault per page each time); keep it.
void tuneAllocator() {
#if defined(__GLIBC__)
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
    mallopt(M_TOP_PAD, 16 << 20);
#endif
}

/// A command's run; an exception it lets out is said in one line (status 1).
template <class Command>
int runGuarded(Command command) {
    try {
        return command();
    } catch (const std::exception& e) {
        cli::sayTo(stderr, e.what());
        return 1;
    }
}

}  // namespace

int main(int argc, char** argv) {
    // Before any thread exists, so that every thread inherits the mask.
    cli::SignalWatcher::blockSignals();
    raiseOpenFileLimit();
    tuneAllocator();
    // Bytes out as they are (Windows would write "\n" as "\r\n").
    engine::fileops::setStdioBinary();

    const cli::ParsedCommandLine parsed = cli::parseCommandLine(argc, argv);
    switch (parsed.kind) {
    case cli::ParsedCommandLine::Kind::Help:
    case cli::ParsedCommandLine::Kind::Version: std::fputs(parsed.text.c_str(), stdout); return 0;
    case cli::ParsedCommandLine::Kind::Error:
        // The message may quote an argument: escaped like every status line.
        std::fprintf(stderr, "%s: %s\n%s", parsed.prefix.c_str(),
                     engine::terminalSafe(parsed.text, engine::TerminalText::Multiline).c_str(), parsed.usage.c_str());
        return 2;
    case cli::ParsedCommandLine::Kind::Udp: return cli::runUdpCommand(parsed.udp, stdout, stderr);
    case cli::ParsedCommandLine::Kind::Example: return cli::runExampleCommand(parsed.example, stdout, stderr);
    case cli::ParsedCommandLine::Kind::Script:
        return runGuarded([&] { return cli::runScriptCommand(parsed.script, stdout, stderr); });
    case cli::ParsedCommandLine::Kind::Run:
        return runGuarded([&] { return cli::runRunCommand(parsed.run, stdout, stderr); });
    case cli::ParsedCommandLine::Kind::Tool:
        return runGuarded([&] { return cli::runTool(parsed.tool, stdout, stderr); });
    case cli::ParsedCommandLine::Kind::Session: break;
    }
    try {
        cli::CliSession session(parsed.session, stdout, stderr);
        return session.run();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "linewright-cli: %s\n", e.what());
        return 1;
    }
}
