// EventKinds.h — every event kind described once: its name, its fields in the
// session format, the Event member each field is kept in, and whether a
// reader needs it; and what the kind stands for on screen (the asyncore /
// asynchat method, which way its bytes go).
//
// What it does: eventKindInfo(kind) is the kind's row of one constant table
// (EventKinds.cpp). engine/capture/EventJson.cpp writes and reads events field
// by field from it, eventKindName() / parseEventKind() and the display names
// (eventMethodName(), eventFlow(), used by the GUI's Formatters) come from it.
// docs/session-format.md documents the same fields for people. The table is
// checked when it is compiled (kinds in enum order, names unique, each field
// of a type its member can hold, the conditions on `sub` after the field
// that sets it).
// What it owns: nothing; constant tables.
// Threads: any.
#pragma once

#include "engine/reactor/Event.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace engine {

/// The names of each qualifier of a kind, indexed by its value (Event::sub).
inline constexpr std::array<std::string_view, 5> kProducerKindNames = {"bytes", "file", "repeat", "simple", "other"};
inline constexpr std::array<std::string_view, 3> kCloseReasonNames = {"peer", "local", "error"};
inline constexpr std::array<std::string_view, 14> kWarningCodeNames = {
    "no_terminator", "residue", "unterminated", "unsent", "accept_failed", "backlog", "log", "producer_error",
    "input_budget", "input_resumed", "tls_unverified", "oversized", "unreachable", "program",
};
inline constexpr std::array<std::string_view, 5> kHostPhaseNames = {"started", "dispatcher", "done", "stopped", "failed"};
/// tls_close: TlsCloseKind (the same names as tlsCloseKindName()).
inline constexpr std::array<std::string_view, 2> kTlsCloseKindNames = {"close_notify", "truncated"};
/// intercept: InterceptAction.
inline constexpr std::array<std::string_view, 8> kInterceptActionNames = {"on",      "off",     "held", "forwarded",
                                                                         "edited", "dropped", "full", "room"};

/// Where a field's value lives in an Event.
enum class EventSlot : std::uint8_t {
    Size,        ///< Event::size
    Count,       ///< Event::count
    Parent,      ///< Event::parent (a channel id: a reader refuses what does not fit)
    Error,       ///< Event::error (errno)
    Sub,         ///< Event::sub (the kind's qualifier, written as its name)
    Data,        ///< Event::data (exact bytes)
    Info,        ///< Event::info
    Aux,         ///< Event::aux
    Terminator,  ///< sub, count and data together: Event::terminator() / setTerminator()
    Trace,       ///< Event::trace: the LoopTrace's fields, inline
    State,       ///< Event::state: the ChannelState's fields, inline
    Counters,    ///< Event::state: only its four byte and message counters, inline
    Tls,         ///< Event::tls: the TlsHandshakeInfo's fields (its chain an array of objects), inline
};

/// How a field's value is written in JSON.
enum class FieldType : std::uint8_t {
    Number,      ///< an integer
    Text,        ///< a string
    Bytes,       ///< `key` (the exact bytes, base64) and `textKey` (escaped, for people)
    Flag,        ///< true / false, kept as 1 / 0
    Name,        ///< one of `names`, kept as its index
    Terminator,  ///< {"kind":"bytes","data_b64":…,"text":…}, {"kind":"count","count":N}, {"kind":"none"}
    Group,       ///< several fields of an attachment (slot Trace, State, Counters or Tls); `key` is the first
};

/// When a field is written, and whether a reader insists on it.
enum class Presence : std::uint8_t {
    Required,        ///< Always written (a group: whenever attached); a line without it is refused, naming the field.
    IfSet,           ///< Written when not 0 / empty (a group: when attached); optional (a group: read when its `key` is there).
    ForSub,          ///< Only when sub == `sub`: then written, and required.
    OptionalForSub,  ///< Written only when sub == `sub`; read only then, optional.
    WrittenForSub,   ///< Written only when sub == `sub`; read whatever sub is, optional.
};

/// One field of a kind.
struct EventField {
    std::string_view key;                         ///< The JSON name ("peer", "data_b64", …).
    FieldType type = FieldType::Number;
    EventSlot slot = EventSlot::Size;
    Presence presence = Presence::Required;
    std::uint8_t sub = 0;                         ///< The value of sub for the …ForSub presences.
    std::span<const std::string_view> names = {}; ///< Name: the names, by value.
    std::string_view textKey = {};                ///< Bytes: the escaped rendering's name ("text").

    /// Whether a reader must find it in an event whose sub is `s`.
    constexpr bool requiredFor(std::uint8_t s) const noexcept {
        return presence == Presence::Required || (presence == Presence::ForSub && s == sub);
    }
};

/// Which way an event's bytes travel, seen from the channel.
enum class EventFlow : std::uint8_t {
    None,  ///< lifecycle, settings, errors
    In,    ///< received: collect, received, found_terminator
    Out,   ///< sent: push, sent, producer_exhausted
};

/// One kind.
struct EventKindInfo {
    EventKind kind;
    std::string_view name;                         ///< The session format's name: "found_terminator".
    std::span<const EventField> fields;            ///< In the order they are written.
    /// `size` must equal the number of bytes in `data` (collect, sent, received).
    bool sizeIsByteCount = false;
    EventFlow flow = EventFlow::None;
    /// The asyncore / asynchat method the event stands for ("handle_connect");
    /// `methodBySub[sub]`, when there is one, for the kinds whose method
    /// depends on the qualifier (push / push_with_producer, close / handle_close …).
    std::string_view method;
    std::span<const std::string_view> methodBySub = {};

    /// The field named `key`, or nullptr.
    constexpr const EventField* field(std::string_view key) const noexcept {
        for (const EventField& f : fields)
            if (f.key == key) return &f;
        return nullptr;
    }
};

/// The row of `k`; a value outside the enum gives a row named "?" without fields.
const EventKindInfo& eventKindInfo(EventKind k) noexcept;
/// Every kind, in enum order.
std::span<const EventKindInfo> eventKinds() noexcept;
/// The method `k` with qualifier `sub` stands for: "push", "push_with_producer", "handle_close", …
std::string_view eventMethodName(EventKind k, std::uint8_t sub) noexcept;
/// Which way the bytes of `k` travel.
EventFlow eventFlow(EventKind k) noexcept;

}  // namespace engine
