// StopClock.cpp — --timeout and the stop's grace of the session commands.
#include "app/cli/StopClock.h"

#include "app/cli/ToolCommands.h"

#include <algorithm>
#include <cstdlib>

namespace cli {

void StopClock::begin(std::optional<std::chrono::milliseconds> timeout) {
    m_start = Clock::now();
    m_hasDeadline = timeout.has_value();
    m_deadline = m_start + timeout.value_or(std::chrono::milliseconds(0));
}

std::chrono::milliseconds StopClock::wait(Clock::time_point now, Clock::duration cap) const {
    auto wait = cap;
    if (m_hasDeadline && !m_timedOut) wait = std::min(wait, m_deadline - now);
    if (m_stopRequested) wait = std::min(wait, *m_stopRequested + kStopGrace - now);
    return std::max<std::chrono::milliseconds>(std::chrono::milliseconds(0),
                                               std::chrono::ceil<std::chrono::milliseconds>(wait));
}

bool StopClock::timeoutPassed(Clock::time_point after) {
    if (!m_hasDeadline || m_timedOut || after < m_deadline) return false;
    m_timedOut = true;
    return true;
}

void StopClock::abandonIfOverdue(Clock::time_point after, std::FILE* err) const {
    if (!m_stopRequested || after < *m_stopRequested + kStopGrace) return;
    sayTo(err, "the engine did not stop within 5 s; giving up");
    std::fflush(nullptr);
    std::_Exit(1);
}

}  // namespace cli
