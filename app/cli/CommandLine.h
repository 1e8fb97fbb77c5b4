// CommandLine.h — what every linewright-cli parser shares: the scanner that
// splits argv into options and positional arguments, and the value parsers
// (sizes, counts, seconds) with their exact rules.
//
// What it does: ArgScanner walks the arguments one at a time, GNU style:
// `--name`, `--name=value`, `--name value`, `-x`, `-xVALUE`, `-x VALUE`; a
// lone `-` is positional; `--` ends the options. Each mistake (an unknown
// option, a value given to a flag, a missing value, short flags run
// together) comes back as one precise message. It walks lazily, so a
// parser may stop at --help before looking at what follows.
// What it owns: nothing (it reads the caller's arguments and option table).
// Threads: any; no shared state.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cli {

/// 'text', for messages.
std::string quote(std::string_view s);

/// A whole number of bytes: N, or N with K, M or G (powers of 1024); at most 1 TiB.
std::optional<std::size_t> parseSize(std::string_view text);
/// A whole number, nothing else around it.
std::optional<std::uint64_t> parseCount(std::string_view text);
/// A finite decimal number greater than 0.
std::optional<double> parsePositive(const std::string& text);
/// Seconds as a decimal number ("2", "0.5"): more than 0, at most a year,
/// rounded up to whole milliseconds (at least 1).
std::optional<std::chrono::milliseconds> parseSeconds(const std::string& text);

/// `Spec` is an option table's row: `longName` (std::string_view),
/// `shortName` (char, 0 for none) and `takesValue` (bool).
template <class Spec>
class ArgScanner {
public:
    enum class Kind { End, Positional, Option, Error };
    struct Item {
        Kind kind = Kind::End;
        const Spec* spec = nullptr;  ///< Option: its row.
        std::string name;            ///< Option: "--long", also when given as -x.
        std::string value;           ///< Option: its value; Positional: the argument; Error: the message.
    };

    ArgScanner(const std::vector<std::string>& args, std::span<const Spec> specs) : m_args(args), m_specs(specs) {}

    Item next() {
        if (m_pos >= m_args.size()) return {};
        const std::string& a = m_args[m_pos++];
        if (m_ended || a.size() < 2 || a[0] != '-' || a == "-") return {Kind::Positional, nullptr, {}, a};
        if (a == "--") {
            m_ended = true;
            return next();
        }
        const Spec* spec = nullptr;
        std::optional<std::string> value;
        if (a[1] == '-') {
            const std::string body = a.substr(2);
            const auto eq = body.find('=');
            const std::string name = body.substr(0, eq);
            if (eq != std::string::npos) value = body.substr(eq + 1);
            for (const Spec& s : m_specs)
                if (s.longName == name) spec = &s;
            if (!spec) return error("unknown option " + quote("--" + name) + " (see --help)");
            if (!spec->takesValue && value) return error("option --" + name + " takes no value");
        } else {
            for (const Spec& s : m_specs)
                if (s.shortName == a[1]) spec = &s;
            if (!spec) return error("unknown option " + quote(a.substr(0, 2)) + " (see --help)");
            if (a.size() > 2) {
                if (!spec->takesValue) return error("unknown option " + quote(a) + " (write short options separately)");
                value = a.substr(2);
            }
        }
        Item item{Kind::Option, spec, "--" + std::string(spec->longName), {}};
        if (spec->takesValue && !value) {
            if (m_pos >= m_args.size()) return error("option " + item.name + " needs a value");
            value = m_args[m_pos++];
        }
        item.value = value.value_or(std::string());
        return item;
    }

private:
    static Item error(std::string message) { return {Kind::Error, nullptr, {}, std::move(message)}; }

    const std::vector<std::string>& m_args;
    std::span<const Spec> m_specs;
    std::size_t m_pos = 0;
    bool m_ended = false;
};

}  // namespace cli
