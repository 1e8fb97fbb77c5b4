// ProtocolPanel.h — the Channel inspector's Protocol section: the preset
// and rules a channel runs, and a table of their rules with how often each
// matched and the fields (captures) it saw in the last message it matched.
//
// What it does: showChannel() renders a ProtocolTracker's ChannelProtocol
// (null: "none", with a hint to choose one). One row per rule, programs in
// order: the rule's name, its hits, its last captures ($1=… $2=…; $0, the
// whole message, in the tooltip), its matcher, its line and its program.
// "Change…" asks for the Protocol dialog (Channel ▸ Protocol preset…).
// What it owns: its child widgets.
// Threads: GUI thread only.
#pragma once

#include <QGroupBox>

class QLabel;
class QPushButton;
class QTableWidget;

namespace ui {

struct ChannelProtocol;

class ProtocolPanel : public QGroupBox {
    Q_OBJECT
public:
    /// What a narrow inspector shows first comes first: the rule, its hits, its fields.
    enum Column { RuleCol, HitsCol, CapturesCol, MatchCol, LineCol, ProgramCol, ColumnCount };
    explicit ProtocolPanel(QWidget* parent = nullptr);

    /// `p` null: the channel runs no programs. `canChange`: a live channel (Change… enabled).
    void showChannel(const ChannelProtocol* p, bool canChange);

    QTableWidget* table() const { return m_table; }
    QLabel* summary() const { return m_summary; }
    QPushButton* changeButton() const { return m_change; }

signals:
    void changeRequested();

private:
    QLabel* m_summary = nullptr;
    QTableWidget* m_table = nullptr;
    QPushButton* m_change = nullptr;
};

}  // namespace ui
