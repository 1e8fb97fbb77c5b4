// CommandLine.cpp — the value parsers shared by linewright-cli's parsers.
#include "app/cli/CommandLine.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>

namespace cli {

std::string quote(std::string_view s) { return "'" + std::string(s) + "'"; }

std::optional<std::size_t> parseSize(std::string_view text) {
    if (text.empty()) return std::nullopt;
    std::uint64_t mult = 1;
    const char last = text.back();
    if (last == 'k' || last == 'K') mult = 1ull << 10;
    if (last == 'm' || last == 'M') mult = 1ull << 20;
    if (last == 'g' || last == 'G') mult = 1ull << 30;
    if (mult != 1) text.remove_suffix(1);
    const auto n = parseCount(text);
    if (!n || *n > (1ull << 40) / mult) return std::nullopt;
    return static_cast<std::size_t>(*n * mult);
}

std::optional<std::uint64_t> parseCount(std::string_view text) {
    std::uint64_t n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return n;
}

std::optional<double> parsePositive(const std::string& text) {
    if (text.empty()) return std::nullopt;
    char* end = nullptr;
    errno = 0;
    const double v = std::strtod(text.c_str(), &end);
    if (errno != 0 || end != text.c_str() + text.size() || !std::isfinite(v) || v <= 0) return std::nullopt;
    return v;
}

std::optional<std::chrono::milliseconds> parseSeconds(const std::string& text) {
    const auto v = parsePositive(text);
    if (!v || *v > 366.0 * 86400) return std::nullopt;
    const auto ms = static_cast<long long>(std::ceil(*v * 1000.0));
    return std::chrono::milliseconds(ms < 1 ? 1 : ms);
}

}  // namespace cli
