// Values.h — the value rules of linewright-cli's command line: sizes,
// counts, decimal numbers and seconds, each with its exact syntax and
// bounds, and quote() for messages.
//
// What it does: turns one option value (text) into a number, or says no.
// The option definitions (OptionGroups.h) wrap these in CLI11 validators
// that word the refusal; nothing here knows option names.
// What it owns: nothing.
// Threads: any; no shared state.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cli {

/// 'text', for messages.
std::string quote(std::string_view s);

/// A whole number of bytes: N, or N with K, M or G (powers of 1024); at most 1 TiB.
std::optional<std::size_t> parseSize(std::string_view text);
/// `bytes` as the command line writes it: "16M", "64K", "100" (the largest suffix that divides it).
std::string sizeText(std::size_t bytes);
/// A whole number in decimal digits, nothing else around it.
std::optional<std::uint64_t> parseCount(std::string_view text);
/// A finite decimal number greater than 0, written in decimal digits with
/// an optional fraction ("2", "0.5", ".5", "2."): no sign, exponent, hex,
/// "inf"/"nan" or spaces.
std::optional<double> parseDecimal(std::string_view text);
/// Seconds as a decimal number (parseDecimal): more than 0, at most a
/// year, rounded up to whole milliseconds (at least 1).
std::optional<std::chrono::milliseconds> parseSeconds(std::string_view text);

}  // namespace cli
