// CliOptions.h — linewright-cli's command line: what it may say, and the
// parser that turns argv into CliOptions or into one clear error.
//
// What it does: parseCommandLine() reads
//   linewright-cli connect HOST PORT [options]
//   linewright-cli listen [HOST:]PORT [options]
//   linewright-cli --help | --version
// with GNU-style options anywhere after the program name (`--opt value`,
// `--opt=value`, `-o value`, `-ovalue`, `--` ends the options). Everything
// that can be checked without the network is checked here — the terminator
// spec, ports, sizes, counts, the backend, and that --send-file files can be
// read — so a bad command line always ends with exit status 2 and one line
// naming the offending argument. helpText() is what --help prints.
// What it owns: nothing; CliOptions is a value type.
// Threads: main thread.
#pragma once

#include "engine/asyncore/Loop.h"
#include "engine/asyncore/Terminator.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cli {

enum class Mode { Connect, Listen };
enum class StdinMode { Auto, On, Off };

struct CliOptions {
    static constexpr std::size_t kDefaultBuffer = 65536;  // CPython 3.11's ac_in/out_buffer_size
    static constexpr std::size_t kDefaultMaxMessage = 4u << 20;
    static constexpr std::size_t kDefaultHighWater = 4u << 20;

    Mode mode = Mode::Connect;
    std::string host;        ///< As given ("" → 127.0.0.1 for listen).
    std::uint16_t port = 0;  ///< listen: 0 picks a free port.
    int family = 0;          ///< -4 / -6, else 0.

    engine::Terminator terminator = engine::Terminator::bytes("\n");
    bool echo = false;
    std::vector<std::string> sends;      ///< --send, unescaped.
    std::vector<std::string> sendFiles;  ///< --send-file paths.
    std::uint64_t repeat = 1;            ///< --repeat: copies of each --send.
    std::chrono::milliseconds interval{0};  ///< --interval: one copy every so often.
    bool repeatGiven = false;
    StdinMode stdinMode = StdinMode::Auto;

    bool json = false;
    bool quiet = false;
    bool stats = false;
    std::string recordPath;
    engine::Backend backend = engine::Backend::Poll;
    std::size_t inBuffer = kDefaultBuffer;
    std::size_t outBuffer = kDefaultBuffer;
    std::size_t maxMessage = kDefaultMaxMessage;
    std::size_t highWater = kDefaultHighWater;
    bool traceLoop = false;
    std::uint64_t count = 0;  ///< 0: no limit.
    std::optional<std::chrono::milliseconds> timeout;
    std::string timeoutText;  ///< --timeout as given, for messages.

    /// Whether stdin lines are pushed.
    bool readsStdin() const {
        if (stdinMode != StdinMode::Auto) return stdinMode == StdinMode::On;
        return mode == Mode::Connect && sends.empty() && sendFiles.empty();
    }
};

struct ParseResult {
    enum class Kind { Run, Help, Version, Error };
    Kind kind = Kind::Error;
    CliOptions options;
    std::string error;  ///< Kind::Error: one line, without the program name.
};

ParseResult parseCommandLine(int argc, const char* const* argv);

/// The --help text.
std::string helpText();
/// The --version text.
std::string versionText();

}  // namespace cli
