// ChannelParams.cpp — dialog parameters to engine options.
#include "ui/model/ChannelParams.h"

#include "engine/net/Platform.h"

#include <QFileInfo>
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

engine::ChannelOptions ConnectParams::options() const {
    engine::ChannelOptions o;
    o.terminator = terminator;
    o.inBufferSize = inBufferSize;
    o.outBufferSize = outBufferSize;
    o.tls = tls;
    o.programs = protocol.programs;
    return o;
}

engine::TlsConfig serverTlsDefaults() {
    engine::TlsConfig c;
    c.verify = false;
    return c;
}

engine::ChannelOptions ListenParams::options() const {
    engine::ChannelOptions o;
    o.terminator = terminator;
    o.inBufferSize = inBufferSize;
    o.outBufferSize = outBufferSize;
    o.echo = echo;
    o.tls = tls;
    o.programs = protocol.programs;
    return o;
}

QString hostPort(const QString& host, std::uint16_t port) {
    if (host.contains(u':')) return QStringLiteral("[%1]:%2").arg(host).arg(port);
    return QStringLiteral("%1:%2").arg(host).arg(port);
}

}  // namespace ui
