// FieldView.h — the Bytes panel's Fields tab: the message group of the
// selected row, parsed into a light field tree (RESP types, HTTP start line +
// header table + body, SMTP reply code + lines).
//
// What it does: showRow() finds the selected row's message group in the
// event log store (groupAt(): the channel's messages whose found_terminator
// carries the same group id, Event::parent, joined with their terminators as
// they came on the wire; a message without a group id alone), parses it with
// engine/program/FieldParse (the protocol from the channel's preset when the
// lookup names one, else guessed from the bytes) and shows a two-column tree
// (field, value; values escaped and cut at FieldParse's kMaxValue). A note
// above says which group, how many messages and bytes, and where the parse
// stopped if it did; *Select group* asks the window to select the group's
// messages in the conversation (selectGroupRequested()).
// What it owns: its child widgets.
// Threads: GUI thread.
#pragma once

#include "engine/reactor/Event.h"

#include <QString>
#include <QWidget>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

class QLabel;
class QPushButton;
class QTreeWidget;

namespace ui {

class EventLogModel;
class EventLogStore;

/// A message group as the store holds it.
struct StoredGroup {
    engine::ChannelId channel = 0;
    std::uint64_t group = 0;         ///< 0: the message has no group id (no program): it alone
    std::size_t firstRow = 0;        ///< store rows of its first and last found_terminator
    std::size_t lastRow = 0;
    std::size_t messages = 0;
    std::string bytes;               ///< the messages and their terminators, at most kMaxGroupBytes
    bool cut = false;                ///< longer than kMaxGroupBytes
};

class FieldView : public QWidget {
    Q_OBJECT
public:
    static constexpr std::size_t kMaxGroupBytes = 1u << 20;
    /// How far (store rows) groupAt() looks from the selected row.
    static constexpr std::size_t kMaxScanRows = 200000;

    explicit FieldView(QWidget* parent = nullptr);

    /// The group of the message ending at or after store row `row` (a
    /// collect: the message it belongs to), or false when there is none.
    static bool groupAt(const EventLogStore& store, std::size_t row, StoredGroup& out);

    /// The preset a channel runs ("redis", "http", "smtp" …; "" unknown): picks the parser.
    void setPresetLookup(std::function<QString(engine::ChannelId)> lookup) { m_preset = std::move(lookup); }

    void showRow(const EventLogModel* model, int viewRow);
    void clear();

    QString noteText() const;
    /// The tree as indented "field = value" lines (tests, copy).
    QString treeText() const;
    QTreeWidget* tree() const { return m_tree; }
    /// The group shown (group 0 / messages 0: none).
    const StoredGroup& shown() const { return m_group; }
    /// The store rows of the shown group's messages (their found_terminator events).
    std::vector<std::size_t> groupRows(const EventLogStore& store) const;
    QPushButton* selectGroupButton() const { return m_select; }

signals:
    /// "Select group" was pressed: the window selects the group's messages in the conversation.
    void selectGroupRequested();

private:
    QLabel* m_note = nullptr;
    QTreeWidget* m_tree = nullptr;
    QPushButton* m_select = nullptr;
    StoredGroup m_group;
    std::function<QString(engine::ChannelId)> m_preset;
};

}  // namespace ui
