// DivergenceView.h — one replay divergence, side by side: the recorded reply
// and the one received, escaped, with the bytes that differ highlighted.
//
// What it does: shows an engine::Divergence: a line saying what happened
// (its kind, the reply number, the byte offset of the first difference, the
// requests sent by then) and two panes, "expected (recorded)" and
// "received", each the reply's bytes escaped (\r \n \t \0 \\ \xNN, a line
// break after each \n). From the first differing byte on, every position
// where the two differ (or where one has bytes the other has not) is on a
// red tint and the first one is also underlined; what the ignore rules left
// out of the comparison is greyed. Scrolling one pane scrolls the other.
// Long replies are shown around the difference (64 KiB either side).
// What it owns: its widgets and a copy of the divergence.
// Threads: GUI thread.
#pragma once

#include "engine/replay/Replayer.h"

#include <QWidget>

class QLabel;
class QTextEdit;

namespace ui {

class DivergenceView : public QWidget {
    Q_OBJECT
public:
    explicit DivergenceView(QWidget* parent = nullptr);

    void setDivergence(const engine::Divergence& d);
    void clear();

    QLabel* headline() const { return m_headline; }
    QTextEdit* expectedPane() const { return m_expected; }
    QTextEdit* receivedPane() const { return m_received; }
    /// Positions (byte offsets) highlighted as differing, in the received reply.
    const std::vector<std::size_t>& differing() const { return m_differing; }

    /// The HTML of `bytes` escaped, with the bytes at `highlight` (sorted)
    /// marked, the one at `first` underlined, `ignored` ranges greyed.
    static QString renderHtml(const std::string& bytes, const std::vector<std::size_t>& highlight, std::size_t first,
                              const std::vector<std::pair<std::size_t, std::size_t>>& ignored);

private:
    QLabel* m_headline = nullptr;
    QTextEdit* m_expected = nullptr;
    QTextEdit* m_received = nullptr;
    std::vector<std::size_t> m_differing;
};

}  // namespace ui
