// UdpReplay.h — replay and mock of a recorded UDP channel.
//
// What it does:
//   UdpScript::build() takes one UDP channel of a session (its `datagram` and
//   `datagram_sent` events) and makes the two sides of it. A connected
//   channel (`udp send`, an imported UDP flow) was the client: its requests
//   are the datagrams it sent, its replies the datagrams it received. A
//   bound channel (`udp listen`) was the server: its requests are the
//   datagrams of its first peer, its replies what it sent to that peer.
//   Each reply knows how many requests went out before it (requestsBefore).
//   runUdpReplay() sends the requests to a target from a connected UDP socket
//   and compares each datagram that comes back with the next recorded reply,
//   with the ignore rules of the TCP replay (Replayer.h: RE2 on bytes). A
//   reply is waited for at most `timeout` once it is due (UDP may drop it):
//   then it is Missing and the replay goes on to the next request (or ends,
//   without keepGoing). Pacing: lockstep (a request once the replies that
//   preceded it have come or timed out), fast, original (recorded times /
//   speed). A datagram past the last recorded reply is Unexpected.
//   UdpMock serves a script on a bound UDP socket: each peer (source
//   address) runs through the recorded requests in order; its n-th datagram
//   is answered with the replies recorded after the n-th request. With
//   copyRanges, bytes of the request are copied into the reply at the same
//   offsets (DNS: 0:2, the transaction id a resolver picks anew each time).
// What is bounded: one datagram at a time is held (65,535 bytes); a
// divergence keeps the datagrams it compares; the mock keeps one counter per
// peer, at most maxPeers (the oldest forgotten past it).
// What it owns: runUdpReplay(): its Loop and socket, for the call. UdpMock:
// its thread (a LoopThread: the Loop, the socket, the per-peer counters).
// Threads: runUdpReplay() runs on the calling thread with a Loop of its own
// (no other thread touches it; `cancel` is read between passes of at most
// 50 ms). UdpMock serves on its own LoopThread; start(), stop(), wait(),
// address() and stats() may be called from any thread but the mock's (stop()
// posts the quit through the LoopThread's door); the observer runs on the
// mock thread.
#pragma once

#include "engine/net/Address.h"
#include "engine/net/ThreadSafety.h"
#include "engine/reactor/Event.h"
#include "engine/reactor/LoopThread.h"
#include "engine/replay/Replayer.h"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace engine {

struct UdpScriptReply {
    std::string bytes;
    std::int64_t tUs = 0;
    std::size_t requestsBefore = 0;  ///< Requests sent before it came (the request it answers, 1-based; 0: none).
};

struct UdpScript {
    ChannelId channel = 0;
    bool recordedAsClient = true;
    std::string clientAddress;
    std::string serverAddress;
    std::vector<ScriptRequest> requests;  ///< bytes, tUs, position, repliesBefore.
    std::vector<UdpScriptReply> replies;

    /// Whether `channel` (0: the first channel with datagrams) of `events` is a UDP channel.
    static bool isUdp(const std::vector<Event>& events, ChannelId channel = 0);
    /// The UDP channels of `events` (those with datagrams), in the order of their first datagram.
    static std::vector<ChannelId> channels(const std::vector<Event>& events);
    /// The script of UDP channel `channel` (0: the first with datagrams).
    /// nullopt and `error` set when there is none, or it has no datagrams, or
    /// the recording's level left their bytes out.
    static std::optional<UdpScript> build(const std::vector<Event>& events, ChannelId channel, std::string* error);
};

/// Replays `script` against options.host:options.port (UDP). options.tls
/// must be off; pacing, speed, timeout, ignore, keepGoing, maxDivergences,
/// backend, family apply. The observer runs on the calling thread.
ReplayResult runUdpReplay(const UdpScript& script, const ReplayOptions& options,
                          const Replayer::Observer& observer = {}, const std::atomic<bool>* cancel = nullptr);

struct UdpMockOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;
    Backend backend = defaultBackend();
    /// [offset, offset + length) of each request copied into its replies.
    std::vector<std::pair<std::size_t, std::size_t>> copyRanges;
    std::size_t maxPeers = 4096;
};

/// "OFFSET:LENGTH" (decimal bytes, OFFSET ≤ 65535, 0 < LENGTH ≤ 65535) as
/// UdpMockOptions::copyRanges takes it; nullopt when it is not that.
std::optional<std::pair<std::size_t, std::size_t>> parseCopyRange(std::string_view text);

struct UdpMockEvent {
    enum class Kind : std::uint8_t {
        Request,     ///< peer: who; index: its request number (1-based).
        Answered,    ///< index: the request; count: replies sent.
        Unexpected,  ///< A datagram past the recorded requests (not answered).
    };
    Kind kind = Kind::Request;
    std::string peer;
    std::size_t index = 0;
    std::size_t count = 0;
};

struct UdpMockStats {
    std::uint64_t peers = 0;
    std::uint64_t requests = 0;
    std::uint64_t replies = 0;
    std::uint64_t unexpected = 0;
};

class UdpMock {
public:
    using Observer = std::function<void(const UdpMockEvent&)>;
    UdpMock(UdpScript script, UdpMockOptions options);
    /// stop() and join.
    ~UdpMock();
    UdpMock(const UdpMock&) = delete;
    UdpMock& operator=(const UdpMock&) = delete;

    /// Starts the mock thread and binds the socket there (once). False with
    /// `error` set ("cannot bind UDP 127.0.0.1:53: the port is in use"). The
    /// observer runs on the mock thread and must return quickly.
    bool start(Observer observer, std::string* error);
    /// "127.0.0.1:40123" once started. Any thread.
    std::string address() const LW_EXCLUDES(m_mutex);
    /// Ends the serving (a posted quit: the thread wakes at once). Any thread.
    void stop();
    /// Waits up to `timeout` for the mock thread to end. True once it has.
    bool wait(std::chrono::milliseconds timeout) const;
    /// Any thread.
    UdpMockStats stats() const LW_EXCLUDES(m_mutex);

private:
    class Socket;
    void open();       // the mock thread: bind
    void onDatagram(const std::string& data, const Address& peer);  // the mock thread

    UdpScript m_script;
    UdpMockOptions m_options;
    Observer m_observer;
    LoopThread m_loop;
    std::unique_ptr<Socket> m_socket;                 // the mock thread only
    std::map<std::string, std::size_t> m_seen;        // the mock thread only: peer → requests so far
    std::deque<std::string> m_order;                  // the mock thread only: peers, oldest first
    mutable Mutex m_mutex;
    std::string m_address LW_GUARDED_BY(m_mutex);
    UdpMockStats m_stats LW_GUARDED_BY(m_mutex);
};

}  // namespace engine
