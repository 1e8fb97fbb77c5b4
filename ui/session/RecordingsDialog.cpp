// RecordingsDialog.cpp — the recordings, listed and deleted on a worker.
#include "ui/session/RecordingsDialog.h"

#include "ui/model/Formatters.h"
#include "ui/session/SessionJobs.h"

#include <QDesktopServices>
#include <QDialogButtonBox>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QMessageBox>
#include <QPushButton>
#include <QTreeWidget>
#include <QUrl>
#include <QVBoxLayout>

namespace ui {
namespace {

enum Column { Name, Size, Modified, State };

QString canonical(const QString& path) {
    const QString c = QFileInfo(path).canonicalFilePath();
    return c.isEmpty() ? QFileInfo(path).absoluteFilePath() : c;
}

QString limitText(std::int64_t bytes, const QString& off) { return bytes > 0 ? formatBytes(static_cast<std::uint64_t>(bytes)) : off; }

}  // namespace

RecordingsDialog::RecordingsDialog(const QString& dir, const QSet<QString>& recording, QWidget* parent)
    : QDialog(parent), m_dir(dir) {
    for (const QString& r : recording)
        if (!r.isEmpty()) m_recording.insert(canonical(r));
    setWindowTitle(tr("Recorded sessions"));
    setObjectName(QStringLiteral("recordingsDialog"));
    m_jobs = new BackgroundJobs(this);
    auto* v = new QVBoxLayout(this);
    auto* where = new QLabel(tr("In %1").arg(QDir::toNativeSeparators(dir).toHtmlEscaped()));
    where->setTextInteractionFlags(Qt::TextSelectableByMouse);
    where->setWordWrap(true);
    v->addWidget(where);
    m_table = new QTreeWidget;
    m_table->setObjectName(QStringLiteral("recordings"));
    m_table->setRootIsDecorated(false);
    m_table->setUniformRowHeights(true);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->setHeaderLabels({tr("Session"), tr("Size"), tr("Last written"), QString()});
    m_table->header()->setSectionResizeMode(Name, QHeaderView::Stretch);
    m_table->header()->setStretchLastSection(false);
    for (int c : {Size, Modified, State}) m_table->header()->setSectionResizeMode(c, QHeaderView::ResizeToContents);
    v->addWidget(m_table, 1);
    m_total = new QLabel;
    m_total->setWordWrap(true);
    v->addWidget(m_total);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    m_delete = buttons->addButton(tr("&Delete…"), QDialogButtonBox::ActionRole);
    m_delete->setObjectName(QStringLiteral("deleteRecordings"));
    m_open = buttons->addButton(tr("&Open"), QDialogButtonBox::ActionRole);
    QPushButton* folder = buttons->addButton(tr("Show &folder"), QDialogButtonBox::ActionRole);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_delete, &QPushButton::clicked, this, &RecordingsDialog::deleteSelected);
    connect(m_open, &QPushButton::clicked, this, [this] {
        const auto items = m_table->selectedItems();
        if (!items.isEmpty()) emit openRequested(items.first()->data(Name, Qt::UserRole).toString());
    });
    connect(folder, &QPushButton::clicked, this, [this] {
        QDir().mkpath(m_dir);
        QDesktopServices::openUrl(QUrl::fromLocalFile(m_dir));
    });
    connect(m_table, &QTreeWidget::itemSelectionChanged, this, &RecordingsDialog::updateButtons);
    v->addWidget(buttons);
    const QFontMetrics fm(font());
    resize(fm.averageCharWidth() * 90, fm.height() * 24);
    updateButtons();
    refresh();
}

RecordingsDialog::~RecordingsDialog() = default;

void RecordingsDialog::refresh() {
    const QString dir = m_dir;
    m_jobs->run<std::vector<RecordingFile>>(
        [dir](const std::atomic<bool>&, const BackgroundJobs::Progress&) { return listRecordings(dir); },
        [this](std::vector<RecordingFile>& files) { showFiles(std::move(files)); });
}

void RecordingsDialog::showFiles(std::vector<RecordingFile> files) {
    m_files = std::move(files);
    m_table->clear();
    std::int64_t total = 0;
    const QLocale locale;
    for (const RecordingFile& f : m_files) {
        total += f.size;
        auto* item = new QTreeWidgetItem(m_table);
        item->setText(Name, QFileInfo(f.path).fileName());
        item->setData(Name, Qt::UserRole, f.path);
        item->setToolTip(Name, QDir::toNativeSeparators(f.path));
        item->setText(Size, formatBytes(static_cast<std::uint64_t>(f.size)));
        item->setTextAlignment(Size, Qt::AlignRight | Qt::AlignVCenter);
        item->setText(Modified, locale.toString(f.modified.toLocalTime(), QLocale::ShortFormat));
        if (m_recording.contains(canonical(f.path))) {
            item->setText(State, tr("recording"));
            item->setFlags(item->flags() & ~Qt::ItemIsSelectable);
            item->setToolTip(State, tr("A window is recording into this file: it is not deleted"));
        }
    }
    const RetentionPolicy p = RetentionPolicy::fromSettings();
    const int n = static_cast<int>(m_files.size());
    m_total->setText(tr("%1, %2 together. Kept: at most %3, for %4 (Edit ▸ Preferences).")
                         .arg(n == 1 ? tr("1 recording") : tr("%1 recordings").arg(n),
                              formatBytes(static_cast<std::uint64_t>(total)), limitText(p.maxTotalBytes, tr("no size limit")),
                              p.maxAgeDays > 0 ? (p.maxAgeDays == 1 ? tr("1 day") : tr("%1 days").arg(p.maxAgeDays))
                                               : tr("any time")));
    updateButtons();
    emit listed();
}

void RecordingsDialog::updateButtons() {
    const bool any = !m_table->selectedItems().isEmpty();
    m_delete->setEnabled(any);
    m_open->setEnabled(any);
}

void RecordingsDialog::deleteSelected() {
    QStringList paths;
    std::int64_t bytes = 0;
    for (QTreeWidgetItem* item : m_table->selectedItems()) {
        const QString path = item->data(Name, Qt::UserRole).toString();
        if (m_recording.contains(canonical(path))) continue;
        paths << path;
        for (const RecordingFile& f : m_files)
            if (f.path == path) bytes += f.size;
    }
    if (paths.isEmpty()) return;
    if (m_confirm &&
        QMessageBox::question(this, tr("Delete recordings"),
                              tr("Delete %1 (%2)? This cannot be undone.")
                                  .arg(paths.size() == 1 ? tr("1 recording") : tr("%1 recordings").arg(paths.size()),
                                       formatBytes(static_cast<std::uint64_t>(bytes)))) != QMessageBox::Yes)
        return;
    m_delete->setEnabled(false);
    struct Outcome {
        int removed = 0;
        QStringList errors;
    };
    m_jobs->run<Outcome>(
        [paths](const std::atomic<bool>&, const BackgroundJobs::Progress&) {
            Outcome o;
            for (const QString& p : paths) {
                QFile f(p);
                if (f.remove())
                    ++o.removed;
                else
                    o.errors << tr("cannot remove %1: %2").arg(QFileInfo(p).fileName(), f.errorString());
            }
            return o;
        },
        [this](Outcome& o) {
            emit removed(o.removed, o.errors);
            if (!o.errors.isEmpty()) QMessageBox::warning(this, tr("Delete recordings"), o.errors.join(QLatin1Char('\n')));
            refresh();
        });
}

}  // namespace ui
