// Mocker.h — serves recorded conversations as a mock server: each client
// that connects gets the recorded server side, in lockstep.
//
// What it does: a Mocker listens (loopback by default) and, for every
// connection it accepts, plays the server side of one ReplayScript: it
// sends what the server sent before the first request (a greeting), then
// frames the client's bytes with the script's request framing — on an
// AsyncChat, asynchat's own loop — and answers request i with what the
// server sent between request i and request i+1 in the recording. After the
// last request it closes the connection when the recorded server did.
// Clients are independent: each has its own position in its script. With
// several scripts (a session whose listener accepted several connections)
// client k gets script (k-1) mod n — the first client the first recorded
// conversation, the second the second, and round again.
// The mock answers whatever the client sends; a request that differs from
// the recorded one is still answered, and reported (MockEvent::Mismatch),
// as is one more than the recording has (left unanswered). A client that
// keeps sending such requests does not flood the observer: the first
// warningsPerClient are reported one by one, then a summary event stands for
// the rest ("… 9995 more requests beyond the recording"), at most once per
// summaryInterval and once more when the client goes; the stats and the
// client's closing report count them all.
// What a client can make it hold is bounded: a request may grow to
// maxRequestBytes without its terminator; past that the client is told off
// (MockEvent::Error) and closed.
// With options.match (`mock --match`) the order does not matter: each
// request is answered with what followed the same recorded request (see
// MockOptions::match).
// TLS (options.tls.enabled, `mock --tls`): every accepted connection first
// runs a TLS server handshake (engine/tls TlsLayer) with options.tls's
// certificate and key, or with neither an ephemeral self-signed certificate
// generated at start() (tlsFingerprint() gives its SHA-256 fingerprint); a
// caFile with verify asks the client for a certificate. A client is served
// — Accepted (with what the handshake negotiated), then the greeting — only
// once its handshake is done; one whose handshake fails (a plaintext client,
// a certificate it refused, the handshake timeout) gets an Error event
// ("client 2 (127.0.0.1:50412): TLS handshake failed: … ; not served") and
// no Accepted/ClientClosed, and the mock goes on serving.
// STARTTLS (tls.startTls != None, tls.enabled false, `mock --starttls-after`):
// every script must hold a STARTTLS point (ReplayScript::startTls, the
// recording's `starttls` event), else start() refuses. A client is served in
// plaintext from the start (Accepted without tls); once it has sent the
// requests before the recorded point and the replies before it have gone
// out (the go-ahead last), the mock reads nothing more as plaintext — bytes
// that came in the same read are the client's first TLS bytes — and runs
// the TLS server handshake; then Upgraded (with what it negotiated), the
// recorded replies after the point that answer the same request, and the
// rest inside TLS. With tls.startTlsAfter set, the client's request at the
// point must match it (partial match), else the client gets an Error
// ("… does not ask for the upgrade …") and is closed; so is one whose
// handshake fails (an Error "client 2 (…): STARTTLS: TLS handshake failed:
// …", counted in tlsFailures).
// What it owns: the mock thread (a LoopThread: the thread and its Loop),
// the listener and the clients.
// Threads: start(), stop(), wait() and stats() may be called from any
// thread (stop() posts to the mock thread); the Loop, the listener and the
// clients are made, used and destroyed on the mock thread only. The
// observer runs on the mock thread and must return quickly; it is called
// until the mock thread ends (the last event is Stopped), so what it touches
// must outlive the Mocker or its wait(). The destructor stops and joins.
#pragma once

#include "engine/asyncore/Loop.h"
#include "engine/replay/ReplayScript.h"
#include "engine/tls/TlsConfig.h"
#include "engine/tls/TlsInfo.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace engine {

struct MockOptions {
    std::string host = "127.0.0.1";  ///< All interfaces only when asked ("0.0.0.0", "::").
    std::uint16_t port = 0;          ///< 0: any free port (port() says which).
    Backend backend = defaultBackend();
    /// Stop by itself once this many clients have come and gone (0: never).
    std::size_t maxClients = 0;
    std::size_t inBufferSize = 65536;
    /// The most a client's request may grow to before its terminator, in
    /// bytes; a request the recording holds longer may grow to its recorded
    /// size. Past it the client is closed, with an Error event ("client 2
    /// (127.0.0.1:50412): request 1 exceeds the limit of 16777216 bytes …").
    std::size_t maxRequestBytes = std::size_t{16} << 20;
    /// Mismatch and Unexpected events reported one by one per client; the
    /// rest are summarised.
    std::size_t warningsPerClient = 5;
    /// The least time between two summaries of the same client.
    std::chrono::milliseconds summaryInterval{1000};
    /// TLS from the first byte when tls.enabled (a server: certFile/keyFile
    /// or a generated certificate, caFile to ask for client certificates,
    /// alpn, versions, keyLogFile, handshakeTimeoutMs). Or tls.startTls !=
    /// None (with enabled false): STARTTLS at each script's recorded point,
    /// tls.startTlsAfter (when not empty) checked against the request there.
    TlsConfig tls;
    /// Answer by match (`mock --match`) instead of in recorded order: a
    /// client's bytes are cut into requests by the recorded requests
    /// themselves (the longest recorded request the bytes start with), and
    /// each is answered with the replies recorded after that request. When a
    /// request was recorded several times, its occurrences answer in turn,
    /// cycling (the first, the second, …, the first again). Bytes no recorded
    /// request starts with are one unmatched request up to the request
    /// framing's first terminator (bytes terminators; else all that came) and
    /// get no answer: an Unexpected event ("request 3 matches no recorded
    /// request; not answered"), counted in MockStats::unexpected. The greeting
    /// still goes out on connect; the mock never closes a client by itself.
    /// Excludes STARTTLS (start() refuses).
    bool match = false;
};

struct MockEvent {
    enum class Kind : std::uint8_t {
        Listening,     ///< text: the address.
        Accepted,      ///< client, text: the client's address; index: the script (0-based); tls: over TLS.
        Request,       ///< client, index: 1-based request (match: the recorded request it matched); bytes: it.
        Mismatch,      ///< client, index: 1-based request; text: how it differs from the recording.
        Unexpected,    ///< client, index: 1-based request the recording does not have (match: that matches none); bytes: it.
        Answered,      ///< client, index: 1-based request (0: the greeting); bytes: what was sent.
        Upgraded,      ///< STARTTLS: client, index: the request after which; tls: what the handshake negotiated.
        ClientClosed,  ///< client, text: a one-line report of that client.
        Error,         ///< text: what failed.
        Stopped,
    };
    Kind kind = Kind::Listening;
    std::uint64_t client = 0;  ///< 1, 2, 3… in the order clients connected.
    std::size_t index = 0;
    std::string bytes;
    std::string text;
    /// A Mismatch or Unexpected event with `summarised` > 0 is a summary: it
    /// stands for that many requests of its kind not reported one by one;
    /// index is the last of them, bytes is empty, text says how many.
    std::uint64_t summarised = 0;
    /// Accepted over TLS, or Upgraded: what the client's handshake negotiated; else null.
    std::shared_ptr<const TlsHandshakeInfo> tls;
};

struct MockStats {
    std::uint64_t clients = 0;           ///< Connections served (over TLS: once their handshake is done).
    std::uint64_t clientsFinished = 0;   ///< …of which are closed again.
    std::uint64_t clientsCompleted = 0;  ///< …that sent every recorded request.
    std::uint64_t requests = 0;          ///< Requests received, over all clients.
    std::uint64_t mismatches = 0;        ///< Requests that differed from the recording.
    std::uint64_t unexpected = 0;        ///< Requests beyond the recording (match: matching no recorded request).
    std::uint64_t bytesIn = 0;
    std::uint64_t bytesOut = 0;
    /// TLS: connections whose handshake failed (not served, not in `clients`;
    /// STARTTLS: served in plaintext first, so in `clients` too).
    std::uint64_t tlsFailures = 0;
};

class Mocker {
public:
    using Observer = std::function<void(const MockEvent&)>;

    /// At least one script.
    Mocker(std::vector<ReplayScript> scripts, MockOptions options);
    ~Mocker();
    Mocker(const Mocker&) = delete;
    Mocker& operator=(const Mocker&) = delete;

    /// Binds and listens, then serves on the mock thread. Returns once
    /// listening (true) or failed (false, `error` like "cannot listen on
    /// 127.0.0.1:7000: Address already in use", or "cannot serve with TLS:
    /// cannot load certificate file …", or for STARTTLS "conversation 1
    /// (channel 3) was not upgraded with STARTTLS …"). Once.
    bool start(Observer observer, std::string* error);
    /// The address and port it listens on (after a successful start()).
    std::string address() const;
    /// With TLS and no certificate given: the SHA-256 fingerprint of the
    /// generated one (uppercase hex pairs joined by ':'); else "". After start().
    std::string tlsFingerprint() const;
    std::uint16_t port() const;
    /// Closes every connection and stops. Any thread; never blocks.
    void stop();
    /// Waits for the mock thread to end (stop(), or maxClients reached).
    bool wait(std::chrono::milliseconds timeout);
    bool finished() const;
    MockStats stats() const;

private:
    class Impl;
    std::unique_ptr<Impl> m_impl;
};

}  // namespace engine
