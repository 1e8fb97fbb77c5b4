// ReplayCommand.cpp — `linewright-cli replay`: the client side of a recording
// against a live server, compared reply by reply.
#include "app/cli/SignalWatcher.h"
#include "app/cli/ToolCommands.h"

#include "engine/asyncore/Escape.h"
#include "engine/capture/TlsText.h"
#include "engine/replay/Replayer.h"
#include "engine/replay/UdpReplay.h"

#include <atomic>

namespace cli {

namespace {

int reportResult(const engine::ReplayResult& r, bool interrupted, std::FILE* err) {
    switch (r.status) {
    case engine::ReplayResult::Status::Passed:
        sayTo(err, "replay passed: " + r.summary());
        return 0;
    case engine::ReplayResult::Status::Diverged: {
        for (const engine::Divergence& d : r.divergences) {
            std::string report = d.report();
            if (!report.empty() && report.back() == '\n') report.pop_back();
            std::string first = report.substr(0, report.find('\n'));
            sayTo(err, "divergence: " + first);
            if (report.size() > first.size()) std::fprintf(err, "%s\n",
                             engine::terminalSafe(report.substr(first.size() + 1), engine::TerminalText::Multiline)
                                 .c_str());
        }
        sayTo(err, "replay failed: " + r.summary());
        return 1;
    }
    case engine::ReplayResult::Status::Failed: sayTo(err, r.error); return 1;
    case engine::ReplayResult::Status::Cancelled:
        sayTo(err, std::string("replay interrupted") + (interrupted ? " by a signal" : "") + ": " + r.summary());
        return 1;
    }
    return 1;
}

void printEvent(const engine::ReplayEvent& e, bool quiet, std::FILE* out, std::FILE* err) {
    if (quiet) return;
    switch (e.kind) {
    case engine::ReplayEvent::Kind::RequestSent: std::fprintf(out, "> %zu %s\n", e.index, shortEscaped(e.bytes).c_str()); break;
    case engine::ReplayEvent::Kind::ReplyMatched: std::fprintf(out, "< %zu %s\n", e.index, shortEscaped(e.bytes).c_str()); break;
    case engine::ReplayEvent::Kind::Diverged: std::fprintf(out, "! %zu %s\n", e.index, engine::terminalSafe(e.text).c_str()); break;
    case engine::ReplayEvent::Kind::Connected: sayTo(err, "sending to " + e.text + " (udp)"); break;
    default: break;
    }
    std::fflush(out);
}

/// The replay's options, as the command line gave them (TCP and UDP alike;
/// runUdpReplay() reads no reply limit and no TLS, and TLS is refused for UDP).
engine::ReplayOptions replayOptionsFrom(const ToolOptions& o) {
    engine::ReplayOptions ro;
    ro.host = o.host;
    ro.port = o.port;
    ro.family = o.family;
    ro.pacing = o.pacing;
    ro.speed = o.speed;
    ro.timeout = o.timeout;
    ro.ignore = o.ignore;
    ro.keepGoing = o.keepGoing;
    ro.maxDivergences = o.maxDivergences;
    ro.maxReplyBytes = o.maxReplyBytes;
    ro.backend = o.backend;
    ro.tls = o.tls.config;
    return ro;
}

/// A recorded UDP channel: its datagrams sent to the target, the replies compared.
int runUdp(const engine::LoadedSession& session, const ToolOptions& o, std::FILE* out, std::FILE* err) {
    std::string why;
    auto script = engine::UdpScript::build(session.events, o.channel.value_or(0), &why);
    if (!script) {
        sayTo(err, o.input + ": " + why);
        return 1;
    }
    if (o.tls.wanted()) {
        sayTo(err, o.input + ": channel " + std::to_string(script->channel) + " is UDP; replay it without TLS options");
        return 1;
    }
    if (!o.quiet)
        sayTo(err, "replaying UDP channel " + std::to_string(script->channel) + " of " + o.input + " (recorded on the " +
                       (script->recordedAsClient ? "client" : "server") + " side): " +
                       std::to_string(script->requests.size()) + " datagrams to send, " +
                       std::to_string(script->replies.size()) + " replies to compare, each waited for " +
                       std::to_string(o.timeout.count()) + " ms at most; pace " +
                       std::string(engine::pacingName(o.pacing)));
    const engine::ReplayOptions ro = replayOptionsFrom(o);
    std::atomic<bool> interrupted{false};
    SignalWatcher signals([&](int) { interrupted = true; });
    const engine::ReplayResult r = engine::runUdpReplay(
        *script, ro, [&](const engine::ReplayEvent& e) { printEvent(e, o.quiet, out, err); }, &interrupted);
    return reportResult(r, interrupted, err);
}

}  // namespace

int runReplay(const ToolOptions& o, std::FILE* out, std::FILE* err) {
    auto session = loadSession(o.input, err);
    if (!session) return 1;
    if (engine::UdpScript::isUdp(session->events, o.channel.value_or(0))) return runUdp(*session, o, out, err);
    const auto conversations = engine::extractConversations(session->events, session->header.level);
    std::string why;
    const engine::Conversation* c = pickConversation(conversations, o, err);
    if (!c) return 1;
    engine::ReplayScriptOptions so;
    so.replyTerminator = o.replyTerminator;
    auto script = engine::ReplayScript::build(*c, so, &why);
    if (!script) {
        sayTo(err, o.input + ": " + why);
        return 1;
    }
    const std::string target = o.host.find(':') != std::string::npos ? "[" + o.host + "]:" + std::to_string(o.port)
                                                                      : o.host + ":" + std::to_string(o.port);
    if (!o.quiet)
        sayTo(err, "replaying channel " + std::to_string(c->channel) + " of " + o.input + " (recorded on the " +
                       (script->recordedAsClient ? "client" : "server") + " side): " +
                       std::to_string(script->requests.size()) + " requests, " +
                       std::to_string(script->replies.size()) + " replies framed by " + script->replyFramingSource +
                       "; pace " + std::string(engine::pacingName(o.pacing)) + ", to " + target +
                       (o.tls.config.enabled ? " over TLS" : "") +
                       (script->startTls && o.tls.config.startTls != engine::StartTlsProtocol::None
                            ? "; STARTTLS after request " + std::to_string(script->startTls->requests) + " and reply " +
                                  std::to_string(script->startTls->replies) + ", as recorded"
                            : std::string()));
    if (o.tls.config.startTls != engine::StartTlsProtocol::None && !script->startTls) {
        sayTo(err, o.input + ": channel " + std::to_string(c->channel) +
                       " was not upgraded with STARTTLS (the recording has no starttls event); replay it without "
                       "--starttls, or with --tls against a TLS port");
        return 1;
    }
    // The recording ran TLS and the replay will not (or the other way
    // round): said once, since the server will most likely not answer.
    if (!o.quiet) {
        const engine::TlsHandshakeInfo* recorded = c->tlsHandshake();
        if (recorded && !o.tls.wanted())
            sayTo(err, std::string("note: the recorded connection ran TLS") +
                           (script->startTls ? "; add --starttls PROTO to upgrade where it did"
                                             : "; add --tls to replay over TLS"));
        else if (!recorded && o.tls.config.enabled)
            sayTo(err, "note: the recorded connection did not run TLS; replaying its plaintext over TLS");
        else if (script->startTls && o.tls.config.enabled)
            sayTo(err, "note: the recorded connection was upgraded with STARTTLS; replaying all of it over TLS "
                       "from the first byte (--starttls PROTO upgrades where it did)");
    }

    const engine::ReplayOptions ro = replayOptionsFrom(o);
    engine::Replayer replayer(std::move(*script), ro);
    std::atomic<bool> interrupted{false};
    SignalWatcher signals([&](int) {
        interrupted = true;
        replayer.cancel();
    });

    const bool quiet = o.quiet;
    const engine::ReplayResult r = replayer.run([&](const engine::ReplayEvent& e) {
        // The replay thread; the main thread only waits meanwhile.
        switch (e.kind) {
        case engine::ReplayEvent::Kind::Connected:
            if (!quiet && !(e.tls && e.tls->startTls)) sayTo(err, "connected to " + e.text);
            if (e.tls) {
                // (TlsText.h escapes what the server's certificate says)
                if (!quiet) {
                    sayTo(err, (e.tls->startTls ? "STARTTLS: " : "") + engine::tlsHandshakeText(*e.tls));
                    for (std::size_t i = 0; i < e.tls->peerChain.size(); ++i)
                        sayTo(err, "  " + engine::certificateText(e.tls->peerChain[i], i));
                }
                // Even when quiet, as connect --insecure says it.
                if (e.tls->verifySkipped)
                    sayTo(err, "warning: the server's certificate was not verified (--insecure); the check would "
                               "have said: " +
                                   (e.tls->verifyResult.empty() ? std::string("nothing") : e.tls->verifyResult));
            }
            break;
        case engine::ReplayEvent::Kind::RequestSent:
            if (!quiet) std::fprintf(out, "> %zu %s\n", e.index, shortEscaped(e.bytes).c_str());
            break;
        case engine::ReplayEvent::Kind::ReplyMatched:
            if (!quiet) std::fprintf(out, "< %zu %s\n", e.index, shortEscaped(e.bytes).c_str());
            break;
        case engine::ReplayEvent::Kind::Diverged:
            if (!quiet) std::fprintf(out, "! %zu %s\n", e.index, engine::terminalSafe(e.text).c_str());
            break;
        default: break;
        }
        if (!quiet) std::fflush(out);
    });

    return reportResult(r, interrupted, err);
}

}  // namespace cli
