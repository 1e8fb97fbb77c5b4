// ViewColors.h — the few colours the widgets add to the system palette.
//
// What it does: derives, from the palette in force, the colours used to set
// escapes, terminators, directions and errors apart. Nothing is hard-coded
// for a light background: every colour is picked for the palette's Base
// lightness, so the views read as well in a dark theme as in a light one.
// What it owns: nothing; a value type.
// Threads: GUI thread (QPalette).
#pragma once

#include <QColor>
#include <QPalette>

namespace ui {

struct ViewColors {
    QColor escape;        ///< `\r`, `\xNN`: control bytes shown as escapes.
    QColor terminator;    ///< The terminator's bytes.
    QColor terminatorBg;  ///< A tint behind the terminator.
    QColor incoming;      ///< Direction "in" (collect, found_terminator).
    QColor outgoing;      ///< Direction "out" (push, sent).
    QColor error;         ///< Error rows and invalid input.
    QColor errorBg;       ///< A tint behind invalid input.
    QColor warning;       ///< Warning rows.
    QColor muted;         ///< Secondary text (lifecycle rows, hints).
    QColor good;          ///< "yes" indicators (readable(), writable()).
    bool dark = false;    ///< The palette's Base is dark.

    /// The colours for `palette` (the application's palette if omitted).
    static ViewColors forPalette(const QPalette& palette);
    static ViewColors current();
};

}  // namespace ui
