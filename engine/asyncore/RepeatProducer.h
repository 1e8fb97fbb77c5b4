// RepeatProducer.h — a producer of N copies of the same bytes.
//
// What it does: yields `copies` back-to-back copies of `unit`, `chunkSize`
// bytes per more() call (the channel's ac_out_buffer_size at push time),
// built lazily from the one copy it keeps: pushing a million copies costs
// memory for one. (Pacing, "one copy every T ms", is not a producer's job —
// a producer that returns nothing is exhausted for good, P10 — so the Reactor
// does that with a timer.)
// What it owns: one copy of the unit.
// Threads: like every producer, only the loop thread of its channel calls it.
#pragma once

#include "engine/asyncore/Producer.h"

#include <cstdint>
#include <string>

namespace engine {

class RepeatProducer : public Producer {
public:
    RepeatProducer(std::string unit, std::uint64_t copies, std::size_t chunkSize);

    std::string more() override;
    std::string_view kind() const override { return "repeat"; }
    long long remaining() const override;

    /// Bytes in all: copies × unit size.
    std::uint64_t total() const noexcept { return m_total; }

private:
    std::string m_unit;
    std::size_t m_chunk;
    std::uint64_t m_total;
    std::uint64_t m_produced = 0;
};

}  // namespace engine
