#include "engine/asyncore/Dispatcher.h"
#include "engine/net/SocketOps.h"
#include "examples/ExampleLog.h"

#include <system_error>

namespace examples {

std::uint16_t boundPort(const engine::Dispatcher& d) {
    std::error_code ec;
    const engine::Address a = engine::sockops::localAddress(d.socketHandle(), ec);
    return ec ? 0 : a.port();
}

}  // namespace examples
