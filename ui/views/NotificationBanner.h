// NotificationBanner.h — a slim, non-modal bar above the conversation for
// errors the user should notice (connection refused, port in use, …).
//
// What it does: shows the latest message with its severity colour, counts
// how many came since it was last dismissed, offers "Show" (jump to the
// error row) and a close button, and hides itself after a while. It never
// takes the focus and never blocks anything.
// What it owns: its child widgets and its timer.
// Threads: GUI thread.
#pragma once

#include <QFrame>

#include <cstdint>

class QLabel;
class QTimer;
class QToolButton;

namespace ui {

class NotificationBanner : public QFrame {
    Q_OBJECT
public:
    enum class Severity { Info, Warning, Error };
    /// How long a message stays (ms).
    static constexpr int kShowMs = 12000;

    explicit NotificationBanner(QWidget* parent = nullptr);

    /// Shows `text`; `seq` is the event to jump to with "Show" (0: none).
    void showMessage(const QString& text, Severity severity = Severity::Error, std::uint64_t seq = 0);
    void dismiss();

    QString text() const;
    int count() const { return m_count; }

signals:
    /// "Show" was clicked for the event `seq`.
    void showRequested(std::uint64_t seq);

protected:
    void changeEvent(QEvent* event) override;

private:
    void applyColors();

    QLabel* m_icon = nullptr;
    QLabel* m_text = nullptr;
    QToolButton* m_show = nullptr;
    QToolButton* m_close = nullptr;
    QTimer* m_timer = nullptr;
    Severity m_severity = Severity::Info;
    std::uint64_t m_seq = 0;
    int m_count = 0;
};

}  // namespace ui
