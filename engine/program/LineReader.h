// LineReader.h — the tokenizer of one line of the two small languages built
// on this layer: protocol programs (Program.cpp) and conversation scripts
// (engine/script/Script.cpp), so that both read words, quoted strings and
// comments the same way.
//
// What it does: walks a line left to right, skipping blanks (space, tab):
// eat() a fixed token, word() an identifier-like word (letters, digits,
// '-', '_', '.'), bareWord() anything up to a blank, a quote or a comma,
// quoted() the raw inside of a "…" string (escapes left as written; the
// caller decodes them), untilSemicolon(), rest(). stripComment() cuts a
// line at a '#' outside a quoted string.
// What it owns: nothing (a view of the caller's line).
// Threads: any; an instance is used by one thread.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace engine::program {

class LineReader {
public:
    explicit LineReader(std::string_view line) : m_s(line) {}

    void skip() {
        while (m_i < m_s.size() && (m_s[m_i] == ' ' || m_s[m_i] == '\t')) ++m_i;
    }
    bool atEnd() {
        skip();
        return m_i >= m_s.size();
    }
    char peek() {
        skip();
        return m_i < m_s.size() ? m_s[m_i] : '\0';
    }
    /// Takes `token` if the line goes on with it.
    bool eat(std::string_view token) {
        skip();
        if (m_s.substr(m_i, token.size()) != token) return false;
        m_i += token.size();
        return true;
    }
    /// An identifier-like word: letters, digits, '-', '_' and '.'.
    std::string_view word() {
        skip();
        const std::size_t start = m_i;
        while (m_i < m_s.size() && isWordByte(m_s[m_i])) ++m_i;
        return m_s.substr(start, m_i - start);
    }
    /// A bare word: anything up to a blank, a quote or a comma.
    std::string_view bareWord() {
        skip();
        const std::size_t start = m_i;
        while (m_i < m_s.size() && m_s[m_i] != ' ' && m_s[m_i] != '\t' && m_s[m_i] != '"' && m_s[m_i] != ',') ++m_i;
        return m_s.substr(start, m_i - start);
    }
    /// Puts back the word just read.
    void unread(std::string_view justRead) { m_i -= justRead.size(); }
    /// The raw inside of a "…" string (escapes left as written); nullopt: no
    /// string here or not closed, with the reason in `*error` when given.
    std::optional<std::string_view> quoted(std::string* error) {
        skip();
        if (m_i >= m_s.size() || m_s[m_i] != '"') {
            if (error) *error = "a quoted string \"…\" is expected";
            return std::nullopt;
        }
        const std::size_t start = ++m_i;
        while (m_i < m_s.size() && m_s[m_i] != '"') m_i += m_s[m_i] == '\\' ? std::size_t{2} : std::size_t{1};
        if (m_i >= m_s.size()) {
            if (error) *error = "the quoted string is not closed (a '\"' is missing)";
            return std::nullopt;
        }
        return m_s.substr(start, m_i++ - start);
    }
    /// The text up to the next ';' (or the end), trimmed.
    std::string_view untilSemicolon() {
        skip();
        const std::size_t start = m_i;
        while (m_i < m_s.size() && m_s[m_i] != ';') ++m_i;
        std::string_view r = m_s.substr(start, m_i - start);
        while (!r.empty() && (r.back() == ' ' || r.back() == '\t')) r.remove_suffix(1);
        return r;
    }
    std::string_view rest() {
        skip();
        return m_s.substr(m_i);
    }

private:
    static bool isWordByte(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
               c == '.';
    }

    std::string_view m_s;
    std::size_t m_i = 0;
};

/// The line without its comment: from a '#' outside a quoted string on.
inline std::string_view stripComment(std::string_view line) {
    bool inQuote = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (inQuote && c == '\\') {
            ++i;
        } else if (c == '"') {
            inQuote = !inQuote;
        } else if (c == '#' && !inQuote) {
            return line.substr(0, i);
        }
    }
    return line;
}

}  // namespace engine::program
