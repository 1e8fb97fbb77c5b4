// UdpOptions.h — what `linewright-cli udp listen` and `udp send` may say:
// the `udp` command on CLI11, with its two subcommands, their options
// (the shared option groups of OptionGroups.h, so names, value checks and
// error wording are those of connect and listen) and their help pages.
//
// What it does: addUdpCommand() defines `udp` with `listen [HOST:]PORT`
// and `send HOST PORT` under it, bound to one UdpOptions; finishUdp() then
// reads the positional arguments and checks what depends on several
// options, so a bad command line ends with exit status 2 and one line
// (CommandLine.h). Options that do not apply to a subcommand are not
// defined on it (--echo and --multicast are listen's; --send, --repeat,
// --interval, --stdin and --wait are send's), so the GNU pass refuses them
// as it refuses connect's options given to listen.
// What it owns: nothing; UdpOptions is a value type.
// Threads: main thread.
#pragma once

#include "app/cli/Forward.h"
#include "engine/reactor/Command.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cli {

struct UdpOptions {
    bool listen = true;
    std::string host;
    std::uint16_t port = 0;
    int family = 0;  ///< -4 / -6, else 0.
    engine::DatagramOptions dgram;
    std::vector<std::string> sends;  ///< --send, unescaped.
    std::uint64_t repeat = 1;
    bool repeatGiven = false;
    std::chrono::milliseconds interval{0};
    std::optional<bool> stdinWanted;  ///< --stdin / --no-stdin, else the default (send without --send).
    std::chrono::milliseconds wait{250};
    bool json = false;
    bool quiet = false;
    bool stats = false;
    std::string recordPath;
    bool force = false;
    std::uint64_t count = 0;  ///< 0: no limit.
    std::optional<std::chrono::milliseconds> timeout;
    std::string timeoutText;  ///< --timeout as given, for messages.
};

/// Defines `udp` (and `udp listen`, `udp send`) under `program`, the
/// options bound to `o`, and the help pages; returns the `udp` command.
CLI::App* addUdpCommand(CLI::App& program, OptionDefiner& d, HelpFormatter& help, UdpOptions& o);
/// Once `udp listen` (listen true) or `udp send` is parsed: the positional
/// arguments after the subcommand word, and the checks across options. ""
/// when all is well, else the message (one line, without the program name).
std::string finishUdp(bool listen, const std::vector<std::string>& positionals, UdpOptions& o);

}  // namespace cli
