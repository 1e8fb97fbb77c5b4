// TeachingController.h — teaching mode in the window: the Loop inspector,
// the Loop menu, and the examples with their pane.
//
// What it does: makes the Loop inspector and its dock (hidden until opened;
// the loop trace runs only while the inspector can be seen, while the loop
// is paused, or while an example runs, so closed it costs the engine
// nothing) and the Loop menu (the panel, pause / step / resume / slow
// motion; using a control opens the panel: stepping blind teaches nothing).
// Examples ▸ NAME runs one of the asyncore/asynchat documentation's programs
// in this window's Reactor (its dispatchers are channels here), on a local
// port with its client, paused at the start, shown in the example pane ("About
// this example", a dock of its own). The window places the docks and the
// two menus; setReadOnly() turns the loop controls off for a session file.
// Loop ▸ Teaching layout (teachingLayout()) arranges the window for a class
// or a projector (1280×720): the example's source and the Loop inspector side
// by side along the bottom, taking most of the height, the Channels panel
// kept, the other panels closed (the View menu brings them back).
// What it owns: the inspector, the pane, their docks and the two menus
// (children of the window, made here).
// Threads: GUI thread.
#pragma once

#include <QList>
#include <QObject>
#include <QString>

#include <functional>

class QAction;
class QDockWidget;
class QMainWindow;
class QMenu;

namespace ui {

class EngineBridge;
class ExamplePane;
class LoopInspector;

class TeachingController : public QObject {
    Q_OBJECT
public:
    TeachingController(EngineBridge* bridge, QMainWindow* window, QObject* parent = nullptr);

    LoopInspector* loopInspector() const { return m_loopInspector; }
    QDockWidget* loopDock() const { return m_loopDock; }
    ExamplePane* examplePane() const { return m_examplePane; }
    QDockWidget* exampleDock() const { return m_exampleDock; }
    QMenu* loopMenu() const { return m_loopMenu; }
    QMenu* examplesMenu() const { return m_examplesMenu; }
    /// Loop ▸ Teaching layout.
    QAction* teachingLayoutAction() const { return m_teachingLayout; }
    /// What it does (see above).
    void teachingLayout();
    /// The panel's toggle and the loop controls, in menu order.
    QList<QAction*> loopActions() const;

    /// Examples ▸ NAME: runs the built-in example, paused, in the example
    /// pane, with the Loop inspector open. False if there is no such example.
    /// In a read-only window (no engine runs there) it runs in a new live
    /// window from the factory, or, without one, says why it cannot.
    bool openExample(const QString& name);
    /// A session file is shown: the Loop dock closes and its controls are
    /// off; examples go to a live window (setWindowFactory()).
    void setReadOnly();
    /// Makes a new live window (shown) and returns its teaching controller.
    void setWindowFactory(std::function<TeachingController*()> factory) { m_newWindow = std::move(factory); }

signals:
    /// A passing message (the status bar).
    void statusMessage(const QString& text);

private:
    QMainWindow* m_window;
    LoopInspector* m_loopInspector = nullptr;
    QDockWidget* m_loopDock = nullptr;
    ExamplePane* m_examplePane = nullptr;
    QDockWidget* m_exampleDock = nullptr;
    QMenu* m_loopMenu = nullptr;
    QMenu* m_examplesMenu = nullptr;
    QAction* m_teachingLayout = nullptr;
    bool m_readOnly = false;
    bool m_slowBefore = false;  // the loop's slow motion was on before the example
    std::function<TeachingController*()> m_newWindow;
};

}  // namespace ui
