// WalkThrough.h — the guided tours of the built-in examples: a few steps
// each, written for a student meeting asynchat for the first time, and the
// small widget that shows one step at a time with Back / Next.
//
// What it does: tour(name) returns the steps of an example's tour; each step
// has a text (what to do and what to watch) and, optionally, the hook it is
// about ("found_terminator"), which the example pane highlights in the
// source. The widget shows "Step i of n", the text, and Back / Next.
// What it owns: its labels and buttons.
// Threads: GUI thread.
#pragma once
#include <QString>
#include <QWidget>

#include <vector>

class QLabel;
class QPushButton;

namespace ui {

struct TourStep {
    QString text;
    QString hook;  ///< a hook name to point at in the source, or empty
};

/// The tour of example `name` ("echo", "echo-length", "http"); empty if none.
std::vector<TourStep> tour(const QString& name);

class WalkThrough : public QWidget {
    Q_OBJECT

public:
    explicit WalkThrough(QWidget* parent = nullptr);

    void setTour(const QString& exampleName);
    int stepIndex() const noexcept { return m_index; }
    int stepCount() const noexcept { return static_cast<int>(m_steps.size()); }
    QString currentText() const;

public slots:
    void next();
    void back();

signals:
    /// The step shown changed; `hook` is the hook it points at (may be empty).
    void pointAt(const QString& hook);

private:
    void show(int index);

    std::vector<TourStep> m_steps;
    int m_index = 0;
    QLabel* m_counter;
    QLabel* m_text;
    QPushButton* m_back;
    QPushButton* m_next;
};

}  // namespace ui
