// SessionJobs.cpp — loading, saving and exporting off the UI thread.
#include "ui/session/SessionJobs.h"

#include "engine/capture/Conversation.h"
#include "engine/capture/PcapngWriter.h"
#include "engine/capture/SessionReader.h"
#include "engine/capture/SessionRecorder.h"
#include "engine/capture/Transcript.h"
#include "ui/model/EventLogStore.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QMetaObject>
#include <QSaveFile>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace ui {
namespace {

constexpr std::size_t kSlice = 4096;  // rows read under one ReadGuard

std::string toStd(const QString& s) { return s.toStdString(); }

}  // namespace

// --- BackgroundJobs ------------------------------------------------------------------

BackgroundJobs::BackgroundJobs(QObject* parent) : QObject(parent) {}

BackgroundJobs::~BackgroundJobs() { shutdown(); }

BackgroundJobs::Progress BackgroundJobs::makeProgress(std::function<void(int)> onProgress) {
    if (!onProgress) return [](int) {};
    // Posted to this object on the GUI thread; the destructor waits for the
    // threads, so `this` outlives every call. Throttled: one post per 50 ms.
    auto clock = std::make_shared<QElapsedTimer>();
    auto last = std::make_shared<std::atomic<qint64>>(-1000);
    clock->start();
    auto handler = std::make_shared<std::function<void(int)>>(std::move(onProgress));
    return [this, clock, last, handler](int permille) {
        const qint64 now = clock->elapsed();
        if (permille < 1000 && now - last->load() < 50) return;
        last->store(now);
        QMetaObject::invokeMethod(this, [handler, permille] { (*handler)(permille); }, Qt::QueuedConnection);
    };
}

void BackgroundJobs::start(QThread* t, CancelFlag cancel) {
    connect(t, &QThread::finished, t, &QObject::deleteLater);
    m_jobs.erase(std::remove_if(m_jobs.begin(), m_jobs.end(), [](const Job& j) { return j.thread.isNull(); }),
                 m_jobs.end());
    m_jobs.push_back({t, std::move(cancel)});
    t->start();
}

int BackgroundJobs::running() const {
    int n = 0;
    for (const Job& j : m_jobs)
        if (j.thread && j.thread->isRunning()) ++n;
    return n;
}

void BackgroundJobs::cancelAll() {
    for (const Job& j : m_jobs) j.cancel->store(true);
}

void BackgroundJobs::shutdown() {
    cancelAll();
    for (const Job& j : m_jobs)
        if (j.thread) j.thread->wait();
    m_jobs.clear();
}

// --- Reading the store -------------------------------------------------------------

std::optional<std::vector<engine::Event>> collectEvents(const EventLogStore& store, std::uint64_t generation,
                                                        std::size_t rows, const std::atomic<bool>& cancel,
                                                        const std::function<void(int)>& progress, std::string* error) {
    std::vector<engine::Event> out;
    out.reserve(rows);
    for (std::size_t row = 0; row < rows;) {
        if (cancel.load()) {
            if (error) *error = "cancelled";
            return std::nullopt;
        }
        const EventLogStore::ReadGuard guard = store.lockForReading(generation);
        if (!guard) {
            if (error) *error = "the log was cleared meanwhile";
            return std::nullopt;
        }
        const std::size_t end = std::min(rows, row + kSlice);
        for (; row < end; ++row) out.push_back(store.event(row));
        if (progress) progress(static_cast<int>(row * 1000 / std::max<std::size_t>(rows, 1)));
    }
    return out;
}

bool saveStore(const QString& path, const engine::SessionHeader& header, const EventLogStore& store,
               std::uint64_t generation, std::size_t rows, const std::atomic<bool>& cancel,
               const std::function<void(int)>& progress, std::string* error) {
    QSaveFile file(path);
    auto failWith = [&](const QString& why) {
        if (error) *error = toStd(QStringLiteral("cannot write '%1': %2").arg(path, why));
        file.cancelWriting();
        return false;
    };
    if (!file.open(QIODevice::WriteOnly)) return failWith(file.errorString());
    std::string text;
    // Every line is written whole (version 1), whatever file the events came from.
    engine::SessionHeader full = header;
    full.version = engine::SessionHeader::kFullVersion;
    engine::eventjson::appendHeader(text, full);
    for (std::size_t row = 0; row < rows;) {
        if (cancel.load()) {
            if (error) *error = "cancelled";
            file.cancelWriting();
            return false;
        }
        {
            const EventLogStore::ReadGuard guard = store.lockForReading(generation);
            if (!guard) {
                if (error) *error = "the log was cleared while it was being saved";
                file.cancelWriting();
                return false;
            }
            const std::size_t end = std::min(rows, row + kSlice);
            for (; row < end; ++row) engine::eventjson::appendEvent(text, store.event(row));
        }
        if (text.size() >= (std::size_t{1} << 20) || row >= rows) {
            if (file.write(text.data(), static_cast<qint64>(text.size())) != static_cast<qint64>(text.size()))
                return failWith(file.errorString());
            text.clear();
        }
        if (progress) progress(static_cast<int>(row * 1000 / std::max<std::size_t>(rows, 1)));
    }
    if (!text.empty() && file.write(text.data(), static_cast<qint64>(text.size())) != static_cast<qint64>(text.size()))
        return failWith(file.errorString());
    if (!file.commit()) {
        if (error) *error = toStd(QStringLiteral("cannot write '%1': %2").arg(path, file.errorString()));
        return false;
    }
    return true;
}

bool copyRecording(const std::shared_ptr<engine::SessionRecorder>& recorder, const QString& source,
                   const QString& path, const std::atomic<bool>& cancel, const std::function<void(int)>& progress,
                   std::uint64_t* eventsCopied, std::string* error) {
    if (recorder && !recorder->flush()) {
        if (error) *error = "the recording has failed: " + recorder->error();
        return false;
    }
    QFile in(source);
    if (!in.open(QIODevice::ReadOnly)) {
        if (error) *error = toStd(QStringLiteral("cannot read '%1': %2").arg(source, in.errorString()));
        return false;
    }
    const qint64 size = in.size();  // what was flushed; later batches may follow, they are not copied
    QSaveFile out(path);
    if (!out.open(QIODevice::WriteOnly)) {
        if (error) *error = toStd(QStringLiteral("cannot write '%1': %2").arg(path, out.errorString()));
        return false;
    }
    QByteArray carry;  // bytes after the last newline so far
    qint64 done = 0;
    std::uint64_t lines = 0;
    while (done < size) {
        if (cancel.load()) {
            if (error) *error = "cancelled";
            out.cancelWriting();
            return false;
        }
        QByteArray chunk = in.read(qMin<qint64>(size - done, 1 << 20));
        if (chunk.isEmpty()) break;
        done += chunk.size();
        chunk.prepend(carry);
        const qsizetype nl = chunk.lastIndexOf('\n');
        carry = chunk.mid(nl + 1);
        chunk.truncate(nl + 1);
        lines += static_cast<std::uint64_t>(chunk.count('\n'));
        if (out.write(chunk) != chunk.size()) {
            if (error) *error = toStd(QStringLiteral("cannot write '%1': %2").arg(path, out.errorString()));
            out.cancelWriting();
            return false;
        }
        if (progress) progress(static_cast<int>(done * 1000 / qMax<qint64>(size, 1)));
    }
    if (!out.commit()) {
        if (error) *error = toStd(QStringLiteral("cannot write '%1': %2").arg(path, out.errorString()));
        return false;
    }
    if (eventsCopied) *eventsCopied = lines > 0 ? lines - 1 : 0;  // the header line
    return true;
}

// --- Export ------------------------------------------------------------------------------

namespace {

// A line of the NSS key log format: LABEL CLIENT_RANDOM SECRET (hex).
bool isKeyLogLine(const QByteArray& line) {
    const QList<QByteArray> parts = line.split(' ');
    if (parts.size() != 3 || parts[0].isEmpty() || parts[1].isEmpty() || parts[2].isEmpty()) return false;
    for (const char c : parts[0])
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
    for (const QByteArray& hex : {parts[1], parts[2]})
        for (const char c : hex)
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
    return true;
}

// A key log grows by a few hundred bytes a handshake: this is far beyond any session's.
constexpr qint64 kMaxKeyLogBytes = qint64(64) << 20;

}  // namespace

QString keyLogPathBeside(const QString& pcapng) {
    return pcapng.endsWith(QLatin1String(".pcapng"), Qt::CaseInsensitive) ? pcapng.chopped(7) + QStringLiteral(".keys")
                                                                         : pcapng + QStringLiteral(".keys");
}

QString writeKeyLogBeside(const QString& pcapng, const std::vector<engine::Conversation>& conversations,
                          std::optional<engine::ChannelId> only, const std::vector<TlsKeyLog>& keyLogs,
                          const engine::OutputFileOptions& file) {
    const bool ranTls = std::any_of(conversations.begin(), conversations.end(), [&](const engine::Conversation& c) {
        return (!only || c.channel == *only) && c.tlsHandshake() != nullptr;
    });
    if (!ranTls) return {};
    QString s = QObject::tr(" Its TLS connections are in it as the decrypted plaintext (not the TLS records).");
    if (keyLogs.empty())
        return s + QObject::tr(" No TLS key log was written: to decrypt a capture of the encrypted traffic "
                               "(tcpdump, Wireshark), set a Key log file in the TLS options of Connect… or Listen… "
                               "before connecting (or SSLKEYLOGFILE); a session file does not record one.");
    std::string keys;
    int secrets = 0;
    QStringList problems;
    for (const TlsKeyLog& k : keyLogs) {
        QFile f(k.path);
        if (!f.open(QIODevice::ReadOnly)) {
            problems << QObject::tr("%1: %2").arg(QDir::toNativeSeparators(k.path), f.errorString());
            continue;
        }
        const qint64 size = f.size();
        const qint64 from = k.from <= size ? k.from : 0;  // emptied since: all of it is newer
        if (size - from > kMaxKeyLogBytes || !f.seek(from)) {
            problems << QObject::tr("%1: more than 64 MiB since this session began").arg(QDir::toNativeSeparators(k.path));
            continue;
        }
        QByteArray bytes = f.read(size - from);
        bytes.truncate(bytes.lastIndexOf('\n') + 1);  // a line still being written is left out
        for (const QByteArray& line : bytes.split('\n'))
            if (isKeyLogLine(line)) {
                keys.append(line.constData(), static_cast<std::size_t>(line.size()));
                keys.push_back('\n');
                ++secrets;
            }
    }
    if (!problems.isEmpty()) s += QObject::tr(" The TLS key log could not be read: %1.").arg(problems.join(QStringLiteral("; ")));
    if (secrets == 0)
        return s + QObject::tr(" The TLS key log holds no secrets of this session, so none was written beside it.");
    const QString keysPath = keyLogPathBeside(pcapng);
    std::string why;
    if (!engine::Transcript::writeFile(QFile::encodeName(keysPath).toStdString(), keys, &why, file))
        return s + QObject::tr(" The TLS key log could not be written: %1").arg(QString::fromStdString(why));
    return s + QObject::tr(" Beside it, %1: this session's TLS secrets (%2 lines, NSS key log format; keep it "
                           "private) to decrypt a capture of the encrypted traffic: tshark -r CAPTURE -o "
                           "tls.keylog_file:%3")
                   .arg(QDir::toNativeSeparators(keysPath))
                   .arg(secrets)
                   .arg(QFileInfo(keysPath).fileName());
}

ExportResult exportEvents(ExportKind kind, const QString& path, const engine::SessionHeader& header,
                          const std::vector<engine::Event>& events, engine::ChannelId channel,
                          const std::vector<TlsKeyLog>& keyLogs) {
    ExportResult r;
    const std::string out = QFile::encodeName(path).toStdString();
    // The save dialog has asked before an existing file is replaced; links
    // are still not followed (engine/capture/OutputFile.h).
    engine::OutputFileOptions file;
    file.overwrite = true;
    std::string why;
    const std::optional<engine::ChannelId> only = channel ? std::optional<engine::ChannelId>(channel) : std::nullopt;
    switch (kind) {
    case ExportKind::Pcapng: {
        const auto conversations = engine::extractConversations(events, header.level);
        engine::PcapngExportOptions po;
        po.channel = only;
        po.application = "linewright";
        po.file = file;
        engine::PcapngExportStats stats;
        // TCP connections and UDP datagrams, as `linewright-cli export --pcapng` writes them.
        r.ok = engine::PcapngWriter::writeSession(out, header, events, conversations, po, &stats, &why);
        for (const std::string& n : stats.notes) r.notes << QString::fromStdString(n);
        r.message = r.ok ? QObject::tr("Exported %1: %2").arg(path, QString::fromStdString(stats.summary()))
                         : QString::fromStdString(why);
        // What was left out is said in the message too (the CLI's "note:" lines).
        if (r.ok && !r.notes.isEmpty()) r.message += QObject::tr(" Note: %1.").arg(r.notes.join(QStringLiteral("; ")));
        if (r.ok) r.message += writeKeyLogBeside(path, conversations, only, keyLogs, file);
        break;
    }
    case ExportKind::Transcript: {
        engine::TranscriptOptions to;
        to.channel = only;
        const std::string text = engine::Transcript::render(header, events, to);
        r.ok = engine::Transcript::writeFile(out, text, &why, file);
        r.message = r.ok ? QObject::tr("Exported %1: the transcript (%2 bytes)").arg(path).arg(text.size())
                         : QString::fromStdString(why);
        break;
    }
    case ExportKind::RawClient:
    case ExportKind::RawServer: {
        const bool clientSide = kind == ExportKind::RawClient;
        const auto conversations = engine::extractConversations(events, header.level);
        const engine::Conversation* c = engine::selectConversation(conversations, only, &why);
        if (!c) {
            r.message = QString::fromStdString(why);
            break;
        }
        if (!c->in.recorded || !c->out.recorded) {
            r.message = QObject::tr("channel %1: its bytes are not in the session (level '%2')")
                            .arg(c->channel)
                            .arg(QString::fromStdString(header.level));
            break;
        }
        const std::string bytes = engine::Transcript::rawBytes(*c, clientSide);
        r.ok = engine::Transcript::writeFile(out, bytes, &why, file);
        r.message = r.ok ? QObject::tr("Exported %1: %2 bytes the %3 sent on channel #%4")
                               .arg(path)
                               .arg(bytes.size())
                               .arg(clientSide ? QObject::tr("client") : QObject::tr("server"))
                               .arg(c->channel)
                         : QString::fromStdString(why);
        break;
    }
    }
    return r;
}

QString sessionFileProblem(const QString& path) {
    const QFileInfo fi(path);
    if (!fi.exists()) return QObject::tr("%1: no such file").arg(path);
    if (fi.isDir()) return QObject::tr("%1: is a folder, not a session file").arg(path);
    if (!fi.isReadable()) return QObject::tr("%1: cannot be read (permission denied)").arg(path);
    engine::SessionReader reader;
    if (!reader.open(QFile::encodeName(path).toStdString())) return QString::fromStdString(reader.error());
    return {};
}

}  // namespace ui
