// DispatcherWithSend.cpp — asyncore.dispatcher_with_send.
#include "engine/asyncore/DispatcherWithSend.h"

namespace engine {

void DispatcherWithSend::initiateSend() {
    const std::size_t numSent =
        Dispatcher::send(std::string_view(outBuffer).substr(0, kSendChunk));
    outBuffer.erase(0, numSent);
}

void DispatcherWithSend::send(std::string_view data) {
    if (debug) logInfo("sending " + std::string(data));
    outBuffer.append(data);
    initiateSend();
}

}  // namespace engine
