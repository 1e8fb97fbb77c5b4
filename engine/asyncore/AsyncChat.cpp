// AsyncChat.cpp — asynchat.async_chat: handle_read's framing loop and
// initiate_send's producer fifo walk, line for line with CPython 3.11.
#include "engine/asyncore/AsyncChat.h"

#include <algorithm>
#include <cstring>

// frameStep() runs once per record; without this GCC keeps it out of line
// (two call sites), and its entry and exit cost as much as its work.
#if defined(__GNUC__) || defined(__clang__)
#define LW_FRAME_STEP_INLINE [[gnu::always_inline]] inline
#elif defined(_MSC_VER)
#define LW_FRAME_STEP_INLINE __forceinline
#else
#define LW_FRAME_STEP_INLINE inline
#endif

namespace engine {

AsyncChat::AsyncChat(Loop* map) : Dispatcher(map) {}
AsyncChat::AsyncChat(Socket sock, Loop* map) : Dispatcher(std::move(sock), map) {}

std::string_view AsyncChat::inputBuffer() const noexcept {
    return m_inBuf ? live() : std::string_view();
}

void AsyncChat::consumeIn(std::size_t n) noexcept {
    m_inRd += std::min(n, m_inWr - m_inRd);
    if (m_inRd == m_inWr) clearIn();
}

void AsyncChat::keepLastIn(std::size_t n) noexcept {
    const std::size_t lb = m_inWr - m_inRd;
    if (n < lb) m_inRd = m_inWr - n;
}

// One pass of handle_read's loop over the live input with `terminator` in
// force. Returns false when the rest of the buffer waits for more input.
// `terminator` may be m_terminator itself, which a hook may change: nothing
// below reads it once a hook has run (what is needed is taken before).
LW_FRAME_STEP_INLINE bool AsyncChat::frameStep(const Terminator& terminator) {
    const std::string_view buf = live();
    const std::size_t lb = buf.size();
    if (terminator.isBytes() && !terminator.bytesValue().empty()) {
        // 3 cases:
        // 1) end of buffer matches terminator exactly:
        //    collect data, transition
        // 2) end of buffer matches some prefix:
        //    collect data to the prefix
        // 3) end of buffer does not match any prefix:
        //    collect data
        const std::string_view t = terminator.bytesValue();
        const std::size_t index = findTerminator(buf, t);
        if (index != std::string_view::npos) {
            // we found the terminator
            const std::size_t tlen = t.size();
            const std::size_t at = m_inRd + index;  // where it is in m_inBuf
            if (index > 0) {
                // don't bother reporting the empty string
                // (source of subtle bugs)
                collect(buf.substr(0, index));
            }
            consumeIn(index + tlen);
            // This does the Right Thing if the terminator is changed here.
            if (m_tap) tapFound(terminator, at, tlen);
            trace(Hook::FoundTerminator);
            foundTerminator();
            return true;
        }
        // check for a prefix of the terminator
        const std::size_t k = findPrefixAtEnd(buf, t);
        if (k) {
            if (k != lb) {
                // we found a prefix, collect up to the prefix
                collect(buf.substr(0, lb - k));
                keepLastIn(k);
            }
            return false;
        }
        // no prefix, collect it all
        collect(buf);
        clearIn();
        return true;
    }
    if (terminator.isCount() && terminator.countValue() > 0) {
        // numeric terminator
        const std::uint64_t n = terminator.countValue();
        if (lb < n) {
            collect(buf);
            clearIn();
            // self.terminator = self.terminator - lb, on the terminator as
            // the hook left it. CPython can go negative here if the hook set
            // a smaller count; we stop at 0 (docs/conformance.md, R7). A hook
            // that set bytes or None here keeps it (CPython raises TypeError
            // on the subtraction and closes; docs/conformance.md, R20).
            if (m_terminator.isCount()) {
                const std::uint64_t stored = m_terminator.countValue();
                m_terminator = Terminator::count(static_cast<long long>(stored - std::min<std::uint64_t>(stored, lb)));
            }
            return true;
        }
        // The view stays valid: consumeIn only moves indices.
        collect(buf.substr(0, static_cast<std::size_t>(n)));
        consumeIn(static_cast<std::size_t>(n));
        m_terminator = Terminator::count(0);
        if (m_tap) m_tap->terminatorFound(*this, Terminator::count(static_cast<long long>(n)));
        trace(Hook::FoundTerminator);
        foundTerminator();
        return true;
    }
    // no terminator, collect it all
    // (collect first, then empty the buffer: the hook sees CPython's state)
    collect(buf);
    clearIn();
    return true;
}

void AsyncChat::handleRead() {
    const std::size_t want = std::max<std::size_t>(acInBufferSize, 1);
    // Make room for one recv at the end of the live bytes. What is live here
    // is at most the held-back terminator prefix, so moving it is cheap.
    const std::size_t lb0 = m_inWr - m_inRd;
    if (m_inRd > 0) {
        if (lb0) std::memmove(m_inBuf.get(), m_inBuf.get() + m_inRd, lb0);
        m_inRd = 0;
        m_inWr = lb0;
    }
    if (m_inCap < lb0 + want) {
        const std::size_t cap = std::max(lb0 + want, m_inCap + m_inCap / 2);
        std::unique_ptr<char[]> grown(new char[cap]);
        if (lb0) std::memcpy(grown.get(), m_inBuf.get(), lb0);
        m_inBuf = std::move(grown);
        m_inCap = cap;
    }

    std::size_t got = 0;
    try {
        bool wouldBlock = false;
        trace(Hook::Recv);
        got = recvOrWouldBlock(m_inBuf.get() + m_inWr, want, wouldBlock);
        if (wouldBlock) return;  // R2: a spurious wakeup is not an error
    } catch (const std::system_error&) {
        if (m_tap) m_tap->error(*this);
        trace(Hook::HandleError);
        handleError();  // R3
        return;
    }
    m_inWr += got;
    if (m_storedTerminator && !m_tap && m_terminator.isBytes() && !m_terminator.bytesValue().empty() &&
        !map().observer()) {
        if (const std::size_t taken = takeWholeRecords(live(), m_terminator.bytesValue())) consumeIn(taken);
    }

    // Continue to search for self.terminator in self.ac_in_buffer, while
    // calling self.collect_incoming_data. The while loop is necessary because
    // we might read several data+terminator combos with a single recv().
    while (m_inWr > m_inRd) {
        // terminator = self.get_terminator(), at every step (R5). A class
        // that said it does not override the hook (useStoredTerminator) has
        // it read in place: no virtual call and no copy per record.
        const bool more = m_storedTerminator && !m_tap ? frameStep(m_terminator) : frameStep(getTerminator());
        if (!more) break;
    }
}

void AsyncChat::tapFound(const Terminator& matched, std::size_t at, std::size_t len) {
    if (&matched != &m_terminator) {
        m_tap->terminatorFound(*this, matched);
        return;
    }
    // Read in place with no tap when the step began: collect_incoming_data
    // installed this one, and may have changed m_terminator too. The bytes
    // that ended the record are still where they were matched (the buffer
    // only moves or grows at the start of a handleRead).
    m_tap->terminatorFound(*this, Terminator::bytes(std::string_view(m_inBuf.get() + at, len)));
}

void AsyncChat::push(std::string_view data) {
    const std::size_t sabs = std::max<std::size_t>(acOutBufferSize, 1);
    if (data.size() > sabs) {
        for (std::size_t i = 0; i < data.size(); i += sabs) m_fifo.appendData(std::string(data.substr(i, sabs)));
    } else {
        m_fifo.appendData(std::string(data));
    }
    initiateSend();
}

void AsyncChat::push(std::string&& data) {
    if (data.size() > std::max<std::size_t>(acOutBufferSize, 1)) {
        push(std::string_view(data));
        return;
    }
    m_fifo.appendData(std::move(data));
    initiateSend();
}

void AsyncChat::pushWithProducer(std::unique_ptr<Producer> producer) {
    if (!producer) return;
    m_fifo.appendProducer(std::move(producer));
    initiateSend();
}

void AsyncChat::closeWhenDone() {
    // automatically close this channel once the outgoing queue is empty
    m_fifo.appendClose();
}

bool AsyncChat::writable() {
    if (!connected) return true;  // W1
    if (m_fifo.empty()) return false;
    const Fifo::Entry& first = m_fifo.front();
    return first.kind != Fifo::Entry::Kind::Producer || first.producer->ready();
}

void AsyncChat::initiateSend() {
    trace(Hook::InitiateSend);
    while (!m_fifo.empty() && connected) {
        Fifo::Entry& first = m_fifo.front();
        if (first.kind == Fifo::Entry::Kind::Close) {
            // handle the close marker (Python's None)
            m_fifo.popFront();
            trace(Hook::HandleClose);
            handleClose();
            return;
        }
        if (first.kind == Fifo::Entry::Kind::Producer) {
            // handle classic producer behavior; one whose data is not there
            // yet stays at the head until it is (Producer::ready())
            if (!first.producer->ready()) return;
            std::string data = first.producer->more();
            if (!data.empty()) {
                m_fifo.prependData(std::move(data));
            } else {
                const std::unique_ptr<Producer> done = std::move(first.producer);
                m_fifo.popFront();
                onProducerExhausted(*done);
            }
            continue;
        }

        // A data entry. An empty one (push(b"")) is removed and still costs
        // one send of nothing, as in CPython (P7).
        const std::size_t obs = std::max<std::size_t>(acOutBufferSize, 1);
        const std::size_t firstLen = first.pending().size();
        std::string empty;
        std::string_view data;
        if (firstLen == 0) {
            m_fifo.popFront();
            data = empty;
        } else {
            data = first.pending().substr(0, obs);
        }

        // send the data
        std::size_t numSent = 0;
        try {
            trace(Hook::Send);
            numSent = send(data);
        } catch (const std::system_error&) {
            if (m_tap) m_tap->error(*this);
            trace(Hook::HandleError);
            handleError();
            return;
        }
        onSent(data.substr(0, numSent));

        if (numSent && !m_fifo.empty()) m_fifo.consumeFront(numSent);
        // we tried to send some actual data
        return;
    }
}

void AsyncChat::discardBuffers() {
    // Emergencies only!
    clearIn();
    m_incoming.clear();
    m_fifo.clear();
}

}  // namespace engine
