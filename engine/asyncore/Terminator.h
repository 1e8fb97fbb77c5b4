// Terminator.h — asynchat's terminator value, and find_prefix_at_end().
//
// What it does: a Terminator is one of three things, exactly as
// async_chat.set_terminator() accepts them (conformance A1):
//   * Bytes  — a byte string (possibly empty, which frames like None),
//   * Count  — a number of bytes still to collect (0 frames like None),
//   * None   — no framing: every received byte is collected.
// get_terminator() returns the value as it was stored, so Bytes("") and
// Count(0) stay distinguishable from None even though they frame alike (R6).
// The search helpers are pure functions used by AsyncChat::handleRead().
// What it owns: its bytes.
// Threads: a plain value type; any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace engine {

class Terminator {
public:
    enum class Kind : std::uint8_t { None, Bytes, Count };

    /// None: collect everything (Python's `None`).
    Terminator() = default;
    static Terminator none() { return Terminator(); }
    static Terminator bytes(std::string_view b) { return Terminator(Kind::Bytes, std::string(b), 0); }
    /// A byte count. Negative values throw std::invalid_argument with CPython's
    /// message "the number of received bytes must be positive" (A2); 0 is allowed.
    static Terminator count(long long n) {
        if (n < 0) throwNegativeCount();
        return Terminator(Kind::Count, std::string(), static_cast<std::uint64_t>(n));
    }

    Kind kind() const noexcept { return m_kind; }
    bool isNone() const noexcept { return m_kind == Kind::None; }
    bool isBytes() const noexcept { return m_kind == Kind::Bytes; }
    bool isCount() const noexcept { return m_kind == Kind::Count; }
    /// The byte string (empty unless isBytes()).
    const std::string& bytesValue() const noexcept { return m_bytes; }
    /// The count (0 unless isCount()).
    std::uint64_t countValue() const noexcept { return m_count; }
    /// Python truthiness: false for None, b'' and 0 (they all collect everything).
    bool framesInput() const noexcept {
        return (m_kind == Kind::Bytes && !m_bytes.empty()) || (m_kind == Kind::Count && m_count > 0);
    }

    /// A display form: "b'\\r\\n'", "count:5", "none".
    std::string describe() const;

    friend bool operator==(const Terminator& a, const Terminator& b) noexcept {
        return a.m_kind == b.m_kind && a.m_bytes == b.m_bytes && a.m_count == b.m_count;
    }

private:
    [[noreturn]] static void throwNegativeCount();
    Terminator(Kind k, std::string b, std::uint64_t c) : m_kind(k), m_bytes(std::move(b)), m_count(c) {}
    Kind m_kind = Kind::None;
    std::string m_bytes;
    std::uint64_t m_count = 0;
};

/// asynchat.find_prefix_at_end(haystack, needle): the largest l in
/// 1 … len(needle)-1 such that haystack ends with needle[:l], or 0.
/// Always 0 for a 1-byte needle (S2). For an empty needle CPython returns -1
/// (S3); we return 0 instead — see docs/conformance.md. Cost is
/// O(len(needle)) in the common case: only tail positions holding needle[0]
/// are compared.
std::size_t findPrefixAtEnd(std::string_view haystack, std::string_view needle) noexcept;

namespace detail {
std::size_t findLongTerminator(std::string_view haystack, std::string_view needle) noexcept;
}

/// The leftmost occurrence of `needle` in `haystack`, or npos. memchr for
/// the first byte of a needle of up to 16 bytes (the usual "\r\n", "\n",
/// "\r\n\r\n"), then the rest compared in place: inline, as handleRead()
/// calls it once per record. A linear-time substring search (glibc/BSD
/// memmem, else Boyer-Moore-Horspool) for longer ones. npos for an empty needle.
inline std::size_t findTerminator(std::string_view haystack, std::string_view needle) noexcept {
    const std::size_t n = needle.size();
    if (n == 0 || haystack.size() < n) return std::string_view::npos;
    if (n > 16) return detail::findLongTerminator(haystack, needle);
    const char* const base = haystack.data();
    const char* p = base;
    // The last position where the needle can start, plus one.
    const char* const end = base + (haystack.size() - n + 1);
    const char first = needle.front();
    while (p < end) {
        p = static_cast<const char*>(std::memchr(p, first, static_cast<std::size_t>(end - p)));
        if (!p) return std::string_view::npos;
        std::size_t i = 1;
        while (i < n && p[i] == needle[i]) ++i;
        if (i == n) return static_cast<std::size_t>(p - base);
        ++p;
    }
    return std::string_view::npos;
}

}  // namespace engine
