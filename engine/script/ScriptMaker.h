// ScriptMaker.h — a conversation script from a recorded connection: each
// request the client sent becomes a send, each reply an expect.
//
// What it does: makeScript() walks one Conversation (engine/capture) in the
// order its messages were recorded and writes a script (Script.h's format)
// that plays the client: `connect` to the server's address, `send raw` of
// each client message exactly as it went (its terminator included), and
// for each server message an `expect` of its body, after a `terminator`
// statement whenever the framing it was recorded with changes (a bytes
// terminator, or `count N` for a message framed by count). A reply with
// digits in it (dates, counters, ids, lengths that change from one run to
// the next) is written as `expect regex` with each run of digits as [0-9]+
// (unless `exact`; a run that starts the message, a reply code such as 250,
// is kept), the rest escaped for RE2. A connection the server
// closed ends with `expect close`, one the client closed with `close`.
// When the recording holds the server's side as pushes (the local side was
// the server), its bytes are cut at the client's terminator.
// What it owns: nothing; a pure function.
// Threads: any.
#pragma once

#include "engine/capture/Conversation.h"

#include <string>

namespace engine::script {

struct MakeOptions {
    std::string source;  ///< the recording's name, for the header comment
    bool exact = false;  ///< no [0-9]+ for digit runs
};

/// The script's text (ends with a newline).
std::string makeScript(const Conversation& c, const MakeOptions& options = {});

/// `bytes` as the inside of a script's quoted text: the program escapes
/// (\r \n \t \0 \\ \" \xNN), and "${" as "\x24{".
std::string quoteText(std::string_view bytes);

}  // namespace engine::script
