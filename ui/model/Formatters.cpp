// Formatters.cpp — escaped text, hex dumps, method names, times.
#include "ui/model/Formatters.h"

#include "engine/asyncore/Escape.h"
#include "engine/capture/TlsText.h"
#include "engine/reactor/EventKinds.h"
#include "ui/model/EventLogStore.h"

#include <QLatin1StringView>
#include <QStringBuilder>
#include <QTime>

#include <string>

namespace ui {
namespace {

QString latin1(std::string_view s) { return QString::fromLatin1(s.data(), static_cast<qsizetype>(s.size())); }
QString utf8(std::string_view s) { return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size())); }

constexpr char kHexDigits[] = "0123456789abcdef";

// Appends `v` as exactly `digits` lower-case hex digits.
void appendHex(std::string& out, std::uint64_t v, int digits) {
    for (int i = digits - 1; i >= 0; --i) out.push_back(kHexDigits[(v >> (4 * i)) & 0xf]);
}

std::int64_t floorDiv(std::int64_t a, std::int64_t b) {
    std::int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
    return q;
}

// The event of `row` without its bytes: its numbers and strings, for the
// accessors. (Attachments are not needed: the store hands them out itself.)
engine::Event withoutBytes(const EventLogStore& store, std::size_t row) {
    engine::Event e = store.record(row).numbers();
    e.info.assign(store.info(row));
    e.aux.assign(store.aux(row));
    return e;
}

// "+1.000123" style, without the sign, for |us|.
void appendSeconds(QString& out, std::uint64_t us) {
    out += QString::number(us / 1000000u);
    out += QLatin1Char('.');
    const QString frac = QString::number(us % 1000000u);
    out += QString(6 - frac.size(), QLatin1Char('0'));
    out += frac;
}

}  // namespace

Direction direction(engine::EventKind kind) noexcept {
    switch (engine::eventFlow(kind)) {
    case engine::EventFlow::In: return Direction::In;
    case engine::EventFlow::Out: return Direction::Out;
    case engine::EventFlow::None: break;
    }
    return Direction::None;
}

QString directionName(Direction d) {
    switch (d) {
    case Direction::In: return QStringLiteral("in");
    case Direction::Out: return QStringLiteral("out");
    case Direction::None: break;
    }
    return {};
}

QString escapedText(std::string_view bytes, std::string_view terminator) {
    std::string out;
    out.reserve(bytes.size() + terminator.size() + 8);
    engine::appendEscaped(out, bytes);
    engine::appendEscaped(out, terminator);
    return latin1(out);
}

QString escapedPreview(std::string_view bytes, std::size_t maxBytes) {
    if (bytes.size() <= maxBytes) return escapedText(bytes);
    std::string out;
    out.reserve(maxBytes + 32);
    engine::appendEscaped(out, bytes.substr(0, maxBytes));
    QString s = latin1(out);
    s += QStringLiteral(" … (+%1 bytes)").arg(static_cast<qulonglong>(bytes.size() - maxBytes));
    return s;
}

QString hexDump(std::string_view bytes) { return hexDump(bytes, bytes.size()); }

QString hexDump(std::string_view bytes, std::size_t maxBytes) {
    const std::size_t n = std::min(bytes.size(), maxBytes);
    const int offsetDigits = n > 0xffffffffu ? 16 : 8;
    std::string out;
    out.reserve((n / 16 + 1) * 80);
    for (std::size_t line = 0; line < n; line += 16) {
        if (line) out.push_back('\n');
        appendHex(out, line, offsetDigits);
        out += "  ";
        for (std::size_t i = 0; i < 16; ++i) {
            if (i == 8) out.push_back(' ');
            if (line + i < n) {
                appendHex(out, static_cast<unsigned char>(bytes[line + i]), 2);
                out.push_back(' ');
            } else {
                out += "   ";
            }
        }
        out += " |";
        for (std::size_t i = 0; i < 16 && line + i < n; ++i) {
            const auto c = static_cast<unsigned char>(bytes[line + i]);
            out.push_back(c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '.');
        }
        out.push_back('|');
    }
    if (n < bytes.size()) {
        if (n) out.push_back('\n');
        out += "… " + std::to_string(bytes.size() - n) + " more bytes";
        return utf8(out);
    }
    return latin1(out);
}

QString methodName(const LogRecord& record) { return methodName(record.kind, record.sub); }

QString methodName(engine::EventKind kind, std::uint8_t sub) { return latin1(engine::eventMethodName(kind, sub)); }

QString kindName(engine::EventKind kind) { return latin1(engine::eventKindName(kind)); }

QString formatTimeUs(std::int64_t tUs, QDateTime start) {
    if (!start.isValid()) {
        QString s;
        if (tUs < 0) s += QLatin1Char('-');
        appendSeconds(s, tUs < 0 ? 0u - static_cast<std::uint64_t>(tUs) : static_cast<std::uint64_t>(tUs));
        return s;
    }
    const std::int64_t totalUs = start.toMSecsSinceEpoch() * 1000 + tUs;
    const QDateTime t = start.addMSecs(floorDiv(tUs, 1000));
    const std::int64_t micros = totalUs - floorDiv(totalUs, 1000000) * 1000000;
    const QTime clock = t.time();
    QString s;
    s.reserve(15);
    const auto two = [&s](int v) {
        s += QLatin1Char(static_cast<char>('0' + v / 10));
        s += QLatin1Char(static_cast<char>('0' + v % 10));
    };
    two(clock.hour());
    s += QLatin1Char(':');
    two(clock.minute());
    s += QLatin1Char(':');
    two(clock.second());
    s += QLatin1Char('.');
    const QString frac = QString::number(micros);
    s += QString(6 - frac.size(), QLatin1Char('0'));
    s += frac;
    return s;
}

QString formatDeltaUs(std::int64_t deltaUs) {
    QString s;
    s += deltaUs < 0 ? QLatin1Char('-') : QLatin1Char('+');
    appendSeconds(s, deltaUs < 0 ? 0u - static_cast<std::uint64_t>(deltaUs) : static_cast<std::uint64_t>(deltaUs));
    return s;
}

QString formatBytes(std::uint64_t bytes) {
    if (bytes < 1024) return QStringLiteral("%1 B").arg(bytes);
    static const char* const kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
    double v = static_cast<double>(bytes) / 1024.0;
    std::size_t unit = 0;
    while (v >= 1024.0 && unit + 1 < std::size(kUnits)) {
        v /= 1024.0;
        ++unit;
    }
    return QStringLiteral("%1 %2").arg(v, 0, 'f', v < 100.0 ? 1 : 0).arg(QLatin1String(kUnits[unit]));
}

QDateTime toDateTime(std::chrono::system_clock::time_point t) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
    return QDateTime::fromMSecsSinceEpoch(static_cast<qint64>(ms));
}

QString channelLabel(engine::ChannelId id) {
    if (id == engine::kReactorChannel) return QStringLiteral("reactor");
    return QLatin1Char('#') + QString::number(id);
}

QString terminatorText(const engine::Terminator& t) { return latin1(engine::terminatorSpec(t)); }

// The TLS lines are the engine's (engine/capture/TlsText.h): the CLI, the
// transcript, the pcapng comments and the window say the same.
QString tlsVersionText(std::string_view version) { return utf8(engine::tlsVersionText(version)); }

QString tlsVerificationText(const engine::TlsHandshakeInfo& t) { return utf8(engine::tlsVerificationText(t)); }

QString tlsHandshakeSummary(const engine::TlsHandshakeInfo& t) { return utf8(engine::tlsHandshakeText(t)); }

QString eventSummary(const EventLogStore& store, std::size_t row, std::size_t maxBytes) {
    using K = engine::EventKind;
    // The event without its bytes (a payload can be megabytes; what is shown
    // of it is a preview taken from the store).
    const engine::Event e = withoutBytes(store, row);
    const auto u = [](std::string_view s) { return utf8(s); };
    switch (e.kind) {
    case K::Listening: {
        QString s = e.address().empty() ? QStringLiteral("port %1").arg(e.port()) : u(e.address());
        if (!e.localFingerprint().empty())
            s += QStringLiteral(", TLS with a generated self-signed certificate, SHA-256 ") +
                 utf8(engine::terminalSafe(e.localFingerprint()));
        return s;
    }
    case K::Accepted:
        return QStringLiteral("%1 → %2 (listener %3)").arg(u(e.peer()), u(e.local()), channelLabel(e.listener()));
    case K::Connecting:
        return e.host().empty() || u(e.host()) == u(e.address())
                   ? u(e.address())
                   : QStringLiteral("%1 (%2)").arg(u(e.address()), u(e.host()));
    case K::Connected: return e.local().empty() ? u(e.peer()) : QStringLiteral("%1 → %2").arg(u(e.local()), u(e.peer()));
    case K::Collect:
    case K::Received:
    case K::Sent: return escapedPreview(store.data(row), maxBytes);
    case K::Datagram:
    case K::DatagramSent:  // UDP: the peer (sender / destination) before the bytes
        return QStringLiteral("%1 %2 %3")
            .arg(u(e.peer()), e.kind == K::Datagram ? QStringLiteral("<") : QStringLiteral(">"),
                 escapedPreview(store.data(row), maxBytes));
    case K::Hosted:
        switch (e.hostPhase()) {
        case engine::HostPhase::Started:
            return e.port() ? QStringLiteral("%1 on port %2").arg(u(e.label())).arg(e.port()) : u(e.label());
        case engine::HostPhase::Dispatcher:
            return QStringLiteral("%1%2 of %3").arg(u(e.label()), channelLabel(e.channel), u(e.hostLabel()));
        case engine::HostPhase::Done:
            return QStringLiteral("%1: %2").arg(u(e.label()), e.hostOk() ? QStringLiteral("ok") : QStringLiteral("not ok"));
        case engine::HostPhase::Stopped:
        case engine::HostPhase::Failed: return u(e.label());
        }
        return u(e.label());
    case K::Intercept: {
        QString s = latin1(engine::interceptActionName(e.interceptAction()));
        if (e.heldMessage() != 0) s += QStringLiteral(" #%1").arg(e.heldMessage());
        if (!store.data(row).empty()) s += QStringLiteral(" ") + escapedPreview(store.data(row), maxBytes);
        return s + QStringLiteral(" (%1 held)").arg(e.size);
    }
    case K::TlsHandshake:
        if (const engine::TlsHandshakeInfo* t = store.tls(row)) return tlsHandshakeSummary(*t);
        return QStringLiteral("TLS handshake");
    case K::TlsClose:
    case K::StartTls: return utf8(engine::tlsEventText(e));
    case K::Preview:
        if (const engine::LoopTrace* t = store.trace(row)) {
            QStringList parts;
            for (const auto& w : t->waiting)
                if (!w.next.empty())
                    parts << QStringLiteral("%1: %2").arg(channelLabel(w.channel), utf8(w.next));
            return parts.isEmpty() ? QStringLiteral("nothing ready") : parts.join(QStringLiteral("; "));
        }
        return QStringLiteral("preview");
    case K::FoundTerminator:
    case K::TerminatorSet: {
        if (e.terminatorKind() == engine::Terminator::Kind::Count)
            return QStringLiteral("count:%1").arg(e.terminatorCount());
        if (e.terminatorKind() == engine::Terminator::Kind::None) return QStringLiteral("none");
        return escapedPreview(store.data(row), maxBytes);
    }
    case K::BuffersSet: return QStringLiteral("in %1, out %2").arg(e.inBufferSize()).arg(e.outBufferSize());
    case K::LimitsSet:
        return QStringLiteral("max message %1, high water %2").arg(e.maxMessage()).arg(e.highWaterMark());
    case K::Push: {
        const QString bytes =
            e.pushedSize() < 0 ? QStringLiteral("? bytes") : QStringLiteral("%1 bytes").arg(e.pushedSize());
        switch (e.producerKind()) {
        case engine::ProducerKind::Bytes: return bytes;
        case engine::ProducerKind::File: return QStringLiteral("file %1 (%2)").arg(u(e.path()), bytes);
        case engine::ProducerKind::Repeat:
            return e.copies() == 0 ? QStringLiteral("repeat until closed × %1").arg(bytes)
                                   : QStringLiteral("repeat %1 × %2").arg(e.copies()).arg(bytes);
        case engine::ProducerKind::Simple:
        case engine::ProducerKind::Other: break;
        }
        return QStringLiteral("%1 producer (%2)").arg(latin1(engine::producerKindName(e.producerKind())), bytes);
    }
    case K::ProducerExhausted:
        return QStringLiteral("%1 producer exhausted").arg(latin1(engine::producerKindName(e.producerKind())));
    case K::CloseWhenDone: return QStringLiteral("close once the output is sent");
    case K::HalfClosed: return QStringLiteral("write side shut down");
    case K::Discarded:
        return QStringLiteral("%1 bytes, %2 fifo entries dropped").arg(e.droppedBytes()).arg(e.droppedEntries());
    case K::HighWater: return QStringLiteral("%1 bytes queued (mark %2)").arg(e.queued()).arg(e.mark());
    case K::LowWater: return QStringLiteral("%1 bytes queued (back under %2)").arg(e.queued()).arg(e.mark());
    case K::Closed: {
        QString s;
        switch (e.closeReason()) {
        case engine::CloseReason::Peer: s = QStringLiteral("closed by the peer"); break;
        case engine::CloseReason::Local: s = QStringLiteral("closed locally"); break;
        case engine::CloseReason::Error: s = QStringLiteral("closed on error"); break;
        }
        if (e.errorCode()) s += QStringLiteral(" [errno %1]").arg(e.errorCode());
        if (!e.detail().empty()) s += QStringLiteral(": ") + u(e.detail());
        return s;
    }
    case K::Error:
        return e.errorCode() ? QStringLiteral("[errno %1] %2").arg(e.errorCode()).arg(u(e.message())) : u(e.message());
    case K::Warning: {
        QString s = latin1(engine::warningCodeName(e.warningCode())) + QStringLiteral(": ") + u(e.message());
        const std::string_view bytes = store.data(row);
        if (!bytes.empty()) s += QStringLiteral(" [") + escapedPreview(bytes, maxBytes) + QLatin1Char(']');
        return s;
    }
    case K::Loop:
        if (const engine::LoopTrace* t = store.trace(row))
            return QStringLiteral("pass %1 (%2): waited %3 µs, %4 polled, %5 ready, %6 dispatched")
                .arg(t->pass)
                .arg(latin1(engine::backendName(t->backend)))
                .arg(t->waitedUs)
                .arg(t->polled.size())
                .arg(t->ready.size())
                .arg(t->dispatched.size());
        return QStringLiteral("loop pass");
    case K::ChannelState:
        if (const engine::ChannelState* s = store.state(row))
            return QStringLiteral("%1 %2: in %3 B / %4 msgs, out %5 B / %6 msgs, queued %7 B, terminator %8")
                .arg(latin1(engine::channelRoleName(s->role)), latin1(engine::channelPhaseName(s->phase)))
                .arg(s->bytesIn)
                .arg(s->messagesIn)
                .arg(s->bytesOut)
                .arg(s->messagesOut)
                .arg(s->queuedBytes)
                .arg(terminatorText(s->terminator));
        return QStringLiteral("snapshot");
    case K::LimitReached: return QStringLiteral("%1 messages received").arg(e.messageLimit());
    case K::Paused: return QStringLiteral("loop paused");
    case K::Resumed: return QStringLiteral("loop resumed");
    case K::Stopped: return QStringLiteral("reactor stopped");
    }
    return utf8(store.info(row));
}

}  // namespace ui
