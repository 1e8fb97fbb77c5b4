// SessionCapture.cpp — the live session, handed to a SessionRecorder.
#include "ui/session/SessionCapture.h"

#include "engine/reactor/Reactor.h"
#include "engine/capture/SessionRecorder.h"
#include "ui/model/EngineBridge.h"
#include "ui/model/Formatters.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QStandardPaths>
#include <QTimer>

#include <string>
#include <utility>

namespace ui {
namespace {
// The files being recorded into, by every SessionCapture (GUI thread only).
QSet<QString>& recordingPaths() {
    static QSet<QString> paths;
    return paths;
}
QString canonical(const QString& path) {
    const QString c = QFileInfo(path).canonicalFilePath();
    return c.isEmpty() ? QFileInfo(path).absoluteFilePath() : c;
}
}  // namespace

SessionCapture::SessionCapture(EngineBridge* bridge, bool recording, QObject* parent)
    : QObject(parent), m_bridge(bridge), m_recording(recording) {
    QString version = QCoreApplication::applicationVersion();
    if (version.isEmpty()) version = QStringLiteral("0");
    const engine::Reactor& r = bridge->reactor();
    m_header = engine::eventjson::makeHeader("linewright", version.toStdString(), r.startedAt(),
                                             std::string(engine::backendName(r.backend())),
                                             std::string(engine::eventLevelName(r.level())));
    m_directory = defaultDirectory();
    m_health = new QTimer(this);
    m_health->setInterval(500);
    connect(m_health, &QTimer::timeout, this, &SessionCapture::checkHealth);
    bridge->setBatchSink([this](std::vector<engine::Event>&& batch) { take(std::move(batch)); });
    // A recorder far behind a slow disk holds the drains back rather than
    // making the GUI thread wait (the reactor then stops reading).
    bridge->setDrainGate([this] { return !m_recorder || !m_recorder->backlogged(); });
}

SessionCapture::~SessionCapture() {
    if (m_recorder) m_recorder->close();
    if (!m_path.isEmpty()) recordingPaths().remove(canonical(m_path));
}

QSet<QString> SessionCapture::openPaths() { return recordingPaths(); }

void SessionCapture::setSizeLimits(std::uint64_t warnBytes, std::uint64_t stopBytes) {
    m_warnBytes = warnBytes;
    m_stopBytes = stopBytes;
    checkSize();
}

void SessionCapture::checkSize() {
    if (!m_recorder || !m_recording || m_finished) return;
    const std::uint64_t size = m_recorder->bytesWritten();
    if (m_stopBytes > 0 && size >= m_stopBytes && !m_stoppedAtLimit) {
        m_stoppedAtLimit = true;  // turned on again by the user: this file goes on without the limit
        m_recording = false;
        emit stateChanged();
        emit stoppedAtLimit(tr("Recording stopped: %1 reached %2, the size set in Edit ▸ Preferences. The file is "
                               "kept; File ▸ Record session continues it without the limit.")
                                .arg(QFileInfo(m_path).fileName(), formatBytes(m_stopBytes)));
        return;
    }
    if (!m_warned && m_warnBytes > 0 && size >= m_warnBytes) {
        m_warned = true;
        emit sizeWarning(m_stopBytes > m_warnBytes
                             ? tr("This session's recording has passed %1; it stops at %2 (Edit ▸ Preferences).")
                                   .arg(formatBytes(m_warnBytes), formatBytes(m_stopBytes))
                             : tr("This session's recording has passed %1 (Edit ▸ Preferences sets the limits).")
                                   .arg(formatBytes(m_warnBytes)));
    }
}

QString SessionCapture::defaultDirectory() {
    const QString fromEnvironment = qEnvironmentVariable("LINEWRIGHT_SESSIONS_DIR");
    if (!fromEnvironment.isEmpty()) return fromEnvironment;
    return QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation)).filePath(QStringLiteral("sessions"));
}

QString SessionCapture::defaultFileName(const QDateTime& start) {
    return QStringLiteral("linewright-%1.lwsession")
        .arg(start.toUTC().toString(QStringLiteral("yyyy-MM-ddTHH-mm-ssZ")));
}

bool SessionCapture::isOpen() const { return m_recorder && m_recorder->isOpen(); }
std::uint64_t SessionCapture::bytesWritten() const { return m_recorder ? m_recorder->bytesWritten() : 0; }
std::uint64_t SessionCapture::eventsWritten() const { return m_recorder ? m_recorder->eventsWritten() : 0; }

void SessionCapture::setRecording(bool on) {
    if (m_finished) on = false;
    if (on == m_recording) return;
    m_recording = on;
    if (on && m_failed) {
        // Try again (a new file: the old one could not be written).
        m_failed = false;
        m_error.clear();
        m_recorder.reset();
        if (!m_path.isEmpty()) recordingPaths().remove(canonical(m_path));
        m_path.clear();
        m_warned = false;
        m_stoppedAtLimit = false;
    }
    emit stateChanged();
}

bool SessionCapture::openFile() {
    engine::SessionRecorder::Options options;
    options.neverWait = true;  // the bridge's drain gate keeps the bound
    auto recorder = std::make_shared<engine::SessionRecorder>(options);
    std::string why;
    QString path = m_requestedPath;
    if (!path.isEmpty()) {
        // A path the user named: created new (never through a link, an
        // existing file is not overwritten: engine/capture/OutputFile.h).
        if (!recorder->open(QFile::encodeName(path).toStdString(), m_header, &why)) {
            fail(tr("Cannot record the session: %1").arg(QString::fromStdString(why)));
            return false;
        }
    } else {
        if (!QDir().mkpath(m_directory)) {
            fail(tr("Cannot record the session: cannot create the folder %1").arg(QDir::toNativeSeparators(m_directory)));
            return false;
        }
        const QString name = defaultFileName(QDateTime::currentDateTimeUtc());
        // Two windows started in the same second: keep both. The recorder
        // never overwrites, so a name taken between the check and the open
        // (or a link of that name) just moves on to the next one.
        const auto taken = [](const QString& p) { return QFileInfo::exists(p) || QFileInfo(p).isSymLink(); };
        bool opened = false;
        for (int n = 1; n <= 1000 && !opened; ++n) {
            path = QDir(m_directory).filePath(
                n == 1 ? name : QString(name).replace(QStringLiteral(".lwsession"), QStringLiteral("-%1.lwsession").arg(n)));
            if (taken(path)) continue;
            opened = recorder->open(QFile::encodeName(path).toStdString(), m_header, &why);
            if (!opened && !taken(path)) break;  // a real failure, not a name taken meanwhile
        }
        if (!opened) {
            fail(tr("Cannot record the session: %1")
                     .arg(why.empty() ? tr("no free file name in %1").arg(QDir::toNativeSeparators(m_directory))
                                      : QString::fromStdString(why)));
            return false;
        }
    }
    m_recorder = std::move(recorder);
    m_path = path;
    recordingPaths().insert(canonical(path));
    m_health->start();
    emit stateChanged();
    return true;
}

void SessionCapture::take(std::vector<engine::Event>&& batch) {
    if (!m_recording || m_failed || m_finished) {
        if (!batch.empty()) m_gaps = true;
        return;
    }
    if (!m_recorder && !openFile()) return;
    m_appended += batch.size();
    m_recorder->append(std::move(batch));
    checkSize();
}

void SessionCapture::checkHealth() {
    if (!m_recorder) return;
    if (m_recorder->failed()) {
        fail(tr("Recording stopped: %1").arg(QString::fromStdString(m_recorder->error())));
        return;
    }
    checkSize();
    emit stateChanged();  // the size
}

void SessionCapture::fail(const QString& message) {
    if (m_failed) return;
    m_failed = true;
    m_recording = false;
    m_error = message;
    emit stateChanged();
    emit failed(message);
}

bool SessionCapture::flush() { return m_recorder ? m_recorder->flush() : true; }

void SessionCapture::finish() {
    if (m_finished) return;
    if (m_bridge) {
        m_bridge->setBatchSink({});
        m_bridge->setDrainGate({});
    }
    m_finished = true;
    m_recording = false;
    m_health->stop();
    if (m_recorder) m_recorder->close();
    if (!m_path.isEmpty()) recordingPaths().remove(canonical(m_path));
}

}  // namespace ui
