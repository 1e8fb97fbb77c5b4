// SessionDialogParts.h — pieces the session dialogs (ReplayDialog,
// MockDialog, DivergenceView) build their forms and logs from, so that they
// look and behave alike.
//
// monospaceFont(): the fixed-width font of their logs and byte panes.
// shortEscaped(): the first `max` bytes, escaped, with "…" when cut.
// addPairRow(): a form row "Label: [main———] word [side]" whose label's
// mnemonic focuses `main` (host and port, pacing and speed).
// The widgets made are owned by `parent` (Qt ownership).
// Threads: GUI thread.
#pragma once

#include <QFont>
#include <QString>

#include <cstddef>
#include <string>

class QFormLayout;
class QWidget;

namespace ui {

QFont monospaceFont();

QString shortEscaped(const std::string& bytes, std::size_t max);

void addPairRow(QFormLayout* form, QWidget* parent, const QString& label, QWidget* main, const QString& word,
                QWidget* side);

}  // namespace ui
