// Fifo.cpp — the producer fifo with its byte accounting.
#include "engine/asyncore/Fifo.h"

namespace engine {

Fifo::Entry Fifo::dataEntry(std::string data) {
    m_bytes += data.size();
    Entry e;
    e.kind = Entry::Kind::Data;
    e.data = std::move(data);
    return e;
}

void Fifo::appendData(std::string data) {
    m_entries.push_back(dataEntry(std::move(data)));
}

void Fifo::appendProducer(std::unique_ptr<Producer> p) {
    Entry e;
    e.kind = Entry::Kind::Producer;
    e.producer = std::move(p);
    m_entries.push_back(std::move(e));
}

void Fifo::appendClose() {
    Entry e;
    e.kind = Entry::Kind::Close;
    m_entries.push_back(std::move(e));
}

void Fifo::prependData(std::string data) {
    m_entries.push_front(dataEntry(std::move(data)));
}

void Fifo::popFront() {
    Entry& e = m_entries.front();
    if (e.kind == Entry::Kind::Data) m_bytes -= e.data.size() - e.offset;
    m_entries.pop_front();
}

void Fifo::consumeFront(std::size_t n) {
    Entry& e = m_entries.front();
    e.offset += n;
    m_bytes -= n;
    if (e.offset >= e.data.size()) m_entries.pop_front();
}

void Fifo::clear() {
    m_entries.clear();
    m_bytes = 0;
}

}  // namespace engine
