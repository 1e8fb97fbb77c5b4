// FieldParse.cpp — bounded RESP / HTTP / SMTP field parsers for one message group.
#include "engine/program/FieldParse.h"

#include "engine/asyncore/Escape.h"

#include <algorithm>
#include <cstdint>
#include <optional>

namespace engine::program {
namespace {

std::string plural(std::uint64_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
}

// A bounded builder: counts the fields, keeps at most kMaxValue bytes of a value.
struct Builder {
    FieldTree tree;
    bool full() const noexcept { return tree.count >= kMaxFields; }
    Field make(std::string name, std::string_view value = {}) {
        ++tree.count;
        Field f;
        f.name = std::move(name);
        f.cut = value.size() > kMaxValue;
        f.value = std::string(value.substr(0, kMaxValue));
        return f;
    }
    void fail(std::size_t at, const std::string& why) {
        if (tree.error.empty()) tree.error = "byte " + std::to_string(at) + ": " + why;
    }
};

// A decimal number of at most 18 digits, optionally negative.
std::optional<std::int64_t> decimal(std::string_view s) {
    bool neg = false;
    if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
        neg = s.front() == '-';
        s.remove_prefix(1);
    }
    if (s.empty() || s.size() > 18) return std::nullopt;
    std::int64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + (c - '0');
    }
    return neg ? -v : v;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

// ---- RESP ------------------------------------------------------------------

class Resp {
public:
    Resp(std::string_view b, Builder& out) : m_b(b), m_out(out) {}

    // The length or count (`noun`) a header `line` announces for `what`;
    // nullopt when the value ends at its header: -1 is a null (pushed to
    // `into`, `ok` true), anything else not a number (failed, `ok` false).
    std::optional<std::uint64_t> announced(std::string_view line, std::size_t start, const char* what, const char* noun,
                                           std::vector<Field>& into, bool& ok) {
        const auto n = decimal(line);
        if (!n || *n < -1) {
            m_out.fail(start, std::string(what) + " " + noun + " is not a number");
            ok = false;
            return std::nullopt;
        }
        if (*n == -1) {
            into.push_back(m_out.make(std::string("null ") + what));
            ok = true;
            return std::nullopt;
        }
        return static_cast<std::uint64_t>(*n);
    }

    // One value at m_pos into `into`; false when the parse must stop.
    bool value(std::vector<Field>& into, std::size_t depth) {
        if (m_out.full()) {
            m_out.fail(m_pos, "more than " + std::to_string(kMaxFields) + " fields; the rest is not shown");
            return false;
        }
        if (depth >= kMaxDepth) {
            m_out.fail(m_pos, "nested deeper than " + std::to_string(kMaxDepth) + " levels");
            return false;
        }
        const std::size_t start = m_pos;
        const std::size_t eol = m_b.find("\r\n", m_pos);
        if (eol == std::string_view::npos) {
            m_out.fail(start, "no CRLF after the type byte (the group ends early)");
            return false;
        }
        const char type = m_b[m_pos];
        const std::string_view line = m_b.substr(m_pos + 1, eol - m_pos - 1);
        m_pos = eol + 2;
        switch (type) {
        case '+': into.push_back(m_out.make("simple string", line)); return true;
        case '-': into.push_back(m_out.make("error", line)); return true;
        case ':': into.push_back(m_out.make("integer", line)); return true;
        case '_': into.push_back(m_out.make("null")); return true;
        case '#': into.push_back(m_out.make("boolean", line)); return true;
        case ',': into.push_back(m_out.make("double", line)); return true;
        case '(': into.push_back(m_out.make("big number", line)); return true;
        case '$':
        case '!':
        case '=': {
            const char* what = type == '$' ? "bulk string" : type == '!' ? "blob error" : "verbatim string";
            bool ok = false;
            const auto n = announced(line, start, what, "length", into, ok);
            if (!n) return ok;
            const std::uint64_t len = *n;
            if (len > m_b.size() - m_pos || m_b.size() - m_pos - len < 2) {
                m_out.fail(start, std::string(what) + " of " + std::to_string(len) + " bytes: the group ends early");
                return false;
            }
            const std::string_view body = m_b.substr(m_pos, static_cast<std::size_t>(len));
            if (m_b.substr(m_pos + body.size(), 2) != "\r\n") {
                m_out.fail(m_pos + body.size(), std::string(what) + " not followed by CRLF");
                return false;
            }
            m_pos += body.size() + 2;
            into.push_back(m_out.make(std::string(what) + " (" + plural(len, "byte", "bytes") + ")", body));
            return true;
        }
        case '*':
        case '~':
        case '>':
        case '%':
        case '|': {
            const char* what = type == '*' ? "array" : type == '~' ? "set" : type == '>' ? "push"
                               : type == '%' ? "map" : "attribute";
            bool ok = false;
            const auto n = announced(line, start, what, "count", into, ok);
            if (!n) return ok;
            const bool pairs = type == '%' || type == '|';
            const std::uint64_t count = *n;
            Field f = m_out.make(std::string(what) + " (" +
                                 plural(count, pairs ? "pair" : "element", pairs ? "pairs" : "elements") + ")");
            const std::uint64_t items = pairs ? count * 2 : count;  // count < 10^18: no overflow
            ok = true;
            for (std::uint64_t i = 0; i < items && ok; ++i) {
                if (m_pos >= m_b.size()) {
                    m_out.fail(m_pos, std::string(what) + " announced " + std::to_string(count) + ", the group ends after " +
                                          std::to_string(pairs ? i / 2 : i));
                    ok = false;
                    break;
                }
                ok = value(f.children, depth + 1);
                if (ok && pairs && i % 2 == 1 && f.children.size() >= 2) {
                    // A pair shown as one row: key → value.
                    Field v = std::move(f.children.back());
                    f.children.pop_back();
                    Field& k = f.children.back();
                    Field pair;
                    pair.name = "pair";
                    pair.children.push_back(std::move(k));
                    pair.children.push_back(std::move(v));
                    f.children.back() = std::move(pair);
                }
            }
            into.push_back(std::move(f));
            if (ok && type == '|') return value(into, depth);  // the reply the attribute annotates
            return ok;
        }
        default:
            m_pos = start;
            m_out.fail(start, "not a RESP type byte");
            return false;
        }
    }

    bool atEnd() const noexcept { return m_pos >= m_b.size(); }

private:
    std::string_view m_b;
    Builder& m_out;
    std::size_t m_pos = 0;
};

// ---- HTTP ------------------------------------------------------------------

// One line from `pos` ending in LF (its CR dropped); npos when there is none.
std::optional<std::string_view> lineAt(std::string_view b, std::size_t& pos) {
    const std::size_t lf = b.find('\n', pos);
    if (lf == std::string_view::npos) return std::nullopt;
    std::string_view l = b.substr(pos, lf - pos);
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    pos = lf + 1;
    return l;
}

std::optional<std::uint64_t> hexNumber(std::string_view s) {
    if (s.empty() || s.size() > 15) return std::nullopt;
    std::uint64_t v = 0;
    for (char c : s) {
        const int d = hexValue(c);
        if (d < 0) return std::nullopt;
        v = v * 16 + static_cast<std::uint64_t>(d);
    }
    return v;
}

// One HTTP message from `pos`; false when the parse must stop.
bool httpMessage(std::string_view b, std::size_t& pos, Builder& out) {
    const std::size_t start = pos;
    auto first = lineAt(b, pos);
    if (!first) {
        out.fail(start, "no complete start line");
        return false;
    }
    Field msg;
    const std::string_view sl = *first;
    const bool response = sl.substr(0, 5) == "HTTP/";
    {
        const std::size_t s1 = sl.find(' ');
        const std::size_t s2 = s1 == std::string_view::npos ? s1 : sl.find(' ', s1 + 1);
        const std::string_view a = sl.substr(0, s1);
        const std::string_view m = s1 == std::string_view::npos ? std::string_view() : sl.substr(s1 + 1, s2 == std::string_view::npos ? std::string_view::npos : s2 - s1 - 1);
        const std::string_view c = s2 == std::string_view::npos ? std::string_view() : sl.substr(s2 + 1);
        msg = out.make(response ? "response" : "request", sl);
        Field startLine = out.make("start line", sl);
        if (response) {
            startLine.children.push_back(out.make("version", a));
            startLine.children.push_back(out.make("status", m));
            startLine.children.push_back(out.make("reason", c));
        } else {
            startLine.children.push_back(out.make("method", a));
            startLine.children.push_back(out.make("target", m));
            startLine.children.push_back(out.make("version", c));
        }
        msg.children.push_back(std::move(startLine));
    }
    Field headers = out.make("headers");
    std::optional<std::uint64_t> length;
    bool chunked = false, ended = false;
    std::size_t n = 0;
    while (!out.full()) {
        const std::size_t at = pos;
        auto l = lineAt(b, pos);
        if (!l) {
            out.fail(at, "the headers end early (no empty line)");
            break;
        }
        if (l->empty()) {
            ended = true;
            break;
        }
        const std::size_t colon = l->find(':');
        const std::string_view name = colon == std::string_view::npos ? *l : l->substr(0, colon);
        const std::string_view value = colon == std::string_view::npos ? std::string_view() : trim(l->substr(colon + 1));
        headers.children.push_back(out.make(std::string(name), value));
        ++n;
        const std::string key = lower(trim(name));
        if (key == "content-length") {
            if (const auto v = decimal(value); v && *v >= 0) length = static_cast<std::uint64_t>(*v);
        } else if (key == "transfer-encoding") {
            chunked = lower(value).find("chunked") != std::string::npos;
        }
    }
    headers.name = "headers (" + std::to_string(n) + ")";
    msg.children.push_back(std::move(headers));
    if (!ended) {
        if (out.full()) out.fail(pos, "more than " + std::to_string(kMaxFields) + " fields; the rest is not shown");
        out.tree.fields.push_back(std::move(msg));
        return false;
    }
    bool ok = true;
    if (chunked) {
        std::string body;
        std::uint64_t chunks = 0, total = 0;
        // The body's next line; at its end, nullopt and the body failed (`missing`: what was not there).
        auto bodyLine = [&](const char* missing) {
            const std::size_t at = pos;
            auto l = lineAt(b, pos);
            if (!l) {
                out.fail(at, std::string("chunked body ends early (") + missing + ")");
                ok = false;
            }
            return l;
        };
        bool done = false;
        while (!done) {
            const std::size_t at = pos;
            auto l = bodyLine("no chunk size line");
            if (!l) break;
            const std::string_view sizeText = trim(l->substr(0, l->find(';')));
            const auto size = hexNumber(sizeText);
            if (!size) {
                out.fail(at, "chunk size is not a hexadecimal number");
                ok = false;
                break;
            }
            if (*size == 0) {
                // Trailers up to the empty line.
                for (;;) {
                    auto t = bodyLine("no empty line after the last chunk");
                    if (!t || t->empty()) break;
                }
                done = true;
                break;
            }
            if (*size > b.size() - pos) {
                out.fail(at, "chunk of " + std::to_string(*size) + " bytes: the group ends early");
                ok = false;
                break;
            }
            const std::string_view data = b.substr(pos, static_cast<std::size_t>(*size));
            if (body.size() < kMaxValue) body.append(data.substr(0, kMaxValue - body.size()));
            total += *size;
            ++chunks;
            pos += data.size();
            if (b.substr(pos, 2) == "\r\n") pos += 2;
            else if (b.substr(pos, 1) == "\n") pos += 1;
            else {
                out.fail(pos, "chunk not followed by CRLF");
                ok = false;
                break;
            }
        }
        Field f = out.make("body (" + plural(total, "byte", "bytes") + ", dechunked from " +
                           plural(chunks, "chunk", "chunks") + ")");
        f.value = std::move(body);
        f.cut = total > f.value.size();
        msg.children.push_back(std::move(f));
    } else {
        const std::size_t avail = b.size() - pos;
        std::size_t take = avail;
        if (length && *length < avail) take = static_cast<std::size_t>(*length);
        if (length && *length > avail)
            out.fail(pos, "Content-Length " + std::to_string(*length) + ", the group has " + std::to_string(avail) +
                              " bytes of body");
        if (take > 0 || length) {
            Field f = out.make("body (" + plural(take, "byte", "bytes") + ")", b.substr(pos, take));
            msg.children.push_back(std::move(f));
        }
        pos += take;
        ok = !length || *length <= avail;
    }
    out.tree.fields.push_back(std::move(msg));
    return ok;
}

}  // namespace

std::string_view protocolName(FieldProtocol p) noexcept {
    switch (p) {
    case FieldProtocol::Resp: return "RESP";
    case FieldProtocol::Http: return "HTTP";
    case FieldProtocol::Smtp: return "SMTP";
    case FieldProtocol::Auto: break;
    }
    return "";
}

FieldProtocol protocolForPreset(std::string_view preset) noexcept {
    if (preset == "redis" || preset == "resp") return FieldProtocol::Resp;
    if (preset == "http") return FieldProtocol::Http;
    if (preset == "smtp") return FieldProtocol::Smtp;
    return FieldProtocol::Auto;
}

FieldTree parseResp(std::string_view bytes) {
    Builder out;
    out.tree.protocol = FieldProtocol::Resp;
    Resp r(bytes, out);
    while (!r.atEnd())
        if (!r.value(out.tree.fields, 0)) break;
    return std::move(out.tree);
}

FieldTree parseHttp(std::string_view bytes) {
    Builder out;
    out.tree.protocol = FieldProtocol::Http;
    std::size_t pos = 0;
    while (pos < bytes.size() && !out.full())
        if (!httpMessage(bytes, pos, out)) break;
    return std::move(out.tree);
}

FieldTree parseSmtp(std::string_view bytes) {
    Builder out;
    out.tree.protocol = FieldProtocol::Smtp;
    std::size_t pos = 0;
    constexpr std::size_t kNone = static_cast<std::size_t>(-1);
    std::size_t open = kNone;  // the multi-line reply being read (its index in fields)
    while (pos < bytes.size()) {
        if (out.full()) {
            out.fail(pos, "more than " + std::to_string(kMaxFields) + " fields; the rest is not shown");
            break;
        }
        const std::size_t at = pos;
        auto l = lineAt(bytes, pos);
        std::string_view line;
        if (l) {
            line = *l;
        } else {
            line = bytes.substr(pos);  // a last line without its end
            pos = bytes.size();
        }
        const bool coded = line.size() >= 3 && std::all_of(line.begin(), line.begin() + 3, [](char c) {
                               return c >= '0' && c <= '9';
                           }) && (line.size() == 3 || line[3] == ' ' || line[3] == '-');
        if (!coded) {
            if (open != kNone) out.fail(at, "a reply line without the code " + out.tree.fields[open].name.substr(6));
            open = kNone;
            out.tree.fields.push_back(out.make("line", line));
            continue;
        }
        const std::string code(line.substr(0, 3));
        const std::string_view text = line.size() > 4 ? line.substr(4) : std::string_view();
        if (open == kNone || out.tree.fields[open].name != "reply " + code) {
            out.tree.fields.push_back(out.make("reply " + code));
            open = out.tree.fields.size() - 1;
            out.tree.fields[open].children.push_back(out.make("code", code));
            const char cls = code[0];
            out.tree.fields[open].children.push_back(out.make("class", cls == '2'   ? "2xx: completed"
                                                        : cls == '3' ? "3xx: more input expected"
                                                        : cls == '4' ? "4xx: transient failure"
                                                        : cls == '5' ? "5xx: permanent failure"
                                                                     : "not an SMTP reply class"));
        }
        out.tree.fields[open].children.push_back(out.make("line", text));
        if (line.size() == 3 || line[3] == ' ') open = kNone;  // the last line of this reply
    }
    return std::move(out.tree);
}

FieldTree parseFields(std::string_view bytes, FieldProtocol p) {
    if (p == FieldProtocol::Auto && !bytes.empty()) {
        const std::string_view head = bytes.substr(0, 16);
        const char c = bytes.front();
        if (std::string_view("+-:$*_#,(!=%~>|").find(c) != std::string_view::npos) {
            p = FieldProtocol::Resp;
        } else if (head.substr(0, 5) == "HTTP/" || head.find(" /") != std::string_view::npos ||
                   head.find(" http") != std::string_view::npos) {
            p = FieldProtocol::Http;
        } else if (bytes.size() >= 4 && std::all_of(bytes.begin(), bytes.begin() + 3, [](char d) { return d >= '0' && d <= '9'; }) &&
                   (bytes[3] == ' ' || bytes[3] == '-' || bytes[3] == '\r')) {
            p = FieldProtocol::Smtp;
        }
    }
    switch (p) {
    case FieldProtocol::Resp: return parseResp(bytes);
    case FieldProtocol::Http: return parseHttp(bytes);
    case FieldProtocol::Smtp: return parseSmtp(bytes);
    case FieldProtocol::Auto: break;
    }
    return {};
}

}  // namespace engine::program
