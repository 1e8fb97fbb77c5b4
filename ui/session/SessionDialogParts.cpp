// SessionDialogParts.cpp — the shared pieces of the session dialogs.
#include "ui/session/SessionDialogParts.h"

#include "engine/asyncore/Escape.h"

#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>

#include <string_view>

namespace ui {

QFont monospaceFont() {
    QFont mono(QStringLiteral("monospace"));
    mono.setStyleHint(QFont::TypeWriter);
    return mono;
}

QString shortEscaped(const std::string& bytes, std::size_t max) {
    const std::string e = engine::renderEscaped(std::string_view(bytes).substr(0, max));
    return QString::fromLatin1(e.data(), static_cast<qsizetype>(e.size())) +
           (bytes.size() > max ? QStringLiteral("…") : QString());
}

void addPairRow(QFormLayout* form, QWidget* parent, const QString& label, QWidget* main, const QString& word,
                QWidget* side) {
    auto* row = new QHBoxLayout;
    row->addWidget(main, 1);
    row->addWidget(new QLabel(word, parent));
    row->addWidget(side);
    auto* rowLabel = new QLabel(label, parent);
    rowLabel->setBuddy(main);
    form->addRow(rowLabel, row);
}

}  // namespace ui
