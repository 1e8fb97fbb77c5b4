// SessionOutputs.h — where a session command's events go besides the
// terminal: JSON Lines on stdout (--json) and the session file (--record).
//
// What it does: start() starts the command's Reactor and then, before
// anything touches the network, opens the --record file and writes the
// session header to both outputs; append() hands each drained batch to both;
// error() is the first write failure of either; close() flushes and closes
// both. The session commands share it: connect / listen / proxy
// (CliSession.h) and udp listen / send (UdpCommand.h).
// What it owns: the JSON Lines writer and the SessionRecorder (which encodes
// and writes on a thread of its own); not the Reactor start() makes, which
// is the caller's.
// Threads: the main thread.
#pragma once

#include "app/cli/JsonLinesWriter.h"

#include "engine/capture/SessionRecorder.h"
#include "engine/reactor/Reactor.h"

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace cli {

class SessionOutputs {
public:
    /// Makes `reactor` with `ro`; then the JSON Lines go to `out` when
    /// `json`, and the session is recorded to `recordPath` unless it is
    /// empty (an existing file only with `force`). 0, or the exit status
    /// after one line on `err`: 1 the reactor did not start, 2 the --record
    /// file cannot be written (a usage error).
    int start(std::unique_ptr<engine::Reactor>& reactor, const engine::ReactorOptions& ro, bool json,
              std::FILE* out, const std::string& recordPath, bool force, std::FILE* err);
    /// A drained batch to both outputs.
    void append(const std::vector<engine::Event>& batch);
    /// The first failure to write: the JSON Lines', else the recording's; "" when none.
    std::string error() const;
    /// Flushes both; the recorder's thread writes out what it holds.
    void close();

private:
    JsonLinesWriter m_json;
    engine::SessionRecorder m_record;
};

}  // namespace cli
