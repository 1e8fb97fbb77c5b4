// Escape.h — bytes as escaped text and back, and terminator specs.
//
// What it does: parseEscaped() reads the escaped text users type on a command
// line or in a dialog (`\r`, `\n`, `\t`, `\0`, `\\`, `\xNN`; every other byte
// stands for itself) and reports the first mistake with its position.
// renderEscaped() is its inverse for display: printable ASCII stays as it is,
// a backslash is doubled, CR/LF/TAB/NUL become `\r` `\n` `\t` `\0`, and every
// other byte becomes `\xNN` (lower-case hex), so parseEscaped(renderEscaped(b))
// == b for every byte string b. `\0` is always one NUL byte (there are no
// octal escapes), so `\01` is NUL followed by '1'.
// terminalSafe() is the one gate for text that did not come from the program
// itself (a peer's bytes, a field of a shared session file, a name in an
// error message) on its way to a terminal: it keeps printable ASCII, valid
// UTF-8 other than the C1 controls, and — when asked — line breaks and tabs,
// and writes every other byte as `\xNN` (CR as `\r`), so no escape
// sequence (clear screen, OSC 52 clipboard writes, title changes) gets
// through.
// parseTerminatorSpec() reads a terminator as the CLI and GUI take it:
// `none`, `count:N`, or escaped bytes; terminatorSpec() is its inverse.
// What it owns: nothing; pure functions.
// Threads: any.
#pragma once

#include "engine/asyncore/Terminator.h"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace engine {

/// Where and why escaped text could not be read.
struct EscapeError {
    std::size_t position = 0;  ///< 1-based character position of the offending backslash.
    std::string message;       ///< A full sentence naming the position.
};

/// The value of the hex digit `c` (0-9, a-f, A-F), or -1 when it is none.
int hexValue(char c) noexcept;

/// Decodes escaped text. On a mistake returns nullopt and fills `error`
/// (if given), e.g. "unknown escape '\q' at position 3; use \r \n \t \0 \\ or \xNN".
std::optional<std::string> parseEscaped(std::string_view text, EscapeError* error = nullptr);

/// Appends the escaped rendering of `bytes` to `out`.
void appendEscaped(std::string& out, std::string_view bytes);
/// The escaped rendering of `bytes`.
std::string renderEscaped(std::string_view bytes);

/// Appends the byte `c` as `\xNN` (lower-case hex).
void appendHexEscape(std::string& out, unsigned char c);
/// `bytes` with printable ASCII kept as it is and every other byte as
/// `\xNN` (nothing else escaped: for one-line display, not for reading back).
std::string printableAscii(std::string_view bytes);

/// What terminalSafe() keeps of the layout characters.
enum class TerminalText : unsigned char {
    Line,       ///< one line: LF and TAB are escaped too (`\n`, `\t`)
    Multiline,  ///< LF and TAB are kept as they are
};

/// Appends `bytes` to `out`, safe to print on a terminal (see above).
void appendTerminalSafe(std::string& out, std::string_view bytes, TerminalText mode = TerminalText::Line);
/// `bytes`, safe to print on a terminal.
std::string terminalSafe(std::string_view bytes, TerminalText mode = TerminalText::Line);

/// Reads a terminator spec: "none", "count:N" (N a whole number ≥ 1), or
/// escaped bytes (at least one byte). The empty string, "count:0" and
/// malformed specs are refused with a message (frames-nothing terminators are
/// written `none`). A terminator that is literally the word none, or begins
/// with "count:", is written with an escape: `\x6eone`.
std::optional<Terminator> parseTerminatorSpec(std::string_view spec, std::string* error = nullptr);
/// The spec that parseTerminatorSpec() reads back as `t` ("none", "count:5", "\r\n").
/// The two terminators that frame nothing without being None, b"" and count
/// 0, come out as "" and "count:0", which the parser refuses.
std::string terminatorSpec(const Terminator& t);

}  // namespace engine
