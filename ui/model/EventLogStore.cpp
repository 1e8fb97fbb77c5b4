// EventLogStore.cpp — compact records, a chunked payload arena, a side table.
#include "ui/model/EventLogStore.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <stdexcept>

namespace ui {
namespace detail {

template <class T, unsigned ChunkBits>
T& StableArray<T, ChunkBits>::grow() {
    if (m_size == kCapacity) throw std::length_error("EventLogStore: too many rows");
    const std::size_t chunk = m_size >> ChunkBits;
    if ((m_size & (kChunk - 1)) == 0 && chunk == m_chunks) {
        if (!m_top) m_top = std::make_unique<std::unique_ptr<Dir>[]>(kTop);
        std::unique_ptr<Dir>& dir = m_top[chunk >> kDirBits];
        if (!dir) dir = std::make_unique<Dir>();
        (*dir)[chunk & (kDir - 1)] = std::make_unique<T[]>(kChunk);
        ++m_chunks;
    }
    return (*this)[m_size++];
}

template <class T, unsigned ChunkBits>
void StableArray<T, ChunkBits>::clear() noexcept {
    m_top.reset();
    m_size = 0;
    m_chunks = 0;
}

}  // namespace detail

namespace {

// Rough heap footprint of a ChannelState / LoopTrace (they are shared with
// the engine's event, so this is what keeping them alive costs).
std::size_t footprint(const engine::ChannelState& s) {
    std::size_t n = sizeof(s) + s.peer.capacity() + s.local.capacity() + s.residue.capacity() +
                    s.fifo.capacity() * sizeof(engine::FifoEntryState) + s.terminator.bytesValue().capacity();
    for (const auto& f : s.fifo) n += f.kind.capacity();
    return n;
}
std::size_t footprint(const engine::TlsHandshakeInfo& t) {
    std::size_t n = sizeof(t) + t.version.capacity() + t.cipher.capacity() + t.alpn.capacity() +
                    t.serverName.capacity() + t.verifyResult.capacity() + t.localFingerprint.capacity() +
                    t.peerChain.capacity() * sizeof(engine::CertificateInfo);
    for (const engine::CertificateInfo& c : t.peerChain) {
        n += c.subject.capacity() + c.issuer.capacity() + c.notBefore.capacity() + c.notAfter.capacity() +
             c.sha256.capacity() + c.serial.capacity() + c.keyType.capacity();
        for (const std::string& san : c.subjectAltNames) n += sizeof(san) + san.capacity();
    }
    return n;
}
std::size_t footprint(const engine::LoopTrace& t) {
    return sizeof(t) + t.polled.capacity() * sizeof(engine::LoopTrace::Polled) +
           t.ready.capacity() * sizeof(engine::LoopTrace::Ready) +
           t.dispatched.capacity() * sizeof(engine::LoopTrace::Dispatched);
}

// The first of the rows [0, n) whose record is not `before` (which holds
// for every record up to some row and for none from there on).
template <class Records, class Before>
std::size_t firstRowNot(const Records& records, std::size_t n, Before before) noexcept {
    std::size_t lo = 0;
    std::size_t hi = n;
    while (lo < hi) {
        const std::size_t mid = lo + (hi - lo) / 2;
        if (before(records[mid]))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

}  // namespace

EventLogStore::EventLogStore() = default;
EventLogStore::~EventLogStore() = default;

void EventLogStore::storeData(LogRecord& r, const std::string& bytes) {
    if (bytes.empty()) return;
    std::size_t len = bytes.size();
    if (len > std::numeric_limits<std::uint32_t>::max()) {
        len = std::numeric_limits<std::uint32_t>::max();
        r.flags |= LogRecord::kDataTruncated;
    }
    std::size_t chunkIndex = 0;
    std::size_t offset = 0;
    if (len > kLargePayload) {
        // A chunk of its own; the current small-payload chunk stays current.
        chunkIndex = m_arena.size();
        ArenaChunk& c = m_arena.grow();
        c.bytes = std::make_unique_for_overwrite<char[]>(len);
        c.capacity = len;
        m_arenaBytes += len;
    } else {
        if (!m_arenaHasCurrent || kArenaChunkBytes - m_arenaUsed < len) {
            m_arenaCurrent = m_arena.size();
            ArenaChunk& c = m_arena.grow();
            c.bytes = std::make_unique_for_overwrite<char[]>(kArenaChunkBytes);
            c.capacity = kArenaChunkBytes;
            m_arenaBytes += kArenaChunkBytes;
            m_arenaUsed = 0;
            m_arenaHasCurrent = true;
        }
        chunkIndex = m_arenaCurrent;
        offset = m_arenaUsed;
        m_arenaUsed += len;
    }
    std::memcpy(m_arena[chunkIndex].bytes.get() + offset, bytes.data(), len);
    r.dataChunk = static_cast<std::uint32_t>(chunkIndex);
    r.dataOffset = static_cast<std::uint32_t>(offset);
    r.dataLength = static_cast<std::uint32_t>(len);
    m_payloadBytes += len;
}

LogRecord& EventLogStore::appendRecord(const engine::Event& e) {
    LogRecord& r = m_records.grow();
    r.seq = e.seq;
    r.tUs = e.tUs;
    r.size = e.size;
    r.count = e.count;
    r.channel = e.channel;
    r.parent = e.parent;
    r.error = e.error;
    r.kind = e.kind;
    r.sub = e.sub;
    storeData(r, e.data);
    return r;
}

EventLogStore::Attachment& EventLogStore::addAttachment(LogRecord& r) {
    if (m_attachments.size() >= LogRecord::kNoAttachment) throw std::length_error("EventLogStore: too many attachments");
    r.attachment = static_cast<std::uint32_t>(m_attachments.size());
    return m_attachments.grow();
}

void EventLogStore::append(std::vector<engine::Event>& batch) {
    for (engine::Event& e : batch) {
        LogRecord& r = appendRecord(e);
        if (!e.info.empty() || !e.aux.empty() || e.state || e.trace || e.tls) {
            Attachment& a = addAttachment(r);
            a.info = std::move(e.info);
            a.aux = std::move(e.aux);
            a.state = std::move(e.state);
            a.trace = std::move(e.trace);
            a.tls = std::move(e.tls);
            m_attachmentBytes += a.info.capacity() + a.aux.capacity();
            if (a.state) m_attachmentBytes += footprint(*a.state);
            if (a.trace) m_attachmentBytes += footprint(*a.trace);
            if (a.tls) m_attachmentBytes += footprint(*a.tls);
        }
    }
    batch.clear();
    m_published.store(m_records.size(), std::memory_order_release);
}

void EventLogStore::appendCopy(const std::vector<engine::Event>& batch) {
    for (const engine::Event& e : batch) {
        LogRecord& r = appendRecord(e);
        if (!e.info.empty() || !e.aux.empty() || e.state || e.trace || e.tls) {
            Attachment& a = addAttachment(r);
            a.info = e.info;
            a.aux = e.aux;
            a.state = e.state;  // shared, immutable
            a.trace = e.trace;
            a.tls = e.tls;
            m_attachmentBytes += a.info.capacity() + a.aux.capacity();
            if (a.state) m_attachmentBytes += footprint(*a.state);
            if (a.trace) m_attachmentBytes += footprint(*a.trace);
            if (a.tls) m_attachmentBytes += footprint(*a.tls);
        }
    }
    m_published.store(m_records.size(), std::memory_order_release);
}

std::string_view EventLogStore::data(std::size_t row) const noexcept {
    const LogRecord& r = m_records[row];
    if (r.dataLength == 0) return {};
    return {m_arena[r.dataChunk].bytes.get() + r.dataOffset, r.dataLength};
}

std::string_view EventLogStore::info(std::size_t row) const noexcept {
    const LogRecord& r = m_records[row];
    return r.hasAttachment() ? std::string_view(m_attachments[r.attachment].info) : std::string_view();
}

std::string_view EventLogStore::aux(std::size_t row) const noexcept {
    const LogRecord& r = m_records[row];
    return r.hasAttachment() ? std::string_view(m_attachments[r.attachment].aux) : std::string_view();
}

const engine::ChannelState* EventLogStore::state(std::size_t row) const noexcept {
    const LogRecord& r = m_records[row];
    return r.hasAttachment() ? m_attachments[r.attachment].state.get() : nullptr;
}

std::shared_ptr<const engine::ChannelState> EventLogStore::sharedState(std::size_t row) const {
    const LogRecord& r = m_records[row];
    return r.hasAttachment() ? m_attachments[r.attachment].state : nullptr;
}

const engine::LoopTrace* EventLogStore::trace(std::size_t row) const noexcept {
    const LogRecord& r = m_records[row];
    return r.hasAttachment() ? m_attachments[r.attachment].trace.get() : nullptr;
}

const engine::TlsHandshakeInfo* EventLogStore::tls(std::size_t row) const noexcept {
    const LogRecord& r = m_records[row];
    return r.hasAttachment() ? m_attachments[r.attachment].tls.get() : nullptr;
}

engine::Event EventLogStore::event(std::size_t row) const {
    const LogRecord& r = m_records[row];
    engine::Event e = r.numbers();
    e.data.assign(data(row));
    if (r.hasAttachment()) {
        const Attachment& a = m_attachments[r.attachment];
        e.info = a.info;
        e.aux = a.aux;
        e.state = a.state;
        e.trace = a.trace;
        e.tls = a.tls;
    }
    return e;
}

std::size_t EventLogStore::rowForSeq(std::uint64_t seq) const noexcept {
    const std::size_t n = size();
    const std::size_t row = firstRowNot(m_records, n, [seq](const LogRecord& r) { return r.seq < seq; });
    return row < n && m_records[row].seq == seq ? row : n;
}

std::size_t EventLogStore::rowForTime(std::int64_t tUs) const noexcept {
    return firstRowNot(m_records, size(), [tUs](const LogRecord& r) { return r.tUs < tUs; });
}

std::size_t EventLogStore::memoryBytes() const noexcept {
    using Records = decltype(m_records);
    using Arena = decltype(m_arena);
    using Attachments = decltype(m_attachments);
    std::size_t n = m_records.chunks() * Records::kChunk * sizeof(LogRecord);
    n += m_arena.chunks() * Arena::kChunk * sizeof(ArenaChunk) + m_arenaBytes;
    n += m_attachments.chunks() * Attachments::kChunk * sizeof(Attachment) + m_attachmentBytes;
    // Directories: the top level once anything is held, one Dir per 1024 chunks.
    const auto dirs = [](std::size_t chunks, std::size_t dirSize, std::size_t top) {
        return chunks == 0 ? 0 : top * sizeof(void*) + ((chunks + dirSize - 1) / dirSize) * dirSize * sizeof(void*);
    };
    n += dirs(m_records.chunks(), Records::kDir, Records::kTop);
    n += dirs(m_arena.chunks(), Arena::kDir, Arena::kTop);
    n += dirs(m_attachments.chunks(), Attachments::kDir, Attachments::kTop);
    return n;
}

void EventLogStore::clear() {
    std::unique_lock lock(m_readers);
    m_published.store(0, std::memory_order_release);
    m_generation.fetch_add(1, std::memory_order_acq_rel);
    m_records.clear();
    m_arena.clear();
    m_attachments.clear();
    m_arenaCurrent = 0;
    m_arenaUsed = 0;
    m_arenaHasCurrent = false;
    m_arenaBytes = 0;
    m_payloadBytes = 0;
    m_attachmentBytes = 0;
}

EventLogStore::ReadGuard EventLogStore::lockForReading(std::uint64_t generationWanted) const {
    std::shared_lock lock(m_readers);
    const bool ok = m_generation.load(std::memory_order_acquire) == generationWanted;
    return ReadGuard(std::move(lock), ok);
}

}  // namespace ui
