// ViewColors.cpp — palette-derived accent colours.
#include "ui/views/ViewColors.h"

#include <QApplication>

#include <algorithm>
#include <cmath>

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

// WCAG 2 relative luminance.
double luminance(const QColor& c) {
    const auto channel = [](float v) {
        return v <= 0.04045f ? double(v) / 12.92 : std::pow((double(v) + 0.055) / 1.055, 2.4);
    };
    const QColor rgb = c.toRgb();
    return 0.2126 * channel(rgb.redF()) + 0.7152 * channel(rgb.greenF()) + 0.0722 * channel(rgb.blueF());
}

}  // namespace

double ViewColors::contrast(const QColor& a, const QColor& b) {
    const double la = luminance(a), lb = luminance(b);
    return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
}

QColor ViewColors::readableOn(const QColor& fg, const QColor& bg, double ratio) {
    if (contrast(fg, bg) >= ratio) return fg;
    // Towards the end that contrasts more with bg, in small steps.
    const QColor end = contrast(Qt::white, bg) >= contrast(Qt::black, bg) ? QColor(Qt::white) : QColor(Qt::black);
    for (int step = 1; step <= 20; ++step) {
        const QColor c = blend(fg, end, float(step) / 20.0f);
        if (contrast(c, bg) >= ratio) return c;
    }
    return end;
}

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
    c.quiet = blend(base, text, 0.5f);
    // A tint of the selection colour, as strong as it can be while Text still reads on it.
    const QColor highlight = palette.color(QPalette::Highlight);
    for (float t = c.dark ? 0.45f : 0.3f; t >= 0.0f; t -= 0.05f) {
        c.lineHighlight = blend(base, highlight, t);
        if (contrast(text, c.lineHighlight) >= kReadable) break;
    }
    // Every text colour readable on the backgrounds it is drawn on: Base
    // (views), Window (labels) and, for errors and terminators, their tints.
    const QColor window = palette.color(QPalette::Window);
    for (QColor* fg : {&c.escape, &c.incoming, &c.outgoing, &c.error, &c.warning, &c.muted, &c.good, &c.quiet})
        *fg = readableOn(readableOn(*fg, base), window);
    c.error = readableOn(c.error, c.errorBg);
    c.terminator = readableOn(c.terminator, c.terminatorBg);
    return c;
}

ViewColors ViewColors::current() {
    return forPalette(QApplication::palette());
}

}  // namespace ui
