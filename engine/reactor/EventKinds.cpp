// EventKinds.cpp — the table of event kinds (docs/session-format.md, "Event
// kinds"), checked at compile time, and the lookups built on it.
#include "engine/reactor/EventKinds.h"

namespace engine {
namespace {

using S = EventSlot;
using P = Presence;

// --- Field constructors, so that each row reads like the format's table ------------------------

constexpr EventField number(std::string_view key, EventSlot slot, Presence p = P::Required, std::uint8_t sub = 0) {
    return {key, FieldType::Number, slot, p, sub, {}, {}};
}
constexpr EventField text(std::string_view key, EventSlot slot, Presence p = P::Required) {
    return {key, FieldType::Text, slot, p, 0, {}, {}};
}
constexpr EventField bytes(Presence p = P::Required) {
    return {"data_b64", FieldType::Bytes, S::Data, p, 0, {}, "text"};
}
constexpr EventField flag(std::string_view key, EventSlot slot, Presence p, std::uint8_t sub) {
    return {key, FieldType::Flag, slot, p, sub, {}, {}};
}
template <std::size_t N>
constexpr EventField name(std::string_view key, const std::array<std::string_view, N>& names) {
    return {key, FieldType::Name, S::Sub, P::Required, 0, names, {}};
}
constexpr EventField terminator() { return {"terminator", FieldType::Terminator, S::Terminator, P::Required, 0, {}, {}}; }
constexpr EventField group(std::string_view firstKey, EventSlot slot, Presence p = P::Required) {
    return {firstKey, FieldType::Group, slot, p, 0, {}, {}};
}
template <class E>
constexpr std::uint8_t sub(E e) {
    return static_cast<std::uint8_t>(e);
}

// --- The fields of each kind, in the order they are written -----------------------------------

constexpr EventField kListening[] = {
    text("address", S::Info),
    number("port", S::Size),
    text("local_fingerprint", S::Aux, P::IfSet),  // TLS with a generated certificate: its SHA-256
};
// upstream / proxy_for: the two legs of a proxied connection name each other (0: not proxied).
constexpr EventField kAccepted[] = {number("parent", S::Parent), text("peer", S::Info), text("local", S::Aux),
                                    number("upstream", S::Count, P::IfSet)};
constexpr EventField kConnecting[] = {text("address", S::Info), text("host", S::Aux), number("port", S::Size),
                                      number("proxy_for", S::Parent, P::IfSet)};
constexpr EventField kConnected[] = {text("peer", S::Info), text("local", S::Aux)};
constexpr EventField kStreamBytes[] = {number("size", S::Size), bytes()};  // collect, sent, received
// group, rule, mark: a protocol program's verdict (engine/program), when one runs on the channel
// (the group id is kept in `parent`, which found_terminator has no other use for).
constexpr EventField kFoundTerminator[] = {number("size", S::Size), terminator(), number("group", S::Parent, P::IfSet),
                                           text("rule", S::Info, P::IfSet), text("mark", S::Aux, P::IfSet)};
constexpr EventField kTerminatorSet[] = {terminator()};
constexpr EventField kBuffersSet[] = {number("in_buffer", S::Size), number("out_buffer", S::Count)};
constexpr EventField kLimitsSet[] = {number("max_message", S::Size), number("high_water", S::Count)};
constexpr EventField kPush[] = {
    name("producer", kProducerKindNames),
    number("size", S::Size),
    number("copies", S::Count, P::WrittenForSub, sub(ProducerKind::Repeat)),
    text("path", S::Info, P::IfSet),
};
constexpr EventField kProducerExhausted[] = {name("producer", kProducerKindNames)};
constexpr EventField kDiscarded[] = {number("size", S::Size), number("entries", S::Count)};
constexpr EventField kWater[] = {number("queued", S::Size), number("mark", S::Count)};  // high_water, low_water
constexpr EventField kClosed[] = {
    name("reason", kCloseReasonNames),
    text("detail", S::Info),
    number("errno", S::Error, P::IfSet),
    text("errno_name", S::Aux, P::IfSet),  // the errno's portable name ("ECONNRESET"), the same on every platform
    group("bytes_in", S::Counters, P::IfSet),  // bytes_in, bytes_out, messages_in, messages_out
};
constexpr EventField kError[] = {number("errno", S::Error), text("errno_name", S::Aux, P::IfSet),
                                 text("message", S::Info)};
constexpr EventField kWarning[] = {
    name("code", kWarningCodeNames),
    text("message", S::Info),
    number("size", S::Size, P::IfSet),
    bytes(P::IfSet),
};
constexpr EventField kTrace[] = {group("pass", S::Trace)};  // loop, preview
constexpr EventField kChannelState[] = {group("role", S::State)};
constexpr EventField kLimitReached[] = {number("messages", S::Count)};
constexpr EventField kHosted[] = {
    name("phase", kHostPhaseNames),
    number("host", S::Count),
    text("label", S::Info),
    text("host_label", S::Aux, P::IfSet),
    number("parent", S::Parent, P::IfSet),
    number("port", S::Size, P::OptionalForSub, sub(HostPhase::Started)),
    flag("ok", S::Size, P::ForSub, sub(HostPhase::Done)),
};
constexpr EventField kTlsHandshake[] = {group("version", S::Tls)};  // version, cipher, …, peer_chain
constexpr EventField kTlsClose[] = {name("kind", kTlsCloseKindNames), text("by", S::Info, P::IfSet)};  // by: "peer", "local"
constexpr EventField kStartTls[] = {text("protocol", S::Info)};
// datagram, datagram_sent: the bytes and the other end ("datagram": the whole
// datagram's size when a terminator cut it into several messages).
constexpr EventField kDatagram[] = {number("size", S::Size), bytes(), text("peer", S::Info),
                                    number("datagram", S::Count, P::IfSet)};
constexpr EventField kDatagramSent[] = {number("size", S::Size), bytes(), text("peer", S::Info)};

// intercept: the action, the held message (by its number on the leg), the
// messages held after it, and the bytes concerned.
constexpr EventField kIntercept[] = {name("action", kInterceptActionNames), number("message", S::Count, P::IfSet),
                                     number("held", S::Size), bytes(P::IfSet)};

// The methods of the kinds whose method depends on the qualifier.
constexpr std::string_view kPushMethods[] = {"push"};  // bytes; any producer: push_with_producer
constexpr std::string_view kClosedMethods[] = {"handle_close", "close"};  // peer, local; error: handle_close
constexpr std::string_view kWarningMethods[] = {"warning", "warning", "warning", "warning",
                                                "warning", "warning", "log_info"};  // log: log_info
constexpr std::string_view kHostedMethods[] = {"example started", "add_channel", "example done", "example stopped",
                                               "example failed"};

using K = EventKind;
using F = EventFlow;

// One row per kind, in enum order.
constexpr std::array<EventKindInfo, kEventKindCount> kKinds = {{
    {K::Listening, "listening", kListening, false, F::None, "listen"},
    {K::Accepted, "accepted", kAccepted, false, F::None, "handle_accepted"},
    {K::Connecting, "connecting", kConnecting, false, F::None, "connect"},
    {K::Connected, "connected", kConnected, false, F::None, "handle_connect"},
    {K::Collect, "collect", kStreamBytes, true, F::In, "collect_incoming_data"},
    {K::FoundTerminator, "found_terminator", kFoundTerminator, false, F::In, "found_terminator"},
    {K::TerminatorSet, "terminator_set", kTerminatorSet, false, F::None, "set_terminator"},
    {K::BuffersSet, "buffers_set", kBuffersSet, false, F::None, "ac_in/out_buffer_size"},
    {K::LimitsSet, "limits_set", kLimitsSet, false, F::None, "set_limits"},
    {K::Push, "push", kPush, false, F::Out, "push_with_producer", kPushMethods},
    {K::Sent, "sent", kStreamBytes, true, F::Out, "send"},
    {K::ProducerExhausted, "producer_exhausted", kProducerExhausted, false, F::Out, "producer.more"},
    {K::CloseWhenDone, "close_when_done", {}, false, F::None, "close_when_done"},
    {K::HalfClosed, "half_closed", {}, false, F::None, "shutdown(SHUT_WR)"},
    {K::Discarded, "discarded", kDiscarded, false, F::None, "discard_buffers"},
    {K::HighWater, "high_water", kWater, false, F::None, "high_water"},
    {K::LowWater, "low_water", kWater, false, F::None, "low_water"},
    {K::Closed, "closed", kClosed, false, F::None, "handle_close", kClosedMethods},
    {K::Error, "error", kError, false, F::None, "handle_error"},
    {K::Warning, "warning", kWarning, false, F::None, "warning", kWarningMethods},
    {K::Loop, "loop", kTrace, false, F::None, "asyncore.loop"},
    {K::ChannelState, "channel_state", kChannelState, false, F::None, "snapshot"},
    {K::LimitReached, "limit_reached", kLimitReached, false, F::None, "limit_reached"},
    {K::Paused, "paused", {}, false, F::None, "pause"},
    {K::Resumed, "resumed", {}, false, F::None, "resume"},
    {K::Stopped, "stopped", {}, false, F::None, "stopped"},
    {K::Received, "received", kStreamBytes, true, F::In, "recv"},
    {K::Hosted, "hosted", kHosted, false, F::None, "hosted", kHostedMethods},
    {K::Preview, "preview", kTrace, false, F::None, "next step"},
    {K::TlsHandshake, "tls_handshake", kTlsHandshake, false, F::None, "do_handshake"},
    {K::TlsClose, "tls_close", kTlsClose, false, F::None, "SSL_shutdown"},
    {K::StartTls, "starttls", kStartTls, false, F::None, "starttls"},
    {K::Datagram, "datagram", kDatagram, true, F::In, "recvfrom"},
    {K::DatagramSent, "datagram_sent", kDatagramSent, true, F::Out, "sendto"},
    {K::Intercept, "intercept", kIntercept, false, F::None, "intercept"},
}};

constexpr EventKindInfo kUnknown{K::Warning, "?", {}, false, F::None, "?"};

// --- Checked when compiled --------------------------------------------------------------------

constexpr bool slotFitsType(const EventField& f) {
    switch (f.type) {
    case FieldType::Number:
        return f.slot == S::Size || f.slot == S::Count || f.slot == S::Parent || f.slot == S::Error;
    case FieldType::Text: return f.slot == S::Info || f.slot == S::Aux;
    case FieldType::Bytes: return f.slot == S::Data && !f.textKey.empty();
    case FieldType::Flag: return f.slot == S::Size || f.slot == S::Count;
    case FieldType::Name: return f.slot == S::Sub && !f.names.empty() && f.names.size() <= 256;
    case FieldType::Terminator: return f.slot == S::Terminator;
    case FieldType::Group:
        return f.slot == S::Trace || f.slot == S::State || f.slot == S::Counters || f.slot == S::Tls;
    }
    return false;
}

constexpr bool subGated(Presence p) {
    return p == P::ForSub || p == P::OptionalForSub || p == P::WrittenForSub;
}

// Which members a field writes (a terminator: sub, count and data).
constexpr unsigned membersOf(const EventField& f) {
    if (f.slot == S::Terminator) return 1u << unsigned(S::Sub) | 1u << unsigned(S::Count) | 1u << unsigned(S::Data);
    if (f.slot == S::Counters) return 1u << unsigned(S::State);
    return 1u << unsigned(f.slot);
}

constexpr bool kindIsSound(const EventKindInfo& k) {
    bool nameSeen = false;  // a Name field (sub) comes before any condition on sub
    for (std::size_t i = 0; i < k.fields.size(); ++i) {
        const EventField& f = k.fields[i];
        if (f.key.empty() || !slotFitsType(f)) return false;
        if (subGated(f.presence) && !nameSeen) return false;
        if (f.type == FieldType::Name) nameSeen = true;
        if (f.type == FieldType::Group && f.presence != P::Required && f.presence != P::IfSet) return false;
        for (std::size_t j = 0; j < i; ++j) {
            const EventField& g = k.fields[j];
            if (g.key == f.key || (!g.textKey.empty() && g.textKey == f.key)) return false;
            // Two fields share a member only when each belongs to a different value of sub.
            if ((membersOf(f) & membersOf(g)) &&
                !(subGated(f.presence) && subGated(g.presence) && f.sub != g.sub))
                return false;
        }
    }
    // Only the kinds that carry bytes in `data` say whether `size` counts them.
    if (k.sizeIsByteCount && !(k.field("size") && k.field("data_b64"))) return false;
    return !k.name.empty() && !k.method.empty();
}

constexpr bool tableIsSound() {
    for (std::size_t i = 0; i < kKinds.size(); ++i) {
        if (static_cast<std::size_t>(kKinds[i].kind) != i || !kindIsSound(kKinds[i])) return false;
        for (std::size_t j = 0; j < i; ++j)
            if (kKinds[j].name == kKinds[i].name) return false;
    }
    return true;
}
static_assert(tableIsSound(), "the event kind table is inconsistent (see kindIsSound)");
static_assert(kProducerKindNames.size() == static_cast<std::size_t>(ProducerKind::Other) + 1);
static_assert(kCloseReasonNames.size() == static_cast<std::size_t>(CloseReason::Error) + 1);
static_assert(kWarningCodeNames.size() == static_cast<std::size_t>(WarningCode::Program) + 1);
static_assert(kHostPhaseNames.size() == static_cast<std::size_t>(HostPhase::Failed) + 1);
static_assert(kTlsCloseKindNames.size() == static_cast<std::size_t>(TlsCloseKind::Truncated) + 1);
static_assert(kInterceptActionNames.size() == static_cast<std::size_t>(InterceptAction::Room) + 1);

}  // namespace

const EventKindInfo& eventKindInfo(EventKind k) noexcept {
    const auto i = static_cast<std::size_t>(k);
    return i < kKinds.size() ? kKinds[i] : kUnknown;
}

std::span<const EventKindInfo> eventKinds() noexcept { return kKinds; }

std::string_view eventKindName(EventKind k) noexcept { return eventKindInfo(k).name; }

std::optional<EventKind> parseEventKind(std::string_view name) noexcept {
    for (const EventKindInfo& k : kKinds)
        if (k.name == name) return k.kind;
    return std::nullopt;
}

std::string_view eventMethodName(EventKind k, std::uint8_t sub) noexcept {
    const EventKindInfo& info = eventKindInfo(k);
    return sub < info.methodBySub.size() ? info.methodBySub[sub] : info.method;
}

EventFlow eventFlow(EventKind k) noexcept { return eventKindInfo(k).flow; }

std::string_view interceptActionName(InterceptAction a) noexcept {
    const auto i = static_cast<std::size_t>(a);
    return i < kInterceptActionNames.size() ? kInterceptActionNames[i] : std::string_view("?");
}

std::optional<InterceptAction> parseInterceptAction(std::string_view name) noexcept {
    for (std::size_t i = 0; i < kInterceptActionNames.size(); ++i)
        if (kInterceptActionNames[i] == name) return static_cast<InterceptAction>(i);
    return std::nullopt;
}

}  // namespace engine
