// ViewColors.cpp — palette-derived accent colours.
#include "ui/views/ViewColors.h"

#include <QApplication>

namespace ui {
namespace {

// A hue at a lightness that contrasts with the Base colour.
QColor accent(int hue, bool dark, int saturation = 170) {
    return QColor::fromHsl(hue, saturation, dark ? 170 : 90);
}

QColor blend(const QColor& a, const QColor& b, float t) {
    return QColor::fromRgbF(a.redF() * (1 - t) + b.redF() * t, a.greenF() * (1 - t) + b.greenF() * t,
                            a.blueF() * (1 - t) + b.blueF() * t);
}

}  // namespace

ViewColors ViewColors::forPalette(const QPalette& palette) {
    ViewColors c;
    const QColor base = palette.color(QPalette::Base);
    const QColor text = palette.color(QPalette::Text);
    c.dark = base.lightness() < 128;
    c.escape = accent(280, c.dark, 120);      // violet
    c.terminator = accent(30, c.dark, 200);   // amber
    c.terminatorBg = blend(base, c.terminator, c.dark ? 0.22f : 0.16f);
    c.incoming = accent(210, c.dark);         // blue
    c.outgoing = accent(130, c.dark, 140);    // green
    c.error = accent(0, c.dark, 190);         // red
    c.errorBg = blend(base, c.error, c.dark ? 0.25f : 0.14f);
    c.warning = accent(40, c.dark, 200);
    c.muted = blend(base, text, 0.6f);
    c.good = c.outgoing;
    return c;
}

ViewColors ViewColors::current() {
    return forPalette(QApplication::palette());
}

}  // namespace ui
