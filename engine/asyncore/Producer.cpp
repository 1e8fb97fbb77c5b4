// Producer.cpp — simple_producer.
#include "engine/asyncore/Producer.h"

#include <algorithm>

namespace engine {

SimpleProducer::SimpleProducer(std::string data, std::size_t bufferSize)
    : m_data(std::move(data)), m_bufferSize(std::max<std::size_t>(bufferSize, 1)) {}

std::string SimpleProducer::more() {
    const std::size_t left = m_data.size() - m_offset;
    if (left > m_bufferSize) {
        std::string chunk = m_data.substr(m_offset, m_bufferSize);
        m_offset += m_bufferSize;
        return chunk;
    }
    std::string rest = m_data.substr(m_offset);
    m_data.clear();
    m_offset = 0;
    return rest;
}

}  // namespace engine
