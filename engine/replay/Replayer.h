// Replayer.h — replays the client side of a recorded conversation against a
// live server and compares what the server answers with the recording.
//
// What it does: a Replayer connects to a target (every address a name
// resolves to, in turn), sends the script's requests (ReplayScript.h) in
// order and frames what comes back with the script's reply framing — on an
// AsyncChat, so replies are framed by asynchat's own loop exactly as the
// recorded ones were — and compares each reply with the recorded one as it
// completes. Pacing:
//   original  each request at its recorded time since the connection, divided
//             by `speed` (2.0 is twice as fast);
//   fast      every request at once;
//   lockstep  a request only once the replies that preceded it in the
//             recording have arrived.
// A reply matches when it is byte for byte the recorded one, except for the
// parts the ignore rules (regular expressions in RE2 syntax, matched on bytes
// by engine/asyncore/Pattern.h, for every reply or for one) match in both.
// The first divergence — a reply that differs (with the first differing
// byte), one that does not come or does not end (the server closed, or the
// timeout passed), one too many, a close too early or one that does not
// come — ends the replay, unless keepGoing asks for all of them (up to
// maxDivergences).
// What a hostile server can make it hold is bounded: a reply in progress
// grows to at most maxReplyBytes (then the replay ends with a divergence),
// the timeout ends a reply that keeps streaming, and a divergence keeps at
// most 64 KiB of each side past its first difference. The end of the
// conversation is replayed as recorded: the client half-closes after its
// last request if it did (at a pace other than fast, once the replies that
// preceded the recorded half-close are in), and when the server closed the
// connection the replayer waits for that close too.
// Progress is reported as ReplayEvents to an observer, so a GUI can show it
// live; the final ReplayResult says what happened in numbers.
// TLS (options.tls.enabled, `replay --tls`): once TCP is up the connection
// runs a TLS client handshake (engine/tls TlsLayer; verification on unless
// options.tls.verify is false, the host name checked and sent as SNI unless
// options.tls.serverName says otherwise) and the first request goes out
// only once it is done; requests and replies are the plaintext, compared as
// without TLS. The handshake's time is bounded by tls.handshakeTimeoutMs,
// not by `timeout`. A failed handshake (a certificate not verified, a
// protocol version refused, a peer that speaks no TLS) fails the replay:
// status Failed, error "connect to 127.0.0.1:4433: TLS handshake failed:
// certificate verify failed: self-signed certificate" — the TLS layer's own
// words.
// STARTTLS (tls.startTls not None, any protocol): the conversation is
// replayed in plaintext up to where the recording was upgraded
// (ReplayScript::startTls) — the dialogue's requests (EHLO, STARTTLS) sent
// and its replies compared like any others — then, once the last of it has
// gone out, the TLS client handshake runs and the rest is replayed inside
// TLS. No request goes out meanwhile, at any pace. Connected comes twice:
// on TCP, then after the upgrade with `tls` set (tls->startTls true). A
// recording without a starttls event fails the replay (status Failed); a
// handshake that fails there fails it too ("STARTTLS with 127.0.0.1:25
// (after 2 of 5 requests): TLS handshake failed: …").
// What it owns: the replay thread (a LoopThread: the thread, its Loop and
// timers), the connection, the script.
// Threads: start(), cancel(), wait(), finished() and result() may be called
// from any thread (cancel() posts to the replay thread); the Loop and the
// connection are made, used and destroyed on the replay thread only. The
// observer runs on the replay thread and must return quickly (a GUI posts a
// queued call from it); it is called until the replay has finished (the last
// event is Finished), so what it touches must outlive the Replayer or its
// wait(). The destructor cancels and joins.
#pragma once

#include "engine/asyncore/Loop.h"
#include "engine/asyncore/Pattern.h"
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
#include <string_view>
#include <utility>
#include <vector>

namespace engine {

enum class Pacing : std::uint8_t { Original, Fast, Lockstep };
std::string_view pacingName(Pacing p) noexcept;
std::optional<Pacing> parsePacing(std::string_view name) noexcept;

/// Parts of replies that may legitimately differ (dates, ids).
struct IgnoreRule {
    std::size_t reply = 0;  ///< The reply (1-based) it applies to; 0: every reply.
    /// A regular expression in RE2 syntax (engine/asyncore/Pattern.h),
    /// matched against the reply's bytes (its terminator excluded). What it
    /// matches in the recorded reply and in the received one is left out of
    /// the comparison.
    std::string pattern;
};

struct ReplayOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;
    int family = 0;  ///< 0, kAfInet or kAfInet6.
    Pacing pacing = Pacing::Lockstep;
    double speed = 1.0;  ///< Original pacing: recorded delays are divided by it (> 0).
    /// The longest wait for the connection, for a reply that is due — from
    /// the moment it is due until its end, however many of its bytes keep
    /// coming meanwhile — and for a close the recording shows.
    std::chrono::milliseconds timeout{5000};
    std::vector<IgnoreRule> ignore;
    /// What the ignore rules' patterns may be (length, compiled size).
    PatternLimits patternLimits;
    bool keepGoing = false;  ///< Report every divergence instead of stopping at the first.
    /// keepGoing: the replay ends at this many divergences (at least 1).
    std::size_t maxDivergences = 100;
    /// The most a reply may grow to before its end comes, in bytes (at least
    /// 1); a reply the recording holds longer may grow to its recorded size.
    /// Past it the replay ends with a divergence ("reply 2 of 4 exceeds the
    /// limit of 16777216 bytes: …"), keepGoing or not.
    std::size_t maxReplyBytes = std::size_t{16} << 20;
    Backend backend = defaultBackend();
    std::size_t inBufferSize = 65536;  ///< ac_in_buffer_size of the replaying channel.
    /// TLS from the first byte when tls.enabled, or at the recorded STARTTLS
    /// point when tls.startTls is not None (either protocol value: the
    /// recorded dialogue is what is replayed); a client: tls.verify, caFile,
    /// certFile/keyFile, serverName, alpn, versions, keyLogFile,
    /// handshakeTimeoutMs. Not both.
    TlsConfig tls;
};

/// Where a replay departed from the recording.
struct Divergence {
    enum class Kind : std::uint8_t {
        Different,   ///< A reply differs from the recorded one.
        Missing,     ///< A recorded reply did not come (closed, or the timeout passed).
        Unexpected,  ///< A reply the recording does not have.
        ClosedEarly, ///< The server closed before every request was sent.
        NotClosed,   ///< The recording shows the server closing; it did not.
    };
    Kind kind = Kind::Different;
    std::size_t reply = 0;          ///< 1-based number of the reply concerned (0: none).
    std::size_t requestsSent = 0;   ///< Requests sent when it was found.
    std::size_t offset = 0;         ///< First differing byte within the reply (Different, Missing).
    /// The recorded reply, terminator included ("" if none), and what came
    /// instead (possibly partial; "" if nothing). Each is cut 64 KiB past
    /// `offset` when longer.
    std::string expected;
    std::string received;
    /// Byte ranges [begin, end) the ignore rules left out of the comparison,
    /// in `expected` and in `received` (for a side-by-side view to grey out).
    std::vector<std::pair<std::size_t, std::size_t>> ignoredExpected;
    std::vector<std::pair<std::size_t, std::size_t>> ignoredReceived;
    std::string summary;            ///< One line: "reply 3 differs from the recording at byte 5".

    /// The summary, then the expected and received bytes escaped (\r \n \xNN),
    /// with a caret under the first difference; long replies are cut around it.
    std::string report() const;
};
std::string_view divergenceKindName(Divergence::Kind k) noexcept;

/// One step of a replay, for progress views.
struct ReplayEvent {
    enum class Kind : std::uint8_t {
        Connecting,    ///< text: the address tried.
        Connected,     ///< text: the address connected to; tls: the handshake, over TLS (after it).
        RequestSent,   ///< index: 1-based request; bytes: it.
        ReplyMatched,  ///< index: 1-based reply; bytes: it.
        Diverged,      ///< divergence set.
        Finished,      ///< text: the result's summary.
    };
    Kind kind = Kind::Connecting;
    std::size_t index = 0;
    std::string bytes;
    std::string text;
    std::int64_t elapsedUs = 0;  ///< Since start().
    std::optional<Divergence> divergence;
    /// Connected over TLS: what the handshake negotiated; else null.
    std::shared_ptr<const TlsHandshakeInfo> tls;
};

struct ReplayResult {
    enum class Status : std::uint8_t {
        Passed,     ///< Every reply matched (and the close, when recorded).
        Diverged,   ///< At least one divergence.
        Failed,     ///< The replay could not run: no connection, or its TLS handshake failed (error says why).
        Cancelled,  ///< cancel() was called.
    };
    Status status = Status::Failed;
    std::string error;              ///< Failed: "connect to 127.0.0.1:7000: Connection refused".
    std::string target;             ///< The address connected to.
    /// Over TLS: what the handshake negotiated (null without TLS, or before it was done).
    std::shared_ptr<const TlsHandshakeInfo> tls;
    std::size_t requestsTotal = 0;
    std::size_t requestsSent = 0;
    std::size_t repliesExpected = 0;
    std::size_t repliesReceived = 0;
    std::size_t repliesMatched = 0;
    std::uint64_t bytesSent = 0;
    std::uint64_t bytesReceived = 0;
    std::int64_t elapsedUs = 0;
    std::vector<Divergence> divergences;

    /// "5 of 5 requests sent, 5 of 5 replies matched, 0 divergences, in 0.012 s".
    std::string summary() const;
};
std::string_view replayStatusName(ReplayResult::Status s) noexcept;

/// Compares a received reply with the recorded one under the ignore rules
/// that apply to reply `reply` (1-based), as the replay does: nullopt when
/// they match, else the offset in `received` of the first difference.
/// Throws std::invalid_argument when a rule's pattern does not compile.
std::optional<std::size_t> replyDifference(std::string_view expected, std::string_view received,
                                           const std::vector<IgnoreRule>& rules, std::size_t reply,
                                           const PatternLimits& limits = {});

class Replayer {
public:
    using Observer = std::function<void(const ReplayEvent&)>;

    /// Throws std::invalid_argument when an ignore rule is not a valid
    /// regular expression (or is over its limits), the speed is not positive
    /// or a limit is 0 (checkOptions() says so without throwing).
    Replayer(ReplayScript script, ReplayOptions options);
    /// Cancels a running replay and joins its thread.
    ~Replayer();
    Replayer(const Replayer&) = delete;
    Replayer& operator=(const Replayer&) = delete;

    /// What is wrong with `options`, or nullopt.
    static std::optional<std::string> checkOptions(const ReplayOptions& options);

    /// Starts the replay thread (once).
    void start(Observer observer = {});
    /// Stops a running replay: status Cancelled. Any thread; never blocks.
    void cancel();
    /// Waits for the end, up to `timeout`. True once finished.
    bool wait(std::chrono::milliseconds timeout);
    bool finished() const;
    /// The outcome; final once finished().
    ReplayResult result() const;

    /// start() and wait until the end, on the calling thread.
    ReplayResult run(Observer observer = {});

private:
    class Impl;
    std::unique_ptr<Impl> m_impl;
};

}  // namespace engine
