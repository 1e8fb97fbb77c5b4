// RepeatProducer.cpp — chunks cut from the virtual concatenation of copies.
#include "engine/asyncore/RepeatProducer.h"

#include <algorithm>
#include <limits>

namespace engine {

RepeatProducer::RepeatProducer(std::string unit, std::uint64_t copies, std::size_t chunkSize)
    : m_unit(std::move(unit)), m_chunk(std::max<std::size_t>(chunkSize, 1)) {
    const std::uint64_t n = m_unit.size();
    const std::uint64_t cap = static_cast<std::uint64_t>(std::numeric_limits<long long>::max());
    m_total = (n == 0) ? 0 : (copies > cap / n ? cap : copies * n);
}

std::string RepeatProducer::more() {
    if (m_produced >= m_total) return {};
    const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(m_chunk, m_total - m_produced));
    std::string out;
    out.reserve(want);
    const std::uint64_t unit = m_unit.size();
    while (out.size() < want) {
        const auto offset = static_cast<std::size_t>(m_produced % unit);
        const std::size_t take = std::min(want - out.size(), m_unit.size() - offset);
        out.append(m_unit, offset, take);
        m_produced += take;
    }
    return out;
}

long long RepeatProducer::remaining() const { return static_cast<long long>(m_total - m_produced); }

}  // namespace engine
