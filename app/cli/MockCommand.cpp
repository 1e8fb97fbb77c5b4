// MockCommand.cpp — `linewright-cli mock`: the server side of a recording,
// served to every client that connects.
#include "app/cli/SignalWatcher.h"
#include "app/cli/ToolCommands.h"

#include "engine/capture/TlsText.h"
#include "engine/replay/Mocker.h"
#include "engine/replay/UdpReplay.h"

#include <atomic>
#include <chrono>

namespace cli {

namespace {

/// A recorded UDP channel served on a UDP socket.
int runUdpMock(const engine::LoadedSession& session, const ToolOptions& o, std::FILE* err) {
    std::string why;
    auto script = engine::UdpScript::build(session.events, o.channel.value_or(0), &why);
    if (!script) {
        sayTo(err, o.input + ": " + why);
        return 1;
    }
    if (o.tls.wanted() || o.match || o.requestTerminator) {
        sayTo(err, o.input + ": channel " + std::to_string(script->channel) +
                       " is UDP: TLS, --match and --request-terminator do not apply to it");
        return 1;
    }
    engine::UdpMockOptions mo;
    mo.host = o.listenHost;
    mo.port = o.listenPort;
    mo.backend = o.backend;
    mo.copyRanges = o.copyRanges;
    const std::size_t requests = script->requests.size();
    const std::size_t replies = script->replies.size();
    const engine::ChannelId channel = script->channel;
    engine::UdpMock mock(std::move(*script), mo);
    const bool quiet = o.quiet;
    // The observer runs on the mock thread; stderr lines are whole writes.
    const bool started = mock.start(
        [&](const engine::UdpMockEvent& e) {
            if (quiet) return;
            if (e.kind == engine::UdpMockEvent::Kind::Answered)
                sayTo(err, e.peer + ": request " + std::to_string(e.index) + " answered with " + std::to_string(e.count) +
                               (e.count == 1 ? " datagram" : " datagrams"));
            else if (e.kind == engine::UdpMockEvent::Kind::Unexpected)
                sayTo(err, e.peer + ": datagram " + std::to_string(e.index) + " is beyond the recording (" +
                               std::to_string(requests) + " requests); not answered");
        },
        &why);
    if (!started) {
        sayTo(err, why);
        return 1;
    }
    sayTo(err, "mock listening on " + mock.address() + " (udp)");
    if (!o.quiet)
        sayTo(err, "serving UDP channel " + std::to_string(channel) + " of " + o.input + " (" + std::to_string(requests) +
                       " requests, " + std::to_string(replies) + " replies)");
    SignalWatcher signals([&](int) { mock.stop(); });
    const auto deadline = std::chrono::steady_clock::now() + o.timeout;
    while (!mock.wait(std::chrono::milliseconds(200))) {
        if (o.timeoutGiven && std::chrono::steady_clock::now() >= deadline) mock.stop();
    }
    const engine::UdpMockStats s = mock.stats();
    if (!quiet)
        sayTo(err, "mock stopped: " + std::to_string(s.peers) + " peers, " + std::to_string(s.requests) +
                       " requests answered with " + std::to_string(s.replies) + " datagrams, " +
                       std::to_string(s.unexpected) + " beyond the recording");
    return 0;
}

}  // namespace

int runMock(const ToolOptions& o, std::FILE* /*out*/, std::FILE* err) {
    auto session = loadSession(o.input, err);
    if (!session) return 1;
    if (engine::UdpScript::isUdp(session->events, o.channel.value_or(0))) return runUdpMock(*session, o, err);
    if (!o.copyRanges.empty()) {
        sayTo(err, "mock: --copy-bytes applies to UDP sessions only");
        return 2;
    }
    const auto conversations = engine::extractConversations(session->events, session->header.level);
    engine::ReplayScriptOptions so;
    so.requestTerminator = o.requestTerminator;
    std::vector<engine::ReplayScript> scripts;
    std::string why;
    const bool startTls = o.tls.config.startTls != engine::StartTlsProtocol::None;
    const auto noUpgrade = [](const engine::ReplayScript& s) {
        return "channel " + std::to_string(s.channel) +
               " was not upgraded with STARTTLS (the recording has no starttls event)";
    };
    // A STARTTLS recording served without --starttls-after (or with --tls):
    // the client's handshake would meet plaintext answers; say so once.
    bool noted = false;
    const auto noteUpgraded = [&](const engine::ReplayScript& s) {
        if (startTls || !s.startTls || o.quiet || noted) return;
        noted = true;
        sayTo(err, "note: channel " + std::to_string(s.channel) + " was upgraded with STARTTLS after request " +
                       std::to_string(s.startTls->requests) + "; " +
                       (o.tls.config.enabled ? "--tls serves it over TLS from the first byte"
                                             : "without --starttls-after it is served in plaintext throughout"));
    };
    if (o.channel) {
        const engine::Conversation* c = pickConversation(conversations, o, err);
        if (!c) return 1;
        auto s = engine::ReplayScript::build(*c, so, &why);
        if (!s) {
            sayTo(err, o.input + ": " + why);
            return 1;
        }
        if (startTls && !s->startTls) {
            sayTo(err, o.input + ": " + noUpgrade(*s) + "; serve it without --starttls-after, or with --tls");
            return 1;
        }
        noteUpgraded(*s);
        scripts.push_back(std::move(*s));
    } else {
        for (const engine::Conversation& c : conversations) {
            if (!c.hasTraffic()) continue;
            auto s = engine::ReplayScript::build(c, so, &why);
            if (!s) {
                sayTo(err, "note: " + o.input + ": " + why + "; not served");
                continue;
            }
            if (startTls && !s->startTls) {
                why = noUpgrade(*s);
                sayTo(err, "note: " + o.input + ": " + why + "; not served with --starttls-after");
                continue;
            }
            noteUpgraded(*s);
            scripts.push_back(std::move(*s));
        }
        if (scripts.empty()) {
            sayTo(err, o.input + ": no recorded connection can be served" +
                           (why.empty() ? std::string(" (none carried any bytes)") : ": " + why));
            return 1;
        }
    }

    engine::MockOptions mo;
    mo.host = o.listenHost;
    mo.port = o.listenPort;
    mo.backend = o.backend;
    mo.maxClients = static_cast<std::size_t>(o.clients);
    mo.maxRequestBytes = o.maxRequestBytes;
    mo.tls = o.tls.config;
    mo.match = o.match;
    std::string description;
    for (const engine::ReplayScript& s : scripts) {
        if (!description.empty()) description += ", ";
        description += "channel " + std::to_string(s.channel) + " (" + std::to_string(s.requests.size()) +
                       (o.match ? std::string(" client messages, matched by their bytes")
                                : " client messages framed by " + s.requestFramingSource) +
                       (startTls && s.startTls ? "; STARTTLS after request " + std::to_string(s.startTls->requests) +
                                                     " and reply " + std::to_string(s.startTls->replies) + ", as recorded"
                                               : std::string()) +
                       ")";
    }
    engine::Mocker mock(std::move(scripts), mo);
    const bool quiet = o.quiet;
    std::string error;
    const bool started = mock.start(
        [&](const engine::MockEvent& e) {
            if (quiet) return;
            switch (e.kind) {
            case engine::MockEvent::Kind::Accepted:
                sayTo(err, "client " + std::to_string(e.client) + " connected from " + e.text +
                               " (recorded conversation " + std::to_string(e.index + 1) + ")" +
                               (e.tls ? ": " + engine::tlsHandshakeText(*e.tls) : std::string()));
                break;
            case engine::MockEvent::Kind::Mismatch:
            case engine::MockEvent::Kind::Unexpected:
                sayTo(err, "client " + std::to_string(e.client) + ": " + e.text);
                break;
            case engine::MockEvent::Kind::Upgraded:
                sayTo(err, "client " + std::to_string(e.client) + ": STARTTLS after request " + std::to_string(e.index) +
                               (e.tls ? ": " + engine::tlsHandshakeText(*e.tls) : std::string()));
                break;
            case engine::MockEvent::Kind::ClientClosed: sayTo(err, e.text); break;
            case engine::MockEvent::Kind::Error: sayTo(err, "error: " + e.text); break;
            default: break;
            }
        },
        &error);
    if (!started) {
        sayTo(err, error);
        return 1;
    }
    // Always said, even with --quiet: with port 0 it is how scripts learn the port.
    sayTo(err, "mock listening on " + mock.address());
    // Even when quiet: a client checks the certificate against it.
    if (const std::string fp = mock.tlsFingerprint(); !fp.empty())
        sayTo(err, "TLS: no --cert/--key given, so a self-signed certificate was generated; SHA-256 fingerprint " + fp);
    if (!quiet) sayTo(err, "serving " + description + " of " + o.input + (o.match ? ", answering by match" : ""));

    std::atomic<bool> signalled{false};
    SignalWatcher signals([&](int) {
        signalled = true;
        mock.stop();
    });
    const auto deadline = std::chrono::steady_clock::now() + o.timeout;
    while (!mock.wait(std::chrono::milliseconds(200))) {
        if (o.timeoutGiven && std::chrono::steady_clock::now() >= deadline) mock.stop();
    }
    const engine::MockStats s = mock.stats();
    if (!quiet)
        sayTo(err, "mock stopped: " + std::to_string(s.clients) + " clients served (" +
                       std::to_string(s.clientsCompleted) + " sent every recorded message), " +
                       std::to_string(s.requests) + " messages received, " +
                       (o.match ? std::to_string(s.unexpected) + " matching no recorded message"
                                : std::to_string(s.mismatches) + " differing from the recording, " +
                                      std::to_string(s.unexpected) + " beyond it") +
                       (o.tls.config.wanted() ? ", " + std::to_string(s.tlsFailures) +
                                                   (s.tlsFailures == 1 ? " failed TLS handshake" : " failed TLS handshakes")
                                             : std::string()));
    return 0;
}

}  // namespace cli
