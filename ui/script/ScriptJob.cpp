// ScriptJob.cpp — a script's run hosted in a Reactor's loop, reported in batches.
#include "ui/script/ScriptJob.h"

#include "engine/reactor/Reactor.h"

#include <QMetaObject>
#include <QPointer>

namespace ui {

ScriptJob::ScriptJob(QObject* parent) : QObject(parent) {}

ScriptJob::~ScriptJob() { detach(); }

void ScriptJob::detach() {
    if (!m_run) return;
    m_run->setNotify({});  // after this no call from the loop thread names us
    m_run->stop();
    if (m_reactor) m_reactor->stopHost(m_host);
    m_run.reset();
    m_reactor = nullptr;
    m_host = 0;
}

bool ScriptJob::start(engine::Reactor& reactor, engine::script::Script script, engine::script::RunOptions options,
                      bool stepping, bool drainReactor) {
    if (m_run) return false;
    options.cancel = nullptr;
    options.stepBudget = nullptr;
    options.onBegin = nullptr;
    options.onHeld = nullptr;
    options.record = nullptr;
    m_run = std::make_unique<engine::script::HostedRun>(std::move(script), std::move(options), stepping);
    m_reactor = &reactor;
    m_drainReactor = drainReactor;
    // Called on the loop thread, under the run's lock, when a batch begins:
    // one queued call, which takes the whole batch. setNotify({}) (detach)
    // waits for that lock, so the job is alive whenever this runs.
    ScriptJob* self = this;
    m_run->setNotify([self] { QMetaObject::invokeMethod(self, &ScriptJob::takeReports, Qt::QueuedConnection); });
    m_host = reactor.host(QStringLiteral("script").toStdString(), m_run->factory());
    return true;
}

void ScriptJob::takeReports() {
    if (!m_run) return;
    if (m_drainReactor && m_reactor) m_reactor->drain(m_scratch);
    m_run->take(m_reports);
    for (auto& r : m_reports) {
        using K = engine::script::HostedRun::Report::Kind;
        switch (r.kind) {
        case K::Begun: emit stepBegun(r.index); break;
        case K::Held: emit held(r.index); break;
        case K::Passed: {
            Passed p;
            p.index = r.index;
            p.line = r.step.line;
            p.ms = r.step.ms;
            p.detail = QString::fromStdString(r.step.detail);
            p.connection = r.step.connection;
            p.outOffset = r.step.outOffset;
            p.inOffset = r.step.inOffset;
            emit stepPassed(p, r.events);
            break;
        }
        case K::Finished: {
            // The run is over: forget it before anyone hears (a slot may start the next).
            auto run = std::move(m_run);
            run->setNotify({});
            m_reactor = nullptr;
            m_host = 0;
            const engine::script::RunResult result = r.result;
            const std::vector<engine::Event> events = std::move(r.events);
            m_reports.clear();
            emit finished(result, events);
            return;
        }
        }
        if (!m_run) return;  // a slot detached the job
    }
}

void ScriptJob::wake() {
    if (m_reactor) m_reactor->wake();
}

void ScriptJob::step() {
    if (!m_run) return;
    m_run->step();
    wake();
}

void ScriptJob::resume() {
    if (!m_run) return;
    m_run->resume();
    wake();
}

void ScriptJob::stop() {
    if (!m_run) return;
    m_run->stop();
    wake();
}

}  // namespace ui
