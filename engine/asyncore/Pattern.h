// Pattern.h — a regular expression over bytes, compiled with limits: the one
// matcher for untrusted data (replay ignore rules now; reply rules and
// send/expect scripts later).
//
// What it does: Pattern::compile() turns a pattern in RE2 syntax into a
// matcher, or refuses it with a one-line message: a pattern longer than
// PatternLimits::maxPatternBytes ("pattern too long (100000 bytes; the limit
// is 4096)"), one whose compiled program would need more memory than
// PatternLimits::maxMemory, and every syntax error (RE2's own text, the
// offending fragment escaped and cut short). Matching works on bytes, not
// text: pattern and subject are read as Latin-1, so every byte value 0-255
// is one character and no subject is ever invalid. RE2 matches in time
// linear in the subject, without recursion or backtracking: no subject can
// overflow the stack or take exponential time, whatever a peer sends.
// Semantics are RE2's (leftmost-first, like Perl and ECMAScript), with `.`
// matching any byte but '\n'; there are no backreferences and no
// lookaround (the compile error says so).
// find() gives the leftmost match at or after a position with its capture
// groups, findAll() every non-overlapping non-empty match in order (the
// ranges an ignore rule leaves out), contains() and fullMatch() a yes/no.
// Positions are byte offsets into the subject; anchors (^ $ \b) see the
// whole subject even when the search starts later.
// What it owns: the compiled program, immutable and shared by copies.
// Threads: any. A compiled Pattern may be used from several threads at once
// (RE2 matching is thread-safe); compile() has no shared state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace re2 {
class RE2;
}

namespace engine {

/// What Pattern::compile() accepts.
struct PatternLimits {
    static constexpr std::size_t kDefaultMaxPatternBytes = 4096;
    static constexpr std::int64_t kDefaultMaxMemory = std::int64_t{8} << 20;

    /// The longest pattern, in bytes.
    std::size_t maxPatternBytes = kDefaultMaxPatternBytes;
    /// RE2's max_mem: roughly what the compiled program and its matching
    /// caches may take. A pattern whose program does not fit is refused; a
    /// match whose cache fills up goes on more slowly, still in linear time.
    std::int64_t maxMemory = kDefaultMaxMemory;
};

/// A byte range [first, second) within a subject.
using ByteRange = std::pair<std::size_t, std::size_t>;

/// One match: where it is, and where each capture group is.
struct PatternMatch {
    ByteRange range;
    /// Groups 1…n in the order of their opening parentheses; nullopt for a
    /// group that took no part in the match (`(a)|b` matching "b").
    std::vector<std::optional<ByteRange>> groups;
};

class Pattern {
public:
    /// Compiles `pattern`. nullopt when it is refused; `error` (if given)
    /// then says why, in one line of printable text.
    static std::optional<Pattern> compile(std::string_view pattern, std::string* error = nullptr,
                                          const PatternLimits& limits = {});

    /// The pattern as given.
    const std::string& source() const noexcept { return m_source; }
    /// Number of capture groups.
    std::size_t groupCount() const noexcept;

    /// The leftmost match that starts at or after `from` (nullopt: none, or
    /// `from` past the end), with its groups.
    std::optional<PatternMatch> find(std::string_view subject, std::size_t from = 0) const;
    /// find() from the start, for hot paths (protocol programs match every
    /// message): the whole match then groups 1…n as views into `subject`
    /// (an empty view for a group that took no part), written into
    /// `captures` (resized; its capacity is reused, so a steady stream of
    /// matches allocates nothing). False, and `captures` cleared, when it does not match.
    bool findViews(std::string_view subject, std::vector<std::string_view>& captures) const;
    /// Every non-empty match, left to right, not overlapping (after an empty
    /// match the search goes on one byte further).
    std::vector<ByteRange> findAll(std::string_view subject) const;
    /// Whether the pattern matches anywhere in `subject`.
    bool contains(std::string_view subject) const;
    /// Whether the pattern matches the whole of `subject`.
    bool fullMatch(std::string_view subject) const;

    /// `pattern` for a message: printable ASCII as it is, other bytes
    /// escaped (\r \n \t \0 \xNN), cut after `max` bytes with "…(N bytes)",
    /// so a hostile or huge pattern never floods or garbles a terminal.
    static std::string excerpt(std::string_view pattern, std::size_t max = 60);

private:
    Pattern(std::string source, std::shared_ptr<const re2::RE2> re);

    std::string m_source;
    std::shared_ptr<const re2::RE2> m_re;
};

}  // namespace engine
