// TeachingController.cpp — the Loop inspector and the examples in the window.
#include "ui/teaching/TeachingController.h"

#include "examples/ExampleRunner.h"
#include "ui/teaching/ExampleHost.h"
#include "ui/teaching/ExamplePane.h"
#include "ui/teaching/LoopInspector.h"

#include <QAction>
#include <QDockWidget>
#include <QMainWindow>
#include <QMenu>

#include <algorithm>

namespace ui {

TeachingController::TeachingController(EngineBridge* bridge, QMainWindow* window, QObject* parent)
    : QObject(parent), m_window(window) {
    m_loopInspector = new LoopInspector(bridge, window);
    m_loopDock = new QDockWidget(tr("Loop"), window);
    m_loopDock->setObjectName(QStringLiteral("LoopDock"));
    m_loopDock->setWidget(m_loopInspector);
    // The trace runs only while the inspector can be seen: closed, it costs
    // the engine nothing. (This object as the context: once it is gone, as
    // the window closes, hiding the dock reaches nothing.)
    connect(m_loopDock, &QDockWidget::visibilityChanged, this, [this](bool visible) {
        m_loopInspector->setTracing(visible || m_loopInspector->isPaused() ||
                                    (m_examplePane && m_examplePane->host()->isRunning()));
    });

    QAction* panel = m_loopDock->toggleViewAction();
    panel->setText(tr("Loop &inspector"));
    panel->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_4));
    panel->setObjectName(QStringLiteral("loopPanel"));

    m_loopMenu = new QMenu(tr("&Loop"), window);
    m_loopMenu->addAction(panel);
    m_teachingLayout = m_loopMenu->addAction(tr("&Teaching layout"));
    m_teachingLayout->setObjectName(QStringLiteral("teachingLayout"));
    m_teachingLayout->setToolTip(tr("The example's source and the loop picture side by side, as large as the window "
                                    "allows (fits a 1280×720 projector); other panels close"));
    connect(m_teachingLayout, &QAction::triggered, this, &TeachingController::teachingLayout);
    m_loopMenu->addSeparator();
    for (QAction* a : {m_loopInspector->pauseAction(), m_loopInspector->stepAction(), m_loopInspector->resumeAction(),
                       m_loopInspector->slowMotionAction()}) {
        m_loopMenu->addAction(a);
        window->addAction(a);
        // Using the controls opens the inspector: stepping blind teaches nothing.
        connect(a, &QAction::triggered, this, [this] {
            if (!m_loopDock->isVisible()) m_loopDock->show();
        });
    }

    // Examples: the documentation's asyncore/asynchat programs, each on a
    // local port with its client, paused at the start, in the example pane.
    // They run in this window's Reactor: their dispatchers are channels here.
    m_examplePane = new ExamplePane(bridge, window);
    m_exampleDock = new QDockWidget(tr("About this example"), window);
    m_exampleDock->setObjectName(QStringLiteral("ExampleDock"));
    m_exampleDock->setWidget(m_examplePane);
    m_examplesMenu = new QMenu(tr("E&xamples"), window);
    for (const examples::ExampleInfo& e : examples::allExamples()) {
        const QString name = QString::fromUtf8(e.name.data(), static_cast<qsizetype>(e.name.size()));
        QAction* a = m_examplesMenu->addAction(QString::fromUtf8(e.title.data(), static_cast<qsizetype>(e.title.size())));
        a->setObjectName(QStringLiteral("example-") + name);
        a->setToolTip(QString::fromUtf8(e.summary.data(), static_cast<qsizetype>(e.summary.size())));
        connect(a, &QAction::triggered, this, [this, name] { openExample(name); });
    }
    // The example's end gives the loop back as it was (ExampleHost resumes
    // a loop that ran): slow motion started during the example stops too.
    connect(m_examplePane->host(), &ExampleHost::finished, this, [this] {
        if (!m_slowBefore && m_loopInspector->slowMotionAction()->isChecked()) m_loopInspector->setSlowMotion(false);
    });
    m_examplesMenu->addSeparator();
    QAction* pane = m_exampleDock->toggleViewAction();
    pane->setText(tr("&About this example"));
    m_examplesMenu->addAction(pane);
}

QList<QAction*> TeachingController::loopActions() const {
    return {m_loopDock->toggleViewAction(), m_loopInspector->pauseAction(), m_loopInspector->stepAction(),
            m_loopInspector->resumeAction(), m_loopInspector->slowMotionAction()};
}

bool TeachingController::openExample(const QString& name) {
    if (m_readOnly) {
        // A session file's window has no engine running: the example gets a
        // live window of its own (and says so), else the reason.
        if (TeachingController* live = m_newWindow ? m_newWindow() : nullptr) return live->openExample(name);
        emit statusMessage(tr("Examples run in a live window; this one shows a session file."));
        return false;
    }
    // The Loop inspector shows the example's passes and, paused, what waits.
    if (!m_loopDock->isVisible()) m_loopDock->show();
    m_loopInspector->setTracing(true);
    if (!m_exampleDock->isVisible()) {
        m_exampleDock->show();
        // Source on the left, passes and log on the right: it wants room.
        m_window->resizeDocks({m_exampleDock}, {std::max(360, m_window->height() / 2)}, Qt::Vertical);
    }
    m_exampleDock->raise();
    if (!m_examplePane->host()->isRunning()) m_slowBefore = m_loopInspector->slowMotionAction()->isChecked();
    return m_examplePane->start(name);
}

void TeachingController::teachingLayout() {
    // The panels that are not about the loop close (the View menu brings
    // them back); the Channels list stays: its states are part of the lesson.
    for (QDockWidget* d : m_window->findChildren<QDockWidget*>(Qt::FindDirectChildrenOnly))
        if (d != m_loopDock && d != m_exampleDock && d->objectName() != QLatin1String("ChannelsDock")) d->hide();
    m_window->addDockWidget(Qt::BottomDockWidgetArea, m_exampleDock);
    m_window->splitDockWidget(m_exampleDock, m_loopDock, Qt::Horizontal);
    m_exampleDock->show();
    m_loopDock->show();
    const int w = m_window->width();
    const int h = m_window->height();
    // The picture wants the width; the source needs about 70 columns.
    m_window->resizeDocks({m_exampleDock, m_loopDock}, {w * 2 / 5, w * 3 / 5}, Qt::Horizontal);
    m_window->resizeDocks({m_loopDock}, {h * 3 / 5}, Qt::Vertical);
}

void TeachingController::setReadOnly() {
    m_readOnly = true;
    for (QAction* a : m_examplesMenu->actions())
        if (a->objectName().startsWith(QLatin1String("example-")))
            a->setToolTip(tr("%1 — opens in a new window: this one shows a session file").arg(a->toolTip()));
    m_loopDock->hide();
    for (QAction* a : loopActions()) a->setEnabled(false);
}

}  // namespace ui
