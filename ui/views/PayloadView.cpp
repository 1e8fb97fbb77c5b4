// PayloadView.cpp — escaped text, hex dump and details of one row.
#include "ui/views/PayloadView.h"

#include "engine/reactor/Event.h"
#include "ui/model/EventLogModel.h"
#include "ui/model/Formatters.h"
#include "ui/views/ByteSyntax.h"
#include "ui/views/FieldView.h"
#include "ui/views/ViewColors.h"

#include <QFontDatabase>
#include <QFontMetrics>
#include <QLabel>
#include <QPlainTextEdit>
#include <QStyle>
#include <QSyntaxHighlighter>
#include <QTextBlock>
#include <QTabWidget>
#include <QTextCharFormat>
#include <QVBoxLayout>

#include <algorithm>

namespace ui {
namespace {

QPlainTextEdit* makeText(QWidget* parent, bool wrap) {
    auto* t = new QPlainTextEdit(parent);
    t->setReadOnly(true);
    t->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    t->setLineWrapMode(wrap ? QPlainTextEdit::WidgetWidth : QPlainTextEdit::NoWrap);
    t->setWordWrapMode(QTextOption::WrapAnywhere);
    t->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    return t;
}

std::string_view view(const QByteArray& b) {
    return {b.constData(), static_cast<std::size_t>(b.size())};
}

}  // namespace

// Colours the escaped text as the conversation does: escapes in their own
// colour, the terminator (the last `terminatorChars` characters of the first
// block) on its tint; later blocks (the "not shown" note) muted.
class PayloadHighlighter final : public QSyntaxHighlighter {
public:
    using QSyntaxHighlighter::QSyntaxHighlighter;
    ViewColors colors = ViewColors::current();
    int terminatorChars = 0;

protected:
    void highlightBlock(const QString& text) override {
        if (currentBlock().blockNumber() > 0) {
            QTextCharFormat muted;
            muted.setForeground(colors.muted);
            setFormat(0, static_cast<int>(text.size()), muted);
            return;
        }
        QTextCharFormat esc;
        esc.setForeground(colors.escape);
        const int end = static_cast<int>(text.size()) - terminatorChars;
        for (const TextSpan& span : escapeSpans(text.left(end))) setFormat(span.start, span.length, esc);
        if (terminatorChars > 0 && end >= 0) {
            QTextCharFormat term;
            term.setForeground(colors.terminator);
            term.setBackground(colors.terminatorBg);
            setFormat(end, terminatorChars, term);
        }
    }
};

PayloadView::PayloadView(QWidget* parent) : QWidget(parent) {
    m_header = new QLabel(this);
    m_header->setTextFormat(Qt::PlainText);
    m_header->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_header->setWordWrap(true);
    m_header->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Minimum);
    m_escaped = makeText(this, true);
    m_highlighter = new PayloadHighlighter(m_escaped->document());
    m_hex = makeText(this, false);
    m_details = makeText(this, true);
    m_tabs = new QTabWidget(this);
    m_tabs->setDocumentMode(true);
    m_tabs->addTab(m_escaped, tr("Escaped"));
    m_tabs->addTab(m_hex, tr("Hex"));
    m_tabs->addTab(m_details, tr("Details"));
    m_fields = new FieldView(this);
    m_tabs->addTab(m_fields, tr("Fields"));
    // The group is found and parsed only while the Fields tab is open.
    connect(m_tabs, &QTabWidget::currentChanged, this, [this] {
        if (m_tabs->currentWidget() == m_fields && m_row.isValid())
            m_fields->showRow(qobject_cast<const EventLogModel*>(m_row.model()), m_row.row());
    });
    auto* col = new QVBoxLayout(this);
    col->setContentsMargins(4, 2, 4, 2);
    col->setSpacing(2);
    col->addWidget(m_header);
    col->addWidget(m_tabs, 1);
    clear();
}

int PayloadView::hexRowWidth() const {
    const QString row = hexDump(std::string_view("0123456789abcdef", 16)).section(QLatin1Char('\n'), 0, 0);
    const int text = QFontMetrics(m_hex->font()).horizontalAdvance(row);
    const int chrome = 2 * m_hex->frameWidth() + 2 * int(m_hex->document()->documentMargin()) +
                       style()->pixelMetric(QStyle::PM_ScrollBarExtent, nullptr, m_hex);
    const QMargins m = layout()->contentsMargins();
    return text + chrome + m.left() + m.right() + 4;
}

QSize PayloadView::sizeHint() const {
    const QSize base = QWidget::sizeHint();
    return QSize(std::max(base.width(), hexRowWidth()), base.height());
}

void PayloadView::clear() {
    m_header->setText(tr("Select a row to see its bytes."));
    m_escaped->clear();
    m_hex->clear();
    m_details->clear();
    m_fields->clear();
    m_row = QPersistentModelIndex();
}

void PayloadView::showFieldsTab() {
    m_tabs->setCurrentWidget(m_fields);
}

void PayloadView::showRow(const QModelIndex& index) {
    if (!index.isValid()) {
        clear();
        return;
    }
    const auto* model = qobject_cast<const EventLogModel*>(index.model());
    if (!model) {
        clear();
        return;
    }
    const int row = index.row();
    auto cell = [&](int column, int role = Qt::DisplayRole) { return model->index(row, column).data(role); };
    const auto type = model->rowType(row);
    QByteArray bytes = model->rowBytes(row);
    const QByteArray term = model->rowTerminator(row);
    // A found_terminator event's bytes are its terminator: show them once, as the terminator.
    if (type == EventLogModel::RowType::Event &&
        static_cast<engine::EventKind>(cell(0, EventLogModel::KindRole).toInt()) == engine::EventKind::FoundTerminator)
        bytes.clear();

    QString header = tr("seq %1  ·  %2  ·  %3  ·  %4")
                         .arg(cell(0, EventLogModel::SeqRole).toULongLong())
                         .arg(cell(EventLogModel::ColTime).toString(), cell(EventLogModel::ColChannel).toString(),
                              cell(EventLogModel::ColMethod).toString());
    if (type != EventLogModel::RowType::Event || !bytes.isEmpty() || !term.isEmpty())
        header += bytes.size() == 1 ? tr("  ·  1 byte") : tr("  ·  %1 bytes").arg(bytes.size());
    if (!term.isEmpty()) header += tr(" + terminator %1").arg(ui::escapedText(view(term)));
    if (type == EventLogModel::RowType::InProgress) header += tr("  ·  still collecting");
    if (type == EventLogModel::RowType::Unterminated) header += tr("  ·  never terminated");
    m_header->setText(header);
    m_header->setToolTip(header);

    // Escaped: the bytes, then the terminator in its colour (PayloadHighlighter).
    const QByteArray shown = bytes.left(kMaxShown);
    QString text = ui::escapedText(view(shown));
    int termChars = 0;
    if (!term.isEmpty() && shown.size() == bytes.size()) {
        const QString t = ui::escapedText(view(term));
        termChars = static_cast<int>(t.size());
        text += t;
    }
    if (shown.size() < bytes.size()) text += tr("\n… %1 more bytes not shown").arg(bytes.size() - shown.size());
    m_highlighter->colors = ViewColors::forPalette(palette());
    m_highlighter->terminatorChars = termChars;
    m_escaped->setPlainText(text);

    QByteArray all = bytes;
    if (shown.size() == bytes.size()) all += term;
    m_hex->setPlainText(hexDump(view(all), static_cast<std::size_t>(kMaxShown)));

    // Details: what happened, then the raw fields.
    QStringList details;
    const QString summary = cell(EventLogModel::ColData, Qt::ToolTipRole).toString();
    if (!summary.isEmpty()) details << summary << QString();
    const auto kind = static_cast<engine::EventKind>(cell(0, EventLogModel::KindRole).toInt());
    details << tr("method:     %1").arg(cell(EventLogModel::ColMethod).toString());
    details << tr("event kind: %1").arg(kindName(kind));
    details << tr("channel:    %1").arg(cell(EventLogModel::ColChannel).toString());
    const QString dir = cell(EventLogModel::ColDirection).toString();
    if (!dir.isEmpty()) details << tr("direction:  %1").arg(dir);
    details << tr("seq:        %1").arg(cell(0, EventLogModel::SeqRole).toULongLong());
    details << tr("time:       %1  (%2 s since the start)")
                   .arg(cell(EventLogModel::ColTime).toString())
                   .arg(static_cast<double>(cell(0, EventLogModel::TimeUsRole).toLongLong()) / 1e6, 0, 'f', 6);
    const QString delta = cell(EventLogModel::ColDelta).toString();
    if (!delta.isEmpty()) details << tr("since the row above: %1 s").arg(delta);
    m_details->setPlainText(details.join(QLatin1Char('\n')));
    m_row = index;
    if (m_tabs->currentWidget() == m_fields) m_fields->showRow(model, row);
    else m_fields->clear();
    // An event without bytes (listen, close, error…) is all details.
    const bool hasBytes = !bytes.isEmpty() || !term.isEmpty();
    if (!hasBytes && m_tabs->currentWidget() != m_details && m_tabs->currentWidget() != m_fields) {
        m_tabs->setCurrentWidget(m_details);
        m_autoDetails = true;
    } else if (hasBytes && m_autoDetails) {
        m_tabs->setCurrentWidget(m_escaped);
        m_autoDetails = false;
    }
}

QString PayloadView::headerText() const {
    return m_header->text();
}

QString PayloadView::escapedText() const {
    return m_escaped->toPlainText();
}

QString PayloadView::hexText() const {
    return m_hex->toPlainText();
}

}  // namespace ui
