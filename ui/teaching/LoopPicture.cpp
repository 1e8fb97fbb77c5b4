// LoopPicture.cpp — lay out one pass as boxes and ★ rows, and paint it.
#include "ui/teaching/LoopPicture.h"

#include "engine/asyncore/Escape.h"

#include <QEvent>
#include <QFontMetrics>
#include <QPainter>
#include <QPainterPath>

#include <algorithm>
#include <map>

namespace ui {

namespace {

constexpr int kPad = 6;      // inside a box, around the text
constexpr int kGap = 18;     // between columns: room for the arrow
constexpr int kRowGap = 6;   // between boxes

QString latin1(std::string_view s) { return QString::fromLatin1(s.data(), static_cast<qsizetype>(s.size())); }

/// A terminator as Python writes it: b"\r\n", 231, None.
QString pyTerminator(const engine::Terminator& t) {
    if (t.isCount()) return QString::number(t.countValue());
    if (t.isBytes()) return QStringLiteral("b\"%1\"").arg(QString::fromStdString(engine::renderEscaped(t.bytesValue())));
    return QStringLiteral("None");
}

QString bitsText(unsigned bits) {
    QStringList out;
    for (std::string_view n : engine::readyBitNames(bits)) out << latin1(n);
    return out.join(QLatin1Char(','));
}

const engine::LoopTrace::After* afterOf(const engine::LoopTrace* t, engine::ChannelId id) {
    if (!t) return nullptr;
    for (const auto& a : t->after)
        if (a.channel == id) return &a;
    return nullptr;
}

QStringList afterCell(const engine::LoopTrace::After& a) {
    if (!a.open) return {LoopPicture::tr("closed")};
    QStringList out;
    out << LoopPicture::tr("terminator %1").arg(pyTerminator(a.terminator));
    if (a.inBuffered != 0) {
        QString held = QString::fromStdString(engine::renderEscaped(a.held));
        if (a.inBuffered > a.held.size()) held += QStringLiteral("…");
        out << LoopPicture::tr("in buffer: %n B \"%1\"", nullptr, static_cast<int>(a.inBuffered)).arg(held);
    }
    if (a.queuedBytes != 0 || a.fifoEntries != 0)
        out << LoopPicture::tr("fifo: %n B", nullptr, static_cast<int>(a.queuedBytes)) +
                   LoopPicture::tr(" in %n entry(s)", nullptr, static_cast<int>(a.fifoEntries));
    else
        out << LoopPicture::tr("fifo empty");
    return out;
}

}  // namespace

LoopPicture::LoopPicture(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("loopPicture"));
    setAutoFillBackground(true);
    setBackgroundRole(QPalette::Base);
    m_namer = [](engine::ChannelId id) { return QStringLiteral("#%1").arg(id); };
    rebuild();
}

void LoopPicture::setNamer(Namer namer) {
    m_namer = std::move(namer);
    rebuild();
}

void LoopPicture::setTrace(std::shared_ptr<const engine::LoopTrace> trace) {
    if (trace == m_trace) return;
    m_previous = std::move(m_trace);
    m_trace = std::move(trace);
    rebuild();
}

void LoopPicture::rebuild() {
    m_boxes.clear();
    m_stars.clear();
    const engine::LoopTrace* t = m_trace.get();
    if (!t) {
        m_title = tr("No pass yet: step the loop (F7) or let it run with the inspector open.");
        relayout();
        return;
    }
    const QString backend = latin1(engine::backendName(t->backend));
    m_title = tr("Pass %1 — waited %2 µs in %3()").arg(t->pass).arg(t->waitedUs).arg(backend);

    // Every channel the pass saw, in the order the loop asked them.
    std::vector<engine::ChannelId> order;
    const auto see = [&](engine::ChannelId id) {
        if (std::find(order.begin(), order.end(), id) == order.end()) order.push_back(id);
    };
    for (const auto& p : t->polled) see(p.channel);
    for (const auto& d : t->dispatched) see(d.channel);
    for (const auto& a : t->after) see(a.channel);

    for (engine::ChannelId id : order) {
        Box b;
        b.channel = id;
        b.cells[ColChannel] << m_namer(id);
        const auto p = std::find_if(t->polled.begin(), t->polled.end(), [id](const auto& x) { return x.channel == id; });
        if (p != t->polled.end()) {
            b.cells[ColAsked] << QStringLiteral("readable() %1").arg(p->readable ? QStringLiteral("True") : QStringLiteral("False"))
                              << QStringLiteral("writable() %1").arg(p->writable ? QStringLiteral("True") : QStringLiteral("False"));
            if (p->layerWantsRead) b.cells[ColAsked] << tr("TLS wants read");
            if (p->layerWantsWrite) b.cells[ColAsked] << tr("TLS wants write");
        } else {
            b.cells[ColAsked] << tr("(new in this pass)");
        }
        const auto r = std::find_if(t->ready.begin(), t->ready.end(), [id](const auto& x) { return x.channel == id; });
        if (r != t->ready.end()) {
            b.cells[ColReady] << tr("ready: %1").arg(bitsText(r->bits));
            b.ready = true;
        } else {
            b.cells[ColReady] << (p != t->polled.end() && (p->readable || p->writable) ? tr("not ready") : tr("not watched"));
        }
        for (const auto& d : t->dispatched)
            if (d.channel == id) b.cells[ColHooks] << latin1(engine::hookName(d.hook));
        if (b.cells[ColHooks].isEmpty()) b.cells[ColHooks] << tr("no hook");
        if (const auto* a = afterOf(t, id)) {
            b.cells[ColAfter] = afterCell(*a);
            b.closed = !a->open;
            const auto* before = afterOf(m_previous.get(), id);
            b.changed[ColAfter] = m_previous && (!before || afterCell(*before) != b.cells[ColAfter]);
        }
        m_boxes.push_back(std::move(b));
    }

    m_stars = keyMomentsOf(*t, m_namer);
    relayout();
}

QStringList LoopPicture::keyMomentsOf(const engine::LoopTrace& t, const Namer& namer) {
    // In the order the hooks ran.
    QStringList stars;
    std::map<std::size_t, QStringList> changesAt;  // hook index -> its terminator changes
    for (const auto& c : t.terminatorChanges)
        changesAt[static_cast<std::size_t>(c.hookIndex)]
            << tr("★ %1: set_terminator(%2) inside %3 — it was %4")
                   .arg(namer(c.channel), pyTerminator(c.to), latin1(engine::hookName(c.hook)), pyTerminator(c.from));
    for (std::size_t i = 0; i < t.dispatched.size(); ++i) {
        const auto& d = t.dispatched[i];
        if (d.hook == engine::Hook::FoundTerminator)
            stars << tr("★ %1: found_terminator — the terminator was found, the message is complete").arg(namer(d.channel));
        if (auto it = changesAt.find(i); it != changesAt.end()) stars << it->second;
    }
    for (const auto& a : t.after)
        if (!a.open) stars << tr("★ %1: closed during this pass").arg(namer(a.channel));
    return stars;
}

int LoopPicture::rowHeight(const Box& b) const {
    int lines = 1;
    for (const auto& c : b.cells) lines = std::max(lines, static_cast<int>(c.size()));
    return lines * fontMetrics().height() + 2 * kPad;
}

void LoopPicture::relayout() {
    const QFontMetrics fm(font());
    QFont boldFont = font();
    boldFont.setBold(true);
    const QFontMetrics bfm(boldFont);  // the title, the channel names and the ★ rows
    static const char* const headers[ColCount] = {"Channel", "Asked before the wait", "The backend reported",
                                                 "Hooks called, in order", "After the pass"};
    for (int c = 0; c < ColCount; ++c) {
        int w = fm.horizontalAdvance(tr(headers[c]));
        for (const Box& b : m_boxes)
            for (const QString& s : b.cells[c])
                w = std::max(w, (c == ColChannel || b.changed[c] ? bfm : fm).horizontalAdvance(s));
        m_colWidth[c] = w + 2 * kPad;
    }
    int totalW = kPad;
    for (int c = 0; c < ColCount; ++c) totalW += m_colWidth[c] + (c + 1 < ColCount ? kGap : 0);
    totalW += kPad;
    totalW = std::max(totalW, bfm.horizontalAdvance(m_title) + 2 * kPad);
    int totalH = kPad + 2 * fm.height() + kRowGap;  // the title and the headers
    for (const Box& b : m_boxes) totalH += rowHeight(b) + kRowGap;
    for (const QString& s : m_stars) {
        totalW = std::max(totalW, bfm.horizontalAdvance(s) + 4 * kPad);
        totalH += fm.height() + 4;
    }
    m_size = QSize(totalW, totalH + kPad);
    setMinimumSize(m_size);
    updateGeometry();
    update();
}

QSize LoopPicture::sizeHint() const { return m_size; }
QSize LoopPicture::minimumSizeHint() const { return m_size; }

void LoopPicture::changeEvent(QEvent* event) {
    QWidget::changeEvent(event);
    if (event->type() == QEvent::FontChange || event->type() == QEvent::PaletteChange) relayout();
}

QStringList LoopPicture::lines() const {
    QStringList out{m_title};
    for (const Box& b : m_boxes) {
        QStringList parts;
        for (int c = 0; c < ColCount; ++c) parts << b.cells[c].join(QStringLiteral(", "));
        out << parts.join(QStringLiteral(" → "));
    }
    out << m_stars;
    return out;
}

void LoopPicture::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const QPalette pal = palette();
    const QFontMetrics fm(font());
    const int lh = fm.height();
    QFont bold = font();
    bold.setBold(true);

    int y = kPad;
    p.setFont(bold);
    p.setPen(pal.color(QPalette::Text));
    p.drawText(QRect(kPad, y, width() - 2 * kPad, lh), Qt::AlignLeft | Qt::AlignVCenter, m_title);
    y += lh;

    int x[ColCount];
    x[0] = kPad;
    for (int c = 1; c < ColCount; ++c) x[c] = x[c - 1] + m_colWidth[c - 1] + kGap;
    static const char* const headers[ColCount] = {"Channel", "Asked before the wait", "The backend reported",
                                                 "Hooks called, in order", "After the pass"};
    p.setFont(font());
    p.setPen(pal.color(QPalette::PlaceholderText));
    for (int c = 0; c < ColCount; ++c)
        p.drawText(QRect(x[c] + kPad, y, m_colWidth[c], lh), Qt::AlignLeft | Qt::AlignVCenter, tr(headers[c]));
    y += lh + kRowGap;

    const QColor border = pal.color(QPalette::Mid);
    QColor readyFill = pal.color(QPalette::Highlight);
    readyFill.setAlpha(60);
    for (const Box& b : m_boxes) {
        const int h = rowHeight(b);
        for (int c = 0; c < ColCount; ++c) {
            const QRect cell(x[c], y, m_colWidth[c], h);
            QPainterPath path;
            path.addRoundedRect(cell, 5, 5);
            QColor fill = pal.color(QPalette::AlternateBase);
            if (c == ColReady && b.ready) fill = readyFill;
            if (c == ColAfter && b.closed) fill = pal.color(QPalette::Window);
            p.fillPath(path, fill);
            p.setPen(QPen(border, 1));
            p.drawPath(path);
            p.setFont(b.changed[c] || c == ColChannel ? bold : font());
            p.setPen(pal.color(QPalette::Text));
            int ty = y + kPad;
            for (const QString& s : b.cells[c]) {
                p.drawText(QRect(x[c] + kPad, ty, m_colWidth[c] - 2 * kPad, lh), Qt::AlignLeft | Qt::AlignVCenter, s);
                ty += lh;
            }
            if (c + 1 < ColCount) {  // the arrow to the next column
                const int ay = y + h / 2;
                const int ax0 = x[c] + m_colWidth[c] + 3;
                const int ax1 = x[c + 1] - 3;
                p.setPen(QPen(pal.color(QPalette::Text), 1.2));
                p.drawLine(ax0, ay, ax1, ay);
                p.drawLine(ax1, ay, ax1 - 5, ay - 4);
                p.drawLine(ax1, ay, ax1 - 5, ay + 4);
            }
        }
        y += h + kRowGap;
    }

    QColor starFill = pal.color(QPalette::Link);
    starFill.setAlpha(40);
    p.setFont(bold);
    for (const QString& s : m_stars) {
        const QRect band(kPad, y, width() - 2 * kPad, lh + 2);
        p.fillRect(band, starFill);
        p.setPen(pal.color(QPalette::Text));
        p.drawText(band.adjusted(kPad, 0, -kPad, 0), Qt::AlignLeft | Qt::AlignVCenter, s);
        y += lh + 4;
    }
}

}  // namespace ui
