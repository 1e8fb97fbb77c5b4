// PreferencesDialog.h — Edit ▸ Preferences: how much the recordings keep.
//
// What it does: edits a RetentionPolicy (the sessions folder's total size,
// a recording's age, the size a recording warns at and the size it stops
// at; 0 turns a limit off) and, on OK, saves it to the settings and emits
// policyChanged(). Restore defaults puts the default policy in the fields.
// What it owns: its widgets.
// Threads: GUI thread.
#pragma once

#include "ui/session/RecordingRetention.h"

#include <QDialog>

class QSpinBox;

namespace ui {

class PreferencesDialog : public QDialog {
    Q_OBJECT
public:
    explicit PreferencesDialog(const RetentionPolicy& policy, QWidget* parent = nullptr);

    /// What the fields say.
    RetentionPolicy policy() const;
    void setPolicy(const RetentionPolicy& policy);

    QSpinBox* totalField() const { return m_total; }
    QSpinBox* ageField() const { return m_age; }
    QSpinBox* warnField() const { return m_warn; }
    QSpinBox* stopField() const { return m_stop; }

    void accept() override;

signals:
    /// OK saved `policy`.
    void policyChanged(const ui::RetentionPolicy& policy);

private:
    QSpinBox* m_total = nullptr;
    QSpinBox* m_age = nullptr;
    QSpinBox* m_warn = nullptr;
    QSpinBox* m_stop = nullptr;
};

}  // namespace ui
