// ExampleHost.cpp — the example's thread and its loop observer.
#include "ui/ExampleHost.h"

#include "engine/Dispatcher.h"
#include "engine/Loop.h"
#include "examples/ExampleRunner.h"

#include <QMetaObject>

#include <future>

namespace ui {

namespace {

QString latin1(std::string_view s) { return QString::fromLatin1(s.data(), static_cast<qsizetype>(s.size())); }

/// "<EchoHandler connected 127.0.0.1:5 at 0x…>" → "EchoHandler".
QString pythonClassOf(const engine::Dispatcher& d) {
    const std::string r = d.repr();
    const auto start = r.find('<');
    const auto end = r.find(' ', start == std::string::npos ? 0 : start + 1);
    if (start == std::string::npos) return QStringLiteral("dispatcher");
    return QString::fromStdString(r.substr(start + 1, end == std::string::npos ? std::string::npos : end - start - 1));
}

QString label(const engine::Dispatcher& d) { return pythonClassOf(d) + QLatin1Char('#') + QString::number(d.id()); }

class PassRecorder final : public engine::LoopObserver {
public:
    ExamplePass current;
    void passBegin(std::uint64_t pass, engine::Backend backend) override {
        current = ExamplePass{};
        current.pass = pass;
        current.backend = latin1(engine::backendName(backend));
    }
    void polled(const engine::Dispatcher& d, bool r, bool w) override {
        if (r) current.readable << label(d);
        if (w) current.writable << label(d);
    }
    void ready(const engine::Dispatcher& d, unsigned bits) override {
        QStringList b;
        if (bits & engine::kReadyIn) b << QStringLiteral("in");
        if (bits & engine::kReadyOut) b << QStringLiteral("out");
        if (bits & engine::kReadyPri) b << QStringLiteral("pri");
        if (bits & engine::kReadyErr) b << QStringLiteral("err");
        if (bits & engine::kReadyHup) b << QStringLiteral("hup");
        current.ready << QStringLiteral("%1 (%2)").arg(label(d), b.join(QLatin1Char(',')));
    }
    void hook(const engine::Dispatcher& d, engine::Hook h) override {
        current.hooks.push_back({pythonClassOf(d), latin1(engine::hookName(h)), d.id()});
    }
};

}  // namespace

ExampleHost::ExampleHost(QObject* parent) : QObject(parent) { qRegisterMetaType<ui::ExamplePass>(); }

ExampleHost::~ExampleHost() { stop(); }

bool ExampleHost::start(const QString& name, bool paused, QString* error) {
    stop();
    {
        std::lock_guard lock(m_mutex);
        m_stop = false;
        m_paused = paused;
        m_steps = 0;
    }
    m_passes = 0;
    m_port = 0;
    m_name = name;
    std::promise<std::string> started;  // "" or the error
    auto result = started.get_future();
    m_running = true;
    m_thread = std::thread([this, n = name.toStdString(), p = std::move(started)]() mutable {
        engine::Loop map;
        PassRecorder recorder;
        examples::ExampleOptions o;
        o.logger = [this](std::string_view who, std::string_view msg) {
            const QString line = latin1(who) + QStringLiteral(": ") + QString::fromUtf8(msg.data(), static_cast<qsizetype>(msg.size()));
            QMetaObject::invokeMethod(this, [this, line] { emit logLine(line); }, Qt::QueuedConnection);
        };
        o.print = [this](std::string_view data) {
            const QString line = QStringLiteral("print: ") + QString::fromUtf8(data.data(), static_cast<qsizetype>(data.size()));
            QMetaObject::invokeMethod(this, [this, line] { emit logLine(line); }, Qt::QueuedConnection);
        };
        std::unique_ptr<examples::RunningExample> running;
        try {
            running = examples::startExample(n, map, o);
        } catch (const std::exception& e) {
            p.set_value(e.what());
            m_running = false;
            return;
        }
        m_port = running->port();
        p.set_value(std::string());
        map.setObserver(&recorder);
        while (!running->done()) {
            {
                std::unique_lock lock(m_mutex);
                m_cv.wait(lock, [this] { return m_stop || !m_paused || m_steps > 0; });
                if (m_stop) break;
            }
            map.poll(0.1, engine::Backend::Select);
            const ExamplePass pass = recorder.current;
            if (pass.idle()) continue;  // a wait that timed out: not a step
            int delay = 0;
            {
                std::lock_guard lock(m_mutex);
                if (m_paused && m_steps > 0) --m_steps;
                delay = m_delayMs;
            }
            QMetaObject::invokeMethod(this, [this, pass] {
                ++m_passes;
                emit passDone(pass);
            }, Qt::QueuedConnection);
            if (delay > 0) {
                std::unique_lock lock(m_mutex);
                m_cv.wait_for(lock, std::chrono::milliseconds(delay), [this] { return m_stop; });
            }
        }
        map.setObserver(nullptr);
        const bool done = running->done();
        const bool ok = running->ok();
        running.reset();
        map.closeAll(true);
        m_running = false;
        if (done)
            QMetaObject::invokeMethod(this, [this, ok] { emit finished(ok); }, Qt::QueuedConnection);
    });
    const std::string err = result.get();
    if (!err.empty()) {
        m_thread.join();
        if (error) *error = QString::fromStdString(err);
        return false;
    }
    return true;
}

void ExampleHost::stop() {
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_cv.notify_all();
    if (m_thread.joinable()) m_thread.join();
    m_running = false;
}

void ExampleHost::pause() {
    std::lock_guard lock(m_mutex);
    m_paused = true;
    m_steps = 0;
}

void ExampleHost::resume() {
    {
        std::lock_guard lock(m_mutex);
        m_paused = false;
    }
    m_cv.notify_all();
}

void ExampleHost::step() {
    {
        std::lock_guard lock(m_mutex);
        m_paused = true;
        ++m_steps;
    }
    m_cv.notify_all();
}

void ExampleHost::setDelay(int ms) {
    {
        std::lock_guard lock(m_mutex);
        m_delayMs = ms;
    }
    m_cv.notify_all();
}

bool ExampleHost::isPaused() const {
    std::lock_guard lock(m_mutex);
    return m_paused;
}

}  // namespace ui
