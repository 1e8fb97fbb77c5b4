// Poller.h — the readiness primitives under Loop: select(), poll(), epoll.
//
// What it does: given the channels of one pass with the readiness each one
// wants (ReadyBits), waits at most `timeout` and fills in what each one got.
// It never calls a dispatcher and knows nothing of asyncore's rules; Loop
// does the dispatching. Backends:
//   select — fd_sets rebuilt every pass (asyncore.poll). Refuses, with a
//            BackendError, any fd it cannot represent (>= FD_SETSIZE on
//            POSIX, more than FD_SETSIZE sockets on Windows).
//   poll   — a pollfd array rebuilt every pass (asyncore.poll2); WSAPoll on
//            Windows.
//   epoll  — Linux only. Registrations persist across passes and are changed
//            only when a channel's wanted bits change, so a pass costs
//            O(channels) cheap comparisons plus O(ready) work in the kernel.
// What it owns: its kernel objects (the epoll descriptor) and scratch arrays.
// Threads: used only by its Loop's thread.
#pragma once

#include "engine/asyncore/Loop.h"

#include <memory>
#include <optional>
#include <vector>

namespace engine::detail {

/// One channel of a pass.
struct PollEntry {
    Dispatcher* d;
    NativeSocket fd;
    std::uint64_t serial;
    unsigned want;   // ReadyBits asked for
    unsigned ready;  // ReadyBits reported (filled by wait)
    unsigned app = 0;    // Loop: the bits the application asked for (want without the layer's)
    unsigned layer = 0;  // Loop: the bits its stream layer asked for (0 without a layer)
    bool pending = false;  // Loop: the layer holds input for the application (dispatch a read)
};

class Poller {
public:
    virtual ~Poller() = default;
    /// Waits for the entries (those with want == 0 are not waited on, and get
    /// no error/hangup reports, as in asyncore.poll2). `timeout` in seconds;
    /// nullopt blocks. Returns the number of entries with ready != 0.
    virtual std::size_t wait(std::vector<PollEntry>& entries, std::optional<double> timeout) = 0;
    /// `fd` leaves the map (and is about to be closed).
    virtual void forget(NativeSocket fd) { (void)fd; }
};

/// Creates the backend; throws BackendError if it is not available here.
std::unique_ptr<Poller> makePoller(Backend b);

}  // namespace engine::detail
