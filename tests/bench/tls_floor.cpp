// lw_tls_floor: the TLS floor for docs/performance.md ("TLS"). A minimal,
// single-threaded, non-blocking epoll + OpenSSL 3 server and client, with no
// framing and no engine: what TLS over loopback costs when nothing else is
// done. tests/bench/tls_bench.sh runs it beside linewright-cli.
//
//   lw_tls_floor serve (--discard|--echo) [--port P] [--host ADDR] [--cert F --key F] [--rsa] [--buf BYTES]
//   lw_tls_floor send BYTES --port P [--stdin]
//   lw_tls_floor lines N --port P [--conns 1] [--size 64] [--window 1024] [--no-verify]
//   lw_tls_floor handshakes N --port P [--concurrency 100] [--no-echo] [--size 64]
//   client options: [--host 127.0.0.1] [--timeout SECONDS (default 120)]
//   every mode: [--plain] (cleartext TCP through the same code: the same
//               program measures TLS against no TLS) [--tls-max 1.2|1.3]
//               [--no-read-ahead]
//
//   serve       binds HOST:PORT (PORT 0, the default, picks one), prints the
//               bound port on stdout as a line of its own, then serves until
//               SIGINT/SIGTERM. --discard reads and drops the plaintext and,
//               when a connection ends, prints one JSON line on stdout (bytes,
//               seconds from accept to end, MB/s, how it ended); --echo writes
//               each plaintext chunk back before it reads more (back-pressure,
//               no queue). The certificate is --cert/--key (PEM files), else an
//               ephemeral self-signed EC P-256 one (--rsa: RSA 2048) made in
//               the process for localhost, 127.0.0.1 and ::1. On close_notify
//               it answers with its own close_notify.
//   send        one connection: a full handshake, then BYTES of plaintext as
//               fast as the socket takes them (generated in memory; with
//               --stdin read from stdin instead, 1 MiB at a time, at most
//               BYTES, so the same file or pipe as `linewright-cli connect`
//               can feed it), then
//               close_notify and shutdown(SHUT_WR); the time runs until the
//               server closes, i.e. until it has read everything.
//   lines       --conns connections, each sending N pipelined lines of --size
//               bytes ending in CRLF (at most --window lines unechoed), every
//               echoed byte checked: lines/s over all connections, timed from
//               the moment every handshake is done (handshakes_s says when). Run it with
//               and without --plain to get the cost of TLS on a line workload.
//   handshakes  N connections, at most --concurrency of them connecting or
//               handshaking at once, each doing a full handshake (no session
//               resumption) and, unless --no-echo, one line echoed (so the
//               server has finished its side too); every connection stays
//               open until all are done, so the server holds N at the end.
//               Afterwards they are reset (SO_LINGER 0): no TIME_WAIT pile-up
//               between runs. Handshakes/s and handshake latency.
//
// The clients do not verify the server's certificate (the same client runs
// against every server, so the cost is the same for all). OpenSSL defaults
// otherwise: TLS 1.3, X25519, TLS_AES_256_GCM_SHA384, two session tickets.
// read-ahead is on (one recv() per 16 KiB record is not a floor); the
// server's buffer is --buf bytes (default 65536, asynchat's ac_in_buffer_size).
//
// Clients print one JSON object on stdout. Exit status: 0 when the run
// completed (and verified), 1 when it failed or timed out (the JSON says why),
// 2 on bad usage.
//
// Plain C++20 over POSIX, Linux epoll and OpenSSL 3: no Qt, no engine.

#include "bench_common.h"

#include <signal.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

[[noreturn]] void bench::usage(const char* why)
{
    std::fprintf(stderr,
        "lw_tls_floor: %s\n"
        "usage: lw_tls_floor serve (--discard|--echo) [--port P] [--host ADDR] [--cert F --key F] [--rsa] [--buf BYTES]\n"
        "       lw_tls_floor send BYTES --port P [--stdin]\n"
        "       lw_tls_floor lines N --port P [--conns C] [--size B] [--window W] [--no-verify]\n"
        "       lw_tls_floor handshakes N --port P [--concurrency C] [--no-echo] [--size B]\n"
        "  clients: [--host ADDR] [--timeout S]; all: [--plain] [--tls-max 1.2|1.3] [--no-read-ahead]\n",
        why);
    std::exit(2);
}

namespace {

using namespace bench;

volatile sig_atomic_t g_stop = 0;
void onSignal(int) { g_stop = 1; }

struct Options {
    std::string mode;
    std::string host = "127.0.0.1";
    long port = -1;
    uint64_t count = 0; // send: bytes; lines: lines per connection; handshakes: connections
    bool discard = false;
    bool echo = false;
    std::string certFile;
    std::string keyFile;
    bool rsa = false;
    size_t buf = 65536;
    bool fromStdin = false;
    uint64_t conns = 1;
    uint64_t size = 64;
    uint64_t window = 1024;
    uint64_t concurrency = 100;
    bool verify = true;
    bool handshakeEcho = true;
    bool plain = false;
    bool readAhead = true;
    int tlsMax = 0;
    double timeout = 120.0;
};

Options parse(int argc, char** argv)
{
    if (argc < 2)
        usage("no mode");
    Options o;
    o.mode = argv[1];
    if (o.mode != "serve" && o.mode != "send" && o.mode != "lines" && o.mode != "handshakes")
        usage("unknown mode");
    int i = 2;
    if (o.mode != "serve") {
        if (argc < 3)
            usage("the mode needs a count");
        o.count = parseCount(argv[2]);
        i = 3;
    }
    for (; i < argc; ++i) {
        const std::string_view a = argv[i];
        auto next = [&]() -> const char* {
            if (i + 1 >= argc)
                usage("option needs a value");
            return argv[++i];
        };
        if (a == "--host") o.host = next();
        else if (a == "--port") {
            const uint64_t p = parseCount(next());
            if (p > 65535)
                usage("bad --port");
            o.port = static_cast<long>(p);
        }
        else if (a == "--discard") o.discard = true;
        else if (a == "--echo") o.echo = true;
        else if (a == "--cert") o.certFile = next();
        else if (a == "--key") o.keyFile = next();
        else if (a == "--rsa") o.rsa = true;
        else if (a == "--buf") o.buf = static_cast<size_t>(parseCount(next()));
        else if (a == "--stdin") o.fromStdin = true;
        else if (a == "--conns") o.conns = parseCount(next());
        else if (a == "--size") o.size = parseCount(next());
        else if (a == "--window") o.window = parseCount(next());
        else if (a == "--concurrency") o.concurrency = parseCount(next());
        else if (a == "--no-verify") o.verify = false;
        else if (a == "--no-echo") o.handshakeEcho = false;
        else if (a == "--plain") o.plain = true;
        else if (a == "--no-read-ahead") o.readAhead = false;
        else if (a == "--tls-max") {
            const std::string_view v = next();
            if (v == "1.2") o.tlsMax = TLS1_2_VERSION;
            else if (v == "1.3") o.tlsMax = TLS1_3_VERSION;
            else usage("--tls-max takes 1.2 or 1.3");
        }
        else if (a == "--timeout") {
            char* end = nullptr;
            o.timeout = std::strtod(next(), &end);
            if (*end != '\0' || !(o.timeout > 0))
                usage("bad --timeout");
        }
        else usage("unknown option");
    }
    if (o.mode == "serve") {
        if (o.discard == o.echo)
            usage("serve takes one of --discard and --echo");
        if (o.certFile.empty() != o.keyFile.empty())
            usage("--cert and --key go together");
        if (o.buf == 0 || o.buf > (1u << 24))
            usage("--buf must be 1..16777216");
        if (o.port < 0)
            o.port = 0;
    } else {
        if (o.port <= 0)
            usage("--port is required");
        if (o.count == 0)
            usage("the count must be positive");
        if (o.size < 2)
            usage("--size must be at least 2 (the line ends in \\r\\n)");
        if (o.window == 0 || o.conns == 0 || o.concurrency == 0)
            usage("--window, --conns and --concurrency must be positive");
    }
    return o;
}

// ---- OpenSSL ---------------------------------------------------------------

// OpenSSL's error queue of this thread in words, emptied.
std::string sslErrors()
{
    std::string s;
    while (const unsigned long e = ERR_get_error()) {
        char b[256];
        ERR_error_string_n(e, b, sizeof b);
        if (!s.empty())
            s += "; ";
        s += b;
    }
    return s;
}

[[noreturn]] void dieSsl(const char* what)
{
    std::fprintf(stderr, "lw_tls_floor: %s: %s\n", what, sslErrors().c_str());
    std::exit(1);
}

// An ephemeral self-signed certificate (EC P-256, or RSA 2048) for
// localhost, 127.0.0.1 and ::1, loaded into ctx.
void useSelfSigned(SSL_CTX* ctx, bool rsa)
{
    EVP_PKEY* key = rsa ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256");
    if (!key)
        dieSsl("key generation");
    X509* x = X509_new();
    if (!x)
        dieSsl("X509_new");
    unsigned char serial[8];
    RAND_bytes(serial, sizeof serial);
    uint64_t s = 0;
    for (unsigned char c : serial)
        s = (s << 8) | c;
    X509_set_version(x, 2);
    ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), s >> 1);
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 30L * 24 * 3600);
    X509_set_pubkey(x, key);
    X509_NAME* name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
    X509_set_issuer_name(x, name);
    X509V3_CTX v3{};
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, x, x, nullptr, nullptr, 0);
    X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, &v3, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1");
    if (!san)
        dieSsl("subjectAltName");
    X509_add_ext(x, san, -1);
    X509_EXTENSION_free(san);
    if (X509_sign(x, key, EVP_sha256()) == 0)
        dieSsl("X509_sign");
    if (SSL_CTX_use_certificate(ctx, x) != 1 || SSL_CTX_use_PrivateKey(ctx, key) != 1)
        dieSsl("loading the generated certificate");
    X509_free(x);
    EVP_PKEY_free(key);
}

SSL_CTX* makeContext(const Options& o, bool server)
{
    SSL_CTX* ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
    if (!ctx)
        dieSsl("SSL_CTX_new");
    // Partial writes and a moving buffer: a non-blocking writer that retries
    // the rest of its buffer, as every event loop does.
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    if (o.readAhead)
        SSL_CTX_set_read_ahead(ctx, 1);
    if (o.tlsMax != 0)
        SSL_CTX_set_max_proto_version(ctx, o.tlsMax);
    if (server) {
        if (!o.certFile.empty()) {
            if (SSL_CTX_use_certificate_chain_file(ctx, o.certFile.c_str()) != 1)
                dieSsl(("--cert " + o.certFile).c_str());
            if (SSL_CTX_use_PrivateKey_file(ctx, o.keyFile.c_str(), SSL_FILETYPE_PEM) != 1)
                dieSsl(("--key " + o.keyFile).c_str());
            if (SSL_CTX_check_private_key(ctx) != 1)
                dieSsl("--key does not match --cert");
        } else {
            useSelfSigned(ctx, o.rsa);
        }
    } else {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
        // Every connection a full handshake: no client-side session cache.
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    }
    return ctx;
}

// ---- one connection, TLS or plain ----------------------------------------

enum class IoStatus { Ok, WantRead, WantWrite, Closed /* close_notify, or FIN in plain */, Truncated /* FIN without close_notify */, Failed };

// Whether a call that did not finish is to be retried once the socket is ready.
bool wouldBlock(IoStatus st) { return st == IoStatus::WantRead || st == IoStatus::WantWrite; }

struct Io {
    int fd = -1;
    SSL* ssl = nullptr; // null: plain
    std::string error;  // set with Failed

    Io() = default;
    Io(const Io&) = delete;
    Io& operator=(const Io&) = delete;
    ~Io() { reset(); }

    void reset()
    {
        if (ssl)
            SSL_free(ssl);
        ssl = nullptr;
        if (fd >= 0)
            close(fd);
        fd = -1;
    }

    // Wraps fd in TLS (client or server role); nothing when ctx is null.
    bool start(SSL_CTX* ctx, bool server)
    {
        if (!ctx)
            return true;
        ssl = SSL_new(ctx);
        if (!ssl || SSL_set_fd(ssl, fd) != 1) {
            error = "SSL_new: " + sslErrors();
            return false;
        }
        if (server)
            SSL_set_accept_state(ssl);
        else
            SSL_set_connect_state(ssl);
        return true;
    }

    IoStatus sslStatus(int ret)
    {
        const int e = SSL_get_error(ssl, ret);
        switch (e) {
        case SSL_ERROR_WANT_READ: return IoStatus::WantRead;
        case SSL_ERROR_WANT_WRITE: return IoStatus::WantWrite;
        case SSL_ERROR_ZERO_RETURN: return IoStatus::Closed;
        case SSL_ERROR_SYSCALL:
            if (ERR_peek_error() == 0 && errno == 0)
                return IoStatus::Truncated;
            error = std::string("TLS: ") + std::strerror(errno);
            sslErrors();
            return IoStatus::Failed;
        case SSL_ERROR_SSL:
            if (ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
                sslErrors();
                return IoStatus::Truncated;
            }
            error = "TLS: " + sslErrors();
            return IoStatus::Failed;
        default:
            error = "TLS: SSL_get_error " + std::to_string(e) + ": " + sslErrors();
            return IoStatus::Failed;
        }
    }

    // One SSL_* call on an empty error queue: its result when positive,
    // else -1 with st saying why.
    template <class Call>
    int sslCall(Call call, IoStatus& st)
    {
        ERR_clear_error();
        errno = 0;
        const int r = call();
        if (r > 0)
            return r;
        st = sslStatus(r);
        return -1;
    }

    // One recv/send (`what`) on the plain socket, again after EINTR: its
    // result when not negative, else -1 with st saying why (`blocked` when
    // the socket would block).
    template <class Call>
    ssize_t plainCall(Call call, const char* what, IoStatus blocked, IoStatus& st)
    {
        for (;;) {
            const ssize_t r = call();
            if (r >= 0)
                return r;
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                st = blocked;
                return -1;
            }
            error = std::string(what) + ": " + std::strerror(errno);
            st = IoStatus::Failed;
            return -1;
        }
    }

    // true when the handshake is done (at once in plain mode).
    bool handshake(IoStatus& st)
    {
        return !ssl || sslCall([&] { return SSL_do_handshake(ssl); }, st) > 0;
    }

    // > 0: bytes; else st says why.
    ssize_t read(char* b, size_t n, IoStatus& st)
    {
        if (ssl)
            return sslCall([&] { return SSL_read(ssl, b, static_cast<int>(std::min<size_t>(n, 1u << 30))); }, st);
        const ssize_t r = plainCall([&] { return recv(fd, b, n, 0); }, "recv", IoStatus::WantRead, st);
        if (r != 0)
            return r;
        st = IoStatus::Closed;
        return -1;
    }

    // > 0: bytes taken; else st says why (retry with the same bytes).
    ssize_t write(const char* b, size_t n, IoStatus& st)
    {
        if (ssl)
            return sslCall([&] { return SSL_write(ssl, b, static_cast<int>(std::min<size_t>(n, 1u << 30))); }, st);
        return plainCall([&] { return send(fd, b, n, MSG_NOSIGNAL); }, "send", IoStatus::WantWrite, st);
    }

    // Sends close_notify (TLS) and shuts the write side down. true when
    // done, false with st = WantRead/WantWrite (call again) or Failed.
    bool closeWrite(IoStatus& st)
    {
        if (ssl) {
            ERR_clear_error();
            errno = 0;
            const int r = SSL_shutdown(ssl);
            if (r < 0) {
                st = sslStatus(r);
                if (st != IoStatus::WantRead && st != IoStatus::WantWrite)
                    st = IoStatus::Failed;
                return false;
            }
        }
        ::shutdown(fd, SHUT_WR);
        return true;
    }

    std::string protocol() const { return ssl ? SSL_get_version(ssl) : "plain"; }
    std::string cipher() const { return ssl ? SSL_get_cipher_name(ssl) : "none"; }
};

const char* statusWord(IoStatus s, bool tls = true)
{
    switch (s) {
    case IoStatus::Closed: return tls ? "close_notify" : "eof";
    case IoStatus::Truncated: return "eof without close_notify";
    case IoStatus::Failed: return "failed";
    default: return "?";
    }
}

uint32_t interestFor(IoStatus st)
{
    return st == IoStatus::WantWrite ? EPOLLOUT : EPOLLIN;
}

// ---- serve -------------------------------------------------------------

int runServe(const Options& o)
{
    raiseFdLimit();
    SSL_CTX* ctx = o.plain ? nullptr : makeContext(o, true);

    const int lfd = listenPrintingPort(o.host, o.port);
    if (lfd < 0) {
        std::fprintf(stderr, "lw_tls_floor: cannot listen on %s:%ld: %s\n", o.host.c_str(), o.port, std::strerror(errno));
        return 1;
    }

    const int ep = epoll_create1(EPOLL_CLOEXEC);
    epoll_event lev{};
    lev.events = EPOLLIN;
    lev.data.fd = lfd;
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev);

    struct Conn {
        Io io;
        bool ready = false; // handshake done
        uint32_t interest = EPOLLIN;
        std::unique_ptr<char[]> buf; // --echo: the chunk being written back
        size_t off = 0, len = 0;
        uint64_t bytes = 0;
        uint64_t id = 0;
        Clock::time_point t0;
    };
    std::unordered_map<int, std::unique_ptr<Conn>> conns;
    std::unique_ptr<char[]> sink(new char[o.buf]);
    std::vector<epoll_event> events(1024);
    uint64_t accepted = 0;

    auto setInterest = [&](Conn& c, uint32_t want) {
        if (c.interest == want)
            return;
        c.interest = want;
        epoll_event e{};
        e.events = want;
        e.data.fd = c.io.fd;
        epoll_ctl(ep, EPOLL_CTL_MOD, c.io.fd, &e);
    };
    auto finish = [&](Conn& c, IoStatus how) {
        if (how == IoStatus::Closed && c.io.ssl) {
            ERR_clear_error();
            SSL_shutdown(c.io.ssl); // our close_notify, best effort
        }
        if (o.discard && c.bytes > 0) {
            const double secs = secondsSince(c.t0);
            Json j;
            j.str("event", "closed").integer("conn", c.id).integer("bytes", c.bytes).num("seconds", secs)
                .num("mb_per_s", static_cast<double>(c.bytes) / 1e6 / secs).str("end", statusWord(how, c.io.ssl != nullptr))
                .str("protocol", c.io.protocol()).str("cipher", c.io.cipher());
            if (how == IoStatus::Failed)
                j.str("error", c.io.error);
            j.print();
        }
        const int fd = c.io.fd;
        epoll_ctl(ep, EPOLL_CTL_DEL, fd, nullptr);
        conns.erase(fd); // closes fd
    };
    // Drives one connection until it would block; may erase it.
    auto handle = [&](Conn& c) {
        IoStatus st = IoStatus::Ok;
        if (!c.ready) {
            if (!c.io.handshake(st)) {
                if (wouldBlock(st))
                    return setInterest(c, interestFor(st));
                return finish(c, st);
            }
            c.ready = true;
        }
        for (;;) {
            while (c.len > 0) {
                const ssize_t n = c.io.write(c.buf.get() + c.off, c.len, st);
                if (n <= 0) {
                    if (wouldBlock(st))
                        return setInterest(c, interestFor(st));
                    return finish(c, st);
                }
                c.off += static_cast<size_t>(n);
                c.len -= static_cast<size_t>(n);
            }
            const ssize_t n = c.io.read(o.discard ? sink.get() : c.buf.get(), o.buf, st);
            if (n <= 0) {
                if (wouldBlock(st))
                    return setInterest(c, interestFor(st));
                return finish(c, st);
            }
            c.bytes += static_cast<uint64_t>(n);
            if (o.echo) {
                c.off = 0;
                c.len = static_cast<size_t>(n);
            }
        }
    };

    while (!g_stop) {
        const int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), -1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            std::fprintf(stderr, "lw_tls_floor: epoll_wait: %s\n", std::strerror(errno));
            return 1;
        }
        for (int i = 0; i < n; ++i) {
            const int fd = events[static_cast<size_t>(i)].data.fd;
            if (fd == lfd) {
                for (;;) {
                    const int cfd = accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
                    if (cfd < 0)
                        break; // EAGAIN, or EMFILE: retried on the next wakeup
                    setNoDelay(cfd);
                    auto c = std::make_unique<Conn>();
                    c->io.fd = cfd;
                    c->t0 = Clock::now();
                    if (!c->io.start(ctx, true)) {
                        std::fprintf(stderr, "lw_tls_floor: %s\n", c->io.error.c_str());
                        continue;
                    }
                    if (o.echo)
                        c->buf.reset(new char[o.buf]);
                    c->id = ++accepted;
                    epoll_event e{};
                    e.events = EPOLLIN;
                    e.data.fd = cfd;
                    epoll_ctl(ep, EPOLL_CTL_ADD, cfd, &e);
                    conns.emplace(cfd, std::move(c));
                }
                continue;
            }
            auto it = conns.find(fd);
            if (it != conns.end())
                handle(*it->second);
        }
    }
    conns.clear();
    close(ep);
    close(lfd);
    SSL_CTX_free(ctx);
    return 0;
}

// ---- send ----------------------------------------------------------------

int runSend(const Options& o)
{
    SSL_CTX* ctx = o.plain ? nullptr : makeContext(o, false);
    Json j;
    j.str("mode", "send").integer("bytes", o.count).boolean("stdin", o.fromStdin).boolean("tls", !o.plain);
    const auto t0 = Clock::now();
    const auto deadline = deadlineFrom(t0, o.timeout);
    Io io;
    io.fd = connectNow();
    if (io.fd < 0)
        return j.finish(std::string("connect: ") + std::strerror(errno));
    if (!io.start(ctx, false))
        return j.finish(io.error);
    const int ep = epoll_create1(EPOLL_CLOEXEC);
    watch(ep, io.fd, 0);

    const std::string chunk = makeBlock(64, 16384); // 1 MiB of line-shaped bytes
    std::vector<char> in(o.fromStdin ? 1u << 20 : 0);
    const char* wp = nullptr; // the bytes being written (retried as they are)
    size_t wlen = 0;
    std::vector<char> rbuf(1u << 16);
    uint64_t sent = 0, received = 0;
    bool ready = false, inputEnd = false, shut = false, closed = false;
    double handshakeS = 0, sentAt = 0;
    std::string error, endedBy;

    // After a step that did not finish (`what`, the error's prefix): true to
    // wait for the socket, false (with error set) when it failed.
    auto waitOrFail = [&](IoStatus st, const char* what) {
        if (wouldBlock(st))
            return true;
        error = what + io.error;
        return false;
    };
    // Drives the connection until it would block; false when it is over.
    auto pump = [&]() -> bool {
        IoStatus st = IoStatus::Ok;
        if (!ready) {
            if (!io.handshake(st))
                return waitOrFail(st, "handshake: ");
            ready = true;
            handshakeS = secondsSince(t0);
        }
        while (!shut) {
            if (wlen == 0 && !inputEnd) {
                const uint64_t left = o.count - sent;
                if (left == 0) {
                    inputEnd = true;
                } else if (o.fromStdin) {
                    const ssize_t n = ::read(STDIN_FILENO, in.data(), static_cast<size_t>(std::min<uint64_t>(in.size(), left)));
                    if (n < 0 && errno == EINTR)
                        continue;
                    if (n < 0) {
                        error = std::string("stdin: ") + std::strerror(errno);
                        return false;
                    }
                    if (n == 0)
                        inputEnd = true;
                    wp = in.data();
                    wlen = static_cast<size_t>(n);
                } else {
                    const uint64_t pos = sent % chunk.size();
                    wp = chunk.data() + pos;
                    wlen = static_cast<size_t>(std::min<uint64_t>(chunk.size() - pos, left));
                }
            }
            if (wlen > 0) {
                const ssize_t n = io.write(wp, wlen, st);
                if (n <= 0) {
                    if (wouldBlock(st))
                        return true;
                    error = io.error.empty() ? std::string("the server closed the connection while we sent") : io.error;
                    return false;
                }
                sent += static_cast<uint64_t>(n);
                wp += n;
                wlen -= static_cast<size_t>(n);
                continue;
            }
            if (inputEnd) {
                if (!io.closeWrite(st))
                    return waitOrFail(st, "close_notify: ");
                shut = true;
                sentAt = secondsSince(t0);
            }
        }
        // Read what the server says (session tickets, its close) until it closes.
        for (;;) {
            const ssize_t n = io.read(rbuf.data(), rbuf.size(), st);
            if (n > 0) {
                received += static_cast<uint64_t>(n);
                continue;
            }
            if (wouldBlock(st))
                return true;
            if (st == IoStatus::Failed && io.error.find("Connection reset") == std::string::npos) {
                error = io.error;
                return false;
            }
            endedBy = st == IoStatus::Failed ? "reset" : statusWord(st, io.ssl != nullptr);
            closed = true;
            return false;
        }
    };
    bool going = pump();
    std::vector<epoll_event> events(1);
    while (going) {
        if (waitReady(ep, events, deadline, error,
                      shut ? "timeout waiting for the server to close" : "timeout while sending") < 0)
            break;
        going = pump();
    }
    const double secs = secondsSince(t0);
    if (closed && !shut)
        error = "the server closed the connection after " + std::to_string(sent) + " bytes";
    j.integer("sent", sent).integer("received", received).num("seconds", secs).num("handshake_s", handshakeS)
        .num("send_seconds", sentAt).num("mb_per_s", static_cast<double>(sent) / 1e6 / secs)
        .num("gbit_per_s", static_cast<double>(sent) * 8 / 1e9 / secs)
        .str("protocol", io.protocol()).str("cipher", io.cipher()).str("end", endedBy);
    const int status = j.finish(error);
    close(ep);
    io.reset();
    SSL_CTX_free(ctx);
    return status;
}

// ---- lines ---------------------------------------------------------------

int runLines(const Options& o)
{
    SSL_CTX* ctx = o.plain ? nullptr : makeContext(o, false);
    const uint64_t total = o.count * o.size; // bytes each way per connection
    const uint64_t windowBytes = o.window * o.size;
    const std::string block = makeBlock(o.size, kBlockLines);
    Json j;
    j.str("mode", "lines").boolean("tls", !o.plain).integer("conns", o.conns).integer("lines_per_conn", o.count)
        .integer("size", o.size).integer("window_lines", o.window);

    struct Conn {
        Io io;
        bool ready = false;
        uint64_t sent = 0, recvd = 0;
        size_t wpos = 0, wlen = 0; // the write being retried
        bool done = false;
    };
    std::vector<std::unique_ptr<Conn>> conns;
    const int ep = epoll_create1(EPOLL_CLOEXEC);
    for (uint64_t i = 0; i < o.conns; ++i) {
        auto c = std::make_unique<Conn>();
        c->io.fd = connectNow();
        if (c->io.fd < 0)
            return j.finish(std::string("connect: ") + std::strerror(errno));
        if (!c->io.start(ctx, false))
            return j.finish(c->io.error);
        watch(ep, c->io.fd, i);
        conns.push_back(std::move(c));
    }

    std::vector<char> rbuf(1u << 18);
    std::vector<epoll_event> events(std::max<uint64_t>(o.conns, 1));
    uint64_t remaining = o.conns;
    std::string error;
    double handshakesDone = 0;
    uint64_t handshakes = 0;
    bool started = false; // every handshake done: the lines' clock runs
    const auto tStart = Clock::now();
    auto t0 = tStart;
    const auto deadline = deadlineFrom(tStart, o.timeout);

    auto pump = [&](Conn& c) {
        IoStatus st = IoStatus::Ok;
        if (!c.ready) {
            if (!c.io.handshake(st)) {
                if (st != IoStatus::WantRead && st != IoStatus::WantWrite)
                    error = "handshake: " + c.io.error;
                return;
            }
            c.ready = true;
            ++handshakes;
        }
        if (!started)
            return;
        for (;;) {
            const ssize_t n = c.io.read(rbuf.data(), rbuf.size(), st);
            if (n <= 0) {
                if (wouldBlock(st))
                    break;
                if (c.recvd < total)
                    error = st == IoStatus::Failed ? c.io.error : std::string("server closed the connection early");
                return;
            }
            const auto got = static_cast<uint64_t>(n);
            if (c.recvd + got > c.sent) {
                error = "server sent more bytes than it was sent";
                return;
            }
            if (o.verify && !matches(block, c.recvd, rbuf.data(), static_cast<size_t>(n))) {
                error = "echoed bytes differ from the bytes sent (at stream offset " + std::to_string(c.recvd) + ")";
                return;
            }
            c.recvd += got;
        }
        for (;;) {
            if (c.wlen == 0) {
                if (c.sent >= total || c.sent - c.recvd >= windowBytes)
                    break;
                c.wpos = static_cast<size_t>(c.sent % block.size());
                c.wlen = static_cast<size_t>(
                    std::min({block.size() - c.wpos, total - c.sent, windowBytes - (c.sent - c.recvd)}));
            }
            const ssize_t n = c.io.write(block.data() + c.wpos, c.wlen, st);
            if (n <= 0) {
                if (st != IoStatus::WantRead && st != IoStatus::WantWrite)
                    error = c.io.error.empty() ? std::string("server closed the connection early") : c.io.error;
                break;
            }
            c.sent += static_cast<uint64_t>(n);
            c.wpos += static_cast<size_t>(n);
            c.wlen -= static_cast<size_t>(n);
        }
        if (!c.done && c.recvd == total) {
            c.done = true;
            --remaining;
        }
    };

    for (auto& c : conns) {
        pump(*c);
        if (!error.empty())
            break;
    }
    while (remaining > 0 && error.empty()) {
        if (!started && handshakes == o.conns) {
            // The handshakes are not part of the line rate (the handshakes
            // mode measures them): the clock starts when all are done.
            started = true;
            handshakesDone = secondsSince(tStart);
            t0 = Clock::now();
            for (auto& c : conns) {
                pump(*c);
                if (!error.empty())
                    break;
            }
            continue;
        }
        const int n = waitReady(ep, events, deadline, error);
        for (int i = 0; i < n && error.empty(); ++i)
            pump(*conns[events[static_cast<size_t>(i)].data.u64]);
    }
    const double secs = secondsSince(t0);
    uint64_t echoed = 0;
    for (auto& c : conns)
        echoed += c->recvd;
    const std::string proto = conns.empty() ? "" : conns.front()->io.protocol();
    const std::string cipher = conns.empty() ? "" : conns.front()->io.cipher();
    conns.clear();
    close(ep);
    SSL_CTX_free(ctx);
    const double lines = static_cast<double>(echoed) / static_cast<double>(o.size);
    j.integer("lines", echoed / o.size).integer("bytes_echoed", echoed).num("seconds", secs)
        .num("handshakes_s", handshakesDone)
        .num("lines_per_s", lines / secs).num("mb_per_s", static_cast<double>(echoed) / 1e6 / secs)
        .str("protocol", proto).str("cipher", cipher).boolean("verified", o.verify);
    return j.finish(error);
}

// ---- handshakes ------------------------------------------------------------

int runHandshakes(const Options& o)
{
    raiseFdLimit();
    SSL_CTX* ctx = o.plain ? nullptr : makeContext(o, false);
    const uint64_t n = o.count;
    Json j;
    j.str("mode", "handshakes").boolean("tls", !o.plain).integer("conns", n).integer("concurrency", o.concurrency)
        .boolean("echo", o.handshakeEcho);
    const std::string line = makeBlock(o.size, 1);

    enum class State : uint8_t { Idle, Connecting, Handshaking, Sending, Waiting, Done, Failed };
    struct Conn {
        Io io;
        State state = State::Idle;
        uint32_t sent = 0, got = 0;
        Clock::time_point t0;
    };
    std::vector<Conn> conns(n);
    std::vector<char> rbuf(o.size + 1);
    std::vector<double> hsMs, doneMs;
    hsMs.reserve(n);
    doneMs.reserve(n);
    const int ep = epoll_create1(EPOLL_CLOEXEC);
    uint64_t next = 0, active = 0, done = 0, failed = 0;
    std::string firstError, proto, cipher;

    auto fail = [&](Conn& c, const std::string& e) {
        if (c.state != State::Done && c.state != State::Failed)
            --active;
        c.state = State::Failed;
        ++failed;
        if (firstError.empty())
            firstError = e;
        if (c.io.fd >= 0)
            epoll_ctl(ep, EPOLL_CTL_DEL, c.io.fd, nullptr);
        c.io.reset();
    };
    auto finishOne = [&](Conn& c) {
        c.state = State::Done;
        --active;
        ++done;
        doneMs.push_back(std::chrono::duration<double, std::milli>(Clock::now() - c.t0).count());
    };
    auto progress = [&](Conn& c) {
        IoStatus st = IoStatus::Ok;
        if (c.state == State::Connecting) {
            const int err = connectState(c.io.fd);
            if (err > 0)
                return fail(c, std::string("connect: ") + std::strerror(err));
            if (err < 0)
                return; // not connected yet
            if (!c.io.start(ctx, false))
                return fail(c, c.io.error);
            c.state = State::Handshaking;
        }
        if (c.state == State::Handshaking) {
            if (!c.io.handshake(st)) {
                if (wouldBlock(st))
                    return;
                return fail(c, "handshake: " + (st == IoStatus::Failed ? c.io.error : std::string(statusWord(st))));
            }
            hsMs.push_back(std::chrono::duration<double, std::milli>(Clock::now() - c.t0).count());
            if (proto.empty()) {
                proto = c.io.protocol();
                cipher = c.io.cipher();
            }
            if (!o.handshakeEcho)
                return finishOne(c);
            c.state = State::Sending;
        }
        if (c.state == State::Sending) {
            while (c.sent < o.size) {
                const ssize_t r = c.io.write(line.data() + c.sent, o.size - c.sent, st);
                if (r <= 0) {
                    if (wouldBlock(st))
                        return;
                    return fail(c, "send: " + (st == IoStatus::Failed ? c.io.error : std::string(statusWord(st))));
                }
                c.sent += static_cast<uint32_t>(r);
            }
            c.state = State::Waiting;
        }
        if (c.state == State::Waiting) {
            for (;;) {
                const ssize_t r = c.io.read(rbuf.data(), rbuf.size(), st);
                if (r <= 0) {
                    if (wouldBlock(st))
                        return;
                    return fail(c, "waiting for the echo: " + (st == IoStatus::Failed ? c.io.error : std::string(statusWord(st))));
                }
                const auto got = static_cast<uint32_t>(r);
                if (c.got + got > o.size)
                    return fail(c, "server sent more than the line");
                if (std::memcmp(rbuf.data(), line.data() + c.got, got) != 0)
                    return fail(c, "echo differs from the line sent");
                c.got += got;
                if (c.got == o.size)
                    return finishOne(c); // stays open until the run ends
            }
        }
    };
    auto startSome = [&]() {
        while (next < n && active < o.concurrency) {
            Conn& c = conns[next];
            const uint64_t idx = next++;
            c.t0 = Clock::now();
            c.state = State::Connecting;
            ++active;
            c.io.fd = connectStart();
            if (c.io.fd < 0) {
                fail(c, std::string("connect: ") + std::strerror(errno));
                continue;
            }
            watch(ep, c.io.fd, idx);
        }
    };

    const auto t0 = Clock::now();
    const auto deadline = deadlineFrom(t0, o.timeout);
    const bool timedOut = !driveConnections(
        ep, deadline, firstError, [&] { return done + failed >= n; },
        [&](uint64_t key) {
            Conn& c = conns[key];
            if (c.state != State::Done && c.state != State::Failed)
                progress(c);
        },
        startSome);
    const double secs = secondsSince(t0);
    // Over: reset every connection (no close_notify, no TIME_WAIT).
    for (auto& c : conns) {
        if (c.io.fd >= 0)
            resetOnClose(c.io.fd);
        c.io.reset();
    }
    close(ep);
    SSL_CTX_free(ctx);
    const bool ok = done == n;
    j.integer("done", done).integer("failed", failed).num("seconds", secs)
        .num("handshakes_per_s", static_cast<double>(done) / secs)
        .num("handshake_p50_ms", percentile(hsMs, 50)).num("handshake_p99_ms", percentile(hsMs, 99))
        .num("done_p99_ms", percentile(doneMs, 99))
        .str("protocol", proto).str("cipher", cipher);
    return j.finishMany(ok, timedOut, n - done - failed, firstError);
}

} // namespace

int main(int argc, char** argv)
{
    const Options o = parse(argc, argv);
    signal(SIGPIPE, SIG_IGN);
    if (o.mode == "serve") {
        struct sigaction sa{};
        sa.sa_handler = onSignal;
        sigaction(SIGINT, &sa, nullptr);
        sigaction(SIGTERM, &sa, nullptr);
        return runServe(o);
    }
    resolve(o.host, o.port);
    if (o.mode == "send")
        return runSend(o);
    if (o.mode == "lines")
        return runLines(o);
    return runHandshakes(o);
}
