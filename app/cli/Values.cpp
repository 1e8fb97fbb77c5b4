// Values.cpp — the value rules of linewright-cli's command line.
#include "app/cli/Values.h"

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

std::string sizeText(std::size_t bytes) {
    static constexpr std::pair<std::size_t, char> kUnits[] = {{std::size_t{1} << 30, 'G'}, {std::size_t{1} << 20, 'M'}, {std::size_t{1} << 10, 'K'}};
    for (const auto& [unit, suffix] : kUnits)
        if (bytes >= unit && bytes % unit == 0) return std::to_string(bytes / unit) + suffix;
    return std::to_string(bytes);
}

std::optional<std::uint64_t> parseCount(std::string_view text) {
    std::uint64_t n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return n;
}

std::optional<double> parseDecimal(std::string_view text) {
    // The grammar first: strtod alone would also take " 5", "+5", "1e3",
    // "0x10" (hexadecimal floating point) and "infinity".
    std::size_t digits = 0;
    std::size_t points = 0;
    for (const char c : text) {
        if (c >= '0' && c <= '9')
            ++digits;
        else if (c == '.')
            ++points;
        else
            return std::nullopt;
    }
    if (digits == 0 || points > 1) return std::nullopt;
    // Only digits and one '.' are left, which strtod reads the same in the
    // "C" locale this program runs in.
    const std::string copy(text);
    char* end = nullptr;
    const double v = std::strtod(copy.c_str(), &end);
    if (end != copy.c_str() + copy.size() || !std::isfinite(v) || v <= 0) return std::nullopt;
    return v;
}

std::optional<std::chrono::milliseconds> parseSeconds(std::string_view text) {
    const auto v = parseDecimal(text);
    if (!v || *v > 366.0 * 86400) return std::nullopt;
    const auto ms = static_cast<long long>(std::ceil(*v * 1000.0));
    return std::chrono::milliseconds(ms < 1 ? 1 : ms);
}

}  // namespace cli
