// ToolOptions.h — the command lines of linewright-cli's session tools:
// replay, mock, export, import, reframe and summary.
//
// What it does: addToolCommands() defines them as CLI11 subcommands of the
// program, each with its options bound to one ToolOptions and its help page:
//   linewright-cli replay FILE --to HOST:PORT [options]
//   linewright-cli mock FILE --listen [HOST:]PORT [options]
//   linewright-cli export FILE --pcapng OUT | --text OUT | --raw-client OUT | --raw-server OUT
//   linewright-cli import CAPTURE --list | --stream N | --udp-flow N -o SESSION [options]
//   linewright-cli reframe FILE --terminator T [options]
//   linewright-cli summary FILE
//   linewright-cli ca [--ca-dir DIR] [--export FILE [--force]]
// with the same syntax as connect/listen (CommandLine.h). The options they
// share (--channel, --backend, --quiet, --timeout, --terminator, -4/-6) are
// the shared groups of OptionGroups.h. What can be checked without reading
// the input or touching the network is checked — each value as it is
// parsed (addresses, terminators, regular expressions, numbers), then by
// finishTool() the input file (that it can be opened) and what depends on
// several options — so a bad command line ends with exit status 2 and one
// line naming the argument.
// What it owns: nothing; ToolOptions is a value type.
// Threads: main thread.
#pragma once

#include "app/cli/Forward.h"
#include "app/cli/TlsOptions.h"
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

enum class Tool { Replay, Mock, Export, Import, Reframe, Summary, Presets, Ca };

/// Which bytes `reframe` frames.
enum class ReframeDirection { Received, Sent, ClientToServer, ServerToClient };

struct ToolOptions {
    Tool tool = Tool::Summary;
    std::string input;                           ///< The session (or capture) file.
    std::optional<engine::ChannelId> channel;    ///< --channel
    engine::Backend backend = engine::Backend::Poll;
    bool backendGiven = false;                   ///< Else finishTool() picks engine::defaultBackend().
    bool quiet = false;

    // replay
    std::string host;                            ///< --to HOST
    std::uint16_t port = 0;                      ///< --to PORT
    bool toGiven = false;
    int family = 0;                              ///< -4 / -6
    engine::Pacing pacing = engine::Pacing::Lockstep;
    double speed = 1.0;
    bool speedGiven = false;
    std::chrono::milliseconds timeout{5000};     ///< --timeout (replay: per wait; mock: the whole run)
    bool timeoutGiven = false;
    std::vector<engine::IgnoreRule> ignore;
    bool keepGoing = false;
    std::size_t maxDivergences = 100;            ///< --max-divergences (engine::ReplayOptions)
    std::size_t maxReplyBytes = std::size_t{16} << 20;  ///< --max-reply
    std::optional<engine::Terminator> replyTerminator;

    // replay (client), mock (server): TlsOptions.h. TLS from the first byte
    // (--tls); STARTTLS is refused (the replayer and the mocker do not run it).
    TlsOptions tls;

    // mock
    std::string listenHost = "127.0.0.1";
    std::uint16_t listenPort = 0;
    bool listenGiven = false;
    std::uint64_t clients = 0;                   ///< --clients: stop after that many
    std::optional<engine::Terminator> requestTerminator;
    std::size_t maxRequestBytes = std::size_t{16} << 20;  ///< --max-request (engine::MockOptions)
    bool match = false;  ///< --match (engine::MockOptions::match)

    // export
    std::string pcapngOut;
    std::string textOut;
    std::string rawClientOut;
    std::string rawServerOut;
    bool force = false;  ///< --force: export and import outputs may overwrite existing files.
    // ca
    std::string caDir;     ///< --ca-dir; empty: engine::tls::LocalCa::defaultDirectory()
    std::string caExport;  ///< --export FILE ("-": stdout)
    bool comments = true;
    bool utc = false;

    // import
    bool list = false;
    std::optional<std::size_t> stream;
    std::optional<std::size_t> udpFlow;  ///< import --udp-flow N
    std::vector<std::pair<std::size_t, std::size_t>> copyRanges;  ///< mock --copy-bytes OFFSET:LENGTH (UDP)
    std::string output;                          ///< -o SESSION
    engine::Terminator terminator = engine::Terminator::bytes("\n");
    bool allowGaps = false;

    // reframe
    std::optional<engine::Terminator> reframeTerminator;
    std::string reframePreset;        ///< --preset NAME
    std::vector<std::string> reframePrograms;  ///< --program FILE, --rules FILE (layers after the preset)
    ReframeDirection direction = ReframeDirection::Received;
};

/// Defines replay, mock, export, import, reframe and summary under
/// `program`, their options bound to `o`, with their help pages.
void addToolCommands(CLI::App& program, OptionDefiner& d, HelpFormatter& help, ToolOptions& o);
/// The tool a subcommand name stands for.
std::optional<Tool> toolOf(std::string_view name);
std::string_view toolName(Tool tool);
/// Once the options are parsed: the positional arguments (the input file)
/// and the checks across options. "" when all is well, else the message.
std::string finishTool(Tool tool, const std::vector<std::string>& positionals, ToolOptions& o);

}  // namespace cli
