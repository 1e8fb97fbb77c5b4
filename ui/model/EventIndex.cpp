// EventIndex.cpp — the matcher, the incremental index builder and the
// worker thread that builds large indexes. No Qt here.
#include "ui/model/EventIndex.h"

#include <algorithm>
#include <cstring>
#include <limits>

namespace ui {

using engine::EventKind;
using RowType = EventIndex::RowType;
using Entry = EventIndex::Entry;

static_assert(sizeof(EventIndex::Entry) == 16, "an index entry is meant to stay 16 bytes");

namespace {

unsigned char foldAscii(unsigned char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<unsigned char>(c + ('a' - 'A')) : c;
}

std::uint32_t backOf(std::uint64_t row, std::uint64_t first) noexcept {
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

}  // namespace

// --- EventMatcher ----------------------------------------------------------------------------------

EventMatcher::EventMatcher(const Spec& spec, const MethodNames& methodNames)
    : m_caseSensitive(spec.caseSensitive), m_direction(spec.direction) {
    for (engine::ChannelId c : spec.channels) {
        if (c >= m_channels.size()) m_channels.resize(static_cast<std::size_t>(c) + 1, false);
        m_channels[c] = true;
    }
    m_allChannels = spec.channels.empty();
    for (EventKind k : spec.kinds)
        if (static_cast<std::size_t>(k) < engine::kEventKindCount) m_kinds.set(static_cast<std::size_t>(k));
    m_allKinds = spec.kinds.empty();
    m_needle = spec.text;
    if (!m_caseSensitive)
        for (char& c : m_needle) c = static_cast<char>(foldAscii(static_cast<unsigned char>(c)));
    const std::size_t n = m_needle.size();
    m_skip.fill(n ? n : 1);
    for (std::size_t i = 0; n && i + 1 < n; ++i) {
        const auto c = static_cast<unsigned char>(m_needle[i]);
        m_skip[c] = n - 1 - i;
        if (!m_caseSensitive && c >= 'a' && c <= 'z') m_skip[static_cast<unsigned char>(c - ('a' - 'A'))] = n - 1 - i;
    }
    if (!hasText()) return;
    for (std::size_t k = 0; k < engine::kEventKindCount; ++k) {
        const auto kind = static_cast<EventKind>(k);
        const bool kindName = find(engine::eventKindName(kind));
        for (std::size_t s = 0; s < kSubSlots; ++s)
            m_names[k][s] = kindName || (methodNames && find(methodNames(kind, static_cast<std::uint8_t>(s))));
    }
}

unsigned char EventMatcher::fold(unsigned char c) const noexcept { return m_caseSensitive ? c : foldAscii(c); }

bool EventMatcher::find(std::string_view hay) const noexcept {
    // Horspool; ASCII-case-folded unless case-sensitive.
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

bool EventMatcher::textMatchesEvent(const EventLogStore& s, std::size_t row) const {
    if (!hasText()) return true;
    const LogRecord& r = s.record(row);
    if (nameMatches(r.kind, r.sub) || find(s.data(row))) return true;
    if (!r.hasAttachment()) return false;
    if (find(s.info(row)) || find(s.aux(row))) return true;
    if (const engine::ChannelState* st = s.state(row)) return find(st->peer) || find(st->local);
    return false;
}

bool EventMatcher::textMatchesMessage(const EventLogStore& s, const EventIndex::Entry& e) const {
    if (!hasText() || nameMatches(EventKind::Collect, 0)) return true;
    if (e.type == RowType::Message && nameMatches(EventKind::FoundTerminator, 0)) return true;
    // The message's bytes: its channel's collects from `first` on, then its terminator.
    const LogRecord& last = s.record(e.row);
    MatchStream text;
    for (std::uint64_t i = e.first(); i <= e.row && !text.matched(); ++i) {
        const LogRecord& r = s.record(i);
        if (r.kind == EventKind::Collect && r.channel == last.channel) text.feed(*this, s.data(i));
    }
    if (!text.matched() && e.type == RowType::Message && last.kind == EventKind::FoundTerminator)
        text.feed(*this, s.data(e.row));
    return text.matched();
}

void MatchStream::feed(const EventMatcher& m, std::string_view chunk) {
    if (chunk.empty() || m_matched) return;
    const std::size_t keep = m.needleSize() - 1;
    if (!m_tail.empty()) {
        std::string boundary = m_tail;
        boundary.append(chunk.substr(0, std::min(keep, chunk.size())));
        if (m.find(boundary)) {
            m_matched = true;
            m_tail.clear();
            return;
        }
    }
    if (m.find(chunk)) {
        m_matched = true;
        m_tail.clear();
        return;
    }
    if (keep == 0) return;
    if (chunk.size() >= keep) {
        m_tail.assign(chunk.substr(chunk.size() - keep));
    } else {
        m_tail.append(chunk);
        if (m_tail.size() > keep) m_tail.erase(0, m_tail.size() - keep);
    }
}

// --- EventIndex ------------------------------------------------------------------------------------

EventIndex::EventIndex(Mode mode, std::shared_ptr<const EventMatcher> matcher, std::uint64_t generation)
    : m_mode(mode),
      m_identity(mode == Mode::Events && !matcher->active()),
      m_generation(generation),
      m_matcher(std::move(matcher)) {}

EventIndex::~EventIndex() = default;

void EventIndex::scan(const EventLogStore& store, std::size_t end) { scan(store, end, m_entries); }

void EventIndex::scan(const EventLogStore& s, std::size_t end, std::vector<Entry>& out) {
    if (m_identity) {
        m_next = std::max(m_next, end);
        return;
    }
    const EventMatcher& m = *m_matcher;
    if (m_mode == Mode::Events) {
        for (; m_next < end; ++m_next)
            if (m.eventMatches(s, m_next)) out.push_back({m_next, 0, RowType::Event});
        return;
    }
    for (; m_next < end; ++m_next) {
        const std::size_t i = m_next;
        const LogRecord& r = s.record(i);
        if (r.kind == EventKind::Collect) {
            auto [it, fresh] = m_open.try_emplace(r.channel);
            Open& o = it->second;
            if (fresh) o.first = i;
            o.last = i;
            if (m.hasText()) o.text.feed(m, s.data(i));
            continue;
        }
        if (r.kind == EventKind::FoundTerminator) {
            auto it = m_open.find(r.channel);
            const std::uint64_t first = it != m_open.end() ? it->second.first : i;
            bool ok = m.messageHeaderOk(r.channel);
            if (ok && m.hasText()) {
                ok = m.nameMatches(EventKind::FoundTerminator, r.sub) || m.nameMatches(EventKind::Collect, 0);
                if (!ok) {
                    // The terminator's bytes count as part of the message.
                    MatchStream scratch;
                    MatchStream& text = it != m_open.end() ? it->second.text : scratch;
                    text.feed(m, s.data(i));
                    ok = text.matched();
                }
            }
            if (ok) out.push_back({i, backOf(i, first), RowType::Message});
            if (it != m_open.end()) m_open.erase(it);
            continue;
        }
        if (endsMessage(r)) {
            if (auto it = m_open.find(r.channel); it != m_open.end()) {
                if (m.messageHeaderOk(r.channel) &&
                    (!m.hasText() || it->second.text.matched() || m.nameMatches(EventKind::Collect, 0)))
                    out.push_back({i, backOf(i, it->second.first), RowType::Unterminated});
                m_open.erase(it);
            }
        }
        if (m.eventMatches(s, i)) out.push_back({i, 0, RowType::Event});
    }
}

void EventIndex::append(const std::vector<Entry>& fresh) { m_entries.insert(m_entries.end(), fresh.begin(), fresh.end()); }

std::vector<Entry> EventIndex::inProgress() const {
    std::vector<Entry> v;
    if (m_mode != Mode::Messages) return v;
    const EventMatcher& m = *m_matcher;
    for (const auto& [channel, o] : m_open)
        if (m.messageHeaderOk(channel) && (!m.hasText() || o.text.matched() || m.nameMatches(EventKind::Collect, 0)))
            v.push_back({o.last, backOf(o.last, o.first), RowType::InProgress});
    return v;
}

void EventIndex::catchUp(const EventLogStore& store, std::size_t end) {
    scan(store, end);
    m_trailer = inProgress();
}

std::size_t EventIndex::viewRowOf(const EventLogStore& s, std::size_t row) const {
    if (row >= s.size()) return npos;
    if (m_identity) return row < m_next ? row : npos;
    const LogRecord& rec = s.record(row);
    const auto& v = m_entries;
    auto it = std::lower_bound(v.begin(), v.end(), row, [](const Entry& e, std::size_t r) { return e.row < r; });
    const bool partOfMessage = m_mode == Mode::Messages && rec.kind == EventKind::Collect;
    if (!partOfMessage) {
        // The event's own row (an event that ended a message comes after that message's row).
        for (auto j = it; j != v.end() && j->row == row; ++j)
            if (j->type == RowType::Event || (rec.kind == EventKind::FoundTerminator && j->type == RowType::Message))
                return static_cast<std::size_t>(j - v.begin());
        return npos;
    }
    // A collect: the message (of its channel) whose span covers it. Bounded
    // scan: messages end soon after their bytes, except on a busy log with a
    // very long message.
    constexpr std::size_t kScan = std::size_t{1} << 20;
    std::size_t scanned = 0;
    for (auto j = it; j != v.end() && scanned < kScan; ++j, ++scanned) {
        if (j->type == RowType::Event || j->first() > row) continue;
        if (s.record(j->row).channel == rec.channel) return static_cast<std::size_t>(j - v.begin());
    }
    for (std::size_t t = 0; t < m_trailer.size(); ++t) {
        const Entry& e = m_trailer[t];
        if (e.first() <= row && s.record(e.row).channel == rec.channel) return v.size() + t;
    }
    return npos;
}

// --- EventIndexWorker ------------------------------------------------------------------------------

EventIndexWorker::EventIndexWorker(const EventLogStore* store) : m_store(store), m_thread([this] { loop(); }) {}

EventIndexWorker::~EventIndexWorker() {
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
        m_latest.store(0, std::memory_order_release);
    }
    m_cv.notify_all();
    m_doneCv.notify_all();
    m_thread.join();
}

void EventIndexWorker::submit(std::uint64_t id, std::shared_ptr<EventIndex> index) {
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

void EventIndexWorker::cancel() {
    {
        std::lock_guard lock(m_mutex);
        m_latest.store(0, std::memory_order_release);
        m_job.reset();
        m_result.reset();
    }
    m_doneCv.notify_all();
}

std::shared_ptr<EventIndex> EventIndexWorker::takeResult(std::uint64_t id) {
    std::lock_guard lock(m_mutex);
    if (m_resultId != id || !m_result) return nullptr;
    return std::move(m_result);
}

std::shared_ptr<EventIndex> EventIndexWorker::waitForResult(std::uint64_t id, std::chrono::milliseconds timeout) {
    std::unique_lock lock(m_mutex);
    m_doneCv.wait_for(lock, timeout, [&] { return !current(id) || m_endedId == id; });
    if (m_resultId != id || !m_result) return nullptr;
    return std::move(m_result);
}

void EventIndexWorker::loop() {
    for (;;) {
        std::shared_ptr<EventIndex> index;
        std::uint64_t id = 0;
        {
            std::unique_lock lock(m_mutex);
            m_cv.wait(lock, [this] { return m_stop || m_job; });
            if (m_stop) return;
            index = std::move(m_job);
            id = m_jobId;
        }
        const bool built = build(id, *index);
        {
            std::lock_guard lock(m_mutex);
            if (built && current(id)) {
                m_result = std::move(index);
                m_resultId = id;
            }
            m_endedId = id;
        }
        m_doneCv.notify_all();
    }
}

bool EventIndexWorker::build(std::uint64_t id, EventIndex& index) {
    std::size_t target = m_store->publishedSize();
    bool chased = false;
    for (;;) {
        if (!current(id)) return false;
        {
            const EventLogStore::ReadGuard guard = m_store->lockForReading(index.generation());
            if (!guard) return false;  // cleared meanwhile; the owner rebuilds
            if (index.scanned() >= target) {
                // Caught up with what the store held when we started. The
                // log may have grown meanwhile: take one more round, then
                // leave the rest to the owner (a flood must not keep the
                // filter from ever finishing).
                const std::size_t now = m_store->publishedSize();
                if (chased || now - index.scanned() < kSlice) return true;
                chased = true;
                target = now;
            }
            index.scan(*m_store, std::min(target, index.scanned() + kSlice));
        }
        if (target > 0)
            m_progress.store(static_cast<int>(static_cast<double>(index.scanned()) * 100.0 / static_cast<double>(target)),
                             std::memory_order_relaxed);
    }
}

}  // namespace ui
