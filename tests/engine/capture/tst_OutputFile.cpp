// tst_OutputFile.cpp — engine::openForWriting() and the writers that use it.
//
// Covered: a new file is created 0600; an existing file is refused (and kept
// byte for byte) unless overwrite, which truncates it; a symbolic link at the
// last component is refused, overwrite or not, whether it points at a file
// (which stays as it was) or nowhere (no target is created); a device
// (/dev/null) is written without overwrite; a directory is a plain error.
// The same through SessionRecorder::open / writeFile and
// Transcript::writeFile (PcapngWriter::write: tst_Cli, through export). POSIX only where links and modes are concerned.
#include "engine/capture/OutputFile.h"

#include "engine/capture/SessionRecorder.h"
#include "engine/capture/Transcript.h"

#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

#include <chrono>
#include <cstdio>

#if !defined(_WIN32)
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace {

using engine::OutputFileOptions;
using engine::OutputRefusal;

QByteArray readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray("<unreadable>");
}

void writeText(const QString& path, const QByteArray& text) {
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(text);
}

std::string std8(const QString& s) { return QFile::encodeName(s).toStdString(); }

/// What put() did: whether it wrote, and the refusal and error as
/// openForWriting() gave them.
struct Put {
    bool written = false;
    OutputRefusal refusal = static_cast<OutputRefusal>(-1);  // none of its values: openForWriting() sets it
    std::string error;
};

// Opens, writes `text`, closes.
Put put(const QString& path, const char* text, bool overwrite) {
    OutputFileOptions o;
    o.overwrite = overwrite;
    Put r;
    std::FILE* f = engine::openForWriting(std8(path), o, &r.error, &r.refusal);
    if (!f) return r;
    std::fputs(text, f);
    std::fclose(f);
    r.written = true;
    return r;
}

}  // namespace

class TestOutputFile : public QObject {
    Q_OBJECT

private slots:
    void createsNewFile0600();
    void refusesExistingUnlessOverwrite();
    void refusesSymlinks();
    void devicesAndDirectories();
    void writersUseIt();
};

void TestOutputFile::createsNewFile0600() {
    QTemporaryDir dir;
    const QString path = dir.filePath("new.jsonl");
    const Put r = put(path, "one\n", false);
    QVERIFY2(r.written, r.error.c_str());
    QCOMPARE(r.refusal, OutputRefusal::None);
    QCOMPARE(readAll(path), QByteArray("one\n"));
#if !defined(_WIN32)
    struct stat st {};
    QCOMPARE(::stat(std8(path).c_str(), &st), 0);
    QCOMPARE(st.st_mode & 0777, 0600u);
#endif
}

void TestOutputFile::refusesExistingUnlessOverwrite() {
    QTemporaryDir dir;
    const QString path = dir.filePath("old.jsonl");
    writeText(path, "the earlier recording\n");
    const Put r = put(path, "new\n", false);
    QVERIFY(!r.written);
    QCOMPARE(r.refusal, OutputRefusal::Exists);
    QCOMPARE(r.error, "'" + std8(path) + "' already exists; it is not overwritten");
    QCOMPARE(readAll(path), QByteArray("the earlier recording\n"));
    QVERIFY(put(path, "new\n", true).written);
    QCOMPARE(readAll(path), QByteArray("new\n"));
}

void TestOutputFile::refusesSymlinks() {
#if defined(_WIN32)
    QSKIP("symbolic links need privileges on Windows");
#else
    QTemporaryDir dir;
    const QString target = dir.filePath("target");
    writeText(target, "keep me\n");
    const QString link = dir.filePath("link");
    QCOMPARE(::symlink(std8(target).c_str(), std8(link).c_str()), 0);
    // A dangling link, too: it does not create its target.
    const QString nowhere = dir.filePath("nowhere");
    const QString dangling = dir.filePath("dangling");
    QCOMPARE(::symlink(std8(nowhere).c_str(), std8(dangling).c_str()), 0);
    for (const QString& through : {link, dangling}) {
        for (const bool overwrite : {false, true}) {
            const Put r = put(through, "x", overwrite);
            QVERIFY(!r.written);
            QCOMPARE(r.refusal, OutputRefusal::Symlink);
            QCOMPARE(r.error,
                     "'" + std8(through) + "' is a symbolic link; links are not followed (name the file itself)");
            QCOMPARE(readAll(target), QByteArray("keep me\n"));
            QVERIFY(!QFileInfo::exists(nowhere));
        }
    }
#endif
}

void TestOutputFile::devicesAndDirectories() {
#if !defined(_WIN32)
    const Put null = put("/dev/null", "x", false);
    QVERIFY2(null.written, null.error.c_str());
#endif
    QTemporaryDir dir;
    const Put r = put(dir.path(), "x", true);
    QVERIFY(!r.written);
    QCOMPARE(r.refusal, OutputRefusal::Failed);
    QVERIFY2(r.error.rfind("cannot write '" + std8(dir.path()) + "': ", 0) == 0, r.error.c_str());
}

void TestOutputFile::writersUseIt() {
    QTemporaryDir dir;
    const QString path = dir.filePath("s.jsonl");
    writeText(path, "earlier\n");
    const auto header = engine::eventjson::makeHeader("tst", "1", std::chrono::system_clock::now());
    std::string error;
    {
        engine::SessionRecorder rec;
        QVERIFY(!rec.open(std8(path), header, &error));
        QCOMPARE(error, "'" + std8(path) + "' already exists; it is not overwritten");
    }
    QVERIFY(!engine::SessionRecorder::writeFile(std8(path), header, {}, &error));
    QVERIFY(!engine::Transcript::writeFile(std8(path), "t", &error));
    QCOMPARE(readAll(path), QByteArray("earlier\n"));
    OutputFileOptions force;
    force.overwrite = true;
    {
        engine::SessionRecorder rec;
        QVERIFY2(rec.open(std8(path), header, &error, force), error.c_str());
        rec.close();
    }
    QVERIFY(readAll(path).startsWith("{\"format\":\"linewright-session\""));
    QVERIFY(engine::Transcript::writeFile(std8(path), "t", &error, force));
    QCOMPARE(readAll(path), QByteArray("t"));
#if !defined(_WIN32)
    const QString link = dir.filePath("link.pcapng");
    QCOMPARE(::symlink(std8(path).c_str(), std8(link).c_str()), 0);
    QVERIFY(!engine::SessionRecorder::writeFile(std8(link), header, {}, &error, force));
    QCOMPARE(error, "'" + std8(link) + "' is a symbolic link; links are not followed (name the file itself)");
    QCOMPARE(readAll(path), QByteArray("t"));
#endif
}

QTEST_GUILESS_MAIN(TestOutputFile)
#include "tst_OutputFile.moc"
