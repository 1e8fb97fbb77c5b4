// ActionSet.cpp — named actions, made alike.
#include "ui/ActionSet.h"

#include <QAction>
#include <QWidget>

namespace ui {

QAction* ActionSet::add(const QString& name, const QString& text, const QKeySequence& key, const QString& tip) {
    auto* a = new QAction(text, m_window);
    a->setObjectName(name);
    if (!key.isEmpty()) a->setShortcut(key);
    a->setToolTip(key.isEmpty() ? tip
                                : QWidget::tr("%1 (%2)").arg(tip, key.toString(QKeySequence::NativeText)));
    a->setStatusTip(tip);
    m_window->addAction(a);
    m_actions.insert(name, a);
    return a;
}

}  // namespace ui
