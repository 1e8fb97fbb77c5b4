// MainWindowTeaching.cpp — teaching mode in the main window: the Loop
// inspector dock and the Loop menu (pause / step / resume / slow motion).
// Kept apart from MainWindow.cpp so that teaching mode is one additive piece.
#include "examples/ExampleRunner.h"
#include "ui/teaching/ExampleHost.h"
#include "ui/teaching/ExamplePane.h"
#include "ui/teaching/LoopInspector.h"
#include "ui/MainWindow.h"

#include <QDockWidget>
#include <QMenu>
#include <QMenuBar>

#include <algorithm>

namespace ui {

void MainWindow::buildTeaching() {
    m_loopInspector = new LoopInspector(m_bridge.get(), this);
    m_loopDock = new QDockWidget(tr("Loop"), this);
    m_loopDock->setObjectName(QStringLiteral("LoopDock"));
    m_loopDock->setWidget(m_loopInspector);
    addDockWidget(Qt::BottomDockWidgetArea, m_loopDock);
    m_loopDock->hide();
    // The trace runs only while the inspector can be seen: closed, it costs
    // the engine nothing.
    connect(m_loopDock, &QDockWidget::visibilityChanged, m_loopInspector, [this](bool visible) {
        m_loopInspector->setTracing(visible || m_loopInspector->isPaused() ||
                                    (m_examplePane && m_examplePane->host()->isRunning()));
    });

    QAction* panel = m_loopDock->toggleViewAction();
    panel->setText(tr("Loop &inspector"));
    panel->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_4));
    panel->setObjectName(QStringLiteral("loopPanel"));

    QMenu* loop = new QMenu(tr("&Loop"), this);
    loop->addAction(panel);
    loop->addSeparator();
    for (QAction* a : {m_loopInspector->pauseAction(), m_loopInspector->stepAction(),
                       m_loopInspector->resumeAction(), m_loopInspector->slowMotionAction()}) {
        loop->addAction(a);
        addAction(a);
        // Using the controls opens the inspector: stepping blind teaches nothing.
        connect(a, &QAction::triggered, m_loopDock, [this] {
            if (!m_loopDock->isVisible()) m_loopDock->show();
        });
    }

    // Examples: the documentation's asyncore/asynchat programs, each on a
    // local port with its client, paused at the start, in the example pane.
    // They run in this window's Reactor: their dispatchers are channels here.
    m_examplePane = new ExamplePane(m_bridge.get(), this);
    m_exampleDock = new QDockWidget(tr("About this example"), this);
    m_exampleDock->setObjectName(QStringLiteral("ExampleDock"));
    m_exampleDock->setWidget(m_examplePane);
    addDockWidget(Qt::BottomDockWidgetArea, m_exampleDock);
    m_exampleDock->hide();
    QMenu* examplesMenu = new QMenu(tr("E&xamples"), this);
    for (const examples::ExampleInfo& e : examples::allExamples()) {
        const QString name = QString::fromUtf8(e.name.data(), static_cast<qsizetype>(e.name.size()));
        QAction* a = examplesMenu->addAction(QString::fromUtf8(e.title.data(), static_cast<qsizetype>(e.title.size())));
        a->setObjectName(QStringLiteral("example-") + name);
        a->setToolTip(QString::fromUtf8(e.summary.data(), static_cast<qsizetype>(e.summary.size())));
        connect(a, &QAction::triggered, this, [this, name] { openExample(name); });
    }
    examplesMenu->addSeparator();
    QAction* pane = m_exampleDock->toggleViewAction();
    pane->setText(tr("&About this example"));
    examplesMenu->addAction(pane);

    const QList<QAction*> menus = menuBar()->actions();
    if (menus.isEmpty()) {
        menuBar()->addMenu(loop);
        menuBar()->addMenu(examplesMenu);
    } else {
        menuBar()->insertMenu(menus.last(), loop);  // before Help
        menuBar()->insertMenu(menus.last(), examplesMenu);
    }
}

bool MainWindow::openExample(const QString& name) {
    // The Loop inspector shows the example's passes and, paused, what waits.
    if (!m_loopDock->isVisible()) m_loopDock->show();
    m_loopInspector->setTracing(true);
    if (!m_exampleDock->isVisible()) {
        m_exampleDock->show();
        // Source on the left, passes and log on the right: it wants room.
        resizeDocks({m_exampleDock}, {std::max(360, height() / 2)}, Qt::Vertical);
    }
    m_exampleDock->raise();
    return m_examplePane->start(name);
}

}  // namespace ui
