// StdinPump.h — interactive mode: each line read from stdin is pushed.
//
// What it does: a helper thread reads stdin line by line (blocking reads:
// stdin may be a terminal, a pipe or a file) and hands each line, its own
// line ending ("\n" or "\r\n") replaced by the channel terminator, to a
// callback that posts it to the Reactor. While a channel is above its
// high-water mark the pump waits (setThrottled()), so piping a large file
// into a slow peer does not grow the fifo without bound. At the end of
// stdin it calls the end-of-input callback once.
// The reading thread cannot be interrupted in a blocking read, so it is
// detached; stop() guarantees that no callback runs after it returns.
// What it owns: the shared state its thread holds on to.
// Threads: start(), setThrottled() and stop() from the main thread; the
// callbacks run on the pump's thread.
#pragma once

#include <functional>
#include <memory>
#include <string>

namespace cli {

class StdinPump {
public:
    using LineCallback = std::function<void(std::string bytes)>;
    using EofCallback = std::function<void()>;

    /// `ending` is appended to every line (the terminator's bytes, or "\n"
    /// when the terminator is not a byte string).
    StdinPump(std::string ending, LineCallback onLine, EofCallback onEof);
    ~StdinPump();
    StdinPump(const StdinPump&) = delete;
    StdinPump& operator=(const StdinPump&) = delete;

    void start();
    void setThrottled(bool on);
    void stop();

private:
    struct State;
    std::shared_ptr<State> m_state;
};

}  // namespace cli
