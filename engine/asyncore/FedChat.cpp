// FedChat.cpp — an async_chat over bytes the caller hands it.
#include "engine/asyncore/FedChat.h"

#include <algorithm>
#include <cstring>

namespace engine {

Loop& FedChat::idleLoop() {
    thread_local Loop loop;
    return loop;
}

std::size_t FedChat::rawRecv(void* buf, std::size_t len, std::error_code& ec) {
    if (m_input.empty()) {
        ec = std::make_error_code(std::errc::operation_would_block);
        return 0;
    }
    ec.clear();
    const std::size_t n = std::min(len, m_input.size());
    std::memcpy(buf, m_input.data(), n);
    m_input.remove_prefix(n);
    return n;
}

}  // namespace engine
