// SnippetBar.cpp — the strip of saved snippets above the composer.
#include "ui/views/SnippetBar.h"

#include "ui/views/ByteSyntax.h"
#include "ui/views/EscapeEdit.h"
#include "ui/views/FlowLayout.h"

#include <QAction>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPushButton>
#include <QToolButton>

namespace ui {

namespace {
constexpr int kMaxNameShown = 24;  // characters on a button (whole in its tooltip)
}

SnippetBar::SnippetBar(QWidget* parent) : QWidget(parent) {
    m_layout = new FlowLayout(this, 0, 4);
    m_layout->setContentsMargins(0, 0, 0, 0);
    m_label = new QLabel(tr("Snippets:"), this);
    m_label->setToolTip(tr("Saved messages: one click sends (right-click a snippet to edit or remove it)"));
    m_add = new QToolButton(this);
    m_add->setObjectName(QStringLiteral("addSnippet"));
    m_add->setText(tr("+ Snippet…"));
    m_add->setToolTip(tr("Save a message as a button here (for every channel, this protocol or this endpoint)"));
    m_add->setAutoRaise(true);
    connect(m_add, &QToolButton::clicked, this, [this] { openEditor(-1); });
    rebuild();
}

void SnippetBar::setTarget(const QString& protocol, const QString& endpoint, bool enabled) {
    if (protocol == m_protocol && endpoint == m_endpoint && enabled == m_enabled) return;
    m_protocol = protocol;
    m_endpoint = endpoint;
    m_enabled = enabled;
    rebuild();
}

void SnippetBar::setSnippets(const QList<Snippet>& snippets) {
    m_snippets = snippets;
    rebuild();
}

void SnippetBar::addSnippet(const Snippet& s) {
    m_snippets.append(s);
    rebuild();
    emit changed();
}

void SnippetBar::replaceSnippet(int index, const Snippet& s) {
    if (index < 0 || index >= m_snippets.size()) return;
    m_snippets[index] = s;
    rebuild();
    emit changed();
}

void SnippetBar::removeSnippet(int index) {
    if (index < 0 || index >= m_snippets.size()) return;
    m_snippets.removeAt(index);
    rebuild();
    emit changed();
}

bool SnippetBar::applies(const Snippet& s) const {
    if (s.scope.isEmpty()) return true;
    if (s.scope.startsWith(QLatin1String("protocol:")))
        return !m_protocol.isEmpty() && s.scope.mid(9) == m_protocol;
    if (s.scope.startsWith(QLatin1String("endpoint:")))
        return !m_endpoint.isEmpty() && s.scope.mid(9) == m_endpoint;
    return false;
}

void SnippetBar::rebuild() {
    while (QLayoutItem* item = m_layout->takeAt(0)) delete item;
    qDeleteAll(m_buttons);
    m_buttons.clear();
    m_layout->addWidget(m_label);
    for (int i = 0; i < m_snippets.size(); ++i) {
        const Snippet& s = m_snippets.at(i);
        if (!applies(s)) continue;
        auto* b = new QToolButton(this);
        b->setText(s.name.size() > kMaxNameShown ? s.name.left(kMaxNameShown - 1) + QChar(0x2026) : s.name);
        QString where = s.scope.isEmpty() ? tr("every channel") : s.scope.section(QLatin1Char(':'), 1);
        b->setToolTip(tr("%1 — sends: %2 (for %3; right-click to edit or remove)").arg(s.name, s.text.left(200), where));
        b->setEnabled(m_enabled);
        b->setContextMenuPolicy(Qt::CustomContextMenu);
        connect(b, &QToolButton::clicked, this, [this, i] {
            if (i < m_snippets.size()) emit clicked(m_snippets.at(i).text);
        });
        connect(b, &QWidget::customContextMenuRequested, this, [this, b, i](const QPoint& at) {
            auto* menu = new QMenu(this);
            menu->setAttribute(Qt::WA_DeleteOnClose);
            menu->addAction(tr("&Edit…"), this, [this, i] { openEditor(i); });
            menu->addAction(tr("&Remove"), this, [this, i] { removeSnippet(i); });
            menu->popup(b->mapToGlobal(at));
        });
        m_layout->addWidget(b);
        m_buttons.append(b);
    }
    m_layout->addWidget(m_add);
    m_label->setEnabled(!m_buttons.isEmpty());
    updateGeometry();
}

QDialog* SnippetBar::openEditor(int index) {
    const bool editing = index >= 0 && index < m_snippets.size();
    const Snippet old = editing ? m_snippets.at(index) : Snippet{};
    auto* dialog = new QDialog(this);
    dialog->setObjectName(QStringLiteral("snippetEditor"));
    dialog->setWindowTitle(editing ? tr("Edit snippet") : tr("New snippet"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    auto* name = new QLineEdit(old.name, dialog);
    name->setObjectName(QStringLiteral("name"));
    name->setPlaceholderText(tr("What the button says"));
    auto* text = new EscapeEdit(dialog);
    text->setObjectName(QStringLiteral("text"));
    text->setMultiLine(true);
    text->setText(old.text);
    text->setPlaceholderText(tr("Escaped text (\\r \\n \\t \\0 \\\\ \\xNN); Shift+Enter: another line"));
    auto* scope = new QComboBox(dialog);
    scope->setObjectName(QStringLiteral("scope"));
    scope->addItem(tr("Every channel"), QString());
    if (!m_protocol.isEmpty())
        scope->addItem(tr("Channels running %1").arg(m_protocol), QStringLiteral("protocol:") + m_protocol);
    if (!m_endpoint.isEmpty())
        scope->addItem(tr("Channels on %1").arg(m_endpoint), QStringLiteral("endpoint:") + m_endpoint);
    if (!old.scope.isEmpty() && scope->findData(old.scope) < 0)
        scope->addItem(old.scope.section(QLatin1Char(':'), 1), old.scope);
    scope->setCurrentIndex(qMax(0, scope->findData(old.scope)));
    auto* note = new QLabel(dialog);
    note->setTextFormat(Qt::PlainText);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel, dialog);
    auto* form = new QFormLayout(dialog);
    form->addRow(tr("&Name:"), name);
    form->addRow(tr("&Text:"), text);
    form->addRow(tr("&For:"), scope);
    form->addRow(note);
    form->addRow(buttons);
    const auto check = [=] {
        const bool ok = !name->text().trimmed().isEmpty() && text->isValid() && !text->text().isEmpty();
        buttons->button(QDialogButtonBox::Save)->setEnabled(ok);
        note->setText(!text->isValid() ? text->errorMessage() : QString());
    };
    connect(name, &QLineEdit::textChanged, dialog, check);
    connect(text, &EscapeEdit::edited, dialog, check);
    check();
    // Enter in the text sends nothing here: it saves, as the dialog's default button.
    connect(text, &EscapeEdit::submitted, dialog, [buttons] { buttons->button(QDialogButtonBox::Save)->click(); });
    connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::reject);
    connect(buttons, &QDialogButtonBox::accepted, dialog, [this, dialog, name, text, scope, editing, old] {
        if (name->text().trimmed().isEmpty() || !text->isValid() || text->text().isEmpty()) return;
        const Snippet s{name->text().trimmed(), text->text(), scope->currentData().toString()};
        // The list may have changed while the dialog was open: edit the snippet it was opened on.
        const int at = editing ? static_cast<int>(m_snippets.indexOf(old)) : -1;
        if (editing && at >= 0)
            replaceSnippet(at, s);
        else if (!editing)
            addSnippet(s);
        dialog->accept();
    });
    dialog->open();
    return dialog;
}

QByteArray SnippetBar::toJson(const QList<Snippet>& snippets) {
    QJsonArray a;
    for (const Snippet& s : snippets)
        a.append(QJsonObject{{QStringLiteral("name"), s.name}, {QStringLiteral("text"), s.text},
                             {QStringLiteral("scope"), s.scope}});
    return QJsonDocument(a).toJson(QJsonDocument::Compact);
}

QList<Snippet> SnippetBar::fromJson(const QByteArray& json) {
    QList<Snippet> out;
    const QJsonDocument doc = QJsonDocument::fromJson(json);
    if (!doc.isArray()) return out;
    for (const QJsonValue& v : doc.array()) {
        const QJsonObject o = v.toObject();
        Snippet s{o.value(QStringLiteral("name")).toString(), o.value(QStringLiteral("text")).toString(),
                  o.value(QStringLiteral("scope")).toString()};
        if (s.name.isEmpty() || s.text.isEmpty()) continue;
        out.append(s);
    }
    return out;
}

}  // namespace ui
