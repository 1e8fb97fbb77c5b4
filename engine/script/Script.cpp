// Script.cpp — the script format: a line-by-line parser.
#include "engine/script/Script.h"

#include "engine/asyncore/Escape.h"
#include "engine/net/Address.h"
#include "engine/program/LineReader.h"
#include "engine/program/Presets.h"
#include "engine/program/Template.h"

#include <cmath>
#include <fstream>
#include <sstream>

namespace engine::script {

namespace {

constexpr std::size_t kMaxScriptBytes = 1u << 20;
constexpr std::uint64_t kMaxRepeat = 100000000;
constexpr std::int64_t kMaxMs = 24LL * 3600 * 1000;

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

using Reader = program::LineReader;
using program::stripComment;

bool validVariable(std::string_view n) {
    if (n.empty() || n.size() > 64) return false;
    for (char c : n)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return false;
    return !(n[0] >= '0' && n[0] <= '9');
}

std::optional<Text> parseText(std::string_view raw, std::string& error) {
    Text t;
    t.source = std::string(raw);
    std::size_t i = 0;
    std::string literal;
    auto flush = [&]() -> bool {
        if (literal.empty()) return true;
        std::string why;
        auto bytes = program::decodeLiteral(literal, &why);
        if (!bytes) {
            error = why;
            return false;
        }
        if (!t.parts.empty() && !t.parts.back().variable)
            t.parts.back().text += *bytes;
        else
            t.parts.push_back({false, std::move(*bytes)});
        literal.clear();
        return true;
    };
    while (i < raw.size()) {
        if (raw[i] == '\\' && i + 1 < raw.size()) {
            literal.append(raw.substr(i, 2));
            i += 2;
            continue;
        }
        if (raw[i] == '$' && i + 1 < raw.size() && raw[i + 1] == '{') {
            const std::size_t close = raw.find('}', i + 2);
            if (close == std::string_view::npos) {
                error = "'${' at column " + std::to_string(i + 1) + " is not closed by '}'";
                return std::nullopt;
            }
            const std::string_view name = raw.substr(i + 2, close - i - 2);
            if (!validVariable(name)) {
                error = "'${" + printableAscii(name) +
                        "}' is not a variable name (letters, digits, '_' and '-', not starting with a digit)";
                return std::nullopt;
            }
            if (!flush()) return std::nullopt;
            t.parts.push_back({true, std::string(name)});
            i = close + 1;
            continue;
        }
        literal += raw[i++];
    }
    if (!flush()) return std::nullopt;
    return t;
}

// The TLS options after `connect … tls` or `starttls [PROTO]`, to the end of the line.
bool parseTlsOptions(Reader& r, TlsConfig& c, std::string& why) {
    while (!r.atEnd()) {
        const std::string_view w = r.bareWord();
        std::string* file = nullptr;
        if (w == "insecure") {
            c.verify = false;
            continue;
        }
        if (w == "cafile") file = &c.caFile;
        else if (w == "sni") file = &c.serverName;
        else if (w == "cert") file = &c.certFile;
        else if (w == "key") file = &c.keyFile;
        else {
            why = "unknown TLS option '" + printableAscii(w.substr(0, 40)) +
                  "' (the options are insecure, cafile \"FILE\", sni \"NAME\", cert \"FILE\", key \"FILE\")";
            return false;
        }
        auto q = r.quoted(&why);
        if (!q) {
            why = std::string(w) + ": " + why;
            return false;
        }
        auto bytes = program::decodeLiteral(*q, &why);
        if (!bytes) return false;
        if (bytes->empty() || bytes->find('\0') != std::string::npos) {
            why = std::string(w) + " needs a non-empty value without NUL bytes";
            return false;
        }
        *file = std::move(*bytes);
    }
    if (c.certFile.empty() != c.keyFile.empty()) {
        why = c.certFile.empty() ? "key \"FILE\" is the private key of a certificate: add cert \"FILE\""
                                 : "cert \"FILE\" needs its private key: add key \"FILE\"";
        return false;
    }
    return true;
}

std::optional<std::int64_t> parseMs(std::string_view w) {
    // SECONDS, with an optional fraction and an optional "s" or "ms" unit.
    std::int64_t scale = 1000;
    if (w.size() > 2 && w.substr(w.size() - 2) == "ms") {
        scale = 1;
        w.remove_suffix(2);
    } else if (w.size() > 1 && w.back() == 's') {
        w.remove_suffix(1);
    }
    if (w.empty() || w.size() > 12) return std::nullopt;
    double v = 0;
    double frac = 0;
    bool dot = false;
    double div = 1;
    for (char c : w) {
        if (c == '.' && !dot) {
            dot = true;
        } else if (c >= '0' && c <= '9') {
            if (dot) {
                div *= 10;
                frac += (c - '0') / div;
            } else {
                v = v * 10 + (c - '0');
            }
        } else {
            return std::nullopt;
        }
    }
    const double ms = (v + frac) * static_cast<double>(scale);
    if (ms > static_cast<double>(kMaxMs)) return std::nullopt;
    return static_cast<std::int64_t>(std::llround(ms));
}

std::optional<std::uint64_t> parseNumber(std::string_view w, std::uint64_t max) {
    if (w.empty() || w.size() > 12) return std::nullopt;
    std::uint64_t v = 0;
    for (char c : w) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (v > max) return std::nullopt;
    return v;
}

}  // namespace

std::optional<Script> Script::parse(std::string_view text, std::string_view file, std::string* error,
                                    const std::string& presetDir) {
    Script s;
    s.m_file = std::string(file);
    std::vector<std::size_t> open;  // indices of RepeatBegin not closed yet
    std::size_t lineNo = 0;
    std::string why;
    auto fail = [&](std::string message) -> std::optional<Script> {
        if (error) *error = s.m_file + ":" + std::to_string(lineNo) + ": " + message;
        return std::nullopt;
    };
    bool connected = false;  // a connect came before (for send/expect)
    std::size_t pos = 0;
    while (pos <= text.size()) {
        std::size_t nl = text.find('\n', pos);
        if (nl == std::string_view::npos) nl = text.size();
        const std::string_view rawLine = text.substr(pos, nl - pos);
        pos = nl + 1;
        ++lineNo;
        const std::string_view line = trim(stripComment(rawLine));
        if (line.empty()) {
            if (nl == text.size()) break;
            continue;
        }
        Step st;
        st.line = lineNo;
        st.source = std::string(line);
        Reader r(line);
        const std::string_view kw = r.bareWord();
        auto needText = [&](Text& out) -> bool {
            auto q = r.quoted(&why);
            if (!q) return false;
            auto t = parseText(*q, why);
            if (!t) return false;
            out = std::move(*t);
            return true;
        };
        auto needEnd = [&]() -> bool {
            if (r.atEnd()) return true;
            why = "unexpected '" + printableAscii(r.rest().substr(0, 40)) + "' at the end of the line";
            return false;
        };
        if (kw == "connect") {
            st.kind = Step::Kind::Connect;
            const std::string_view target = r.bareWord();
            std::string port;
            if (target.empty() || !splitHostPort(target, st.host, port) || st.host.empty())
                return fail("connect needs HOST:PORT (got '" + printableAscii(target) + "')");
            const auto p = parsePort(port);
            if (!p) return fail("connect: '" + printableAscii(port) + "' is not a port (1 to 65535)");
            st.port = *p;
            if (!r.atEnd()) {
                const std::string_view w = r.bareWord();
                if (w != "tls") return fail("connect HOST:PORT takes only 'tls' after it (got '" + printableAscii(w) + "')");
                st.tls = true;
                st.tlsConfig.enabled = true;
                if (!parseTlsOptions(r, st.tlsConfig, why)) return fail("connect … tls: " + why);
            }
            connected = true;
        } else if (kw == "starttls") {
            st.kind = Step::Kind::StartTls;
            if (!connected) return fail("starttls before any connect");
            if (r.peek() != '\0') {
                const std::string_view w = r.bareWord();
                if (w == "smtp") st.tlsConfig.startTls = StartTlsProtocol::Smtp;
                else if (w == "imap") st.tlsConfig.startTls = StartTlsProtocol::Imap;
                else if (w == "pop3") st.tlsConfig.startTls = StartTlsProtocol::Pop3;
                else if (w == "ftp") st.tlsConfig.startTls = StartTlsProtocol::Ftp;
                else r.unread(w);
            }
            if (!parseTlsOptions(r, st.tlsConfig, why)) return fail("starttls: " + why);
        } else if (kw == "timeout") {
            st.kind = Step::Kind::Timeout;
            const auto ms = parseMs(r.bareWord());
            if (!ms || *ms <= 0) return fail("timeout needs a number of seconds above 0 (e.g. 5, 0.5, 200ms)");
            st.ms = *ms;
            if (!needEnd()) return fail(why);
        } else if (kw == "wait") {
            st.kind = Step::Kind::Wait;
            const auto ms = parseMs(r.bareWord());
            if (!ms) return fail("wait needs a number of seconds (e.g. 1, 0.25, 100ms)");
            st.ms = *ms;
            if (!needEnd()) return fail(why);
        } else if (kw == "terminator") {
            st.kind = Step::Kind::Terminator;
            if (r.peek() == '"') {
                auto q = r.quoted(&why);
                if (!q) return fail(why);
                auto bytes = program::decodeLiteral(*q, &why);
                if (!bytes) return fail(why);
                if (bytes->empty()) return fail("an empty terminator frames nothing; write 'terminator none'");
                st.terminator = Terminator::bytes(*bytes);
            } else {
                const std::string_view w = r.bareWord();
                if (w == "none") {
                    st.terminator = Terminator::none();
                } else if (w == "count") {
                    const std::string_view n = r.bareWord();
                    if (n.size() > 3 && n.substr(0, 2) == "${" && n.back() == '}') {
                        st.countVariable = std::string(n.substr(2, n.size() - 3));
                        if (!validVariable(st.countVariable))
                            return fail("'" + printableAscii(n) + "' is not a variable");
                    } else {
                        const auto c = parseNumber(n, 1u << 30);
                        if (!c || *c == 0) return fail("terminator count needs a number from 1 to 1073741824 or ${VAR}");
                        st.terminator = Terminator::count(static_cast<long long>(*c));
                    }
                } else {
                    return fail("terminator takes \"BYTES\", none, or count N (got '" + printableAscii(w) + "')");
                }
            }
            if (!needEnd()) return fail(why);
        } else if (kw == "preset") {
            st.kind = Step::Kind::Preset;
            const std::string name(r.bareWord());
            if (name.empty()) return fail("preset needs a name (see linewright-cli presets)");
            st.program = program::loadPreset(name, presetDir.empty() ? program::userPresetDir() : std::filesystem::path(presetDir), &why);
            if (!st.program) return fail(why);
            if (!needEnd()) return fail(why);
        } else if (kw == "send") {
            st.kind = Step::Kind::Send;
            if (r.eat("raw")) st.raw = true;
            if (!needText(st.text)) return fail("send: " + why);
            if (!needEnd()) return fail(why);
            if (!connected) return fail("send before any connect");
        } else if (kw == "expect") {
            if (!connected) return fail("expect before any connect");
            st.kind = Step::Kind::Expect;
            using M = program::Rule::Match;
            st.rule.match = M::Equals;
            if (r.peek() != '"') {
                const std::string_view m = r.bareWord();
                if (m == "equals") st.rule.match = M::Equals;
                else if (m == "prefix") st.rule.match = M::Prefix;
                else if (m == "suffix") st.rule.match = M::Suffix;
                else if (m == "contains") st.rule.match = M::Contains;
                else if (m == "regex") st.rule.match = M::Regex;
                else if (m == "close") st.kind = Step::Kind::ExpectClose;
                else
                    return fail("expect takes \"TEXT\", equals, prefix, suffix, contains, regex or close (got '" +
                                printableAscii(m) + "')");
            }
            if (st.kind == Step::Kind::Expect) {
                auto q = r.quoted(&why);
                if (!q) return fail("expect: " + why);
                if (st.rule.match == M::Regex) {
                    auto p = Pattern::compile(*q, &why);
                    if (!p) return fail("expect regex: " + why);
                    st.rule.pattern = std::move(*p);
                    st.text.source = std::string(*q);
                } else {
                    auto t = parseText(*q, why);
                    if (!t) return fail("expect: " + why);
                    st.text = std::move(*t);
                    if (st.text.isLiteral()) st.rule.literal = st.text.parts.empty() ? "" : st.text.parts[0].text;
                }
            }
            while (!r.atEnd()) {
                const std::string_view w = r.bareWord();
                if (w == "as" && st.kind == Step::Kind::Expect) {
                    do {
                        const std::string_view v = r.bareWord();
                        if (!validVariable(v)) return fail("expect … as: '" + printableAscii(v) + "' is not a variable name");
                        st.captures.emplace_back(v);
                    } while (r.eat(","));
                    const std::size_t groups = st.rule.pattern ? st.rule.pattern->groupCount() : 1;
                    if (st.captures.size() > groups)
                        return fail("expect … as: " + std::to_string(st.captures.size()) + " variables but " +
                                    (st.rule.pattern ? "the regex has " + std::to_string(groups) + " group(s)"
                                                     : std::string("a text matcher stores only the message")));
                } else if (w == "within" && st.kind == Step::Kind::Expect) {
                    const auto n = parseNumber(r.bareWord(), 1000000000);
                    if (!n || *n == 0) return fail("within needs a number of messages (1 or more)");
                    st.within = *n;
                } else if (w == "timeout") {
                    const auto ms = parseMs(r.bareWord());
                    if (!ms || *ms <= 0) return fail("timeout needs a number of seconds above 0");
                    st.ms = *ms;
                } else {
                    return fail("expect: unexpected '" + printableAscii(w) + "' (after the text: as VAR, within N, timeout S)");
                }
            }
        } else if (kw == "set") {
            st.kind = Step::Kind::Set;
            st.name = std::string(r.bareWord());
            if (!validVariable(st.name)) return fail("set needs a variable name, then \"TEXT\"");
            if (!needText(st.text)) return fail("set: " + why);
            if (!needEnd()) return fail(why);
        } else if (kw == "assert") {
            st.kind = Step::Kind::Assert;
            if (!needText(st.text)) return fail("assert: " + why);
            if (r.eat("==")) st.compare = Step::Compare::Equal;
            else if (r.eat("!=")) st.compare = Step::Compare::NotEqual;
            else if (r.eat("=~")) st.compare = Step::Compare::Matches;
            else return fail("assert \"A\" takes ==, != or =~ then \"B\"");
            auto q = r.quoted(&why);
            if (!q) return fail("assert: " + why);
            if (st.compare == Step::Compare::Matches) {
                auto p = Pattern::compile(*q, &why);
                if (!p) return fail("assert =~: " + why);
                st.rule.match = program::Rule::Match::Regex;
                st.rule.pattern = std::move(*p);
                st.other.source = std::string(*q);
            } else {
                auto t = parseText(*q, why);
                if (!t) return fail("assert: " + why);
                st.other = std::move(*t);
            }
            if (!needEnd()) return fail(why);
        } else if (kw == "repeat") {
            st.kind = Step::Kind::RepeatBegin;
            const auto n = parseNumber(r.bareWord(), kMaxRepeat);
            if (!n) return fail("repeat needs a number (0 to 100000000) then '{'");
            st.count = *n;
            if (!r.eat("{")) return fail("repeat N needs '{' at the end of the line");
            if (!needEnd()) return fail(why);
            open.push_back(s.m_steps.size());
        } else if (kw == "}") {
            if (open.empty()) return fail("'}' without a repeat");
            if (!needEnd()) return fail(why);
            st.kind = Step::Kind::RepeatEnd;
            st.jump = open.back();
            s.m_steps[open.back()].jump = s.m_steps.size();
            open.pop_back();
        } else if (kw == "close") {
            st.kind = Step::Kind::Close;
            if (!needEnd()) return fail(why);
            connected = false;
        } else if (kw.empty()) {
            return fail("a statement is expected, not '" + printableAscii(line.substr(0, 40)) + "'");
        } else {
            return fail("unknown statement '" + printableAscii(kw.substr(0, 40)) +
                        "'; the statements are connect, starttls, timeout, terminator, preset, send, expect, wait, "
                        "set, assert, repeat, close");
        }
        s.m_steps.push_back(std::move(st));
        if (nl == text.size()) break;
    }
    if (!open.empty()) {
        lineNo = s.m_steps[open.back()].line;
        return fail("this repeat's block is not closed (a '}' is missing)");
    }
    bool any = false;
    for (const Step& st : s.m_steps) any = any || st.kind == Step::Kind::Connect;
    if (!any) {
        lineNo = s.m_steps.empty() ? lineNo : s.m_steps.front().line;
        return fail("the script never connects (write 'connect HOST:PORT' first)");
    }
    return s;
}

std::optional<Script> Script::load(const std::string& path, std::string* error) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        if (error) *error = "cannot read " + path;
        return std::nullopt;
    }
    std::string text;
    text.resize(kMaxScriptBytes + 1);
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxScriptBytes) {
        if (error) *error = path + ": a script is at most 1 MiB";
        return std::nullopt;
    }
    return parse(text, path, error);
}

std::string describeStep(const Step& s) {
    std::string out = printableAscii(s.source.substr(0, 120));
    if (s.source.size() > 120) out += "...";
    return out;
}

}  // namespace engine::script
