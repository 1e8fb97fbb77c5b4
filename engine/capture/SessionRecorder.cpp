// SessionRecorder.cpp — a queue of event batches and the thread that writes them.
#include "engine/capture/SessionRecorder.h"

#include <cerrno>
#include <cstring>

namespace engine {

namespace {
std::string writeError(const std::string& path, int err) {
    return "cannot write '" + path + "': " + std::strerror(err ? err : EIO);
}
}  // namespace

SessionRecorder::SessionRecorder() : SessionRecorder(Options{}) {}
SessionRecorder::SessionRecorder(Options options) : m_options(options) {}

SessionRecorder::~SessionRecorder() { close(); }

std::size_t SessionRecorder::weight(const Event& e) noexcept {
    // Roughly what the event costs in memory: the record, its strings, and
    // the base64 it will become.
    return sizeof(Event) + e.data.size() * 2 + e.info.size() + e.aux.size();
}

bool SessionRecorder::open(const std::string& path, const SessionHeader& header, std::string* error,
                           const OutputFileOptions& file) {
    MutexLock lock(m_mutex);
    if (m_open || m_file) {
        if (error) *error = "the recorder is already writing '" + m_path + "'";
        return false;
    }
    m_path = path;
    m_file = openForWriting(path, file, error);
    if (!m_file) return false;
    // Our own batches are the buffering: let stdio pass them straight on.
    std::setvbuf(m_file, nullptr, _IOFBF, 1 << 16);
    std::string line;
    SessionHeader h = header;
    h.version = m_options.compact ? SessionHeader::kCompactVersion : SessionHeader::kFullVersion;
    eventjson::appendHeader(line, h);
    if (!writeOut(line)) {
        if (error) *error = m_error;
        std::fclose(m_file);
        m_file = nullptr;
        return false;
    }
    m_bytes = line.size();
    m_open = true;
    m_stop = false;
    m_thread = std::thread([this] { run(); });
    return true;
}

bool SessionRecorder::writeOut(const std::string& text) {
    errno = 0;
    if (std::fwrite(text.data(), 1, text.size(), m_file) != text.size() || std::fflush(m_file) != 0) {
        m_error = writeError(m_path, errno);
        return false;
    }
    return true;
}

void SessionRecorder::append(const std::vector<Event>& events) {
    if (events.empty()) return;
    std::vector<Event> copy(events);
    append(std::move(copy));
}

void SessionRecorder::append(std::vector<Event>&& events) {
    if (events.empty()) return;
    std::size_t bytes = 0;
    for (const Event& e : events) bytes += weight(e);
    enqueue(std::move(events), bytes);
}

void SessionRecorder::enqueue(std::vector<Event>&& events, std::size_t bytes) {
    MutexLock lock(m_mutex);
    if (!m_open || !m_error.empty()) return;
    // Backpressure: wait while the writer is far behind, in bytes or in event
    // time (but always accept a batch when everything before it is written,
    // however large or long it is).
    const std::int64_t newest = events.back().tUs;
    if (!m_options.neverWait)
        while (!(fits(newest, bytes) || !m_error.empty() || m_stop)) lock.wait(m_written);
    if (!m_error.empty() || m_stop) return;
    if (m_unwrittenSince < 0) m_unwrittenSince = events.front().tUs;
    m_queue.push_back(std::move(events));
    m_queuedBytes += bytes;
    ++m_appended;
    m_wake.notify_one();
}

bool SessionRecorder::fits(std::int64_t newest, std::size_t bytes) const {
    if (m_unwrittenSince < 0) return true;
    if (!m_queue.empty() && m_queuedBytes + bytes > m_options.maxQueuedBytes) return false;
    return newest - m_unwrittenSince <= m_options.maxLagUs;
}

void SessionRecorder::noteWritten(const std::string& err, std::uint64_t events, std::size_t bytes,
                                  const Event* next) {
    MutexLock lock(m_mutex);
    if (!err.empty() && m_error.empty()) m_error = err;
    if (m_error.empty()) {
        m_events += events;
        m_bytes += bytes;
    }
    if (next)
        m_unwrittenSince = next->tUs;
    else
        m_unwrittenSince = m_queue.empty() ? -1 : m_queue.front().front().tUs;
    m_written.notify_all();
}

std::string SessionRecorder::writeChunk(const std::string& text) {
    errno = 0;
    if (std::fwrite(text.data(), 1, text.size(), m_file) != text.size() || std::fflush(m_file) != 0)
        return writeError(m_path, errno);
    return {};
}

void SessionRecorder::run() {
    std::string text;
    std::vector<std::vector<Event>> work;
    MutexLock lock(m_mutex);
    for (;;) {
        while (m_queue.empty() && !m_stop) lock.wait(m_wake);
        if (m_queue.empty()) break;  // stopping, nothing left
        work.swap(m_queue);
        m_queuedBytes = 0;
        bool failed = !m_error.empty();
        lock.unlock();

        // Encode and write outside the lock: appenders never wait for the
        // disk. Write every chunk as soon as it is encoded, so a long backlog
        // reaches the file piece by piece, and say how far the file got.
        text.clear();
        std::uint64_t events = 0;
        auto put = [&](const Event* next) {
            std::string err;
            if (!failed) err = writeChunk(text);
            failed = failed || !err.empty();
            noteWritten(err, events, text.size(), next);
            text.clear();
            events = 0;
        };
        for (std::size_t b = 0; b < work.size(); ++b) {
            const std::vector<Event>& batch = work[b];
            for (std::size_t i = 0; i < batch.size(); ++i) {
                if (m_options.compact)
                    eventjson::appendCompactEvent(text, batch[i], m_context);
                else
                    eventjson::appendEvent(text, batch[i], m_options.rendering);
                ++events;
                if (text.size() >= m_options.writeChunkBytes) {
                    const Event* next = i + 1 < batch.size() ? &batch[i + 1]
                                        : b + 1 < work.size() ? &work[b + 1].front()
                                                              : nullptr;
                    put(next);
                }
            }
        }
        if (events > 0 || text.size() > 0) put(nullptr);
        const std::size_t batches = work.size();
        work.clear();

        lock.lock();
        m_done += batches;
        m_written.notify_all();
    }
}

bool SessionRecorder::flush() {
    MutexLock lock(m_mutex);
    if (!m_open) return m_error.empty();
    const std::uint64_t target = m_appended;
    while (m_done < target && m_error.empty()) lock.wait(m_written);
    return m_error.empty();
}

bool SessionRecorder::close() {
    {
        MutexLock lock(m_mutex);
        if (!m_open) return m_error.empty();
        m_stop = true;
        m_wake.notify_one();
        m_written.notify_all();
    }
    if (m_thread.joinable()) m_thread.join();
    MutexLock lock(m_mutex);
    m_open = false;
    if (m_file) {
        errno = 0;
        if (std::fclose(m_file) != 0 && m_error.empty()) m_error = writeError(m_path, errno);
        m_file = nullptr;
    }
    return m_error.empty();
}

bool SessionRecorder::backlogged() const {
    MutexLock lock(m_mutex);
    return m_open && m_error.empty() && !m_queue.empty() && m_queuedBytes > m_options.maxQueuedBytes;
}

bool SessionRecorder::isOpen() const {
    MutexLock lock(m_mutex);
    return m_open;
}

bool SessionRecorder::failed() const {
    MutexLock lock(m_mutex);
    return !m_error.empty();
}

std::string SessionRecorder::error() const {
    MutexLock lock(m_mutex);
    return m_error;
}

std::uint64_t SessionRecorder::eventsWritten() const {
    MutexLock lock(m_mutex);
    return m_events;
}

std::uint64_t SessionRecorder::bytesWritten() const {
    MutexLock lock(m_mutex);
    return m_bytes;
}

bool SessionRecorder::writeFile(const std::string& path, const SessionHeader& header, const std::vector<Event>& events,
                                std::string* error, const OutputFileOptions& file) {
    std::FILE* f = openForWriting(path, file, error);
    if (!f) return false;
    std::string text;
    SessionHeader full = header;  // every line whole: version 1, whatever file the events came from
    full.version = SessionHeader::kFullVersion;
    eventjson::appendHeader(text, full);
    bool ok = true;
    int err = 0;
    auto put = [&] {
        errno = 0;
        if (ok && std::fwrite(text.data(), 1, text.size(), f) != text.size()) {
            ok = false;
            err = errno;
        }
        text.clear();
    };
    for (const Event& e : events) {
        eventjson::appendEvent(text, e);
        if (text.size() >= (1u << 20)) put();
    }
    put();
    errno = 0;
    if (std::fclose(f) != 0 && ok) {
        ok = false;
        err = errno;
    }
    if (!ok && error) *error = writeError(path, err);
    return ok;
}

}  // namespace engine
