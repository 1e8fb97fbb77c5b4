// Terminator.cpp — the terminator value and the two searches async_chat uses.
#include "engine/asyncore/Terminator.h"

#include "engine/asyncore/Escape.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <stdexcept>

#if defined(__GLIBC__) || defined(__APPLE__) || defined(__FreeBSD__) || defined(__OpenBSD__) || \
    defined(__NetBSD__)
#define LW_HAVE_MEMMEM 1
#endif

namespace engine {

void Terminator::throwNegativeCount() {
    throw std::invalid_argument("the number of received bytes must be positive");
}

std::string Terminator::describe() const {
    switch (m_kind) {
    case Kind::None:
        return "none";
    case Kind::Count:
        return "count:" + std::to_string(m_count);
    case Kind::Bytes: {
        std::string out = "b'";
        for (const char ch : m_bytes) {
            const auto c = static_cast<unsigned char>(ch);
            switch (c) {
            case '\r': out += "\\r"; break;
            case '\n': out += "\\n"; break;
            case '\t': out += "\\t"; break;
            case '\\': out += "\\\\"; break;
            case '\'': out += "\\'"; break;
            default:
                if (c >= 0x20 && c < 0x7f)
                    out += static_cast<char>(c);
                else
                    appendHexEscape(out, c);
            }
        }
        out += '\'';
        return out;
    }
    }
    return {};
}

std::size_t findPrefixAtEnd(std::string_view haystack, std::string_view needle) noexcept {
    if (needle.size() < 2 || haystack.empty()) return 0;
    // Candidate prefixes start at the positions of the last len(needle)-1
    // bytes that equal needle[0]; the leftmost candidate that matches is the
    // longest prefix. (CPython tries l = len(needle)-1 down to 1.)
    const std::size_t maxLen = std::min(needle.size() - 1, haystack.size());
    const std::size_t from = haystack.size() - maxLen;
    const char first = needle.front();
    for (std::size_t i = from; i < haystack.size(); ++i) {
        if (haystack[i] != first) continue;
        const std::size_t l = haystack.size() - i;
        if (std::memcmp(haystack.data() + i, needle.data(), l) == 0) return l;
    }
    return 0;
}

std::size_t detail::findLongTerminator(std::string_view haystack, std::string_view needle) noexcept {
#if defined(LW_HAVE_MEMMEM)
    // glibc's memmem is the Two-Way algorithm: linear in the worst case.
    const void* p = ::memmem(haystack.data(), haystack.size(), needle.data(), needle.size());
    return p ? static_cast<std::size_t>(static_cast<const char*>(p) - haystack.data()) : std::string_view::npos;
#else
    auto it = std::search(haystack.begin(), haystack.end(),
                          std::boyer_moore_horspool_searcher(needle.begin(), needle.end()));
    return it == haystack.end() ? std::string_view::npos : static_cast<std::size_t>(it - haystack.begin());
#endif
}

}  // namespace engine
