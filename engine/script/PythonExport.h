// PythonExport.h — a conversation script as a Python program that runs the
// same conversation on its own: for pwntools (`remote`, `sendline`/`send`,
// `recvuntil`/`recvn`) or for the standard library alone (asyncio
// `open_connection`, `readuntil`/`readexactly`).
//
// What it does: exportPython() walks a parsed Script (Script.h) and writes
// a program that connects, sends and checks each reply with the same
// matchers (equals, prefix, suffix, contains; regex with Python's `re` on
// bytes, `search` as RE2's partial match, `$` outside (?m) as \Z), keeps the
// `as` captures in variables used by later sends, honours `terminator`
// (bytes, none, count N, count ${VAR}), `within`, `timeout`, `wait`,
// `set`, `assert`, `repeat`, `close` and `expect close`, and on the first
// failing step prints "FILE:LINE: what" with what was expected and what came
// to stderr and exits 1 (0 and "passed" on stdout when all steps pass).
// The program takes an optional HOST:PORT argument that replaces every
// connect's target (as `run --to`). Every byte string from the script
// (texts, patterns, names, the statements quoted in messages) is written as
// a Python literal whose characters are printable ASCII only (\xNN for the
// rest, \' and \\ escaped), so no script or recording can inject code; the
// comments that echo statements keep printable ASCII only.
// TLS: `connect … tls` and a plain `starttls` become an ssl context
// (cafile, insecure, cert/key; SNI and the name checked: sni or the host):
// pwntools wraps the tube's socket (a starttls with bytes unread in the
// tube's buffer fails, as the runner does); asyncio passes ssl= to
// open_connection and upgrades with StreamWriter.start_tls (Python 3.11+).
// Refused with "FILE:LINE: …": `preset` (framing by a protocol program)
// and `starttls smtp|imap|pop3|ftp` (the built-in dialogues).
// What it owns: nothing; pure functions.
// Threads: any.
#pragma once

#include "engine/script/Script.h"

#include <optional>
#include <string>
#include <string_view>

namespace engine::script {

enum class PythonFlavor : std::uint8_t { Pwntools, Asyncio };

/// "pwntools" / "asyncio" → the flavor; nullopt for anything else.
std::optional<PythonFlavor> pythonFlavor(std::string_view name);

/// The program's text, or nullopt and `error` for a step Python cannot do.
std::optional<std::string> exportPython(const Script& script, PythonFlavor flavor, std::string* error);

/// `bytes` as a Python bytes literal: b'…' of printable ASCII only.
std::string pythonBytes(std::string_view bytes);
/// `text` as a Python str literal of printable ASCII only (each byte
/// above 0x7e as \xNN, i.e. read as Latin-1).
std::string pythonStr(std::string_view text);
/// An RE2 pattern rewritten for Python's `re` (`$` → `\Z` unless the
/// pattern turns on multi-line mode, `\z` → `\Z`).
std::string pythonRegex(std::string_view re2);

}  // namespace engine::script
