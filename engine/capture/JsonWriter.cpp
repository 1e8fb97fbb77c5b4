// JsonWriter.cpp — JSON strings (with UTF-8 checked) and objects.
#include "engine/capture/JsonWriter.h"

namespace engine {
namespace {

// The length of the valid UTF-8 sequence at s[i], or 0.
std::size_t utf8Length(std::string_view s, std::size_t i) noexcept {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    unsigned min = 0;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        min = 0x10000;
    } else {
        return 0;
    }
    if (i + n > s.size()) return 0;
    unsigned cp = c & (0xffu >> (n + 1));
    for (std::size_t k = 1; k < n; ++k) {
        const auto cc = static_cast<unsigned char>(s[i + k]);
        if ((cc & 0xc0) != 0x80) return 0;
        cp = (cp << 6) | (cc & 0x3fu);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    return n;
}

}  // namespace

void appendJsonString(std::string& out, std::string_view s) {
    static constexpr char kHex[] = "0123456789abcdef";
    out.push_back('"');
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        const auto u = static_cast<unsigned char>(c);
        switch (c) {
        case '"': out += "\\\""; continue;
        case '\\': out += "\\\\"; continue;
        case '\n': out += "\\n"; continue;
        case '\r': out += "\\r"; continue;
        case '\t': out += "\\t"; continue;
        default: break;
        }
        if (u < 0x20) {
            out += "\\u00";
            out.push_back(kHex[u >> 4]);
            out.push_back(kHex[u & 15]);
        } else if (u < 0x80) {
            out.push_back(c);
        } else if (const std::size_t n = utf8Length(s, i)) {
            out.append(s.substr(i, n));
            i += n - 1;
        } else {
            out += "\\ufffd";  // not UTF-8 (only possible in messages from the system)
        }
    }
    out.push_back('"');
}

std::string clampedUtf8(std::string_view s, std::size_t maxChars) {
    static constexpr std::string_view kReplacement = "\xef\xbf\xbd";
    static constexpr std::string_view kEllipsis = "\xe2\x80\xa6";
    std::string out;
    std::size_t chars = 0;
    std::size_t keep = 0;  // out's size after maxChars - 1 characters
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (chars + 1 == maxChars) keep = out.size();
        if (chars == maxChars) {
            out.resize(keep);
            out += kEllipsis;
            return out;
        }
        const auto u = static_cast<unsigned char>(s[i]);
        if (u < 0x80) {
            out.push_back(s[i]);
        } else if (const std::size_t n = utf8Length(s, i)) {
            out.append(s.substr(i, n));
            i += n - 1;
        } else {
            out += kReplacement;
        }
        ++chars;
    }
    return out;
}

void JsonObjectWriter::key(std::string_view k) {
    if (!m_first) m_out.push_back(',');
    m_first = false;
    appendJsonString(m_out, k);
    m_out.push_back(':');
}

void JsonObjectWriter::str(std::string_view k, std::string_view v) {
    key(k);
    appendJsonString(m_out, v);
}

void JsonObjectWriter::num(std::string_view k, std::int64_t v) {
    key(k);
    m_out += std::to_string(v);
}

void JsonObjectWriter::unum(std::string_view k, std::uint64_t v) {
    key(k);
    m_out += std::to_string(v);
}

void JsonObjectWriter::boolean(std::string_view k, bool v) {
    key(k);
    m_out += v ? "true" : "false";
}

}  // namespace engine
