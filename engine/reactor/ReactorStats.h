// ReactorStats.h — the counters a Reactor keeps over all its channels.
//
// What it does: a plain struct of totals (bytes and messages in and out,
// channels opened, accepted and open, loop passes, events). The loop thread
// updates its own copy on the hot path with plain additions; Reactor::stats()
// returns the copy published at the end of the last loop pass.
// What it owns: nothing.
// Threads: a value type; any thread.
#pragma once

#include <cstdint>

namespace engine {

struct ReactorStats {
    std::uint64_t passes = 0;          ///< Loop passes run.
    std::uint64_t events = 0;          ///< Events emitted (the last sequence number).
    std::uint64_t channelsOpened = 0;  ///< Client and server channels opened by command.
    std::uint64_t accepted = 0;        ///< Connections accepted.
    std::uint64_t channelsOpen = 0;    ///< Channels open now.
    std::uint64_t peakChannels = 0;    ///< The most channels open at once.
    std::uint64_t bytesIn = 0;         ///< Bytes recv() returned.
    std::uint64_t bytesOut = 0;        ///< Bytes send() wrote.
    std::uint64_t messagesIn = 0;      ///< found_terminator() calls, but for a STARTTLS dialogue's lines.
    std::uint64_t messagesOut = 0;     ///< Pushes (commands, echo replies, repeated copies).
};

}  // namespace engine
