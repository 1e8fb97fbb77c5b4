// Transcript.h — a session as text for people: one line per message and
// per connection event, bytes escaped, with timestamps; and the raw bytes
// of one direction.
//
// What it does: render() writes
//     # linewright transcript of a session started 2026-05-01T12:00:00.123456Z (linewright-cli 0.1.0, level full)
//     # '<' received by the channel, '>' sent by it; bytes escaped: \r \n \t \0 \\ \xNN
//       0.000412  #1  listening on 127.0.0.1:7000
//       0.090311  #2  accepted from 127.0.0.1:50412 on 127.0.0.1:7000
//       0.090504  #2 < hello\r\n
//       0.090610  #2 > hello\r\n
//       5.123007  #2  closed by peer (eof): 7 bytes in, 7 out
// A TLS channel has a line for each TLS event (TlsText.h), between the
// plaintext messages as they happened:
//       0.090400  #2  TLS 1.3 TLS_AES_256_GCM_SHA384, verified (CN=localhost)
//       5.122900  #2  TLS closed (close_notify)
// A received message is what one found_terminator ended, its terminator
// included (an unterminated tail at the close is marked so); a sent message
// is one push, at the time its first byte went out. Times are seconds since
// the session started, or wall-clock UTC when asked. Text the file holds
// (header fields, addresses, close details, messages) goes through
// terminalSafe(), so a transcript printed to a terminal carries no control
// bytes.
// rawBytes() gives one direction of a conversation exactly as it crossed the
// wire, for files that other tools read.
// What it owns: nothing beyond a call.
// Threads: any.
#pragma once

#include "engine/capture/OutputFile.h"

#include "engine/capture/Conversation.h"
#include "engine/capture/EventJson.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace engine {

struct TranscriptOptions {
    std::optional<ChannelId> channel;  ///< Only this channel (default: all).
    bool wallClock = false;            ///< UTC times instead of seconds since the start.
};

class Transcript {
public:
    static std::string render(const SessionHeader& header, const std::vector<Event>& events,
                              const TranscriptOptions& options = {});
    /// The bytes the client (true) or the server (false) of `c` sent.
    static std::string rawBytes(const Conversation& c, bool clientToServer);
    /// Writes `bytes` to `path` ("-": stdout), a file opened as OutputFile.h
    /// says (no links, no overwrite without `file.overwrite`). False with
    /// `error` if it cannot.
    static bool writeFile(const std::string& path, std::string_view bytes, std::string* error,
                          const OutputFileOptions& file = {});
};

}  // namespace engine
