// Producer.h — asynchat's producer protocol and simple_producer.
//
// What it does: a Producer hands out its data one chunk at a time through
// more(); an empty result means it is exhausted, and async_chat drops it the
// first time that happens, even if it would produce more later (P10).
// more() is called lazily, only when the producer reaches the head of the
// channel's fifo (P9).
// Beyond asynchat (an extension of this engine, used only by FileProducer):
// ready() may say "not ready yet" — its data is being read on another thread.
// async_chat's initiate_send then stops at that producer for this pass without
// calling more() and without dropping it, and writable() does not ask for a
// write because of it (no busy loop); the producer has the loop woken when it
// becomes ready. Every other producer is always ready, so the asynchat
// semantics above are unchanged.
// What it owns: whatever its subclass holds (SimpleProducer: its bytes).
// Threads: a producer belongs to the channel it was pushed to and is only
// called on that channel's loop thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace engine {

class Producer {
public:
    virtual ~Producer() = default;
    /// The next chunk; an empty string means "exhausted".
    virtual std::string more() = 0;
    /// A short name for logs and events ("simple", "file", "repeat").
    virtual std::string_view kind() const { return "producer"; }
    /// False while the next more() has nothing to give yet (not "exhausted":
    /// later); true by default, as in asynchat (see above).
    virtual bool ready() const { return true; }
    /// Bytes this producer will still yield, if known; -1 if unknown.
    virtual long long remaining() const { return -1; }
};

/// asynchat.simple_producer(data, buffer_size=512) (S1): returns
/// `buffer_size` bytes per call while more than that remains, then the rest,
/// then "" forever.
class SimpleProducer : public Producer {
public:
    static constexpr std::size_t kDefaultBufferSize = 512;
    explicit SimpleProducer(std::string data, std::size_t bufferSize = kDefaultBufferSize);
    std::string more() override;
    std::string_view kind() const override { return "simple"; }
    long long remaining() const override { return static_cast<long long>(m_data.size() - m_offset); }

private:
    std::string m_data;
    std::size_t m_offset = 0;
    std::size_t m_bufferSize;
};

}  // namespace engine
