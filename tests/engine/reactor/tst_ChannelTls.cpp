// tst_ChannelTls.cpp — TLS and STARTTLS in the Reactor's channels (Channel.h, ChannelTls.cpp).
//
// Covered, against real peers nobody here wrote where possible:
//   * a TLS client against `openssl s_server` (TLS 1.2 and 1.3): the
//     handshake event (version, cipher, chain, verified), plaintext framed as
//     usual (s_server -rev answers lines reversed), close_notify sent at close;
//   * verification failures (wrong host name, an unknown CA): an `error`
//     naming the reason, the channel closes, no handshake event; with
//     verification off the handshake completes, `verifySkipped`, and a
//     `tls_unverified` warning says what the check found;
//   * a TLS listener (generated certificate, fingerprint in `listening`)
//     against `openssl s_client` (1.2 and 1.3), echoing over TLS;
//   * a Linewright client and listener together on every backend, with a
//     CA file, 256 KiB echoed, close_when_done: close_notify both ways;
//   * STARTTLS smtp against a Python SMTP server (multi-line EHLO reply), the
//     plaintext dialogue visible as received lines, a conversation over TLS
//     after it; a server refusing it (454): an `error` with the line;
//   * the server side, upgrade after a match, with `openssl s_client
//     -starttls smtp` (the test pushes the SMTP replies and the go-ahead);
//     a client sending its ClientHello in the same segment as STARTTLS
//     (bytes after the matched line are not lost); cmd::StartTls on a live
//     channel (both ends) and its refusals;
//   * close_notify versus a truncating peer (`tls_close`), a plaintext
//     peer on a TLS port.
// Peers are processes started here (killed by their own QProcess, never by
// name); every wait is on a condition with a deadline. A missing `openssl`
// or `python3` skips the tests that need it, saying so.
#include "engine/reactor/Reactor.h"
#include "engine/tls/TlsInfo.h"

#include "ReactorTestSupport.h"
#include "SocketTestSupport.h"
#include "tls/TlsTestSupport.h"  // lw_tls_test_support: the test PKI

#include <QProcess>
#include <QStandardPaths>
#include <QTest>

#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
using engine::ChannelId;
using engine::ChannelOptions;
using engine::Event;
using engine::EventKind;
using engine::Reactor;
using engine::ReactorOptions;
using engine::StartTlsProtocol;
using engine::TlsCloseKind;
using engine::TlsConfig;
using engine::WarningCode;

constexpr ChannelId kAny = lwtest::kAnyChannel;

/// A peer process; killed (its own pid, through QProcess) when it goes.
class Peer {
public:
    Peer() = default;
    Peer(const Peer&) = delete;
    Peer& operator=(const Peer&) = delete;
    ~Peer() {
        if (p.state() != QProcess::NotRunning) {
            p.kill();
            p.waitForFinished(5000);
        }
    }
    bool start(const QString& program, const QStringList& args) {
        p.setProgram(program);
        p.setArguments(args);
        p.start();
        return p.waitForStarted(10000);
    }
    /// Reads what is there now (waiting at most `ms`).
    void poll(int ms = 0) {
        if (p.state() != QProcess::NotRunning) p.waitForReadyRead(ms);
        out += p.readAllStandardOutput();
        err += p.readAllStandardError();
    }
    bool waitOut(const QByteArray& needle, std::chrono::milliseconds timeout = 10s) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (!out.contains(needle)) {
            if (std::chrono::steady_clock::now() > deadline) return false;
            poll(50);
            if (p.state() == QProcess::NotRunning) {
                poll();
                return out.contains(needle);
            }
        }
        return true;
    }
    /// "PORT n" (tls_peer.py) or "ACCEPT host:n" (s_server).
    quint16 waitPort(const QByteArray& prefix) {
        if (!waitOut(prefix) || !waitOut("\n")) return 0;
        const qsizetype at = out.indexOf(prefix);
        const qsizetype end = out.indexOf('\n', at);
        QByteArray line = out.mid(at, end - at).trimmed();
        return static_cast<quint16>(line.mid(line.lastIndexOf(line.contains(':') ? ':' : ' ') + 1).toUInt());
    }
    bool waitExit(std::chrono::milliseconds timeout = 15s) {
        // waitForFinished() says false for a process that has already
        // finished (and QProcess noticed while the test read its output):
        // that is an exit too (failed in CI under ASan, at once).
        const bool done = p.state() == QProcess::NotRunning || p.waitForFinished(static_cast<int>(timeout.count()));
        poll();
        return done;
    }
    QProcess p;
    QByteArray out;
    QByteArray err;
};

/// The reactor's events on the test thread (finding and counting them as
/// lwtest::Events does); waits also read the peers' output.
class Events : public lwtest::Events {
public:
    explicit Events(Reactor& r) : lwtest::Events(r), m_r(r) {}
    bool waitUntil(const std::function<bool()>& pred, std::chrono::milliseconds timeout = 15s) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (!pred()) {
            const auto now = std::chrono::steady_clock::now();
            if (now >= deadline) return pred();
            if (m_r.waitAndDrain(m_batch, peers.empty() ? 100ms : 20ms))
                for (Event& e : m_batch) all.push_back(std::move(e));
            for (Peer* p : peers) p->poll(0);
        }
        return true;
    }
    /// The first event of kind `k` (of `ch`); an empty event stands in when
    /// there is none (the checks on it then fail).
    const Event& get(EventKind k, ChannelId ch = kAny) const {
        static const Event none;
        const Event* e = find(k, ch);
        return e ? *e : none;
    }
    bool waitFor(EventKind k, ChannelId ch = kAny, std::chrono::milliseconds timeout = 15s) {
        return waitUntil([&] { return find(k, ch) != nullptr; }, timeout);
    }
    /// The bytes `ch` received as framing saw them: each `collect`, and the
    /// terminator at each `found_terminator`.
    std::string collected(ChannelId ch) const { return received(ch, false); }
    /// The same, from `ch`'s tls_handshake event on.
    std::string collectedAfterHandshake(ChannelId ch) const { return received(ch, true); }
    std::string received(ChannelId ch, bool afterHandshake) const {
        std::string s;
        bool on = !afterHandshake;
        for (const Event& e : all) {
            if (e.channel != ch) continue;
            if (e.kind == EventKind::TlsHandshake) on = true;
            if (!on) continue;
            if (e.kind == EventKind::Collect) s += e.data;
            if (e.kind == EventKind::FoundTerminator) s += e.terminator().bytesValue();
        }
        return s;
    }
    std::string errors(ChannelId ch = kAny) const {
        std::string s;
        for (const Event& e : all)
            if (e.kind == EventKind::Error && (ch == kAny || e.channel == ch)) s += e.info + "\n";
        return s;
    }
    const Event* warning(WarningCode code, ChannelId ch = kAny) const {
        for (const Event& e : all)
            if (e.kind == EventKind::Warning && e.warningCode() == code && (ch == kAny || e.channel == ch)) return &e;
        return nullptr;
    }
    /// The first channel accepted by `listener`.
    ChannelId accepted(ChannelId listener) const {
        for (const Event& e : all)
            if (e.kind == EventKind::Accepted && e.parent == listener) return e.channel;
        return 0;
    }
    std::vector<Peer*> peers;

private:
    Reactor& m_r;
    std::vector<Event> m_batch;
};

std::string dump(const Events& ev) {
    // Runs of the same kind on one channel are counted, not listed.
    std::string s;
    const Event* prev = nullptr;
    std::size_t run = 0, bytes = 0;
    auto flushRun = [&] {
        if (prev && run > 1) s += "  (x" + std::to_string(run) + ", " + std::to_string(bytes) + " bytes)\n";
    };
    for (const Event& e : ev.all) {
        if (prev && prev->kind == e.kind && prev->channel == e.channel && e.info.empty()) {
            ++run;
            bytes += e.data.size();
            continue;
        }
        flushRun();
        prev = &e;
        run = 1;
        bytes = e.data.size();
        s += std::to_string(e.channel) + " " + std::string(engine::eventKindName(e.kind));
        if (!e.info.empty()) s += " info=" + e.info;
        if (e.kind == EventKind::Collect || e.kind == EventKind::Sent)
            s += " " + std::to_string(e.data.size()) + "B";
        if (e.kind == EventKind::Push) s += " " + std::to_string(e.size) + "B";
        s += "\n";
    }
    flushRun();
    // QTest cuts long messages: the whole list goes to stderr.
    std::fprintf(stderr, "--- events ---\n%s--- end of events ---\n", s.c_str());
    return "events on stderr";
}

const engine::TlsHandshakeInfo* handshakeOf(const Events& ev, ChannelId ch) {
    const Event* e = ev.find(EventKind::TlsHandshake, ch);
    return e ? e->tls.get() : nullptr;
}

quint16 listeningPort(Events& ev, ChannelId server) {
    if (!ev.waitFor(EventKind::Listening, server)) return 0;
    return static_cast<quint16>(ev.get(EventKind::Listening, server).size);
}

bool contains(const std::string& hay, std::string_view needle) { return hay.find(needle) != std::string::npos; }

/// How `ch`'s TLS ended, from its first tls_close event: "close_notify from
/// peer", "truncated from local", …; "no tls_close" when there is none.
std::string tlsCloseOf(const Events& ev, ChannelId ch) {
    const Event* e = ev.find(EventKind::TlsClose, ch);
    if (!e) return "no tls_close";
    const auto kind = static_cast<TlsCloseKind>(e->sub);
    const char* what = kind == TlsCloseKind::CloseNotify ? "close_notify" : kind == TlsCloseKind::Truncated ? "truncated" : "other";
    return std::string(what) + " from " + e->info;
}

/// Column "flag" (an openssl option) and "version" (what the handshake says).
void tlsVersionRows() {
    QTest::addColumn<QString>("flag");
    QTest::addColumn<QString>("version");
    QTest::newRow("TLS 1.2") << "-tls1_2" << "TLSv1.2";
    QTest::newRow("TLS 1.3") << "-tls1_3" << "TLSv1.3";
}

}  // namespace

class tst_ChannelTls : public QObject {
    Q_OBJECT

    QString m_openssl;
    QString m_python;
    QString m_ca, m_cert, m_key;  // the test PKI's CA and the server certificate it signed (localhost, 127.0.0.1)

    static QString pkiFile(const std::string& path) { return QString::fromStdString(path); }

    TlsConfig clientTls() const {
        TlsConfig t;
        t.enabled = true;
        t.caFile = m_ca.toStdString();
        return t;
    }
    /// A client channel's options: TLS from the first byte (clientTls()).
    ChannelOptions clientOptions() const {
        ChannelOptions o;
        o.tls = clientTls();
        return o;
    }
    TlsConfig serverTls(bool generated = false) const {
        TlsConfig t;
        t.enabled = true;
        if (!generated) {
            t.certFile = m_cert.toStdString();
            t.keyFile = m_key.toStdString();
        }
        return t;
    }
    /// A server channel's options: STARTTLS after a received line that
    /// matches `after` (serverTls(generated) then).
    ChannelOptions afterMatchOptions(const std::string& after, bool generated = false) const {
        ChannelOptions o;
        o.tls = serverTls(generated);
        o.tls.enabled = false;
        o.tls.startTls = StartTlsProtocol::AfterMatch;
        o.tls.startTlsAfter = after;
        return o;
    }
    void needOpenssl() {
        if (m_openssl.isEmpty()) QSKIP("openssl (the command) is not installed: apt install openssl");
    }
    void needPython() {
        if (m_python.isEmpty()) QSKIP("python3 is not installed");
    }
    QString peerScript() const { return QStringLiteral(LW_TLS_PEER_PY); }

    /// `openssl s_server` with our certificate on 127.0.0.1, reversing lines.
    quint16 startSServer(Peer& s, const QStringList& extra) {
        QStringList args{"s_server", "-accept", "127.0.0.1:0", "-cert", m_cert, "-key", m_key, "-rev", "-naccept", "1"};
        args += extra;
        if (!s.start(m_openssl, args)) return 0;
        return s.waitPort("ACCEPT ");
    }
    /// A client, on `r`, of a new s_server in `s`, with clientOptions()
    /// changed by `adjust`: its channel, 0 when the server did not start.
    ChannelId clientOfSServer(Peer& s, Reactor& r, const std::function<void(ChannelOptions&)>& adjust) {
        const quint16 port = startSServer(s, {});
        if (port == 0) return 0;
        ChannelOptions o = clientOptions();
        adjust(o);
        return r.openClient("127.0.0.1", port, o);
    }

private slots:
    void initTestCase() {
        m_openssl = lwtest::tls::opensslExecutable();
        m_python = QStringLiteral(LW_PYTHON3);
        if (m_python.isEmpty()) m_python = QStandardPaths::findExecutable(QStringLiteral("python3"));
        const lwtest::tls::TestPki& pki = lwtest::tls::pki();
        m_ca = pkiFile(pki.caCert);
        m_cert = pkiFile(pki.serverCert);
        m_key = pkiFile(pki.serverKey);
    }

    /// A tls_peer.py peer (MODE ARGS...) started and listening: its port, 0
    /// when it did not start.
    quint16 startPyPeer(Peer& py, const QStringList& modeAndArgs) {
        if (!py.start(m_python, QStringList{peerScript()} + modeAndArgs)) return 0;
        return py.waitPort("PORT ");
    }
    /// The peer ended, with status 0.
    static bool exitedOk(Peer& py) { return py.waitExit() && py.p.exitCode() == 0; }

    // --- TLS from the first byte ---------------------------------------------------------

    void clientAgainstSServer_data() { tlsVersionRows(); }
    void clientAgainstSServer() {
        QFETCH(QString, flag);
        QFETCH(QString, version);
        needOpenssl();
        Peer s;
        const quint16 port = startSServer(s, {flag});
        QVERIFY2(port != 0, s.err.constData());

        Reactor r;
        Events ev(r);
        ev.peers.push_back(&s);
        const ChannelId c = r.openClient("127.0.0.1", port, clientOptions());
        QVERIFY2(ev.waitFor(EventKind::TlsHandshake, c), (dump(ev) + ev.errors()).c_str());
        const engine::TlsHandshakeInfo* hs = handshakeOf(ev, c);
        QVERIFY(hs);
        QCOMPARE(QString::fromStdString(hs->version), version);
        QVERIFY(!hs->server);
        QVERIFY(!hs->startTls);
        QVERIFY(!hs->cipher.empty());
        QVERIFY2(hs->verified, hs->verifyResult.c_str());
        QVERIFY(!hs->verifySkipped);
        QCOMPARE(QString::fromStdString(hs->verifyResult), QStringLiteral("ok"));
        QVERIFY(!hs->peerChain.empty());
        QVERIFY2(contains(hs->peerChain.front().subject, "CN=localhost"), hs->peerChain.front().subject.c_str());
        QVERIFY(!ev.warning(WarningCode::TlsUnverified, c));
        // The handshake comes after `connected`; plaintext is framed as over TCP.
        r.push(c, "hello tls\n");
        QVERIFY2(ev.waitUntil([&] { return contains(ev.collected(c), "slt olleh"); }), dump(ev).c_str());
        QVERIFY(ev.count(EventKind::FoundTerminator, c) >= 1);
        r.close(c);
        QVERIFY(ev.waitFor(EventKind::Closed, c));
        QCOMPARE(tlsCloseOf(ev, c), std::string("close_notify from local"));
        // Its counters are plaintext: what was pushed and what came back.
        const Event* closed = ev.find(EventKind::Closed, c);
        QVERIFY(closed && closed->state);
        QCOMPARE(closed->state->bytesOut, std::uint64_t{10});
        QCOMPARE(closed->state->bytesIn, std::uint64_t{10});
    }

    void verificationFails_data() {
        QTest::addColumn<QString>("serverName");
        QTest::addColumn<bool>("withCa");
        QTest::addColumn<QString>("reason");
        QTest::newRow("wrong host name") << "wrong.example" << true << "hostname mismatch";
        QTest::newRow("unknown CA") << "" << false << "local issuer certificate";
    }
    void verificationFails() {
        QFETCH(QString, serverName);
        QFETCH(bool, withCa);
        QFETCH(QString, reason);
        needOpenssl();
        Peer s;
        Reactor r;
        Events ev(r);
        const ChannelId c = clientOfSServer(s, r, [&](ChannelOptions& o) {
            o.tls.serverName = serverName.toStdString();
            // Without our CA: a CA file that holds a different CA, the server's chain is unknown.
            if (!withCa) o.tls.caFile = lwtest::tls::pki().otherCaCert;
        });
        QVERIFY(c != 0);
        QVERIFY(ev.waitFor(EventKind::Closed, c));
        const std::string errors = ev.errors(c);
        QVERIFY2(contains(errors, reason.toStdString()), (errors + dump(ev)).c_str());
        QVERIFY2(contains(errors, "certificate verify failed"), errors.c_str());
        QVERIFY(!ev.find(EventKind::TlsHandshake, c));
        QCOMPARE(ev.get(EventKind::Closed, c).closeReason(), engine::CloseReason::Error);
        for (char ch : errors) QVERIFY(ch == '\n' || (static_cast<unsigned char>(ch) >= 0x20 && ch != 0x7f));
    }

    void insecureWarns() {
        needOpenssl();
        Peer s;
        Reactor r;
        Events ev(r);
        const ChannelId c = clientOfSServer(s, r, [](ChannelOptions& o) {
            o.tls.caFile.clear();  // the system store does not know our CA …
            o.tls.verify = false;  // … and we do not ask
            o.tls.serverName = "wrong.example";
        });
        QVERIFY(c != 0);
        QVERIFY2(ev.waitFor(EventKind::TlsHandshake, c), (dump(ev) + ev.errors()).c_str());
        const engine::TlsHandshakeInfo* hs = handshakeOf(ev, c);
        QVERIFY(hs);
        QVERIFY(!hs->verified);
        QVERIFY(hs->verifySkipped);
        QVERIFY2(hs->verifyResult != "ok" && !hs->verifyResult.empty(), hs->verifyResult.c_str());
        QVERIFY(ev.waitUntil([&] { return ev.warning(WarningCode::TlsUnverified, c) != nullptr; }));
        const Event* w = ev.warning(WarningCode::TlsUnverified, c);
        QVERIFY(w);
        QVERIFY2(contains(w->info, hs->verifyResult), w->info.c_str());
        // The warning follows the handshake event.
        QVERIFY(w->seq > ev.get(EventKind::TlsHandshake, c).seq);
        r.push(c, "abc\n");
        QVERIFY(ev.waitUntil([&] { return contains(ev.collected(c), "cba\n"); }));
    }

    void listenerAgainstSClient_data() { tlsVersionRows(); }
    void listenerAgainstSClient() {
        QFETCH(QString, flag);
        QFETCH(QString, version);
        needOpenssl();
        Reactor r;
        Events ev(r);
        ChannelOptions o;
        o.tls = serverTls(true);  // a generated certificate
        o.echo = true;
        const ChannelId l = r.openServer("127.0.0.1", 0, o);
        const quint16 port = listeningPort(ev, l);
        QVERIFY(port != 0);
        const std::string fingerprint = ev.get(EventKind::Listening, l).aux;
        QCOMPARE(fingerprint.size(), std::size_t{95});  // 32 hex pairs joined by ':'

        Peer cl;
        ev.peers.push_back(&cl);
        QVERIFY(cl.start(m_openssl, {"s_client", "-connect", QStringLiteral("127.0.0.1:%1").arg(port), flag, "-quiet"}));
        cl.p.write("ping over tls\n");
        QVERIFY2(ev.waitUntil([&] { return cl.out.contains("ping over tls\n"); }), (dump(ev) + cl.err.toStdString()).c_str());
        const ChannelId a = ev.accepted(l);
        QVERIFY(a != 0);
        // The echo can reach s_client before the test has drained the batch
        // that holds its collect/found_terminator (failed in CI under TSan).
        QVERIFY2(ev.waitUntil([&] { return ev.collected(a) == "ping over tls\n"; }), ev.collected(a).c_str());
        const engine::TlsHandshakeInfo* hs = handshakeOf(ev, a);
        QVERIFY(hs);
        QVERIFY(hs->server);
        QCOMPARE(QString::fromStdString(hs->version), version);
        QCOMPARE(hs->localFingerprint, fingerprint);
        cl.p.closeWriteChannel();
        cl.p.kill();  // s_client -quiet ignores EOF on stdin: end it (our own process)
        QVERIFY(ev.waitFor(EventKind::Closed, a));
    }

    void linewrightBothEnds_data() { lwtest::backendRows(); }
    void linewrightBothEnds() {
        QFETCH(engine::Backend, backend);
        needOpenssl();
        ReactorOptions ro;
        ro.backend = backend;
        Reactor r(ro);
        Events ev(r);
        ChannelOptions so;
        so.tls = serverTls();
        so.echo = true;
        const ChannelId l = r.openServer("127.0.0.1", 0, so);
        const quint16 port = listeningPort(ev, l);
        QVERIFY(port != 0);
        QVERIFY(ev.get(EventKind::Listening, l).aux.empty());  // not generated: no fingerprint to show

        ChannelOptions co = clientOptions();
        co.tls.serverName = "localhost";
        const ChannelId c = r.openClient("127.0.0.1", port, co);
        // Pushed before the handshake: waits for it.
        std::string big;
        for (int i = 0; big.size() < 256 * 1024; ++i) big += "line " + std::to_string(i) + " of the big push\n";
        r.push(c, big);
        QVERIFY2(ev.waitUntil([&] { return ev.collected(c).size() >= big.size(); }, 30s), dump(ev).c_str());
        QVERIFY(ev.collected(c) == big);
        const ChannelId a = ev.accepted(l);
        QVERIFY(handshakeOf(ev, a) && handshakeOf(ev, c));
        QVERIFY(handshakeOf(ev, c)->verified);
        QCOMPARE(handshakeOf(ev, a)->version, handshakeOf(ev, c)->version);
        QVERIFY(handshakeOf(ev, a)->peerChain.empty());  // no client certificate asked for
        // close_when_done: our close_notify goes after the last records; the
        // listener's side sees it as the peer's.
        r.closeWhenDone(c);
        QVERIFY(ev.waitFor(EventKind::Closed, a));
        QVERIFY(ev.waitFor(EventKind::Closed, c));
        QCOMPARE(tlsCloseOf(ev, a), std::string("close_notify from peer"));
        QCOMPARE(ev.get(EventKind::Closed, a).closeReason(), engine::CloseReason::Peer);
        QCOMPARE(tlsCloseOf(ev, c), std::string("close_notify from local"));
        QCOMPARE(ev.get(EventKind::Closed, c).closeReason(), engine::CloseReason::Local);
        QVERIFY(ev.errors().empty());
    }

    void halfCloseSendsCloseNotify() {
        needOpenssl();
        Reactor r;
        Events ev(r);
        ChannelOptions so;
        so.tls = serverTls();
        const ChannelId l = r.openServer("127.0.0.1", 0, so);
        const quint16 port = listeningPort(ev, l);
        QVERIFY(port != 0);
        const ChannelId c = r.openClient("127.0.0.1", port, clientOptions());
        r.push(c, "last words\n");
        r.halfClose(c);  // after the push: close_notify, then shutdown(SHUT_WR)
        QVERIFY(ev.waitUntil([&] { return ev.accepted(l) != 0; }));
        const ChannelId a = ev.accepted(l);
        QVERIFY2(ev.waitFor(EventKind::Closed, a), dump(ev).c_str());
        QCOMPARE(ev.collected(a), std::string("last words\n"));
        QVERIFY(ev.find(EventKind::HalfClosed, c));
        QCOMPARE(tlsCloseOf(ev, a), std::string("close_notify from peer"));
        QCOMPARE(ev.get(EventKind::Closed, a).closeReason(), engine::CloseReason::Peer);
        QVERIFY(ev.waitFor(EventKind::Closed, c));  // the listener's end closed in turn
        QVERIFY(ev.errors().empty());
    }

    void closeNotifyVersusTruncation_data() {
        QTest::addColumn<QString>("how");
        QTest::addColumn<QString>("ended");
        QTest::newRow("close_notify") << "notify" << "close_notify from peer";
        QTest::newRow("truncated") << "truncate" << "truncated from peer";
    }
    void closeNotifyVersusTruncation() {
        QFETCH(QString, how);
        QFETCH(QString, ended);
        needOpenssl();
        needPython();
        Peer py;
        const quint16 port = startPyPeer(py, {"close", m_cert, m_key, how});
        QVERIFY2(port != 0, py.err.constData());
        Reactor r;
        Events ev(r);
        ev.peers.push_back(&py);
        const ChannelId c = r.openClient("127.0.0.1", port, clientOptions());
        QVERIFY2(ev.waitFor(EventKind::Closed, c), dump(ev).c_str());
        QCOMPARE(ev.collected(c), std::string("bye\r\n"));
        QCOMPARE(tlsCloseOf(ev, c), ended.toStdString());
        QCOMPARE(ev.get(EventKind::Closed, c).closeReason(), engine::CloseReason::Peer);
        QVERIFY2(exitedOk(py), py.err.constData());
    }

    void plaintextPeerOnTlsPort() {
        lwtest::RawListener raw(engine::kAfInet);
        Reactor r;
        Events ev(r);
        ChannelOptions o = clientOptions();
        o.tls.caFile.clear();
        const ChannelId c = r.openClient("127.0.0.1", raw.addr.port(), o);
        engine::Socket peer = raw.acceptOne();
        QVERIFY(peer);
        lwtest::rawSend(peer.get(), "220 plain old smtp here\r\n");
        QVERIFY(ev.waitFor(EventKind::Closed, c));
        QVERIFY2(!ev.errors(c).empty(), dump(ev).c_str());
        QVERIFY(!ev.find(EventKind::TlsHandshake, c));
        QCOMPARE(ev.get(EventKind::Closed, c).closeReason(), engine::CloseReason::Error);
        QVERIFY(ev.collected(c).empty());  // nothing of it was taken for plaintext
    }

    // --- STARTTLS ------------------------------------------------------------------------------

    void starttlsSmtpClient() {
        needOpenssl();
        needPython();
        Peer py;
        const quint16 port = startPyPeer(py, {"smtp", m_cert, m_key});
        QVERIFY2(port != 0, py.err.constData());
        Reactor r;
        Events ev(r);
        ev.peers.push_back(&py);
        ChannelOptions o;
        o.terminator = engine::Terminator::bytes("\r\n");
        o.tls = clientTls();
        o.tls.enabled = false;
        o.tls.startTls = StartTlsProtocol::Smtp;
        const ChannelId c = r.openClient("127.0.0.1", port, o);
        QVERIFY2(ev.waitFor(EventKind::TlsHandshake, c), (dump(ev) + ev.errors() + py.err.toStdString()).c_str());
        const Event* st = ev.find(EventKind::StartTls, c);
        QVERIFY(st);
        QCOMPARE(st->info, std::string("smtp"));
        QVERIFY(st->seq < ev.get(EventKind::TlsHandshake, c).seq);
        const engine::TlsHandshakeInfo* hs = handshakeOf(ev, c);
        QVERIFY(hs->startTls);
        QVERIFY2(hs->verified, hs->verifyResult.c_str());
        // The plaintext dialogue was received (and framed) like any input.
        const std::string plain = ev.collected(c);
        QVERIFY2(contains(plain, "220 peer.example ESMTP ready") && contains(plain, "250 8BITMIME") &&
                     contains(plain, "220 2.0.0 Ready to start TLS"),
                 plain.c_str());
        // The conversation goes on over TLS.
        r.push(c, "EHLO again\r\nPING\r\nQUIT\r\n");
        QVERIFY2(ev.waitFor(EventKind::Closed, c), dump(ev).c_str());
        const std::string secure = ev.collectedAfterHandshake(c);
        QVERIFY2(contains(secure, "over TLS") && contains(secure, "PONG") && contains(secure, "221 2.0.0 bye"),
                 secure.c_str());
        QVERIFY(ev.errors(c).empty());
        QVERIFY(contains(tlsCloseOf(ev, c), "close_notify"));
        QVERIFY2(exitedOk(py), py.err.constData());
    }

    void starttlsRefused() {
        needPython();
        Peer py;
        const quint16 port = startPyPeer(py, {"refuse"});
        QVERIFY2(port != 0, py.err.constData());
        Reactor r;
        Events ev(r);
        ev.peers.push_back(&py);
        ChannelOptions o;
        o.tls.startTls = StartTlsProtocol::Smtp;
        const ChannelId c = r.openClient("127.0.0.1", port, o);
        QVERIFY2(ev.waitFor(EventKind::Closed, c), dump(ev).c_str());
        const std::string errors = ev.errors(c);
        QVERIFY2(contains(errors, "454 4.7.0 TLS not available due to local problem"), (errors + dump(ev)).c_str());
        QCOMPARE(ev.get(EventKind::Closed, c).closeReason(), engine::CloseReason::Error);
        QVERIFY(!ev.find(EventKind::StartTls, c));
        QVERIFY(!ev.find(EventKind::TlsHandshake, c));
        QVERIFY(py.waitExit());
    }

    void serverAfterMatchWithSClient() {
        needOpenssl();
        Reactor r;
        Events ev(r);
        ChannelOptions o = afterMatchOptions("^STARTTLS", true);
        o.terminator = engine::Terminator::bytes("\r\n");
        const ChannelId l = r.openServer("127.0.0.1", 0, o);
        const quint16 port = listeningPort(ev, l);
        QVERIFY(port != 0);
        Peer cl;
        ev.peers.push_back(&cl);
        QVERIFY(cl.start(m_openssl, {"s_client", "-connect", QStringLiteral("127.0.0.1:%1").arg(port), "-starttls",
                                     "smtp", "-quiet"}));
        // The test is the mock SMTP server's application: it answers, and
        // its go-ahead is the push after the matching line.
        QVERIFY(ev.waitUntil([&] { return ev.accepted(l) != 0; }));
        const ChannelId a = ev.accepted(l);
        r.push(a, "220 linewright ESMTP\r\n");
        QVERIFY2(ev.waitUntil([&] { return contains(ev.collected(a), "EHLO"); }), dump(ev).c_str());
        r.push(a, "250-linewright\r\n250 STARTTLS\r\n");
        QVERIFY2(ev.waitUntil([&] { return contains(ev.collected(a), "STARTTLS\r\n"); }), dump(ev).c_str());
        QVERIFY(!ev.find(EventKind::StartTls, a));  // not before the go-ahead
        r.push(a, "220 2.0.0 go ahead\r\n");
        QVERIFY2(ev.waitFor(EventKind::TlsHandshake, a), (dump(ev) + cl.err.toStdString()).c_str());
        QCOMPARE(ev.get(EventKind::StartTls, a).info, std::string("after-match"));
        QVERIFY(handshakeOf(ev, a)->startTls);
        QVERIFY(handshakeOf(ev, a)->server);
        QVERIFY(!handshakeOf(ev, a)->localFingerprint.empty());
        // The go-ahead went out in plaintext, before the handshake.
        const Event* goAhead = nullptr;
        for (const Event& e : ev.all)
            if (e.kind == EventKind::Sent && e.channel == a && contains(e.data, "go ahead")) goAhead = &e;
        QVERIFY(goAhead && goAhead->seq < ev.get(EventKind::StartTls, a).seq);
        cl.p.write("MAIL FROM:<a@example>\r\n");
        QVERIFY2(ev.waitUntil([&] { return contains(ev.collectedAfterHandshake(a), "MAIL FROM:<a@example>"); }),
                 dump(ev).c_str());
        r.push(a, "250 ok over tls\r\n");
        QVERIFY(ev.waitUntil([&] { return cl.out.contains("250 ok over tls"); }));
        cl.p.kill();
        QVERIFY(ev.waitFor(EventKind::Closed, a));
    }

    void serverAfterMatchPipelinedClientHello() {
        needOpenssl();
        needPython();
        Reactor r;
        Events ev(r);
        ChannelOptions o = afterMatchOptions("^STARTTLS$");
        o.echo = true;  // the echoed STARTTLS line is the go-ahead
        const ChannelId l = r.openServer("127.0.0.1", 0, o);
        const quint16 port = listeningPort(ev, l);
        QVERIFY(port != 0);
        Peer py;
        ev.peers.push_back(&py);
        QVERIFY(py.start(m_python, {peerScript(), "pipeline", QString::number(port), m_ca}));
        QVERIFY2(ev.waitUntil([&] { return py.out.contains("OK"); }), (dump(ev) + py.err.toStdString()).c_str());
        QVERIFY2(exitedOk(py), py.err.constData());
        const ChannelId a = ev.accepted(l);
        QVERIFY(handshakeOf(ev, a) && handshakeOf(ev, a)->startTls);
        // Exactly the command was plaintext; the ClientHello behind it was not framed.
        QVERIFY(ev.waitFor(EventKind::Closed, a));
        std::string plain;
        for (const Event& e : ev.all) {
            if (e.channel != a) continue;
            if (e.kind == EventKind::StartTls) break;
            if (e.kind == EventKind::Collect) plain += e.data;
            if (e.kind == EventKind::FoundTerminator) plain += e.terminator().bytesValue();
        }
        QCOMPARE(plain, std::string("STARTTLS\r\n"));
        QCOMPARE(ev.collectedAfterHandshake(a), std::string("ping\r\n"));
    }

    void startTlsCommand() {
        Reactor r;
        Events ev(r);
        ChannelOptions so;
        so.echo = true;
        const ChannelId l = r.openServer("127.0.0.1", 0, so);
        const quint16 port = listeningPort(ev, l);
        QVERIFY(port != 0);
        const ChannelId c = r.openClient("127.0.0.1", port, {});
        QVERIFY(ev.waitFor(EventKind::Connected, c));
        QVERIFY(ev.waitUntil([&] { return ev.accepted(l) != 0; }));
        const ChannelId a = ev.accepted(l);
        r.push(c, "plain\n");
        QVERIFY(ev.waitUntil([&] { return ev.collected(c) == "plain\n"; }));

        // On a listener: refused.
        r.post(engine::cmd::StartTls{l, {}});
        QVERIFY(ev.waitUntil([&] { return contains(ev.errors(l), "listener"); }));
        // The server end first (it must not take the ClientHello for plaintext), then the client.
        r.post(engine::cmd::StartTls{a, {}});  // a generated certificate
        TlsConfig insecure;
        insecure.verify = false;
        r.post(engine::cmd::StartTls{c, insecure});
        QVERIFY2(ev.waitUntil([&] { return handshakeOf(ev, a) && handshakeOf(ev, c); }),
                 (dump(ev) + ev.errors()).c_str());
        QCOMPARE(ev.get(EventKind::StartTls, c).info, std::string("command"));
        QVERIFY(handshakeOf(ev, a)->server && handshakeOf(ev, a)->startTls);
        QVERIFY(!handshakeOf(ev, c)->server && handshakeOf(ev, c)->startTls);
        QVERIFY(ev.warning(WarningCode::TlsUnverified, c));
        r.push(c, "secret\n");
        QVERIFY(ev.waitUntil([&] { return ev.collectedAfterHandshake(c) == "secret\n"; }));
        QCOMPARE(ev.collectedAfterHandshake(a), std::string("secret\n"));
        // Twice: refused, the channel goes on.
        r.post(engine::cmd::StartTls{c, insecure});
        QVERIFY(ev.waitUntil([&] { return contains(ev.errors(c), "already uses TLS"); }));
        r.push(c, "still\n");
        QVERIFY(ev.waitUntil([&] { return ev.collectedAfterHandshake(c) == "secret\nstill\n"; }));
        // A configuration that cannot work: an error, the channel unchanged.
        r.post(engine::cmd::StartTls{9999, {}});
        QVERIFY(ev.waitUntil([&] { return !ev.errors(9999).empty(); }));
        r.close(c);
        QVERIFY(ev.waitFor(EventKind::Closed, a));
        QVERIFY(contains(tlsCloseOf(ev, a), "close_notify"));
    }

    void startTlsCommandBadConfig() {
        Reactor r;
        Events ev(r);
        const ChannelId l = r.openServer("127.0.0.1", 0, {});
        const quint16 port = listeningPort(ev, l);
        const ChannelId c = r.openClient("127.0.0.1", port, {});
        QVERIFY(ev.waitFor(EventKind::Connected, c));
        TlsConfig bad;
        bad.caFile = lwtest::tls::pki().path("no-such-ca.pem");
        r.post(engine::cmd::StartTls{c, bad});
        QVERIFY(ev.waitUntil([&] { return !ev.errors(c).empty(); }));
        QVERIFY2(contains(ev.errors(c), "no-such-ca.pem"), ev.errors(c).c_str());
        QVERIFY(!ev.find(EventKind::Closed, c));
        QVERIFY(ev.waitUntil([&] { return ev.accepted(l) != 0; }));
        r.push(c, "plain still\n");
        QVERIFY(ev.waitUntil([&] { return ev.collected(ev.accepted(l)) == "plain still\n"; }));
    }
};

QTEST_GUILESS_MAIN(tst_ChannelTls)
#include "tst_ChannelTls.moc"
