// UdpCommand.h — `linewright-cli udp listen [HOST:]PORT` and
// `linewright-cli udp send HOST PORT`: UDP channels of the Reactor
// (engine/reactor/DatagramChannel.h) from the command line.
//
// What it does: given the parsed command line (UdpOptions.h, on CLI11 as
// every command: CommandLine.h), opens one UDP channel
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

struct UdpOptions;

/// Runs `linewright-cli udp listen|send` as parsed; returns the exit status.
int runUdpCommand(const UdpOptions& options, std::FILE* out, std::FILE* err);

}  // namespace cli
