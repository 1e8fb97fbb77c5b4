// Settings.h — what the GUI remembers between runs (QSettings).
//
// What it does: typed access to the persisted state: recent targets (the
// Connect… and Listen… parameters last used, newest first), the composer's
// history and options, view preferences, and the window's geometry and dock
// layout. Every accessor opens the application's QSettings (organisation
// "Linewright", application "linewright"), so nothing is cached here.
// What it owns: nothing.
// Threads: GUI thread.
#pragma once

#include "ui/model/ChannelParams.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

namespace ui {

/// One remembered Connect… or Listen….
struct RecentTarget {
    enum class Kind { Connect, Listen };
    Kind kind = Kind::Connect;
    bool udp = false;  ///< A UDP channel (connected / bound) instead of TCP.
    QString host;
    std::uint16_t port = 0;
    Family family = Family::Any;
    QString terminatorSpec;  ///< engine::terminatorSpec() form.
    bool echo = false;
    std::size_t inBufferSize = 4096;
    std::size_t outBufferSize = 4096;
    /// TLS / STARTTLS as last chosen (every field, so the dialog comes back as it was).
    engine::TlsConfig tls;
    /// The protocol preset and rules file ("": none); connectParams() / listenParams() load them.
    QString preset;
    QString rulesFile;

    /// "Connect 127.0.0.1:7000  \r\n" — what the Recent menu shows.
    QString label() const;
    ConnectParams connectParams() const;
    ListenParams listenParams() const;
    static RecentTarget from(const ConnectParams& p);
    static RecentTarget from(const ListenParams& p);
    /// Same kind and endpoint (what de-duplicates the list).
    bool sameEndpoint(const RecentTarget& o) const;
};

namespace settings {

inline constexpr int kMaxRecentTargets = 10;

QList<RecentTarget> recentTargets();
/// Puts `t` first (dropping an older entry for the same endpoint).
void addRecentTarget(const RecentTarget& t);
void clearRecentTargets();

QStringList composerHistory();
void setComposerHistory(const QStringList& history);

bool boolValue(const QString& key, bool fallback);
void setBoolValue(const QString& key, bool value);
int intValue(const QString& key, int fallback);
void setIntValue(const QString& key, int value);
QByteArray bytesValue(const QString& key);
void setBytesValue(const QString& key, const QByteArray& value);
/// Forgets `key` (what a reset goes back to is the default).
void removeValue(const QString& key);

}  // namespace settings
}  // namespace ui
