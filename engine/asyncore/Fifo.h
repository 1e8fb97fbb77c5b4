// Fifo.h — async_chat's producer_fifo: the queue of what is still to send.
//
// What it does: holds, in order, three kinds of entry — data (bytes pushed
// with push()), producers (push_with_producer()) and the close marker
// (close_when_done(), Python's `None`). AsyncChat::initiateSend() works on
// its head exactly as CPython's deque is used (append, appendleft, [0],
// del [0], clear). It also keeps a running count of queued data bytes so the
// owner can watch a high-water mark; producers count as their remaining()
// when they know it.
// CPython 3.11 has no `asynchat.fifo` class any more (S4); this is the deque
// it uses in its place, with the operations async_chat needs.
// What it owns: its entries, including the producers pushed to it.
// Threads: owned by one channel; loop thread only.
#pragma once

#include "engine/asyncore/Producer.h"

#include <cstddef>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace engine {

class Fifo {
public:
    struct Entry {
        enum class Kind : unsigned char { Data, Producer, Close };
        Kind kind = Kind::Data;
        std::string data;          ///< Kind::Data: the bytes; `offset` of them already sent.
        std::size_t offset = 0;
        std::unique_ptr<engine::Producer> producer;  ///< Kind::Producer.

        std::string_view pending() const noexcept {
            return std::string_view(data).substr(offset);
        }
    };

    bool empty() const noexcept { return m_entries.empty(); }
    std::size_t size() const noexcept { return m_entries.size(); }
    /// Data bytes queued and not yet sent (producers not included).
    std::size_t queuedBytes() const noexcept { return m_bytes; }

    void appendData(std::string data);
    void appendProducer(std::unique_ptr<Producer> p);
    void appendClose();
    /// Puts data at the head (a producer's chunk, P9).
    void prependData(std::string data);

    Entry& front() { return m_entries.front(); }
    const Entry& front() const { return m_entries.front(); }
    void popFront();
    /// Marks `n` bytes of the head data entry as sent (P11's first[n:]).
    void consumeFront(std::size_t n);
    void clear();

    /// Iteration for inspectors (read-only).
    auto begin() const { return m_entries.begin(); }
    auto end() const { return m_entries.end(); }

private:
    /// A data entry for `data`, its bytes counted as queued.
    Entry dataEntry(std::string data);

    std::deque<Entry> m_entries;
    std::size_t m_bytes = 0;
};

}  // namespace engine
