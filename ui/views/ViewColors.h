// ViewColors.h — the few colours the widgets add to the system palette.
//
// What it does: derives, from the palette in force, the colours used to set
// escapes, terminators, directions and errors apart. Nothing is hard-coded
// for a light background: every colour is picked for the palette's Base
// lightness, so the views read as well in a dark theme as in a light one;
// every text colour is then checked against the background it is drawn on
// (WCAG contrast ratio, contrast()) and moved towards black or white until it
// reaches 4.5:1 (readableOn()), whatever palette the system hands us.
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
    QColor quiet;         ///< Rows that matter less (idle loop passes): dimmer than Text, still readable on Base.
    QColor lineHighlight; ///< Behind a highlighted line (the example's current source line); Text reads on it.
    bool dark = false;    ///< The palette's Base is dark.

    /// The colours for `palette` (the application's palette if omitted).
    static ViewColors forPalette(const QPalette& palette);
    static ViewColors current();

    /// The WCAG 2 contrast ratio of two colours, from 1 (same) to 21 (black on white).
    static double contrast(const QColor& a, const QColor& b);
    /// `fg`, made lighter or darker (towards white on a dark `bg`, black on a
    /// light one) as little as it takes to reach `ratio` against `bg`; its hue kept.
    static QColor readableOn(const QColor& fg, const QColor& bg, double ratio = kReadable);
    /// The contrast WCAG asks of normal text (level AA).
    static constexpr double kReadable = 4.5;
};

}  // namespace ui
