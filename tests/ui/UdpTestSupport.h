// UdpTestSupport.h — what the UDP window tests (tst_UdpWindow, tst_UdpPeers)
// ask of a window and a QUdpSocket peer, written once.
//
// sendFromComposer(): the datagram a peer got when the window's composer
// sent a text to its channel and destination. Waits with the deadline the
// test gives it.
// Threads: the test's (GUI) thread.
#pragma once

#include "ui/MainWindow.h"
#include "ui/views/Composer.h"
#include "ui/views/EscapeEdit.h"

#include <QByteArray>
#include <QString>
#include <QTest>
#include <QUdpSocket>

/// Sends `text` from `w`'s composer and returns the datagram `peer` got
/// within `waitMs`: empty when the composer refused to send or nothing came.
inline QByteArray sendFromComposer(ui::MainWindow& w, const QString& text, QUdpSocket& peer, int waitMs) {
    w.composer()->editor()->setText(text);
    if (!w.composer()->send() || !QTest::qWaitFor([&peer] { return peer.hasPendingDatagrams(); }, waitMs)) return {};
    QByteArray got(static_cast<qsizetype>(peer.pendingDatagramSize()), '\0');
    got.resize(peer.readDatagram(got.data(), got.size()));
    return got;
}
