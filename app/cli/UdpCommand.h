// UdpCommand.h — `linewright-cli udp listen [HOST:]PORT` and
// `linewright-cli udp send HOST PORT`: UDP channels of the Reactor
// (engine/reactor/DatagramChannel.h) from the command line.
//
// What it does: reads its own command line (GNU syntax, as the TCP commands:
// `--opt value`, `--opt=value`, `--` ends the options), opens one UDP channel
// (bound for listen, connected for send), sends --send data (--repeat,
// --interval) or stdin lines (one datagram each), and consumes the events:
// each message received is a line on stdout ("PEER < bytes", escaped), or a
// JSON line with --json; --record writes the session file (the `datagram`
// and `datagram_sent` kinds of docs/session-format.md). It stops on --count
// messages received, --timeout, a signal, an output that cannot be written,
// or — for send — once everything is sent and --wait seconds have passed
// without a reply outstanding.
// Exit status as the TCP commands: 0 success, 1 a runtime failure (the port
// in use, a name that does not resolve, an unreachable peer for send, --count
// not reached before --timeout), 2 a usage error; one line on stderr.
// What it owns: during run, the Reactor, the outputs and the stdin pump.
// Threads: main thread (the stdin pump's callbacks use only the Reactor's
// thread-safe commands).
#pragma once

#include <cstdio>

namespace cli {

/// True when argv names the udp command (its first argument is "udp").
bool isUdpCommand(int argc, const char* const* argv);
/// Runs `linewright-cli udp …`; returns the exit status.
int runUdpCommand(int argc, const char* const* argv, std::FILE* out, std::FILE* err);

}  // namespace cli
