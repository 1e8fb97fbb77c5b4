// ColumnWidths.h — table columns as wide as a sample of what they show.
//
// What it does: fitColumns() sizes sections of a header to the width of a
// sample text each (the widest value they usually show) plus a pad, so the
// columns fit their contents without resizing to contents on live data.
// What it owns: nothing.
// Threads: GUI thread.
#pragma once

#include <initializer_list>
#include <utility>

class QFontMetrics;
class QHeaderView;

namespace ui {

/// For each (section, sample) of `columns`: `header`'s section as wide as
/// `sample` (UTF-8) in `fm`, plus `pad` pixels.
void fitColumns(QHeaderView* header, const QFontMetrics& fm, int pad,
                std::initializer_list<std::pair<int, const char*>> columns);

}  // namespace ui
