// JsonLinesWriter.h — writes a session as JSON Lines to stdout or a file.
//
// What it does: writes the session header once, then every event handed to
// it, one line each (EventJson.h), in one fwrite per batch. A write error
// (a full disk, a closed pipe) is remembered and reported by failed() and
// error(); nothing is written after it.
// What it owns: the FILE it opened (open()), not one handed to it (adopt()).
// Threads: the consumer (main) thread only.
#pragma once

#include "engine/reactor/Event.h"
#include "engine/capture/EventJson.h"
#include "engine/capture/OutputFile.h"

#include <cstdio>
#include <string>
#include <vector>

namespace cli {

class JsonLinesWriter {
public:
    JsonLinesWriter() = default;
    ~JsonLinesWriter();
    JsonLinesWriter(const JsonLinesWriter&) = delete;
    JsonLinesWriter& operator=(const JsonLinesWriter&) = delete;

    /// Creates `path` (engine::openForWriting(): 0600, no links, an existing
    /// file only with `file.overwrite`). False with error() set if it cannot.
    bool open(const std::string& path, const engine::OutputFileOptions& file = {});
    /// Writes to `f` (stdout), which stays open.
    void adopt(std::FILE* f, std::string name);
    bool active() const noexcept { return m_file != nullptr; }

    void writeHeader(const engine::SessionHeader& header);
    void writeEvents(const std::vector<engine::Event>& events);
    /// Flushes and, for a file it opened, closes it.
    void close();

    bool failed() const noexcept { return !m_error.empty(); }
    const std::string& error() const noexcept { return m_error; }

private:
    void put(const std::string& text);

    std::FILE* m_file = nullptr;
    bool m_owned = false;
    std::string m_name;
    std::string m_buffer;
    std::string m_error;
};

}  // namespace cli
