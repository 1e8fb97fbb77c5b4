// ScriptJob.cpp — a script's run on its own thread, reported in batches.
#include "ui/script/ScriptJob.h"

#include <QMetaObject>

namespace ui {

ScriptJob::ScriptJob(QObject* parent) : QObject(parent) {}

ScriptJob::~ScriptJob() {
    m_cancel = true;
    join();
}

void ScriptJob::join() {
    if (m_thread && m_thread->joinable()) m_thread->join();
    m_thread.reset();
}

bool ScriptJob::start(engine::script::Script script, engine::script::RunOptions options, bool stepping) {
    if (m_thread) return false;
    m_script = std::make_unique<engine::script::Script>(std::move(script));
    m_cancel = false;
    m_budget = stepping ? 1 : std::numeric_limits<std::uint64_t>::max();
    options.cancel = &m_cancel;
    options.stepBudget = &m_budget;
    // Every call below runs on the run's thread and posts to the GUI thread.
    // The job outlives the thread (its destructor joins it); what is still
    // queued when it goes is dropped by Qt.
    ScriptJob* self = this;
    options.onBegin = [self](std::size_t i) {
        QMetaObject::invokeMethod(self, [self, i] { emit self->stepBegun(i); }, Qt::QueuedConnection);
    };
    options.onHeld = [self](std::size_t i) {
        QMetaObject::invokeMethod(self, [self, i] { emit self->held(i); }, Qt::QueuedConnection);
    };
    const engine::script::Script* s = m_script.get();
    m_thread.emplace([self, s, options]() mutable {
        std::vector<engine::Event> record;
        options.record = &record;
        engine::script::ScriptRunner runner(*s, options);
        const auto result = runner.run([&](const engine::script::StepDone& d) {
            Passed p;
            p.index = d.step - 1;
            p.line = d.line;
            p.ms = d.ms;
            p.detail = QString::fromStdString(d.detail);
            std::vector<engine::Event> batch;
            batch.swap(record);
            QMetaObject::invokeMethod(
                self, [self, p, batch = std::move(batch)] { emit self->stepPassed(p, batch); }, Qt::QueuedConnection);
        });
        QMetaObject::invokeMethod(
            self,
            [self, result, batch = std::move(record)] {
                self->join();
                emit self->finished(result, batch);
            },
            Qt::QueuedConnection);
    });
    return true;
}

void ScriptJob::step() {
    if (m_budget.load() != std::numeric_limits<std::uint64_t>::max()) ++m_budget;
}

void ScriptJob::resume() { m_budget = std::numeric_limits<std::uint64_t>::max(); }

void ScriptJob::stop() { m_cancel = true; }

}  // namespace ui
