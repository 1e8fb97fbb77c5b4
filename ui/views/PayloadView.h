// PayloadView.h — the bytes of the selected conversation row, in full: as
// escaped text, as a hex dump, and the row's details.
//
// What it does: shows one row of the event log (an event or a whole
// message): a header line (seq, time, channel, method, size), the escaped
// bytes with the terminator marked, a `hexdump -C` style dump, and the
// event's text details (addresses, error messages), and the Fields tab
// (FieldView: the message's group parsed as RESP, HTTP or SMTP). Very large
// payloads are shown up to a cap, with the rest counted.
// What it owns: its child widgets.
// Threads: GUI thread.
#pragma once

#include <QModelIndex>
#include <QPersistentModelIndex>
#include <QWidget>

class QLabel;
class QPlainTextEdit;
class QTabWidget;

namespace ui {

class FieldView;
class PayloadHighlighter;

class PayloadView : public QWidget {
    Q_OBJECT
public:
    /// Bytes shown before cutting (escaped text / hex dump).
    static constexpr qsizetype kMaxShown = 256 * 1024;

    explicit PayloadView(QWidget* parent = nullptr);

    /// Shows the row of `index` (any column of an EventLogModel); invalid: nothing.
    void showRow(const QModelIndex& index);
    void clear();

    QString headerText() const;
    QString escapedText() const;
    QString hexText() const;
    /// The Fields tab.
    FieldView* fieldView() const { return m_fields; }
    /// Makes the Fields tab the current one.
    void showFieldsTab();

    /// Wide enough for one 16-byte row of the hex dump (its Hex tab), so the
    /// Bytes panel starts at that width; a hint only, not a minimum: the
    /// panel can still be narrowed (the dump then scrolls sideways).
    QSize sizeHint() const override;
    /// The width the hex dump's 16-byte row needs, frame and scroll bar included.
    int hexRowWidth() const;

private:
    QLabel* m_header = nullptr;
    QTabWidget* m_tabs = nullptr;
    QPlainTextEdit* m_escaped = nullptr;
    QPlainTextEdit* m_hex = nullptr;
    QPlainTextEdit* m_details = nullptr;
    FieldView* m_fields = nullptr;
    QPersistentModelIndex m_row;  // the row shown: the Fields tab parses it when it is opened
    PayloadHighlighter* m_highlighter = nullptr;
    bool m_autoDetails = false;  // Details was chosen for a row without bytes, not by the user
};

}  // namespace ui
