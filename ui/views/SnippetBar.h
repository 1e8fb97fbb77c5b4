// SnippetBar.h — saved snippets: a strip of buttons above the composer's
// message line, one click sends.
//
// What it does: shows one button per saved snippet that applies to the
// composer's target — kept for every channel, for one protocol (the preset a
// channel runs, "redis") or for one endpoint ("127.0.0.1:6379": a client's
// peer, a listener's or its connections' listening address) — and a "+"
// button. A click on a snippet emits clicked() with its text (escaped text,
// lines separated by '\n'); the composer sends it as it sends what is typed.
// Right-click on a snippet: Edit…, Remove. "+" (and Edit…) open a small
// dialog (not blocking): name, text, and where it applies. Snippets are kept
// as JSON (toJson/fromJson) by the owner, in QSettings; changed() says when.
// What it owns: the snippets and their buttons.
// Threads: GUI thread.
#pragma once

#include <QByteArray>
#include <QList>
#include <QString>
#include <QWidget>

class QDialog;
class QLabel;
class QToolButton;

namespace ui {

class FlowLayout;

struct Snippet {
    QString name;
    QString text;   ///< escaped text; '\n' separates lines
    QString scope;  ///< "": every channel; "protocol:NAME"; "endpoint:HOST:PORT"
    bool operator==(const Snippet&) const = default;
};

class SnippetBar : public QWidget {
    Q_OBJECT
public:
    explicit SnippetBar(QWidget* parent = nullptr);

    /// What the target is: its protocol ("" none) and endpoint ("" none);
    /// `enabled` is whether a click could send now.
    void setTarget(const QString& protocol, const QString& endpoint, bool enabled);

    QList<Snippet> snippets() const { return m_snippets; }
    void setSnippets(const QList<Snippet>& snippets);
    void addSnippet(const Snippet& s);
    void replaceSnippet(int index, const Snippet& s);
    void removeSnippet(int index);

    /// The buttons shown now (the snippets that apply to the target), in order.
    QList<QToolButton*> buttons() const { return m_buttons; }
    QToolButton* addButton() const { return m_add; }
    /// Whether snippet `s` applies to the current target.
    bool applies(const Snippet& s) const;

    /// Opens the editor for snippet `index` (-1: a new one); not blocking.
    QDialog* openEditor(int index = -1);

    static QByteArray toJson(const QList<Snippet>& snippets);
    static QList<Snippet> fromJson(const QByteArray& json);

signals:
    void clicked(const QString& text);
    void changed();

private:
    void rebuild();

    QList<Snippet> m_snippets;
    QString m_protocol;
    QString m_endpoint;
    bool m_enabled = false;
    FlowLayout* m_layout = nullptr;
    QLabel* m_label = nullptr;
    QToolButton* m_add = nullptr;
    QList<QToolButton*> m_buttons;
};

}  // namespace ui
