// OptionGroups.cpp — option definitions on CLI11, and the shared groups.
#include "app/cli/OptionGroups.h"

#include "app/cli/Values.h"

#include "engine/asyncore/Escape.h"
#include "engine/net/Address.h"
#include "engine/net/Platform.h"

#include <CLI/CLI.hpp>

#include <string_view>
#include <vector>

namespace cli {

namespace {

/// "--terminator" from "-t,--terminator".
std::string longNameOf(const std::string& names) {
    std::string_view rest = names;
    while (!rest.empty()) {
        const auto comma = rest.find(',');
        const std::string_view name = rest.substr(0, comma);
        if (name.size() > 2 && name.substr(0, 2) == "--") return std::string(name);
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
    }
    return names;
}

}  // namespace

CLI::Option* OptionDefiner::define(CLI::App& app, const std::string& names, const std::string& metavar,
                                   std::string description, Check check, Store store, bool repeatable) {
    // The check runs as a CLI11 validator; its message is kept here word for
    // word (CLI11 would wrap it in its own), and CLI11 stops the parse.
    const std::string name = longNameOf(names);
    CLI::Validator validator(
        [this, name, check = std::move(check)](std::string& value) -> std::string {
            std::string why = check ? check(value) : std::string();
            if (!why.empty() && m_firstError.empty()) m_firstError = name + ": " + why;
            return why;
        },
        std::string());
    CLI::Option* opt = nullptr;
    if (repeatable) {
        opt = app.add_option_function<std::vector<std::string>>(
            names,
            [store = std::move(store)](const std::vector<std::string>& values) {
                for (const std::string& v : values) store(v);
            },
            std::move(description));
        // One value per occurrence, taken as it is ("[a,b]" is no list here).
        opt->allow_extra_args(false)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    } else {
        opt = app.add_option_function<std::string>(names, std::move(store), std::move(description));
        opt->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    }
    // Checked and stored as it is parsed: in command-line order, so the first
    // bad value is the one reported and the last of a repeated option wins.
    opt->check(validator)->type_name(metavar)->trigger_on_parse()->group(m_group.empty() ? "Options" : m_group);
    return opt;
}

CLI::Option* OptionDefiner::value(CLI::App& app, const std::string& names, const std::string& metavar,
                                  std::string description, Check check, Store store) {
    return define(app, names, metavar, std::move(description), std::move(check), std::move(store), false);
}

CLI::Option* OptionDefiner::repeatable(CLI::App& app, const std::string& names, const std::string& metavar,
                                       std::string description, Check check, Store store) {
    return define(app, names, metavar, std::move(description), std::move(check), std::move(store), true);
}

CLI::Option* OptionDefiner::flag(CLI::App& app, const std::string& names, std::string description,
                                 std::function<void()> onSet) {
    CLI::Option* opt = app.add_flag_callback(names, std::move(onSet), std::move(description));
    opt->trigger_on_parse()->group(m_group.empty() ? "Options" : m_group);
    return opt;
}

// --- Checks --------------------------------------------------------------------------------------

std::string checkTerminator(const std::string& value) {
    std::string why;
    return engine::parseTerminatorSpec(value, &why) ? std::string() : why;
}

std::string checkBackend(const std::string& value) {
    const auto b = engine::parseBackend(value);
    if (!b) return "unknown backend " + quote(value) + "; expected select, poll or epoll";
    if (!engine::backendAvailable(*b)) return value + " is not available on this system";
    return {};
}

std::string checkSize(const std::string& value, std::size_t max) {
    const auto n = parseSize(value);
    if (!n || *n == 0) return "expected a size of at least 1 byte (e.g. 4096, 64K, 4M), got " + quote(value);
    if (*n > max)
        return quote(value) + " is too large: at most " + sizeText(max) + " (" + std::to_string(max) + " bytes)";
    return {};
}

std::string checkSeconds(const std::string& value) {
    return parseSeconds(value) ? std::string()
                               : "expected a number of seconds greater than 0 (e.g. 5 or 0.5), got " + quote(value);
}

std::string checkFileName(const std::string& value) {
    return value.empty() ? std::string("expected a file name") : std::string();
}

// --- Shared groups -------------------------------------------------------------------------------

void addTerminatorOption(OptionDefiner& d, CLI::App& app, std::string description,
                         std::function<void(const engine::Terminator&)> store) {
    d.value(app, "-t,--terminator", "T", std::move(description), checkTerminator,
            [store = std::move(store)](const std::string& v) { store(*engine::parseTerminatorSpec(v, nullptr)); });
}

void addBackendOption(OptionDefiner& d, CLI::App& app, std::string description,
                      std::function<void(engine::Backend)> store) {
    d.value(app, "-b,--backend", "B", std::move(description), checkBackend,
            [store = std::move(store)](const std::string& v) { store(*engine::parseBackend(v)); });
}

void addQuietOption(OptionDefiner& d, CLI::App& app, std::string description, bool& quiet) {
    d.flag(app, "-q,--quiet", std::move(description), [&quiet] { quiet = true; });
}

void addTimeoutOption(OptionDefiner& d, CLI::App& app, std::string description,
                      std::function<void(std::chrono::milliseconds, const std::string&)> store) {
    d.value(app, "-w,--timeout", "S", std::move(description), checkSeconds,
            [store = std::move(store)](const std::string& v) { store(*parseSeconds(v), v); });
}

void addTimeoutOption(OptionDefiner& d, CLI::App& app, std::string description,
                      std::optional<std::chrono::milliseconds>& timeout, std::string& text) {
    addTimeoutOption(d, app, std::move(description), [&timeout, &text](std::chrono::milliseconds t, const std::string& v) {
        timeout = t;
        text = v;
    });
}

void addChannelOption(OptionDefiner& d, CLI::App& app, std::string description,
                      std::optional<engine::ChannelId>& channel) {
    d.value(
        app, "--channel", "N", std::move(description),
        [](const std::string& v) {
            const auto n = parseCount(v);
            return n && *n != 0 && *n <= 0xffffffffu ? std::string()
                                                     : "expected a channel number (1, 2, …), got " + quote(v);
        },
        [&channel](const std::string& v) { channel = static_cast<engine::ChannelId>(*parseCount(v)); });
}

void addFamilyOptions(OptionDefiner& d, CLI::App& app, int& family) {
    d.flag(app, "-4,--ipv4", "resolve HOST to IPv4 addresses only.", [&family] { family = engine::kAfInet; });
    d.flag(app, "-6,--ipv6", "resolve HOST to IPv6 addresses only.", [&family] { family = engine::kAfInet6; });
}

void addToOption(OptionDefiner& d, CLI::App& app, std::string description, std::string& host, std::uint16_t& port) {
    d.value(
        app, "--to", "HOST:PORT", std::move(description),
        [](const std::string& v) {
            std::string h, p;
            if (!engine::splitHostPort(v, h, p) || h.empty()) return "expected HOST:PORT or [IPv6]:PORT, got " + quote(v);
            if (!engine::parsePort(p)) return "invalid port " + quote(p) + ": expected a number from 1 to 65535";
            return std::string();
        },
        [&host, &port](const std::string& v) {
            std::string h, p;
            engine::splitHostPort(v, h, p);
            host = h;
            port = *engine::parsePort(p);
        });
}

std::string parseHostAndPort(const std::string& command, const std::vector<std::string>& args, std::string& host,
                             std::uint16_t& port) {
    if (args.size() != 2)
        return command + (args.size() < 2 ? " needs" : " takes only") + " a HOST and a PORT: linewright-cli " + command +
               " HOST PORT [options]";
    if (args[0].empty()) return command + ": the HOST is empty";
    const auto n = engine::parsePort(args[1]);
    if (!n) return "invalid port " + quote(args[1]) + ": expected a number from 1 to 65535";
    host = args[0];
    port = *n;
    return {};
}

std::string parseListenAddress(const std::string& text, std::string& host, std::uint16_t& port) {
    std::string h, p;
    if (!engine::splitHostPort(text, h, p))
        return "invalid address " + quote(text) + ": expected PORT, HOST:PORT or [IPv6]:PORT";
    const auto n = engine::parsePort(p, true);
    if (!n) return "invalid port " + quote(p) + ": expected a number from 1 to 65535 (or 0 for any free port)";
    host = h;
    port = *n;
    return {};
}

std::string familyConflict(const std::string& host, int family) {
    if (family == 0) return {};
    std::string bare = host;
    if (bare.size() >= 2 && bare.front() == '[' && bare.back() == ']') bare = bare.substr(1, bare.size() - 2);
    if (const auto numeric = engine::Address::fromNumeric(bare, 1); numeric && numeric->family() != family)
        return quote(host) + " is not an " + (family == engine::kAfInet ? "IPv4" : "IPv6") + " address, but " +
               (family == engine::kAfInet ? "-4" : "-6") + " asks for one";
    return {};
}

// The wording of these is that of connect and listen (CliOptions.cpp).
void addSendOption(OptionDefiner& d, CLI::App& app, std::string description, std::vector<std::string>& sends) {
    d.repeatable(
        app, "-s,--send", "TEXT", std::move(description),
        [](const std::string& v) {
            engine::EscapeError e;
            return engine::parseEscaped(v, &e) ? std::string() : e.message;
        },
        [&sends](const std::string& v) { sends.push_back(*engine::parseEscaped(v, nullptr)); });
}

void addRepeatOption(OptionDefiner& d, CLI::App& app, std::string description, std::uint64_t& repeat, bool& given) {
    d.value(
        app, "--repeat", "N", std::move(description),
        [](const std::string& v) {
            const auto n = parseCount(v);
            return n && *n != 0 ? std::string() : "expected a number of copies of at least 1, got " + quote(v);
        },
        [&repeat, &given](const std::string& v) {
            repeat = *parseCount(v);
            given = true;
        });
}

void addIntervalOption(OptionDefiner& d, CLI::App& app, std::string description, std::chrono::milliseconds& interval) {
    d.value(
        app, "--interval", "MS", std::move(description),
        [](const std::string& v) {
            const auto n = parseCount(v);
            return n && *n != 0 && *n <= 86400000ull
                       ? std::string()
                       : "expected milliseconds between copies (1 to 86400000), got " + quote(v);
        },
        [&interval](const std::string& v) {
            interval = std::chrono::milliseconds(static_cast<long long>(*parseCount(v)));
        });
}

void addCountOption(OptionDefiner& d, CLI::App& app, std::string description, std::uint64_t& count) {
    d.value(
        app, "-c,--count", "N", std::move(description),
        [](const std::string& v) {
            const auto n = parseCount(v);
            return n && *n != 0 ? std::string() : "expected a number of messages of at least 1, got " + quote(v);
        },
        [&count](const std::string& v) { count = *parseCount(v); });
}

void addJsonOption(OptionDefiner& d, CLI::App& app, std::string description, bool& json) {
    d.flag(app, "-j,--json", std::move(description), [&json] { json = true; });
}

void addStatsOption(OptionDefiner& d, CLI::App& app, std::string description, bool& stats) {
    d.flag(app, "--stats", std::move(description), [&stats] { stats = true; });
}

void addRecordOptions(OptionDefiner& d, CLI::App& app, std::string description, std::string& path, bool& force) {
    d.value(
        app, "-r,--record", "FILE", std::move(description),
        checkFileName, [&path](const std::string& v) { path = v; });
    d.flag(app, "--force", "let --record overwrite an existing file (never through a symbolic link).",
           [&force] { force = true; });
}


void addSizeOption(OptionDefiner& d, CLI::App& app, const std::string& names, std::string description, std::size_t max,
             std::size_t& out) {
    d.value(
        app, names, "N", std::move(description), [max](const std::string& v) { return checkSize(v, max); },
        [&out](const std::string& v) { out = *parseSize(v); });
}

void addBufferOptions(OptionDefiner& d, CLI::App& app, std::size_t& inBuffer, std::size_t& outBuffer,
                      std::size_t& highWater) {
    addSizeOption(d, app, "--in-buffer", "ac_in_buffer_size: bytes per recv (default 64K, at most " +
                                       sizeText(kMaxBufferSize) + ").",
            kMaxBufferSize, inBuffer);
    addSizeOption(d, app, "--out-buffer", "ac_out_buffer_size: bytes per send, and the chunk size of --send-file (default 64K, at most " +
                                        sizeText(kMaxBufferSize) + ").",
            kMaxBufferSize, outBuffer);
    addSizeOption(d, app, "--high-water",
            "queued output that counts as backpressure (default 4M, at most " + sizeText(kMaxLimitSize) +
                "); an --echo channel stops reading while above it, and so does stdin.",
            kMaxLimitSize, highWater);
}

void addMaxMessageOption(OptionDefiner& d, CLI::App& app, std::size_t& maxMessage) {
    addSizeOption(d, app, "--max-message",
            "a message may grow to N bytes without its terminator; past that it is passed on without one, with a "
            "warning (default 4M, at most " +
                sizeText(kMaxLimitSize) + ").",
            kMaxLimitSize, maxMessage);
}

void addMaxBufferedOption(OptionDefiner& d, CLI::App& app, std::size_t& maxBuffered) {
    addSizeOption(d, app, "--max-buffered",
                  "input the accepted connections may hold together before it is framed (default 256M, at most " +
                      sizeText(kMaxBudgetSize) +
                      "); past it the largest holders stop being read until the total falls below 3/4 of it, "
                      "with a warning. Nothing is dropped.",
                  kMaxBudgetSize, maxBuffered);
}

}  // namespace cli
