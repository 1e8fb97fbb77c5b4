// EventLogModel.cpp — the index (identity, filtered events, messages), the
// worker that builds it, and the lazily formatted cells.
#include "ui/model/EventLogModel.h"

#include "engine/asyncore/Escape.h"

#include <QColor>
#include <QGuiApplication>
#include <QPalette>

#include <algorithm>
#include <array>
#include <atomic>
#include <bitset>
#include <climits>
#include <condition_variable>
#include <cstring>
#include <limits>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace ui {

using engine::EventKind;

// --- Index entries ---------------------------------------------------------------------------

/// One view row: the store row it is anchored at (an event's own row; a
/// message's found_terminator or the event that ended it; an in-progress
/// message's last collect) and how far back its first collect is.
struct EventLogModel::ViewEntry {
    std::uint64_t row = 0;
    std::uint32_t back = 0;
    RowType type = RowType::Event;
    std::uint64_t first() const noexcept { return row - back; }
};
static_assert(sizeof(EventLogModel::ViewEntry) == 16);

namespace {

using ViewEntry = EventLogModel::ViewEntry;
using RowType = EventLogModel::RowType;

constexpr std::size_t kSubSlots = 8;  // enough for every `sub` enum; larger values share the last slot

unsigned char foldAscii(unsigned char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<unsigned char>(c + ('a' - 'A')) : c;
}

std::uint32_t backOf(std::uint64_t row, std::uint64_t first) {
    const std::uint64_t d = row - first;
    return d > std::numeric_limits<std::uint32_t>::max() ? std::numeric_limits<std::uint32_t>::max()
                                                         : static_cast<std::uint32_t>(d);
}

/// What ends a message that never got its terminator.
bool endsMessage(const LogRecord& r) noexcept {
    switch (r.kind) {
    case EventKind::Closed:
    case EventKind::Discarded: return true;
    case EventKind::Warning:
        return r.warningCode() == engine::WarningCode::NoTerminator ||
               r.warningCode() == engine::WarningCode::Unterminated;
    default: return false;
    }
}

/// The filter's text as bytes: escaped text if it parses, else its UTF-8.
std::string needleBytes(const QString& text) {
    const QByteArray utf8 = text.toUtf8();
    const std::string_view raw(utf8.constData(), static_cast<std::size_t>(utf8.size()));
    if (auto parsed = engine::parseEscaped(raw)) return *parsed;
    return std::string(raw);
}

}  // namespace

// --- Matcher -------------------------------------------------------------------------------------

/// A filter compiled for fast evaluation (bitmaps, a Horspool skip table).
/// Immutable once built; shared by the GUI thread and the worker.
class EventLogModel::Matcher {
public:
    explicit Matcher(const EventFilter& f) : m_caseSensitive(f.caseSensitive), m_direction(f.direction) {
        for (engine::ChannelId c : f.channels) {
            if (c >= m_channels.size()) m_channels.resize(static_cast<std::size_t>(c) + 1, false);
            m_channels[c] = true;
        }
        m_allChannels = f.channels.isEmpty();
        for (EventKind k : f.kinds)
            if (static_cast<std::size_t>(k) < engine::kEventKindCount) m_kinds.set(static_cast<std::size_t>(k));
        m_allKinds = f.kinds.isEmpty();
        m_needle = needleBytes(f.text);
        if (!m_caseSensitive)
            for (char& c : m_needle) c = static_cast<char>(foldAscii(static_cast<unsigned char>(c)));
        const std::size_t n = m_needle.size();
        m_skip.fill(n ? n : 1);
        for (std::size_t i = 0; n && i + 1 < n; ++i) {
            const auto c = static_cast<unsigned char>(m_needle[i]);
            m_skip[c] = n - 1 - i;
            if (!m_caseSensitive && c >= 'a' && c <= 'z') m_skip[static_cast<unsigned char>(c - ('a' - 'A'))] = n - 1 - i;
        }
        for (std::size_t k = 0; k < engine::kEventKindCount; ++k) {
            const std::string kind(engine::eventKindName(static_cast<EventKind>(k)));
            for (std::size_t s = 0; s < kSubSlots; ++s) {
                const QByteArray method =
                    methodName(static_cast<EventKind>(k), static_cast<std::uint8_t>(s)).toUtf8();
                m_names[k][s] = hasText() && (find(kind) || find(std::string_view(method.constData(),
                                                                                     static_cast<std::size_t>(method.size()))));
            }
        }
    }

    bool hasText() const noexcept { return !m_needle.empty(); }
    bool active() const noexcept { return !m_allChannels || !m_allKinds || m_direction || hasText(); }
    std::size_t needleSize() const noexcept { return m_needle.size(); }

    bool channelOk(engine::ChannelId c) const noexcept {
        return m_allChannels || (c < m_channels.size() && m_channels[c]);
    }
    bool kindOk(EventKind k) const noexcept { return m_allKinds || m_kinds.test(static_cast<std::size_t>(k)); }
    bool headerOk(const LogRecord& r) const noexcept {
        return channelOk(r.channel) && kindOk(r.kind) && (!m_direction || *m_direction == direction(r.kind));
    }
    /// Channel, kind and direction of a message row (it counts as collect and found_terminator).
    bool messageHeaderOk(engine::ChannelId c) const noexcept {
        return channelOk(c) && (kindOk(EventKind::Collect) || kindOk(EventKind::FoundTerminator)) &&
               (!m_direction || *m_direction == Direction::In);
    }
    bool nameMatches(EventKind k, std::uint8_t sub) const noexcept {
        return m_names[static_cast<std::size_t>(k)][std::min<std::size_t>(sub, kSubSlots - 1)];
    }

    /// Horspool search; ASCII-case-folded unless case-sensitive.
    bool find(std::string_view hay) const noexcept {
        const std::size_t n = m_needle.size();
        if (n == 0) return true;
        if (hay.size() < n) return false;
        if (m_caseSensitive && n == 1) return std::memchr(hay.data(), m_needle[0], hay.size()) != nullptr;
        const auto* h = reinterpret_cast<const unsigned char*>(hay.data());
        const auto* p = reinterpret_cast<const unsigned char*>(m_needle.data());
        std::size_t i = 0;
        const std::size_t last = hay.size() - n;
        while (i <= last) {
            std::size_t j = n - 1;
            while (fold(h[i + j]) == p[j]) {
                if (j == 0) return true;
                --j;
            }
            i += m_skip[h[i + n - 1]];
        }
        return false;
    }

    /// A whole event row, as Events mode shows it.
    bool eventMatches(const EventLogStore& s, std::size_t row) const {
        const LogRecord& r = s.record(row);
        if (!headerOk(r)) return false;
        return textMatchesEvent(s, row);
    }
    bool textMatchesEvent(const EventLogStore& s, std::size_t row) const {
        if (!hasText()) return true;
        const LogRecord& r = s.record(row);
        if (nameMatches(r.kind, r.sub) || find(s.data(row))) return true;
        if (!r.hasAttachment()) return false;
        if (find(s.info(row)) || find(s.aux(row))) return true;
        if (const engine::ChannelState* st = s.state(row)) return find(st->peer) || find(st->local);
        return false;
    }

private:
    unsigned char fold(unsigned char c) const noexcept { return m_caseSensitive ? c : foldAscii(c); }

    bool m_caseSensitive;
    std::optional<Direction> m_direction;
    std::vector<bool> m_channels;
    bool m_allChannels = true;
    std::bitset<engine::kEventKindCount> m_kinds;
    bool m_allKinds = true;
    std::string m_needle;
    std::array<std::size_t, 256> m_skip{};
    std::array<std::array<bool, kSubSlots>, engine::kEventKindCount> m_names{};
};

// --- Builder -------------------------------------------------------------------------------------

/// Turns store rows into view entries, incrementally: run() continues where
/// the last call stopped. In Messages mode it carries each channel's open
/// message (and, with a text filter, the last needle-1 bytes of it so a match
/// across collect boundaries is found) from one call to the next.
class EventLogModel::Builder {
public:
    Builder(Mode mode, std::shared_ptr<const Matcher> matcher) : m_mode(mode), m_matcher(std::move(matcher)) {}

    std::size_t next = 0;  ///< The next store row to look at.

    void run(const EventLogStore& s, std::size_t end, std::vector<ViewEntry>& out) {
        const Matcher& m = *m_matcher;
        if (m_mode == Mode::Events) {
            for (; next < end; ++next)
                if (m.eventMatches(s, next)) out.push_back({next, 0, RowType::Event});
            return;
        }
        for (; next < end; ++next) {
            const std::size_t i = next;
            const LogRecord& r = s.record(i);
            if (r.kind == EventKind::Collect) {
                auto [it, fresh] = m_open.try_emplace(r.channel);
                Open& o = it->second;
                if (fresh) o.first = i;
                o.last = i;
                o.bytes += r.dataLength;
                if (m.hasText() && !o.matched) feed(o, s.data(i));
                continue;
            }
            if (r.kind == EventKind::FoundTerminator) {
                auto it = m_open.find(r.channel);
                const std::uint64_t first = it != m_open.end() ? it->second.first : i;
                bool ok = m.messageHeaderOk(r.channel);
                if (ok && m.hasText()) {
                    ok = m.nameMatches(EventKind::FoundTerminator, r.sub) ||
                         m.nameMatches(EventKind::Collect, 0);
                    if (!ok) {
                        Open scratch;
                        Open& o = it != m_open.end() ? it->second : scratch;
                        ok = o.matched || (feed(o, s.data(i)), o.matched);
                    }
                }
                if (ok) out.push_back({i, backOf(i, first), RowType::Message});
                if (it != m_open.end()) m_open.erase(it);
                continue;
            }
            if (endsMessage(r)) {
                if (auto it = m_open.find(r.channel); it != m_open.end()) {
                    if (m.messageHeaderOk(r.channel) &&
                        (!m.hasText() || it->second.matched || m.nameMatches(EventKind::Collect, 0)))
                        out.push_back({i, backOf(i, it->second.first), RowType::Unterminated});
                    m_open.erase(it);
                }
            }
            if (m.eventMatches(s, i)) out.push_back({i, 0, RowType::Event});
        }
    }

    /// The matching in-progress messages, by channel.
    std::vector<ViewEntry> inProgress() const {
        std::vector<ViewEntry> v;
        if (m_mode != Mode::Messages) return v;
        const Matcher& m = *m_matcher;
        for (const auto& [channel, o] : m_open)
            if (m.messageHeaderOk(channel) && (!m.hasText() || o.matched || m.nameMatches(EventKind::Collect, 0)))
                v.push_back({o.last, backOf(o.last, o.first), RowType::InProgress});
        return v;
    }
private:
    struct Open {
        std::uint64_t first = 0;
        std::uint64_t last = 0;
        std::uint64_t bytes = 0;
        bool matched = false;
        std::string tail;  ///< The last needle-1 bytes, while not matched.
    };

    void feed(Open& o, std::string_view chunk) const {
        const Matcher& m = *m_matcher;
        if (chunk.empty() || o.matched) return;
        const std::size_t keep = m.needleSize() - 1;
        if (!o.tail.empty()) {
            std::string boundary = o.tail;
            boundary.append(chunk.substr(0, std::min(keep, chunk.size())));
            if (m.find(boundary)) {
                o.matched = true;
                o.tail.clear();
                return;
            }
        }
        if (m.find(chunk)) {
            o.matched = true;
            o.tail.clear();
            return;
        }
        if (keep == 0) return;
        if (chunk.size() >= keep) {
            o.tail.assign(chunk.substr(chunk.size() - keep));
        } else {
            o.tail.append(chunk);
            if (o.tail.size() > keep) o.tail.erase(0, o.tail.size() - keep);
        }
    }

    Mode m_mode;
    std::shared_ptr<const Matcher> m_matcher;
    std::map<engine::ChannelId, Open> m_open;
};

// --- Index ---------------------------------------------------------------------------------------

struct EventLogModel::Index {
    Mode mode = Mode::Events;
    bool identity = true;            ///< View row == store row (Events, no filter).
    std::size_t identityRows = 0;
    std::uint64_t generation = 0;    ///< The store generation it was built for.
    std::shared_ptr<const Matcher> matcher;
    std::unique_ptr<Builder> builder;
    std::vector<ViewEntry> entries;
    std::vector<ViewEntry> trailer;  ///< In-progress messages, after the entries.

    std::size_t rows() const noexcept { return identity ? identityRows : entries.size() + trailer.size(); }
};

// --- Worker --------------------------------------------------------------------------------------

/// One thread that builds indexes for large logs. Only the latest job
/// matters: a newer submit() or cancel() makes the running one stop at its
/// next slice. The finished index waits in a slot that the GUI thread polls
/// (takeResult(), with progress()), so nothing crosses threads but a mutex
/// and atomics: no queued Qt calls, and ThreadSanitizer sees every handover.
class EventLogModel::Worker {
public:
    static constexpr std::size_t kSlice = 16384;

    explicit Worker(const EventLogStore* store) : m_store(store), m_thread([this] { loop(); }) {}
    ~Worker() {
        {
            std::lock_guard lock(m_mutex);
            m_stop = true;
            m_latest.store(0, std::memory_order_release);
        }
        m_cv.notify_all();
        m_thread.join();
    }
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    void submit(std::uint64_t id, std::shared_ptr<Index> index) {
        {
            std::lock_guard lock(m_mutex);
            m_job = std::move(index);
            m_jobId = id;
            m_result.reset();
            m_latest.store(id, std::memory_order_release);
            m_progress.store(0, std::memory_order_relaxed);
        }
        m_cv.notify_all();
    }
    void cancel() {
        std::lock_guard lock(m_mutex);
        m_latest.store(0, std::memory_order_release);
        m_job.reset();
        m_result.reset();
    }
    /// The index built for job `id`, once it is done (else nullptr).
    std::shared_ptr<Index> takeResult(std::uint64_t id) {
        std::lock_guard lock(m_mutex);
        if (m_resultId != id || !m_result) return nullptr;
        return std::move(m_result);
    }
    /// 0…100 for the running job.
    int progress() const noexcept { return m_progress.load(std::memory_order_relaxed); }

private:
    void loop() {
        for (;;) {
            std::shared_ptr<Index> index;
            std::uint64_t id = 0;
            {
                std::unique_lock lock(m_mutex);
                m_cv.wait(lock, [this] { return m_stop || m_job; });
                if (m_stop) return;
                index = std::move(m_job);
                id = m_jobId;
            }
            if (build(id, *index)) {
                std::lock_guard lock(m_mutex);
                if (current(id)) {
                    m_result = std::move(index);
                    m_resultId = id;
                }
            }
        }
    }

    bool current(std::uint64_t id) const { return m_latest.load(std::memory_order_acquire) == id; }

    bool build(std::uint64_t id, Index& index) {
        Builder& b = *index.builder;
        std::size_t target = m_store->publishedSize();
        bool chased = false;
        for (;;) {
            if (!current(id)) return false;
            {
                const EventLogStore::ReadGuard guard = m_store->lockForReading(index.generation);
                if (!guard) return false;  // cleared meanwhile; the model rebuilds
                if (b.next >= target) {
                    // Caught up with what the store held when we started. The
                    // log may have grown meanwhile: take one more round, then
                    // leave the rest to the GUI thread (a flood must not keep
                    // the filter from ever finishing).
                    const std::size_t now = m_store->publishedSize();
                    if (chased || now - b.next < kSlice) return true;
                    chased = true;
                    target = now;
                }
                b.run(*m_store, std::min(target, b.next + kSlice), index.entries);
            }
            if (target > 0)
                m_progress.store(static_cast<int>(static_cast<double>(b.next) * 100.0 / static_cast<double>(target)),
                                 std::memory_order_relaxed);
        }
    }

    const EventLogStore* m_store;
    std::mutex m_mutex;
    std::condition_variable m_cv;
    std::shared_ptr<Index> m_job;     // guarded by m_mutex
    std::uint64_t m_jobId = 0;        // guarded by m_mutex
    std::shared_ptr<Index> m_result;  // guarded by m_mutex
    std::uint64_t m_resultId = 0;     // guarded by m_mutex
    bool m_stop = false;              // guarded by m_mutex
    std::atomic<std::uint64_t> m_latest{0};
    std::atomic<int> m_progress{0};
    std::thread m_thread;  // last: starts once everything above exists
};

// --- Colours -------------------------------------------------------------------------------------

namespace {

enum class Tone { In, Out, Lifecycle, Quiet, Error, Warning, Terminator };

Tone toneOf(const LogRecord& r) noexcept {
    switch (r.kind) {
    case EventKind::Collect:
    case EventKind::FoundTerminator: return Tone::In;
    case EventKind::Push:
    case EventKind::Sent:
    case EventKind::ProducerExhausted: return Tone::Out;
    case EventKind::Listening:
    case EventKind::Accepted:
    case EventKind::Connecting:
    case EventKind::Connected:
    case EventKind::CloseWhenDone:
    case EventKind::HalfClosed:
    case EventKind::Discarded: return Tone::Lifecycle;
    case EventKind::Closed:
        // A reset (or any errno) is not an orderly end, even when asyncore
        // calls it a close: it reads as an error.
        return r.closeReason() == engine::CloseReason::Error || r.error != 0 ? Tone::Error : Tone::Lifecycle;
    case EventKind::Error: return Tone::Error;
    case EventKind::Warning:
    case EventKind::HighWater:
    case EventKind::LimitReached: return Tone::Warning;
    default: return Tone::Quiet;
    }
}

/// Colours derived from the application palette, so they read on light and
/// dark themes alike: a hue at a lightness that contrasts with Base.
struct Tones {
    qint64 key = -1;
    QColor in, out, lifecycle, quiet, error, warning, terminator;
    QColor errorBg, warningBg, progressBg;

    void update(const QPalette& p) {
        key = p.cacheKey();
        const QColor base = p.color(QPalette::Base);
        const bool dark = base.lightness() < 128;
        const auto hue = [dark](int h, int s = 170) { return QColor::fromHsl(h, s, dark ? 178 : 92); };
        const auto tint = [&base](const QColor& c, float amount) {
            return QColor::fromRgbF(base.redF() + (c.redF() - base.redF()) * amount,
                                    base.greenF() + (c.greenF() - base.greenF()) * amount,
                                    base.blueF() + (c.blueF() - base.blueF()) * amount);
        };
        in = hue(212);
        out = hue(128, 140);
        lifecycle = hue(276, 110);
        quiet = p.color(QPalette::PlaceholderText);
        error = hue(0, 200);
        warning = hue(32, 200);
        terminator = hue(320, 160);
        errorBg = tint(QColor(220, 40, 40), dark ? 0.22f : 0.12f);
        warningBg = tint(QColor(230, 150, 20), dark ? 0.18f : 0.12f);
        progressBg = tint(p.color(QPalette::Highlight), dark ? 0.18f : 0.10f);
    }
    const QColor& of(Tone t) const {
        switch (t) {
        case Tone::In: return in;
        case Tone::Out: return out;
        case Tone::Lifecycle: return lifecycle;
        case Tone::Quiet: return quiet;
        case Tone::Error: return error;
        case Tone::Warning: return warning;
        case Tone::Terminator: return terminator;
        }
        return quiet;
    }
};

const Tones& tones() {
    static thread_local Tones t;
    const QPalette p = QGuiApplication::palette();
    if (t.key != p.cacheKey()) t.update(p);
    return t;
}

bool sizeIsBytes(const LogRecord& r) noexcept {
    switch (r.kind) {
    case EventKind::Collect:
    case EventKind::Sent:
    case EventKind::FoundTerminator:
    case EventKind::Discarded:
    case EventKind::HighWater:
    case EventKind::LowWater: return true;
    case EventKind::Push: return r.size >= 0;
    case EventKind::Warning: return r.size > 0;
    default: return false;
    }
}

}  // namespace

// --- The model -----------------------------------------------------------------------------------

EventLogModel::EventLogModel(const EventLogStore* store, QObject* parent)
    : QAbstractTableModel(parent), m_store(store), m_index(std::make_shared<Index>()) {
    m_index->generation = m_store->generation();
    m_index->identityRows = m_store->size();
    m_index->matcher = std::make_shared<Matcher>(m_filter);
    m_poll.setInterval(kPollMs);
    connect(&m_poll, &QTimer::timeout, this, &EventLogModel::pollJob);
}

EventLogModel::~EventLogModel() = default;  // m_worker joins its thread

void EventLogModel::setMode(Mode mode) {
    if (mode == m_mode) {
        if (!m_pendingJob) emit filterApplied(0, static_cast<qsizetype>(m_index->rows()));
        return;
    }
    m_mode = mode;
    m_jobClock.start();
    rebuild();
}

void EventLogModel::setFilter(const EventFilter& filter) {
    if (filter == m_filter) {
        m_filter = filter;
        // Nothing to redo; whoever waits for filterApplied still hears it
        // (now, or when the job already running for this filter ends).
        if (!m_pendingJob) emit filterApplied(0, static_cast<qsizetype>(m_index->rows()));
        return;
    }
    m_filter = filter;
    m_jobClock.start();
    rebuild();
}

void EventLogModel::setStartTime(const QDateTime& start) {
    m_startTime = start;
    if (rowCount() > 0) emit dataChanged(index(0, ColTime), index(rowCount() - 1, ColTime), {Qt::DisplayRole});
}

void EventLogModel::rebuild() {
    if (!m_jobClock.isValid()) m_jobClock.start();
    auto idx = std::make_shared<Index>();
    idx->mode = m_mode;
    idx->generation = m_store->generation();
    idx->matcher = std::make_shared<Matcher>(m_filter);
    idx->identity = m_mode == Mode::Events && !idx->matcher->active();
    if (m_worker) m_worker->cancel();
    m_pendingJob = 0;
    m_poll.stop();
    if (idx->identity) {
        idx->identityRows = m_store->size();
        installIndex(std::move(idx), m_jobClock.elapsed());
        return;
    }
    idx->builder = std::make_unique<Builder>(m_mode, idx->matcher);
    if (static_cast<qsizetype>(m_store->size()) <= m_syncThreshold) {
        idx->builder->run(*m_store, m_store->size(), idx->entries);
        idx->trailer = idx->builder->inProgress();
        installIndex(std::move(idx), m_jobClock.elapsed());
        return;
    }
    m_pendingJob = ++m_jobSerial;
    if (!m_worker) m_worker = std::make_unique<Worker>(m_store);
    m_worker->submit(m_pendingJob, std::move(idx));
    m_lastProgress = -1;
    m_poll.start();
}

void EventLogModel::pollJob() {
    if (!m_pendingJob || !m_worker) {
        m_poll.stop();
        return;
    }
    if (std::shared_ptr<Index> index = m_worker->takeResult(m_pendingJob)) {
        onJobDone(m_pendingJob, std::move(index));
        return;
    }
    const int percent = m_worker->progress();
    if (percent != m_lastProgress) {
        m_lastProgress = percent;
        emit filterProgress(percent);
    }
}

void EventLogModel::onJobDone(std::uint64_t jobId, std::shared_ptr<Index> index) {
    if (jobId != m_pendingJob) return;  // superseded
    m_pendingJob = 0;
    m_poll.stop();
    if (index->generation != m_store->generation()) {
        resetEmpty();
        appendFromStore();
        return;
    }
    // Rows the store gained while the worker ran (it stops chasing a flood).
    index->builder->run(*m_store, m_store->size(), index->entries);
    index->trailer = index->builder->inProgress();
    installIndex(std::move(index), m_jobClock.elapsed());
}

void EventLogModel::installIndex(std::shared_ptr<Index> index, qint64 ms) {
    beginResetModel();
    m_index = std::move(index);
    endResetModel();
    emit filterApplied(ms, static_cast<qsizetype>(m_index->rows()));
}

void EventLogModel::resetEmpty() {
    const bool wasPending = m_pendingJob != 0;
    if (m_worker) m_worker->cancel();
    m_pendingJob = 0;
    m_poll.stop();
    auto idx = std::make_shared<Index>();
    idx->mode = m_mode;
    idx->generation = m_store->generation();
    idx->matcher = std::make_shared<Matcher>(m_filter);
    idx->identity = m_mode == Mode::Events && !idx->matcher->active();
    if (!idx->identity) idx->builder = std::make_unique<Builder>(m_mode, idx->matcher);
    beginResetModel();
    m_index = std::move(idx);
    endResetModel();
    if (wasPending) emit filterApplied(m_jobClock.isValid() ? m_jobClock.elapsed() : 0, 0);
}

void EventLogModel::reload() {
    m_jobClock.start();
    rebuild();
}

void EventLogModel::scanLabels() {
    // The channels of a hosted example are named by their Python class
    // ("EchoHandler#7"), from their `hosted` event.
    if (m_labelGeneration != m_store->generation()) {
        m_labels.clear();
        m_labelScanned = 0;
        m_labelGeneration = m_store->generation();
    }
    const std::size_t total = m_store->size();
    for (; m_labelScanned < total; ++m_labelScanned) {
        const LogRecord& r = m_store->record(m_labelScanned);
        if (r.kind == engine::EventKind::Hosted && static_cast<engine::HostPhase>(r.sub) == engine::HostPhase::Dispatcher) {
            const std::string_view info = m_store->info(m_labelScanned);
            m_labels.insert(r.channel, QString::fromUtf8(info.data(), static_cast<qsizetype>(info.size())));
        }
    }
}

void EventLogModel::appendFromStore() {
    scanLabels();
    if (m_index->generation != m_store->generation()) resetEmpty();
    Index& idx = *m_index;
    const std::size_t total = m_store->size();
    if (idx.identity) {
        if (total <= idx.identityRows) return;
        const auto first = static_cast<int>(std::min<std::size_t>(idx.identityRows, INT_MAX));
        const auto last = static_cast<int>(std::min<std::size_t>(total - 1, INT_MAX));
        if (first >= INT_MAX) {  // beyond what a view can show; keep counting
            idx.identityRows = total;
            return;
        }
        beginInsertRows(QModelIndex(), first, last);
        idx.identityRows = total;
        endInsertRows();
        return;
    }
    if (idx.builder->next >= total) return;
    std::vector<ViewEntry> fresh;
    idx.builder->run(*m_store, total, fresh);
    if (!fresh.empty()) {
        const std::size_t at = idx.entries.size();
        if (at + fresh.size() + idx.trailer.size() <= static_cast<std::size_t>(INT_MAX)) {
            beginInsertRows(QModelIndex(), static_cast<int>(at), static_cast<int>(at + fresh.size() - 1));
            idx.entries.insert(idx.entries.end(), fresh.begin(), fresh.end());
            endInsertRows();
        }
    }
    updateTrailer();
}

void EventLogModel::updateTrailer() {
    Index& idx = *m_index;
    if (idx.mode != Mode::Messages || !idx.builder) return;
    std::vector<ViewEntry> now = idx.builder->inProgress();
    std::vector<ViewEntry>& old = idx.trailer;
    const auto base = static_cast<int>(idx.entries.size());
    const bool sameChannels =
        now.size() == old.size() && std::equal(now.begin(), now.end(), old.begin(), [this](const ViewEntry& a, const ViewEntry& b) {
            return m_store->record(a.row).channel == m_store->record(b.row).channel;
        });
    if (sameChannels) {
        bool changed = false;
        for (std::size_t i = 0; i < now.size(); ++i)
            if (now[i].row != old[i].row || now[i].back != old[i].back) changed = true;
        if (!changed) return;
        old = std::move(now);
        emit dataChanged(index(base, 0), index(base + static_cast<int>(old.size()) - 1, ColumnCount - 1));
        return;
    }
    if (!old.empty()) {
        beginRemoveRows(QModelIndex(), base, base + static_cast<int>(old.size()) - 1);
        old.clear();
        endRemoveRows();
    }
    if (!now.empty()) {
        beginInsertRows(QModelIndex(), base, base + static_cast<int>(now.size()) - 1);
        old = std::move(now);
        endInsertRows();
    }
}

// --- Reading rows ----------------------------------------------------------------------------------

const EventLogModel::ViewEntry* EventLogModel::entry(int viewRow, ViewEntry& scratch) const {
    const Index& idx = *m_index;
    if (viewRow < 0 || idx.generation != m_store->generation()) return nullptr;
    const auto r = static_cast<std::size_t>(viewRow);
    if (idx.identity) {
        if (r >= idx.identityRows || r >= m_store->size()) return nullptr;
        scratch = {r, 0, RowType::Event};
        return &scratch;
    }
    if (r < idx.entries.size()) return &idx.entries[r];
    if (r - idx.entries.size() < idx.trailer.size()) return &idx.trailer[r - idx.entries.size()];
    return nullptr;
}

qsizetype EventLogModel::storeRow(int viewRow) const {
    ViewEntry scratch;
    const ViewEntry* e = entry(viewRow, scratch);
    return e ? static_cast<qsizetype>(e->row) : -1;
}

EventLogModel::RowType EventLogModel::rowType(int viewRow) const {
    ViewEntry scratch;
    const ViewEntry* e = entry(viewRow, scratch);
    return e ? e->type : RowType::Event;
}

QByteArray EventLogModel::rowBytes(int viewRow) const {
    ViewEntry scratch;
    const ViewEntry* e = entry(viewRow, scratch);
    return e ? entryBytes(*e, std::numeric_limits<std::size_t>::max()) : QByteArray();
}

QByteArray EventLogModel::rowTerminator(int viewRow) const {
    ViewEntry scratch;
    const ViewEntry* e = entry(viewRow, scratch);
    return e ? entryTerminator(*e) : QByteArray();
}

QByteArray EventLogModel::entryBytes(const ViewEntry& e, std::size_t maxBytes, bool* cut) const {
    if (cut) *cut = false;
    if (e.type == RowType::Event) {
        const std::string_view d = m_store->data(e.row);
        if (cut) *cut = d.size() > maxBytes;
        const std::string_view part = d.substr(0, std::min(d.size(), maxBytes));
        return QByteArray(part.data(), static_cast<qsizetype>(part.size()));
    }
    // A message: its channel's collects from `first` on (up to `row`).
    const engine::ChannelId c = m_store->record(e.row).channel;
    QByteArray out;
    for (std::uint64_t i = e.first(); i <= e.row; ++i) {
        const LogRecord& r = m_store->record(i);
        if (r.kind != EventKind::Collect || r.channel != c) continue;
        const std::string_view d = m_store->data(i);
        const std::size_t room = maxBytes - static_cast<std::size_t>(out.size());
        if (d.size() > room) {
            out.append(d.data(), static_cast<qsizetype>(room));
            if (cut) *cut = true;
            break;
        }
        out.append(d.data(), static_cast<qsizetype>(d.size()));
    }
    return out;
}

QByteArray EventLogModel::entryTerminator(const ViewEntry& e) const {
    const LogRecord& r = m_store->record(e.row);
    if (r.kind != EventKind::FoundTerminator || (e.type != RowType::Event && e.type != RowType::Message)) return {};
    const std::string_view d = m_store->data(e.row);
    return QByteArray(d.data(), static_cast<qsizetype>(d.size()));
}

std::int64_t EventLogModel::entryTime(const ViewEntry& e) const { return m_store->record(e.row).tUs; }

namespace {

/// The message's size in bytes (without its terminator).
std::uint64_t messageSize(const EventLogStore& s, const ViewEntry& e) {
    const LogRecord& r = s.record(e.row);
    if (e.type == RowType::Message && r.size >= 0) return static_cast<std::uint64_t>(r.size);
    std::uint64_t n = 0;
    for (std::uint64_t i = e.first(); i <= e.row; ++i) {
        const LogRecord& x = s.record(i);
        if (x.kind == EventKind::Collect && x.channel == r.channel) n += x.dataLength;
    }
    return n;
}

}  // namespace

QVariant EventLogModel::cellText(const ViewEntry& e, int column, int viewRow) const {
    const LogRecord& r = m_store->record(e.row);
    const bool message = e.type != RowType::Event;
    switch (column) {
    case ColTime: return formatTimeUs(r.tUs, m_startTime);
    case ColDelta: {
        if (viewRow == 0) return QString();
        ViewEntry scratch;
        const ViewEntry* prev = entry(viewRow - 1, scratch);
        return prev ? formatDeltaUs(r.tUs - entryTime(*prev)) : QString();
    }
    case ColChannel: {
        const auto label = m_labels.constFind(r.channel);
        // "#3 EchoHandler": the id first, so a narrow column still shows it.
        return label == m_labels.constEnd() ? channelLabel(r.channel)
                                            : channelLabel(r.channel) + QLatin1Char(' ') + *label;
    }
    case ColDirection: return directionName(message ? Direction::In : direction(r.kind));
    case ColMethod:
        switch (e.type) {
        case RowType::Event: return methodName(r);
        case RowType::Message: return QStringLiteral("found_terminator");
        case RowType::Unterminated: return QStringLiteral("collect_incoming_data (unterminated)");
        case RowType::InProgress: return QStringLiteral("collect_incoming_data …");
        }
        return QString();
    case ColSize:
        if (message) return QString::number(messageSize(*m_store, e));
        return sizeIsBytes(r) ? QString::number(r.size) : QString();
    case ColData: {
        if (!message) return eventSummary(*m_store, e.row, kDisplayBytes);
        bool cut = false;
        const QByteArray bytes = entryBytes(e, kDisplayBytes, &cut);
        const QByteArray term = entryTerminator(e);
        QString s = escapedText(std::string_view(bytes.constData(), static_cast<std::size_t>(bytes.size())));
        if (cut)
            s += QStringLiteral(" … (+%1 bytes)")
                     .arg(messageSize(*m_store, e) - static_cast<std::uint64_t>(bytes.size()));
        if (!term.isEmpty())
            s += escapedText(std::string_view(term.constData(), static_cast<std::size_t>(term.size())));
        else if (e.type == RowType::Message && r.terminatorKind() == engine::Terminator::Kind::Count)
            s += QStringLiteral("  [count:%1]").arg(r.count);
        return s;
    }
    default: return QVariant();
    }
}

int EventLogModel::rowCount(const QModelIndex& parent) const {
    if (parent.isValid()) return 0;
    return static_cast<int>(std::min<std::size_t>(m_index->rows(), INT_MAX));
}

int EventLogModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant EventLogModel::data(const QModelIndex& idx, int role) const {
    if (!idx.isValid() || idx.column() < 0 || idx.column() >= ColumnCount) return QVariant();
    ViewEntry scratch;
    const ViewEntry* e = entry(idx.row(), scratch);
    if (!e) return QVariant();
    const LogRecord& r = m_store->record(e->row);
    const bool message = e->type != RowType::Event;
    const auto bytesOf = [&] {
        return entryBytes(*e, std::numeric_limits<std::size_t>::max());
    };
    switch (role) {
    case Qt::DisplayRole: return cellText(*e, idx.column(), idx.row());
    case Qt::ToolTipRole:
        switch (idx.column()) {
        case ColTime:
            return m_startTime.isValid()
                       ? m_startTime.addMSecs(r.tUs / 1000).toString(Qt::ISODateWithMs) +
                             QStringLiteral("  (t = %1 µs, seq %2)").arg(r.tUs).arg(r.seq)
                       : QStringLiteral("t = %1 µs, seq %2").arg(r.tUs).arg(r.seq);
        case ColMethod: {
            if (!message) return QStringLiteral("%1 event").arg(kindName(r.kind));
            int calls = 0;
            for (std::uint64_t i = e->first(); i <= e->row; ++i) {
                const LogRecord& x = m_store->record(i);
                if (x.kind == EventKind::Collect && x.channel == r.channel) ++calls;
            }
            const QString collected = tr("%n collect_incoming_data call(s), ", nullptr, calls) +
                                      tr("%1 bytes").arg(messageSize(*m_store, *e));
            switch (e->type) {
            case RowType::Message: return collected + tr(", then found_terminator");
            case RowType::Unterminated: return collected + tr(", never terminated");
            default: return collected + tr(", still collecting");
            }
        }
        case ColData: {
            if (!message && r.dataLength == 0) return cellText(*e, ColData, idx.row());
            bool cut = false;
            const QByteArray b = entryBytes(*e, kToolTipBytes, &cut);
            QString s = escapedPreview(std::string_view(b.constData(), static_cast<std::size_t>(b.size())),
                                       kToolTipBytes);
            if (cut) s += QStringLiteral(" …");
            const QByteArray t = message ? entryTerminator(*e) : QByteArray();
            if (!t.isEmpty()) s += escapedText(std::string_view(t.constData(), static_cast<std::size_t>(t.size())));
            return s;
        }
        default: return QVariant();
        }
    case Qt::TextAlignmentRole:
        if (idx.column() == ColSize || idx.column() == ColDelta)
            return QVariant::fromValue(Qt::Alignment(Qt::AlignRight | Qt::AlignVCenter));
        return QVariant::fromValue(Qt::Alignment(Qt::AlignLeft | Qt::AlignVCenter));
    case Qt::ForegroundRole: {
        const Tones& t = tones();
        if (e->type == RowType::InProgress) return t.quiet;
        if (idx.column() == ColData && !message && r.kind == EventKind::FoundTerminator) return t.terminator;
        return t.of(message ? Tone::In : toneOf(r));
    }
    case Qt::BackgroundRole: {
        const Tones& t = tones();
        if (e->type == RowType::InProgress) return t.progressBg;
        if (e->type == RowType::Unterminated) return t.warningBg;
        if (message) return QVariant();
        const Tone tone = toneOf(r);
        if (tone == Tone::Error) return t.errorBg;
        if (r.kind == EventKind::Warning) return t.warningBg;
        return QVariant();
    }
    case StoreRowRole: return static_cast<qlonglong>(e->row);
    case KindRole: {
        EventKind k = r.kind;
        if (e->type == RowType::Message) k = EventKind::FoundTerminator;
        if (e->type == RowType::InProgress || e->type == RowType::Unterminated) k = EventKind::Collect;
        return static_cast<int>(k);
    }
    case ChannelRole: return static_cast<uint>(r.channel);
    case BytesRole: return bytesOf();
    case EscapedRole: {
        const QByteArray b = bytesOf();
        const QByteArray t = message ? entryTerminator(*e) : QByteArray();
        return escapedText(std::string_view(b.constData(), static_cast<std::size_t>(b.size())),
                           std::string_view(t.constData(), static_cast<std::size_t>(t.size())));
    }
    case HexRole: {
        const QByteArray b = bytesOf();
        return hexDump(std::string_view(b.constData(), static_cast<std::size_t>(b.size())));
    }
    case Base64Role: return QString::fromLatin1(bytesOf().toBase64());
    case IsTerminatorRole:
        return e->type == RowType::Message || (e->type == RowType::Event && r.kind == EventKind::FoundTerminator);
    case InProgressRole: return e->type == RowType::InProgress;
    case TerminatorBytesRole: return entryTerminator(*e);
    case RowTypeRole: return static_cast<int>(e->type);
    case SeqRole: return static_cast<qulonglong>(r.seq);
    case TimeUsRole: return static_cast<qlonglong>(r.tUs);
    case DirectionRole: return static_cast<int>(message ? Direction::In : direction(r.kind));
    case MessageFirstRowRole: return static_cast<qlonglong>(e->first());
    default: return QVariant();
    }
}

QVariant EventLogModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal) return QVariant();
    if (role == Qt::DisplayRole) {
        switch (section) {
        case ColTime: return tr("Time");
        case ColDelta: return tr("Δt");
        case ColChannel: return tr("Channel");
        case ColDirection: return tr("Dir");
        case ColMethod: return tr("Method");
        case ColSize: return tr("Size");
        case ColData: return tr("Data");
        default: return QVariant();
        }
    }
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case ColTime: return tr("When the event happened (microseconds).");
        case ColDelta: return tr("Seconds since the row above.");
        case ColChannel: return tr("The channel the event belongs to.");
        case ColDirection: return tr("in: received bytes; out: bytes pushed or sent.");
        case ColMethod: return tr("The asyncore / asynchat method the event stands for.");
        case ColSize: return tr("Bytes (for a message: without its terminator).");
        case ColData: return tr("The bytes, escaped (\\r \\n \\t \\0 \\\\ \\xNN), or what happened.");
        default: return QVariant();
        }
    }
    return QVariant();
}

// --- Searching -------------------------------------------------------------------------------------

int EventLogModel::viewRowForSeq(std::uint64_t seq) const {
    const std::size_t row = m_store->rowForSeq(seq);
    if (row >= m_store->size()) return -1;
    const Index& idx = *m_index;
    if (idx.generation != m_store->generation()) return -1;
    if (idx.identity) return row < idx.identityRows && row <= static_cast<std::size_t>(INT_MAX) ? static_cast<int>(row) : -1;
    const LogRecord& rec = m_store->record(row);
    const auto& v = idx.entries;
    auto it = std::lower_bound(v.begin(), v.end(), row, [](const ViewEntry& e, std::size_t r) { return e.row < r; });
    const bool partOfMessage = idx.mode == Mode::Messages && rec.kind == EventKind::Collect;
    if (!partOfMessage) {
        // The event's own row (an event that ended a message comes after that message's row).
        for (auto j = it; j != v.end() && j->row == row; ++j)
            if (j->type == RowType::Event || (rec.kind == EventKind::FoundTerminator && j->type == RowType::Message))
                return static_cast<int>(j - v.begin());
        return -1;
    }
    // A collect: the message (of its channel) whose span covers it. Bounded
    // scan: messages end soon after their bytes, except on a busy log with a
    // very long message.
    constexpr std::size_t kScan = 1u << 20;
    std::size_t scanned = 0;
    for (auto j = it; j != v.end() && scanned < kScan; ++j, ++scanned) {
        if (j->type == RowType::Event || j->first() > row) continue;
        if (m_store->record(j->row).channel == rec.channel) return static_cast<int>(j - v.begin());
    }
    for (std::size_t t = 0; t < idx.trailer.size(); ++t) {
        const ViewEntry& e = idx.trailer[t];
        if (e.first() <= row && m_store->record(e.row).channel == rec.channel)
            return static_cast<int>(v.size() + t);
    }
    return -1;
}

int EventLogModel::findNext(const QString& text, int fromRow, bool backwards, bool caseSensitive) const {
    if (text.isEmpty()) return -1;
    EventFilter f;
    f.text = text;
    f.caseSensitive = caseSensitive;
    const Matcher m(f);
    const int n = rowCount();
    const auto matches = [&](int row) {
        ViewEntry scratch;
        const ViewEntry* e = entry(row, scratch);
        if (!e) return false;
        if (e->type == RowType::Event) return m.textMatchesEvent(*m_store, e->row);
        if (m.nameMatches(EventKind::Collect, 0)) return true;
        if (e->type == RowType::Message && m.nameMatches(EventKind::FoundTerminator, 0)) return true;
        QByteArray all = entryBytes(*e, std::numeric_limits<std::size_t>::max());
        all += entryTerminator(*e);
        return m.find(std::string_view(all.constData(), static_cast<std::size_t>(all.size())));
    };
    if (backwards) {
        for (int row = std::min(fromRow, n) - 1; row >= 0; --row)
            if (matches(row)) return row;
    } else {
        for (int row = std::max(fromRow, -1) + 1; row < n; ++row)
            if (matches(row)) return row;
    }
    return -1;
}

}  // namespace ui
