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
// UDP: the session's UDP channels (engine::UdpScript) are offered too, one
// at a time. One of them is served by an engine::UdpMock bound to the
// address (each sender's n-th datagram answered with the replies recorded
// after the n-th request), with "Copy bytes": OFFSET:LENGTH ranges of each
// request copied into its replies (DNS: 0:2, the transaction id). The
// status says where it is bound; the figures (peers, requests, replies,
// datagrams beyond the recording) come from UdpMock::stats() on the same
// timer; the TLS box is disabled for it (its tooltip says why).
// What it owns: the conversations and UDP scripts (copies), the Mocker or
// the UdpMock while it serves.
// Threads: GUI thread. The destructor stops the mock and joins its thread.
#pragma once

#include "engine/capture/Conversation.h"
#include "engine/replay/Mocker.h"
#include "engine/replay/UdpReplay.h"

#include <QDialog>

#include <atomic>
#include <cstddef>
#include <memory>
#include <optional>
#include <utility>
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
    /// With the session's UDP channels as well (after the connections in the list).
    MockDialog(std::vector<engine::Conversation> conversations, std::vector<engine::UdpScript> udp, QString sessionName,
               QWidget* parent = nullptr);
    ~MockDialog() override;

    QComboBox* conversationBox() const { return m_conversation; }
    QLineEdit* hostEdit() const { return m_host; }
    QSpinBox* portBox() const { return m_port; }
    QLabel* statusLabel() const { return m_status; }
    QListWidget* log() const { return m_log; }
    TlsOptionsBox* tlsBox() const { return m_tls; }
    QLineEdit* copyBytesEdit() const { return m_copyBytes; }
    QLabel* figuresLabel() const { return m_figures; }
    /// Parses the Copy bytes field: OFFSET:LENGTH ranges separated by commas
    /// or spaces. nullopt with `error` when one is not that.
    static std::optional<std::vector<std::pair<std::size_t, std::size_t>>> parseCopyRanges(const QString& text,
                                                                                            QString* error);

    /// Starts serving. False (and the reason shown) if it cannot.
    bool start();
    void stop();
    bool isServing() const { return m_mocker != nullptr || m_udpMock != nullptr; }
    /// The port it listens on while serving (0 otherwise).
    quint16 port() const;
    engine::MockStats stats() const;
    /// The UDP mock's figures while it serves (zero otherwise).
    engine::UdpMockStats udpStats() const;

signals:
    void serving(quint16 port);
    void stopped();

protected:
    void reject() override;

private:
    void onEvent(const engine::MockEvent& e);
    void onUdpEvent(const engine::UdpMockEvent& e);
    void onChoiceChanged();
    bool startUdp(const engine::UdpScript& script);
    /// The mock did not start: `error` in the status line; false.
    bool notStarted(const std::string& error);
    void addLogLine(const QString& line);
    void updateFigures();
    void setServing(bool on);

    std::vector<engine::Conversation> m_conversations;
    std::vector<std::size_t> m_choices;  // conversations with traffic
    std::vector<engine::UdpScript> m_udp;
    // Combo entry → what it serves: 0 every connection in turn; k > 0 the
    // connection m_choices[k - 1]; k < 0 the UDP channel m_udp[-k - 1].
    static int entryOfUdp(std::size_t i) { return -static_cast<int>(i) - 1; }
    QComboBox* m_conversation = nullptr;
    QLineEdit* m_host = nullptr;
    QSpinBox* m_port = nullptr;
    QLineEdit* m_copyBytes = nullptr;
    QPushButton* m_start = nullptr;
    QPushButton* m_stop = nullptr;
    QLabel* m_status = nullptr;
    QLabel* m_figures = nullptr;
    TlsOptionsBox* m_tls = nullptr;
    QListWidget* m_log = nullptr;
    QTimer* m_tick = nullptr;
    std::shared_ptr<std::atomic<std::size_t>> m_logged;
    std::unique_ptr<engine::Mocker> m_mocker;  // stopped and joined first in the destructor
    std::unique_ptr<engine::UdpMock> m_udpMock;  // likewise
};

}  // namespace ui
