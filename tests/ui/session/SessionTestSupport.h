// SessionTestSupport.h — what tst_Session and tst_UdpSession ask of a
// window's session controller, written once: openReplayDialog() and
// openMockDialog(), the dialog the controller opened and the window
// announced (uitest::announcedDialog(), with the deadline the test gives).
// Threads: the test's (GUI) thread.
#pragma once

#include "ui/MainWindow.h"
#include "ui/session/MockDialog.h"
#include "ui/session/ReplayDialog.h"
#include "ui/session/SessionController.h"
#include "WindowTestSupport.h"

namespace uitest {

/// The Replay dialog `w`'s session controller opened, or null if it was not
/// announced within `timeoutMs`.
inline ui::ReplayDialog* openReplayDialog(MainWindow& w, int timeoutMs) {
    return announcedDialog<ui::ReplayDialog>(w, &MainWindow::replayDialogOpened,
                                             [&w] { w.sessionController()->openReplayDialog(); }, timeoutMs);
}

/// The Mock dialog `w`'s session controller opened, or null if it was not
/// announced within `timeoutMs`.
inline ui::MockDialog* openMockDialog(MainWindow& w, int timeoutMs) {
    return announcedDialog<ui::MockDialog>(w, &MainWindow::mockDialogOpened,
                                           [&w] { w.sessionController()->openMockDialog(); }, timeoutMs);
}

}  // namespace uitest
