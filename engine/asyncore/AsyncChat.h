// AsyncChat.h — asynchat.async_chat: a dispatcher that frames its input by a
// terminator and queues its output through a producer fifo.
//
// What it does (conformance sections A, R, P, W of docs/conformance.md):
//   input   each handleRead() makes one recv of acInBufferSize bytes into
//           the input buffer, then splits the buffer by the terminator in
//           force, calling collectIncomingData() with the bytes of a record
//           and foundTerminator() at each boundary. The terminator is re-read
//           at every step (getTerminator(), or the stored one in place after
//           useStoredTerminator()), so a change inside either hook applies
//           to the bytes still buffered (R13). A partial terminator at the
//           end of the buffer is held back (find_prefix_at_end, R10) until
//           more arrives. The buffer is consumed by moving an offset, never
//           by erasing its front; only a held-back prefix is moved, at the
//           next read. collectIncomingData() receives a view into the input
//           buffer: received bytes are copied once (by recv) and never again.
//   output  push() queues bytes in slices of acOutBufferSize,
//           pushWithProducer() queues a producer, closeWhenDone() queues the
//           close marker; initiateSend() makes at most one send() per call
//           (P8) and the loop calls it again on each write event.
// Faithful to CPython 3.11 except where docs/conformance.md says otherwise;
// the decisions that differ: the default terminator is None (A3), buffer sizes
// default to 4096 as the documentation says (R1), push() copies (P14), a
// count lowered below zero in collect stops at 0 (R7), and a count replaced
// by bytes or None in collect is kept instead of raising TypeError (R20).
// What it owns: its input buffer, its fifo and every producer pushed to it.
// Threads: loop thread only.
#pragma once

#include "engine/asyncore/BufferSizes.h"
#include "engine/asyncore/Dispatcher.h"
#include "engine/asyncore/Fifo.h"
#include "engine/asyncore/Producer.h"
#include "engine/asyncore/Terminator.h"

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace engine {

class AsyncChat : public Dispatcher {
public:
    /// ac_in_buffer_size / ac_out_buffer_size defaults (the documented 4096).
    static constexpr std::size_t kAcInBufferSize = engine::kAcInBufferSize;
    static constexpr std::size_t kAcOutBufferSize = engine::kAcOutBufferSize;

    explicit AsyncChat(Loop* map = nullptr);
    explicit AsyncChat(Socket sock, Loop* map = nullptr);
    explicit AsyncChat(NativeSocket sock, Loop* map = nullptr) : AsyncChat(Socket(sock), map) {}

    /// Bytes asked of each recv(), read at call time (R1). Must be ≥ 1.
    std::size_t acInBufferSize = kAcInBufferSize;
    /// Largest slice push() queues and initiateSend() sends at once (P2, P8).
    std::size_t acOutBufferSize = kAcOutBufferSize;

    // --- Terminator (A) ---------------------------------------------------------
    void setTerminator(Terminator t) { m_terminator = std::move(t); }
    /// Convenience: a byte string terminator.
    void setTerminator(std::string_view bytes) { m_terminator = Terminator::bytes(bytes); }
    void setTerminator(const char* bytes) { setTerminator(std::string_view(bytes)); }
    /// Convenience: a count terminator (negative throws std::invalid_argument).
    void setTerminator(long long count) { m_terminator = Terminator::count(count); }
    void setTerminator(int count) { setTerminator(static_cast<long long>(count)); }
    void setTerminator(std::nullptr_t) { m_terminator = Terminator::none(); }
    /// get_terminator(): the hook handleRead() calls at every step of its
    /// loop (R5), so an override decides the framing. See useStoredTerminator().
    virtual Terminator getTerminator() const { return m_terminator; }

    // --- The two hooks every subclass provides (R14) ---------------------------
    /// Called with a non-empty run of payload bytes. The view is valid only
    /// during the call; copy what you keep.
    virtual void collectIncomingData(std::string_view data) = 0;
    virtual void foundTerminator() = 0;

    // --- Output (P) ---------------------------------------------------------------
    void push(std::string_view data);
    /// push() that takes over `data` without a copy when it fits in one slice.
    void push(std::string&& data);
    void push(const std::string& data) { push(std::string_view(data)); }
    void push(const char* data) { push(std::string_view(data)); }
    void pushWithProducer(std::unique_ptr<Producer> producer);
    void closeWhenDone();
    void initiateSend();
    /// Empties the input buffer, the incoming list and the whole fifo,
    /// including a pending close marker (W3).
    void discardBuffers();

    // --- Predicates (W) -----------------------------------------------------------
    bool readable() override { return true; }                                      // W2, R18
    /// W1: `self.producer_fifo or not self.connected`, except that a head
    /// producer that is not ready() does not ask for a write (Producer.h).
    bool writable() override;

    // --- Dispatcher hooks ---------------------------------------------------------
    void handleRead() override;
    void handleWrite() override { initiateSend(); }   // P13
    void handleClose() override { close(); }          // P13

    // --- Inspection (for tools, tests and the GUI) ---------------------------------
    /// Bytes received but not yet delivered (the held-back terminator prefix).
    std::string_view inputBuffer() const noexcept;
    const Fifo& producerFifo() const noexcept { return m_fifo; }

protected:
    std::string_view className() const override { return "AsyncChat"; }

    /// smtpd's helpers (R19): append to `incoming`, and join-and-clear it.
    void collectIncomingDataDefault(std::string_view data) { m_incoming.append(data); }
    std::string getData() { return std::exchange(m_incoming, std::string()); }

    /// Called after each send() that initiateSend() makes, with the bytes it
    /// wrote (empty when the send wrote nothing: a would-block, a disconnect,
    /// or push("")). For subclasses that count or trace; default: nothing.
    virtual void onSent(std::string_view written) { (void)written; }
    /// Called when a producer is dropped because more() returned empty.
    virtual void onProducerExhausted(const Producer& p) { (void)p; }

    /// For a subclass that does not override getTerminator(): handleRead()
    /// then reads the stored terminator in place at each step instead of
    /// calling getTerminator() and copying what it returns (a virtual call
    /// and a Terminator copy per record; the framing is the same, R5's call
    /// is what is saved). Off by default, so an override is always honoured;
    /// a subclass that overrides getTerminator() must leave it off.
    void useStoredTerminator(bool on = true) noexcept { m_storedTerminator = on; }

    /// A fast path for a subclass whose hooks, for the whole records of one
    /// read, would do nothing but count them. With useStoredTerminator() on,
    /// a non-empty bytes terminator, no tap and no loop observer, handleRead()
    /// offers it the input after each recv: it returns how many bytes from
    /// the start of `live` it has taken as whole records — each one ending
    /// at the next `terminator` found left to right, as the loop would cut
    /// them — or 0, and the loop then frames them with
    /// collect_incoming_data / found_terminator as usual. What is left after
    /// the bytes taken is framed as usual. Default: 0 (never).
    virtual std::size_t takeWholeRecords(std::string_view live, std::string_view terminator) {
        (void)live;
        (void)terminator;
        return 0;
    }

private:
    Terminator m_terminator;  // None by default (A3)
    bool m_storedTerminator = false;  // useStoredTerminator()
    // ac_in_buffer: bytes [m_inRd, m_inWr) of m_inBuf are live. A raw array,
    // not a std::string, so each recv() lands in uninitialised memory.
    std::unique_ptr<char[]> m_inBuf;
    std::size_t m_inCap = 0;
    std::size_t m_inRd = 0;
    std::size_t m_inWr = 0;
    std::string_view live() const noexcept { return {m_inBuf.get() + m_inRd, m_inWr - m_inRd}; }
    void consumeIn(std::size_t n) noexcept;      // ac_in_buffer = ac_in_buffer[n:]
    void keepLastIn(std::size_t n) noexcept;     // ac_in_buffer = ac_in_buffer[-n:]
    void clearIn() noexcept { m_inRd = m_inWr = 0; }
    // One step of handleRead()'s loop with `terminator` in force; false when
    // the rest of the buffer waits for more input.
    bool frameStep(const Terminator& terminator);
    // collect_incoming_data(), traced and tapped.
    void collect(std::string_view data) {
        if (m_tap) m_tap->collected(*this, data);
        trace(Hook::CollectIncomingData);
        collectIncomingData(data);
    }
    // The tap's terminatorFound() for a bytes terminator matched at m_inBuf[at].
    void tapFound(const Terminator& matched, std::size_t at, std::size_t len);
    std::string m_incoming;   // for getData()
    Fifo m_fifo;              // producer_fifo
};

}  // namespace engine
