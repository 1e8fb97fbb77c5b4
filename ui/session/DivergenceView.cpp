// DivergenceView.cpp — expected and received, side by side.
#include "ui/session/DivergenceView.h"

#include "engine/asyncore/Escape.h"
#include "ui/session/SessionDialogParts.h"
#include "ui/views/ViewColors.h"

#include <QGridLayout>
#include <QLabel>
#include <QPalette>
#include <QScrollBar>
#include <QTextEdit>

#include <algorithm>

namespace ui {
namespace {

constexpr std::size_t kContext = 64 * 1024;

QString kindText(engine::Divergence::Kind k) {
    switch (k) {
    case engine::Divergence::Kind::Different: return QObject::tr("differs");
    case engine::Divergence::Kind::Missing: return QObject::tr("missing");
    case engine::Divergence::Kind::Unexpected: return QObject::tr("unexpected");
    case engine::Divergence::Kind::ClosedEarly: return QObject::tr("server closed early");
    case engine::Divergence::Kind::NotClosed: return QObject::tr("server did not close");
    }
    return {};
}

QTextEdit* makePane(QWidget* parent, const QString& name) {
    auto* t = new QTextEdit(parent);
    t->setReadOnly(true);
    t->setObjectName(name);
    t->setLineWrapMode(QTextEdit::WidgetWidth);
    t->setWordWrapMode(QTextOption::WrapAnywhere);
    t->setFont(monospaceFont());
    return t;
}

}  // namespace

DivergenceView::DivergenceView(QWidget* parent) : QWidget(parent) {
    m_headline = new QLabel(this);
    m_headline->setWordWrap(true);
    m_headline->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_expected = makePane(this, QStringLiteral("expected"));
    m_received = makePane(this, QStringLiteral("received"));
    auto* grid = new QGridLayout(this);
    grid->setContentsMargins(0, 0, 0, 0);
    grid->addWidget(m_headline, 0, 0, 1, 2);
    grid->addWidget(new QLabel(tr("<b>Expected</b> (recorded)"), this), 1, 0);
    grid->addWidget(new QLabel(tr("<b>Received</b>"), this), 1, 1);
    grid->addWidget(m_expected, 2, 0);
    grid->addWidget(m_received, 2, 1);
    grid->setRowStretch(2, 1);
    // Scroll together.
    connect(m_expected->verticalScrollBar(), &QScrollBar::valueChanged, m_received->verticalScrollBar(),
            &QScrollBar::setValue);
    connect(m_received->verticalScrollBar(), &QScrollBar::valueChanged, m_expected->verticalScrollBar(),
            &QScrollBar::setValue);
}

void DivergenceView::clear() {
    m_headline->clear();
    m_expected->clear();
    m_received->clear();
    m_differing.clear();
}

QString DivergenceView::renderHtml(const std::string& bytes, const std::vector<std::size_t>& highlight,
                                   std::size_t first, const std::vector<std::pair<std::size_t, std::size_t>>& ignored) {
    const std::size_t centre = std::min(first, bytes.size());
    const std::size_t from = centre > kContext ? centre - kContext : 0;
    const std::size_t to = std::min(bytes.size(), centre + kContext);
    const QPalette pal;
    const ViewColors colors = ViewColors::forPalette(pal);  // readable in light and dark palettes
    const QString bad =
        QStringLiteral("background-color:%1;color:%2").arg(colors.errorBg.name(), pal.color(QPalette::Text).name());
    const QString grey = QStringLiteral("color:%1").arg(colors.muted.name());
    const QString esc = QStringLiteral("color:%1").arg(colors.escape.name());
    QString html = QStringLiteral("<pre style=\"white-space:pre-wrap;margin:0\">");
    if (from > 0) html += QObject::tr("<i>(%1 bytes before)</i>\n").arg(from);
    auto hi = std::lower_bound(highlight.begin(), highlight.end(), from);
    for (std::size_t i = from; i < to; ++i) {
        const std::string token = engine::renderEscaped(std::string_view(bytes).substr(i, 1));
        QString text = QString::fromLatin1(token.data(), static_cast<qsizetype>(token.size())).toHtmlEscaped();
        QStringList styles;
        bool isIgnored = false;
        for (const auto& [b, e] : ignored)
            if (i >= b && i < e) isIgnored = true;
        if (isIgnored) styles << grey;
        else if (token.size() > 1) styles << esc;
        while (hi != highlight.end() && *hi < i) ++hi;
        if (hi != highlight.end() && *hi == i) styles << bad;
        if (i == first) styles << QStringLiteral("text-decoration:underline;font-weight:bold");
        if (!styles.isEmpty()) text = QStringLiteral("<span style=\"%1\">%2</span>").arg(styles.join(u';'), text);
        html += text;
        if (bytes[i] == '\n') html += QLatin1Char('\n');
    }
    // Past the end of this side but inside the difference: say so.
    if (first != std::size_t(-1) && first >= bytes.size() && !highlight.empty())
        html += QStringLiteral("<span style=\"%1\">%2</span>").arg(bad, QObject::tr("(ends here)").toHtmlEscaped());
    if (to < bytes.size()) html += QObject::tr("\n<i>(%1 bytes after)</i>").arg(bytes.size() - to);
    html += QStringLiteral("</pre>");
    return html;
}

void DivergenceView::setDivergence(const engine::Divergence& d) {
    const std::string& e = d.expected;
    const std::string& r = d.received;
    m_differing.clear();
    const bool compares = d.kind == engine::Divergence::Kind::Different || d.kind == engine::Divergence::Kind::Missing;
    if (compares) {
        const std::size_t n = std::max(e.size(), r.size());
        for (std::size_t i = d.offset; i < n && m_differing.size() < 1'000'000; ++i) {
            const bool same = i < e.size() && i < r.size() && e[i] == r[i];
            if (!same) m_differing.push_back(i);
        }
    }
    QString headline = QStringLiteral("<b>%1</b>").arg(QString::fromStdString(d.summary).toHtmlEscaped());
    QStringList facts;
    facts << tr("kind: %1").arg(kindText(d.kind));
    if (d.reply) facts << tr("reply %1").arg(d.reply);
    if (compares) facts << tr("first difference at byte offset %1").arg(d.offset);
    facts << tr("%1 request(s) sent by then").arg(d.requestsSent);
    facts << tr("%1 bytes expected, %2 received").arg(e.size()).arg(r.size());
    headline += QStringLiteral("<br>") + facts.join(QStringLiteral(" · ")).toHtmlEscaped();
    m_headline->setText(headline);
    const std::size_t first = compares ? d.offset : std::size_t(-1);
    m_expected->setHtml(renderHtml(e, m_differing, first, d.ignoredExpected));
    m_received->setHtml(renderHtml(r, m_differing, first, d.ignoredReceived));
}

}  // namespace ui
