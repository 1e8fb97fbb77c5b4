// InterceptPane.h — intercept on a framing proxy, in the window: the
// messages a proxy holds, and what the user does with them.
//
// What it does: follows the proxy selected under Channels (a proxying
// listener: every pair it has; a leg of a proxied connection: that pair).
// "Intercept" turns holding on or off for it (the engine's
// cmd::SetIntercept). Every message held (`intercept` held events) is
// listed with its direction (C→S: from the real client to the real server;
// S→C: back) and its bytes escaped; Forward, Edit (the bytes in an escape
// editor, as the composer has it, then Forward edited) and Drop act on the
// one selected, Forward all / Drop all on every one in the scope
// (cmd::ReleaseHeld). Inject sends new bytes to the server or to the client
// of the pair (a Push on the leg that faces it). The list follows the
// engine's events: a message leaves it when its forwarded / edited /
// dropped event comes back, or when its leg closes. Nothing here waits on
// the engine; it only emits requests.
// What it owns: its child widgets and the list of held messages.
// Threads: GUI thread only.
#pragma once

#include "engine/reactor/Command.h"
#include "engine/reactor/Event.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QSet>
#include <QWidget>

#include <cstdint>
#include <vector>

class QCheckBox;
class QComboBox;
class QLabel;
class QPushButton;
class QTreeWidget;

namespace ui {

class EscapeEdit;

class InterceptPane : public QWidget {
    Q_OBJECT
public:
    explicit InterceptPane(QWidget* parent = nullptr);

    /// Folds a batch in (intercept, accepted and closed events).
    void applyEvents(const std::vector<engine::Event>& batch);
    /// What the pane acts on: `target` a proxying listener (`legs`: the legs
    /// of its pairs) or a leg (`legs`: its pair); target 0: nothing (not a proxy).
    void showScope(engine::ChannelId target, const QSet<engine::ChannelId>& legs);
    engine::ChannelId target() const { return m_target; }

    /// The messages listed now (in the scope), oldest first.
    int heldCount() const;
    QCheckBox* interceptBox() const { return m_intercept; }
    QTreeWidget* list() const { return m_list; }
    EscapeEdit* editor() const { return m_editor; }
    EscapeEdit* injectEdit() const { return m_inject; }
    QComboBox* injectTo() const { return m_injectTo; }
    QPushButton* button(const QString& name) const;

signals:
    void interceptRequested(engine::ChannelId target, bool on);
    void releaseRequested(engine::ChannelId leg, std::uint64_t message, engine::cmd::ReleaseHeld::Action action,
                          const QByteArray& data);
    /// Push `data` on `leg` (the accepted leg: to the client; the upstream leg: to the server).
    void injectRequested(engine::ChannelId leg, const QByteArray& data);

private:
    struct Held {
        engine::ChannelId leg = 0;
        std::uint64_t id = 0;
        QByteArray bytes;
    };
    void rebuild();
    void updateButtons();
    const Held* selected() const;
    void release(engine::cmd::ReleaseHeld::Action action);
    void releaseAll(engine::cmd::ReleaseHeld::Action action);
    void inject();
    /// The leg of the pair in scope (or of the selected message's pair) that faces the server / the client.
    engine::ChannelId injectLeg(bool toServer) const;

    engine::ChannelId m_target = 0;
    QSet<engine::ChannelId> m_legs;
    QHash<engine::ChannelId, engine::ChannelId> m_peer;  // leg → the other leg
    QSet<engine::ChannelId> m_upstream;                  // the legs facing the server
    QSet<engine::ChannelId> m_on;                        // listeners and legs with intercept on
    QList<Held> m_held;
    bool m_updating = false;

    QCheckBox* m_intercept = nullptr;
    QLabel* m_status = nullptr;
    QTreeWidget* m_list = nullptr;
    QHash<QString, QPushButton*> m_buttons;
    EscapeEdit* m_editor = nullptr;
    EscapeEdit* m_inject = nullptr;
    QComboBox* m_injectTo = nullptr;
};

}  // namespace ui
