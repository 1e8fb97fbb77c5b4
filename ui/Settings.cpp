// Settings.cpp — QSettings-backed preferences and recent targets.
#include "ui/Settings.h"

#include "engine/asyncore/Escape.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QSettings>

namespace ui {
namespace {

const QString kRecent = QStringLiteral("recent/targets");
const QString kHistory = QStringLiteral("composer/history");

engine::Terminator terminatorFrom(const QString& spec) {
    const QByteArray utf8 = spec.toUtf8();
    auto t = engine::parseTerminatorSpec(std::string_view(utf8.constData(), static_cast<std::size_t>(utf8.size())));
    return t ? *t : engine::Terminator::bytes("\r\n");
}

QString specOf(const engine::Terminator& t) {
    return QString::fromStdString(engine::terminatorSpec(t));
}

// The fields ConnectParams and ListenParams (`Params`) share, from a recent
// target; its protocol loaded (what does not load any more: no programs, the
// dialog says why).
template <class Params>
Params sharedParams(const RecentTarget& t) {
    Params p;
    p.udp = t.udp;
    p.host = t.host;
    p.port = t.port;
    p.terminator = terminatorFrom(t.terminatorSpec);
    p.inBufferSize = t.inBufferSize;
    p.outBufferSize = t.outBufferSize;
    p.tls = t.tls;
    p.protocol.preset = t.preset;
    p.protocol.rulesFile = t.rulesFile;
    loadProtocol(p.protocol);
    return p;
}

// A recent target of `kind` with the fields ConnectParams and ListenParams
// (`Params`) share.
template <class Params>
RecentTarget targetOf(RecentTarget::Kind kind, const Params& p) {
    RecentTarget t;
    t.kind = kind;
    t.udp = p.udp;
    t.host = p.host;
    t.port = p.port;
    t.terminatorSpec = specOf(p.terminator);
    t.inBufferSize = p.inBufferSize;
    t.outBufferSize = p.outBufferSize;
    t.tls = p.tls;
    t.preset = p.protocol.preset;
    t.rulesFile = p.protocol.rulesFile;
    return t;
}

QString qs(std::string_view s) { return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size())); }

// "tls", "starttls smtp", "starttls after-match" (the Recent menu's words); "" without TLS.
QString tlsLabel(const engine::TlsConfig& t) {
    if (!t.wanted()) return {};
    QString s = t.startTls == engine::StartTlsProtocol::None ? QStringLiteral("TLS")
                                                              : QStringLiteral("STARTTLS ") + qs(engine::startTlsProtocolName(t.startTls));
    return s;
}

void writeTls(QSettings& s, const engine::TlsConfig& t) {
    s.setValue(QStringLiteral("tls/enabled"), t.enabled);
    s.setValue(QStringLiteral("tls/starttls"), qs(engine::startTlsProtocolName(t.startTls)));
    s.setValue(QStringLiteral("tls/starttlsAfter"), QString::fromStdString(t.startTlsAfter));
    s.setValue(QStringLiteral("tls/verify"), t.verify);
    s.setValue(QStringLiteral("tls/cafile"), QString::fromStdString(t.caFile));
    s.setValue(QStringLiteral("tls/cert"), QString::fromStdString(t.certFile));
    s.setValue(QStringLiteral("tls/key"), QString::fromStdString(t.keyFile));
    s.setValue(QStringLiteral("tls/sni"), QString::fromStdString(t.serverName));
    QStringList alpn;
    for (const std::string& a : t.alpn) alpn << QString::fromStdString(a);
    s.setValue(QStringLiteral("tls/alpn"), alpn.join(QLatin1Char(',')));
    s.setValue(QStringLiteral("tls/min"), qs(engine::tlsVersionName(t.minVersion)));
    s.setValue(QStringLiteral("tls/max"), qs(engine::tlsVersionName(t.maxVersion)));
    s.setValue(QStringLiteral("tls/keylog"), QString::fromStdString(t.keyLogFile));
}

// What writeTls() wrote; `fallback` for what is missing or unreadable (an older file, a hand edit).
engine::TlsConfig readTls(const QSettings& s, const engine::TlsConfig& fallback) {
    engine::TlsConfig t = fallback;
    const auto str = [&s](const char* key) { return s.value(QLatin1String(key)).toString().toStdString(); };
    t.enabled = s.value(QStringLiteral("tls/enabled"), t.enabled).toBool();
    const std::string proto = str("tls/starttls");
    if (proto == "after-match")
        t.startTls = engine::StartTlsProtocol::AfterMatch;
    else if (const auto p = engine::parseStartTlsProtocol(proto))
        t.startTls = *p;
    t.startTlsAfter = str("tls/starttlsAfter");
    t.verify = s.value(QStringLiteral("tls/verify"), t.verify).toBool();
    t.caFile = str("tls/cafile");
    t.certFile = str("tls/cert");
    t.keyFile = str("tls/key");
    t.serverName = str("tls/sni");
    t.alpn.clear();
    for (const QString& a : s.value(QStringLiteral("tls/alpn")).toString().split(QLatin1Char(','), Qt::SkipEmptyParts))
        t.alpn.push_back(a.trimmed().toStdString());
    if (const auto v = engine::parseTlsVersion(str("tls/min"))) t.minVersion = *v;
    if (const auto v = engine::parseTlsVersion(str("tls/max"))) t.maxVersion = *v;
    t.keyLogFile = str("tls/keylog");
    return t;
}

}  // namespace

QString RecentTarget::label() const {
    const QString where = hostPort(host, port);
    QString s;
    if (udp)
        s = kind == Kind::Connect ? QCoreApplication::translate("ui::RecentTarget", "UDP to %1").arg(where)
                                  : QCoreApplication::translate("ui::RecentTarget", "UDP bind %1").arg(where);
    else
        s = kind == Kind::Connect ? QCoreApplication::translate("ui::RecentTarget", "Connect %1").arg(where)
                                  : QCoreApplication::translate("ui::RecentTarget", "Listen %1").arg(where);
    s += QStringLiteral("   ") + terminatorSpec;
    if (kind == Kind::Listen && echo) s += QCoreApplication::translate("ui::RecentTarget", "   echo");
    if (tls.wanted()) s += QStringLiteral("   ") + tlsLabel(tls);
    if (!preset.isEmpty()) s += QStringLiteral("   ") + preset;
    if (!rulesFile.isEmpty()) s += QStringLiteral("   ") + QFileInfo(rulesFile).fileName();
    if (family == Family::IPv4) s += QStringLiteral("   IPv4");
    if (family == Family::IPv6) s += QStringLiteral("   IPv6");
    return s;
}

ConnectParams RecentTarget::connectParams() const {
    ConnectParams p = sharedParams<ConnectParams>(*this);
    p.family = family;
    return p;
}

ListenParams RecentTarget::listenParams() const {
    ListenParams p = sharedParams<ListenParams>(*this);
    p.echo = echo;
    return p;
}

RecentTarget RecentTarget::from(const ConnectParams& p) {
    RecentTarget t = targetOf(Kind::Connect, p);
    t.family = p.family;
    return t;
}

RecentTarget RecentTarget::from(const ListenParams& p) {
    RecentTarget t = targetOf(Kind::Listen, p);
    t.echo = p.echo;
    return t;
}

bool RecentTarget::sameEndpoint(const RecentTarget& o) const {
    return kind == o.kind && udp == o.udp && host == o.host && port == o.port;
}

namespace settings {

QList<RecentTarget> recentTargets() {
    QSettings s;
    QList<RecentTarget> out;
    const int n = s.beginReadArray(kRecent);
    for (int i = 0; i < n; ++i) {
        s.setArrayIndex(i);
        RecentTarget t;
        t.kind = s.value(QStringLiteral("kind")).toString() == QLatin1String("listen") ? RecentTarget::Kind::Listen
                                                                                      : RecentTarget::Kind::Connect;
        t.udp = s.value(QStringLiteral("udp"), false).toBool();
        t.host = s.value(QStringLiteral("host")).toString();
        const int port = s.value(QStringLiteral("port")).toInt();
        if (t.host.isEmpty() || port < 0 || port > 65535) continue;
        t.port = static_cast<std::uint16_t>(port);
        const int family = s.value(QStringLiteral("family"), 0).toInt();
        t.family = family == 4 ? Family::IPv4 : (family == 6 ? Family::IPv6 : Family::Any);
        t.terminatorSpec = s.value(QStringLiteral("terminator"), QStringLiteral("\\r\\n")).toString();
        t.echo = s.value(QStringLiteral("echo"), false).toBool();
        t.inBufferSize = static_cast<std::size_t>(qMax(1LL, s.value(QStringLiteral("inBuffer"), 4096).toLongLong()));
        t.outBufferSize = static_cast<std::size_t>(qMax(1LL, s.value(QStringLiteral("outBuffer"), 4096).toLongLong()));
        t.tls = readTls(s, t.kind == RecentTarget::Kind::Listen ? serverTlsDefaults() : engine::TlsConfig{});
        t.preset = s.value(QStringLiteral("preset")).toString();
        t.rulesFile = s.value(QStringLiteral("rules")).toString();
        out.append(t);
    }
    s.endArray();
    return out;
}

static void writeRecent(const QList<RecentTarget>& list) {
    QSettings s;
    s.remove(kRecent);
    s.beginWriteArray(kRecent, static_cast<int>(list.size()));
    for (int i = 0; i < list.size(); ++i) {
        const RecentTarget& t = list.at(i);
        s.setArrayIndex(i);
        s.setValue(QStringLiteral("kind"),
                   t.kind == RecentTarget::Kind::Listen ? QStringLiteral("listen") : QStringLiteral("connect"));
        s.setValue(QStringLiteral("udp"), t.udp);
        s.setValue(QStringLiteral("host"), t.host);
        s.setValue(QStringLiteral("port"), static_cast<int>(t.port));
        s.setValue(QStringLiteral("family"), t.family == Family::IPv4 ? 4 : (t.family == Family::IPv6 ? 6 : 0));
        s.setValue(QStringLiteral("terminator"), t.terminatorSpec);
        s.setValue(QStringLiteral("echo"), t.echo);
        s.setValue(QStringLiteral("inBuffer"), static_cast<qlonglong>(t.inBufferSize));
        s.setValue(QStringLiteral("outBuffer"), static_cast<qlonglong>(t.outBufferSize));
        writeTls(s, t.tls);
        s.setValue(QStringLiteral("preset"), t.preset);
        s.setValue(QStringLiteral("rules"), t.rulesFile);
    }
    s.endArray();
}

void addRecentTarget(const RecentTarget& t) {
    QList<RecentTarget> list = recentTargets();
    list.removeIf([&](const RecentTarget& o) { return o.sameEndpoint(t); });
    list.prepend(t);
    while (list.size() > kMaxRecentTargets) list.removeLast();
    writeRecent(list);
}

void clearRecentTargets() {
    writeRecent({});
}

QStringList composerHistory() {
    return QSettings().value(kHistory).toStringList();
}

void setComposerHistory(const QStringList& history) {
    QSettings().setValue(kHistory, history);
}

bool boolValue(const QString& key, bool fallback) {
    return QSettings().value(key, fallback).toBool();
}

void setBoolValue(const QString& key, bool value) {
    QSettings().setValue(key, value);
}

int intValue(const QString& key, int fallback) {
    return QSettings().value(key, fallback).toInt();
}

void setIntValue(const QString& key, int value) {
    QSettings().setValue(key, value);
}

QByteArray bytesValue(const QString& key) {
    return QSettings().value(key).toByteArray();
}

void setBytesValue(const QString& key, const QByteArray& value) {
    QSettings().setValue(key, value);
}

void removeValue(const QString& key) { QSettings().remove(key); }

}  // namespace settings
}  // namespace ui
