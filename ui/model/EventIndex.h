// EventIndex.h — which rows of an EventLogStore the event log shows: the
// filter predicate, the index of matching rows built incrementally, and the
// worker thread that builds the index of a large log. Qt-free (std::thread,
// std::mutex, std::atomic): EventLogModel puts a Qt model on top of it, and
// it is tested without one.
//
// What it does:
// - EventMatcher: a filter (channels, kinds, direction, text) compiled for
//   fast evaluation (bitmaps, a Horspool skip table). The text is bytes,
//   looked for in an event's bytes, its info / aux strings, its channel
//   state's addresses, its kind's session-format name and its method name
//   (the names are given by the caller, so this file needs no formatter);
//   in a message, across its collects and in its terminator. Without case
//   sensitivity ASCII letters compare without case.
// - EventIndex: the view rows, in store order: one per matching event
//   (Mode::Events), or one per complete message (Mode::Messages: every
//   `collect` of a channel between two `found_terminator`s is one row; a
//   message its channel closed / discarded / cut is one "unterminated" row;
//   each channel still collecting has one "in progress" row, kept apart in
//   trailer(); every other event keeps a row of its own). A compact entry
//   (16 bytes) per row; with no filter in Events mode there are no entries
//   at all (identity: view row == store row). scan() continues where the
//   last one stopped, carrying each channel's open message from one call to
//   the next, so appending costs only the new rows.
// - EventIndexWorker: one thread that builds indexes for large logs in
//   slices, holding an EventLogStore::ReadGuard per slice. Only the latest
//   job matters: a newer submit() or a cancel() makes the running one stop
//   at its next slice. The finished index waits in a slot that the owner
//   polls (takeResult(), progress()) or waits for (waitForResult()):
//   nothing crosses threads but a mutex, a condition variable and atomics.
//
// What it owns: an EventMatcher owns its compiled tables; an EventIndex its
// entries and the open messages of the scan (it shares its matcher); the
// worker its thread and the job it runs. None owns the store.
// Threads: EventMatcher is immutable once built; any thread may use it. An
// EventIndex is used by one thread at a time (the owner, or the worker while
// it builds it: submit() hands it over, takeResult() hands it back); it reads
// the store as EventLogStore allows (the owner thread, or under a ReadGuard).
// EventIndexWorker's functions are for its owner's thread; the worker thread
// is internal.
#pragma once

#include "engine/reactor/Event.h"
#include "ui/model/EventLogStore.h"

#include <array>
#include <atomic>
#include <bitset>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace ui {

class EventMatcher;

/// Looks for a matcher's text in bytes that come in chunks (a match may
/// straddle chunks), keeping only the last needle-1 bytes.
class MatchStream {
public:
    /// The next chunk (nothing happens once matched). `m` has a text.
    void feed(const EventMatcher& m, std::string_view chunk);
    bool matched() const noexcept { return m_matched; }

private:
    bool m_matched = false;
    std::string m_tail;
};

/// The view rows of one mode and one filter over an EventLogStore.
class EventIndex {
public:
    enum class Mode { Events, Messages };
    /// What a row stands for.
    enum class RowType {
        Event,         ///< One event.
        Message,       ///< A message ended by found_terminator.
        Unterminated,  ///< Bytes collected, then the channel closed / discarded them / hit the message limit.
        InProgress,    ///< A message still being collected.
    };
    /// One view row: the store row it is anchored at (an event's own row; a
    /// message's found_terminator or the event that ended it; an in-progress
    /// message's last collect) and how far back its first collect is.
    struct Entry {
        std::uint64_t row = 0;
        std::uint32_t back = 0;
        RowType type = RowType::Event;
        std::uint64_t first() const noexcept { return row - back; }
        friend bool operator==(const Entry&, const Entry&) = default;
    };
    /// No such row.
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);

    /// An index that has scanned nothing yet, for the store's `generation`.
    /// Identity (no entries) when `mode` is Events and `matcher` is not active.
    EventIndex(Mode mode, std::shared_ptr<const EventMatcher> matcher, std::uint64_t generation);
    ~EventIndex();
    EventIndex(const EventIndex&) = delete;
    EventIndex& operator=(const EventIndex&) = delete;

    Mode mode() const noexcept { return m_mode; }
    /// View row == store row: Events mode with a matcher that lets everything through.
    bool identity() const noexcept { return m_identity; }
    /// The store generation it was built for (EventLogStore::generation()).
    std::uint64_t generation() const noexcept { return m_generation; }
    const EventMatcher& matcher() const noexcept { return *m_matcher; }
    /// Store rows looked at so far: the next scan() starts here.
    std::size_t scanned() const noexcept { return m_next; }
    /// View rows: scanned() for identity, else entries() then trailer().
    std::size_t rows() const noexcept { return m_identity ? m_next : m_entries.size() + m_trailer.size(); }
    const std::vector<Entry>& entries() const noexcept { return m_entries; }
    /// The in-progress messages shown after the entries (Messages mode), as
    /// set by setTrailer() / catchUp().
    const std::vector<Entry>& trailer() const noexcept { return m_trailer; }
    /// The entry of `viewRow` (identity: made up in `scratch`), or nullptr.
    const Entry* entry(std::size_t viewRow, Entry& scratch) const noexcept {
        if (m_identity) {
            if (viewRow >= m_next) return nullptr;
            scratch = {viewRow, 0, RowType::Event};
            return &scratch;
        }
        if (viewRow < m_entries.size()) return &m_entries[viewRow];
        if (viewRow - m_entries.size() < m_trailer.size()) return &m_trailer[viewRow - m_entries.size()];
        return nullptr;
    }

    /// Looks at store rows [scanned(), end) and appends the matching ones to
    /// entries() (identity: counts them). The trailer is left as it was.
    void scan(const EventLogStore& store, std::size_t end);
    /// The same, but the new entries go to `fresh` (for the caller to
    /// announce, then append()).
    void scan(const EventLogStore& store, std::size_t end, std::vector<Entry>& fresh);
    /// Appends entries scan() gave.
    void append(const std::vector<Entry>& fresh);
    /// The matching in-progress messages as the scan leaves them, by channel
    /// (Messages mode; empty otherwise).
    std::vector<Entry> inProgress() const;
    void setTrailer(std::vector<Entry> trailer) { m_trailer = std::move(trailer); }
    /// scan() up to `end`, then the trailer from inProgress().
    void catchUp(const EventLogStore& store, std::size_t end);

    /// The view row showing store row `storeRow` (for a collect in Messages
    /// mode, its message's row), or npos when it is filtered out or not
    /// scanned. The caller checks that the store is still of generation().
    std::size_t viewRowOf(const EventLogStore& store, std::size_t storeRow) const;

private:
    struct Open {
        std::uint64_t first = 0;
        std::uint64_t last = 0;
        MatchStream text;
    };

    Mode m_mode;
    bool m_identity;
    std::uint64_t m_generation;
    std::shared_ptr<const EventMatcher> m_matcher;
    std::size_t m_next = 0;
    std::vector<Entry> m_entries;
    std::vector<Entry> m_trailer;
    std::map<engine::ChannelId, Open> m_open;  // Messages mode: each channel's message being collected
};

/// A filter, compiled. Immutable once built.
class EventMatcher {
public:
    /// Method names per `sub` value looked at (larger values share the last slot).
    static constexpr std::size_t kSubSlots = 8;

    /// What to let through. Every part left empty / unset lets everything through.
    struct Spec {
        std::vector<engine::ChannelId> channels;  ///< Empty: every channel (channel 0 is the reactor's own).
        std::vector<engine::EventKind> kinds;     ///< Empty: every kind. A message row counts as collect and found_terminator.
        /// Unset: any direction. Set: the kinds whose bytes go the way asked
        /// for; a message row goes in, so it passes when Collect is among them.
        std::optional<std::bitset<engine::kEventKindCount>> direction;
        std::string text;            ///< The bytes to look for (not escaped). Empty: no text condition.
        bool caseSensitive = false;  ///< Else ASCII letters compare without case.
    };
    /// The name of the method an event stands for ("push_with_producer"),
    /// which the text is also looked for in.
    using MethodNames = std::function<std::string(engine::EventKind, std::uint8_t sub)>;

    /// `methodNames` is called here only (for every kind and sub slot); empty:
    /// only the kinds' session-format names count.
    explicit EventMatcher(const Spec& spec, const MethodNames& methodNames = {});

    bool hasText() const noexcept { return !m_needle.empty(); }
    /// False when it lets every event through.
    bool active() const noexcept { return !m_allChannels || !m_allKinds || m_direction || hasText(); }
    std::size_t needleSize() const noexcept { return m_needle.size(); }

    bool channelOk(engine::ChannelId c) const noexcept {
        return m_allChannels || (c < m_channels.size() && m_channels[c]);
    }
    bool kindOk(engine::EventKind k) const noexcept { return m_allKinds || test(m_kinds, k); }
    bool directionOk(engine::EventKind k) const noexcept { return !m_direction || test(*m_direction, k); }
    /// Channel, kind and direction of an event row.
    bool headerOk(const LogRecord& r) const noexcept { return channelOk(r.channel) && kindOk(r.kind) && directionOk(r.kind); }
    /// Channel, kind and direction of a message row (it counts as collect and found_terminator, and comes in).
    bool messageHeaderOk(engine::ChannelId c) const noexcept {
        return channelOk(c) && (kindOk(engine::EventKind::Collect) || kindOk(engine::EventKind::FoundTerminator)) &&
               directionOk(engine::EventKind::Collect);
    }
    /// The text is in the kind's name or in its method's name.
    bool nameMatches(engine::EventKind k, std::uint8_t sub) const noexcept {
        const auto i = static_cast<std::size_t>(k);
        return i < engine::kEventKindCount && m_names[i][sub < kSubSlots ? sub : kSubSlots - 1];
    }
    /// The text is in `hay` (always, with no text).
    bool find(std::string_view hay) const noexcept;

    /// A whole event row, as Events mode shows it.
    bool eventMatches(const EventLogStore& s, std::size_t row) const {
        return headerOk(s.record(row)) && textMatchesEvent(s, row);
    }
    /// The text (only) in an event: its names, bytes, strings, addresses.
    bool textMatchesEvent(const EventLogStore& s, std::size_t row) const;
    /// The text (only) in a view row: an event as textMatchesEvent(); a
    /// message in its names, its bytes across collects and its terminator.
    bool textMatchesRow(const EventLogStore& s, const EventIndex::Entry& e) const {
        return e.type == EventIndex::RowType::Event ? textMatchesEvent(s, e.row) : textMatchesMessage(s, e);
    }

private:
    static bool test(const std::bitset<engine::kEventKindCount>& set, engine::EventKind k) noexcept {
        const auto i = static_cast<std::size_t>(k);
        return i < set.size() && set[i];
    }
    unsigned char fold(unsigned char c) const noexcept;
    bool textMatchesMessage(const EventLogStore& s, const EventIndex::Entry& e) const;

    bool m_caseSensitive;
    std::optional<std::bitset<engine::kEventKindCount>> m_direction;
    std::vector<bool> m_channels;
    bool m_allChannels = true;
    std::bitset<engine::kEventKindCount> m_kinds;
    bool m_allKinds = true;
    std::string m_needle;  // folded unless case-sensitive
    std::array<std::size_t, 256> m_skip{};
    std::array<std::array<bool, kSubSlots>, engine::kEventKindCount> m_names{};
};

/// Builds indexes of one store on a thread of its own.
class EventIndexWorker {
public:
    /// Rows scanned under one ReadGuard.
    static constexpr std::size_t kSlice = 16384;

    /// Starts the thread. `store` (not owned) outlives the worker.
    explicit EventIndexWorker(const EventLogStore* store);
    /// Stops the running job at its next slice and joins the thread.
    ~EventIndexWorker();
    EventIndexWorker(const EventIndexWorker&) = delete;
    EventIndexWorker& operator=(const EventIndexWorker&) = delete;

    /// Builds `index` further (scan() up to the store's published size, and
    /// one more round if the store grew meanwhile: a flood must not keep the
    /// job from ever finishing) as job `id` (not 0), dropping any other job.
    /// The index is the worker's until takeResult() gives it back.
    void submit(std::uint64_t id, std::shared_ptr<EventIndex> index);
    /// Drops the job, running or done.
    void cancel();
    /// The index of job `id` once it is done (else nullptr). Its trailer is
    /// not set and the store may have grown: the owner catches up. A job
    /// whose store was cleared meanwhile gives nothing.
    std::shared_ptr<EventIndex> takeResult(std::uint64_t id);
    /// The same, waiting up to `timeout` for job `id` to end; nullptr at
    /// once if `id` is not the current job (cancelled, superseded).
    std::shared_ptr<EventIndex> waitForResult(std::uint64_t id, std::chrono::milliseconds timeout);
    /// 0…100 for the running job.
    int progress() const noexcept { return m_progress.load(std::memory_order_relaxed); }

private:
    void loop();
    bool current(std::uint64_t id) const noexcept { return m_latest.load(std::memory_order_acquire) == id; }
    bool build(std::uint64_t id, EventIndex& index);

    const EventLogStore* m_store;
    std::mutex m_mutex;
    std::condition_variable m_cv;      // a job or stop for the thread
    std::condition_variable m_doneCv;  // a job ended, for waitForResult()
    std::shared_ptr<EventIndex> m_job;     // guarded by m_mutex
    std::uint64_t m_jobId = 0;             // guarded by m_mutex
    std::shared_ptr<EventIndex> m_result;  // guarded by m_mutex
    std::uint64_t m_resultId = 0;          // guarded by m_mutex
    std::uint64_t m_endedId = 0;           // guarded by m_mutex: the last job the thread finished or gave up
    bool m_stop = false;                   // guarded by m_mutex
    std::atomic<std::uint64_t> m_latest{0};
    std::atomic<int> m_progress{0};
    std::thread m_thread;  // last: starts once everything above exists
};

}  // namespace ui
