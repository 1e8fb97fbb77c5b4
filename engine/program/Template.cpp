// Template.cpp — reply templates: parsing and rendering.
#include "engine/program/Template.h"

#include "engine/asyncore/Escape.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <utility>

namespace engine::program {

namespace {

std::string printableChar(char c) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f) return std::string(1, c);
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\x%02x", u);
    return buf;
}

// The macro without an argument called `name` ({{counter}}, {{date}}, …).
std::optional<Template::PartKind> namedMacro(std::string_view name) {
    using K = Template::PartKind;
    static constexpr std::pair<std::string_view, K> kMacros[] = {{"counter", K::Counter}, {"date", K::Date},
                                                                 {"time", K::Time},       {"unixtime", K::UnixTime},
                                                                 {"random", K::Random},   {"uuid", K::Uuid}};
    for (const auto& [macro, kind] : kMacros)
        if (name == macro) return kind;
    return std::nullopt;
}

// One escape at text[i] == '\\': appends its byte, returns the characters used (0: bad).
std::size_t decodeEscape(std::string_view text, std::size_t i, std::string& out, std::string* error, bool templateEscapes) {
    if (i + 1 >= text.size()) {
        if (error) *error = "a lone backslash at column " + std::to_string(i + 1) + " ends the text";
        return 0;
    }
    const char c = text[i + 1];
    switch (c) {
    case 'r': out += '\r'; return 2;
    case 'n': out += '\n'; return 2;
    case 't': out += '\t'; return 2;
    case '0': out += '\0'; return 2;
    case '\\': out += '\\'; return 2;
    case '"': out += '"'; return 2;
    case 'x': {
        const int hi = i + 2 < text.size() ? hexValue(text[i + 2]) : -1;
        const int lo = i + 3 < text.size() ? hexValue(text[i + 3]) : -1;
        if (hi < 0 || lo < 0) {
            if (error) *error = "\\x at column " + std::to_string(i + 1) + " needs two hex digits (\\x0b)";
            return 0;
        }
        out += static_cast<char>(hi * 16 + lo);
        return 4;
    }
    default:
        if (templateEscapes && (c == '$' || c == '{')) {
            out += c;
            return 2;
        }
        if (error)
            *error = "unknown escape '\\" + printableChar(c) + "' at column " + std::to_string(i + 1) +
                     "; use \\r \\n \\t \\0 \\\\ \\\" or \\xNN" + (templateEscapes ? " (\\$ \\{ in a reply)" : "");
        return 0;
    }
}

}  // namespace

std::optional<std::string> decodeLiteral(std::string_view raw, std::string* error) {
    std::string out;
    out.reserve(raw.size());
    for (std::size_t i = 0; i < raw.size();) {
        if (raw[i] != '\\') {
            out += raw[i++];
            continue;
        }
        const std::size_t used = decodeEscape(raw, i, out, error, false);
        if (!used) return std::nullopt;
        i += used;
    }
    return out;
}

std::optional<Template> Template::parse(std::string_view text, std::string* error) {
    Template t;
    std::string lit;
    auto flush = [&] {
        if (lit.empty()) return;
        t.m_parts.push_back({PartKind::Literal, std::move(lit), 0});
        lit.clear();
    };
    auto fail = [&](std::string why) -> std::optional<Template> {
        if (error) *error = std::move(why);
        return std::nullopt;
    };
    for (std::size_t i = 0; i < text.size();) {
        const char c = text[i];
        if (c == '\\') {
            const std::size_t used = decodeEscape(text, i, lit, error, true);
            if (!used) return std::nullopt;
            i += used;
        } else if (c == '$') {
            if (i + 1 < text.size() && text[i + 1] == '$') {
                lit += '$';
                i += 2;
            } else if (i + 1 < text.size() && text[i + 1] >= '0' && text[i + 1] <= '9') {
                flush();
                t.m_parts.push_back({PartKind::Capture, {}, static_cast<std::size_t>(text[i + 1] - '0')});
                i += 2;
            } else {
                lit += '$';  // a '$' before anything else stands for itself ("$-1")
                ++i;
            }
        } else if (c == '{' && i + 1 < text.size() && text[i + 1] == '{') {
            const std::size_t close = text.find("}}", i + 2);
            if (close == std::string_view::npos)
                return fail("{{ at column " + std::to_string(i + 1) + " is not closed by }}");
            std::string_view name = text.substr(i + 2, close - i - 2);
            while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
            while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
            auto number = [](std::string_view s) -> std::optional<std::size_t> {
                if (s.empty() || s.size() > 3) return std::nullopt;
                std::size_t n = 0;
                for (char d : s) {
                    if (d < '0' || d > '9') return std::nullopt;
                    n = n * 10 + static_cast<std::size_t>(d - '0');
                }
                return n;
            };
            Part p;
            if (auto n = number(name)) {
                p.kind = PartKind::Capture;
                p.group = *n;
            } else if (name.substr(0, 4) == "len " && number(name.substr(4))) {
                p.kind = PartKind::CaptureLength;
                p.group = *number(name.substr(4));
            } else if (const auto kind = namedMacro(name)) {
                p.kind = *kind;
            } else {
                std::string shown;
                for (char ch : name.substr(0, 40)) shown += printableChar(ch);
                return fail("unknown macro {{" + shown + "}} at column " + std::to_string(i + 1) +
                            "; use {{N}} {{len N}} {{counter}} {{date}} {{time}} {{unixtime}} {{random}} {{uuid}}");
            }
            flush();
            t.m_parts.push_back(std::move(p));
            i = close + 2;
        } else {
            lit += c;
            ++i;
        }
    }
    flush();
    return t;
}

std::size_t Template::highestGroup() const noexcept {
    std::size_t g = 0;
    for (const Part& p : m_parts)
        if ((p.kind == PartKind::Capture || p.kind == PartKind::CaptureLength) && p.group > g) g = p.group;
    return g;
}

bool Template::isLiteral() const noexcept {
    for (const Part& p : m_parts)
        if (p.kind != PartKind::Literal) return false;
    return true;
}

namespace {
std::uint64_t nextRandom(RenderContext& ctx) {
    if (ctx.random64) return ctx.random64();
    // splitmix64: small, fast, good enough for {{random}} and {{uuid}} (not cryptographic).
    std::uint64_t z = (ctx.rngState += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

std::tm utcOf(std::int64_t secs) {
    // Civil-from-days (Howard Hinnant), so no gmtime_r / gmtime_s split.
    std::int64_t days = secs / 86400;
    std::int64_t rem = secs % 86400;
    if (rem < 0) {
        rem += 86400;
        --days;
    }
    days += 719468;
    const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    const std::int64_t doe = days - era * 146097;
    const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const std::int64_t mp = (5 * doy + 2) / 153;
    const std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
    const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
    const std::int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
    std::tm t{};
    t.tm_year = static_cast<int>(y - 1900);
    t.tm_mon = static_cast<int>(m - 1);
    t.tm_mday = static_cast<int>(d);
    t.tm_hour = static_cast<int>(rem / 3600);
    t.tm_min = static_cast<int>(rem % 3600 / 60);
    t.tm_sec = static_cast<int>(rem % 60);
    return t;
}
}  // namespace

std::string Template::render(const std::vector<std::string_view>& captures, RenderContext& ctx) const {
    std::string out;
    auto now = [&]() -> std::int64_t {
        if (ctx.unixTime) return ctx.unixTime();
        return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    };
    char buf[64];
    for (const Part& p : m_parts) {
        switch (p.kind) {
        case PartKind::Literal: out += p.text; break;
        case PartKind::Capture:
            if (p.group < captures.size()) out += captures[p.group];
            break;
        case PartKind::CaptureLength:
            out += std::to_string(p.group < captures.size() ? captures[p.group].size() : 0);
            break;
        case PartKind::Counter: out += std::to_string(++ctx.counter); break;
        case PartKind::Date: {
            const std::tm t = utcOf(now());
            std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", t.tm_year + 1900, t.tm_mon + 1, t.tm_mday);
            out += buf;
            break;
        }
        case PartKind::Time: {
            const std::tm t = utcOf(now());
            std::snprintf(buf, sizeof buf, "%02d:%02d:%02d", t.tm_hour, t.tm_min, t.tm_sec);
            out += buf;
            break;
        }
        case PartKind::UnixTime: out += std::to_string(now()); break;
        case PartKind::Random: out += std::to_string(nextRandom(ctx) & 0xffffffffu); break;
        case PartKind::Uuid: {
            const std::uint64_t a = nextRandom(ctx);
            const std::uint64_t b = nextRandom(ctx);
            std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                          static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xfff),
                          static_cast<unsigned>(0x8000 | ((b >> 48) & 0x3fff)),
                          static_cast<unsigned long long>(b & 0xffffffffffffull));
            out += buf;
            break;
        }
        }
    }
    return out;
}

}  // namespace engine::program
