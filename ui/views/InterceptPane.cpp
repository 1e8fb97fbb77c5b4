// InterceptPane.cpp — the held messages of a framing proxy, and what to do with them.
#include "ui/views/InterceptPane.h"

#include "engine/asyncore/Escape.h"
#include "ui/model/Formatters.h"
#include "ui/views/EscapeEdit.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace ui {

using Action = engine::cmd::ReleaseHeld::Action;

namespace {
QString escaped(const QByteArray& b) {
    return QString::fromStdString(engine::renderEscaped(std::string_view(b.constData(), static_cast<std::size_t>(b.size()))));
}
}  // namespace

InterceptPane::InterceptPane(QWidget* parent) : QWidget(parent) {
    m_intercept = new QCheckBox(tr("&Intercept"), this);
    m_intercept->setToolTip(tr("Hold each message the proxy frames instead of forwarding it (the selected proxy: all its "
                               "connections; a proxied connection: that one). Off forwards what is held, in order."));
    m_status = new QLabel(this);
    m_status->setWordWrap(true);

    m_list = new QTreeWidget(this);
    m_list->setColumnCount(3);
    m_list->setHeaderLabels({tr("Held"), tr("Dir"), tr("Message")});
    m_list->setRootIsDecorated(false);
    m_list->setUniformRowHeights(true);
    m_list->setSelectionMode(QAbstractItemView::SingleSelection);
    m_list->header()->setStretchLastSection(true);
    m_list->setToolTip(tr("C→S: from the real client to the real server; S→C: back"));

    const auto button = [this](const QString& name, const QString& text, const QString& tip) {
        auto* b = new QPushButton(text, this);
        b->setToolTip(tip);
        m_buttons.insert(name, b);
        return b;
    };
    QPushButton* forward = button(QStringLiteral("forward"), tr("&Forward"), tr("Send the selected message on, as it was"));
    QPushButton* edit = button(QStringLiteral("edit"), tr("&Edit"), tr("Put the selected message in the editor below"));
    QPushButton* drop = button(QStringLiteral("drop"), tr("&Drop"), tr("Drop the selected message: it never arrives"));
    QPushButton* forwardAll = button(QStringLiteral("forwardAll"), tr("Forward &all"), tr("Send every held message on, in order"));
    QPushButton* dropAll = button(QStringLiteral("dropAll"), tr("Drop a&ll"), tr("Drop every held message"));
    QPushButton* sendEdited =
        button(QStringLiteral("forwardEdited"), tr("Forward edi&ted"), tr("Send the edited bytes instead of the selected message"));
    QPushButton* injectButton =
        button(QStringLiteral("inject"), tr("I&nject"), tr("Send these bytes to the chosen side of the proxied connection"));

    m_editor = new EscapeEdit(this);
    m_editor->setToolTip(tr("The held message, escaped (\\r \\n \\t \\xNN); edit it, then Forward edited"));
    m_inject = new EscapeEdit(this);
    m_inject->setToolTip(tr("New bytes to inject, escaped (\\r \\n \\t \\xNN)"));
    m_injectTo = new QComboBox(this);
    m_injectTo->addItem(tr("to the server"));
    m_injectTo->addItem(tr("to the client"));

    auto* top = new QHBoxLayout;
    top->addWidget(m_intercept);
    top->addWidget(m_status, 1);
    auto* actions = new QHBoxLayout;
    for (QPushButton* b : {forward, edit, drop, forwardAll, dropAll}) actions->addWidget(b);
    actions->addStretch(1);
    auto* editRow = new QHBoxLayout;
    editRow->addWidget(m_editor, 1);
    editRow->addWidget(sendEdited);
    auto* injectRow = new QHBoxLayout;
    injectRow->addWidget(m_inject, 1);
    injectRow->addWidget(m_injectTo);
    injectRow->addWidget(injectButton);
    auto* col = new QVBoxLayout(this);
    col->addLayout(top);
    col->addWidget(m_list, 1);
    col->addLayout(actions);
    col->addLayout(editRow);
    col->addLayout(injectRow);

    connect(m_intercept, &QCheckBox::toggled, this, [this](bool on) {
        if (!m_updating && m_target != 0) emit interceptRequested(m_target, on);
    });
    connect(m_list, &QTreeWidget::itemSelectionChanged, this, &InterceptPane::updateButtons);
    connect(forward, &QPushButton::clicked, this, [this] { release(Action::Forward); });
    connect(drop, &QPushButton::clicked, this, [this] { release(Action::Drop); });
    connect(edit, &QPushButton::clicked, this, [this] {
        if (const Held* h = selected()) {
            m_editor->setText(escaped(h->bytes));
            m_editor->setFocus();
        }
        updateButtons();
    });
    connect(sendEdited, &QPushButton::clicked, this, [this] { release(Action::Edit); });
    connect(m_editor, &EscapeEdit::submitted, this, [this] { release(Action::Edit); });
    connect(m_editor, &EscapeEdit::edited, this, &InterceptPane::updateButtons);
    connect(forwardAll, &QPushButton::clicked, this, [this] { releaseAll(Action::Forward); });
    connect(dropAll, &QPushButton::clicked, this, [this] { releaseAll(Action::Drop); });
    connect(injectButton, &QPushButton::clicked, this, &InterceptPane::inject);
    connect(m_inject, &EscapeEdit::submitted, this, &InterceptPane::inject);
    connect(m_inject, &EscapeEdit::edited, this, &InterceptPane::updateButtons);
    connect(m_injectTo, &QComboBox::currentIndexChanged, this, &InterceptPane::updateButtons);
    showScope(0, {});
}

QPushButton* InterceptPane::button(const QString& name) const { return m_buttons.value(name); }

void InterceptPane::applyEvents(const std::vector<engine::Event>& batch) {
    using K = engine::EventKind;
    bool changed = false;
    for (const engine::Event& e : batch) {
        if (e.kind == K::Accepted && e.upstream() != 0) {
            m_peer.insert(e.channel, e.upstream());
            m_peer.insert(e.upstream(), e.channel);
            m_upstream.insert(e.upstream());
            // A new pair of the proxy in scope joins the scope.
            if (m_target != 0 && m_target == e.listener()) {
                m_legs.insert(e.channel);
                m_legs.insert(e.upstream());
            }
            continue;
        }
        if (e.kind == K::Closed) {
            // A closed leg forwards nothing more: what it held goes with it.
            const auto n = m_held.size();
            m_held.removeIf([&](const Held& h) { return h.leg == e.channel; });
            m_on.remove(e.channel);
            changed = changed || n != m_held.size() || m_legs.contains(e.channel);
            continue;
        }
        if (e.kind != K::Intercept) continue;
        switch (e.interceptAction()) {
        case engine::InterceptAction::On: m_on.insert(e.channel); break;
        case engine::InterceptAction::Off: m_on.remove(e.channel); break;
        case engine::InterceptAction::Held:
            m_held.append(Held{e.channel, e.heldMessage(), QByteArray(e.data.data(), static_cast<qsizetype>(e.data.size()))});
            break;
        case engine::InterceptAction::Forwarded:
        case engine::InterceptAction::Edited:
        case engine::InterceptAction::Dropped: {
            const std::uint64_t id = e.heldMessage();
            m_held.removeIf([&](const Held& h) { return h.leg == e.channel && h.id == id; });
            break;
        }
        case engine::InterceptAction::Full:
        case engine::InterceptAction::Room: break;
        }
        changed = true;
    }
    if (changed) rebuild();
}

void InterceptPane::showScope(engine::ChannelId target, const QSet<engine::ChannelId>& legs) {
    m_target = target;
    m_legs = legs;
    rebuild();
}

int InterceptPane::heldCount() const { return m_list->topLevelItemCount(); }

void InterceptPane::rebuild() {
    // Keep the selection across a rebuild.
    const Held* was = selected();
    const engine::ChannelId wasLeg = was ? was->leg : 0;
    const std::uint64_t wasId = was ? was->id : 0;
    m_updating = true;
    m_intercept->setEnabled(m_target != 0);
    m_intercept->setChecked(m_target != 0 && m_on.contains(m_target));
    m_list->clear();
    QTreeWidgetItem* keep = nullptr;
    for (int i = 0; i < m_held.size(); ++i) {
        const Held& h = m_held.at(i);
        if (!m_legs.contains(h.leg)) continue;
        auto* item = new QTreeWidgetItem(m_list);
        item->setText(0, QStringLiteral("%1 #%2").arg(channelLabel(h.leg)).arg(h.id));
        item->setText(1, m_upstream.contains(h.leg) ? QStringLiteral("S→C") : QStringLiteral("C→S"));
        QString text = escaped(h.bytes.left(256));
        if (h.bytes.size() > 256) text += QStringLiteral(" …");
        item->setText(2, text);
        item->setData(0, Qt::UserRole, i);
        if (h.leg == wasLeg && h.id == wasId) keep = item;
    }
    if (!keep && m_list->topLevelItemCount() > 0) keep = m_list->topLevelItem(0);
    if (keep) m_list->setCurrentItem(keep);
    m_updating = false;
    if (m_target == 0)
        m_status->setText(tr("Select a proxy, or one of its connections, under Channels."));
    else
        m_status->setText(tr("%n message(s) held", nullptr, m_list->topLevelItemCount()));
    updateButtons();
}

const InterceptPane::Held* InterceptPane::selected() const {
    const QTreeWidgetItem* item = m_list->currentItem();
    if (!item) return nullptr;
    const int i = item->data(0, Qt::UserRole).toInt();
    return i >= 0 && i < m_held.size() ? &m_held.at(i) : nullptr;
}

void InterceptPane::updateButtons() {
    const bool one = selected() != nullptr;
    const bool any = m_list->topLevelItemCount() > 0;
    m_buttons.value(QStringLiteral("forward"))->setEnabled(one);
    m_buttons.value(QStringLiteral("edit"))->setEnabled(one);
    m_buttons.value(QStringLiteral("drop"))->setEnabled(one);
    m_buttons.value(QStringLiteral("forwardAll"))->setEnabled(any);
    m_buttons.value(QStringLiteral("dropAll"))->setEnabled(any);
    m_buttons.value(QStringLiteral("forwardEdited"))->setEnabled(one && m_editor->isValid() && !m_editor->text().isEmpty());
    m_buttons.value(QStringLiteral("inject"))
        ->setEnabled(m_target != 0 && m_inject->isValid() && !m_inject->text().isEmpty() &&
                     injectLeg(m_injectTo->currentIndex() == 0) != 0);
}

void InterceptPane::release(Action action) {
    const Held* h = selected();
    if (!h) return;
    QByteArray edited;
    if (action == Action::Edit) {
        const ParsedBytes p = m_editor->parsed();
        if (!p.ok()) return;
        edited = *p.bytes;
    }
    emit releaseRequested(h->leg, h->id, action, edited);
}

void InterceptPane::releaseAll(Action action) {
    // Every message in the scope, leg by leg, in order.
    QSet<engine::ChannelId> legs;
    for (const Held& h : m_held)
        if (m_legs.contains(h.leg)) legs.insert(h.leg);
    for (engine::ChannelId leg : legs) emit releaseRequested(leg, 0, action, {});
}

engine::ChannelId InterceptPane::injectLeg(bool toServer) const {
    // A pair: the selected message's, else the one in scope (a leg selected), else the newest of the proxy.
    engine::ChannelId leg = 0;
    if (const Held* h = selected()) leg = h->leg;
    if (leg == 0)
        for (engine::ChannelId l : m_legs)
            if (m_peer.contains(l) && (leg == 0 || l > leg)) leg = l;
    if (leg == 0 || !m_peer.contains(leg)) return 0;
    const bool upstream = m_upstream.contains(leg);
    return upstream == toServer ? leg : m_peer.value(leg);
}

void InterceptPane::inject() {
    const ParsedBytes p = m_inject->parsed();
    if (!p.ok() || p.bytes->isEmpty()) return;
    const engine::ChannelId leg = injectLeg(m_injectTo->currentIndex() == 0);
    if (leg == 0) return;
    emit injectRequested(leg, *p.bytes);
    m_inject->setText(QString());
}

}  // namespace ui
