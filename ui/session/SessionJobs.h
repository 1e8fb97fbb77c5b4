// SessionJobs.h — the slow work on session files, off the UI thread:
// loading a file, saving the log, exporting, gathering the log's events for
// a replay.
//
// What it does: BackgroundJobs runs a function on a thread of its own and
// hands its result to a callback on the GUI thread (a queued call; dropped
// if the BackgroundJobs is gone by then). Every job gets a cancel flag and a
// progress function (permille, posted to the GUI thread, at most every
// 50 ms). The free functions are what the jobs run: they read the
// EventLogStore from the worker under its ReadGuard, a slice of rows at a
// time, so the GUI thread can keep appending meanwhile; a clearLog() while
// they read makes them fail ("the log was cleared").
// What it owns: BackgroundJobs owns its threads; its destructor (and
// shutdown()) cancels them and waits for them, so a job may use objects that
// outlive the BackgroundJobs (the store of the same window) by reference.
// Threads: BackgroundJobs: GUI thread. The free functions: any thread.
#pragma once

#include "engine/reactor/Event.h"
#include "engine/capture/Conversation.h"
#include "engine/capture/EventJson.h"
#include "engine/capture/OutputFile.h"
#include "ui/model/EngineBridge.h"

#include <QObject>
#include <QPointer>
#include <QString>
#include <QThread>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace engine {
class SessionRecorder;
}

namespace ui {

class EventLogStore;

class BackgroundJobs : public QObject {
    Q_OBJECT
public:
    using Progress = std::function<void(int permille)>;

    explicit BackgroundJobs(QObject* parent = nullptr);
    ~BackgroundJobs() override;

    using CancelFlag = std::shared_ptr<std::atomic<bool>>;

    /// Runs work(cancelFlag, progress) on a new thread; done(result) on the
    /// GUI thread afterwards; onProgress(permille) now and then meanwhile.
    /// Returns the job's cancel flag (set it to stop the job).
    template <class R>
    CancelFlag run(std::function<R(const std::atomic<bool>&, const Progress&)> work, std::function<void(R&)> done,
             std::function<void(int)> onProgress = {}) {
        auto result = std::make_shared<std::optional<R>>();
        CancelFlag cancel = std::make_shared<std::atomic<bool>>(false);
        Progress progress = makeProgress(std::move(onProgress));
        QThread* t = QThread::create([work = std::move(work), result, cancel, progress] {
            *result = work(*cancel, progress);
        });
        connect(t, &QThread::finished, this, [result, done = std::move(done)] {
            if (*result && done) done(**result);
        });
        start(t, cancel);
        return cancel;
    }
    /// Jobs still running.
    int running() const;
    /// Asks every job to stop (their cancel flag).
    void cancelAll();
    /// Cancels and waits for every job (the window is going).
    void shutdown();

private:
    Progress makeProgress(std::function<void(int)> onProgress);
    void start(QThread* t, CancelFlag cancel);

    struct Job {
        QPointer<QThread> thread;
        CancelFlag cancel;
    };
    std::vector<Job> m_jobs;
};

/// The events of store rows [0, rows) — the full events, as they were
/// appended. nullopt with `error` when cancelled or the log was cleared
/// (its generation is no longer `generation`). Any thread.
std::optional<std::vector<engine::Event>> collectEvents(const EventLogStore& store, std::uint64_t generation,
                                                        std::size_t rows, const std::atomic<bool>& cancel,
                                                        const std::function<void(int)>& progress, std::string* error);

/// Writes a session file of `header` and store rows [0, rows), streaming
/// (constant memory), into `path` via a temporary file renamed at the end.
/// False with `error` ("cannot write '/x': Permission denied"). Any thread.
bool saveStore(const QString& path, const engine::SessionHeader& header, const EventLogStore& store,
               std::uint64_t generation, std::size_t rows, const std::atomic<bool>& cancel,
               const std::function<void(int)>& progress, std::string* error);

/// Save As of a session that has been recorded whole (its log was cleared
/// since): flushes `recorder`, then copies its file `source` to `path` up to
/// the last complete line (a prefix of whole lines is a valid session).
/// Any thread (the recorder's methods are thread-safe).
bool copyRecording(const std::shared_ptr<engine::SessionRecorder>& recorder, const QString& source,
                   const QString& path, const std::atomic<bool>& cancel, const std::function<void(int)>& progress,
                   std::uint64_t* eventsCopied, std::string* error);

/// What can be exported.
enum class ExportKind { Pcapng, Transcript, RawClient, RawServer };

struct ExportResult {
    bool ok = false;
    QString message;  ///< What was written, or why not.
    QStringList notes;
};

/// Exports `events` (a session of `header`) to `path`. `channel`: only that
/// connection (0: all for pcapng and the transcript, the first that carried
/// bytes for raw bytes). A pcapng export whose connections ran TLS also
/// writes, with writeKeyLogBeside(), the session's lines of `keyLogs`. Any thread.
ExportResult exportEvents(ExportKind kind, const QString& path, const engine::SessionHeader& header,
                          const std::vector<engine::Event>& events, engine::ChannelId channel,
                          const std::vector<TlsKeyLog>& keyLogs = {});

/// "NAME.keys" beside "NAME.pcapng" (any other name: NAME + ".keys").
QString keyLogPathBeside(const QString& pcapng);
/// For a pcapng export at `pcapng` of `conversations` (only channel `only`,
/// if given): when one ran TLS, writes the lines of `keyLogs` written since
/// this session began (TlsKeyLog::from; only well-formed NSS key log lines,
/// whole ones) to keyLogPathBeside() — a new file 0600, never through a
/// link — and returns the sentences the export's message gains: that the
/// capture holds the TLS connections as plaintext, and where the key log
/// went, or why there is none and how to get one. "" when no connection
/// ran TLS. Any thread.
QString writeKeyLogBeside(const QString& pcapng, const std::vector<engine::Conversation>& conversations,
                          std::optional<engine::ChannelId> only, const std::vector<TlsKeyLog>& keyLogs,
                          const engine::OutputFileOptions& file);

/// Why `path` cannot be opened as a session (it is missing, unreadable, or
/// does not start with a session header), or "" when it looks fine. Reads
/// only the header: for the command line, before the window.
QString sessionFileProblem(const QString& path);

}  // namespace ui
