// DialogFit.h — keeps a dialog inside the screen: its fields scroll when
// the screen is too small for them (a large QT_SCALE_FACTOR), its buttons
// stay in view below, and it grows and shrinks as fields show and hide.
//
// What it does: DialogFit builds `dialog`'s layout: `fields` in a frameless
// scroll area, `buttons` under it. fittedSize() is every field and the
// buttons, bounded by the available area of the dialog's screen (room left
// for the window frame and title bar, which a size hint does not include);
// refit() resizes to it once the layouts have settled (the next event loop
// turn) and moves a visible dialog back inside the screen. The Listen,
// Connect, Proxy, Start TLS and Protocol dialogs use it. column() makes
// the `fields` widget of a form and the widgets below it. boundedToScreen()
// bounds any size the same way.
// What it owns: nothing (the scroll area belongs to the dialog).
// Threads: GUI thread only.
#pragma once

#include <QObject>
#include <QSize>

#include <initializer_list>

class QDialog;
class QLayout;
class QScrollArea;
class QWidget;

namespace ui {

namespace dialogfit {
/// `wanted`, no larger than the available area of `w`'s screen less the window frame.
QSize boundedToScreen(const QWidget* w, QSize wanted);
/// A new widget holding `form` (if any) and then `below`, top-aligned (a stretch under them).
QWidget* column(QLayout* form, std::initializer_list<QWidget*> below);
}  // namespace dialogfit

class DialogFit : public QObject {
    Q_OBJECT
public:
    /// Lays out `dialog` (which must have no layout yet): `fields` scrolling, `buttons` below.
    DialogFit(QDialog* dialog, QWidget* fields, QWidget* buttons);

    /// Every field and the buttons, bounded by the screen.
    QSize fittedSize() const;
    /// resize(fittedSize()) after the layouts settle, kept on the screen.
    void refit();
    /// The same, now.
    void refitNow();
    QScrollArea* scrollArea() const { return m_scroll; }

private:
    QDialog* m_dialog;
    QWidget* m_buttons;
    QScrollArea* m_scroll = nullptr;
    QSize m_fitted;
    bool m_pending = false;
};

}  // namespace ui
