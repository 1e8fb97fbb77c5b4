// Script.h — a conversation script: connect, send, expect, in a small
// readable text format (docs/scripts.md is the reference).
//
// What it does: Script::parse() reads a script. One statement per line; '#'
// starts a comment outside quotes; blank lines are ignored:
//   connect HOST:PORT [tls [OPTIONS]]  open the connection (`--to` may replace the target);
//                                      with tls, TLS from the first byte (the handshake is part
//                                      of the step). OPTIONS: insecure (no certificate or host
//                                      name check), cafile "FILE" (trusted CAs; default: the
//                                      system store), sni "NAME" (the name sent and checked;
//                                      default: the connect host), cert "FILE" key "FILE"
//                                      (a client certificate), as the CLI's connect --tls has them
//   starttls [smtp|imap|pop3|ftp] [OPTIONS]
//                                      upgrade the connection to TLS: with a protocol, run its
//                                      built-in dialogue (engine/tls/StartTlsDialog: greeting,
//                                      EHLO/STARTTLS, …) first; alone, right now, once what was
//                                      sent has gone out (after `send "STARTTLS"` and an expect
//                                      of the go-ahead). Bytes the peer sent and the script did
//                                      not read before the handshake fail the step (they would
//                                      pass as protected). OPTIONS as for connect … tls
//   timeout SECONDS                    how long each later expect waits (default 5)
//   terminator "BYTES" | none | count N | count ${VAR}
//                                      how the peer's bytes are cut into messages from now on
//   preset NAME                        frame with a protocol program (engine/program presets)
//   send "TEXT"                        the text, then the terminator in force (when it is bytes)
//   send raw "TEXT"                    the text alone
//   expect [equals|prefix|suffix|contains] "TEXT" [as VAR] [within N] [timeout S]
//   expect regex "RE2" [as VAR, VAR …] [within N] [timeout S]
//                                      the next message (or one of the next N) must match;
//                                      `as` stores the captures (regex: groups 1, 2 …; else the message)
//   expect close [timeout S]           the peer must close the connection
//   wait SECONDS                       pause (messages that arrive meanwhile wait for the next expect)
//   set VAR "TEXT"                     a variable
//   assert "TEXT" == "TEXT" | != "TEXT" | =~ "RE2"
//   repeat N {  …  }                   the block N times (nested blocks allowed)
//   close                              close the connection (the script may connect again)
// TEXT is quoted with the program escapes (\r \n \t \0 \\ \" \xNN,
// engine/program decodeLiteral) and ${VAR} for a variable's value (a literal
// "${" is written \x24{). The matchers are the reply rules' (equals, prefix,
// suffix, contains, regex: engine/program Rule, matched by
// ProgramRunner::matchMessage), so a person learns one language.
// Every mistake is refused with "FILE:LINE: what is wrong".
// What it owns: its steps (immutable once parsed; several runners may share one).
// Threads: any; a parsed Script is read-only.
#pragma once

#include "engine/asyncore/Pattern.h"
#include "engine/asyncore/Terminator.h"
#include "engine/program/Program.h"
#include "engine/tls/TlsConfig.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace engine::script {

/// Text with ${VAR} references, decoded once.
struct Text {
    struct Part {
        bool variable = false;
        std::string text;  ///< the bytes, or the variable's name
    };
    std::vector<Part> parts;
    std::string source;  ///< as written (inside the quotes)
    bool isLiteral() const noexcept { return parts.empty() || (parts.size() == 1 && !parts[0].variable); }
};

struct Step {
    enum class Kind : std::uint8_t {
        Connect, Timeout, Terminator, Preset, Send, Expect, ExpectClose, Wait, Set, Assert, RepeatBegin, RepeatEnd, Close,
        StartTls
    };
    enum class Compare : std::uint8_t { Equal, NotEqual, Matches };
    Kind kind = Kind::Close;
    std::size_t line = 0;         ///< 1-based, in its file
    std::string source;           ///< the statement as written (trimmed, no comment)
    // Connect
    std::string host;
    std::uint16_t port = 0;
    bool tls = false;
    // Connect with tls, StartTls: what TLS to use (enabled for connect … tls;
    // startTls: the built-in dialogue, None for `starttls` alone).
    TlsConfig tlsConfig;
    // Timeout, Wait, Expect's own timeout (ms; Expect: -1 = the one in force)
    std::int64_t ms = -1;
    // Terminator
    Terminator terminator;
    std::string countVariable;     ///< `count ${VAR}`: the count comes from VAR
    // Preset
    std::shared_ptr<const program::Program> program;
    // Send (text, raw), Set (name, text), Assert (text, other/rule)
    Text text;
    bool raw = false;
    std::string name;
    Text other;
    Compare compare = Compare::Equal;
    // Expect: the rule (match kind, literal or pattern); a literal with ${VAR} is `text`
    program::Rule rule;
    std::vector<std::string> captures;  ///< `as` variables
    std::size_t within = 1;
    // RepeatBegin: count and the index of its RepeatEnd; RepeatEnd: the index of its RepeatBegin
    std::uint64_t count = 0;
    std::size_t jump = 0;
};

class Script {
public:
    /// Parses `text`; `file` names it in messages. nullopt and `error`
    /// ("smtp.lws:7: unknown statement 'sned'; …") on the first mistake.
    /// `presetDir`: where user presets are (program::userPresetDir() if empty).
    static std::optional<Script> parse(std::string_view text, std::string_view file, std::string* error,
                                       const std::string& presetDir = {});
    /// Reads and parses a file (at most 1 MiB).
    static std::optional<Script> load(const std::string& path, std::string* error);

    const std::vector<Step>& steps() const noexcept { return m_steps; }
    const std::string& file() const noexcept { return m_file; }
    /// "FILE:LINE".
    std::string where(const Step& s) const { return m_file + ":" + std::to_string(s.line); }

private:
    std::string m_file;
    std::vector<Step> m_steps;
};

/// A step's description for reports: `expect prefix "+OK"` (printable, cut at 120 bytes).
std::string describeStep(const Step& s);

}  // namespace engine::script
