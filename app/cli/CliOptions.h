// CliOptions.h — what `linewright-cli connect` and `listen` may say: their
// options (defined once, on CLI11, for both commands) and the checks that
// turn a parsed command line into CliOptions or into one clear error.
//
// What it does: addSessionCommand() defines `connect HOST PORT [options]`
// or `listen [HOST:]PORT [options]` as a CLI11 subcommand with the session
// options in their help groups — Framing (terminator, max message),
// Sending, TLS (TlsOptions.h), Output (json, quiet, stats, record, trace), Engine (backend,
// buffers, address family), Stopping (count, timeout) — bound to one
// CliOptions, and its help page. Every value is checked as it is parsed
// (the terminator spec, sizes with their bounds, counts, seconds, the
// backend, that --send-file files can be read); finishSession() then reads
// the positional arguments (HOST and PORT, [HOST:]PORT) and checks what
// depends on several options, so a bad command line always ends with exit
// status 2 and one line naming the offending argument (CommandLine.h).
// What it owns: nothing; CliOptions is a value type.
// Threads: main thread.
#pragma once

#include "app/cli/Forward.h"
#include "app/cli/TlsOptions.h"
#include "engine/asyncore/Loop.h"
#include "engine/asyncore/Terminator.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace engine::program {
class Program;
}

namespace cli {

enum class Mode { Connect, Listen, Proxy };
enum class StdinMode { Auto, On, Off };

struct CliOptions {
    static constexpr std::size_t kDefaultBuffer = 65536;  // CPython 3.11's ac_in/out_buffer_size
    static constexpr std::size_t kDefaultMaxMessage = 4u << 20;
    static constexpr std::size_t kDefaultHighWater = 4u << 20;
    static constexpr std::size_t kDefaultMaxBuffered = 256u << 20;  // engine::ChannelOptions' default

    Mode mode = Mode::Connect;
    std::string host;        ///< As given ("" → 127.0.0.1 for listen).
    std::uint16_t port = 0;  ///< listen: 0 picks a free port.
    int family = 0;          ///< -4 / -6, else 0.

    engine::Terminator terminator = engine::Terminator::bytes("\n");  ///< proxy: client → server
    /// proxy: the upstream HOST:PORT (--to) and the server → client terminator.
    std::string toHost;
    std::uint16_t toPort = 0;
    engine::Terminator serverTerminator = engine::Terminator::bytes("\n");
    bool terminatorGiven = false;  ///< -t / --client-terminator / --server-terminator given
    /// --preset NAME, --program FILE, --rules FILE (repeatable) as given; finishSession()
    /// loads them, in that order, into `programs` (the layers of engine/program/ProgramRunner.h).
    std::string preset;
    std::vector<std::string> programFiles;
    std::vector<std::string> rulesFiles;
    std::vector<std::shared_ptr<const engine::program::Program>> programs;
    bool echo = false;
    std::vector<std::string> sends;      ///< --send, unescaped.
    std::vector<std::string> sendFiles;  ///< --send-file paths.
    std::uint64_t repeat = 1;            ///< --repeat: copies of each --send.
    std::chrono::milliseconds interval{0};  ///< --interval: one copy every so often.
    bool repeatGiven = false;
    StdinMode stdinMode = StdinMode::Auto;

    TlsOptions tls;  ///< --tls, --starttls, … (TlsOptions.h): ChannelOptions::tls.
    /// proxy: --to-tls, --to-cafile, … (the upstream leg's, ProxyTarget::tls).
    TlsOptions toTls;
    bool keyLogGiven = false;  ///< proxy: --keylog given (for both legs).

    bool json = false;
    /// proxy --commands: stdin carries terminator commands (CliSession::proxyCommand).
    bool proxyCommands = false;
    /// proxy --starttls PROTO: STARTTLS passed through (engine::ProxyTarget::startTls).
    engine::StartTlsProtocol proxyStartTls = engine::StartTlsProtocol::None;
    bool quiet = false;
    bool stats = false;
    std::string recordPath;
    bool force = false;  ///< --force: --record may overwrite an existing file.
    engine::Backend backend = engine::Backend::Poll;
    bool backendGiven = false;  ///< Else finishSession() picks engine::defaultBackend().
    std::size_t inBuffer = kDefaultBuffer;
    std::size_t outBuffer = kDefaultBuffer;
    std::size_t maxMessage = kDefaultMaxMessage;
    std::size_t highWater = kDefaultHighWater;
    std::size_t maxBuffered = kDefaultMaxBuffered;  ///< listen: --max-buffered.
    bool traceLoop = false;
    std::uint64_t count = 0;  ///< 0: no limit.
    std::optional<std::chrono::milliseconds> timeout;
    std::string timeoutText;  ///< --timeout as given, for messages.

    /// Whether stdin lines are pushed.
    bool readsStdin() const {
        if (stdinMode != StdinMode::Auto) return stdinMode == StdinMode::On;
        if (mode == Mode::Proxy) return proxyCommands;
        return mode == Mode::Connect && sends.empty() && sendFiles.empty();
    }
};

/// Defines `connect`, `listen` or `proxy` under `program`, its options bound to `o`,
/// and its help page; returns the subcommand.
CLI::App* addSessionCommand(CLI::App& program, Mode mode, OptionDefiner& d, HelpFormatter& help, CliOptions& o);
/// Once the options are parsed: the positional arguments (not the command
/// word) and the checks across options. "" when all is well, else the
/// message (one line, without the program name).
std::string finishSession(Mode mode, const std::vector<std::string>& positionals, CliOptions& o);

}  // namespace cli
