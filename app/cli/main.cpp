// main.cpp — linewright-cli: parse the command line, run one session (or one
// of the session tools: replay, mock, export, import, reframe, summary).
//
// Exit status: 0 success, 1 a runtime failure (one line on stderr), 2 a
// usage error (one line on stderr). See --help and docs/cli.md.
#include "app/cli/CliOptions.h"
#include "app/cli/CliSession.h"
#include "app/cli/ExampleCommand.h"
#include "app/cli/SignalWatcher.h"
#include "app/cli/ToolCommands.h"
#include "app/cli/ToolOptions.h"

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

}  // namespace

int main(int argc, char** argv) {
    // Before any thread exists, so that every thread inherits the mask.
    cli::SignalWatcher::blockSignals();
    raiseOpenFileLimit();
    tuneAllocator();

    if (cli::isExampleCommand(argc, argv))
        return cli::runExampleCommand(argc, argv, stdout, stderr);
    // The session tools (replay, mock, export, import, reframe, summary)
    // have command lines of their own.
    if (cli::isToolCommand(argc, argv)) {
        const cli::ToolParseResult tool = cli::parseToolCommandLine(argc, argv);
        switch (tool.kind) {
        case cli::ToolParseResult::Kind::Help: std::fputs(tool.help.c_str(), stdout); return 0;
        case cli::ToolParseResult::Kind::Error:
            std::fprintf(stderr, "linewright-cli: %s\n", tool.error.c_str());
            return 2;
        case cli::ToolParseResult::Kind::Run: break;
        }
        try {
            return cli::runTool(tool.options, stdout, stderr);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "linewright-cli: %s\n", e.what());
            return 1;
        }
    }

    const cli::ParseResult parsed = cli::parseCommandLine(argc, argv);
    switch (parsed.kind) {
    case cli::ParseResult::Kind::Help: std::fputs(cli::helpText().c_str(), stdout); return 0;
    case cli::ParseResult::Kind::Version: std::fputs(cli::versionText().c_str(), stdout); return 0;
    case cli::ParseResult::Kind::Error: std::fprintf(stderr, "linewright-cli: %s\n", parsed.error.c_str()); return 2;
    case cli::ParseResult::Kind::Run: break;
    }
    try {
        cli::CliSession session(parsed.options, stdout, stderr);
        return session.run();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "linewright-cli: %s\n", e.what());
        return 1;
    }
}
