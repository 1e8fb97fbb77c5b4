// RecordingRetention.cpp — the retention policy's settings, and the folder work it does.
#include "ui/session/RecordingRetention.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QObject>
#include <QSettings>

#include <algorithm>

namespace ui {
namespace {

const QString kTotal = QStringLiteral("recording/maxTotalMiB");
const QString kAge = QStringLiteral("recording/maxAgeDays");
const QString kWarn = QStringLiteral("recording/warnAtMiB");
const QString kStop = QStringLiteral("recording/stopAtMiB");

std::int64_t mib(const QSettings& s, const QString& key, std::int64_t fallback) {
    bool ok = false;
    const qlonglong v = s.value(key, qlonglong{fallback / RetentionPolicy::kMiB}).toLongLong(&ok);
    if (!ok || v < 0 || v > (qlonglong{1} << 30)) return fallback;  // a hand edit: the default
    return std::int64_t{v} * RetentionPolicy::kMiB;
}

QString canonical(const QString& path) {
    const QString c = QFileInfo(path).canonicalFilePath();
    return c.isEmpty() ? QFileInfo(path).absoluteFilePath() : c;
}

}  // namespace

RetentionPolicy RetentionPolicy::fromSettings() {
    const QSettings s;
    RetentionPolicy p;
    p.maxTotalBytes = mib(s, kTotal, p.maxTotalBytes);
    p.warnBytes = mib(s, kWarn, p.warnBytes);
    p.stopBytes = mib(s, kStop, p.stopBytes);
    bool ok = false;
    const int days = s.value(kAge, p.maxAgeDays).toInt(&ok);
    if (ok && days >= 0 && days <= 100000) p.maxAgeDays = days;
    return p;
}

void RetentionPolicy::save() const {
    QSettings s;
    s.setValue(kTotal, qlonglong{maxTotalBytes / kMiB});
    s.setValue(kAge, maxAgeDays);
    s.setValue(kWarn, qlonglong{warnBytes / kMiB});
    s.setValue(kStop, qlonglong{stopBytes / kMiB});
}

std::vector<RecordingFile> listRecordings(const QString& dir) {
    std::vector<RecordingFile> out;
    if (dir.isEmpty()) return out;
    const QFileInfoList entries =
        QDir(dir).entryInfoList({QStringLiteral("*.lwsession"), QStringLiteral("*.jsonl")}, QDir::Files | QDir::Hidden);
    for (const QFileInfo& f : entries) {
        if (f.isSymLink() || !f.isFile()) continue;  // a link's target may be anywhere: never ours to remove
        out.push_back({f.absoluteFilePath(), f.size(), f.lastModified().toUTC()});
    }
    std::sort(out.begin(), out.end(), [](const RecordingFile& a, const RecordingFile& b) {
        return a.modified != b.modified ? a.modified > b.modified : a.path < b.path;
    });
    return out;
}

std::vector<RecordingFile> planRemoval(const std::vector<RecordingFile>& files, const RetentionPolicy& policy,
                                       const QDateTime& now, const QSet<QString>& keep) {
    QSet<QString> kept;
    for (const QString& k : keep)
        if (!k.isEmpty()) kept.insert(canonical(k));
    // Oldest first.
    std::vector<RecordingFile> byAge = files;
    std::sort(byAge.begin(), byAge.end(), [](const RecordingFile& a, const RecordingFile& b) {
        return a.modified != b.modified ? a.modified < b.modified : a.path < b.path;
    });
    const auto removable = [&](const RecordingFile& f) {
        return !kept.contains(canonical(f.path)) && f.modified.secsTo(now) >= kRecentlyWrittenSecs;
    };
    std::int64_t total = 0;
    for (const RecordingFile& f : byAge) total += f.size;
    std::vector<RecordingFile> out;
    std::vector<bool> taken(byAge.size(), false);
    if (policy.maxAgeDays > 0) {
        const QDateTime cutoff = now.addDays(-policy.maxAgeDays);
        for (std::size_t i = 0; i < byAge.size(); ++i) {
            if (byAge[i].modified < cutoff && removable(byAge[i])) {
                taken[i] = true;
                total -= byAge[i].size;
            }
        }
    }
    if (policy.maxTotalBytes > 0) {
        for (std::size_t i = 0; i < byAge.size() && total > policy.maxTotalBytes; ++i) {
            if (taken[i] || !removable(byAge[i])) continue;
            taken[i] = true;
            total -= byAge[i].size;
        }
    }
    for (std::size_t i = 0; i < byAge.size(); ++i)
        if (taken[i]) out.push_back(byAge[i]);
    return out;
}

RetentionResult enforceRetention(const QString& dir, const RetentionPolicy& policy, const QDateTime& now,
                                 const QSet<QString>& keep) {
    RetentionResult result;
    for (const RecordingFile& f : planRemoval(listRecordings(dir), policy, now, keep)) {
        QFile file(f.path);
        if (file.remove()) {
            ++result.removed;
            result.bytesFreed += f.size;
        } else {
            result.errors << QObject::tr("cannot remove %1: %2").arg(QFileInfo(f.path).fileName(), file.errorString());
        }
    }
    return result;
}

}  // namespace ui
