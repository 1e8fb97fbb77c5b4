// Program.h — a protocol program: an ordered list of rules that frame a
// stream (by switching asynchat's terminator inside found_terminator) and
// answer it (replies from templates), read from a small text format.
//
// What it does: Program::parse() reads a program file (docs/presets.md is
// the reference). One statement per line; '#' starts a comment outside
// quotes; blank lines are ignored:
//   name redis                          the program's name
//   description "RESP2/RESP3"           one line of help
//   terminator "\r\n"                   the terminator to start with
//   max-count 1048576                   the largest count a rule may set (else the channel's max message)
//   rule NAME: [in STATE,] [from client|server,] [heard WORD|any,] [group,] MATCH [=> ACTION; ACTION …]
// MATCH is `any`, `equals "…"`, `prefix "…"`, `suffix "…"`, `contains "…"`
// or `regex "…"` (RE2 through engine/asyncore/Pattern, with captures).
// ACTIONs: `terminator "…" | none | count EXPR` (from now on),
// `next "…" | count EXPR` and `count EXPR` (for the next message only),
// `state NAME`, `group EXPR | open | close`, `reply "TEMPLATE"`, `close`,
// `mark "TEXT"`, `tell WORD` (a note to the other direction: `heard WORD`
// there matches only while that note is the first one waiting, and takes it). EXPR is a sum of products of numbers, captures ($N) and
// functions of a capture: dec($1) (the same as $1), hex($1), len($1),
// u8/be16/le16/be32/le32($1) (a binary number at the capture's start).
// Every mistake is refused with "FILE:LINE: what is wrong".
// What it owns: its rules, their compiled patterns and templates (immutable
// once parsed; shared by every channel that runs it).
// Threads: any; a parsed Program is read-only.
#pragma once

#include "engine/asyncore/Pattern.h"
#include "engine/program/Template.h"

#include <bitset>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace engine::program {

/// Who sent the bytes a program frames.
enum class Sender : std::uint8_t { Any, Client, Server };
std::string_view senderName(Sender s) noexcept;

/// A count expression: a sum of signed products of factors.
struct Expr {
    enum class Fn : std::uint8_t { Number, Dec, Hex, Len, U8, Be16, Le16, Be32, Le32 };
    struct Factor {
        Fn fn = Fn::Number;
        std::int64_t number = 0;   ///< Fn::Number
        std::size_t group = 0;     ///< the capture the function reads
    };
    struct Term {
        bool negative = false;
        std::vector<Factor> factors;
    };
    std::vector<Term> terms;
    std::string text;  ///< as written, for messages

    /// The value for these captures; nullopt and `error` ("capture $1 is
    /// 'abc', not a decimal number") when it cannot be computed.
    std::optional<std::int64_t> evaluate(const std::vector<std::string_view>& captures, std::string* error) const;
    std::size_t highestGroup() const noexcept;
};

/// The terminator an action sets.
struct TerminatorSpec {
    enum class Kind : std::uint8_t { Bytes, None, Count };
    Kind kind = Kind::None;
    std::string bytes;
    Expr count;
};

struct Action {
    enum class Kind : std::uint8_t { Terminator, Next, State, Group, GroupOpen, GroupClose, Reply, Close, Mark, Tell };
    Kind kind = Kind::Close;
    TerminatorSpec terminator;  ///< Terminator, Next
    std::string text;           ///< State: the name; Mark: the text; Tell: the note
    Expr expr;                  ///< Group
    Template reply;             ///< Reply
};

struct Rule {
    enum class Match : std::uint8_t { Any, Equals, Prefix, Suffix, Contains, Regex };
    std::size_t line = 0;       ///< where it is in its file (1-based)
    std::string name;
    std::string state;          ///< "" in every state
    Sender from = Sender::Any;
    /// `heard WORD`: only while the first note the other direction told this
    /// one is WORD ("any": any note); a match takes the note. "" no condition.
    std::string heard;
    bool onGroup = false;       ///< matches a finished message group, not one message
    Match match = Match::Any;
    std::string literal;        ///< Equals … Contains
    std::optional<Pattern> pattern;  ///< Regex
    /// Regex: the bytes a match must start the message with, when the
    /// pattern says so plainly (`^` then a byte, an escape or a class, not
    /// optional); a message starting otherwise is not matched at all. Empty
    /// when not known (every message goes to RE2).
    std::optional<std::bitset<256>> firstBytes;
    /// Regex: the pattern is exactly that first byte then `([0-9]+)$` (or
    /// `(\d+)$`) — a RESP header, a length line — which the runner matches
    /// by hand, with RE2's result ($0 the message, $1 the digits).
    bool digitsTail = false;
    std::vector<Action> actions;
};

class Program {
public:
    /// Parses `text`; `file` names it in messages. nullopt and `error`
    /// ("redis.lwp:7: unknown action 'cont'; …") on the first mistake.
    /// `limits` bound each regex (Pattern's limits).
    static std::optional<Program> parse(std::string_view text, std::string_view file, std::string* error,
                                        const PatternLimits& limits = {});

    const std::string& name() const noexcept { return m_name; }
    const std::string& description() const noexcept { return m_description; }
    const std::string& file() const noexcept { return m_file; }
    /// The terminator to start with (`terminator` at the top; "\r\n" when not given).
    const TerminatorSpec& initialTerminator() const noexcept { return m_initial; }
    /// Whether the file gives its starting terminator (else "\r\n" is assumed).
    bool terminatorGiven() const noexcept { return m_terminatorGiven; }
    /// The largest count a rule may set (0: the channel's max message).
    std::uint64_t maxCount() const noexcept { return m_maxCount; }
    const std::vector<Rule>& rules() const noexcept { return m_rules; }
    /// Whether any rule replies or closes (a framing-only program does not).
    bool answers() const noexcept { return m_answers; }
    /// Whether any rule matches whole groups (the runner then keeps each group's bytes).
    bool matchesGroups() const noexcept { return m_groupRules; }
    /// Whether any rule tells the other direction something (`tell`): the
    /// other direction's bytes must then be framed too (ProgramRunner::shareNotes).
    bool tells() const noexcept { return m_tells; }

    /// The message rules (not `group` ones) that may match a message, by
    /// index in rules(), in order: a rule whose regex fixes the first byte
    /// is left out for messages starting otherwise (Rule::firstBytes), so
    /// most messages meet few rules. Null when the program is too large for
    /// the table (then every rule is tried).
    const std::vector<std::uint32_t>* candidates(std::string_view message) const noexcept {
        if (m_byFirstByte.empty()) return nullptr;
        return message.empty() ? &m_noFirstByte : &m_byFirstByte[static_cast<unsigned char>(message.front())];
    }

    /// "FILE:LINE" of a rule, for messages.
    std::string where(const Rule& r) const { return m_file + ":" + std::to_string(r.line); }

private:
    std::string m_name;
    std::string m_description;
    std::string m_file;
    TerminatorSpec m_initial;
    std::uint64_t m_maxCount = 0;
    bool m_terminatorGiven = false;
    std::vector<Rule> m_rules;
    bool m_answers = false;
    bool m_groupRules = false;
    bool m_tells = false;
    std::vector<std::vector<std::uint32_t>> m_byFirstByte;  // 256 lists, or none
    std::vector<std::uint32_t> m_noFirstByte;               // for an empty message
    void buildCandidates();
};

}  // namespace engine::program
