// ToolOptions.h — the command lines of linewright-cli's session tools:
// replay, mock, export, import, reframe and summary.
//
// What it does: isToolCommand() tells whether argv names one of them (the
// first argument that is not an option); parseToolCommandLine() reads
//   linewright-cli replay FILE --to HOST:PORT [options]
//   linewright-cli mock FILE --listen [HOST:]PORT [options]
//   linewright-cli export FILE --pcapng OUT | --text OUT | --raw-client OUT | --raw-server OUT
//   linewright-cli import CAPTURE --list | --stream N -o SESSION [options]
//   linewright-cli reframe FILE --terminator T [options]
//   linewright-cli summary FILE
// with the same GNU-style syntax as connect/listen (CliOptions.h): options
// anywhere, `--opt value`, `--opt=value`, `-o value`, `-ovalue`, `--`. What
// can be checked without reading the input or touching the network is
// checked here (addresses, terminators, regular expressions, numbers, that
// the input file can be opened), so a bad command line ends with exit status
// 2 and one line naming the argument. toolHelp() is each command's --help.
// What it owns: nothing; ToolOptions is a value type.
// Threads: main thread.
#pragma once

#include "engine/reactor/Event.h"
#include "engine/asyncore/Loop.h"
#include "engine/replay/Replayer.h"
#include "engine/asyncore/Terminator.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cli {

enum class Tool { Replay, Mock, Export, Import, Reframe, Summary };

/// Which bytes `reframe` frames.
enum class ReframeDirection { Received, Sent, ClientToServer, ServerToClient };

struct ToolOptions {
    Tool tool = Tool::Summary;
    std::string input;                           ///< The session (or capture) file.
    std::optional<engine::ChannelId> channel;    ///< --channel
    engine::Backend backend = engine::Backend::Poll;
    bool quiet = false;

    // replay
    std::string host;                            ///< --to HOST
    std::uint16_t port = 0;                      ///< --to PORT
    int family = 0;                              ///< -4 / -6
    engine::Pacing pacing = engine::Pacing::Lockstep;
    double speed = 1.0;
    bool speedGiven = false;
    std::chrono::milliseconds timeout{5000};     ///< --timeout (replay: per wait; mock: the whole run)
    bool timeoutGiven = false;
    std::vector<engine::IgnoreRule> ignore;
    bool keepGoing = false;
    std::optional<engine::Terminator> replyTerminator;

    // mock
    std::string listenHost = "127.0.0.1";
    std::uint16_t listenPort = 0;
    std::uint64_t clients = 0;                   ///< --clients: stop after that many
    std::optional<engine::Terminator> requestTerminator;

    // export
    std::string pcapngOut;
    std::string textOut;
    std::string rawClientOut;
    std::string rawServerOut;
    bool comments = true;
    bool utc = false;

    // import
    bool list = false;
    std::optional<std::size_t> stream;
    std::string output;                          ///< -o SESSION
    engine::Terminator terminator = engine::Terminator::bytes("\n");
    bool allowGaps = false;

    // reframe
    std::optional<engine::Terminator> reframeTerminator;
    ReframeDirection direction = ReframeDirection::Received;
};

struct ToolParseResult {
    enum class Kind { Run, Help, Error };
    Kind kind = Kind::Error;
    ToolOptions options;
    std::string error;  ///< Kind::Error: one line, without the program name.
    std::string help;   ///< Kind::Help: the text to print.
};

/// True when the first non-option argument is replay, mock, export, import,
/// reframe or summary.
bool isToolCommand(int argc, const char* const* argv);
ToolParseResult parseToolCommandLine(int argc, const char* const* argv);
std::string toolHelp(Tool tool);
std::string_view toolName(Tool tool);

}  // namespace cli
