// ColumnWidths.cpp — table columns as wide as a sample of what they show.
#include "ui/views/ColumnWidths.h"

#include <QFontMetrics>
#include <QHeaderView>
#include <QString>

namespace ui {

void fitColumns(QHeaderView* header, const QFontMetrics& fm, int pad,
                std::initializer_list<std::pair<int, const char*>> columns) {
    for (const auto& [section, sample] : columns)
        header->resizeSection(section, fm.horizontalAdvance(QString::fromUtf8(sample)) + pad);
}

}  // namespace ui
