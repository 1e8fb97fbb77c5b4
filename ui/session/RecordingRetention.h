// RecordingRetention.h — how much recorded sessions the sessions folder keeps,
// and the work that keeps it so.
//
// What it does: RetentionPolicy is what Edit ▸ Preferences sets (total size
// of the sessions folder, age of a recording, the size at which a recording
// warns and the size at which it stops; 0 switches a limit off), read from
// and written to the settings. listRecordings() lists a folder's session
// files (regular *.lwsession / *.jsonl files; links are left out), newest
// first; planRemoval() picks, from such a list, the files the policy removes:
// first those older than the age limit, then the oldest until the rest fit
// the total — never one in `keep` (the recordings of open windows) and never
// one changed in the last kRecentlyWrittenSecs (a recording another
// Linewright is writing); enforceRetention() lists, plans and deletes.
// These do disk work: the window runs them on a BackgroundJobs worker,
// never on the GUI thread nor the loop's.
// What it owns: nothing.
// Threads: RetentionPolicy::fromSettings()/save(): GUI thread (QSettings).
// The free functions: any thread (they touch only the folder they are given).
#pragma once

#include <QDateTime>
#include <QSet>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <vector>

namespace ui {

struct RetentionPolicy {
    static constexpr std::int64_t kMiB = std::int64_t{1} << 20;
    /// The sessions folder's recordings together (0: no limit).
    std::int64_t maxTotalBytes = 2048 * kMiB;
    /// A recording older than this many days is removed (0: no limit).
    int maxAgeDays = 30;
    /// A recording warns (once) when it passes this size (0: never).
    std::int64_t warnBytes = 256 * kMiB;
    /// A recording stops (recording turned off, the file kept) at this size (0: never).
    std::int64_t stopBytes = 1024 * kMiB;

    /// The policy Preferences saved; the defaults above for what is not set.
    static RetentionPolicy fromSettings();
    void save() const;
    bool operator==(const RetentionPolicy&) const = default;
};

/// A file changed this recently is left alone (another window or process may be writing it).
inline constexpr qint64 kRecentlyWrittenSecs = 600;

struct RecordingFile {
    QString path;
    std::int64_t size = 0;
    QDateTime modified;
};

/// The session files directly in `dir`, newest first ("" / a missing folder: none).
std::vector<RecordingFile> listRecordings(const QString& dir);

/// The files of `files` the policy removes at `now` (oldest first).
std::vector<RecordingFile> planRemoval(const std::vector<RecordingFile>& files, const RetentionPolicy& policy,
                                       const QDateTime& now, const QSet<QString>& keep = {});

struct RetentionResult {
    int removed = 0;
    std::int64_t bytesFreed = 0;
    QStringList errors;  ///< "cannot remove NAME: why", one a file.
};

/// Lists `dir`, plans and deletes. Any thread; the caller's job is to keep it off the GUI and loop threads.
RetentionResult enforceRetention(const QString& dir, const RetentionPolicy& policy, const QDateTime& now,
                                 const QSet<QString>& keep = {});

}  // namespace ui
