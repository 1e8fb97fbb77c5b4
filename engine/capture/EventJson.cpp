// EventJson.cpp — a small JSON writer and reader, just enough for the
// session format, and the per-kind field tables of docs/session-format.md.
#include "engine/capture/EventJson.h"

#include "engine/asyncore/Escape.h"

#include <array>
#include <charconv>
#include <limits>
#include <cstdio>
#include <memory>
#include <utility>
#include <vector>

namespace engine::eventjson {

// --- base64 ----------------------------------------------------------------------------------

namespace {
constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

unsigned byteAt(std::string_view s, std::size_t i) noexcept { return static_cast<unsigned char>(s[i]); }

int b64Value(char c) noexcept {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}
}  // namespace

void appendBase64(std::string& out, std::string_view bytes) {
    out.reserve(out.size() + (bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        const unsigned v = (byteAt(bytes, i) << 16) | (byteAt(bytes, i + 1) << 8) | byteAt(bytes, i + 2);
        out.push_back(kB64[(v >> 18) & 63]);
        out.push_back(kB64[(v >> 12) & 63]);
        out.push_back(kB64[(v >> 6) & 63]);
        out.push_back(kB64[v & 63]);
    }
    const std::size_t rest = bytes.size() - i;
    if (rest == 1) {
        const unsigned v = byteAt(bytes, i) << 16;
        out.push_back(kB64[(v >> 18) & 63]);
        out.push_back(kB64[(v >> 12) & 63]);
        out += "==";
    } else if (rest == 2) {
        const unsigned v = (byteAt(bytes, i) << 16) | (byteAt(bytes, i + 1) << 8);
        out.push_back(kB64[(v >> 18) & 63]);
        out.push_back(kB64[(v >> 12) & 63]);
        out.push_back(kB64[(v >> 6) & 63]);
        out.push_back('=');
    }
}

std::string base64Encode(std::string_view bytes) {
    std::string out;
    appendBase64(out, bytes);
    return out;
}

std::optional<std::string> base64Decode(std::string_view text) {
    if (text.size() % 4 != 0) return std::nullopt;
    std::string out;
    out.reserve(text.size() / 4 * 3);
    for (std::size_t i = 0; i < text.size(); i += 4) {
        const bool last = i + 4 == text.size();
        int v[4];
        int pad = 0;
        for (std::size_t j = 0; j < 4; ++j) {
            const char c = text[i + j];
            if (c == '=' && last && j >= 2) {
                v[j] = 0;
                ++pad;
                continue;
            }
            if (pad) return std::nullopt;  // data after padding
            v[j] = b64Value(c);
            if (v[j] < 0) return std::nullopt;
        }
        const auto n = static_cast<unsigned>((v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3]);
        out.push_back(static_cast<char>((n >> 16) & 0xff));
        if (pad < 2) out.push_back(static_cast<char>((n >> 8) & 0xff));
        if (pad < 1) out.push_back(static_cast<char>(n & 0xff));
    }
    return out;
}

// --- Time -------------------------------------------------------------------------------------

std::string formatUtc(std::chrono::system_clock::time_point t) {
    using namespace std::chrono;
    const auto us = duration_cast<microseconds>(t.time_since_epoch()).count();
    long long secs = us / 1000000;
    long long frac = us % 1000000;
    if (frac < 0) {
        frac += 1000000;
        --secs;
    }
    long long days = secs / 86400;
    long long rem = secs % 86400;
    if (rem < 0) {
        rem += 86400;
        --days;
    }
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    const long long z = days + 719468;
    const long long era = (z >= 0 ? z : z - 146096) / 146097;
    const long long doe = z - era * 146097;
    const long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const long long mp = (5 * doy + 2) / 153;
    const long long d = doy - (153 * mp + 2) / 5 + 1;
    const long long m = mp < 10 ? mp + 3 : mp - 9;
    const long long y = yoe + era * 400 + (m <= 2 ? 1 : 0);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%06lldZ", y, m, d, rem / 3600,
                  rem / 60 % 60, rem % 60, frac);
    return buf;
}

SessionHeader makeHeader(std::string tool, std::string toolVersion, std::chrono::system_clock::time_point start,
                         std::string backend, std::string level) {
    SessionHeader h;
    h.tool = std::move(tool);
    h.toolVersion = std::move(toolVersion);
    h.start = formatUtc(start);
    h.startUnixUs =
        std::chrono::duration_cast<std::chrono::microseconds>(start.time_since_epoch()).count();
    h.backend = std::move(backend);
    h.level = std::move(level);
    return h;
}

// --- Writing ------------------------------------------------------------------------------------

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

class Writer {
public:
    explicit Writer(std::string& out) : m_out(out) { m_out.push_back('{'); }
    void end() { m_out.push_back('}'); }

    void key(std::string_view k) {
        if (!m_first) m_out.push_back(',');
        m_first = false;
        appendJsonString(m_out, k);
        m_out.push_back(':');
    }
    void str(std::string_view k, std::string_view v) {
        key(k);
        appendJsonString(m_out, v);
    }
    void num(std::string_view k, std::int64_t v) {
        key(k);
        m_out += std::to_string(v);
    }
    void unum(std::string_view k, std::uint64_t v) {
        key(k);
        m_out += std::to_string(v);
    }
    void boolean(std::string_view k, bool v) {
        key(k);
        m_out += v ? "true" : "false";
    }
    /// `<prefix>_b64` and `<prefix>` (escaped text); prefix "data" writes data_b64 + text.
    void bytes(std::string_view b64Key, std::string_view textKey, std::string_view v) {
        key(b64Key);
        m_out.push_back('"');
        appendBase64(m_out, v);
        m_out.push_back('"');
        key(textKey);
        std::string text;
        appendEscaped(text, v);
        appendJsonString(m_out, text);
    }
    void terminator(std::string_view k, const Terminator& t) {
        key(k);
        Writer w(m_out);
        switch (t.kind()) {
        case Terminator::Kind::None: w.str("kind", "none"); break;
        case Terminator::Kind::Count:
            w.str("kind", "count");
            w.unum("count", t.countValue());
            break;
        case Terminator::Kind::Bytes:
            w.str("kind", "bytes");
            w.bytes("data_b64", "text", t.bytesValue());
            break;
        }
        w.end();
    }
    std::string& raw() { return m_out; }

private:
    std::string& m_out;
    bool m_first = true;
};

void writeState(Writer& w, const ChannelState& s) {
    w.str("role", channelRoleName(s.role));
    w.str("state", channelPhaseName(s.phase));
    w.unum("parent", s.parent);
    w.str("peer", s.peer);
    w.str("local", s.local);
    w.unum("bytes_in", s.bytesIn);
    w.unum("bytes_out", s.bytesOut);
    w.unum("messages_in", s.messagesIn);
    w.unum("messages_out", s.messagesOut);
    w.terminator("terminator", s.terminator);
    w.unum("in_buffer", s.inBufferSize);
    w.unum("out_buffer", s.outBufferSize);
    w.unum("max_message", s.maxMessage);
    w.unum("high_water", s.highWater);
    w.boolean("echo", s.echo);
    w.boolean("readable", s.readable);
    w.boolean("writable", s.writable);
    w.bytes("residue_b64", "residue", s.residue);
    w.unum("pending_message", s.pendingMessage);
    w.unum("queued", s.queuedBytes);
    w.unum("fifo_entries", s.fifoEntries);
    w.key("fifo");
    std::string& out = w.raw();
    out.push_back('[');
    for (std::size_t i = 0; i < s.fifo.size(); ++i) {
        if (i) out.push_back(',');
        Writer e(out);
        e.str("kind", s.fifo[i].kind);
        e.num("remaining", s.fifo[i].remaining);
        e.end();
    }
    out.push_back(']');
}

void writeTrace(Writer& w, const LoopTrace& t) {
    w.unum("pass", t.pass);
    w.str("backend", backendName(t.backend));
    w.unum("waited_us", t.waitedUs);
    std::string& out = w.raw();
    w.key("polled");
    out.push_back('[');
    for (std::size_t i = 0; i < t.polled.size(); ++i) {
        if (i) out.push_back(',');
        Writer e(out);
        e.unum("channel", t.polled[i].channel);
        e.boolean("readable", t.polled[i].readable);
        e.boolean("writable", t.polled[i].writable);
        e.end();
    }
    out.push_back(']');
    w.key("ready");
    out.push_back('[');
    for (std::size_t i = 0; i < t.ready.size(); ++i) {
        if (i) out.push_back(',');
        Writer e(out);
        e.unum("channel", t.ready[i].channel);
        e.key("events");
        out.push_back('[');
        bool first = true;
        for (std::string_view name : readyBitNames(t.ready[i].bits)) {
            if (!first) out.push_back(',');
            first = false;
            appendJsonString(out, name);
        }
        out.push_back(']');
        e.end();
    }
    out.push_back(']');
    w.key("dispatched");
    out.push_back('[');
    for (std::size_t i = 0; i < t.dispatched.size(); ++i) {
        if (i) out.push_back(',');
        Writer e(out);
        e.unum("channel", t.dispatched[i].channel);
        e.str("hook", hookName(t.dispatched[i].hook));
        e.end();
    }
    out.push_back(']');
    if (t.waiting.empty()) return;
    w.key("waiting");
    out.push_back('[');
    for (std::size_t i = 0; i < t.waiting.size(); ++i) {
        if (i) out.push_back(',');
        const LoopTrace::Waiting& wt = t.waiting[i];
        Writer e(out);
        e.unum("channel", wt.channel);
        e.unum("bytes", wt.bytes);
        e.boolean("readable", wt.readable);
        e.boolean("writable", wt.writable);
        e.key("events");
        out.push_back('[');
        bool first = true;
        for (std::string_view name : readyBitNames(wt.bits)) {
            if (!first) out.push_back(',');
            first = false;
            appendJsonString(out, name);
        }
        out.push_back(']');
        e.str("next", wt.next);
        e.end();
    }
    out.push_back(']');
}

}  // namespace

void appendHeader(std::string& out, const SessionHeader& h) {
    Writer w(out);
    w.str("format", SessionHeader::kFormat);
    w.num("version", h.version);
    w.str("tool", h.tool);
    w.str("tool_version", h.toolVersion);
    w.str("start", h.start);
    w.num("start_unix_us", h.startUnixUs);
    if (!h.backend.empty()) w.str("backend", h.backend);
    if (!h.level.empty()) w.str("level", h.level);
    w.end();
    out.push_back('\n');
}

namespace {
void writeEvent(std::string& out, const Event& e) {
    Writer w(out);
    w.unum("seq", e.seq);
    w.num("t_us", e.tUs);
    w.unum("channel", e.channel);
    w.str("event", eventKindName(e.kind));
    switch (e.kind) {
    case EventKind::Listening:
        w.str("address", e.info);
        w.num("port", e.size);
        break;
    case EventKind::Accepted:
        w.unum("parent", e.parent);
        w.str("peer", e.info);
        w.str("local", e.aux);
        break;
    case EventKind::Connecting:
        w.str("address", e.info);
        w.str("host", e.aux);
        w.num("port", e.size);
        break;
    case EventKind::Connected:
        w.str("peer", e.info);
        w.str("local", e.aux);
        break;
    case EventKind::Collect:
    case EventKind::Sent:
    case EventKind::Received:
        w.num("size", e.size);
        w.bytes("data_b64", "text", e.data);
        break;
    case EventKind::Hosted:
        w.str("phase", hostPhaseName(static_cast<HostPhase>(e.sub)));
        w.num("host", e.count);
        w.str("label", e.info);
        if (!e.aux.empty()) w.str("host_label", e.aux);
        if (e.parent) w.unum("parent", e.parent);
        if (static_cast<HostPhase>(e.sub) == HostPhase::Started) w.num("port", e.size);
        if (static_cast<HostPhase>(e.sub) == HostPhase::Done) w.boolean("ok", e.size != 0);
        break;
    case EventKind::Preview:
        if (e.trace) writeTrace(w, *e.trace);
        break;
    case EventKind::FoundTerminator:
        w.num("size", e.size);
        w.terminator("terminator", e.terminator());
        break;
    case EventKind::TerminatorSet: w.terminator("terminator", e.terminator()); break;
    case EventKind::BuffersSet:
        w.num("in_buffer", e.size);
        w.num("out_buffer", e.count);
        break;
    case EventKind::LimitsSet:
        w.num("max_message", e.size);
        w.num("high_water", e.count);
        break;
    case EventKind::Push:
        w.str("producer", producerKindName(e.producerKind()));
        w.num("size", e.size);
        if (e.producerKind() == ProducerKind::Repeat) w.num("copies", e.count);
        if (!e.info.empty()) w.str("path", e.info);
        break;
    case EventKind::ProducerExhausted: w.str("producer", producerKindName(e.producerKind())); break;
    case EventKind::Discarded:
        w.num("size", e.size);
        w.num("entries", e.count);
        break;
    case EventKind::HighWater:
    case EventKind::LowWater:
        w.num("queued", e.size);
        w.num("mark", e.count);
        break;
    case EventKind::Closed:
        w.str("reason", closeReasonName(e.closeReason()));
        w.str("detail", e.info);
        if (e.error) w.num("errno", e.error);
        if (e.state) {
            w.unum("bytes_in", e.state->bytesIn);
            w.unum("bytes_out", e.state->bytesOut);
            w.unum("messages_in", e.state->messagesIn);
            w.unum("messages_out", e.state->messagesOut);
        }
        break;
    case EventKind::Error:
        w.num("errno", e.error);
        w.str("message", e.info);
        break;
    case EventKind::Warning:
        w.str("code", warningCodeName(e.warningCode()));
        w.str("message", e.info);
        if (e.size) w.num("size", e.size);
        if (!e.data.empty()) w.bytes("data_b64", "text", e.data);
        break;
    case EventKind::Loop:
        if (e.trace) writeTrace(w, *e.trace);
        break;
    case EventKind::ChannelState:
        if (e.state) writeState(w, *e.state);
        break;
    case EventKind::LimitReached: w.num("messages", e.count); break;
    case EventKind::CloseWhenDone:
    case EventKind::HalfClosed:
    case EventKind::Paused:
    case EventKind::Resumed:
    case EventKind::Stopped: break;
    }
    w.end();
}
}  // namespace

void appendEvent(std::string& out, const Event& event) {
    writeEvent(out, event);
    out.push_back('\n');
}

std::string encodeEvent(const Event& event) {
    std::string out;
    writeEvent(out, event);
    return out;
}

// --- Reading -------------------------------------------------------------------------------------

namespace {

struct Json {
    enum class Type { Null, Bool, Number, String, Array, Object };
    Type type = Type::Null;
    bool boolean = false;
    std::int64_t number = 0;
    std::string string;
    std::vector<Json> array;
    // An object's members: keys[i] names values[i]. (Two vectors, because a
    // pair of a still incomplete Json is not allowed.)
    std::vector<std::string> keys;
    std::vector<Json> values;

    const Json* get(std::string_view k) const {
        for (std::size_t i = 0; i < keys.size(); ++i)
            if (keys[i] == k) return &values[i];
        return nullptr;
    }
};

class Parser {
public:
    explicit Parser(std::string_view text) : m_s(text) {}

    bool parseDocument(Json& out) {
        skipSpace();
        if (!parseValue(out, 0)) return false;
        skipSpace();
        if (m_i != m_s.size()) return fail("unexpected text after the JSON value");
        return true;
    }
    const std::string& error() const { return m_error; }

private:
    bool fail(std::string message) {
        if (m_error.empty()) m_error = message + " at offset " + std::to_string(m_i);
        return false;
    }
    void skipSpace() {
        while (m_i < m_s.size() && (m_s[m_i] == ' ' || m_s[m_i] == '\t' || m_s[m_i] == '\n' || m_s[m_i] == '\r'))
            ++m_i;
    }
    bool literal(std::string_view word) {
        if (m_s.substr(m_i, word.size()) != word) return fail("invalid literal");
        m_i += word.size();
        return true;
    }
    bool parseValue(Json& out, int depth) {
        if (depth > 32) return fail("nesting too deep");
        if (m_i >= m_s.size()) return fail("unexpected end of line");
        switch (m_s[m_i]) {
        case '{': return parseObject(out, depth);
        case '[': return parseArray(out, depth);
        case '"':
            out.type = Json::Type::String;
            return parseString(out.string);
        case 't':
            out.type = Json::Type::Bool;
            out.boolean = true;
            return literal("true");
        case 'f':
            out.type = Json::Type::Bool;
            out.boolean = false;
            return literal("false");
        case 'n': out.type = Json::Type::Null; return literal("null");
        default: return parseNumber(out);
        }
    }
    bool parseNumber(Json& out) {
        const std::size_t start = m_i;
        if (m_i < m_s.size() && m_s[m_i] == '-') ++m_i;
        while (m_i < m_s.size() && m_s[m_i] >= '0' && m_s[m_i] <= '9') ++m_i;
        if (m_i < m_s.size() && (m_s[m_i] == '.' || m_s[m_i] == 'e' || m_s[m_i] == 'E'))
            return fail("only whole numbers are used in this format");
        std::int64_t v = 0;
        const auto [end, ec] = std::from_chars(m_s.data() + start, m_s.data() + m_i, v);
        if (ec != std::errc() || end != m_s.data() + m_i || m_i == start) return fail("invalid number");
        out.type = Json::Type::Number;
        out.number = v;
        return true;
    }
    static void appendUtf8(std::string& out, unsigned cp) {
        if (cp < 0x80) {
            out.push_back(static_cast<char>(cp));
        } else if (cp < 0x800) {
            out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
        } else if (cp < 0x10000) {
            out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
        } else {
            out.push_back(static_cast<char>(0xf0 | (cp >> 18)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
        }
    }
    bool hex4(unsigned& v) {
        if (m_i + 4 > m_s.size()) return fail("incomplete \\u escape");
        v = 0;
        for (int k = 0; k < 4; ++k) {
            const char c = m_s[m_i++];
            int d = -1;
            if (c >= '0' && c <= '9') d = c - '0';
            if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
            if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
            if (d < 0) return fail("invalid \\u escape");
            v = v * 16 + static_cast<unsigned>(d);
        }
        return true;
    }
    bool parseString(std::string& out) {
        ++m_i;  // the opening quote
        for (;;) {
            if (m_i >= m_s.size()) return fail("unterminated string");
            const char c = m_s[m_i++];
            if (c == '"') return true;
            if (static_cast<unsigned char>(c) < 0x20) return fail("control character in a string");
            if (c != '\\') {
                out.push_back(c);
                continue;
            }
            if (m_i >= m_s.size()) return fail("unterminated string");
            const char e = m_s[m_i++];
            switch (e) {
            case '"': out.push_back('"'); break;
            case '\\': out.push_back('\\'); break;
            case '/': out.push_back('/'); break;
            case 'b': out.push_back('\b'); break;
            case 'f': out.push_back('\f'); break;
            case 'n': out.push_back('\n'); break;
            case 'r': out.push_back('\r'); break;
            case 't': out.push_back('\t'); break;
            case 'u': {
                unsigned cp = 0;
                if (!hex4(cp)) return false;
                if (cp >= 0xd800 && cp <= 0xdbff) {
                    unsigned lo = 0;
                    if (m_s.substr(m_i, 2) != "\\u") return fail("unpaired surrogate");
                    m_i += 2;
                    if (!hex4(lo) || lo < 0xdc00 || lo > 0xdfff) return fail("unpaired surrogate");
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                } else if (cp >= 0xdc00 && cp <= 0xdfff) {
                    return fail("unpaired surrogate");
                }
                appendUtf8(out, cp);
                break;
            }
            default: return fail("invalid escape in a string");
            }
        }
    }
    bool parseArray(Json& out, int depth) {
        out.type = Json::Type::Array;
        ++m_i;
        skipSpace();
        if (m_i < m_s.size() && m_s[m_i] == ']') {
            ++m_i;
            return true;
        }
        for (;;) {
            Json v;
            skipSpace();
            if (!parseValue(v, depth + 1)) return false;
            out.array.push_back(std::move(v));
            skipSpace();
            if (m_i >= m_s.size()) return fail("unterminated array");
            if (m_s[m_i] == ',') {
                ++m_i;
                continue;
            }
            if (m_s[m_i] == ']') {
                ++m_i;
                return true;
            }
            return fail("expected ',' or ']'");
        }
    }
    bool parseObject(Json& out, int depth) {
        out.type = Json::Type::Object;
        ++m_i;
        skipSpace();
        if (m_i < m_s.size() && m_s[m_i] == '}') {
            ++m_i;
            return true;
        }
        for (;;) {
            skipSpace();
            if (m_i >= m_s.size() || m_s[m_i] != '"') return fail("expected a field name");
            std::string name;
            if (!parseString(name)) return false;
            skipSpace();
            if (m_i >= m_s.size() || m_s[m_i] != ':') return fail("expected ':'");
            ++m_i;
            skipSpace();
            Json v;
            if (!parseValue(v, depth + 1)) return false;
            out.keys.push_back(std::move(name));
            out.values.push_back(std::move(v));
            skipSpace();
            if (m_i >= m_s.size()) return fail("unterminated object");
            if (m_s[m_i] == ',') {
                ++m_i;
                continue;
            }
            if (m_s[m_i] == '}') {
                ++m_i;
                return true;
            }
            return fail("expected ',' or '}'");
        }
    }

    std::string_view m_s;
    std::size_t m_i = 0;
    std::string m_error;
};

// Field access with a precise complaint; the first failure sticks.
class Reader {
public:
    explicit Reader(const Json& obj) : m_obj(obj) {}

    bool ok() const { return m_error.empty(); }
    const std::string& error() const { return m_error; }
    void fail(std::string message) {
        if (m_error.empty()) m_error = std::move(message);
    }

    const Json* field(std::string_view k, Json::Type t, bool required) {
        const Json* v = m_obj.get(k);
        if (!v) {
            if (required) fail("missing field '" + std::string(k) + "'");
            return nullptr;
        }
        if (v->type != t) {
            fail("field '" + std::string(k) + "' has the wrong type");
            return nullptr;
        }
        return v;
    }
    std::int64_t num(std::string_view k, bool required = true) {
        const Json* v = field(k, Json::Type::Number, required);
        return v ? v->number : 0;
    }
    std::string str(std::string_view k, bool required = true) {
        const Json* v = field(k, Json::Type::String, required);
        return v ? v->string : std::string();
    }
    bool boolean(std::string_view k, bool required = true) {
        const Json* v = field(k, Json::Type::Bool, required);
        return v ? v->boolean : false;
    }
    std::string bytes(std::string_view b64Key, bool required = true) {
        const Json* v = field(b64Key, Json::Type::String, required);
        if (!v) return {};
        auto decoded = base64Decode(v->string);
        if (!decoded) {
            fail("field '" + std::string(b64Key) + "' is not valid base64");
            return {};
        }
        return std::move(*decoded);
    }
    template <class E>
    E named(std::string_view k, std::optional<E> (*parse)(std::string_view) noexcept) {
        const std::string s = str(k);
        if (!ok()) return E{};
        const auto v = parse(s);
        if (!v) fail("field '" + std::string(k) + "' has an unknown value '" + s + "'");
        return v.value_or(E{});
    }
    Terminator terminator(std::string_view k) {
        const Json* v = field(k, Json::Type::Object, true);
        if (!v) return Terminator::none();
        Reader r(*v);
        const std::string kind = r.str("kind");
        Terminator t;
        if (kind == "none") {
            t = Terminator::none();
        } else if (kind == "count") {
            const std::int64_t n = r.num("count");
            if (n < 0) r.fail("a count terminator cannot be negative");
            t = Terminator::count(n < 0 ? 0 : n);
        } else if (kind == "bytes") {
            t = Terminator::bytes(r.bytes("data_b64"));
        } else {
            r.fail("unknown terminator kind '" + kind + "'");
        }
        if (!r.ok()) fail("in '" + std::string(k) + "': " + r.error());
        return t;
    }
    const Json& object() const { return m_obj; }

private:
    const Json& m_obj;
    std::string m_error;
};

template <class T>
T narrow(Reader& r, std::int64_t v, std::string_view what) {
    if (v < 0 || static_cast<std::uint64_t>(v) > std::numeric_limits<T>::max()) {
        r.fail("field '" + std::string(what) + "' is out of range");
        return 0;
    }
    return static_cast<T>(v);
}

bool readState(Reader& r, ChannelState& s) {
    s.role = r.named<ChannelRole>("role", &parseChannelRole);
    s.phase = r.named<ChannelPhase>("state", &parseChannelPhase);
    s.parent = narrow<ChannelId>(r, r.num("parent"), "parent");
    s.peer = r.str("peer");
    s.local = r.str("local");
    s.bytesIn = narrow<std::uint64_t>(r, r.num("bytes_in"), "bytes_in");
    s.bytesOut = narrow<std::uint64_t>(r, r.num("bytes_out"), "bytes_out");
    s.messagesIn = narrow<std::uint64_t>(r, r.num("messages_in"), "messages_in");
    s.messagesOut = narrow<std::uint64_t>(r, r.num("messages_out"), "messages_out");
    s.terminator = r.terminator("terminator");
    s.inBufferSize = narrow<std::uint64_t>(r, r.num("in_buffer"), "in_buffer");
    s.outBufferSize = narrow<std::uint64_t>(r, r.num("out_buffer"), "out_buffer");
    s.maxMessage = narrow<std::uint64_t>(r, r.num("max_message"), "max_message");
    s.highWater = narrow<std::uint64_t>(r, r.num("high_water"), "high_water");
    s.echo = r.boolean("echo");
    s.readable = r.boolean("readable");
    s.writable = r.boolean("writable");
    s.residue = r.bytes("residue_b64");
    s.pendingMessage = narrow<std::uint64_t>(r, r.num("pending_message"), "pending_message");
    s.queuedBytes = narrow<std::uint64_t>(r, r.num("queued"), "queued");
    s.fifoEntries = narrow<std::uint64_t>(r, r.num("fifo_entries"), "fifo_entries");
    if (const Json* fifo = r.field("fifo", Json::Type::Array, true)) {
        for (const Json& item : fifo->array) {
            if (item.type != Json::Type::Object) {
                r.fail("fifo entries must be objects");
                break;
            }
            Reader e(item);
            FifoEntryState f;
            f.kind = e.str("kind");
            f.remaining = e.num("remaining");
            if (!e.ok()) r.fail("in 'fifo': " + e.error());
            s.fifo.push_back(std::move(f));
        }
    }
    return r.ok();
}

bool readTrace(Reader& r, LoopTrace& t) {
    t.pass = narrow<std::uint64_t>(r, r.num("pass"), "pass");
    const std::string backend = r.str("backend");
    if (auto b = parseBackend(backend))
        t.backend = *b;
    else if (r.ok())
        r.fail("unknown backend '" + backend + "'");
    t.waitedUs = narrow<std::uint64_t>(r, r.num("waited_us"), "waited_us");
    auto items = [&](std::string_view k, auto&& each) {
        if (const Json* arr = r.field(k, Json::Type::Array, true)) {
            for (const Json& item : arr->array) {
                if (item.type != Json::Type::Object) {
                    r.fail("'" + std::string(k) + "' entries must be objects");
                    return;
                }
                Reader e(item);
                each(e);
                if (!e.ok()) r.fail("in '" + std::string(k) + "': " + e.error());
            }
        }
    };
    items("polled", [&](Reader& e) {
        t.polled.push_back({narrow<ChannelId>(e, e.num("channel"), "channel"), e.boolean("readable"),
                            e.boolean("writable")});
    });
    items("ready", [&](Reader& e) {
        unsigned bits = 0;
        if (const Json* ev = e.field("events", Json::Type::Array, true)) {
            for (const Json& name : ev->array) {
                const auto bit = name.type == Json::Type::String ? parseReadyBit(name.string) : std::nullopt;
                if (!bit) {
                    e.fail("unknown readiness name");
                    break;
                }
                bits |= *bit;
            }
        }
        t.ready.push_back({narrow<ChannelId>(e, e.num("channel"), "channel"), bits});
    });
    items("dispatched", [&](Reader& e) {
        const ChannelId ch = narrow<ChannelId>(e, e.num("channel"), "channel");
        const Hook h = e.named<Hook>("hook", &parseHook);
        t.dispatched.push_back({ch, h});
    });
    if (r.object().get("waiting")) {
        items("waiting", [&](Reader& e) {
            LoopTrace::Waiting wt;
            wt.channel = narrow<ChannelId>(e, e.num("channel"), "channel");
            wt.bytes = narrow<std::uint64_t>(e, e.num("bytes"), "bytes");
            wt.readable = e.boolean("readable");
            wt.writable = e.boolean("writable");
            if (const Json* ev = e.field("events", Json::Type::Array, true)) {
                for (const Json& name : ev->array) {
                    const auto bit = name.type == Json::Type::String ? parseReadyBit(name.string) : std::nullopt;
                    if (!bit) {
                        e.fail("unknown readiness name");
                        break;
                    }
                    wt.bits |= *bit;
                }
            }
            wt.next = e.str("next");
            t.waiting.push_back(std::move(wt));
        });
    }
    return r.ok();
}

bool parseLine(std::string_view line, Json& out, std::string* error) {
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    Parser p(line);
    if (!p.parseDocument(out)) {
        if (error) *error = "not valid JSON: " + p.error();
        return false;
    }
    if (out.type != Json::Type::Object) {
        if (error) *error = "a session line must be a JSON object";
        return false;
    }
    return true;
}

}  // namespace

std::optional<SessionHeader> decodeHeader(std::string_view line, std::string* error) {
    Json j;
    if (!parseLine(line, j, error)) return std::nullopt;
    Reader r(j);
    const std::string format = r.str("format", false);
    if (format != SessionHeader::kFormat) {
        if (error) *error = "not a linewright session (the header's \"format\" is not \"linewright-session\")";
        return std::nullopt;
    }
    SessionHeader h;
    const std::int64_t version = r.num("version");
    if (r.ok() && (version < 1 || version > SessionHeader::kVersion)) {
        if (error)
            *error = "session format version " + std::to_string(version) + " is not supported (this build reads 1 to " +
                     std::to_string(SessionHeader::kVersion) + ")";
        return std::nullopt;
    }
    h.version = static_cast<int>(version);
    h.tool = r.str("tool");
    h.toolVersion = r.str("tool_version");
    h.start = r.str("start");
    h.startUnixUs = r.num("start_unix_us");
    h.backend = r.str("backend", false);
    h.level = r.str("level", false);
    if (!r.ok()) {
        if (error) *error = "invalid session header: " + r.error();
        return std::nullopt;
    }
    return h;
}

std::optional<Event> decodeEvent(std::string_view line, std::string* error) {
    Json j;
    if (!parseLine(line, j, error)) return std::nullopt;
    Reader r(j);
    Event e;
    e.seq = narrow<std::uint64_t>(r, r.num("seq"), "seq");
    e.tUs = r.num("t_us");
    e.channel = narrow<ChannelId>(r, r.num("channel"), "channel");
    const std::string kind = r.str("event");
    if (!r.ok()) {
        if (error) *error = "invalid event: " + r.error();
        return std::nullopt;
    }
    const auto k = parseEventKind(kind);
    if (!k) {
        if (error) *error = "unknown event kind '" + kind + "'";
        return std::nullopt;
    }
    e.kind = *k;
    switch (e.kind) {
    case EventKind::Listening:
        e.info = r.str("address");
        e.size = r.num("port");
        break;
    case EventKind::Accepted:
        e.parent = narrow<ChannelId>(r, r.num("parent"), "parent");
        e.info = r.str("peer");
        e.aux = r.str("local");
        break;
    case EventKind::Connecting:
        e.info = r.str("address");
        e.aux = r.str("host");
        e.size = r.num("port");
        break;
    case EventKind::Connected:
        e.info = r.str("peer");
        e.aux = r.str("local");
        break;
    case EventKind::Hosted: {
        const HostPhase phase = r.named<HostPhase>("phase", &parseHostPhase);
        e.sub = static_cast<std::uint8_t>(phase);
        e.count = r.num("host");
        e.info = r.str("label");
        e.aux = r.str("host_label", false);
        e.parent = narrow<ChannelId>(r, r.num("parent", false), "parent");
        if (phase == HostPhase::Started) e.size = r.num("port", false);
        if (phase == HostPhase::Done) e.size = r.boolean("ok") ? 1 : 0;
        break;
    }
    case EventKind::Preview: {
        auto t = std::make_shared<LoopTrace>();
        readTrace(r, *t);
        e.trace = std::move(t);
        break;
    }
    case EventKind::Collect:
    case EventKind::Sent:
    case EventKind::Received:
        e.size = r.num("size");
        e.data = r.bytes("data_b64");
        if (r.ok() && static_cast<std::size_t>(e.size) != e.data.size()) r.fail("'size' does not match the bytes");
        break;
    case EventKind::FoundTerminator:
        e.size = r.num("size");
        e.setTerminator(r.terminator("terminator"));
        break;
    case EventKind::TerminatorSet: e.setTerminator(r.terminator("terminator")); break;
    case EventKind::BuffersSet:
        e.size = r.num("in_buffer");
        e.count = r.num("out_buffer");
        break;
    case EventKind::LimitsSet:
        e.size = r.num("max_message");
        e.count = r.num("high_water");
        break;
    case EventKind::Push:
        e.sub = static_cast<std::uint8_t>(r.named<ProducerKind>("producer", &parseProducerKind));
        e.size = r.num("size");
        e.count = r.num("copies", false);
        e.info = r.str("path", false);
        break;
    case EventKind::ProducerExhausted:
        e.sub = static_cast<std::uint8_t>(r.named<ProducerKind>("producer", &parseProducerKind));
        break;
    case EventKind::Discarded:
        e.size = r.num("size");
        e.count = r.num("entries");
        break;
    case EventKind::HighWater:
    case EventKind::LowWater:
        e.size = r.num("queued");
        e.count = r.num("mark");
        break;
    case EventKind::Closed: {
        e.sub = static_cast<std::uint8_t>(r.named<CloseReason>("reason", &parseCloseReason));
        e.info = r.str("detail");
        e.error = static_cast<std::int32_t>(r.num("errno", false));
        if (r.object().get("bytes_in")) {
            auto s = std::make_shared<ChannelState>();
            s->phase = ChannelPhase::Closed;
            s->bytesIn = narrow<std::uint64_t>(r, r.num("bytes_in"), "bytes_in");
            s->bytesOut = narrow<std::uint64_t>(r, r.num("bytes_out"), "bytes_out");
            s->messagesIn = narrow<std::uint64_t>(r, r.num("messages_in"), "messages_in");
            s->messagesOut = narrow<std::uint64_t>(r, r.num("messages_out"), "messages_out");
            e.state = std::move(s);
        }
        break;
    }
    case EventKind::Error:
        e.error = static_cast<std::int32_t>(r.num("errno"));
        e.info = r.str("message");
        break;
    case EventKind::Warning:
        e.sub = static_cast<std::uint8_t>(r.named<WarningCode>("code", &parseWarningCode));
        e.info = r.str("message");
        e.size = r.num("size", false);
        e.data = r.bytes("data_b64", false);
        break;
    case EventKind::Loop: {
        auto t = std::make_shared<LoopTrace>();
        readTrace(r, *t);
        e.trace = std::move(t);
        break;
    }
    case EventKind::ChannelState: {
        auto s = std::make_shared<ChannelState>();
        readState(r, *s);
        e.state = std::move(s);
        break;
    }
    case EventKind::LimitReached: e.count = r.num("messages"); break;
    case EventKind::CloseWhenDone:
    case EventKind::HalfClosed:
    case EventKind::Paused:
    case EventKind::Resumed:
    case EventKind::Stopped: break;
    }
    if (!r.ok()) {
        if (error) *error = "invalid " + kind + " event: " + r.error();
        return std::nullopt;
    }
    return e;
}

}  // namespace engine::eventjson
