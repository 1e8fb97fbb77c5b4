// StdinPump.h — interactive mode: what is read from stdin is pushed, line
// by line, as a producer: in bounded pieces, only as fast as it goes out.
//
// What it does: a helper thread reads stdin as bytes (blocking reads of
// whatever is there, up to 64K: stdin may be a terminal, a pipe or a file;
// every byte counts, NUL included) and hands each line, its own line ending
// ("\n" or "\r\n") replaced by `ending`, to a callback that posts it to the
// Reactor. A last line without a newline gets the ending too. A line longer
// than kChunk is not held until its newline: its bytes go out in pieces of
// kChunk as they are read (a CR at the end of a piece waits, in case an LF
// follows), the ending after the last piece. So memory stays bounded
// whatever comes in: the pump holds at most two chunks, and
//   - while a channel is above its high-water mark it waits
//     (setThrottled()), so the queued output stays near that mark;
//   - it posts at most kWindow bytes (and kMaxPosts pushes) ahead of what
//     the consumer has seen the Reactor take: the callback says how many
//     pushes it posted, and acknowledge() counts the Reactor's answers
//     (every push is answered by a `push` event, or an `error` if the
//     channel is gone). Without that, a fast stdin could pile up commands
//     faster than the high-water event reaches the pump.
// At the end of stdin (or a read error) it calls the end-of-input callback
// once.
// The reading thread cannot be interrupted in a blocking read, so it is
// detached; stop() guarantees that no callback runs after it returns.
// What it owns: the shared state its thread holds on to.
// Threads: start(), setThrottled(), acknowledge() and stop() from the main
// thread; the callbacks run on the pump's thread.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

namespace cli {

class StdinPump {
public:
    /// Bytes read at a time, and the largest piece of a long line.
    static constexpr std::size_t kChunk = 64 * 1024;
    /// Bytes posted and not yet acknowledged, at most (about).
    static constexpr std::size_t kWindow = 1024 * 1024;
    /// Pushes posted and not yet acknowledged, at most.
    static constexpr std::size_t kMaxPosts = 4096;

    /// Posts `bytes` (to one channel, or to each open one); returns how many
    /// pushes that made (0: none, nothing to acknowledge).
    using LineCallback = std::function<std::size_t(std::string bytes)>;
    using EofCallback = std::function<void()>;

    /// `ending` is appended to every line (the terminator's bytes, or "\n"
    /// when the terminator is not a byte string).
    StdinPump(std::string ending, LineCallback onLine, EofCallback onEof);
    ~StdinPump();
    StdinPump(const StdinPump&) = delete;
    StdinPump& operator=(const StdinPump&) = delete;

    void start();
    void setThrottled(bool on);
    /// The consumer has seen `answers` push (or push error) events.
    void acknowledge(std::size_t answers);
    void stop();

private:
    struct State;
    std::shared_ptr<State> m_state;
};

}  // namespace cli
