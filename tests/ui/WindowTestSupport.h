// WindowTestSupport.h — what the tests that drive a whole MainWindow
// (tst_MainWindow, tst_ProxyWindow, tst_UdpWindow, tst_ProtocolPresets,
// tst_Session, tst_UdpSession, tst_UdpPeers, tst_Retention,
// tst_DefaultLayout, tst_TlsDialogs, tst_WindowScale, tst_FieldView,
// tst_ScriptPane, tst_ExamplePane, tst_LoopInspector) ask of it, written once:
//
// useTestSettings(): QStandardPaths' test mode and the test application's
// names, so that no test reads or writes the user's settings. shown():
// a widget shown and exposed. openedBy(): the dialog an action opened.
// info(): a
// channel's row in the channel model; isConnected(): whether it says the
// channel is connected. portOf(): the port of "host:port".
// childrenOf()/acceptedOf(): the channels of a role under a parent.
// findEvent()/hasEvent()/bytesOf(): the store's events of a channel.
// methodsOf(): the conversation's Method column of a channel. clickOk():
// presses a dialog's enabled OK button. announcedDialog(): the dialog a
// window's signal announced after an action opened it.
//
// The names ChannelId, EventKind and MainWindow come along with them.
// Nothing here waits but announcedDialog(), with the deadline the test gives
// it; each test waits on the others with its own deadline.
// Threads: the test's (GUI) thread.
#pragma once

#include "engine/reactor/Event.h"
#include "ui/MainWindow.h"
#include "ui/model/ChannelModel.h"
#include "ui/model/EngineBridge.h"
#include "ui/model/EventLogModel.h"
#include "ui/model/EventLogStore.h"

#include <QApplication>
#include <QByteArray>
#include <QDialog>
#include <QDialogButtonBox>
#include <QList>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QString>
#include <QStringList>
#include <QTest>

#include <cstdint>
#include <functional>
#include <string_view>

namespace uitest {

// The names every window test speaks in (a test's `using namespace uitest`
// brings them along).
using engine::ChannelId;
using engine::EventKind;
using ui::MainWindow;

/// Shows `w` and waits until it is exposed (false if it never was).
inline bool shown(QWidget& w) {
    w.show();
    return QTest::qWaitForWindowExposed(&w);
}

/// The dialog of type `Dialog` that triggering `w`'s action `name` opened
/// (Listen, Connect…), or null.
template <typename Dialog>
Dialog* openedBy(ui::MainWindow& w, const QString& name) {
    w.action(name)->trigger();
    return w.findChild<Dialog*>();
}

/// QStandardPaths in test mode, and the test application's organisation
/// and name (QSettings then lives apart from the user's; a test that may run
/// beside another one names its own application).
inline void useTestSettings(const QString& applicationName = QStringLiteral("linewright-test")) {
    QStandardPaths::setTestModeEnabled(true);
    QApplication::setOrganizationName(QStringLiteral("Linewright"));
    QApplication::setApplicationName(applicationName);
}

/// The channel model's row of `id`, or nullptr.
inline const ui::ChannelInfo* info(ui::MainWindow& w, engine::ChannelId id) {
    return w.bridge()->channelModel()->info(id);
}

/// Whether the channel model has `id` and says it is connected.
inline bool isConnected(ui::MainWindow& w, engine::ChannelId id) {
    return info(w, id) && info(w, id)->phase == engine::ChannelPhase::Connected;
}

/// The port of "host:port" (0 if there is none).
inline std::uint16_t portOf(const QString& address) {
    return static_cast<std::uint16_t>(address.mid(address.lastIndexOf(u':') + 1).toUInt());
}

/// The channels of role `role` under `parent`, in the channel model's order.
inline QList<engine::ChannelId> childrenOf(ui::MainWindow& w, engine::ChannelId parent, engine::ChannelRole role) {
    QList<engine::ChannelId> out;
    for (engine::ChannelId id : w.bridge()->channelModel()->channels()) {
        const ui::ChannelInfo* i = info(w, id);
        if (i && i->parent == parent && i->role == role) out << id;
    }
    return out;
}

/// The (first) accepted connection of `listener`, 0 while none.
inline engine::ChannelId acceptedOf(ui::MainWindow& w, engine::ChannelId listener) {
    const QList<engine::ChannelId> accepted = childrenOf(w, listener, engine::ChannelRole::Accepted);
    return accepted.isEmpty() ? 0 : accepted.first();
}

/// The bytes of store row `row`.
inline QByteArray bytesAt(const ui::EventLogStore& s, std::size_t row) {
    const std::string_view d = s.data(row);
    return QByteArray(d.data(), static_cast<qsizetype>(d.size()));
}

/// The first store row of `kind` on `channel` (with `data`, if given) at or
/// after `from`, or -1.
inline qsizetype findEvent(ui::MainWindow& w, engine::ChannelId channel, engine::EventKind kind,
                           const QByteArray* data = nullptr, qsizetype from = 0) {
    const ui::EventLogStore& s = w.bridge()->store();
    for (std::size_t row = static_cast<std::size_t>(from); row < s.size(); ++row) {
        const ui::LogRecord& r = s.record(row);
        if (r.channel != channel || r.kind != kind) continue;
        if (data && bytesAt(s, row) != *data) continue;
        return static_cast<qsizetype>(row);
    }
    return -1;
}

/// Whether the store holds a `kind` event of `channel` carrying `data`
/// (at or after row `from`).
inline bool hasEvent(ui::MainWindow& w, engine::ChannelId channel, engine::EventKind kind, const QByteArray& data,
                     qsizetype from = 0) {
    return findEvent(w, channel, kind, &data, from) >= 0;
}

/// Whether the store holds a `kind` event of `channel` (at or after row `from`).
inline bool hasEvent(ui::MainWindow& w, engine::ChannelId channel, engine::EventKind kind, qsizetype from = 0) {
    return findEvent(w, channel, kind, nullptr, from) >= 0;
}

/// The bytes of the `kind` events of `channel` in the store, in order.
inline QList<QByteArray> bytesOf(ui::MainWindow& w, engine::ChannelId channel, engine::EventKind kind) {
    QList<QByteArray> out;
    const ui::EventLogStore& s = w.bridge()->store();
    for (std::size_t row = 0; row < s.size(); ++row) {
        const ui::LogRecord& r = s.record(row);
        if (r.channel == channel && r.kind == kind) out << bytesAt(s, row);
    }
    return out;
}

/// The Method column of the conversation's rows of `channel`.
inline QStringList methodsOf(ui::MainWindow& w, engine::ChannelId channel) {
    QStringList out;
    const ui::EventLogModel* m = w.bridge()->eventModel();
    for (int row = 0; row < m->rowCount(); ++row) {
        if (m->index(row, 0).data(ui::EventLogModel::ChannelRole).toUInt() != channel) continue;
        out << m->index(row, ui::EventLogModel::ColMethod).data().toString();
    }
    return out;
}

/// Presses `dialog`'s OK button; a QTest failure (its tooltip says why) if
/// the button is disabled.
inline void clickOk(QDialog* dialog) {
    auto* box = dialog->findChild<QDialogButtonBox*>();
    QVERIFY(box);
    QPushButton* ok = box->button(QDialogButtonBox::Ok);
    QVERIFY2(ok->isEnabled(), qPrintable(ok->toolTip()));
    QTest::mouseClick(ok, Qt::LeftButton);
}

/// Runs `open` and returns the `Dialog` that `opened` announced: nullptr
/// unless it came, once, within `timeoutMs`.
template <typename Dialog>
Dialog* announcedDialog(MainWindow& w, void (MainWindow::*opened)(Dialog*), const std::function<void()>& open,
                        int timeoutMs) {
    QSignalSpy spy(&w, opened);
    open();
    if (!QTest::qWaitFor([&] { return spy.count() == 1; }, timeoutMs)) return nullptr;
    return spy.at(0).at(0).value<Dialog*>();
}

}  // namespace uitest
