// ActionSet.h — the named actions of one part of the window.
//
// What it does: makes an action the way the window shows every action (the
// name as objectName, the shortcut, a status tip, and a tool tip that ends
// with the shortcut), adds it to the window so that its shortcut works
// wherever the focus is, and finds actions by name (MainWindow::action()
// asks the window's set and each controller's). Actions made elsewhere (a
// view's own) can be listed under a name too.
// What it owns: nothing: the actions are children of the window.
// Threads: GUI thread.
#pragma once

#include <QAction>
#include <QHash>
#include <QKeySequence>
#include <QString>

class QWidget;

namespace ui {

class ActionSet {
public:
    /// Actions go to `window` (their parent, and where their shortcuts work).
    explicit ActionSet(QWidget* window) : m_window(window) {}

    /// A new action named `name`; connect its triggered() signal yourself.
    QAction* add(const QString& name, const QString& text, const QKeySequence& key, const QString& tip);
    /// The same, its triggered() signal connected to `slot` of `receiver`.
    template <class Receiver, class Slot>
    QAction* add(const QString& name, const QString& text, const QKeySequence& key, const QString& tip,
                 const Receiver* receiver, Slot slot) {
        QAction* a = add(name, text, key, tip);
        QObject::connect(a, &QAction::triggered, receiver, slot);
        return a;
    }
    /// Lists an action made elsewhere under `name`.
    void insert(const QString& name, QAction* action) { m_actions.insert(name, action); }
    /// The action named `name`, or nullptr.
    QAction* value(const QString& name) const { return m_actions.value(name); }

private:
    QWidget* m_window;
    QHash<QString, QAction*> m_actions;
};

}  // namespace ui
