// ColorScheme.h — light, dark, or whatever the system uses.
//
// What it does: by default the application keeps the palette the platform
// gave it (so it follows the desktop's light or dark theme wherever Qt can
// see it). Where it cannot (a bare X server, some desktops), View ▸ Colour
// scheme forces a light or a dark palette; every widget of ours derives its
// accents from the palette in force (ViewColors), so nothing else changes.
// What it owns: nothing.
// Threads: GUI thread.
#pragma once

#include <QPalette>

namespace ui {

enum class ColorScheme { System, Light, Dark };

/// A dark palette for the Fusion style.
QPalette darkPalette();
/// A light palette for the Fusion style.
QPalette lightPalette();
/// Applies `scheme` to the application; `system` is the palette to go back
/// to for ColorScheme::System (the one the application started with).
void applyColorScheme(ColorScheme scheme, const QPalette& system);

}  // namespace ui
