// Formatters.h — how an event's parts read on screen: escaped bytes, hex
// dumps, asynchat method names, times.
//
// What it does: pure functions shared by the models, the inspector and the
// clipboard, so one byte string reads the same everywhere. Escaped text is
// engine/Escape's rendering (printable ASCII as is, `\\`, `\r`, `\n`, `\t`,
// `\0`, every other byte `\xNN`), which parseEscaped() reads back exactly —
// the CLI prints the same text.
// What it owns: nothing.
// Threads: any (no shared state; the QString results are new values).
#pragma once

#include "engine/reactor/Event.h"
#include "engine/asyncore/Terminator.h"

#include <QDateTime>
#include <QString>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ui {

struct LogRecord;
class EventLogStore;

/// Which way an event's bytes travel.
enum class Direction { In, Out, None };
/// In: collect, received, found_terminator. Out: push, sent, producer_exhausted.
/// Everything else (lifecycle, settings, errors) is None. (The kind table,
/// engine/reactor/EventKinds.h, says which.)
Direction direction(engine::EventKind kind) noexcept;
/// "in", "out", "" (None).
QString directionName(Direction d);

/// The escaped rendering of `bytes`, then of `terminator` (a message row
/// shows its bytes followed by its terminator: `hello\r\n`). Pass the
/// terminator separately when it should be drawn apart (a delegate).
QString escapedText(std::string_view bytes, std::string_view terminator = {});
/// The escaped rendering of at most the first `maxBytes` bytes; if there
/// were more, " … (+N bytes)" follows. For table cells: a 4 MiB message must
/// not become a 16 MB QString just to be elided.
QString escapedPreview(std::string_view bytes, std::size_t maxBytes);

/// `hexdump -C` style: "00000000  68 65 6c 6c 6f 0d 0a 00  …  |hello...|",
/// 16 bytes a line, lines separated by '\n' (none after the last).
QString hexDump(std::string_view bytes);
/// The dump of the first `maxBytes` bytes, then a line "… N more bytes" if cut.
QString hexDump(std::string_view bytes, std::size_t maxBytes);

/// The asyncore/asynchat method an event stands for: "collect_incoming_data",
/// "found_terminator", "push" / "push_with_producer", "send", "handle_connect",
/// "handle_accepted", "handle_close" (peer or error) / "close" (local),
/// "handle_error", "close_when_done", "discard_buffers", "set_terminator",
/// "listen", "connect", … (the kind table, engine/reactor/EventKinds.cpp, has them all).
QString methodName(const LogRecord& record);
QString methodName(engine::EventKind kind, std::uint8_t sub);
/// The event kind's session-format name: "found_terminator".
QString kindName(engine::EventKind kind);

/// "hh:mm:ss.zzzzzz" (microseconds) of `start` + tUs, in start's time spec
/// (local time for a local QDateTime). If `start` is invalid: seconds since
/// the start, "12.345678".
QString formatTimeUs(std::int64_t tUs, QDateTime start);
/// "+0.000123" (seconds, microsecond digits); "-0.000005" when negative.
QString formatDeltaUs(std::int64_t deltaUs);
/// "512 B", "1.5 KiB", "12.3 MiB", "4.0 GiB".
QString formatBytes(std::uint64_t bytes);
/// A system_clock time (Reactor::startedAt()) as a local QDateTime.
QDateTime toDateTime(std::chrono::system_clock::time_point t);

/// "#3"; "reactor" for channel 0.
QString channelLabel(engine::ChannelId id);
/// A terminator as the GUI and CLI take it: `\r\n`, `count:5`, `none`.
QString terminatorText(const engine::Terminator& t);

/// The engine's TLS lines (engine/capture/TlsText.h), as QStrings: the
/// window says what the CLI, the transcript and the pcapng comments say.
/// A negotiated TLS version as people say it: "TLSv1.3" → "TLS 1.3",
/// "TLSv1" → "TLS 1.0"; anything else as it is.
QString tlsVersionText(std::string_view version);
/// Whether a handshake's peer is trusted: verification done and passed.
inline bool tlsVerified(const engine::TlsHandshakeInfo& t) noexcept { return t.verified && !t.verifySkipped; }
/// A peer that presented a certificate nobody vouched for (verification
/// off, or it failed) — what gets the "unverified" mark. A server that asked
/// for no client certificate has nothing to verify: false.
inline bool tlsUnverifiedPeer(const engine::TlsHandshakeInfo& t) noexcept {
    return !tlsVerified(t) && !(t.server && t.peerChain.empty());
}
/// "verified (CN=localhost)", "UNVERIFIED (verification off): certificate has
/// expired (CN=…)", "UNVERIFIED: hostname mismatch (CN=…)", "no client certificate".
QString tlsVerificationText(const engine::TlsHandshakeInfo& t);
/// One line: "TLS 1.3 TLS_AES_256_GCM_SHA384, ALPN h2, SNI example.org,
/// verified (CN=example.org)" (what a tls_handshake row shows).
QString tlsHandshakeSummary(const engine::TlsHandshakeInfo& t);

/// One line describing an event that carries no bytes of its own (or whose
/// bytes are not the point): "127.0.0.1:7000 ← 127.0.0.1:53412 (listener #1)",
/// "[errno 111] connect to 127.0.0.1:9: Connection refused", "64 bytes",
/// "peer closed", … For collect / sent it is the escaped preview of the bytes.
QString eventSummary(const EventLogStore& store, std::size_t row, std::size_t maxBytes = 256);

}  // namespace ui
