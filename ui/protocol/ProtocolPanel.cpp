// ProtocolPanel.cpp — the inspector's rule table.
#include "ui/protocol/ProtocolPanel.h"

#include "engine/program/Program.h"
#include "ui/model/Formatters.h"
#include "ui/protocol/ProtocolTracker.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

namespace ui {
namespace {

QString matchText(const engine::program::Rule& r) {
    using M = engine::program::Rule::Match;
    switch (r.match) {
    case M::Any: return QStringLiteral("any");
    case M::Equals: return QStringLiteral("equals");
    case M::Prefix: return QStringLiteral("prefix");
    case M::Suffix: return QStringLiteral("suffix");
    case M::Contains: return QStringLiteral("contains");
    case M::Regex: return QStringLiteral("regex");
    }
    return {};
}

}  // namespace

ProtocolPanel::ProtocolPanel(QWidget* parent) : QGroupBox(tr("Protocol"), parent) {
    m_summary = new QLabel(this);
    m_summary->setWordWrap(true);
    m_summary->setTextFormat(Qt::PlainText);
    m_change = new QPushButton(tr("C&hange…"), this);
    m_change->setToolTip(tr("Choose another preset or edit the rules of this channel (Channel ▸ Protocol preset…)"));
    m_table = new QTableWidget(0, ColumnCount, this);
    m_table->setHorizontalHeaderLabels({tr("Rule"), tr("Hits"), tr("Last fields"), tr("Match"), tr("Line"), tr("Program")});
    m_table->verticalHeader()->hide();
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setWordWrap(false);
    // The rule, its hits and its fields sized to what they hold; the matcher (a regex may be long) is cut to a
    // width the user can drag; the rest scrolls.
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setSectionResizeMode(MatchCol, QHeaderView::Interactive);
    m_table->horizontalHeader()->resizeSection(MatchCol, m_table->fontMetrics().horizontalAdvance(QLatin1Char('x')) * 18);
    m_table->setMinimumHeight(m_table->horizontalHeader()->sizeHint().height() + 4 * m_table->verticalHeader()->defaultSectionSize());

    auto* top = new QHBoxLayout;
    top->addWidget(m_summary, 1);
    top->addWidget(m_change, 0, Qt::AlignTop);
    auto* col = new QVBoxLayout(this);
    col->addLayout(top);
    col->addWidget(m_table);
    connect(m_change, &QPushButton::clicked, this, &ProtocolPanel::changeRequested);
    showChannel(nullptr, false);
}

void ProtocolPanel::showChannel(const ChannelProtocol* p, bool canChange) {
    m_change->setEnabled(canChange);
    if (!p) {
        m_summary->setText(tr("No preset or rules: the terminator alone frames the input."));
        m_table->setRowCount(0);
        m_table->hide();
        return;
    }
    m_table->show();
    if (p->listener)
        m_summary->setText(tr("%1 — for every connection it accepts from now on.").arg(p->choice.label()));
    else
        m_summary->setText(tr("%1 — %n message(s) framed", nullptr, static_cast<int>(p->messages)).arg(p->choice.label()) +
                           (p->unmatched ? tr(", %1 matched by no rule.").arg(p->unmatched) : QStringLiteral(".")));
    int rows = 0;
    for (const auto& prog : p->choice.programs) rows += static_cast<int>(prog->rules().size());
    m_table->setRowCount(rows);
    int row = 0;
    for (std::size_t l = 0; l < p->choice.programs.size(); ++l) {
        const auto& prog = *p->choice.programs[l];
        const QString progName = QString::fromStdString(prog.name().empty() ? prog.file() : prog.name());
        const auto& rules = prog.rules();
        for (std::size_t i = 0; i < rules.size(); ++i, ++row) {
            const engine::program::Rule& r = rules[i];
            const RuleStats& s = p->rules[l][i];
            const auto set = [&](int col, const QString& text, const QString& tip = {}) {
                QTableWidgetItem* item = m_table->item(row, col);
                if (!item) {
                    item = new QTableWidgetItem;
                    m_table->setItem(row, col, item);
                }
                if (item->text() != text) item->setText(text);
                item->setToolTip(tip);
                if (col == LineCol || col == HitsCol) item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            };
            set(ProgramCol, progName, QString::fromStdString(prog.file()));
            set(RuleCol, QString::fromStdString(r.name), QString::fromStdString(prog.where(r)));
            set(LineCol, QString::number(r.line));
            QString match = matchText(r);
            if (r.match == engine::program::Rule::Match::Regex && r.pattern)
                match += QLatin1Char(' ') + QString::fromStdString(r.pattern->source());
            else if (r.match != engine::program::Rule::Match::Any)
                match += QStringLiteral(" \"") + escapedPreview(r.literal, 60) + QLatin1Char('"');
            set(MatchCol, match);
            set(HitsCol, QString::number(s.hits));
            QStringList fields;
            for (int c = 1; c < s.captures.size(); ++c) fields << QStringLiteral("$%1=%2").arg(c).arg(s.captures.at(c));
            set(CapturesCol, fields.join(QStringLiteral("  ")),
                s.captures.isEmpty() ? QString() : tr("$0 (the message): %1").arg(s.captures.front()));
        }
    }
}

}  // namespace ui
