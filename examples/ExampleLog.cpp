#include "engine/asyncore/Dispatcher.h"
#include "engine/net/SocketOps.h"
#include "examples/ExampleLog.h"

#include <stdexcept>
#include <system_error>

namespace examples {

std::uint16_t boundPort(const engine::Dispatcher& d) {
    std::error_code ec;
    const engine::Address a = engine::sockops::localAddress(d.socketHandle(), ec);
    return ec ? 0 : a.port();
}

engine::Address numericAddress(std::string_view who, const std::string& host, std::uint16_t port) {
    const auto a = engine::Address::fromNumeric(host, port);
    if (!a)
        throw std::invalid_argument((who.empty() ? std::string() : std::string(who) + ": ") +
                                    "not a numeric address: " + host);
    return *a;
}

}  // namespace examples
