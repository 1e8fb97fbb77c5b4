// MockDialog.h — serves a session's recorded server side as a mock server
// (engine::Mocker) until the user stops it.
//
// What it does: offers the conversations that carried bytes — all of them
// in turn (client k gets conversation k mod n, as `linewright-cli mock`
// does) or one — and the address to listen on (127.0.0.1, port 0 for any
// free port). Start builds the scripts (engine::ReplayScript) and starts an
// engine::Mocker; the dialog then says where it listens and shows, live,
// the clients, requests, mismatches and bytes, and a log of the first few
// thousand steps (a client connected, a request and its answer, a request
// that differs from the recording). Stop closes every connection.
// TLS (the TlsOptionsBox of the Listen dialog, server side): from the first
// byte, with a certificate and key or a generated certificate whose
// fingerprint the status shows, or STARTTLS after a message matches — the
// upgrade at each conversation's recorded `starttls` event, the pattern
// checked against the client's request there (engine::MockOptions::tls, as
// `linewright-cli mock --tls` / `--starttls-after`). With STARTTLS,
// conversations recorded without an upgrade are left out (one chosen alone
// is refused).
// The Mocker's observer runs on the mock thread: it only posts queued calls
// (the log, capped) and the figures come from Mocker::stats() on a 200 ms
// timer, so the mock never waits for the UI.
// What it owns: the conversations (copies), the Mocker while it serves.
// Threads: GUI thread. The destructor stops the mock and joins its thread.
#pragma once

#include "engine/capture/Conversation.h"
#include "engine/replay/Mocker.h"

#include <QDialog>

#include <atomic>
#include <memory>
#include <vector>

class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QSpinBox;
class QTimer;

namespace ui {

class TlsOptionsBox;

class MockDialog : public QDialog {
    Q_OBJECT
public:
    MockDialog(std::vector<engine::Conversation> conversations, QString sessionName, QWidget* parent = nullptr);
    ~MockDialog() override;

    QComboBox* conversationBox() const { return m_conversation; }
    QLineEdit* hostEdit() const { return m_host; }
    QSpinBox* portBox() const { return m_port; }
    QLabel* statusLabel() const { return m_status; }
    QListWidget* log() const { return m_log; }
    TlsOptionsBox* tlsBox() const { return m_tls; }

    /// Starts serving. False (and the reason shown) if it cannot.
    bool start();
    void stop();
    bool isServing() const { return m_mocker != nullptr; }
    /// The port it listens on while serving (0 otherwise).
    quint16 port() const;
    engine::MockStats stats() const;

signals:
    void serving(quint16 port);
    void stopped();

protected:
    void reject() override;

private:
    void onEvent(const engine::MockEvent& e);
    void updateFigures();
    void setServing(bool on);

    std::vector<engine::Conversation> m_conversations;
    std::vector<std::size_t> m_choices;  // conversations with traffic; combo entry i+1 is m_choices[i]
    QComboBox* m_conversation = nullptr;
    QLineEdit* m_host = nullptr;
    QSpinBox* m_port = nullptr;
    QPushButton* m_start = nullptr;
    QPushButton* m_stop = nullptr;
    QLabel* m_status = nullptr;
    QLabel* m_figures = nullptr;
    TlsOptionsBox* m_tls = nullptr;
    QListWidget* m_log = nullptr;
    QTimer* m_tick = nullptr;
    std::shared_ptr<std::atomic<std::size_t>> m_logged;
    std::unique_ptr<engine::Mocker> m_mocker;  // stopped and joined first in the destructor
};

}  // namespace ui
