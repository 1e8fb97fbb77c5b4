// Escape.cpp — escaped text: parse with precise errors, render reversibly.
#include "engine/asyncore/Escape.h"

#include <charconv>
#include <cstdint>
#include <system_error>

namespace engine {

int hexValue(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

namespace {

// A byte as the user would see it in an error message.
std::string shown(char c) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f) return std::string(1, c);
    return renderEscaped(std::string_view(&c, 1));
}

bool fail(EscapeError* error, std::size_t position, std::string message) {
    if (error) {
        error->position = position;
        error->message = std::move(message);
    }
    return false;
}

constexpr std::string_view kEscapes = "use \\r \\n \\t \\0 \\\\ or \\xNN";

}  // namespace

std::optional<std::string> parseEscaped(std::string_view text, EscapeError* error) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c != '\\') {
            out.push_back(c);
            continue;
        }
        const std::size_t pos = i + 1;  // 1-based position of the backslash
        if (i + 1 >= text.size()) {
            fail(error, pos,
                 "a lone backslash ends the text at position " + std::to_string(pos) + "; write \\\\ for a backslash");
            return std::nullopt;
        }
        const char e = text[++i];
        switch (e) {
        case 'r': out.push_back('\r'); break;
        case 'n': out.push_back('\n'); break;
        case 't': out.push_back('\t'); break;
        case '0': out.push_back('\0'); break;
        case '\\': out.push_back('\\'); break;
        case 'x': {
            const int hi = i + 1 < text.size() ? hexValue(text[i + 1]) : -1;
            const int lo = i + 2 < text.size() ? hexValue(text[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                fail(error, pos,
                     "\\x at position " + std::to_string(pos) + " must be followed by two hex digits (e.g. \\x0d)");
                return std::nullopt;
            }
            out.push_back(static_cast<char>(hi * 16 + lo));
            i += 2;
            break;
        }
        default:
            fail(error, pos,
                 "unknown escape '\\" + shown(e) + "' at position " + std::to_string(pos) + "; " +
                     std::string(kEscapes));
            return std::nullopt;
        }
    }
    return out;
}

void appendHexEscape(std::string& out, unsigned char c) {
    static constexpr char kHex[] = "0123456789abcdef";
    out += "\\x";
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 0x0f]);
}

std::string printableAscii(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size());
    for (const char c : bytes) {
        const auto u = static_cast<unsigned char>(c);
        if (u >= 0x20 && u < 0x7f)
            out.push_back(c);
        else
            appendHexEscape(out, u);
    }
    return out;
}

void appendEscaped(std::string& out, std::string_view bytes) {
    out.reserve(out.size() + bytes.size());
    for (const char c : bytes) {
        const auto u = static_cast<unsigned char>(c);
        switch (c) {
        case '\r': out += "\\r"; continue;
        case '\n': out += "\\n"; continue;
        case '\t': out += "\\t"; continue;
        case '\0': out += "\\0"; continue;
        case '\\': out += "\\\\"; continue;
        default: break;
        }
        if (u >= 0x20 && u < 0x7f)
            out.push_back(c);
        else
            appendHexEscape(out, u);
    }
}

namespace {

/// The length of the valid UTF-8 sequence at the start of `s` (2 to 4), or 0
/// when it is not one: overlong forms, surrogates, code points past U+10FFFF
/// and the C1 controls U+0080–U+009F (a terminal may act on them) are refused.
std::size_t utf8Sequence(std::string_view s) {
    const auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
    const unsigned char c = b(0);
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        cp = c & 0x1fu;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        cp = c & 0x0fu;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        cp = c & 0x07u;
    } else {
        return 0;
    }
    if (s.size() < n)
        return 0;
    for (std::size_t i = 1; i < n; ++i) {
        if ((b(i) & 0xc0u) != 0x80u)
            return 0;
        cp = (cp << 6) | (b(i) & 0x3fu);
    }
    const bool overlong = (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000);
    const bool bad = overlong || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff || (cp >= 0x80 && cp <= 0x9f);
    return bad ? 0 : n;
}

}  // namespace

void appendTerminalSafe(std::string& out, std::string_view bytes, TerminalText mode) {
    out.reserve(out.size() + bytes.size());
    for (std::size_t i = 0; i < bytes.size();) {
        const char c = bytes[i];
        const auto u = static_cast<unsigned char>(c);
        if ((u >= 0x20 && u < 0x7f) || (mode == TerminalText::Multiline && (c == '\n' || c == '\t'))) {
            out.push_back(c);
            ++i;
            continue;
        }
        if (u >= 0x80) {
            if (const std::size_t n = utf8Sequence(bytes.substr(i)); n != 0) {
                out.append(bytes.substr(i, n));
                i += n;
                continue;
            }
        }
        switch (c) {
        case '\r': out += "\\r"; break;
        case '\n': out += "\\n"; break;
        case '\t': out += "\\t"; break;
        default: appendHexEscape(out, u);
        }
        ++i;
    }
}

std::string terminalSafe(std::string_view bytes, TerminalText mode) {
    std::string out;
    appendTerminalSafe(out, bytes, mode);
    return out;
}

std::string renderEscaped(std::string_view bytes) {
    std::string out;
    appendEscaped(out, bytes);
    return out;
}

std::optional<Terminator> parseTerminatorSpec(std::string_view spec, std::string* error) {
    auto refuse = [&](std::string message) -> std::optional<Terminator> {
        if (error) *error = std::move(message);
        return std::nullopt;
    };
    if (spec == "none") return Terminator::none();
    if (spec.empty()) return refuse("the terminator is empty; write 'none' to collect everything unframed");
    constexpr std::string_view kCount = "count:";
    if (spec.substr(0, kCount.size()) == kCount) {
        const std::string_view digits = spec.substr(kCount.size());
        std::uint64_t n = 0;
        const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
        if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() ||
            n > static_cast<std::uint64_t>(INT64_MAX))
            return refuse("'" + std::string(spec) + "' is not a count: write count:N with N a whole number of bytes");
        if (n == 0) return refuse("count:0 frames nothing; write 'none' to collect everything unframed");
        return Terminator::count(static_cast<long long>(n));
    }
    EscapeError e;
    auto bytes = parseEscaped(spec, &e);
    if (!bytes) return refuse(e.message);
    return Terminator::bytes(*bytes);
}

std::string terminatorSpec(const Terminator& t) {
    switch (t.kind()) {
    case Terminator::Kind::None: return "none";
    case Terminator::Kind::Count: return "count:" + std::to_string(t.countValue());
    case Terminator::Kind::Bytes: break;
    }
    std::string s = renderEscaped(t.bytesValue());
    // Keep the inverse exact for the two words the spec syntax reserves.
    if (s == "none" || s.rfind("count:", 0) == 0) s = "\\x" + std::string(s[0] == 'n' ? "6e" : "63") + s.substr(1);
    return s;
}

}  // namespace engine
