// FileProducer.h — a producer that streams a file from disk.
//
// What it does: opens the file when constructed (so a missing or unreadable
// file is reported at push time, not later), then returns it `chunkSize`
// bytes per more() call (the channel's ac_out_buffer_size at push time), read
// lazily: only as fast as the channel sends. A read error ends the producer
// early; error() then says why, so the channel can warn that the file was cut
// short.
// What it owns: the open file.
// Threads: like every producer, only the loop thread of its channel calls it.
#pragma once

#include "engine/asyncore/Producer.h"

#include <cstdio>
#include <memory>
#include <string>
#include <system_error>

namespace engine {

class FileProducer : public Producer {
public:
    /// Opens `path` for reading. Throws std::system_error (whose what() names
    /// the path) if it cannot.
    FileProducer(const std::string& path, std::size_t chunkSize);

    std::string more() override;
    std::string_view kind() const override { return "file"; }
    long long remaining() const override;

    const std::string& path() const noexcept { return m_path; }
    /// The file's size when opened, -1 if it has none (a pipe, a device).
    long long size() const noexcept { return m_size; }
    /// The read error that ended the producer early, if any.
    const std::error_code& error() const noexcept { return m_error; }

private:
    struct Closer {
        void operator()(std::FILE* f) const noexcept { std::fclose(f); }
    };
    std::unique_ptr<std::FILE, Closer> m_file;
    std::string m_path;
    std::size_t m_chunk;
    long long m_size = -1;
    long long m_read = 0;
    std::error_code m_error;
};

}  // namespace engine
