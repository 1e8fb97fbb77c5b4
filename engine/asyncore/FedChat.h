// FedChat.h — an async_chat whose transport is bytes the caller hands it
// instead of a socket: asynchat's own framing (handleRead(), the terminator
// re-read at every step, the held-back partial terminator) over a recording,
// a capture or a benchmark's buffer. Reframer (engine/capture) and
// ProgramFramer (engine/program) are built on it.
//
// What it does: give() sets the bytes the next recv() calls hand out, in
// pieces of at most acInBufferSize; once they are taken, recv() says "would
// block" (R2: the framing loop returns quietly and waits for more); feed()
// gives and reads until everything is taken. There is no socket, so
// handleClose() does nothing (handleRead() calls it only on end of file,
// which this transport never reports). Its Loop (idleLoop()) is never run and
// the chat never registers in it: it only keeps the chat off the thread's
// default map.
// What it owns: nothing of the given bytes (a view: they must outlive the feed).
// Threads: the thread that feeds it (the chat is single-threaded).
#pragma once

#include "engine/asyncore/AsyncChat.h"
#include "engine/asyncore/Loop.h"

#include <cstddef>
#include <string_view>
#include <system_error>

namespace engine {

class FedChat : public AsyncChat {
public:
    explicit FedChat(Loop* loop = &idleLoop()) : AsyncChat(loop) {}

    /// The bytes the next handleRead() calls take from.
    void give(std::string_view bytes) noexcept { m_input = bytes; }
    bool hasInput() const noexcept { return !m_input.empty(); }
    /// give(bytes), then handleRead() until all of them are taken.
    void feed(std::string_view bytes) {
        give(bytes);
        while (hasInput()) handleRead();
    }
    void handleClose() override {}

    /// A Loop per thread that is never run, for chats that have no socket.
    static Loop& idleLoop();

protected:
    std::size_t rawRecv(void* buf, std::size_t len, std::error_code& ec) override;

private:
    std::string_view m_input;
};

}  // namespace engine
