// DispatcherWithSend.h — asyncore.dispatcher_with_send: a dispatcher with a
// simple output buffer.
//
// What it does: send() appends to `outBuffer` and calls initiateSend()
// at once; initiateSend() makes one Dispatcher::send() of at most 65536
// bytes and drops what was written (F1, F2). writable() is
// `!connected || !outBuffer.empty()` and handleWrite() is initiateSend() (F3).
// Note: unlike Dispatcher::send, send() here returns nothing (Python returns
// None).
// What it owns: its socket and its output buffer.
// Threads: loop thread only.
#pragma once

#include "engine/asyncore/Dispatcher.h"

#include <string>
#include <string_view>

namespace engine {

class DispatcherWithSend : public Dispatcher {
public:
    static constexpr std::size_t kSendChunk = 65536;

    explicit DispatcherWithSend(Loop* map = nullptr) : Dispatcher(map) {}
    explicit DispatcherWithSend(Socket sock, Loop* map = nullptr) : Dispatcher(std::move(sock), map) {}
    explicit DispatcherWithSend(NativeSocket sock, Loop* map = nullptr) : Dispatcher(Socket(sock), map) {}

    std::string outBuffer;

    void initiateSend();
    /// Queues `data` and tries to send it now. Hides Dispatcher::send.
    void send(std::string_view data);
    bool writable() override { return !connected || !outBuffer.empty(); }
    void handleWrite() override { initiateSend(); }

protected:
    std::string_view className() const override { return "DispatcherWithSend"; }
};

}  // namespace engine
