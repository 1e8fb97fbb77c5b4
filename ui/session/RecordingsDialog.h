// RecordingsDialog.h — File ▸ Recorded sessions…: the sessions folder's
// recordings, their sizes and dates, and a way to delete old ones.
//
// What it does: lists the folder (listRecordings(), on a BackgroundJobs
// worker) in a table — name, size, last written, and "recording" for the
// files open windows are writing, which cannot be selected for deletion —
// with the total and the retention policy under it. Delete removes the
// selected files (after a question, unless setConfirmDeletes(false)), also
// on a worker, then lists again. Open opens the selected file read-only
// (openRequested), Show folder the folder in the desktop's file manager.
// What it owns: its widgets and its BackgroundJobs (whose destructor waits
// for a listing or a deletion still running).
// Threads: GUI thread.
#pragma once

#include "ui/session/RecordingRetention.h"

#include <QDialog>
#include <QSet>
#include <QString>

#include <vector>

class QLabel;
class QPushButton;
class QTreeWidget;

namespace ui {

class BackgroundJobs;

class RecordingsDialog : public QDialog {
    Q_OBJECT
public:
    /// Lists `dir`; `recording` are the files being written (kept).
    RecordingsDialog(const QString& dir, const QSet<QString>& recording, QWidget* parent = nullptr);
    ~RecordingsDialog() override;

    QString directory() const { return m_dir; }
    QTreeWidget* table() const { return m_table; }
    QLabel* totalLabel() const { return m_total; }
    QPushButton* deleteButton() const { return m_delete; }
    /// What the last listing found, newest first.
    const std::vector<RecordingFile>& files() const { return m_files; }
    /// Lists the folder again (on a worker; listed() follows).
    void refresh();
    /// Deletes the selected rows' files (on a worker; removed() then listed() follow).
    void deleteSelected();
    /// Whether Delete asks first (tests turn it off).
    void setConfirmDeletes(bool on) { m_confirm = on; }

signals:
    void listed();
    void removed(int count, const QStringList& errors);
    /// Open was pressed on `path`.
    void openRequested(const QString& path);

private:
    void showFiles(std::vector<RecordingFile> files);
    void updateButtons();

    QString m_dir;
    QSet<QString> m_recording;
    BackgroundJobs* m_jobs = nullptr;
    QTreeWidget* m_table = nullptr;
    QLabel* m_total = nullptr;
    QPushButton* m_delete = nullptr;
    QPushButton* m_open = nullptr;
    std::vector<RecordingFile> m_files;
    bool m_confirm = true;
};

}  // namespace ui
