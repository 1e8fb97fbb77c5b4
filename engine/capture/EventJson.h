// EventJson.h — the session format: events as JSON Lines, and back.
//
// What it does: encodes the header line of a session and one line per Event,
// exactly as docs/session-format.md describes them (format
// "linewright-session", version 1), and decodes them again. Each kind's
// fields, the Event member each is kept in and which are required come from
// the kind table (engine/reactor/EventKinds.h); this file only knows how
// each type of field is written and read (JsonWriter.h, JsonReader.h,
// Base64.h, UtcTime.h do the JSON, the base64 and the dates). Bytes travel as
// `data_b64` (standard base64, exact) next to `text` (the escaped rendering
// of Escape.h, for people and grep; optional, see Rendering). Field order is fixed, so equal events
// encode to equal lines. Decoding ignores fields it does not know (a later
// minor addition stays readable) but refuses a header of a newer version and
// lines that are not what they claim to be, with a message saying why.
// A `closed` event's ChannelState is written as its four counters only; a
// decoded one carries those counters (phase closed) and nothing else. A line
// that lacks a field its kind requires is refused with a message naming the
// field ("invalid collect event: missing field 'size'").
// What it owns: nothing; pure functions. Qt-free.
// Threads: any.
#pragma once

#include "engine/reactor/Event.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace engine {

/// The first line of a session file (and of `linewright-cli --json`).
struct SessionHeader {
    static constexpr std::string_view kFormat = "linewright-session";
    static constexpr int kVersion = 1;
    int version = kVersion;
    std::string tool;          ///< "linewright-cli", "linewright".
    std::string toolVersion;   ///< "0.1.0".
    std::string start;         ///< Wall-clock time of t_us = 0, ISO 8601 UTC: "2025-05-01T12:00:00.123456Z".
    std::int64_t startUnixUs = 0;  ///< The same, in microseconds since the Unix epoch.
    std::string backend;       ///< "epoll", "poll", "select" ("" if not recorded).
    std::string level;         ///< "full", "messages", "lifecycle" ("" if not recorded).
    friend bool operator==(const SessionHeader&, const SessionHeader&) = default;
};

namespace eventjson {

/// Limits on a tls_handshake event (docs/session-format.md, "TLS"), whose
/// TlsHandshakeInfo is written inline with its peer chain as an array of
/// objects: certificates in `peer_chain`, names in one certificate's `san`,
/// characters in any of its strings. A session file is untrusted: a reader
/// refuses a line beyond them; a writer keeps within them (it cuts what is
/// longer), so whatever it writes reads back.
inline constexpr std::size_t kMaxTlsChain = 16;
inline constexpr std::size_t kMaxTlsSans = 512;
inline constexpr std::size_t kMaxTlsString = 1024;

/// A header for a session that started at `start` (`start` as formatUtc() writes it).
SessionHeader makeHeader(std::string tool, std::string toolVersion, std::chrono::system_clock::time_point start,
                         std::string backend = {}, std::string level = {});

/// Appends the header line, newline included.
void appendHeader(std::string& out, const SessionHeader& header);
/// Whether byte fields carry their escaped rendering (`text`, `residue`)
/// next to the exact base64. The rendering is derived from the base64 and
/// optional in the format (docs/session-format.md, "Compact files"):
/// readers never need it. What people read (`--json`) has it; recordings
/// (SessionRecorder) leave it out, which makes them much smaller.
enum class Rendering { WithText, BytesOnly };

/// Appends one event line, newline included.
void appendEvent(std::string& out, const Event& event, Rendering rendering = Rendering::WithText);
/// One event as a JSON object, without the newline.
std::string encodeEvent(const Event& event, Rendering rendering = Rendering::WithText);

/// Reads a header line (a trailing newline is allowed). nullopt and `error`
/// set when it is not a linewright session header of a version we read.
std::optional<SessionHeader> decodeHeader(std::string_view line, std::string* error = nullptr);
/// Reads an event line. nullopt and `error` set when it is not one.
std::optional<Event> decodeEvent(std::string_view line, std::string* error = nullptr);

}  // namespace eventjson
}  // namespace engine
