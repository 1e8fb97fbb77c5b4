// HostedWork.h — work a Reactor runs in its own loop on behalf of someone
// else: dispatchers that are not Channels (the built-in examples' servers and
// clients), made by a factory on the loop thread.
//
// What it does: a HostFactory is called once, on the Reactor's loop thread,
// with the Reactor's Loop; it constructs its dispatchers in that Loop and
// returns a HostedWork that owns them (dispatchers they create later, such as
// accepted connections, may be adopted by the Loop). The Reactor asks done()
// after every loop pass; once it is true it reports `hosted done` with ok(),
// closes every dispatcher of the work and destroys it. See Reactor::host().
// Work that keeps time of its own (a conversation script's timeouts) is
// ticked before every wait — also while the Reactor is paused, so that it can
// stop its clock (the loop's pauses are not its time) — and says when it
// wants the next tick; the loop's wait ends then.
// What it owns: whatever the factory gave it (typically its dispatchers).
// Threads: built, asked and destroyed on the Reactor's loop thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

namespace engine {

class Loop;

class HostedWork {
public:
    virtual ~HostedWork() = default;
    /// The work is over (e.g. the client finished).
    virtual bool done() const = 0;
    /// It went as expected (asked once done() is true).
    virtual bool ok() const = 0;
    /// The port its server listens on (0: none), for the `hosted started` event.
    virtual std::uint16_t port() const { return 0; }
    /// Before every wait of the loop, and after a command or Reactor::wake():
    /// `paused` is true while the Reactor is paused (Loop inspector, F8),
    /// stepped passes included. Returns the latest time to be ticked again
    /// (nullopt: no need). Default: no ticks needed.
    virtual std::optional<std::chrono::steady_clock::time_point> tick(bool paused) {
        (void)paused;
        return std::nullopt;
    }
};

/// Makes the work's dispatchers in `loop`. May throw (reported as `hosted failed`).
using HostFactory = std::function<std::unique_ptr<HostedWork>(Loop& loop)>;
/// Hosted work is named by a small integer, never reused within a Reactor.
using HostId = std::uint32_t;

}  // namespace engine
