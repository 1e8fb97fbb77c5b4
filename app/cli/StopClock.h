// StopClock.h — the clock of a session command's consumer loop (connect /
// listen / proxy: CliSession.h; udp listen / send: UdpCommand.h): its
// --timeout, and the grace a requested stop has before the run is abandoned.
//
// What it does: begin() starts it as the loop starts; wait() says how long the next wait for events may last;
// stop() notes the first request to stop; timeoutPassed() is true once,
// after the wait in which the --timeout passed; abandonIfOverdue() ends the
// process (status 1, one line on stderr) when the engine has not stopped
// within 5 s of the request.
// What it owns: only its time points.
// Threads: the main thread.
#pragma once

#include <chrono>
#include <cstdio>
#include <optional>

namespace cli {

class StopClock {
public:
    using Clock = std::chrono::steady_clock;
    /// How long a requested stop may take before the run is abandoned.
    static constexpr auto kStopGrace = std::chrono::seconds(5);

    /// The loop starts now; `timeout` is --timeout (none: no deadline).
    void begin(std::optional<std::chrono::milliseconds> timeout);

    Clock::time_point start() const noexcept { return m_start; }
    /// The next wait, at `now`: until the --timeout (unless it has passed),
    /// the end of a requested stop's grace and `cap`, whichever comes first;
    /// never negative.
    std::chrono::milliseconds wait(Clock::time_point now, Clock::duration cap = std::chrono::hours(1)) const;
    /// A stop is requested now (a later request changes nothing).
    void stop() {
        if (!m_stopRequested) m_stopRequested = Clock::now();
    }
    bool stopRequested() const noexcept { return m_stopRequested.has_value(); }
    /// After a wait ending at `after`: true once, the first time the
    /// --timeout has passed.
    bool timeoutPassed(Clock::time_point after);
    bool timedOut() const noexcept { return m_timedOut; }
    /// After a wait ending at `after`: once a requested stop's grace is
    /// over, says "the engine did not stop within 5 s; giving up" on `err`
    /// and exits at once with status 1.
    void abandonIfOverdue(Clock::time_point after, std::FILE* err) const;

private:
    Clock::time_point m_start;
    // A flag and a plain time point rather than an optional: GCC at -O1 (the
    // MinGW cross-build) warns that an optional's value may be uninitialized.
    bool m_hasDeadline = false;
    Clock::time_point m_deadline;
    bool m_timedOut = false;
    std::optional<Clock::time_point> m_stopRequested;
};

}  // namespace cli
