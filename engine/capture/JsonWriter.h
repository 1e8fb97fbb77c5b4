// JsonWriter.h — writing the JSON of the session format: one object per
// line, fields in the order they are written, no spaces.
//
// What it does: appendJsonString() writes a string as JSON (`"`, `\`, and
// control characters escaped; valid UTF-8 kept as it is; a byte that is not
// part of valid UTF-8 becomes U+FFFD, so every line is valid UTF-8 JSON).
// JsonObjectWriter writes one object into a string: `{` when made, then
// key/value pairs, `}` at end(); objects and arrays inside are written
// through raw() after key().
// What it owns: nothing (it appends to the caller's string).
// Threads: any; one writer per string.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace engine {

/// Appends `s` as a JSON string, quotes included.
void appendJsonString(std::string& out, std::string_view s);

/// `s` as a reader gets it back from appendJsonString() (each byte that is
/// not part of valid UTF-8 becomes U+FFFD), cut to at most `maxChars`
/// characters (code points, `maxChars` >= 1): a longer string keeps its
/// first `maxChars` - 1 and ends in "…" (U+2026).
std::string clampedUtf8(std::string_view s, std::size_t maxChars);

class JsonObjectWriter {
public:
    /// Writes `{`.
    explicit JsonObjectWriter(std::string& out) : m_out(out) { m_out.push_back('{'); }
    /// Writes `}`.
    void end() { m_out.push_back('}'); }

    /// `"k":` (after a comma unless it is the first key); the value follows through raw().
    void key(std::string_view k);
    void str(std::string_view k, std::string_view v);
    void num(std::string_view k, std::int64_t v);
    void unum(std::string_view k, std::uint64_t v);
    void boolean(std::string_view k, bool v);
    /// `"k":["a","b"]`.
    template <class Names>
    void strings(std::string_view k, const Names& names) {
        key(k);
        m_out.push_back('[');
        bool first = true;
        for (std::string_view name : names) {
            if (!first) m_out.push_back(',');
            first = false;
            appendJsonString(m_out, name);
        }
        m_out.push_back(']');
    }
    /// The string being written, to put a nested value after key().
    std::string& raw() { return m_out; }

private:
    std::string& m_out;
    bool m_first = true;
};

}  // namespace engine
