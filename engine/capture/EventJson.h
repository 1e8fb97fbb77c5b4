// EventJson.h — the session format: events as JSON Lines, and back.
//
// What it does: encodes the header line of a session and one line per Event,
// exactly as docs/session-format.md describes them (format
// "linewright-session", version 1, and the compact lines of version 2), and
// decodes them again. Each kind's
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
// Version 2 ("compact") files have the same fields, but a line leaves out
// what follows from the lines before it or is a default (seq one more than
// the previous line's, the channel of the previous line, `t_us` as `dt` from
// the previous line, a byte count equal to the bytes, zeros and empty
// strings, a found_terminator's size and terminator when they are what the
// channel's collects and its previous found_terminator say), and writes
// bytes as their escaped `text` instead of `data_b64` when that is shorter:
// CompactContext is what the writer and the reader carry from line to line.
// What it owns: nothing; pure functions. Qt-free.
// Threads: any.
#pragma once

#include "engine/reactor/Event.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace engine {

/// The first line of a session file (and of `linewright-cli --json`).
struct SessionHeader {
    static constexpr std::string_view kFormat = "linewright-session";
    /// Every line carries every field (what `--json` prints).
    static constexpr int kFullVersion = 1;
    /// Lines leave out what the lines before them say (recordings; see
    /// docs/session-format.md, "Version 2").
    static constexpr int kCompactVersion = 2;
    /// The newest version this build reads.
    static constexpr int kVersion = kCompactVersion;
    int version = kFullVersion;
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

/// What a version 2 file's lines leave out and the next line needs: the
/// previous line's seq, t_us and channel, and per channel the bytes
/// collected since its last found_terminator and that terminator. The writer
/// and the reader each keep one for the whole file and advance() it with
/// every event, in order, so both derive the same values.
struct CompactContext {
    struct Message {
        std::int64_t pending = 0;  ///< Bytes of `collect` since the last found_terminator.
        bool hasTerminator = false;
        Terminator terminator;     ///< That found_terminator's terminator.
    };
    std::uint64_t seq = 0;
    std::int64_t tUs = 0;
    ChannelId channel = 0;
    std::unordered_map<ChannelId, Message> messages;  ///< Channels that collected, until their `closed`.
    /// `e` is the next line's event.
    void advance(const Event& e);
};

/// Appends one version 2 (compact) event line, newline included, and
/// advances `context`.
void appendCompactEvent(std::string& out, const Event& event, CompactContext& context);

/// Reads a header line (a trailing newline is allowed). nullopt and `error`
/// set when it is not a linewright session header of a version we read.
std::optional<SessionHeader> decodeHeader(std::string_view line, std::string* error = nullptr);
/// Reads an event line. nullopt and `error` set when it is not one.
std::optional<Event> decodeEvent(std::string_view line, std::string* error = nullptr);
/// Reads a version 2 event line, filling in what it leaves out from
/// `context`, which advances only when the line is an event.
std::optional<Event> decodeCompactEvent(std::string_view line, CompactContext& context, std::string* error = nullptr);

}  // namespace eventjson
}  // namespace engine
