// OptionGroups.h — how linewright-cli defines an option on CLI11, and the
// option groups several commands share (terminator, backend, buffers,
// quiet, timeout, channel, address family).
//
// What it does: OptionDefiner adds an option to a CLI11 command with the
// program's conventions: a metavariable for the help ("T", "N", "FILE"), a
// description the help formatter wraps, a check that refuses a bad value
// with today's wording ("--count: expected a number of messages of at
// least 1, got '0'") and a store that keeps the accepted value. Every
// option is checked and stored as it is parsed, in command-line order, so
// the first bad value is the one reported and the last of a repeated
// option wins (repeatable ones such as --send accumulate). Since CLI11 puts
// its own words around a validator's message, the check's message is kept
// word for word in the definer (firstError()), which is what the user sees.
// The add*Option functions define each shared option once; every command
// that takes one calls the same function, with its own description where
// the meaning differs (--timeout of listen vs. of replay).
// What it owns: the first refusal's message. The options themselves belong
// to the CLI11 app; the stores write into the caller's option structs,
// which must outlive parsing.
// Threads: main thread (one parse at a time).
#pragma once

#include "engine/asyncore/Loop.h"
#include "engine/asyncore/Terminator.h"
#include "engine/reactor/Event.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace cli {

class OptionDefiner {
public:
    /// "" when the value is good, else why not (without the option's name).
    using Check = std::function<std::string(const std::string& value)>;
    using Store = std::function<void(const std::string& value)>;

    /// An option that takes one value. `names` as CLI11 writes them
    /// ("-t,--terminator"); every option has a long name.
    CLI::Option* value(CLI::App& app, const std::string& names, const std::string& metavar, std::string description,
                       Check check, Store store);
    /// The same, for an option that may be given several times (each value stored in turn).
    CLI::Option* repeatable(CLI::App& app, const std::string& names, const std::string& metavar,
                            std::string description, Check check, Store store);
    /// An option without a value.
    CLI::Option* flag(CLI::App& app, const std::string& names, std::string description, std::function<void()> onSet);
    /// The help section the options defined from now on belong to ("Framing", "Engine"; "" for "Options").
    void setGroup(std::string group) { m_group = std::move(group); }

    /// The first value refused while parsing: "--name: why"; "" if none.
    const std::string& firstError() const noexcept { return m_firstError; }

private:
    CLI::Option* define(CLI::App& app, const std::string& names, const std::string& metavar, std::string description,
                        Check check, Store store, bool repeatable);
    std::string m_group;
    std::string m_firstError;
};

// --- The checks every command words the same ------------------------------------------------

/// parseTerminatorSpec's reason, or "".
std::string checkTerminator(const std::string& value);
/// "unknown backend 'x'; expected select, poll or epoll", "epoll is not available on this system", or "".
std::string checkBackend(const std::string& value);
/// A size from 1 byte to `max` (K, M, G suffixes).
std::string checkSize(const std::string& value, std::size_t max);
/// Seconds greater than 0 (decimal).
std::string checkSeconds(const std::string& value);
/// "expected a file name" for an empty value, else "".
std::string checkFileName(const std::string& value);

// --- Addresses every command words the same -------------------------------------------------

/// A client's HOST PORT arguments (`command` names it in messages:
/// "connect", "udp send"): "" with `host` and `port` set, else why not
/// ("connect needs a HOST and a PORT: linewright-cli connect HOST PORT [options]").
std::string parseHostAndPort(const std::string& command, const std::vector<std::string>& args, std::string& host,
                             std::uint16_t& port);
/// A listener's [HOST:]PORT (PORT, HOST:PORT or [IPv6]:PORT; port 0 picks a
/// free one): "" with `host` (empty when none is given) and `port` set,
/// else why not ("invalid address 'x': expected PORT, HOST:PORT or [IPv6]:PORT").
std::string parseListenAddress(const std::string& text, std::string& host, std::uint16_t& port);
/// Why `host` (brackets allowed) cannot be used with -4/-6 (`family`
/// kAfInet/kAfInet6; 0: either): "'::1' is not an IPv4 address, but -4 asks
/// for one" when it is a numeric address of the other family, else "".
std::string familyConflict(const std::string& host, int family);

// --- Shared option groups --------------------------------------------------------------------

/// -t, --terminator T.
void addTerminatorOption(OptionDefiner& d, CLI::App& app, std::string description,
                         std::function<void(const engine::Terminator&)> store);
/// -b, --backend B (select, poll or epoll; only those available here).
void addBackendOption(OptionDefiner& d, CLI::App& app, std::string description,
                      std::function<void(engine::Backend)> store);
/// -q, --quiet.
void addQuietOption(OptionDefiner& d, CLI::App& app, std::string description, bool& quiet);
/// -w, --timeout S: seconds, decimals allowed; `store` gets the time and the text as given.
void addTimeoutOption(OptionDefiner& d, CLI::App& app, std::string description,
                      std::function<void(std::chrono::milliseconds, const std::string&)> store);
/// The same, stored in `timeout` and `text`.
void addTimeoutOption(OptionDefiner& d, CLI::App& app, std::string description,
                      std::optional<std::chrono::milliseconds>& timeout, std::string& text);
/// --channel N: a recorded connection.
void addChannelOption(OptionDefiner& d, CLI::App& app, std::string description,
                      std::optional<engine::ChannelId>& channel);
/// -4, --ipv4 and -6, --ipv6: the last one given wins.
void addFamilyOptions(OptionDefiner& d, CLI::App& app, int& family);
/// --to HOST:PORT (a name, an IPv4 address or [IPv6]:PORT; port 1 to 65535).
void addToOption(OptionDefiner& d, CLI::App& app, std::string description, std::string& host, std::uint16_t& port);

/// -s, --send TEXT (repeatable; escapes allowed): each value unescaped, appended to `sends`.
void addSendOption(OptionDefiner& d, CLI::App& app, std::string description, std::vector<std::string>& sends);
/// --repeat N (at least 1); `given` is set when it appears.
void addRepeatOption(OptionDefiner& d, CLI::App& app, std::string description, std::uint64_t& repeat, bool& given);
/// --interval MS (1 to 86400000 milliseconds).
void addIntervalOption(OptionDefiner& d, CLI::App& app, std::string description, std::chrono::milliseconds& interval);
/// -c, --count N (at least 1).
void addCountOption(OptionDefiner& d, CLI::App& app, std::string description, std::uint64_t& count);
/// -j, --json.
void addJsonOption(OptionDefiner& d, CLI::App& app, std::string description, bool& json);
/// --stats.
void addStatsOption(OptionDefiner& d, CLI::App& app, std::string description, bool& stats);
/// -r, --record FILE (not empty) and --force.
void addRecordOptions(OptionDefiner& d, CLI::App& app, std::string description, std::string& path, bool& force);

/// The largest --in-buffer / --out-buffer (bytes per recv / per send and
/// file chunk): each channel holds one of each.
inline constexpr std::size_t kMaxBufferSize = std::size_t{16} << 20;
/// The largest --max-message / --high-water (memory a channel may hold).
inline constexpr std::size_t kMaxLimitSize = std::size_t{1} << 30;

/// --in-buffer N and --out-buffer N (at most kMaxBufferSize), --high-water
/// N (at most kMaxLimitSize): sizes with K, M, G suffixes.
void addBufferOptions(OptionDefiner& d, CLI::App& app, std::size_t& inBuffer, std::size_t& outBuffer,
                      std::size_t& highWater);
/// NAMES N: a size with K, M, G suffixes, at least 1 byte and at most max.
void addSizeOption(OptionDefiner& d, CLI::App& app, const std::string& names, std::string description,
                   std::size_t max, std::size_t& out);
/// --max-message N (at most kMaxLimitSize).
void addMaxMessageOption(OptionDefiner& d, CLI::App& app, std::size_t& maxMessage);
/// The largest --max-buffered (a listener's total input budget): 64G (2G
/// where std::size_t has 32 bits).
inline constexpr std::size_t kMaxBudgetSize = std::size_t{1} << (sizeof(std::size_t) >= 8 ? 36 : 31);
/// --max-buffered N (listen: the input its connections may hold together
/// unframed; at most kMaxBudgetSize).
void addMaxBufferedOption(OptionDefiner& d, CLI::App& app, std::size_t& maxBuffered);

}  // namespace cli
