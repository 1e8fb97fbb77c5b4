// Program.cpp — the program file format: a line-by-line parser, and count expressions.
#include "engine/program/Program.h"

#include "engine/program/LineReader.h"

#include "engine/asyncore/Escape.h"
#include "engine/net/EnumNames.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <set>

namespace engine::program {

namespace {
constexpr std::array<std::string_view, 3> kSenderNames = {"any", "client", "server"};
}  // namespace

std::string_view senderName(Sender s) noexcept { return enumName(kSenderNames, s, "any"); }

// --- Expressions -------------------------------------------------------------------------------

namespace {

constexpr std::int64_t kExprMax = std::int64_t{1} << 53;

std::string shown(std::string_view bytes, std::size_t max = 24) {
    std::string out;
    for (std::size_t i = 0; i < bytes.size() && i < max; ++i) {
        const auto u = static_cast<unsigned char>(bytes[i]);
        if (u >= 0x20 && u < 0x7f && u != '\'' && u != '\\') {
            out += static_cast<char>(u);
        } else {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", u);
            out += buf;
        }
    }
    if (bytes.size() > max) out += "…";
    return out;
}

const char* fnName(Expr::Fn f) {
    switch (f) {
    case Expr::Fn::Number: return "";
    case Expr::Fn::Dec: return "dec";
    case Expr::Fn::Hex: return "hex";
    case Expr::Fn::Len: return "len";
    case Expr::Fn::U8: return "u8";
    case Expr::Fn::Be16: return "be16";
    case Expr::Fn::Le16: return "le16";
    case Expr::Fn::Be32: return "be32";
    case Expr::Fn::Le32: return "le32";
    }
    return "";
}

}  // namespace

std::optional<std::int64_t> Expr::evaluate(const std::vector<std::string_view>& captures, std::string* error) const {
    auto fail = [&](std::string why) -> std::optional<std::int64_t> {
        if (error) *error = std::move(why);
        return std::nullopt;
    };
    // `$N+K` (a bulk string's count): its value without the general loop;
    // anything unusual (not digits, too long) takes the loop for its message.
    if (terms.size() == 2 && !terms[0].negative && terms[0].factors.size() == 1 && terms[1].factors.size() == 1 &&
        terms[0].factors[0].fn == Fn::Dec && terms[1].factors[0].fn == Fn::Number &&
        terms[0].factors[0].group < captures.size()) {
        const std::string_view c = captures[terms[0].factors[0].group];
        if (!c.empty() && c.size() <= 15) {
            std::int64_t v = 0;
            bool digits = true;
            for (char ch : c) {
                digits = digits && ch >= '0' && ch <= '9';
                v = v * 10 + (ch - '0');
            }
            const std::int64_t k = terms[1].factors[0].number;
            const std::int64_t sum = terms[1].negative ? v - k : v + k;
            if (digits && k <= kExprMax && sum <= kExprMax && sum >= -kExprMax) return sum;
        }
    }
    std::int64_t sum = 0;
    for (const Term& t : terms) {
        std::int64_t product = 1;
        for (const Factor& f : t.factors) {
            std::int64_t v = 0;
            if (f.fn == Fn::Number) {
                v = f.number;
            } else {
                if (f.group >= captures.size())
                    return fail("capture $" + std::to_string(f.group) + " took no part in the match");
                const std::string_view c = captures[f.group];
                auto needBytes = [&](std::size_t n) -> bool { return c.size() >= n; };
                const auto* u = reinterpret_cast<const unsigned char*>(c.data());
                switch (f.fn) {
                case Fn::Number: break;
                case Fn::Dec:
                    if (c.empty() || c.size() > 15 ||
                        !std::all_of(c.begin(), c.end(), [](char ch) { return ch >= '0' && ch <= '9'; }))
                        return fail("capture $" + std::to_string(f.group) + " is '" + shown(c) +
                                    "', not a decimal number (up to 15 digits)");
                    for (char ch : c) v = v * 10 + (ch - '0');
                    break;
                case Fn::Hex:
                    if (c.empty() || c.size() > 13 ||
                        !std::all_of(c.begin(), c.end(), [](char ch) {
                            return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
                        }))
                        return fail("capture $" + std::to_string(f.group) + " is '" + shown(c) +
                                    "', not a hexadecimal number (up to 13 digits)");
                    for (char ch : c)
                        v = v * 16 + (ch <= '9' ? ch - '0' : (ch | 0x20) - 'a' + 10);
                    break;
                case Fn::Len: v = static_cast<std::int64_t>(c.size()); break;
                case Fn::U8:
                case Fn::Be16:
                case Fn::Le16:
                case Fn::Be32:
                case Fn::Le32: {
                    const std::size_t n = f.fn == Fn::U8 ? 1 : (f.fn == Fn::Be16 || f.fn == Fn::Le16) ? 2 : 4;
                    if (!needBytes(n))
                        return fail(std::string(fnName(f.fn)) + "($" + std::to_string(f.group) + ") needs " + std::to_string(n) +
                                    " bytes; the capture has " + std::to_string(c.size()));
                    const bool le = f.fn == Fn::Le16 || f.fn == Fn::Le32;
                    for (std::size_t i = 0; i < n; ++i) v = v * 256 + u[le ? n - 1 - i : i];
                    break;
                }
                }
            }
            // |product × v| ≤ 2^53. Both under 2^31 (a count, a length): the
            // product cannot overflow, so it is checked directly; else by a
            // division (no multiplication that could overflow).
            const std::int64_t av = v < 0 ? -v : v, ap = product < 0 ? -product : product;
            constexpr std::int64_t kSmall = std::int64_t{1} << 31;
            if (av < kSmall && ap < kSmall) {
                if (ap * av > kExprMax) return fail("'" + text + "' is too large");
            } else if (v != 0 && (product > kExprMax / av || product < -kExprMax / av)) {
                return fail("'" + text + "' is too large");
            }
            product *= v;
        }
        sum += t.negative ? -product : product;
        if (sum > kExprMax || sum < -kExprMax) return fail("'" + text + "' is too large");
    }
    return sum;
}

std::size_t Expr::highestGroup() const noexcept {
    std::size_t g = 0;
    for (const Term& t : terms)
        for (const Factor& f : t.factors)
            if (f.fn != Fn::Number) g = std::max(g, f.group);
    return g;
}

namespace {

std::optional<Expr> parseExpr(std::string_view s, std::string* error) {
    Expr e;
    e.text = std::string(s);
    std::size_t i = 0;
    auto skip = [&] {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    };
    auto fail = [&](std::string why) -> std::optional<Expr> {
        if (error) *error = std::move(why);
        return std::nullopt;
    };
    auto number = [&](std::int64_t& out) -> bool {
        const std::size_t start = i;
        out = 0;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9' && i - start < 16) out = out * 10 + (s[i++] - '0');
        return i > start && !(i < s.size() && s[i] >= '0' && s[i] <= '9');
    };
    auto capture = [&](std::size_t& group) -> bool {
        if (i >= s.size() || s[i] != '$') return false;
        ++i;
        std::int64_t n = 0;
        if (!number(n) || n > 99) return false;
        group = static_cast<std::size_t>(n);
        return true;
    };
    bool negative = false;
    skip();
    if (i < s.size() && s[i] == '-') {
        negative = true;
        ++i;
    }
    for (;;) {
        Expr::Term term;
        term.negative = negative;
        for (;;) {
            skip();
            Expr::Factor f;
            if (i < s.size() && s[i] >= '0' && s[i] <= '9') {
                if (!number(f.number)) return fail("the number in '" + e.text + "' is too long");
            } else if (i < s.size() && s[i] == '$') {
                f.fn = Expr::Fn::Dec;
                if (!capture(f.group)) return fail("'" + e.text + "': a capture is $0 … $99");
            } else {
                const std::size_t start = i;
                while (i < s.size() && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9'))) ++i;
                const std::string_view fn = s.substr(start, i - start);
                static constexpr Expr::Fn kFns[] = {Expr::Fn::Dec, Expr::Fn::Hex, Expr::Fn::Len, Expr::Fn::U8,
                                                    Expr::Fn::Be16, Expr::Fn::Le16, Expr::Fn::Be32, Expr::Fn::Le32};
                bool found = false;
                for (Expr::Fn k : kFns)
                    if (fn == fnName(k)) {
                        f.fn = k;
                        found = true;
                    }
                if (!found)
                    return fail("'" + e.text +
                                "' is not a count expression; write a number, a capture ($1), a function of a "
                                "capture (dec hex len u8 be16 le16 be32 le32, as hex($1)), joined by + - *");
                skip();
                if (i >= s.size() || s[i] != '(') return fail("'" + e.text + "': " + std::string(fn) + " needs ($N)");
                ++i;
                skip();
                if (!capture(f.group)) return fail("'" + e.text + "': " + std::string(fn) + " takes a capture ($N)");
                skip();
                if (i >= s.size() || s[i] != ')') return fail("'" + e.text + "': ')' expected");
                ++i;
            }
            term.factors.push_back(f);
            skip();
            if (i < s.size() && s[i] == '*') {
                ++i;
                continue;
            }
            break;
        }
        e.terms.push_back(std::move(term));
        skip();
        if (i >= s.size()) break;
        if (s[i] == '+' || s[i] == '-') {
            negative = s[i] == '-';
            ++i;
            continue;
        }
        return fail("'" + e.text + "': unexpected '" + shown(s.substr(i, 1)) + "'");
    }
    return e;
}

bool validName(std::string_view w) { return !w.empty() && w.size() <= 64; }

// The bytes an anchored pattern's match must begin with, read conservatively
// from its start: optional flags "(?is)", then '^', then one literal byte, an
// escape or a [class], not followed by a quantifier that allows zero. Any
// other shape (no anchor, multi-line mode, alternation anywhere, a group, a
// negated class, \w …) gives nullopt: RE2 alone decides.
// Whether a regex has a '|' outside a character class and not escaped (an
// alternation: then the first byte is not fixed). RESP's `^[|]…` has none.
bool alternates(std::string_view p) {
    for (std::size_t i = 0; i < p.size(); ++i) {
        if (p[i] == '\\') {
            ++i;
        } else if (p[i] == '|') {
            return true;
        } else if (p[i] == '[') {
            std::size_t j = i + 1;
            if (j < p.size() && p[j] == '^') ++j;
            if (j < p.size() && p[j] == ']') ++j;  // a leading ']' is a member
            for (; j < p.size() && p[j] != ']'; ++j) {
                if (p[j] == '\\') {
                    ++j;
                } else if (p[j] == '[' && j + 1 < p.size() && p[j + 1] == ':') {
                    const std::size_t close = p.find(":]", j + 2);
                    if (close == std::string_view::npos) return true;  // (unsure: as if it did)
                    j = close + 1;
                }
            }
            if (j >= p.size()) return true;  // unclosed: unsure
            i = j;
        }
    }
    return false;
}

std::optional<std::bitset<256>> requiredFirstBytes(std::string_view p, std::size_t* atomEnd = nullptr) {
    if (alternates(p)) return std::nullopt;
    bool icase = false;
    std::size_t i = 0;
    if (p.substr(0, 2) == "(?") {
        const std::size_t close = p.find(')');
        if (close == std::string_view::npos) return std::nullopt;
        for (char f : p.substr(2, close - 2)) {
            if (f == 'i') icase = true;
            else if (f != 's' && f != 'U') return std::nullopt;  // m (multi-line) moves '^'; ':' is a group
        }
        i = close + 1;
    }
    if (i >= p.size() || p[i] != '^') return std::nullopt;
    ++i;
    std::bitset<256> set;
    // One escape at p[j] == '\\': the byte, or -1 for "not simple"; `used` its length.
    auto escape = [&](std::size_t j, std::size_t& used) -> int {
        if (j + 1 >= p.size()) return -1;
        const char c = p[j + 1];
        used = 2;
        if (c == 'r') return '\r';
        if (c == 'n') return '\n';
        if (c == 't') return '\t';
        if (c == 'x' && j + 3 < p.size() && hexValue(p[j + 2]) >= 0 && hexValue(p[j + 3]) >= 0) {
            used = 4;
            return hexValue(p[j + 2]) * 16 + hexValue(p[j + 3]);
        }
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x80 && !std::isalnum(u)) return c;  // escaped punctuation
        return -1;
    };
    auto add = [&](int b) {
        set.set(static_cast<std::size_t>(b));
        if (icase && b < 0x80 && std::isalpha(b)) {
            set.set(static_cast<std::size_t>(std::tolower(b)));
            set.set(static_cast<std::size_t>(std::toupper(b)));
        }
    };
    if (i >= p.size()) return std::nullopt;
    const char c = p[i];
    if (c == '[') {
        std::size_t j = i + 1;
        if (j < p.size() && p[j] == '^') return std::nullopt;
        bool first = true;
        while (j < p.size() && (p[j] != ']' || first)) {
            first = false;
            int lo;
            std::size_t used = 1;
            if (p[j] == '\\') {
                lo = escape(j, used);
                if (lo < 0) return std::nullopt;
            } else if (p[j] == '[') {
                return std::nullopt;  // [[:digit:]]
            } else {
                lo = static_cast<unsigned char>(p[j]);
            }
            j += used;
            if (j + 1 < p.size() && p[j] == '-' && p[j + 1] != ']') {
                int hi;
                std::size_t used2 = 1;
                if (p[j + 1] == '\\') {
                    hi = escape(j + 1, used2);
                    if (hi < 0) return std::nullopt;
                } else {
                    hi = static_cast<unsigned char>(p[j + 1]);
                }
                if (hi < lo) return std::nullopt;
                for (int b = lo; b <= hi; ++b) add(b);
                j += 1 + used2;
            } else {
                add(lo);
            }
        }
        if (j >= p.size()) return std::nullopt;
        i = j + 1;
    } else if (c == '\\') {
        std::size_t used = 0;
        if (i + 1 < p.size() && p[i + 1] == 'd') {
            for (int b = '0'; b <= '9'; ++b) add(b);
            used = 2;
        } else {
            const int b = escape(i, used);
            if (b < 0) return std::nullopt;
            add(b);
        }
        i += used;
    } else if (std::string_view(".()*+?{}$^").find(c) != std::string_view::npos) {
        return std::nullopt;
    } else {
        add(static_cast<unsigned char>(c));
        ++i;
    }
    // Not optional: no ?, * or {0 after it.
    if (i < p.size() && (p[i] == '?' || p[i] == '*' || (p[i] == '{' && i + 1 < p.size() && p[i + 1] == '0')))
        return std::nullopt;
    if (atomEnd) *atomEnd = i;
    return set;
}

}  // namespace

// --- The parser ----------------------------------------------------------------------------------

std::optional<Program> Program::parse(std::string_view text, std::string_view file, std::string* error,
                                      const PatternLimits& limits) {
    Program p;
    p.m_file = std::string(file);
    p.m_initial.kind = TerminatorSpec::Kind::Bytes;
    p.m_initial.bytes = "\r\n";
    std::size_t lineNo = 0;
    std::string why;
    auto fail = [&](std::size_t line, const std::string& what) -> std::optional<Program> {
        if (error) *error = p.m_file + ":" + std::to_string(line) + ": " + what;
        return std::nullopt;
    };
    std::set<std::string> statesEntered{"start"};
    std::vector<std::pair<std::string, std::size_t>> statesUsed;
    std::set<std::string> notesTold;
    std::vector<std::pair<std::string, std::size_t>> notesHeard;
    bool sawTerminator = false;

    // A quoted literal, its escapes decoded; nullopt with `why` set (after
    // "WHAT: " when it is not a quoted string, unless `what` is empty).
    auto readLiteral = [&](LineReader& r, std::string_view what) -> std::optional<std::string> {
        auto raw = r.quoted(&why);
        if (!raw) {
            if (!what.empty()) why = std::string(what) + ": " + why;
            return std::nullopt;
        }
        return decodeLiteral(*raw, &why);
    };

    // A terminator spec: "…" | none | count EXPR; `constant`: no captures allowed.
    auto readTerminator = [&](LineReader& r, TerminatorSpec& out, bool allowNone, bool constant) -> bool {
        if (r.peek() == '"') {
            auto bytes = readLiteral(r, "");
            if (!bytes) return false;
            if (bytes->empty()) {
                why = "an empty terminator frames nothing; write none";
                return false;
            }
            out.kind = TerminatorSpec::Kind::Bytes;
            out.bytes = std::move(*bytes);
            return true;
        }
        const std::string_view w = r.word();
        if (w == "none" && allowNone) {
            out.kind = TerminatorSpec::Kind::None;
            return true;
        }
        if (w == "count") {
            auto e = parseExpr(r.untilSemicolon(), &why);
            if (!e) return false;
            if (e->terms.empty()) {
                why = "count needs an expression";
                return false;
            }
            if (constant && e->highestGroup() > 0) {
                why = "the starting terminator cannot use a capture";
                return false;
            }
            if (constant) {
                for (const auto& t : e->terms)
                    for (const auto& f : t.factors)
                        if (f.fn != Expr::Fn::Number) {
                            why = "the starting terminator cannot use a capture";
                            return false;
                        }
            }
            out.kind = TerminatorSpec::Kind::Count;
            out.count = std::move(*e);
            return true;
        }
        why = std::string("a terminator is \"bytes\"") + (allowNone ? ", none" : "") + " or count EXPR";
        return false;
    };

    std::size_t pos = 0;
    while (pos <= text.size()) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = text.substr(pos, end - pos);
        pos = end + 1;
        ++lineNo;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.size() > 65536) return fail(lineNo, "the line is longer than 65536 bytes");
        line = stripComment(line);
        LineReader r(line);
        if (r.atEnd()) {
            if (end == text.size()) break;
            continue;
        }
        const std::string_view keyword = r.word();
        if (keyword == "name") {
            std::string_view n = r.peek() == '"' ? r.quoted(&why).value_or("") : r.word();
            if (!validName(n)) return fail(lineNo, "name needs a word (up to 64 letters, digits, - _ .)");
            p.m_name = std::string(n);
        } else if (keyword == "description") {
            auto d = readLiteral(r, "description");
            if (!d) return fail(lineNo, why);
            p.m_description = std::move(*d);
        } else if (keyword == "terminator") {
            if (!p.m_rules.empty()) return fail(lineNo, "the starting terminator goes before the first rule");
            if (sawTerminator) return fail(lineNo, "the starting terminator is given twice");
            if (!readTerminator(r, p.m_initial, true, true)) return fail(lineNo, "terminator: " + why);
            sawTerminator = true;
            p.m_terminatorGiven = true;
        } else if (keyword == "max-count") {
            const std::string_view n = r.word();
            std::uint64_t v = 0;
            if (n.empty() || n.size() > 12 || !std::all_of(n.begin(), n.end(), [](char c) { return c >= '0' && c <= '9'; }))
                return fail(lineNo, "max-count needs a number of bytes");
            for (char c : n) v = v * 10 + static_cast<std::uint64_t>(c - '0');
            p.m_maxCount = v;
        } else if (keyword == "rule") {
            Rule rule;
            rule.line = lineNo;
            const std::string_view n = r.word();
            if (!validName(n)) return fail(lineNo, "a rule needs a name: rule NAME: MATCH => ACTIONS");
            rule.name = std::string(n);
            if (!r.eat(":")) return fail(lineNo, "':' expected after the rule's name '" + rule.name + "'");
            // Conditions, then the matcher.
            for (;;) {
                const std::string_view w = r.word();
                if (w == "in") {
                    const std::string_view s = r.word();
                    if (!validName(s)) return fail(lineNo, "in needs a state name");
                    rule.state = std::string(s);
                    statesUsed.emplace_back(rule.state, lineNo);
                } else if (w == "from") {
                    const std::string_view s = r.word();
                    // client or server: the rows after "any"
                    const auto from = parseEnumName<Sender>(kSenderNames, s, 1);
                    if (!from) return fail(lineNo, "from needs client or server");
                    rule.from = *from;
                } else if (w == "heard") {
                    const std::string_view s = r.word();
                    if (!validName(s)) return fail(lineNo, "heard needs a note's name (or any)");
                    rule.heard = std::string(s);
                    if (rule.heard != "any") notesHeard.emplace_back(rule.heard, lineNo);
                } else if (w == "group") {
                    rule.onGroup = true;
                } else if (w == "any") {
                    rule.match = Rule::Match::Any;
                    break;
                } else if (w == "equals" || w == "prefix" || w == "suffix" || w == "contains") {
                    rule.match = w == "equals"   ? Rule::Match::Equals
                                 : w == "prefix" ? Rule::Match::Prefix
                                 : w == "suffix" ? Rule::Match::Suffix
                                                 : Rule::Match::Contains;
                    auto lit = readLiteral(r, w);
                    if (!lit) return fail(lineNo, why);
                    rule.literal = std::move(*lit);
                    break;
                } else if (w == "regex") {
                    rule.match = Rule::Match::Regex;
                    auto raw = r.quoted(&why);
                    if (!raw) return fail(lineNo, "regex: " + why);
                    std::string perr;
                    rule.pattern = Pattern::compile(*raw, &perr, limits);
                    if (!rule.pattern) return fail(lineNo, "the regex does not compile: " + perr);
                    std::size_t atomEnd = 0;
                    rule.firstBytes = requiredFirstBytes(*raw, &atomEnd);
                    if (rule.firstBytes) {
                        const std::string_view tail = raw->substr(atomEnd);
                        rule.digitsTail = tail == "([0-9]+)$" || tail == "(\\d+)$";
                    }
                    break;
                } else {
                    return fail(lineNo, (w.empty() ? std::string("a matcher") : "'" + shown(w) + "'") +
                                            (w.empty() ? " is expected" : " is not a matcher") +
                                            "; use any, equals, prefix, suffix, contains or regex (after optional "
                                            "in STATE, from client|server, heard WORD, group)");
                }
                r.eat(",");
            }
            const std::size_t groups = rule.pattern ? rule.pattern->groupCount() : 0;
            auto checkGroup = [&](std::size_t g, const std::string& what) -> bool {
                if (g <= groups) return true;
                why = what + " uses $" + std::to_string(g) + " but the " +
                      (rule.pattern ? "regex has " + std::to_string(groups) + " group" + (groups == 1 ? "" : "s")
                                    : std::string("matcher has only $0 (use a regex for captures)"));
                return false;
            };
            if (!r.atEnd()) {
                if (!r.eat("=>")) return fail(lineNo, "'=>' expected before the actions");
                for (;;) {
                    Action a;
                    const std::string_view w = r.word();
                    if (w == "terminator" || w == "next") {
                        a.kind = w == "next" ? Action::Kind::Next : Action::Kind::Terminator;
                        if (!readTerminator(r, a.terminator, w == "terminator", false))
                            return fail(lineNo, std::string(w) + ": " + why);
                        if (a.terminator.kind == TerminatorSpec::Kind::Count &&
                            !checkGroup(a.terminator.count.highestGroup(), "the count"))
                            return fail(lineNo, why);
                    } else if (w == "count") {
                        a.kind = Action::Kind::Next;
                        a.terminator.kind = TerminatorSpec::Kind::Count;
                        auto e = parseExpr(r.untilSemicolon(), &why);
                        if (!e || e->terms.empty()) return fail(lineNo, "count: " + (e ? "an expression is expected" : why));
                        a.terminator.count = std::move(*e);
                        if (!checkGroup(a.terminator.count.highestGroup(), "the count")) return fail(lineNo, why);
                    } else if (w == "state") {
                        a.kind = Action::Kind::State;
                        const std::string_view s = r.word();
                        if (!validName(s)) return fail(lineNo, "state needs a name");
                        a.text = std::string(s);
                        statesEntered.insert(a.text);
                    } else if (w == "group") {
                        LineReader probe = r;
                        const std::string_view g = probe.word();
                        if (g == "open" || g == "close") {
                            r.word();
                            a.kind = g == "open" ? Action::Kind::GroupOpen : Action::Kind::GroupClose;
                        } else {
                            a.kind = Action::Kind::Group;
                            auto e = parseExpr(r.untilSemicolon(), &why);
                            if (!e || e->terms.empty())
                                return fail(lineNo, "group: " + (e ? "open, close or a count EXPR is expected" : why));
                            a.expr = std::move(*e);
                            if (!checkGroup(a.expr.highestGroup(), "the group size")) return fail(lineNo, why);
                        }
                    } else if (w == "reply") {
                        a.kind = Action::Kind::Reply;
                        auto raw = r.quoted(&why);
                        if (!raw) return fail(lineNo, "reply: " + why);
                        auto t = Template::parse(*raw, &why);
                        if (!t) return fail(lineNo, "reply: " + why);
                        a.reply = std::move(*t);
                        if (!checkGroup(a.reply.highestGroup(), "the reply")) return fail(lineNo, why);
                        p.m_answers = true;
                    } else if (w == "close") {
                        a.kind = Action::Kind::Close;
                        p.m_answers = true;
                    } else if (w == "mark") {
                        a.kind = Action::Kind::Mark;
                        auto m = readLiteral(r, "mark");
                        if (!m) return fail(lineNo, why);
                        a.text = std::move(*m);
                    } else if (w == "tell") {
                        a.kind = Action::Kind::Tell;
                        const std::string_view s = r.word();
                        if (!validName(s) || s == "any") return fail(lineNo, "tell needs a note's name (a word)");
                        a.text = std::string(s);
                        notesTold.insert(a.text);
                        p.m_tells = true;
                    } else {
                        return fail(lineNo, (w.empty() ? std::string("an action is expected")
                                                       : "unknown action '" + shown(w) + "'") +
                                                "; use terminator, next, count, state, group, reply, close, mark or tell");
                    }
                    rule.actions.push_back(std::move(a));
                    if (r.atEnd()) break;
                    if (!r.eat(";")) return fail(lineNo, "';' expected between actions, found '" + shown(r.rest()) + "'");
                    if (r.atEnd()) break;  // a trailing ';'
                }
            }
            if (rule.onGroup) p.m_groupRules = true;
            p.m_rules.push_back(std::move(rule));
        } else {
            return fail(lineNo, keyword.empty() ? "a statement is expected (name, description, terminator, "
                                                  "max-count or rule)"
                                                : "unknown statement '" + shown(keyword) +
                                                      "'; use name, description, terminator, max-count or rule");
        }
        if (end == text.size()) break;
    }
    for (const auto& [state, line] : statesUsed)
        if (!statesEntered.count(state))
            return fail(line, "state '" + state + "' is never entered (no rule has 'state " + state +
                                  "'; the first state is 'start')");
    for (const auto& [note, line] : notesHeard)
        if (!notesTold.count(note))
            return fail(line, "note '" + note + "' is never told (no rule has 'tell " + note + "')");
    p.buildCandidates();
    return p;
}

void Program::buildCandidates() {
    // At most 1 Mi entries (4 MiB): past that every rule is tried.
    std::size_t entries = 0;
    for (const Rule& r : m_rules)
        if (!r.onGroup) entries += r.firstBytes ? r.firstBytes->count() : 256;
    if (entries > (std::size_t{1} << 20)) return;
    m_byFirstByte.assign(256, {});
    for (std::uint32_t i = 0; i < m_rules.size(); ++i) {
        const Rule& r = m_rules[i];
        if (r.onGroup) continue;
        if (!r.firstBytes) m_noFirstByte.push_back(i);
        for (std::size_t b = 0; b < 256; ++b)
            if (!r.firstBytes || (*r.firstBytes)[b]) m_byFirstByte[b].push_back(i);
    }
}

}  // namespace engine::program
