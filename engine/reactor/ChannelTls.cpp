// ChannelTls.cpp — a Channel's TLS: the layer from the first byte, STARTTLS
// dialogues and upgrades, and the events they make (see Channel.h).
//
// The stages of a channel's TLS (Channel::Tls::stage):
//   Pending    TLS from the first byte, not connected yet (a client).
//   Dialogue   plaintext; every received line goes to a StartTlsDialog
//              before it is framed (Channel::rawRecv → tlsScan), and what
//              the dialogue says to send is pushed after the read.
//   AwaitReply server side, the line matched: the channel reads nothing
//              until the application pushes its go-ahead (the next push).
//   Flushing   the upgrade marker is in the fifo behind the output queued
//              before it; reading is held. When initiate_send reaches the
//              marker the layer is installed (Handshake).
//   Handshake  the TlsLayer is under the dispatcher; the Loop serves it.
//   Up         handshake done: plaintext flows through the layer.
//   Done       the dialogue failed, or the session ended.
// Bytes read in the same recv after the line that completed a dialogue are
// kept (stash) and given to the layer (TlsLayer::prependInput): they are the
// peer's first TLS bytes, never framed as plaintext.
#include "engine/reactor/Channel.h"

#include "engine/reactor/ChannelTls.h"
#include "engine/tls/PlainTap.h"

#include <cctype>
#include <exception>
#include <stdexcept>
#include <utility>

namespace engine {
namespace {

// A line longer than this while a STARTTLS dialogue runs fails it (no
// server's reply line comes close; an endless one would grow without bound).
constexpr std::size_t kMaxDialogueLine = 64 * 1024;

// STARTTLS passed through: of a longer line only this much is kept (no
// command or reply that decides is near it).
constexpr std::size_t kMaxPassLine = 512;

std::string_view trimmed(std::string_view s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

bool sameWord(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const auto x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
        if (std::tolower(x) != std::tolower(y)) return false;
    }
    return true;
}

bool startsWithWord(std::string_view s, std::string_view word) {
    return s.size() >= word.size() && sameWord(s.substr(0, word.size()), word);
}

// The client's line asks for the upgrade; imap: `tag` is its tag.
bool clientAsksTls(StartTlsProtocol p, std::string_view line, std::string& tag) {
    line = trimmed(line);
    switch (p) {
    case StartTlsProtocol::Smtp: return sameWord(line, "STARTTLS");
    case StartTlsProtocol::Pop3: return sameWord(line, "STLS");
    case StartTlsProtocol::Ftp: return sameWord(line, "AUTH TLS") || sameWord(line, "AUTH SSL");
    case StartTlsProtocol::Imap: {
        const std::size_t sp = line.find(' ');
        if (sp == std::string_view::npos || sp == 0 || !sameWord(trimmed(line.substr(sp + 1)), "STARTTLS")) return false;
        tag.assign(line.substr(0, sp));
        return true;
    }
    case StartTlsProtocol::None:
    case StartTlsProtocol::AfterMatch: break;
    }
    return false;
}

// The server's reply line to the upgrade command: 0 not the final one yet,
// 1 yes, -1 no.
int serverVerdict(StartTlsProtocol p, std::string_view line, const std::string& tag) {
    line = trimmed(line);
    switch (p) {
    case StartTlsProtocol::Smtp:
    case StartTlsProtocol::Ftp: {
        const bool coded = line.size() >= 3 && std::isdigit(static_cast<unsigned char>(line[0])) &&
                           std::isdigit(static_cast<unsigned char>(line[1])) &&
                           std::isdigit(static_cast<unsigned char>(line[2]));
        if (!coded) return p == StartTlsProtocol::Ftp ? 0 : -1;  // FTP's multi-line replies have uncoded lines
        if (line.size() > 3 && line[3] == '-') return 0;
        return line.substr(0, 3) == (p == StartTlsProtocol::Smtp ? "220" : "234") ? 1 : -1;
    }
    case StartTlsProtocol::Pop3: return startsWithWord(line, "+OK") ? 1 : -1;
    case StartTlsProtocol::Imap:
        if (line.size() > tag.size() && line[tag.size()] == ' ' && line.substr(0, tag.size()) == tag)
            return startsWithWord(line.substr(tag.size() + 1), "OK") ? 1 : -1;
        return 0;  // untagged (* …) or continuation lines
    case StartTlsProtocol::None:
    case StartTlsProtocol::AfterMatch: break;
    }
    return -1;
}

// The SNI a client sent, if it may be passed on as a host name ([A-Za-z0-9._-],
// at most 253 bytes; a name with anything else is not used).
std::string usableSni(const std::string& name) {
    if (name.empty() || name.size() > 253) return {};
    for (const char c : name)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
              c == '_'))
            return {};
    return name;
}

}  // namespace

// --- Setting up -------------------------------------------------------------------------------

bool Channel::tlsSetUp(const TlsConfig& config, bool server, std::string_view what) {
    auto t = std::make_unique<Tls>(*this);
    t->config = config;
    t->server = server;
    try {
        if (config.startTls != StartTlsProtocol::None) {
            // Checks the pattern and the protocol now; the dialogue itself
            // starts when the connection does.
            t->dialog = std::make_unique<tls::StartTlsDialog>(config.startTls, config.startTlsAfter, server);
            t->protocol = std::string(startTlsProtocolName(config.startTls));
        }
        t->context = tls::TlsContext::create(config, server ? tls::TlsRole::Server : tls::TlsRole::Client);
    } catch (const std::exception& e) {
        m_report.error(0, "cannot " + std::string(what) + " with TLS: " + e.what());
        return false;
    }
    m_tls = std::move(t);
    return true;
}

std::shared_ptr<tls::TlsContext> Channel::tlsContext() const { return m_tls ? m_tls->context : nullptr; }

tls::TlsLayer* Channel::tlsLayer() const noexcept { return m_tls ? m_tls->layer : nullptr; }

void Channel::tlsConnected() {
    if (!m_tls || m_tls->stage != Tls::Stage::Pending) return;
    if (m_tls->dialog) {
        m_tls->stage = Tls::Stage::Dialogue;
        const tls::StartTlsDialog::Step step = m_tls->dialog->start();
        if (!step.send.empty()) pushBytes(step.send);
        return;
    }
    // A proxy's upstream leg in TLS from the first byte, its client leg a TLS
    // server too, no --to-sni: the server is asked for the name the client
    // asked for, so this handshake waits for the client's (see below).
    if (m_proxyUpstream && m_tls->config.serverName.empty() && m_proxyPeer && !m_proxyPeer->isClosed() &&
        m_proxyPeer->m_tls && m_proxyPeer->m_tls->server) {
        Tls& peer = *m_proxyPeer->m_tls;
        if (peer.stage == Tls::Stage::Up) {
            m_tls->hostOverride = usableSni(peer.receivedSni);
        } else if (peer.stage == Tls::Stage::Pending || peer.stage == Tls::Stage::Handshake) {
            peer.peerAwaitsSni = true;
            peer.peerStartTls = false;
            m_tlsHold = true;  // nothing read until this leg's layer is there
            return;
        }
    }
    tlsInstall(false);
}

void Channel::inheritTls(const Channel& listener) {
    if (!listener.m_tls || !listener.m_tls->context || isClosed()) return;
    auto t = std::make_unique<Tls>(*this);
    t->config = listener.m_tls->config;
    t->server = true;
    t->context = listener.m_tls->context;
    t->protocol = listener.m_tls->protocol;
    if (t->config.startTls != StartTlsProtocol::None) {
        try {
            t->dialog = std::make_unique<tls::StartTlsDialog>(t->config.startTls, t->config.startTlsAfter, true);
        } catch (const std::exception& e) {  // the listener checked it: not expected
            m_report.error(0, std::string("STARTTLS: ") + e.what());
            finish(CloseReason::Error, e.what(), 0);
            return;
        }
        t->stage = Tls::Stage::Dialogue;
        m_tls = std::move(t);
        return;
    }
    m_tls = std::move(t);
    tlsInstall(false);
}

void Channel::startTlsNow(const TlsConfig& config) {
    if (role() == ChannelRole::Listener) {
        m_report.error(0, "cannot start TLS: channel " + std::to_string(channelId()) + " is a listener");
        return;
    }
    if (m_phase != ChannelPhase::Connected && m_phase != ChannelPhase::Closing) {
        m_report.error(0, "cannot start TLS: channel " + std::to_string(channelId()) + " is not connected yet");
        return;
    }
    if (m_tls && m_tls->stage != Tls::Stage::Dialogue) {
        m_report.error(0, std::string("cannot start TLS: channel ") + std::to_string(channelId()) +
                              (m_tls->layer ? " already uses TLS" : " is already being upgraded"));
        return;
    }
    TlsConfig c = config;
    c.enabled = true;
    c.startTls = StartTlsProtocol::None;
    const bool server = role() == ChannelRole::Accepted;
    std::unique_ptr<Tls> previous = std::move(m_tls);  // a dialogue under way is replaced
    if (!tlsSetUp(c, server, "start TLS")) {
        m_tls = std::move(previous);
        return;
    }
    m_tls->protocol = "command";
    if (previous) m_tls->line = std::move(previous->line);
    guardedIo([&] { tlsQueueUpgrade(); });
}

// --- The dialogue, over the received lines ------------------------------------------------------

std::size_t Channel::tlsScan(char* buf, std::size_t n) {
    Tls& t = *m_tls;
    std::size_t pos = 0;
    while (pos < n) {
        const std::string_view rest(buf + pos, n - pos);
        const std::size_t nl = rest.find('\n');
        if (nl == std::string_view::npos) {
            t.line.append(rest);
            if (t.line.size() > kMaxDialogueLine) {
                t.failure = "STARTTLS " + t.protocol + ": a line of more than " + std::to_string(kMaxDialogueLine) +
                            " bytes without a line end";
                t.stage = Tls::Stage::Done;
            }
            return n;
        }
        t.line.append(rest.substr(0, nl + 1));
        pos += nl + 1;
        const tls::StartTlsDialog::Step step = t.dialog->onLine(t.line);
        t.line.clear();
        t.toSend += step.send;
        if (step.failed) {
            t.failure = step.reason;
            t.stage = Tls::Stage::Done;
            return pos;  // the rest of the read is not delivered: the channel closes
        }
        if (step.upgrade) {
            t.stash.assign(buf + pos, n - pos);
            t.upgradeAfterRead = true;
            m_tlsHold = true;  // nothing more is read as plaintext
            return pos;
        }
    }
    return n;
}

void Channel::tlsAfterRead() {
    if (!m_tls || isClosed()) return;
    Tls& t = *m_tls;
    if (!t.toSend.empty()) pushBytes(std::exchange(t.toSend, std::string()));
    if (isClosed()) return;
    if (!t.failure.empty()) {
        const std::string reason = std::exchange(t.failure, std::string());
        m_report.error(0, reason);
        finish(CloseReason::Error, reason, 0);
        return;
    }
    if (!t.upgradeAfterRead) return;
    t.upgradeAfterRead = false;
    if (t.server && !m_opts.echo) {
        // The application has just received the line that matched; its next
        // push is the go-ahead, after which the handshake starts.
        t.stage = Tls::Stage::AwaitReply;
        return;
    }
    // A client's dialogue is over (the go-ahead came), or an echo has pushed
    // its reply already.
    tlsQueueUpgrade();
}

void Channel::tlsAfterPush() {
    if (m_tls && m_tls->stage == Tls::Stage::AwaitReply && !isClosed()) tlsQueueUpgrade();
}

void Channel::tlsQueueUpgrade() {
    m_tls->stage = Tls::Stage::Flushing;
    m_tlsHold = true;
    pushWithProducer(std::make_unique<UpgradeMarker>());  // now, if nothing is queued before it
}

void Channel::tlsInstall(bool startTls) {
    Tls& t = *m_tls;
    m_tlsHold = false;
    if (startTls) emit(EventKind::StartTls).info = t.protocol;
    std::unique_ptr<tls::TlsLayer> layer;
    try {
        const std::string& host = t.hostOverride.empty() ? m_host : t.hostOverride;
        layer = std::make_unique<tls::TlsLayer>(t.context, t.server ? std::string() : host, &t);
    } catch (const std::exception& e) {
        const std::string message = std::string("cannot start TLS: ") + e.what();
        t.stage = Tls::Stage::Done;
        m_report.error(0, message);
        finish(CloseReason::Error, message, 0);
        return;
    }
    layer->setStartTls(startTls);
    if (!t.stash.empty()) layer->prependInput(std::exchange(t.stash, std::string()));
    t.layer = layer.get();
    t.stage = Tls::Stage::Handshake;
    // The plaintext is counted, and its end seen, by the layer: rawRecv sees ciphertext now.
    auto tap = std::make_unique<tls::PlainTap>(std::move(layer), [this](std::size_t n) {
        if (n > 0)
            m_report.received(n);
        else
            m_peerEof = true;
    });
    // A proxy leg forwards the plaintext it reads, as rawRecv() does without
    // TLS (an accepted leg gets its layer before it is linked: checked per read).
    tap->onPlain([this](std::string_view bytes) { forwardRead(bytes); });
    setLayer(std::move(tap));
}

// --- What the layer tells -------------------------------------------------------------------------

void Channel::tlsHandshakeDone(const TlsHandshakeInfo& info) {
    Tls& t = *m_tls;
    t.stage = Tls::Stage::Up;
    if (t.server) {
        t.receivedSni = info.serverName;
        // The client's SNI, upstream: a proxy's upstream leg waiting for this
        // handshake starts its own now, asking the server for the same name
        // (before any plaintext the client sends is forwarded to it).
        Channel* up = m_proxyPeer;
        if (std::exchange(t.peerAwaitsSni, false) && up && !up->isClosed()) {
            const std::string name = usableSni(info.serverName);
            if (t.peerStartTls) {
                TlsConfig c = up->m_opts.tls;
                if (!name.empty()) c.serverName = name;
                up->passUpgrade(c, std::exchange(t.peerStash, std::string()));
            } else if (up->m_tls && up->m_tls->stage == Tls::Stage::Pending) {
                up->m_tls->hostOverride = name;
                up->tlsInstall(false);
            }
        }
    }
    auto shown = std::make_shared<TlsHandshakeInfo>(info);
    if (shown->server && shown->localFingerprint.empty()) shown->localFingerprint = t.context->localFingerprint();
    const bool unverified = !shown->server && shown->verifySkipped;
    const std::string result = shown->verifyResult;
    emit(EventKind::TlsHandshake).tls = std::move(shown);
    if (unverified)
        m_report.warning(WarningCode::TlsUnverified,
                         "the server's certificate was not verified (verification is off); the check would have "
                         "said: " + (result.empty() ? std::string("nothing") : result));
}

void Channel::tlsClosed(TlsCloseKind kind) {
    if (m_tls->closeReported) return;
    m_tls->closeReported = true;
    m_peerEof = true;
    Event& e = emit(EventKind::TlsClose);
    e.sub = static_cast<std::uint8_t>(kind);
    e.info = "peer";
}

void Channel::tlsFinishing() {
    if (!m_tls || !m_tls->layer || m_tls->closeReported || !m_tls->layer->handshakeDone()) return;
    m_tls->closeReported = true;
    Event& e = emit(EventKind::TlsClose);
    // closeNoThrow() has let the layer send its close_notify (when it could).
    e.sub = static_cast<std::uint8_t>(m_tls->layer->closeNotifySent() ? TlsCloseKind::CloseNotify
                                                                       : TlsCloseKind::Truncated);
    e.info = "local";
}

// --- STARTTLS passed through by a proxy ------------------------------------------------------------

std::size_t Channel::passScan(char* buf, std::size_t n) {
    std::size_t pos = 0;
    while (pos < n) {
        const std::string_view rest(buf + pos, n - pos);
        const std::size_t nl = rest.find('\n');
        const std::string_view part = nl == std::string_view::npos ? rest : rest.substr(0, nl + 1);
        if (m_passLine.size() < kMaxPassLine) m_passLine.append(part.substr(0, kMaxPassLine - m_passLine.size()));
        if (nl == std::string_view::npos) return n;
        pos += nl + 1;
        const std::string line = std::exchange(m_passLine, std::string());
        if (!m_proxyUpstream) {
            // The client's line: the upgrade command? Then it is the last
            // plaintext this leg reads until the server has answered.
            std::string tag;
            if (!clientAsksTls(m_passProtocol, line, tag) || !m_proxyPeer) continue;
            m_passTls = PassTls::Asked;
            m_tlsHold = true;
            m_passStash.assign(buf + pos, n - pos);
            m_proxyPeer->m_passTls = PassTls::Asked;
            m_proxyPeer->m_passTag = std::move(tag);
            m_proxyPeer->m_passLine.clear();
            return pos;
        }
        const int verdict = serverVerdict(m_passProtocol, line, m_passTag);
        if (verdict == 0) continue;
        if (verdict < 0) {
            m_passTls = PassTls::No;
            return n;  // the rest is plaintext as before
        }
        m_passTls = PassTls::Yes;
        m_tlsHold = true;  // what follows is TLS
        m_passStash.assign(buf + pos, n - pos);
        return pos;
    }
    return n;
}

void Channel::passAfterRead() {
    const bool yes = m_passTls == PassTls::Yes;
    if (yes && m_intercept && !isClosed()) {
        // Intercept holds the server's yes: the client's leg upgrades only
        // once it has gone out (forwarded, edited or dropped); afterRelease()
        // comes back here when nothing is held any more. (This leg reads
        // nothing meanwhile: m_tlsHold.) A part of a message not framed yet
        // would never be: it is held as one.
        if (!m_holding.empty()) holdMessage();
        if (!m_held.empty()) return;
    }
    m_passTls = PassTls::Off;
    Channel* client = m_proxyPeer;
    if (isClosed()) return;
    if (!yes) {
        // Refused: the client's leg reads on in plaintext (and watches again);
        // what it had read after its command goes on to the server.
        if (!client || client->isClosed()) return;
        client->m_passTls = PassTls::Watching;
        client->m_tlsHold = false;
        if (!client->m_passStash.empty()) client->forwardRead(std::exchange(client->m_passStash, std::string()));
        return;
    }
    // Yes: the server's reply has been forwarded to the client in plaintext;
    // the client's leg starts its handshake (as the server) once it has gone
    // out. This one (as the client) starts when the client's is done, asking
    // the server for the name the client asked for (SNI); at once when
    // --to-sni names one.
    std::string stash = std::exchange(m_passStash, std::string());
    if (client && !client->isClosed()) {
        client->m_passTls = PassTls::Off;
        client->passUpgrade(client->m_opts.tls, std::exchange(client->m_passStash, std::string()));
        if (m_opts.tls.serverName.empty() && client->m_tls && !client->isClosed()) {
            client->m_tls->peerAwaitsSni = true;
            client->m_tls->peerStartTls = true;
            client->m_tls->peerStash = std::move(stash);
            return;  // this leg reads nothing meanwhile (m_tlsHold)
        }
    }
    passUpgrade(m_opts.tls, std::move(stash));
}

void Channel::passUpgrade(const TlsConfig& config, std::string stash) {
    TlsConfig c = config;
    c.enabled = true;
    c.startTls = StartTlsProtocol::None;
    const bool server = role() == ChannelRole::Accepted;
    if (!tlsSetUp(c, server, "start TLS")) {  // the error is reported
        finish(CloseReason::Error, "STARTTLS " + std::string(startTlsProtocolName(m_passProtocol)) +
                                       ": cannot start TLS on the proxy's " + (server ? "client" : "server") + " side",
               0);
        return;
    }
    m_tls->protocol = std::string(startTlsProtocolName(m_passProtocol));
    m_tls->stash = std::move(stash);
    guardedIo([&] { tlsQueueUpgrade(); });
}

}  // namespace engine
