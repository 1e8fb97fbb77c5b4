// main.cpp — the linewright GUI: parse the command line, open the window.
//
// Usage: linewright [--listen [HOST:]PORT] [--connect HOST:PORT]
//                   [--terminator SPEC] [--echo] [--example NAME] [FILE]
//                   | --version | --help
// --version and --help are answered without a display (no QApplication).
// FILE (a session file, as the desktop file's `Exec=linewright %f` passes
// it) is checked before the window: a missing or unreadable file, or one
// that is not a session, is reported on stderr and in a dialog, exit 2.
// A file that goes wrong further in is reported once it has been read.
#include "app/Version.h"
#include "engine/asyncore/Escape.h"
#include "examples/ExampleRunner.h"
#include "ui/model/ChannelParams.h"
#include "ui/dialogs/ConnectDialog.h"
#include "ui/MainWindow.h"
#include "ui/session/SessionController.h"
#include "ui/session/SessionJobs.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>
#include <QMessageBox>
#include <QTimer>

#include <cstdio>
#include <cstring>
#include <exception>

#if defined(_WIN32)
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
#endif

namespace {

constexpr const char* kUsage =
    "Usage: linewright [options] [FILE]\n"
    "\n"
    "The Linewright desktop workbench for terminator-framed TCP protocols.\n"
    "With FILE, a recorded session (.lwsession), opens it read-only.\n"
    "\n"
    "Arguments:\n"
    "  FILE                   a session file to open (read-only)\n"
    "\n"
    "Options:\n"
    "  --listen [HOST:]PORT   listen at start (HOST defaults to 127.0.0.1; PORT 0: any free port)\n"
    "  --connect HOST:PORT    connect at start (after --listen, if both are given)\n"
    "  --terminator SPEC      terminator for both: \\r\\n (default), \\n, count:N, none, or escaped bytes\n"
    "  --echo                 the listener echoes every message back\n"
    "  --example NAME         start a built-in example, paused, with the Loop inspector\n"
    "                         and its source (echo, echo-length, http; as in the Examples menu)\n"
    "  -h, --help             show this help\n"
    "  -v, --version          show the version\n";

bool wants(int argc, char** argv, const char* a, const char* b) {
    for (int i = 1; i < argc; ++i)
        if (std::strcmp(argv[i], a) == 0 || std::strcmp(argv[i], b) == 0) return true;
    return false;
}

}  // namespace

int main(int argc, char** argv) {
#if defined(_WIN32)
    // linewright.exe is a GUI program (WIN32_EXECUTABLE): it has no console,
    // so --help, --version and errors would go nowhere. Started from a
    // console (cmd, PowerShell), write to that one. Untested here: there is
    // no Qt for MinGW on this machine (docs/install.md, "Windows").
    if (::AttachConsole(ATTACH_PARENT_PROCESS)) {
        std::FILE* ignored = nullptr;
        freopen_s(&ignored, "CONOUT$", "w", stdout);
        freopen_s(&ignored, "CONOUT$", "w", stderr);
    }
#endif
    // Answered before QApplication, which needs a display.
    if (wants(argc, argv, "--version", "-v")) {
        std::printf("linewright %s\nQt %s (Widgets)\n", lw::kVersion, qVersion());
        return 0;
    }
    if (wants(argc, argv, "--help", "-h")) {
        std::fputs(kUsage, stdout);
        return 0;
    }

#if defined(__unix__) && !defined(__APPLE__)
    // Without a display Qt aborts with a page about platform plugins; say it plainly.
    if (!wants(argc, argv, "-platform", "--platform") && qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM") &&
        qEnvironmentVariableIsEmpty("DISPLAY") && qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY")) {
        std::fputs("linewright: no display to open a window on (neither DISPLAY nor WAYLAND_DISPLAY is set).\n"
                   "For a terminal, linewright-cli does the same work headless; to try the window without\n"
                   "a screen: xvfb-run linewright\n",
                   stderr);
        return 1;
    }
#endif
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("Linewright"));
    QApplication::setApplicationName(QStringLiteral("linewright"));
    QApplication::setApplicationDisplayName(QStringLiteral("Linewright"));
    QApplication::setApplicationVersion(QString::fromLatin1(lw::kVersion));
    // The freedesktop.org application id: the desktop file and icons go by it.
    QApplication::setDesktopFileName(QStringLiteral("io.github.linewright.Linewright"));
    QIcon icon = QIcon::fromTheme(QStringLiteral("io.github.linewright.Linewright"));
    if (icon.isNull()) {
        for (const int size : {16, 22, 24, 32, 48, 64, 128, 256})
            icon.addFile(QStringLiteral(":/icons/%1x%1/apps/io.github.linewright.Linewright.png").arg(size));
    }
    QApplication::setWindowIcon(icon);

    QCommandLineParser parser;
    const QCommandLineOption listen(QStringLiteral("listen"), QStringLiteral("Listen at start."),
                                    QStringLiteral("[HOST:]PORT"));
    const QCommandLineOption connectTo(QStringLiteral("connect"), QStringLiteral("Connect at start."),
                                       QStringLiteral("HOST:PORT"));
    const QCommandLineOption terminator(QStringLiteral("terminator"), QStringLiteral("Terminator spec."),
                                        QStringLiteral("SPEC"), QStringLiteral("\\r\\n"));
    const QCommandLineOption echo(QStringLiteral("echo"), QStringLiteral("Echo on the listener."));
    const QCommandLineOption example(QStringLiteral("example"), QStringLiteral("Start a built-in example."),
                                     QStringLiteral("NAME"));
    parser.addOptions({listen, connectTo, terminator, echo, example});
    parser.addPositionalArgument(QStringLiteral("FILE"), QStringLiteral("A session file to open."), QStringLiteral("[FILE]"));
    if (!parser.parse(QApplication::arguments())) {
        std::fprintf(stderr, "linewright: %s\n\n%s", qPrintable(parser.errorText()), kUsage);
        return 2;
    }
    const QStringList files = parser.positionalArguments();
    if (files.size() > 1) {
        std::fprintf(stderr, "linewright: one session file at a time, not %lld\n\n%s",
                     static_cast<long long>(files.size()), kUsage);
        return 2;
    }
    const QString sessionFile = files.isEmpty() ? QString() : files.first();
    const QString exampleName = parser.value(example);
    if (parser.isSet(example) && !examples::findExample(exampleName.toStdString())) {
        QStringList names;
        for (const examples::ExampleInfo& e : examples::allExamples())
            names << QString::fromUtf8(e.name.data(), static_cast<qsizetype>(e.name.size()));
        std::fprintf(stderr, "linewright: --example: no example named '%s' (there are: %s)\n", qPrintable(exampleName),
                     qPrintable(names.join(QStringLiteral(", "))));
        return 2;
    }
    if (parser.isSet(example) && !sessionFile.isEmpty()) {
        std::fprintf(stderr, "linewright: --example runs live; it does not go with a session FILE (read-only)\n");
        return 2;
    }

    if (!sessionFile.isEmpty()) {
        const QString problem = ui::sessionFileProblem(sessionFile);
        if (!problem.isEmpty()) {
            std::fprintf(stderr, "linewright: %s\n", qPrintable(problem));
            QMessageBox::critical(nullptr, QStringLiteral("Linewright"),
                                  QStringLiteral("Cannot open the session:\n%1").arg(problem));
            return 2;
        }
    }

    engine::Terminator term = engine::Terminator::bytes("\r\n");
    if (parser.isSet(terminator)) {
        const QByteArray spec = parser.value(terminator).toUtf8();
        std::string error;
        const auto t = engine::parseTerminatorSpec(std::string_view(spec.constData(), static_cast<std::size_t>(spec.size())), &error);
        if (!t) {
            std::fprintf(stderr, "linewright: --terminator: %s\n", error.c_str());
            return 2;
        }
        term = *t;
    }
    ui::ListenParams listenParams;
    if (parser.isSet(listen)) {
        QString host = QStringLiteral("127.0.0.1");
        std::uint16_t port = 0;
        const QString value = parser.value(listen);
        bool ok = false;
        const uint bare = value.toUInt(&ok);
        if (ok && bare <= 65535) {
            port = static_cast<std::uint16_t>(bare);
        } else if (!ui::splitHostPort(value, host, port)) {
            std::fprintf(stderr, "linewright: --listen wants [HOST:]PORT, not '%s'\n", qPrintable(value));
            return 2;
        }
        listenParams.host = host;
        listenParams.port = port;
        listenParams.terminator = term;
        listenParams.echo = parser.isSet(echo);
    }
    ui::ConnectParams connectParams;
    if (parser.isSet(connectTo)) {
        if (!ui::splitHostPort(parser.value(connectTo), connectParams.host, connectParams.port)) {
            std::fprintf(stderr, "linewright: --connect wants HOST:PORT, not '%s'\n", qPrintable(parser.value(connectTo)));
            return 2;
        }
        connectParams.terminator = term;
    }

    std::unique_ptr<ui::MainWindow> window;
    try {
        window = std::make_unique<ui::MainWindow>();
    } catch (const std::exception& e) {
        QMessageBox::critical(nullptr, QStringLiteral("Linewright"),
                              QStringLiteral("The engine could not start: %1").arg(QString::fromLocal8Bit(e.what())));
        return 1;
    }
    window->show();
    // Ask for the keyboard focus: with no window manager (a bare X server,
    // Xvfb, a kiosk) nothing else activates the window, and Qt then matches
    // none of its window shortcuts although typed keys reach the focused
    // field. Under a window manager this is what it would do anyway.
    window->raise();
    window->activateWindow();
    if (!sessionFile.isEmpty()) {
        // Read on a worker; an error deeper in the file is reported there (dialog) and here (stderr).
        QObject::connect(window.get(), &ui::MainWindow::sessionOpenFailed, window.get(),
                         [](const QString& message) { std::fprintf(stderr, "linewright: %s\n", qPrintable(message)); });
        window->sessionController()->openSession(sessionFile);
    }
    if (parser.isSet(example)) window->openExample(exampleName);
    if (parser.isSet(listen)) window->listenOn(listenParams);
    if (parser.isSet(connectTo)) {
        // After the listener (if any) is up: the engine runs commands in order.
        window->connectTo(connectParams);
    }
    return QApplication::exec();
}
