// FileProducer.cpp — a stat on the loop thread; open and read on the reader thread.
#include "engine/asyncore/FileProducer.h"

#include <algorithm>
#include <filesystem>
#include <memory>

namespace engine {

FileProducer::FileProducer(const std::string& path, std::size_t chunkSize, Notify notify)
    : m_path(path), m_chunk(std::max<std::size_t>(chunkSize, 1)), m_notify(std::move(notify)) {
    std::error_code ec;
    const auto st = std::filesystem::status(path, ec);
    if (ec) throw std::system_error(ec, "cannot read '" + path + "'");
    if (std::filesystem::is_directory(st))
        throw std::system_error(std::make_error_code(std::errc::is_a_directory), "cannot read '" + path + "'");
    if (std::filesystem::is_regular_file(st)) {
        const auto size = std::filesystem::file_size(path, ec);
        if (!ec) m_size = static_cast<long long>(size);
    }
    m_thread = std::thread([this] { run(); });
}

FileProducer::~FileProducer() {
    {
        MutexLock lock(m_mutex);
        m_stop = true;
    }
    m_space.notify_all();
    m_reader.cancel();
    m_thread.join();
}

void FileProducer::run() {
    const std::error_code opened = m_reader.open(m_path);
    // One buffer for every read (no zero-filled string per chunk); each chunk
    // is a copy of the bytes read, at its own size.
    const auto buf = std::make_unique_for_overwrite<char[]>(m_chunk);
    bool end = static_cast<bool>(opened);
    std::error_code readError;
    while (!end) {
        {
            MutexLock lock(m_mutex);
            while (m_chunks.size() >= kReadAhead && !m_stop) lock.wait(m_space);
            if (m_stop) return;
        }
        // Fill the chunk from a regular file; a pipe's chunk is what came.
        std::size_t have = 0;
        do {
            const FileReader::Result r = m_reader.read(buf.get() + have, m_chunk - have);
            have += r.bytes;
            if (r.cancelled) return;
            end = r.end;
            readError = r.error;
        } while (!end && have < m_chunk && m_size >= 0);
        {
            MutexLock lock(m_mutex);
            if (have) m_chunks.emplace_back(buf.get(), have);
            if (end) m_readError = readError;
            if (have) m_ready.store(true, std::memory_order_release);
        }
        if (end) break;
        m_filled.notify_all();
        if (m_notify) m_notify();
    }
    {
        MutexLock lock(m_mutex);
        m_openFailed = opened;
        m_ended = true;
        m_ready.store(true, std::memory_order_release);
    }
    m_filled.notify_all();
    if (m_notify) m_notify();
}

bool FileProducer::ready() const { return m_ready.load(std::memory_order_acquire); }

std::string FileProducer::more() {
    std::string chunk;
    {
        MutexLock lock(m_mutex);
        while (m_chunks.empty() && !m_ended) lock.wait(m_filled);
        if (m_chunks.empty()) {
            m_error = m_readError;
            m_openError = m_openFailed;
            return chunk;
        }
        chunk = std::move(m_chunks.front());
        m_chunks.pop_front();
        m_ready.store(!m_chunks.empty() || m_ended, std::memory_order_relaxed);
    }
    m_space.notify_one();
    m_taken += static_cast<long long>(chunk.size());
    return chunk;
}

long long FileProducer::remaining() const {
    if (m_size < 0) return -1;
    MutexLock lock(m_mutex);
    if (m_ended && m_chunks.empty()) return 0;
    return std::max(0LL, m_size - m_taken);
}

}  // namespace engine
