// SessionCapture.h — records a window's live session to a session file
// (docs/session-format.md) while the user works.
//
// What it does: takes the EngineBridge's batches through its batch sink
// (moved, not copied: the GUI thread only hands them over) and passes them
// to an engine::SessionRecorder, whose own thread encodes and writes them a
// batch at a time. The file is created at the first batch, under
// defaultDirectory() (QStandardPaths AppDataLocation + "sessions/", or
// $LINEWRIGHT_SESSIONS_DIR) with a
// timestamped name (linewright-2026-11-24T14-10-03Z.lwsession; -2, -3 …
// appended while that name is taken), or at a path set beforehand. The file
// is created 0600 and never overwrites an existing file nor follows a
// symbolic link (engine/capture/OutputFile.h). setRecording(false) stops appending (the batches are
// dropped, the file stays open); setRecording(true) continues in the same
// file (seq then has a gap, which readers report in a warning note). A file that
// cannot be created, or a write that fails (disk full), turns recording off
// and emits failed(message) once — never an exception, never a wait on the
// disk. The recorder bounds what is queued (64 MiB): past that the bridge's
// drain gate holds the events back in the reactor, which stops reading —
// the engine slows down, no event is lost, and the GUI thread never waits.
// Size limits (setSizeLimits, from the retention policy in Preferences): a
// recording that passes the warning size says so once (sizeWarning); one
// that reaches the stop size turns recording off (stoppedAtLimit) — the file
// is kept and File ▸ Record session continues it, without the limit. The sizes are what the
// recorder has written (it trails what is queued by at most its bound).
// openPaths() names the files the windows of this process record into, so
// that retention never removes one.
// What it owns: the SessionRecorder (its thread, the file).
// Threads: GUI thread only. The recorder's thread never calls back.
#pragma once

#include "engine/reactor/Event.h"
#include "engine/capture/EventJson.h"

#include <QDateTime>
#include <QObject>
#include <QSet>
#include <QString>

#include <cstdint>
#include <memory>
#include <vector>

class QTimer;

namespace engine {
class SessionRecorder;
}

namespace ui {

class EngineBridge;

class SessionCapture : public QObject {
    Q_OBJECT
public:
    /// Installs itself as `bridge`'s batch sink; recording is `recording`.
    SessionCapture(EngineBridge* bridge, bool recording, QObject* parent = nullptr);
    /// Closes the file (what is queued is written first).
    ~SessionCapture() override;

    /// $LINEWRIGHT_SESSIONS_DIR if set, else <AppDataLocation>/sessions
    static QString defaultDirectory();
    /// linewright-2026-11-24T14-10-03Z.lwsession for a session started at `start`.
    static QString defaultFileName(const QDateTime& start);

    /// Where the next file goes (before the first batch; ignored afterwards).
    void setDirectory(const QString& dir) { m_directory = dir; }
    void setPath(const QString& path) { m_requestedPath = path; }
    /// The folder new files go to (setDirectory, else defaultDirectory()).
    QString directoryForNewFiles() const { return m_directory; }

    /// Warn once past `warnBytes`; stop recording at `stopBytes` (0: never).
    void setSizeLimits(std::uint64_t warnBytes, std::uint64_t stopBytes);
    /// The files this process's windows are recording into (open, not finished).
    static QSet<QString> openPaths();

    bool isRecording() const noexcept { return m_recording; }
    /// Turns appending on or off (the file stays the same).
    void setRecording(bool on);
    /// The file being written ("" until the first batch).
    QString path() const { return m_path; }
    bool isOpen() const;
    bool hasFailed() const noexcept { return m_failed; }
    QString errorText() const { return m_error; }
    std::uint64_t bytesWritten() const;
    std::uint64_t eventsWritten() const;
    /// Events handed to the recorder so far.
    std::uint64_t eventsAppended() const noexcept { return m_appended; }
    /// Some batches were left out (recording was off for a while).
    bool hasGaps() const noexcept { return m_gaps; }
    /// Waits until everything appended is on disk. False on a write error.
    bool flush();
    /// Stops taking batches and closes the file (the window is closing).
    void finish();
    /// The file holds every event of the session so far: it was recording
    /// from the first event on, never paused, never failed.
    bool isWhole() const { return isOpen() && !m_gaps && !m_failed && m_recording; }
    /// The recorder (for a job that flushes and copies the file; its
    /// methods may be called from any thread).
    std::shared_ptr<engine::SessionRecorder> recorder() const { return m_recorder; }
    /// The session header the file starts with.
    const engine::SessionHeader& header() const noexcept { return m_header; }

signals:
    /// Recording on/off, the file, or its size changed.
    void stateChanged();
    /// The file could not be created or written: recording is off.
    void failed(const QString& message);
    /// The recording passed the warning size (once per file).
    void sizeWarning(const QString& message);
    /// The recording reached the stop size: recording is off.
    void stoppedAtLimit(const QString& message);

private:
    void take(std::vector<engine::Event>&& batch);
    bool openFile();
    void checkHealth();
    void fail(const QString& message);
    void checkSize();

    EngineBridge* m_bridge = nullptr;
    std::shared_ptr<engine::SessionRecorder> m_recorder;  // shared with a Save As job that copies the file
    engine::SessionHeader m_header;
    QTimer* m_health = nullptr;
    QString m_directory;
    QString m_requestedPath;
    QString m_path;
    QString m_error;
    std::uint64_t m_appended = 0;
    bool m_recording = false;
    bool m_failed = false;
    bool m_gaps = false;
    bool m_finished = false;
    bool m_warned = false;
    bool m_stoppedAtLimit = false;
    std::uint64_t m_warnBytes = 0;
    std::uint64_t m_stopBytes = 0;
};

}  // namespace ui
