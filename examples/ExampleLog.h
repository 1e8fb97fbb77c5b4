// ExampleLog.h — where the examples' logging goes: Python's
// logging.basicConfig(format='%(name)s: %(message)s') in one function.
//
// What it does: each example class has a `log` sink, called with the
// logger's name ("EchoHandler") and the message, like `self.logger.debug()`.
// The default writes "name: message\n" to stderr, as Python's logging does.
// What it owns: nothing.
// Threads: the loop thread of the example that calls it.
#pragma once
#include "engine/asyncore/Escape.h"
#include "engine/net/Address.h"

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>

namespace engine { class Dispatcher; }

namespace examples {

using LogSink = std::function<void(std::string_view name, std::string_view message)>;

/// "name: message" on stderr. The message carries a peer's bytes (the
/// examples log what they receive), so it goes through engine::terminalSafe():
/// line breaks stay, escape sequences do not reach the terminal.
inline void logToStderr(std::string_view name, std::string_view message) {
    const std::string safe = engine::terminalSafe(message, engine::TerminalText::Multiline);
    std::fprintf(stderr, "%.*s: %.*s\n", static_cast<int>(name.size()), name.data(),
                 static_cast<int>(safe.size()), safe.data());
}

/// Bound port of a listening dispatcher, for "port 0 = any free port".
std::uint16_t boundPort(const engine::Dispatcher& d);

/// The (host, port) an example binds or connects to: `host` must be a
/// numeric address, else std::invalid_argument "WHO: not a numeric address:
/// HOST" (without "WHO: " when `who` is empty).
engine::Address numericAddress(std::string_view who, const std::string& host, std::uint16_t port);

}  // namespace examples
