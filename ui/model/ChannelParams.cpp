// ChannelParams.cpp — dialog parameters to engine options.
#include "ui/model/ChannelParams.h"

#include "engine/net/Address.h"
#include "engine/net/Platform.h"
#include "engine/net/SocketOps.h"
#include "engine/program/Presets.h"
#include "engine/tls/LocalCaInfo.h"

#include <QFileInfo>
#include <QObject>
#include <QStringList>

#include <optional>

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
    const QString group = o.multicastGroup.trimmed();
    const QString iface = o.multicastInterface.trimmed();
    if (o.multicastTtl > 255) return QObject::tr("The multicast TTL goes from 0 to 255.");
    std::optional<engine::Address> groupAddress;
    if (bind && !group.isEmpty()) {
        groupAddress = engine::Address::fromNumeric(group.toStdString(), 0);
        if (!groupAddress)
            return QObject::tr("The multicast group \"%1\" is not a numeric address (a group is 224.0.0.0 to "
                               "239.255.255.255, or ff00::/8 for IPv6).")
                .arg(group);
        if (!engine::sockops::isMulticast(*groupAddress))
            return QObject::tr("%1 is not a multicast address: a group is 224.0.0.0 to 239.255.255.255 (IPv4) or "
                               "ff00::/8 (IPv6).")
                .arg(group);
    }
    if (!iface.isEmpty()) {
        const auto a = engine::Address::fromNumeric(iface.toStdString(), 0);
        bool index = false;
        iface.toUInt(&index);
        if (!(a && a->family() == engine::kAfInet) && !index)
            return QObject::tr("The multicast interface \"%1\" is neither an IPv4 address (such as 127.0.0.1) nor an "
                               "IPv6 interface index (a number).")
                .arg(iface);
        if (groupAddress && groupAddress->family() == engine::kAfInet && !a)
            return QObject::tr("An IPv4 group takes the interface's IPv4 address (such as 127.0.0.1), not an index.");
        if (groupAddress && groupAddress->family() == engine::kAfInet6 && a)
            return QObject::tr("An IPv6 group takes the interface's index (a number), not an address.");
    }
    if (groupAddress) {
        const QString host = hostText.trimmed();
        const auto h = engine::Address::fromNumeric(host.toStdString(), 0);
        if (h && h->family() != groupAddress->family())
            return QObject::tr("The group %1 and the host %2 are of different address families.").arg(group, host);
        const bool wildcard = host == QLatin1String("0.0.0.0") || host == QLatin1String("::") ||
                              host == QLatin1String("[::]");
        if (!wildcard && host != group)
            return QObject::tr("To hear the group %1, bind %2 (every interface) or the group address itself: a "
                               "socket bound to %3 hears only datagrams sent to %3.")
                .arg(group, groupAddress->family() == engine::kAfInet6 ? QStringLiteral("::") : QStringLiteral("0.0.0.0"),
                     host);
    }
    return {};
}

QString hostPort(const QString& host, std::uint16_t port) {
    if (host.contains(u':')) return QStringLiteral("[%1]:%2").arg(host).arg(port);
    return QStringLiteral("%1:%2").arg(host).arg(port);
}

}  // namespace ui
