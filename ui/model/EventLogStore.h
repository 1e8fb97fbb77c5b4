// EventLogStore.h — the event log behind the GUI: millions of engine::Events
// in compact, fixed-size records.
//
// What it does: append() turns each engine::Event of a batch into a 64-byte
// LogRecord (the event's numbers, plus where its bytes live) and moves the
// bytes into a payload arena made of 1 MiB chunks (a payload larger than a
// quarter chunk gets a chunk of its own), so the log never reallocates a
// large block and never copies what it already holds. The rare parts — an
// info / aux string, a ChannelState, a LoopTrace, a TLS handshake's
// details — go to a side table that
// only the events carrying them point into. Rows are numbered 0, 1, 2, … in
// append order; record(row), data(row), info(row), … read them back in
// O(1), event(row) rebuilds the full engine::Event (to save or copy it).
//
// What it owns: every record, payload and attachment.
// Threads: Qt-free. One thread (the GUI thread) appends and clears. Any other
// thread may read rows below publishedSize() at the same time, provided it
// holds a ReadGuard (see lockForReading()): appends never move a record, a
// payload or an attachment that was already published, and clear() waits
// for the guards to go and then bumps generation(), which turns every guard
// taken afterwards for the old generation into a failed one.
#pragma once

#include "engine/reactor/Event.h"

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace ui {

/// One event, fixed size. The numbers are engine::Event's (see
/// engine/reactor/Event.h for what each kind puts in them); the bytes are in the
/// store's arena at (dataChunk, dataOffset, dataLength), the rest in the side
/// table at `attachment`.
struct LogRecord {
    static constexpr std::uint32_t kNoAttachment = 0xffffffffu;
    /// flags: the event's data was longer than 4 GiB - 1 and was cut there.
    static constexpr std::uint8_t kDataTruncated = 0x01;

    std::uint64_t seq = 0;
    std::int64_t tUs = 0;
    std::int64_t size = 0;
    std::int64_t count = 0;
    engine::ChannelId channel = 0;
    engine::ChannelId parent = 0;
    std::int32_t error = 0;
    engine::EventKind kind = engine::EventKind::Warning;
    std::uint8_t sub = 0;
    std::uint8_t flags = 0;
    std::uint8_t reserved = 0;
    // --- payload location ---
    std::uint32_t dataChunk = 0;
    std::uint32_t dataOffset = 0;
    std::uint32_t dataLength = 0;
    std::uint32_t attachment = kNoAttachment;

    bool hasAttachment() const noexcept { return attachment != kNoAttachment; }
    engine::CloseReason closeReason() const noexcept { return static_cast<engine::CloseReason>(sub); }
    engine::ProducerKind producerKind() const noexcept { return static_cast<engine::ProducerKind>(sub); }
    engine::WarningCode warningCode() const noexcept { return static_cast<engine::WarningCode>(sub); }
    engine::Terminator::Kind terminatorKind() const noexcept { return static_cast<engine::Terminator::Kind>(sub); }
    /// An Event with this record's numbers (seq, time, sizes, channels,
    /// error, kind, qualifier) and no bytes or strings.
    engine::Event numbers() const {
        engine::Event e;
        e.seq = seq;
        e.tUs = tUs;
        e.size = size;
        e.count = count;
        e.channel = channel;
        e.parent = parent;
        e.error = error;
        e.kind = kind;
        e.sub = sub;
        return e;
    }
};
static_assert(sizeof(LogRecord) == 64, "LogRecord is meant to stay one cache line");

namespace detail {

/// An append-only array whose elements never move: chunks of 2^ChunkBits
/// elements reached through a two-level directory allocated on demand. An
/// element, once constructed and published (by the owner's release store of
/// its size), can be read from other threads while the owner appends.
template <class T, unsigned ChunkBits>
class StableArray {
public:
    static constexpr std::size_t kChunk = std::size_t{1} << ChunkBits;
    static constexpr unsigned kDirBits = 10;
    static constexpr std::size_t kDir = std::size_t{1} << kDirBits;
    static constexpr std::size_t kTop = 4096;
    static constexpr std::size_t kCapacity = kChunk * kDir * kTop;

    StableArray() = default;
    StableArray(const StableArray&) = delete;  // a deep copy would be slow: not offered
    StableArray& operator=(const StableArray&) = delete;

    std::size_t size() const noexcept { return m_size; }
    /// Chunks allocated (each holds kChunk elements).
    std::size_t chunks() const noexcept { return m_chunks; }

    /// The next element (default-constructed), which the caller fills in.
    /// Throws std::length_error past kCapacity.
    T& grow();
    const T& operator[](std::size_t i) const noexcept {
        return (*m_top[i >> (ChunkBits + kDirBits)])[(i >> ChunkBits) & (kDir - 1)][i & (kChunk - 1)];
    }
    T& operator[](std::size_t i) noexcept {
        return (*m_top[i >> (ChunkBits + kDirBits)])[(i >> ChunkBits) & (kDir - 1)][i & (kChunk - 1)];
    }
    /// Frees everything.
    void clear() noexcept;

private:
    using Chunk = std::unique_ptr<T[]>;
    using Dir = std::array<Chunk, kDir>;
    std::unique_ptr<std::unique_ptr<Dir>[]> m_top;
    std::size_t m_size = 0;
    std::size_t m_chunks = 0;
};

}  // namespace detail

class EventLogStore {
public:
    /// Bytes per arena chunk.
    static constexpr std::size_t kArenaChunkBytes = std::size_t{1} << 20;
    /// Payloads above this get an arena chunk of their own.
    static constexpr std::size_t kLargePayload = kArenaChunkBytes / 4;

    EventLogStore();
    ~EventLogStore();
    EventLogStore(const EventLogStore&) = delete;
    EventLogStore& operator=(const EventLogStore&) = delete;

    /// Appends `batch` in order, moving the strings out of it; `batch` is
    /// left empty. Owner thread only.
    void append(std::vector<engine::Event>& batch);
    /// The same, leaving `batch` as it was (its bytes are copied into the
    /// arena either way; only the rare info/aux strings cost an extra copy),
    /// so the batch can move on whole (to the session recorder). Owner thread only.
    void appendCopy(const std::vector<engine::Event>& batch);
    /// Rows held. On the owner thread this is exact; other threads use
    /// publishedSize().
    std::size_t size() const noexcept { return m_published.load(std::memory_order_acquire); }
    /// Same as size(); the name says it is safe from any thread (with a ReadGuard).
    std::size_t publishedSize() const noexcept { return m_published.load(std::memory_order_acquire); }
    bool empty() const noexcept { return size() == 0; }

    /// The record of `row` (< size()).
    const LogRecord& record(std::size_t row) const noexcept { return m_records[row]; }
    /// The exact bytes (collect, sent, warning residue, terminator bytes).
    std::string_view data(std::size_t row) const noexcept;
    /// The info string ("" if none): a message, an address, a path.
    std::string_view info(std::size_t row) const noexcept;
    /// The aux string ("" if none): a second address, the host as given.
    std::string_view aux(std::size_t row) const noexcept;
    /// The ChannelState of channel_state / closed events, else nullptr.
    const engine::ChannelState* state(std::size_t row) const noexcept;
    /// The same, shared (for handing it on without a copy).
    std::shared_ptr<const engine::ChannelState> sharedState(std::size_t row) const;
    /// The LoopTrace of loop events, else nullptr.
    const engine::LoopTrace* trace(std::size_t row) const noexcept;
    /// The TlsHandshakeInfo of tls_handshake events, else nullptr (rare:
    /// one per handshake, kept in the side table like a snapshot).
    const engine::TlsHandshakeInfo* tls(std::size_t row) const noexcept;
    /// The full event, as it was appended (attachments are shared, not copied).
    engine::Event event(std::size_t row) const;

    /// The row holding sequence number `seq`, or size() if none does. Rows
    /// are assumed to be in increasing seq order (they are, for one Reactor
    /// or one session file): binary search.
    std::size_t rowForSeq(std::uint64_t seq) const noexcept;
    /// The first row whose tUs ≥ `tUs` (size() if none); same assumption.
    std::size_t rowForTime(std::int64_t tUs) const noexcept;

    /// Heap bytes held: records, arena chunks, the side table and the
    /// directories (allocated capacity, not just what is used).
    std::size_t memoryBytes() const noexcept;
    /// Payload bytes stored (the sum of the data lengths).
    std::size_t payloadBytes() const noexcept { return m_payloadBytes; }

    /// Forgets every row. Waits for readers holding a ReadGuard, then bumps
    /// generation(). Owner thread only.
    void clear();
    /// Bumped by every clear().
    std::uint64_t generation() const noexcept { return m_generation.load(std::memory_order_acquire); }

    /// Reading from another thread: while a guard that converts to true is
    /// alive, rows below publishedSize() stay valid. A guard for a
    /// generation that is no longer current converts to false (the store
    /// was cleared; stop). Hold guards briefly (a slice of rows at a time):
    /// clear() waits for them.
    class ReadGuard {
    public:
        explicit operator bool() const noexcept { return m_ok; }

    private:
        friend class EventLogStore;
        ReadGuard(std::shared_lock<std::shared_mutex> lock, bool ok) : m_lock(std::move(lock)), m_ok(ok) {}
        std::shared_lock<std::shared_mutex> m_lock;
        bool m_ok = false;
    };
    ReadGuard lockForReading(std::uint64_t generation) const;

private:
    struct Attachment {
        std::string info;
        std::string aux;
        std::shared_ptr<const engine::ChannelState> state;
        std::shared_ptr<const engine::LoopTrace> trace;
        std::shared_ptr<const engine::TlsHandshakeInfo> tls;
    };
    struct ArenaChunk {
        std::unique_ptr<char[]> bytes;
        std::size_t capacity = 0;
    };

    void storeData(LogRecord& r, const std::string& bytes);
    LogRecord& appendRecord(const engine::Event& e);
    Attachment& addAttachment(LogRecord& r);

    detail::StableArray<LogRecord, 14> m_records;     // 16384 records (1 MiB) per chunk
    detail::StableArray<ArenaChunk, 8> m_arena;       // the payload chunks
    detail::StableArray<Attachment, 8> m_attachments;  // the side table
    std::size_t m_arenaCurrent = 0;  // the chunk small payloads go to
    std::size_t m_arenaUsed = 0;     // bytes used in it
    bool m_arenaHasCurrent = false;
    std::size_t m_arenaBytes = 0;    // capacity of every arena chunk
    std::size_t m_payloadBytes = 0;
    std::size_t m_attachmentBytes = 0;  // strings and attachments, estimated
    std::atomic<std::size_t> m_published{0};
    std::atomic<std::uint64_t> m_generation{0};
    mutable std::shared_mutex m_readers;
};

}  // namespace ui
