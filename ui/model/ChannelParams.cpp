// ChannelParams.cpp — dialog parameters to engine options.
#include "ui/model/ChannelParams.h"

#include "engine/net/Platform.h"
#include "engine/program/Presets.h"
#include "engine/reactor/DatagramOptions.h"
#include "engine/tls/LocalCaInfo.h"

#include <QFileInfo>
#include <QObject>
#include <QStringList>

namespace ui {

QString ProtocolChoice::label() const {
    QStringList parts;
    if (!preset.isEmpty()) parts << preset;
    if (!rulesFile.isEmpty()) parts << QFileInfo(rulesFile).fileName();
    if (!rulesText.trimmed().isEmpty()) parts << QStringLiteral("rules");
    return parts.join(QStringLiteral(" + "));
}

int engineFamily(Family f) {
    switch (f) {
    case Family::IPv4: return engine::kAfInet;
    case Family::IPv6: return engine::kAfInet6;
    case Family::Any: break;
    }
    return 0;
}

QString loadProtocol(ProtocolChoice& c) {
    c.programs.clear();
    std::string error;
    if (!c.preset.isEmpty()) {
        auto p = engine::program::loadPreset(c.preset.toStdString(), engine::program::userPresetDir(), &error);
        if (!p) return QString::fromStdString(error);
        c.programs.push_back(std::move(p));
    }
    if (!c.rulesFile.isEmpty()) {
        auto p = engine::program::loadProgramFile(std::filesystem::path(c.rulesFile.toStdString()), &error);
        if (!p) {
            c.programs.clear();
            return QString::fromStdString(error);
        }
        c.programs.push_back(std::move(p));
    }
    return {};
}

namespace {

// The options of a TCP connection or listener from the fields ConnectParams
// and ListenParams (`Params`) share.
template <class Params>
engine::ChannelOptions streamOptions(const Params& p) {
    engine::ChannelOptions o;
    o.terminator = p.terminator;
    o.inBufferSize = p.inBufferSize;
    o.outBufferSize = p.outBufferSize;
    o.tls = p.tls;
    o.programs = p.protocol.programs;
    return o;
}

}  // namespace

engine::ChannelOptions ConnectParams::options() const { return streamOptions(*this); }

engine::DatagramOptions ConnectParams::datagramOptions() const {
    engine::DatagramOptions o;
    o.terminator = terminator;
    udpOptions.applyTo(o);
    return o;
}

engine::TlsConfig serverTlsDefaults() {
    engine::TlsConfig c;
    c.verify = false;
    return c;
}

engine::ChannelOptions ListenParams::options() const {
    engine::ChannelOptions o = streamOptions(*this);
    o.echo = echo;
    return o;
}

engine::ChannelOptions ProxyParams::options() const {
    engine::ChannelOptions o;
    o.terminator = clientTerminator;
    o.programs = protocol.programs;
    o.proxy.host = toHost.toStdString();
    o.proxy.port = toPort;
    o.proxy.family = engineFamily(family);
    o.proxy.serverTerminator = serverTerminator;
    o.frameProxied = true;  // the window shows every message
    // TLS as `proxy --tls / --to-tls / --starttls` sets it up (app/cli/CliOptions.cpp).
    o.proxy.startTls = startTls;
    o.proxy.tls = serverTls;
    if (clientTlsWanted()) {
        o.tls = clientTls;
        o.tls.startTls = engine::StartTlsProtocol::None;
        o.tls.localCaDir = localCaDir();
        if (!o.tls.localCaDir.empty()) o.tls.localCaFallbackName = toHost.toStdString();
    } else {
        o.tls = serverTlsDefaults();
    }
    o.proxy.tls.startTls = engine::StartTlsProtocol::None;
    if (startTls != engine::StartTlsProtocol::None) {
        // Plaintext until the client asks and the server agrees; then both
        // legs upgrade with these settings.
        o.tls.enabled = false;
        o.proxy.tls.enabled = false;
    }
    return o;
}

std::string ProxyParams::localCaDir() const {
    if (!clientTlsWanted() || !clientTls.certFile.empty()) return {};
    return clientTls.localCaDir.empty() ? engine::tls::defaultLocalCaDirectory() : clientTls.localCaDir;
}

engine::DatagramOptions ListenParams::datagramOptions() const {
    engine::DatagramOptions o;
    o.terminator = terminator;
    o.echo = echo;
    udpOptions.applyTo(o);
    return o;
}

void UdpSocketOptions::applyTo(engine::DatagramOptions& o) const {
    o.broadcast = broadcast;
    o.multicastGroup = multicastGroup.trimmed().toStdString();
    o.multicastInterface = multicastInterface.trimmed().toStdString();
    o.multicastTtl = multicastTtl;
    o.multicastLoop = multicastLoop ? -1 : 0;
}

QString UdpSocketOptions::describe(const engine::DatagramOptions& o) {
    QStringList parts;
    if (o.broadcast) parts << QObject::tr("broadcast (SO_BROADCAST)");
    if (!o.multicastGroup.empty()) parts << QObject::tr("multicast group %1").arg(QString::fromStdString(o.multicastGroup));
    if (!o.multicastInterface.empty())
        parts << QObject::tr("multicast interface %1").arg(QString::fromStdString(o.multicastInterface));
    if (o.multicastTtl >= 0) parts << QObject::tr("multicast TTL %1").arg(o.multicastTtl);
    if (o.multicastLoop == 0) parts << QObject::tr("multicast loop off");
    return parts.join(QStringLiteral(", "));
}

QString udpOptionsProblem(const UdpSocketOptions& o, bool bind, const QString& hostText) {
    engine::DatagramOptions d;
    o.applyTo(d);
    return QString::fromStdString(engine::datagramOptionsProblem(d, bind, hostText.trimmed().toStdString()));
}

QString hostPort(const QString& host, std::uint16_t port) {
    if (host.contains(u':')) return QStringLiteral("[%1]:%2").arg(host).arg(port);
    return QStringLiteral("%1:%2").arg(host).arg(port);
}

}  // namespace ui
