// Resolver.cpp — one detached helper thread per lookup, a shared "still
// wanted" flag checked under a mutex before the callback runs.
#include "engine/net/Resolver.h"

#include "engine/net/ThreadSafety.h"

#include <system_error>
#include <thread>

namespace engine {

struct Resolver::State {
    Mutex mutex;
    bool alive LW_GUARDED_BY(mutex) = true;
    Callback callback LW_GUARDED_BY(mutex);
};

Resolver::Resolver(Callback onResult) : m_state(std::make_shared<State>()) {
    MutexLock lock(m_state->mutex);  // no other thread knows the state yet; this keeps the analysis simple
    m_state->callback = std::move(onResult);
}

Resolver::~Resolver() {
    // After this block no callback can start, and none is running.
    MutexLock lock(m_state->mutex);
    m_state->alive = false;
    m_state->callback = nullptr;
}

void Resolver::resolve(std::uint64_t ticket, std::string host, std::uint16_t port, int family) {
    std::thread([state = m_state, ticket, host = std::move(host), port, family] {
        std::string error;
        std::vector<Address> found;
        try {
            found = Address::resolve(host, port, family, error);
        } catch (const std::exception& e) {
            error = e.what();
        }
        if (found.empty() && error.empty()) error = "no address found";
        MutexLock lock(state->mutex);
        if (state->alive && state->callback) state->callback(ticket, std::move(found), std::move(error));
    }).detach();
}

}  // namespace engine
