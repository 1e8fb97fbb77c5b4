// Resolver.h — name resolution that never blocks the loop thread.
//
// What it does: resolve() starts getaddrinfo() (Address::resolve) on a short-
// lived helper thread and returns at once; the result is handed to the
// callback given at construction, on that helper thread (the Reactor's
// callback posts it into the loop as a command). Numeric hosts need no
// resolver: the Reactor handles them inline.
// A lookup can take seconds (a DNS timeout), so the destructor never waits
// for one: it only guarantees that once it has returned no callback runs any
// more; helper threads still in getaddrinfo() finish on their own and drop
// their result.
// What it owns: the shared state its helper threads hold on to.
// Threads: resolve() and the destructor may be called from any one thread at
// a time; callbacks run on helper threads.
#pragma once

#include "engine/net/Address.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace engine {

class Resolver {
public:
    /// `ticket` is the caller's tag; on failure `addresses` is empty and
    /// `error` the resolver's message.
    using Callback = std::function<void(std::uint64_t ticket, std::vector<Address> addresses, std::string error)>;

    explicit Resolver(Callback onResult);
    ~Resolver();
    Resolver(const Resolver&) = delete;
    Resolver& operator=(const Resolver&) = delete;

    /// Starts resolving `host` for stream sockets; `family` 0, kAfInet or kAfInet6.
    void resolve(std::uint64_t ticket, std::string host, std::uint16_t port, int family);

private:
    struct State;
    std::shared_ptr<State> m_state;
};

}  // namespace engine
