// ReplayDialog.h — replays a recorded conversation against a live server,
// with a live progress view and the result side by side.
//
// What it does: lists the session's conversations that carried bytes (the
// first selected), and takes the target (host:port, the recorded server's
// address by default), the pacing (lockstep, fast, or original with a speed
// factor), the timeout and the ignore rules (one RE2 regular
// expression per line; "N:REGEX" for reply N only). Start builds the script
// (engine::ReplayScript) and runs an engine::Replayer; while it runs the
// dialog shows requests sent and replies matched out of their totals, a
// progress bar, the elapsed time and a log of the first few thousand steps.
// At the end: PASSED, or FAILED with the divergence(s) in a DivergenceView
// (expected vs received, escaped, differing bytes highlighted, reply number
// and byte offset), and the result's summary line. Cancel stops a replay.
// The Replayer calls its observer on its own thread: the observer only
// bumps atomic counters and posts a queued call for the rare events
// (connect, divergence, the end, the first log lines), so the engine thread
// never waits for the UI and a fast replay cannot flood the event queue; a
// 100 ms timer shows the counters.
// TLS (the TlsOptionsBox of the Connect dialog, client side): from the first
// byte, or STARTTLS — whichever dialogue is chosen, the recorded one is
// replayed and the handshake runs at the recording's `starttls` event — with
// verification, CA file, client certificate, SNI, ALPN, versions and key log
// as for a connection (engine::ReplayOptions::tls, as `linewright-cli replay
// --tls` / `--starttls`). The log shows the handshake; a failed one is the
// result ("Could not replay: … TLS handshake failed: …"). The conversation's
// line says when it was recorded over TLS or upgraded with STARTTLS.
// UDP: the session's UDP channels (engine::UdpScript, as `linewright-cli
// replay` reads them) are offered too. One of them is replayed with
// engine::runUdpReplay() on a BackgroundJobs worker (it runs on its calling
// thread with a Loop of its own; Cancel sets its cancel flag): its datagrams
// are sent to the target and each reply is waited for the timeout at most
// (a missing one is a divergence, shown like any other). Target, pacing,
// timeout, ignore rules and "report every divergence" apply; the TLS box is
// disabled, with the reason in its tooltip and the channel's line.
// What it owns: the conversations and UDP scripts (copies), the Replayer
// while one runs, the UDP replay's worker (m_jobs).
// Threads: GUI thread. The destructor cancels a running replay and joins it.
#pragma once

#include "engine/capture/Conversation.h"
#include "engine/replay/Replayer.h"
#include "engine/replay/UdpReplay.h"

#include <QDialog>
#include <QElapsedTimer>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QStackedWidget;
class QTimer;

namespace ui {

class BackgroundJobs;
class DivergenceView;
class TlsOptionsBox;

class ReplayDialog : public QDialog {
    Q_OBJECT
public:
    ReplayDialog(std::vector<engine::Conversation> conversations, QString sessionName, QWidget* parent = nullptr);
    /// With the session's UDP channels as well (after the conversations in the list).
    ReplayDialog(std::vector<engine::Conversation> conversations, std::vector<engine::UdpScript> udp,
                 QString sessionName, QWidget* parent = nullptr);
    ~ReplayDialog() override;

    /// Parses the ignore rules (one per line; "N:REGEX" for reply N).
    static std::vector<engine::IgnoreRule> parseIgnoreRules(const QString& text);

    QComboBox* conversationBox() const { return m_conversation; }
    QLineEdit* hostEdit() const { return m_host; }
    QSpinBox* portBox() const { return m_port; }
    QComboBox* pacingBox() const { return m_pacing; }
    QDoubleSpinBox* speedBox() const { return m_speed; }
    QPlainTextEdit* ignoreEdit() const { return m_ignore; }
    QSpinBox* timeoutBox() const { return m_timeout; }
    QCheckBox* keepGoingBox() const { return m_keepGoing; }
    /// Whether the chosen channel is a UDP one.
    bool udpChosen() const;
    TlsOptionsBox* tlsBox() const { return m_tls; }
    QLabel* scriptInfoLabel() const { return m_scriptInfo; }
    QPushButton* startButton() const { return m_start; }
    QPushButton* cancelButton() const { return m_cancel; }
    QProgressBar* progressBar() const { return m_progress; }
    QLabel* resultLabel() const { return m_result; }
    QLabel* countersLabel() const { return m_counters; }
    DivergenceView* divergenceView() const { return m_divergence; }

    void setTarget(const QString& host, quint16 port);
    /// Picks the conversation of `channel`, if it is one of them.
    void selectChannel(engine::ChannelId channel);
    /// Starts the replay with what the form says. False (and the reason
    /// shown) when the form is wrong or the conversation cannot be replayed.
    bool start();
    void cancel();
    bool isRunning() const { return m_running; }
    /// The last replay's result, once it has finished.
    const std::optional<engine::ReplayResult>& result() const { return m_lastResult; }

signals:
    /// A replay ended (passed, diverged, failed or cancelled).
    void finished(engine::ReplayResult::Status status);

protected:
    void closeEvent(QCloseEvent* event) override;
    void reject() override;

private:
    void onConversationChanged();
    void onEvent(const engine::ReplayEvent& e);
    void onFinished();
    void showResult(const engine::ReplayResult& r);
    /// The form's options (TCP and UDP alike; TLS not included).
    engine::ReplayOptions formOptions() const;
    /// `o`, or nothing once the error line says what is wrong with it (no
    /// host, or what Replayer::checkOptions() refuses).
    std::optional<engine::ReplayOptions> checked(engine::ReplayOptions o);
    /// Clears the last result and shows that `what` is being replayed.
    void beginRun(const QString& what, std::uint16_t port);
    bool startUdp(const engine::UdpScript& script);
    /// The observer of a replay that beginRun() began (it runs on the replay's thread).
    engine::Replayer::Observer makeObserver();
    void updateCounters();
    void showError(const QString& text);
    void setRunning(bool on);

    struct Choice {
        bool udp = false;
        std::size_t index = 0;  // into m_conversations, or m_udp
    };
    const Choice* chosen() const;
    std::vector<Choice> m_choices;  // one per combo entry
    std::vector<engine::Conversation> m_conversations;
    std::vector<engine::UdpScript> m_udp;
    QString m_sessionName;

    QComboBox* m_conversation = nullptr;
    QLabel* m_scriptInfo = nullptr;
    QLineEdit* m_host = nullptr;
    QSpinBox* m_port = nullptr;
    QComboBox* m_pacing = nullptr;
    QDoubleSpinBox* m_speed = nullptr;
    QSpinBox* m_timeout = nullptr;
    QCheckBox* m_keepGoing = nullptr;
    QPlainTextEdit* m_ignore = nullptr;
    TlsOptionsBox* m_tls = nullptr;
    QPushButton* m_start = nullptr;
    QPushButton* m_cancel = nullptr;
    QPushButton* m_close = nullptr;
    QLabel* m_counters = nullptr;
    QLabel* m_elapsed = nullptr;
    QProgressBar* m_progress = nullptr;
    QListWidget* m_log = nullptr;
    QLabel* m_result = nullptr;
    QComboBox* m_divergenceChoice = nullptr;
    DivergenceView* m_divergence = nullptr;
    QTimer* m_tick = nullptr;
    QElapsedTimer m_clock;

    struct Shared {
        std::atomic<std::size_t> sent{0};
        std::atomic<std::size_t> matched{0};
        std::atomic<std::size_t> logged{0};
    };
    std::shared_ptr<Shared> m_shared;
    std::unique_ptr<engine::Replayer> m_replayer;  // destroyed (joined) first in the destructor
    BackgroundJobs* m_jobs = nullptr;               // the UDP replay's worker; shut down in the destructor
    std::shared_ptr<std::atomic<bool>> m_udpCancel;
    std::size_t m_requestsTotal = 0;
    std::size_t m_repliesTotal = 0;
    bool m_running = false;
    std::optional<engine::ReplayResult> m_lastResult;
};

}  // namespace ui
