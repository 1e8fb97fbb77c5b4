// EventLogModel.cpp — the model over an EventIndex: filters and modes
// turned into indexes (on the spot or on the worker), appends announced to
// the view, and the lazily formatted cells.
#include "ui/model/EventLogModel.h"

#include "engine/asyncore/Escape.h"
#include "ui/model/Formatters.h"
#include "ui/views/ViewColors.h"

#include <QColor>
#include <QGuiApplication>
#include <QPalette>

#include <algorithm>
#include <bitset>
#include <climits>
#include <limits>
#include <string>

namespace ui {

using engine::EventKind;
using ViewEntry = EventIndex::Entry;
using RowType = EventIndex::RowType;

namespace {

/// The filter's text as bytes: escaped text if it parses, else its UTF-8.
std::string needleBytes(const QString& text) {
    const QByteArray utf8 = text.toUtf8();
    const std::string_view raw(utf8.constData(), static_cast<std::size_t>(utf8.size()));
    if (auto parsed = engine::parseEscaped(raw)) return *parsed;
    return std::string(raw);
}

/// Formatters' method names, as EventMatcher reads them.
std::string methodNameBytes(EventKind kind, std::uint8_t sub) {
    const QByteArray name = methodName(kind, sub).toUtf8();
    return std::string(name.constData(), static_cast<std::size_t>(name.size()));
}

}  // namespace

// --- Colours -------------------------------------------------------------------------------------

namespace {

enum class Tone { In, Out, Lifecycle, Quiet, Error, Warning, Terminator };

// On a leg of a proxied connection (`upstream`: the leg to the real server),
// bytes going `d` travel from the client to the server.
bool proxyToServer(bool upstream, Direction d) noexcept { return upstream ? d == Direction::Out : d == Direction::In; }

Tone toneOf(const LogRecord& r) noexcept {
    switch (r.kind) {
    case EventKind::Collect:
    case EventKind::Datagram:
    case EventKind::FoundTerminator: return Tone::In;
    case EventKind::DatagramSent:
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
    case EventKind::TlsHandshake:
    case EventKind::StartTls: return Tone::Lifecycle;
    case EventKind::TlsClose:
        return static_cast<engine::TlsCloseKind>(r.sub) == engine::TlsCloseKind::Truncated ? Tone::Warning
                                                                                            : Tone::Lifecycle;
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
    QColor groupBg, groupBg2;  // a message group of several messages, by the parity of its id

    void update(const QPalette& p) {
        key = p.cacheKey();
        const QColor base = p.color(QPalette::Base);
        const bool dark = base.lightness() < 128;
        // Each hue made readable (4.5:1) on Base, whatever the palette.
        const auto hue = [dark, &base](int h, int s = 170) {
            return ViewColors::readableOn(QColor::fromHsl(h, s, dark ? 178 : 92), base);
        };
        const auto tint = [&base](const QColor& c, float amount) {
            return QColor::fromRgbF(base.redF() + (c.redF() - base.redF()) * amount,
                                    base.greenF() + (c.greenF() - base.greenF()) * amount,
                                    base.blueF() + (c.blueF() - base.blueF()) * amount);
        };
        in = hue(212);
        out = hue(128, 140);
        lifecycle = hue(276, 110);
        quiet = ViewColors::forPalette(p).quiet;  // PlaceholderText can be unreadable (dark palettes)
        error = hue(0, 200);
        warning = hue(32, 200);
        terminator = hue(320, 160);
        errorBg = tint(QColor(220, 40, 40), dark ? 0.22f : 0.12f);
        warningBg = tint(QColor(230, 150, 20), dark ? 0.18f : 0.12f);
        progressBg = tint(p.color(QPalette::Highlight), dark ? 0.18f : 0.10f);
        groupBg = tint(QColor(30, 170, 150), dark ? 0.26f : 0.22f);
        groupBg2 = tint(QColor(30, 170, 150), dark ? 0.14f : 0.12f);
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

// Whether the found_terminator at `row` belongs to a message group of more
// than one message (a protocol program's group id, Event::parent): the
// channel's found_terminator just before or just after it has the same id.
// Looks at most kGroupLook rows each way (a row is painted often).
bool inMultiGroup(const EventLogStore& s, std::size_t row) {
    constexpr std::size_t kGroupLook = 256;
    const LogRecord& r = s.record(row);
    for (std::size_t i = row, n = 0; i-- > 0 && n < kGroupLook; ++n) {
        const LogRecord& o = s.record(i);
        if (o.channel != r.channel || o.kind != EventKind::FoundTerminator) continue;
        if (o.parent == r.parent) return true;
        break;
    }
    const std::size_t size = s.size();
    for (std::size_t i = row + 1, n = 0; i < size && n < kGroupLook; ++i, ++n) {
        const LogRecord& o = s.record(i);
        if (o.channel != r.channel || o.kind != EventKind::FoundTerminator) continue;
        return o.parent == r.parent;
    }
    return false;
}

bool sizeIsBytes(const LogRecord& r) noexcept {
    switch (r.kind) {
    case EventKind::Collect:
    case EventKind::Sent:
    case EventKind::Datagram:
    case EventKind::DatagramSent:
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
    : QAbstractTableModel(parent), m_store(store) {
    m_index = newIndex();
    m_index->scan(*m_store, m_store->size());
    m_poll.setInterval(kPollMs);
    connect(&m_poll, &QTimer::timeout, this, &EventLogModel::pollJob);
}

EventLogModel::~EventLogModel() = default;  // m_worker joins its thread

std::shared_ptr<const EventMatcher> EventLogModel::compile(const EventFilter& f) {
    EventMatcher::Spec spec;
    spec.channels.assign(f.channels.cbegin(), f.channels.cend());
    spec.kinds.assign(f.kinds.cbegin(), f.kinds.cend());
    if (f.direction) {
        std::bitset<engine::kEventKindCount> kinds;
        for (std::size_t k = 0; k < engine::kEventKindCount; ++k)
            kinds[k] = direction(static_cast<EventKind>(k)) == *f.direction;
        spec.direction = kinds;
    }
    spec.text = needleBytes(f.text);
    spec.caseSensitive = f.caseSensitive;
    return std::make_shared<const EventMatcher>(spec, methodNameBytes);
}

std::shared_ptr<EventIndex> EventLogModel::newIndex() const {
    return std::make_shared<EventIndex>(m_mode, compile(m_filter), m_store->generation());
}

void EventLogModel::setMode(Mode mode) {
    const bool changed = mode != m_mode;
    m_mode = mode;
    reindex(changed);
}

void EventLogModel::setFilter(const EventFilter& filter) {
    const bool changed = !(filter == m_filter);
    m_filter = filter;
    reindex(changed);
}

void EventLogModel::reindex(bool changed) {
    if (!changed) {
        // Nothing to redo; whoever waits for filterApplied still hears it
        // (now, or when the job already running for this filter ends).
        if (!m_pendingJob) emit filterApplied(0, static_cast<qsizetype>(m_index->rows()));
        return;
    }
    m_jobClock.start();
    rebuild();
}

void EventLogModel::setStartTime(const QDateTime& start) {
    m_startTime = start;
    if (rowCount() > 0) emit dataChanged(index(0, ColTime), index(rowCount() - 1, ColTime), {Qt::DisplayRole});
}

void EventLogModel::rebuild() {
    if (!m_jobClock.isValid()) m_jobClock.start();
    std::shared_ptr<EventIndex> idx = newIndex();
    if (m_worker) m_worker->cancel();
    m_pendingJob = 0;
    m_poll.stop();
    if (idx->identity() || static_cast<qsizetype>(m_store->size()) <= m_syncThreshold) {
        idx->catchUp(*m_store, m_store->size());
        installIndex(std::move(idx), m_jobClock.elapsed());
        return;
    }
    m_pendingJob = ++m_jobSerial;
    if (!m_worker) m_worker = std::make_unique<EventIndexWorker>(m_store);
    m_worker->submit(m_pendingJob, std::move(idx));
    m_lastProgress = -1;
    m_poll.start();
}

void EventLogModel::pollJob() {
    if (!m_pendingJob || !m_worker) {
        m_poll.stop();
        return;
    }
    if (std::shared_ptr<EventIndex> index = m_worker->takeResult(m_pendingJob)) {
        onJobDone(m_pendingJob, std::move(index));
        return;
    }
    const int percent = m_worker->progress();
    if (percent != m_lastProgress) {
        m_lastProgress = percent;
        emit filterProgress(percent);
    }
}

void EventLogModel::onJobDone(std::uint64_t jobId, std::shared_ptr<EventIndex> index) {
    if (jobId != m_pendingJob) return;  // superseded
    m_pendingJob = 0;
    m_poll.stop();
    if (index->generation() != m_store->generation()) {
        resetEmpty();
        appendFromStore();
        return;
    }
    // Rows the store gained while the worker ran (it stops chasing a flood).
    index->catchUp(*m_store, m_store->size());
    installIndex(std::move(index), m_jobClock.elapsed());
}

void EventLogModel::installIndex(std::shared_ptr<EventIndex> index, qint64 ms) {
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
    std::shared_ptr<EventIndex> idx = newIndex();
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
        m_proxyLegs.clear();
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
        // A proxied connection: its accepted leg names its upstream leg.
        if (r.kind == engine::EventKind::Accepted && r.count > 0) {
            const auto upstream = static_cast<engine::ChannelId>(r.count);
            m_proxyLegs.insert(r.channel, false);
            m_proxyLegs.insert(upstream, true);
            m_labels.insert(r.channel, tr("client"));
            m_labels.insert(upstream, tr("server"));
        }
    }
}

void EventLogModel::appendFromStore() {
    scanLabels();
    if (m_index->generation() != m_store->generation()) resetEmpty();
    EventIndex& idx = *m_index;
    const std::size_t total = m_store->size();
    if (idx.scanned() >= total) return;
    if (idx.identity()) {
        const auto first = static_cast<int>(std::min<std::size_t>(idx.scanned(), INT_MAX));
        const auto last = static_cast<int>(std::min<std::size_t>(total - 1, INT_MAX));
        if (first >= INT_MAX) {  // beyond what a view can show; keep counting
            idx.scan(*m_store, total);
            return;
        }
        beginInsertRows(QModelIndex(), first, last);
        idx.scan(*m_store, total);
        endInsertRows();
        return;
    }
    std::vector<ViewEntry> fresh;
    idx.scan(*m_store, total, fresh);
    if (!fresh.empty()) {
        const std::size_t at = idx.entries().size();
        if (at + fresh.size() + idx.trailer().size() <= static_cast<std::size_t>(INT_MAX)) {
            beginInsertRows(QModelIndex(), static_cast<int>(at), static_cast<int>(at + fresh.size() - 1));
            idx.append(fresh);
            endInsertRows();
        }
    }
    updateTrailer();
}

void EventLogModel::updateTrailer() {
    EventIndex& idx = *m_index;
    if (idx.mode() != Mode::Messages) return;
    std::vector<ViewEntry> now = idx.inProgress();
    const std::vector<ViewEntry>& old = idx.trailer();
    const auto base = static_cast<int>(idx.entries().size());
    const bool sameChannels =
        now.size() == old.size() && std::equal(now.begin(), now.end(), old.begin(), [this](const ViewEntry& a, const ViewEntry& b) {
            return m_store->record(a.row).channel == m_store->record(b.row).channel;
        });
    if (sameChannels) {
        bool changed = false;
        for (std::size_t i = 0; i < now.size(); ++i)
            if (now[i].row != old[i].row || now[i].back != old[i].back) changed = true;
        if (!changed) return;
        const auto rows = static_cast<int>(now.size());
        idx.setTrailer(std::move(now));
        emit dataChanged(index(base, 0), index(base + rows - 1, ColumnCount - 1));
        return;
    }
    if (!old.empty()) {
        beginRemoveRows(QModelIndex(), base, base + static_cast<int>(old.size()) - 1);
        idx.setTrailer({});
        endRemoveRows();
    }
    if (!now.empty()) {
        beginInsertRows(QModelIndex(), base, base + static_cast<int>(now.size()) - 1);
        idx.setTrailer(std::move(now));
        endInsertRows();
    }
}

// --- Reading rows ----------------------------------------------------------------------------------

const EventLogModel::ViewEntry* EventLogModel::entry(int viewRow, ViewEntry& scratch) const {
    const EventIndex& idx = *m_index;
    if (viewRow < 0 || idx.generation() != m_store->generation()) return nullptr;
    const auto r = static_cast<std::size_t>(viewRow);
    if (idx.identity() && r >= m_store->size()) return nullptr;
    return idx.entry(r, scratch);
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

/// A protocol program's verdict on a found_terminator, in full for a tooltip
/// ("message group 4 (·4); rule bulk"); "" when no program judged it.
QString verdictText(const EventLogStore& s, std::uint64_t row) {
    const LogRecord& r = s.record(row);
    if (r.kind != EventKind::FoundTerminator) return {};
    const std::string_view rule = s.info(row);
    QStringList parts;
    if (r.parent != 0) parts << EventLogModel::tr("message group %1 (·%1)").arg(r.parent);
    if (!rule.empty())
        parts << EventLogModel::tr("rule %1").arg(QString::fromUtf8(rule.data(), static_cast<qsizetype>(rule.size())));
    else if (r.parent != 0)
        parts << EventLogModel::tr("no rule matched");
    return parts.join(QStringLiteral("; "));
}

}  // namespace

QString EventLogModel::withRule(const QString& method, std::uint64_t row) const {
    // A protocol program's verdict, short enough for the Method column at its
    // default width: the message group first (Event::parent, 0: no program),
    // then the rules that matched the message (found_terminator's `rule`):
    // "found_terminator ·5 [bulk]". The tooltip spells it out (verdictText()).
    const LogRecord& r = m_store->record(row);
    if (r.kind != EventKind::FoundTerminator) return method;
    const std::string_view rule = m_store->info(row);
    QString out = method;
    if (r.parent != 0) out += QStringLiteral(" \u00b7%1").arg(r.parent);
    if (!rule.empty())
        out += QStringLiteral(" [") + QString::fromUtf8(rule.data(), static_cast<qsizetype>(rule.size())) + QLatin1Char(']');
    return out;
}

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
    case ColDirection: {
        const Direction d = message ? Direction::In : direction(r.kind);
        // A proxy leg: which way the bytes go between the real client and the real server.
        if (const auto leg = m_proxyLegs.constFind(r.channel); leg != m_proxyLegs.constEnd() && d != Direction::None)
            return proxyToServer(*leg, d) ? QStringLiteral("C→S") : QStringLiteral("S→C");
        return directionName(d);
    }
    case ColMethod:
        switch (e.type) {
        case RowType::Event: return withRule(methodName(r), e.row);
        case RowType::Message: return withRule(QStringLiteral("found_terminator"), e.row);
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
            // A protocol program's verdict on a found_terminator: its group and rule, in full.
            const QString verdict = verdictText(*m_store, e->row);
            const QString then = verdict.isEmpty() ? QString() : QStringLiteral("\n") + verdict;
            if (!message) return QStringLiteral("%1 event").arg(kindName(r.kind)) + then;
            int calls = 0;
            for (std::uint64_t i = e->first(); i <= e->row; ++i) {
                const LogRecord& x = m_store->record(i);
                if (x.kind == EventKind::Collect && x.channel == r.channel) ++calls;
            }
            const QString collected = tr("%n collect_incoming_data call(s), ", nullptr, calls) +
                                      tr("%1 bytes").arg(messageSize(*m_store, *e));
            switch (e->type) {
            case RowType::Message: return collected + tr(", then found_terminator") + then;
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
        const Tone tone = message ? Tone::In : toneOf(r);
        // A proxied pair: client → server in the "in" colour, server → client in the "out" one.
        if ((tone == Tone::In || tone == Tone::Out) && m_proxyLegs.contains(r.channel))
            return t.of(proxyToServer(m_proxyLegs.value(r.channel), message ? Direction::In : direction(r.kind)) ? Tone::In
                                                                                                                 : Tone::Out);
        return t.of(tone);
    }
    case Qt::BackgroundRole: {
        const Tones& t = tones();
        if (e->type == RowType::InProgress) return t.progressBg;
        if (e->type == RowType::Unterminated) return t.warningBg;
        // A group of several messages (a RESP array and its elements, an
        // HTTP message and its body) is one band; neighbouring groups alternate.
        if (r.kind == EventKind::FoundTerminator && r.parent != 0 && inMultiGroup(*m_store, e->row))
            return (r.parent & 1) ? t.groupBg : t.groupBg2;
        if (message) return QVariant();
        const Tone tone = toneOf(r);
        if (tone == Tone::Error) return t.errorBg;
        if (r.kind == EventKind::Warning || (r.kind == EventKind::TlsClose && tone == Tone::Warning)) return t.warningBg;
        // A peer nobody vouched for (verification off, or it failed): tinted, like a warning.
        if (r.kind == EventKind::TlsHandshake)
            if (const engine::TlsHandshakeInfo* tls = m_store->tls(e->row); tls && tlsUnverifiedPeer(*tls))
                return t.warningBg;
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
    if (m_index->generation() != m_store->generation()) return -1;
    const std::size_t viewRow = m_index->viewRowOf(*m_store, row);
    return viewRow <= static_cast<std::size_t>(INT_MAX) ? static_cast<int>(viewRow) : -1;
}

int EventLogModel::findNext(const QString& text, int fromRow, bool backwards, bool caseSensitive) const {
    if (text.isEmpty()) return -1;
    EventFilter f;
    f.text = text;
    f.caseSensitive = caseSensitive;
    const std::shared_ptr<const EventMatcher> m = compile(f);
    const int n = rowCount();
    const auto matches = [&](int row) {
        ViewEntry scratch;
        const ViewEntry* e = entry(row, scratch);
        return e && m->textMatchesRow(*m_store, *e);
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
