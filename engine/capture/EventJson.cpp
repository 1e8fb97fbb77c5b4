// EventJson.cpp — the session format's header and event lines, written and
// read field by field as the kind table (EventKinds.cpp) describes each kind.
#include "engine/capture/EventJson.h"

#include "engine/asyncore/Escape.h"
#include "engine/capture/Base64.h"
#include "engine/capture/JsonReader.h"
#include "engine/capture/JsonWriter.h"
#include "engine/capture/UtcTime.h"
#include "engine/reactor/EventKinds.h"

#include <algorithm>
#include <limits>
#include <memory>
#include <span>
#include <utility>
#include <vector>

namespace engine::eventjson {

SessionHeader makeHeader(std::string tool, std::string toolVersion, std::chrono::system_clock::time_point start,
                         std::string backend, std::string level) {
    SessionHeader h;
    h.tool = std::move(tool);
    h.toolVersion = std::move(toolVersion);
    h.start = formatUtc(start);
    h.startUnixUs = std::chrono::duration_cast<std::chrono::microseconds>(start.time_since_epoch()).count();
    h.backend = std::move(backend);
    h.level = std::move(level);
    return h;
}

// --- Writing ------------------------------------------------------------------------------------

namespace {

/// How byte fields are written: version 1 with or without the text
/// rendering, or version 2 (`compact`): whichever of the two is shorter.
struct Style {
    Style(bool text) : withText(text) {}  // a plain bool: version 1
    Style(bool text, bool c) : withText(text), compact(c) {}
    bool withText = false;
    bool compact = false;
};

/// `b64Key` (exact, base64) then, unless `withText` is false, `textKey`
/// (escaped, for people). Compact: only `textKey` when it is not longer.
void writeBytes(JsonObjectWriter& w, std::string_view b64Key, std::string_view textKey, std::string_view v,
                Style style) {
    if (style.compact) {
        std::string text;
        appendEscaped(text, v);
        // The rendering is printable ASCII: in JSON only " and \ take two bytes.
        std::size_t jsonSize = text.size();
        for (char c : text) jsonSize += (c == '"' || c == '\\') ? 1 : 0;
        if (jsonSize <= (v.size() + 2) / 3 * 4) {
            w.str(textKey, text);
            return;
        }
    }
    w.key(b64Key);
    std::string& out = w.raw();
    out.push_back('"');
    base64::append(out, v);
    out.push_back('"');
    if (!style.withText || style.compact) return;
    std::string text;
    appendEscaped(text, v);
    w.str(textKey, text);
}

void writeTerminator(JsonObjectWriter& w, std::string_view k, const Terminator& t, Style withText) {
    w.key(k);
    JsonObjectWriter o(w.raw());
    switch (t.kind()) {
    case Terminator::Kind::None: o.str("kind", "none"); break;
    case Terminator::Kind::Count:
        o.str("kind", "count");
        o.unum("count", t.countValue());
        break;
    case Terminator::Kind::Bytes:
        o.str("kind", "bytes");
        writeBytes(o, "data_b64", "text", t.bytesValue(), withText);
        break;
    }
    o.end();
}

/// KEY: [ {…}, … ]: one object per item, written by `fill(objectWriter, item)`.
template <typename Items, typename Fill>
void writeObjects(JsonObjectWriter& w, std::string_view key, const Items& items, Fill fill) {
    w.key(key);
    std::string& out = w.raw();
    out.push_back('[');
    bool first = true;
    for (const auto& item : items) {
        if (!first) out.push_back(',');
        first = false;
        JsonObjectWriter e(out);
        fill(e, item);
        e.end();
    }
    out.push_back(']');
}

void writeState(JsonObjectWriter& w, const ChannelState& s, Style withText) {
    w.str("role", channelRoleName(s.role));
    w.str("state", channelPhaseName(s.phase));
    w.unum("parent", s.parent);
    w.str("peer", s.peer);
    w.str("local", s.local);
    w.unum("bytes_in", s.bytesIn);
    w.unum("bytes_out", s.bytesOut);
    w.unum("messages_in", s.messagesIn);
    w.unum("messages_out", s.messagesOut);
    writeTerminator(w, "terminator", s.terminator, withText);
    w.unum("in_buffer", s.inBufferSize);
    w.unum("out_buffer", s.outBufferSize);
    w.unum("max_message", s.maxMessage);
    w.unum("high_water", s.highWater);
    w.boolean("echo", s.echo);
    w.boolean("readable", s.readable);
    w.boolean("writable", s.writable);
    writeBytes(w, "residue_b64", "residue", s.residue, withText);
    w.unum("pending_message", s.pendingMessage);
    w.unum("queued", s.queuedBytes);
    w.unum("fifo_entries", s.fifoEntries);
    writeObjects(w, "fifo", s.fifo, [](JsonObjectWriter& e, const auto& f) {
        e.str("kind", f.kind);
        e.num("remaining", f.remaining);
    });
}

/// A channel's TLS layer wanting the socket while the application does not:
/// written only when true, so plaintext traces stay as they were.
template <class Entry>
void writeLayerWants(JsonObjectWriter& e, const Entry& p) {
    if (p.layerWantsRead) e.boolean("layer_wants_read", true);
    if (p.layerWantsWrite) e.boolean("layer_wants_write", true);
}

void writeTrace(JsonObjectWriter& w, const LoopTrace& t) {
    w.unum("pass", t.pass);
    w.str("backend", backendName(t.backend));
    w.unum("waited_us", t.waitedUs);
    writeObjects(w, "polled", t.polled, [](JsonObjectWriter& e, const auto& p) {
        e.unum("channel", p.channel);
        e.boolean("readable", p.readable);
        e.boolean("writable", p.writable);
        writeLayerWants(e, p);
    });
    writeObjects(w, "ready", t.ready, [](JsonObjectWriter& e, const auto& r) {
        e.unum("channel", r.channel);
        e.strings("events", readyBitNames(r.bits));
    });
    writeObjects(w, "dispatched", t.dispatched, [](JsonObjectWriter& e, const auto& d) {
        e.unum("channel", d.channel);
        e.str("hook", hookName(d.hook));
    });
    // What the pass did (`loop` events): written only when there is any, so
    // that traces from before stay as they were.
    if (!t.terminatorChanges.empty()) {
        writeObjects(w, "terminator_changes", t.terminatorChanges,
                     [](JsonObjectWriter& e, const LoopTrace::TerminatorChange& c) {
                         e.unum("channel", c.channel);
                         e.str("hook", hookName(c.hook));
                         e.unum("hook_index", c.hookIndex);
                         writeTerminator(e, "from", c.from, false);
                         writeTerminator(e, "to", c.to, false);
                     });
    }
    if (!t.after.empty()) {
        writeObjects(w, "after", t.after, [](JsonObjectWriter& e, const LoopTrace::After& a) {
            e.unum("channel", a.channel);
            e.boolean("open", a.open);
            writeTerminator(e, "terminator", a.terminator, false);
            e.unum("in_buffered", a.inBuffered);
            writeBytes(e, "held_b64", "held", a.held, false);
            e.unum("queued", a.queuedBytes);
            e.unum("fifo_entries", a.fifoEntries);
        });
    }
    if (t.waiting.empty()) return;
    writeObjects(w, "waiting", t.waiting, [](JsonObjectWriter& e, const LoopTrace::Waiting& wt) {
        e.unum("channel", wt.channel);
        e.unum("bytes", wt.bytes);
        e.boolean("readable", wt.readable);
        e.boolean("writable", wt.writable);
        e.strings("events", readyBitNames(wt.bits));
        writeLayerWants(e, wt);
        e.str("next", wt.next);
    });
}

// TLS strings within the limits of EventJson.h, so that what is written reads back.
void boundedText(JsonObjectWriter& w, std::string_view k, std::string_view v) { w.str(k, clampedUtf8(v, kMaxTlsString)); }

void writeCertificate(JsonObjectWriter& e, const CertificateInfo& c) {
    const auto text = [&e](std::string_view k, std::string_view v) { boundedText(e, k, v); };
    text("subject", c.subject);
    text("issuer", c.issuer);
    text("not_before", c.notBefore);
    text("not_after", c.notAfter);
    std::vector<std::string> sans;
    for (std::size_t i = 0; i < c.subjectAltNames.size() && i < kMaxTlsSans; ++i)
        sans.push_back(clampedUtf8(c.subjectAltNames[i], kMaxTlsString));
    e.strings("san", sans);
    text("sha256", c.sha256);
    text("serial", c.serial);
    text("key_type", c.keyType);
}

void writeTls(JsonObjectWriter& w, const TlsHandshakeInfo& t) {
    const auto text = [&w](std::string_view k, std::string_view v) { boundedText(w, k, v); };
    text("version", t.version);
    text("cipher", t.cipher);
    text("alpn", t.alpn);
    text("server_name", t.serverName);
    w.boolean("resumed", t.resumed);
    w.boolean("server", t.server);
    w.boolean("starttls", t.startTls);
    w.boolean("verified", t.verified);
    w.boolean("verify_skipped", t.verifySkipped);
    text("verify_result", t.verifyResult);
    text("local_fingerprint", t.localFingerprint);
    const std::span<const CertificateInfo> chain(t.peerChain.data(), std::min(t.peerChain.size(), kMaxTlsChain));
    writeObjects(w, "peer_chain", chain, writeCertificate);
}

std::string_view nameOf(std::span<const std::string_view> names, std::uint8_t v) {
    return v < names.size() ? names[v] : std::string_view("?");
}

std::int64_t numberIn(const Event& e, EventSlot slot) {
    switch (slot) {
    case EventSlot::Size: return e.size;
    case EventSlot::Count: return e.count;
    case EventSlot::Parent: return e.parent;
    case EventSlot::Error: return e.error;
    default: return 0;
    }
}

const std::string& textIn(const Event& e, EventSlot slot) { return slot == EventSlot::Aux ? e.aux : e.info; }

// Whether the field is written for `e` (see Presence).
bool written(const EventField& f, const Event& e) {
    switch (f.presence) {
    case Presence::Required: return true;
    case Presence::IfSet:
        switch (f.slot) {
        case EventSlot::Data: return !e.data.empty();
        case EventSlot::Info:
        case EventSlot::Aux: return !textIn(e, f.slot).empty();
        case EventSlot::Trace: return e.trace != nullptr;
        case EventSlot::Tls: return e.tls != nullptr;
        case EventSlot::State:
        case EventSlot::Counters: return e.state != nullptr;
        default: return numberIn(e, f.slot) != 0;
        }
    case Presence::ForSub:
    case Presence::OptionalForSub:
    case Presence::WrittenForSub: return e.sub == f.sub;
    }
    return false;
}

void writeField(JsonObjectWriter& w, const EventField& f, const Event& e, Style withText) {
    switch (f.type) {
    case FieldType::Number:
        if (f.slot == EventSlot::Parent)
            w.unum(f.key, e.parent);
        else
            w.num(f.key, numberIn(e, f.slot));
        break;
    case FieldType::Text: w.str(f.key, textIn(e, f.slot)); break;
    case FieldType::Bytes: writeBytes(w, f.key, f.textKey, e.data, withText); break;
    case FieldType::Flag: w.boolean(f.key, numberIn(e, f.slot) != 0); break;
    case FieldType::Name: w.str(f.key, nameOf(f.names, e.sub)); break;
    case FieldType::Terminator: writeTerminator(w, f.key, e.terminator(), withText); break;
    case FieldType::Group:
        switch (f.slot) {
        case EventSlot::Trace:
            if (e.trace) writeTrace(w, *e.trace);
            break;
        case EventSlot::Tls:
            if (e.tls) writeTls(w, *e.tls);
            break;
        case EventSlot::State:
            if (e.state) writeState(w, *e.state, withText);
            break;
        case EventSlot::Counters:
            if (e.state) {
                w.unum("bytes_in", e.state->bytesIn);
                w.unum("bytes_out", e.state->bytesOut);
                w.unum("messages_in", e.state->messagesIn);
                w.unum("messages_out", e.state->messagesOut);
            }
            break;
        default: break;
        }
        break;
    }
}

// Version 2: whether `f` is left out of `e`'s line because a reader takes
// it from the lines before (`c`) or from the rest of the line, or because it
// holds its default (0, "", false, the first name, no bytes).
bool derived(const EventField& f, const Event& e, const CompactContext& c) {
    const EventKindInfo& kind = eventKindInfo(e.kind);
    if (f.type == FieldType::Number && f.slot == EventSlot::Size && kind.sizeIsByteCount) return true;
    if (e.kind == EventKind::FoundTerminator) {
        const auto m = c.messages.find(e.channel);
        if (f.type == FieldType::Number && f.slot == EventSlot::Size)
            return e.size == (m == c.messages.end() ? 0 : m->second.pending);
        if (f.type == FieldType::Terminator)
            return m != c.messages.end() && m->second.hasTerminator && m->second.terminator == e.terminator();
    }
    switch (f.type) {
    case FieldType::Number: return (f.slot == EventSlot::Parent ? std::int64_t{e.parent} : numberIn(e, f.slot)) == 0;
    case FieldType::Flag: return numberIn(e, f.slot) == 0;
    case FieldType::Text: return textIn(e, f.slot).empty();
    case FieldType::Name: return e.sub == 0;
    case FieldType::Bytes: return e.data.empty();
    default: return false;
    }
}

// Whether `a - b` fits in an int64 (a dt), checked without overflowing.
bool differenceFits(std::int64_t a, std::int64_t b) {
    if (b >= 0) return a >= std::numeric_limits<std::int64_t>::min() + b;
    return a <= std::numeric_limits<std::int64_t>::max() + b;
}

void writeEvent(std::string& out, const Event& e, bool withText, CompactContext* compact = nullptr) {
    JsonObjectWriter w(out);
    const EventKindInfo& kind = eventKindInfo(e.kind);
    if (!compact) {
        w.unum("seq", e.seq);
        w.num("t_us", e.tUs);
        w.unum("channel", e.channel);
    } else {
        if (e.seq != compact->seq + 1) w.unum("seq", e.seq);
        if (e.tUs != compact->tUs) {
            if (differenceFits(e.tUs, compact->tUs))
                w.num("dt", e.tUs - compact->tUs);
            else
                w.num("t_us", e.tUs);
        }
        if (e.channel != compact->channel) w.unum("channel", e.channel);
    }
    w.str("event", kind.name);
    const Style style(withText && !compact, compact != nullptr);
    for (const EventField& f : kind.fields)
        if (written(f, e) && !(compact && derived(f, e, *compact))) writeField(w, f, e, style);
    w.end();
    if (compact) compact->advance(e);
}

}  // namespace

void appendHeader(std::string& out, const SessionHeader& h) {
    JsonObjectWriter w(out);
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

void appendEvent(std::string& out, const Event& event, Rendering rendering) {
    writeEvent(out, event, rendering == Rendering::WithText);
    out.push_back('\n');
}

std::string encodeEvent(const Event& event, Rendering rendering) {
    std::string out;
    writeEvent(out, event, rendering == Rendering::WithText);
    return out;
}

void CompactContext::advance(const Event& e) {
    seq = e.seq;
    tUs = e.tUs;
    channel = e.channel;
    switch (e.kind) {
    case EventKind::Collect: messages[e.channel].pending += e.size; break;
    case EventKind::FoundTerminator: {
        Message& m = messages[e.channel];
        m.pending = 0;
        m.hasTerminator = true;
        m.terminator = e.terminator();
        break;
    }
    case EventKind::Closed: messages.erase(e.channel); break;
    default: break;
    }
}

void appendCompactEvent(std::string& out, const Event& event, CompactContext& context) {
    writeEvent(out, event, false, &context);
    out.push_back('\n');
}

// --- Reading -------------------------------------------------------------------------------------

namespace {

// The bytes of `b64Key`; in a version 2 line (`textKey` given) they may be
// in `textKey` instead, as their escaped rendering.
std::string readBytes(JsonFields& r, std::string_view b64Key, bool required = true, std::string_view textKey = {}) {
    if (!textKey.empty() && !r.has(b64Key) && r.has(textKey)) {
        const JsonValue* t = r.field(textKey, JsonValue::Type::String, true);
        if (!t) return {};
        auto bytes = parseEscaped(t->string);
        if (!bytes) r.fail("field '" + std::string(textKey) + "' is not a valid escaped rendering of bytes");
        return bytes.value_or(std::string());
    }
    const JsonValue* v = r.field(b64Key, JsonValue::Type::String, required);
    if (!v) return {};
    auto decoded = base64::decode(v->string);
    if (!decoded) {
        r.fail("field '" + std::string(b64Key) + "' is not valid base64");
        return {};
    }
    return std::move(*decoded);
}

template <class E>
E named(JsonFields& r, std::string_view k, std::optional<E> (*parse)(std::string_view) noexcept) {
    const std::string s = r.str(k);
    if (!r.ok()) return E{};
    const auto v = parse(s);
    if (!v) r.fail("field '" + std::string(k) + "' has an unknown value '" + s + "'");
    return v.value_or(E{});
}

// The index of the name in `names`; 0 (and a failure) if it is not one of them.
std::uint8_t readName(JsonFields& r, std::string_view k, std::span<const std::string_view> names,
                      bool required = true) {
    if (!required && !r.has(k)) return 0;
    const std::string s = r.str(k);
    if (!r.ok()) return 0;
    for (std::size_t i = 0; i < names.size(); ++i)
        if (names[i] == s) return static_cast<std::uint8_t>(i);
    r.fail("field '" + std::string(k) + "' has an unknown value '" + s + "'");
    return 0;
}

Terminator readTerminator(JsonFields& outer, std::string_view k, bool compact = false) {
    const JsonValue* v = outer.field(k, JsonValue::Type::Object, true);
    if (!v) return Terminator::none();
    JsonFields r(*v);
    const std::string kind = r.str("kind");
    Terminator t;
    if (kind == "none") {
        t = Terminator::none();
    } else if (kind == "count") {
        const std::int64_t n = r.num("count");
        if (n < 0) r.fail("a count terminator cannot be negative");
        t = Terminator::count(n < 0 ? 0 : n);
    } else if (kind == "bytes") {
        t = Terminator::bytes(readBytes(r, "data_b64", true, compact ? "text" : ""));
    } else {
        r.fail("unknown terminator kind '" + kind + "'");
    }
    if (!r.ok()) outer.fail("in '" + std::string(k) + "': " + r.error());
    return t;
}

template <class T>
T narrow(JsonFields& r, std::int64_t v, std::string_view what) {
    if (v < 0 || static_cast<std::uint64_t>(v) > std::numeric_limits<T>::max()) {
        r.fail("field '" + std::string(what) + "' is out of range");
        return 0;
    }
    return static_cast<T>(v);
}

/// The number field `key` of `r`, refused ("out of range") unless a T holds it.
template <class T>
T numField(JsonFields& r, std::string_view key) {
    return narrow<T>(r, r.num(key), key);
}

/// KEY: [ {…}, … ]: `each(fields)` for each object, in order, until one
/// fails ("in 'KEY': …", or "in 'KEY' ITEM N: …" when `item` names them).
/// More than `max` objects is refused before any is read ("field 'KEY' has
/// N NOUNS, more than MAX").
struct ArrayRules {
    bool required = true;
    std::size_t max = std::numeric_limits<std::size_t>::max();
    std::string_view nouns = "entries";
    std::string_view item = {};
};

bool arrayWithin(JsonFields& r, std::string_view key, const JsonValue& arr, const ArrayRules& rules) {
    if (arr.array.size() <= rules.max) return true;
    r.fail("field '" + std::string(key) + "' has " + std::to_string(arr.array.size()) + " " + std::string(rules.nouns) +
           ", more than " + std::to_string(rules.max));
    return false;
}

template <typename Each>
void readObjects(JsonFields& r, std::string_view key, Each each, const ArrayRules& rules = {}) {
    const JsonValue* arr = r.field(key, JsonValue::Type::Array, rules.required);
    if (!arr || !arrayWithin(r, key, *arr, rules)) return;
    for (std::size_t i = 0; i < arr->array.size() && r.ok(); ++i) {
        const JsonValue& item = arr->array[i];
        if (item.type != JsonValue::Type::Object) {
            r.fail("'" + std::string(key) + "' entries must be objects");
            return;
        }
        JsonFields e(item);
        each(e);
        if (!e.ok())
            r.fail("in '" + std::string(key) + "'" +
                   (rules.item.empty() ? std::string() : " " + std::string(rules.item) + " " + std::to_string(i + 1)) +
                   ": " + e.error());
    }
}

/// KEY: [ "…", … ]: `each(string)` for each, in order, until it returns false
/// (having said why); the same rules as readObjects.
template <typename Each>
void readStrings(JsonFields& r, std::string_view key, Each each, const ArrayRules& rules = {}) {
    const JsonValue* arr = r.field(key, JsonValue::Type::Array, rules.required);
    if (!arr || !arrayWithin(r, key, *arr, rules)) return;
    for (const JsonValue& v : arr->array) {
        if (v.type != JsonValue::Type::String) {
            r.fail("'" + std::string(key) + "' entries must be strings");
            return;
        }
        if (!each(v.string)) return;
    }
}

/// `events`: readiness names, as ReadyBits.
unsigned readReadyBits(JsonFields& e) {
    unsigned bits = 0;
    readStrings(e, "events", [&](const std::string& name) {
        const auto bit = parseReadyBit(name);
        if (!bit) e.fail("unknown readiness name");
        bits |= bit.value_or(0u);
        return bit.has_value();
    });
    return bits;
}

bool readState(JsonFields& r, ChannelState& s, bool compact) {
    s.role = named<ChannelRole>(r, "role", &parseChannelRole);
    s.phase = named<ChannelPhase>(r, "state", &parseChannelPhase);
    s.parent = numField<ChannelId>(r, "parent");
    s.peer = r.str("peer");
    s.local = r.str("local");
    s.bytesIn = numField<std::uint64_t>(r, "bytes_in");
    s.bytesOut = numField<std::uint64_t>(r, "bytes_out");
    s.messagesIn = numField<std::uint64_t>(r, "messages_in");
    s.messagesOut = numField<std::uint64_t>(r, "messages_out");
    s.terminator = readTerminator(r, "terminator", compact);
    s.inBufferSize = numField<std::uint64_t>(r, "in_buffer");
    s.outBufferSize = numField<std::uint64_t>(r, "out_buffer");
    s.maxMessage = numField<std::uint64_t>(r, "max_message");
    s.highWater = numField<std::uint64_t>(r, "high_water");
    s.echo = r.boolean("echo");
    s.readable = r.boolean("readable");
    s.writable = r.boolean("writable");
    s.residue = readBytes(r, "residue_b64", true, compact ? "residue" : "");
    s.pendingMessage = numField<std::uint64_t>(r, "pending_message");
    s.queuedBytes = numField<std::uint64_t>(r, "queued");
    s.fifoEntries = numField<std::uint64_t>(r, "fifo_entries");
    readObjects(r, "fifo", [&](JsonFields& e) {
        FifoEntryState f;
        f.kind = e.str("kind");
        f.remaining = e.num("remaining");
        s.fifo.push_back(std::move(f));
    });
    return r.ok();
}

bool readTrace(JsonFields& r, LoopTrace& t) {
    t.pass = numField<std::uint64_t>(r, "pass");
    const std::string backend = r.str("backend");
    if (auto b = parseBackend(backend))
        t.backend = *b;
    else if (r.ok())
        r.fail("unknown backend '" + backend + "'");
    t.waitedUs = numField<std::uint64_t>(r, "waited_us");
    readObjects(r, "polled", [&](JsonFields& e) {
        LoopTrace::Polled p;
        p.channel = numField<ChannelId>(e, "channel");
        p.readable = e.boolean("readable");
        p.writable = e.boolean("writable");
        p.layerWantsRead = e.boolean("layer_wants_read", false);
        p.layerWantsWrite = e.boolean("layer_wants_write", false);
        t.polled.push_back(p);
    });
    readObjects(r, "ready", [&](JsonFields& e) {
        const ChannelId ch = numField<ChannelId>(e, "channel");
        t.ready.push_back({ch, readReadyBits(e)});
    });
    readObjects(r, "dispatched", [&](JsonFields& e) {
        const ChannelId ch = numField<ChannelId>(e, "channel");
        const Hook h = named<Hook>(e, "hook", &parseHook);
        t.dispatched.push_back({ch, h});
    });
    readObjects(
        r, "terminator_changes",
        [&](JsonFields& e) {
            LoopTrace::TerminatorChange c;
            c.channel = numField<ChannelId>(e, "channel");
            c.hook = named<Hook>(e, "hook", &parseHook);
            c.hookIndex = numField<std::uint64_t>(e, "hook_index");
            c.from = readTerminator(e, "from");
            c.to = readTerminator(e, "to");
            t.terminatorChanges.push_back(std::move(c));
        },
        {.required = false});
    readObjects(
        r, "after",
        [&](JsonFields& e) {
            LoopTrace::After a;
            a.channel = numField<ChannelId>(e, "channel");
            a.open = e.boolean("open");
            a.terminator = readTerminator(e, "terminator");
            a.inBuffered = numField<std::uint64_t>(e, "in_buffered");
            a.held = readBytes(e, "held_b64");
            if (a.held.size() > LoopTrace::kHeldShown) e.fail("field 'held_b64' is longer than " + std::to_string(LoopTrace::kHeldShown) + " bytes");
            a.queuedBytes = numField<std::uint64_t>(e, "queued");
            a.fifoEntries = numField<std::uint64_t>(e, "fifo_entries");
            t.after.push_back(std::move(a));
        },
        {.required = false});
    readObjects(
        r, "waiting",
        [&](JsonFields& e) {
            LoopTrace::Waiting wt;
            wt.channel = numField<ChannelId>(e, "channel");
            wt.bytes = numField<std::uint64_t>(e, "bytes");
            wt.readable = e.boolean("readable");
            wt.writable = e.boolean("writable");
            wt.bits = readReadyBits(e);
            wt.layerWantsRead = e.boolean("layer_wants_read", false);
            wt.layerWantsWrite = e.boolean("layer_wants_write", false);
            wt.next = e.str("next");
            t.waiting.push_back(std::move(wt));
        },
        {.required = false});
    return r.ok();
}

// The characters (code points) of a string a reader got: its bytes other
// than UTF-8 continuation bytes. Each counts as one, so a string of stray
// continuation bytes is bounded by its size in bytes instead.
bool withinChars(std::string_view s, std::size_t maxChars) {
    if (s.size() > 4 * maxChars) return false;
    std::size_t chars = 0;
    for (const char c : s)
        if ((static_cast<unsigned char>(c) & 0xc0) != 0x80) ++chars;
    return chars <= maxChars;
}

std::string boundedStr(JsonFields& r, std::string_view k, bool required = true) {
    std::string v = r.str(k, required);
    if (!withinChars(v, kMaxTlsString)) {
        r.fail("field '" + std::string(k) + "' is longer than " + std::to_string(kMaxTlsString) + " characters");
        v.clear();
    }
    return v;
}

void readCertificate(JsonFields& r, CertificateInfo& c) {
    c.subject = boundedStr(r, "subject");
    c.issuer = boundedStr(r, "issuer");
    c.notBefore = boundedStr(r, "not_before", false);
    c.notAfter = boundedStr(r, "not_after", false);
    readStrings(
        r, "san",
        [&](const std::string& name) {
            if (!withinChars(name, kMaxTlsString)) {
                r.fail("a name in 'san' is longer than " + std::to_string(kMaxTlsString) + " characters");
                return false;
            }
            c.subjectAltNames.push_back(name);
            return true;
        },
        {.required = false, .max = kMaxTlsSans, .nouns = "names"});
    c.sha256 = boundedStr(r, "sha256");
    c.serial = boundedStr(r, "serial", false);
    c.keyType = boundedStr(r, "key_type", false);
}

bool readTls(JsonFields& r, TlsHandshakeInfo& t) {
    t.version = boundedStr(r, "version");
    t.cipher = boundedStr(r, "cipher");
    t.alpn = boundedStr(r, "alpn", false);
    t.serverName = boundedStr(r, "server_name", false);
    t.resumed = r.boolean("resumed", false);
    t.server = r.boolean("server");
    t.startTls = r.boolean("starttls", false);
    t.verified = r.boolean("verified");
    t.verifySkipped = r.boolean("verify_skipped", false);
    if (r.ok() && t.verified && t.verifySkipped) r.fail("'verified' and 'verify_skipped' cannot both be true");
    t.verifyResult = boundedStr(r, "verify_result");
    t.localFingerprint = boundedStr(r, "local_fingerprint", false);
    readObjects(
        r, "peer_chain",
        [&](JsonFields& e) {
            CertificateInfo c;
            readCertificate(e, c);
            t.peerChain.push_back(std::move(c));
        },
        {.max = kMaxTlsChain, .nouns = "certificates", .item = "certificate"});
    return r.ok();
}

// Whether the field is read for an event whose sub is `sub` (see Presence).
bool readFor(const EventField& f, std::uint8_t sub) {
    switch (f.presence) {
    case Presence::ForSub:
    case Presence::OptionalForSub: return sub == f.sub;
    case Presence::Required:
    case Presence::IfSet:
    case Presence::WrittenForSub: return true;
    }
    return false;
}

// Compact (version 2): nothing is required; what is absent is its default,
// or derived afterwards (decodeCompactEvent).
void readField(JsonFields& r, const EventField& f, Event& e, bool compact = false) {
    const bool required = f.requiredFor(e.sub) && !compact;
    switch (f.type) {
    case FieldType::Number: {
        const std::int64_t v = r.num(f.key, required);
        switch (f.slot) {
        case EventSlot::Size: e.size = v; break;
        case EventSlot::Count: e.count = v; break;
        case EventSlot::Parent: e.parent = narrow<ChannelId>(r, v, f.key); break;
        case EventSlot::Error: e.error = static_cast<std::int32_t>(v); break;
        default: break;
        }
        break;
    }
    case FieldType::Text: (f.slot == EventSlot::Aux ? e.aux : e.info) = r.str(f.key, required); break;
    case FieldType::Bytes: e.data = readBytes(r, f.key, required, compact ? f.textKey : ""); break;
    case FieldType::Flag: {
        const std::int64_t v = r.boolean(f.key, required) ? 1 : 0;
        (f.slot == EventSlot::Count ? e.count : e.size) = v;
        break;
    }
    case FieldType::Name: e.sub = readName(r, f.key, f.names, required); break;
    case FieldType::Terminator:
        if (compact && e.kind == EventKind::FoundTerminator && !r.has(f.key))
            break;  // the channel's previous one (decodeCompactEvent)
        e.setTerminator(readTerminator(r, f.key, compact));
        break;
    case FieldType::Group:
        if (!required && !r.has(f.key)) break;
        switch (f.slot) {
        case EventSlot::Trace: {
            auto t = std::make_shared<LoopTrace>();
            readTrace(r, *t);
            e.trace = std::move(t);
            break;
        }
        case EventSlot::Tls: {
            auto t = std::make_shared<TlsHandshakeInfo>();
            readTls(r, *t);
            e.tls = std::move(t);
            break;
        }
        case EventSlot::State: {
            auto s = std::make_shared<ChannelState>();
            readState(r, *s, compact);
            e.state = std::move(s);
            break;
        }
        case EventSlot::Counters: {
            auto s = std::make_shared<ChannelState>();
            s->phase = ChannelPhase::Closed;
            s->bytesIn = numField<std::uint64_t>(r, "bytes_in");
            s->bytesOut = numField<std::uint64_t>(r, "bytes_out");
            s->messagesIn = numField<std::uint64_t>(r, "messages_in");
            s->messagesOut = numField<std::uint64_t>(r, "messages_out");
            e.state = std::move(s);
            break;
        }
        default: break;
        }
        break;
    }
}

}  // namespace

std::optional<SessionHeader> decodeHeader(std::string_view line, std::string* error) {
    JsonValue j;
    if (!parseJsonObjectLine(line, j, error)) return std::nullopt;
    JsonFields r(j);
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

namespace {

// The rest of an event line once seq, t_us and channel are read: its kind
// (`event`), then the kind's fields. False, with `error` set, when the
// line is not what it claims to be.
bool readKindAndFields(JsonFields& r, Event& e, bool compact, std::string* error) {
    const std::string kindName = r.str("event");
    if (!r.ok()) {
        if (error) *error = "invalid event: " + r.error();
        return false;
    }
    const auto k = parseEventKind(kindName);
    if (!k) {
        if (error) *error = "unknown event kind '" + kindName + "'";
        return false;
    }
    e.kind = *k;
    for (const EventField& f : eventKindInfo(e.kind).fields)
        if (readFor(f, e.sub)) readField(r, f, e, compact);
    return true;
}

// The checks after the fields (and, compact, what was derived from them).
bool checked(JsonFields& r, const Event& e, std::string* error) {
    if (eventKindInfo(e.kind).sizeIsByteCount && r.ok() && static_cast<std::size_t>(e.size) != e.data.size())
        r.fail("'size' does not match the bytes");
    if (r.ok()) return true;
    if (error) *error = "invalid " + std::string(eventKindName(e.kind)) + " event: " + r.error();
    return false;
}

}  // namespace

std::optional<Event> decodeEvent(std::string_view line, std::string* error) {
    JsonValue j;
    if (!parseJsonObjectLine(line, j, error)) return std::nullopt;
    JsonFields r(j);
    Event e;
    e.seq = numField<std::uint64_t>(r, "seq");
    e.tUs = r.num("t_us");
    e.channel = numField<ChannelId>(r, "channel");
    if (!readKindAndFields(r, e, false, error) || !checked(r, e, error)) return std::nullopt;
    return e;
}

std::optional<Event> decodeCompactEvent(std::string_view line, CompactContext& c, std::string* error) {
    JsonValue j;
    if (!parseJsonObjectLine(line, j, error)) return std::nullopt;
    JsonFields r(j);
    Event e;
    e.seq = r.has("seq") ? numField<std::uint64_t>(r, "seq") : c.seq + 1;
    if (r.has("t_us")) {
        e.tUs = r.num("t_us");
    } else {
        const std::int64_t dt = r.num("dt", false);
        if (dt == std::numeric_limits<std::int64_t>::min() || !differenceFits(c.tUs, -dt))
            r.fail("field 'dt' is out of range");
        else
            e.tUs = c.tUs + dt;
    }
    e.channel = r.has("channel") ? numField<ChannelId>(r, "channel") : c.channel;
    if (!readKindAndFields(r, e, true, error)) return std::nullopt;
    if (eventKindInfo(e.kind).sizeIsByteCount && !r.has("size")) e.size = static_cast<std::int64_t>(e.data.size());
    if (e.kind == EventKind::FoundTerminator && r.ok()) {
        const auto m = c.messages.find(e.channel);
        if (!r.has("size")) e.size = m == c.messages.end() ? 0 : m->second.pending;
        if (!r.has("terminator")) {
            if (m == c.messages.end() || !m->second.hasTerminator)
                r.fail("missing field 'terminator' (channel " + std::to_string(e.channel) +
                       " has no earlier found_terminator to take it from)");
            else
                e.setTerminator(m->second.terminator);
        }
    }
    if (!checked(r, e, error)) return std::nullopt;
    c.advance(e);
    return e;
}

}  // namespace engine::eventjson
