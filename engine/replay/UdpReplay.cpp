// UdpReplay.cpp — a UDP channel's script, its replay and its mock.
#include "engine/replay/UdpReplay.h"

#include "engine/asyncore/DatagramDispatcher.h"
#include "engine/asyncore/Escape.h"
#include "engine/asyncore/Loop.h"
#include "engine/net/SocketOps.h"

#include <algorithm>
#include <charconv>
#include <deque>
#include <map>
#include <stdexcept>
#include <system_error>

namespace engine {

// --- The script ----------------------------------------------------------------------------------

namespace {

bool isDatagram(const Event& e) { return e.kind == EventKind::Datagram || e.kind == EventKind::DatagramSent; }

ChannelId firstUdpChannel(const std::vector<Event>& events) {
    for (const Event& e : events)
        if (isDatagram(e)) return e.channel;
    return 0;
}

}  // namespace

bool UdpScript::isUdp(const std::vector<Event>& events, ChannelId channel) {
    for (const Event& e : events)
        if (isDatagram(e) && (channel == 0 || e.channel == channel)) return true;
    return false;
}

std::vector<ChannelId> UdpScript::channels(const std::vector<Event>& events) {
    std::vector<ChannelId> out;
    for (const Event& e : events)
        if (isDatagram(e) && std::find(out.begin(), out.end(), e.channel) == out.end()) out.push_back(e.channel);
    return out;
}

std::optional<std::pair<std::size_t, std::size_t>> parseCopyRange(std::string_view text) {
    auto number = [](std::string_view t) -> std::optional<std::uint64_t> {
        std::uint64_t v = 0;
        const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
        if (t.empty() || ec != std::errc() || end != t.data() + t.size()) return std::nullopt;
        return v;
    };
    const std::size_t colon = text.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    const auto offset = number(text.substr(0, colon));
    const auto length = number(text.substr(colon + 1));
    if (!offset || !length || *offset > 65535 || *length == 0 || *length > 65535) return std::nullopt;
    return std::pair{static_cast<std::size_t>(*offset), static_cast<std::size_t>(*length)};
}

std::optional<UdpScript> UdpScript::build(const std::vector<Event>& events, ChannelId channel, std::string* error) {
    if (channel == 0) channel = firstUdpChannel(events);
    auto fail = [&](std::string why) -> std::optional<UdpScript> {
        if (error) *error = std::move(why);
        return std::nullopt;
    };
    if (channel == 0) return fail("the session has no UDP datagrams");
    UdpScript s;
    s.channel = channel;
    bool connected = false;
    std::string firstPeer;
    for (const Event& e : events) {
        if (e.channel != channel) continue;
        if (e.kind == EventKind::Connected) {
            connected = true;
            s.serverAddress = e.info;
            s.clientAddress = e.aux;
        } else if (e.kind == EventKind::Listening) {
            s.serverAddress = e.info;
        } else if (e.kind == EventKind::Datagram && e.datagramSize() != 0) {
            return fail("channel " + std::to_string(channel) +
                        ": its datagrams were cut into messages by a terminator; the datagrams cannot be rebuilt");
        } else if (e.kind == EventKind::Datagram && firstPeer.empty()) {
            firstPeer = e.info;
        }
    }
    s.recordedAsClient = connected;
    if (!connected) s.clientAddress = firstPeer;
    std::size_t repliesSoFar = 0;
    for (const Event& e : events) {
        if (e.channel != channel || !isDatagram(e)) continue;
        // Client side: sent are requests. Server side: received from the first peer are.
        const bool request = connected ? e.kind == EventKind::DatagramSent : e.kind == EventKind::Datagram;
        if (!connected && e.info != firstPeer) continue;  // other peers of a bound channel: left out
        if (request) {
            ScriptRequest r;
            r.bytes = e.data;
            r.tUs = e.tUs;
            r.position = e.seq;
            r.repliesBefore = repliesSoFar;
            s.requests.push_back(std::move(r));
        } else {
            s.replies.push_back({e.data, e.tUs, s.requests.size()});
            ++repliesSoFar;
        }
    }
    if (s.requests.empty())
        return fail("channel " + std::to_string(channel) + " has no datagrams " +
                    (connected ? "sent (recorded at a level without datagram_sent?)" : "received") +
                    "; nothing to replay");
    return s;
}

// --- Replay ---------------------------------------------------------------------------------------

namespace {

using Clock = std::chrono::steady_clock;

class ReplaySocket : public DatagramDispatcher {
public:
    explicit ReplaySocket(Loop* loop) : DatagramDispatcher(loop) {}
    std::deque<std::string> got;
    std::string unreachable;
    void handleDatagram(const Datagram& d) override { got.push_back(d.data); }
    void handleOversized(const Datagram& d) override { got.push_back(d.data); }
    void handleUnreachable(const Address& peer, const std::error_code& ec) override {
        unreachable = "send to " + peer.toString() + ": " + ec.message() + " (ICMP port unreachable: nothing listens there)";
    }
    std::string refused;
    void handleRefused(const Address& to, std::size_t, const std::error_code& ec) override {
        refused = "send to " + to.toString() + ": " + ec.message();
    }
};

double secondsUntil(Clock::time_point t) {
    const auto d = std::chrono::duration<double>(t - Clock::now()).count();
    return std::clamp(d, 0.0, 0.05);
}

}  // namespace

ReplayResult runUdpReplay(const UdpScript& script, const ReplayOptions& options, const Replayer::Observer& observer,
                          const std::atomic<bool>* cancel) {
    ReplayResult r;
    r.requestsTotal = script.requests.size();
    r.repliesExpected = script.replies.size();
    const Clock::time_point t0 = Clock::now();
    auto elapsedUs = [&] {
        return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count();
    };
    auto emit = [&](ReplayEvent e) {
        e.elapsedUs = elapsedUs();
        if (observer) observer(e);
    };
    auto finish = [&](ReplayResult::Status status) {
        r.status = status;
        r.elapsedUs = elapsedUs();
        ReplayEvent e;
        e.kind = ReplayEvent::Kind::Finished;
        e.text = r.summary();
        emit(std::move(e));
        return r;
    };
    const std::string target = options.host.find(':') != std::string::npos
                                   ? "[" + options.host + "]:" + std::to_string(options.port)
                                   : options.host + ":" + std::to_string(options.port);
    std::string why;
    const std::vector<Address> addresses = Address::resolve(options.host, options.port, options.family, why);
    if (addresses.empty()) {
        r.error = "resolve " + terminalSafe(options.host) + ": " + why;
        return finish(ReplayResult::Status::Failed);
    }
    const Address& to = addresses.front();
    Loop loop;
    ReplaySocket sock(&loop);
    {
        ReplayEvent e;
        e.kind = ReplayEvent::Kind::Connecting;
        e.text = to.toString();
        emit(std::move(e));
    }
    try {
        sock.createDatagramSocket(to.family());
        sock.connectPeer(to);
    } catch (const std::exception& ex) {
        r.error = "UDP to " + to.toString() + ": " + ex.what();
        return finish(ReplayResult::Status::Failed);
    }
    r.target = to.toString();
    {
        ReplayEvent e;
        e.kind = ReplayEvent::Kind::Connected;
        e.text = r.target;
        emit(std::move(e));
    }

    std::size_t next = 0;  // the next recorded reply to compare
    bool stop = false;
    auto diverge = [&](Divergence d) {
        ReplayEvent e;
        e.kind = ReplayEvent::Kind::Diverged;
        e.index = d.reply;
        e.text = d.summary;
        r.divergences.push_back(d);
        e.divergence = std::move(d);
        emit(std::move(e));
        if (!options.keepGoing || r.divergences.size() >= std::max<std::size_t>(options.maxDivergences, 1)) stop = true;
    };
    const std::size_t total = script.replies.size();
    auto received = [&](std::string data) {
        r.bytesReceived += data.size();
        ++r.repliesReceived;
        if (next >= total) {
            Divergence d;
            d.kind = Divergence::Kind::Unexpected;
            d.reply = next + 1;
            d.requestsSent = r.requestsSent;
            d.received = data.substr(0, 65536);
            d.summary = "datagram " + std::to_string(next + 1) + " was not in the recording (it has " +
                        std::to_string(total) + " repl" + (total == 1 ? "y" : "ies") + ")";
            ++next;
            diverge(std::move(d));
            return;
        }
        const std::string& expected = script.replies[next].bytes;
        const std::size_t number = ++next;
        std::optional<std::size_t> at;
        try {
            at = replyDifference(expected, data, options.ignore, number, options.patternLimits);
        } catch (const std::invalid_argument& ex) {
            r.error = ex.what();
            stop = true;
            return;
        }
        if (!at) {
            ++r.repliesMatched;
            ReplayEvent e;
            e.kind = ReplayEvent::Kind::ReplyMatched;
            e.index = number;
            e.bytes = std::move(data);
            emit(std::move(e));
            return;
        }
        Divergence d;
        d.kind = Divergence::Kind::Different;
        d.reply = number;
        d.requestsSent = r.requestsSent;
        d.offset = *at;
        d.expected = expected;
        d.received = std::move(data);
        d.summary = "reply " + std::to_string(number) + " of " + std::to_string(total) +
                    " differs from the recording at byte " + std::to_string(*at);
        diverge(std::move(d));
    };
    auto cancelled = [&] { return cancel && cancel->load(); };
    // One pass of the loop, waiting until `until` at most (50 ms at a time).
    auto pump = [&](Clock::time_point until) {
        loop.poll(secondsUntil(until), options.backend);
        while (!sock.got.empty() && !stop) {
            std::string d = std::move(sock.got.front());
            sock.got.pop_front();
            received(std::move(d));
        }
        if (!sock.unreachable.empty()) {
            r.error = sock.unreachable;
            stop = true;
        }
    };
    // Waits until `count` replies have come, each due one at most `timeout`.
    auto waitReplies = [&](std::size_t count) {
        Clock::time_point deadline = Clock::now() + options.timeout;
        while (next < std::min(count, total) && !stop && !cancelled()) {
            if (Clock::now() >= deadline) {
                Divergence d;
                d.kind = Divergence::Kind::Missing;
                d.reply = ++next;
                d.requestsSent = r.requestsSent;
                d.expected = script.replies[d.reply - 1].bytes;
                d.summary = "reply " + std::to_string(d.reply) + " of " + std::to_string(total) + " did not come within " +
                            std::to_string(options.timeout.count()) + " ms (UDP may have dropped it)";
                diverge(std::move(d));
                deadline = Clock::now() + options.timeout;
                continue;
            }
            pump(deadline);
        }
    };

    const std::int64_t firstUs = script.requests.empty() ? 0 : script.requests.front().tUs;
    for (std::size_t i = 0; i < script.requests.size() && !stop && !cancelled(); ++i) {
        const ScriptRequest& q = script.requests[i];
        if (options.pacing == Pacing::Lockstep) {
            waitReplies(q.repliesBefore);
        } else if (options.pacing == Pacing::Original) {
            const auto due = t0 + std::chrono::microseconds(static_cast<std::int64_t>(
                                      static_cast<double>(q.tUs - firstUs) / (options.speed > 0 ? options.speed : 1.0)));
            while (Clock::now() < due && !stop && !cancelled()) pump(due);
        } else {
            pump(Clock::now());
        }
        if (stop || cancelled()) break;
        // A full socket buffer: let the loop run until it takes the datagram.
        const Clock::time_point sendBy = Clock::now() + options.timeout;
        DatagramDispatcher::SendResult sent = sock.sendTo(q.bytes);
        while (sent == DatagramDispatcher::SendResult::WouldBlock && Clock::now() < sendBy && !cancelled()) {
            pump(Clock::now() + std::chrono::milliseconds(5));
            sent = sock.sendTo(q.bytes);
        }
        if (sent != DatagramDispatcher::SendResult::Sent) {
            r.error = sent == DatagramDispatcher::SendResult::TooLarge
                          ? "request " + std::to_string(i + 1) + " is larger than a UDP datagram can be"
                      : sent == DatagramDispatcher::SendResult::Unreachable
                          ? (sock.unreachable.empty() ? "send to " + r.target + ": ICMP port unreachable" : sock.unreachable)
                      : sent == DatagramDispatcher::SendResult::Refused
                          ? "request " + std::to_string(i + 1) + " could not be sent: " + sock.refused
                          : "request " + std::to_string(i + 1) + " could not be sent (the socket buffer stayed full)";
            break;
        }
        ++r.requestsSent;
        r.bytesSent += q.bytes.size();
        ReplayEvent e;
        e.kind = ReplayEvent::Kind::RequestSent;
        e.index = i + 1;
        e.bytes = q.bytes;
        emit(std::move(e));
    }
    if (r.error.empty() && !stop && !cancelled()) waitReplies(total);
    if (cancelled()) return finish(ReplayResult::Status::Cancelled);
    if (!r.error.empty()) return finish(ReplayResult::Status::Failed);
    return finish(r.divergences.empty() ? ReplayResult::Status::Passed : ReplayResult::Status::Diverged);
}

// --- Mock -----------------------------------------------------------------------------------------

class UdpMock::Socket : public DatagramDispatcher {
public:
    Socket(UdpMock& owner, Loop* loop) : DatagramDispatcher(loop), m_owner(owner) {}
    void handleDatagram(const Datagram& d) override { m_owner.onDatagram(d.data, d.peer); }
    void handleOversized(const Datagram&) override {}
    void handleUnreachable(const Address&, const std::error_code&) override {}

private:
    UdpMock& m_owner;
};

UdpMock::UdpMock(UdpScript script, UdpMockOptions options)
    : m_script(std::move(script)), m_options(std::move(options)), m_loop(m_options.backend) {}

UdpMock::~UdpMock() {
    m_loop.quit();
    m_loop.join();
}

bool UdpMock::start(Observer observer, std::string* error) {
    m_observer = std::move(observer);
    LoopThread::Hooks hooks;
    hooks.started = [this] { open(); };
    hooks.stopping = [this] {
        if (m_socket) m_socket->closeNoThrow();
        m_socket.reset();
    };
    return m_loop.tryStart(std::move(hooks), error);  // returns once bound, or false with why not
}

void UdpMock::open() {
    std::string why;
    const std::vector<Address> addresses = Address::resolve(m_options.host, m_options.port, 0, why);
    if (addresses.empty()) throw std::runtime_error("resolve " + terminalSafe(m_options.host) + ": " + why);
    const Address& at = addresses.front();
    m_socket = std::make_unique<Socket>(*this, &m_loop.loop());
    try {
        m_socket->createDatagramSocket(at.family());
        m_socket->bind(at);
    } catch (const std::system_error& e) {
        m_socket->closeNoThrow();
        m_socket.reset();
        throw std::runtime_error(e.code() == std::errc::address_in_use
                                     ? "cannot bind UDP " + at.toString() + ": the port is in use"
                                     : "cannot bind UDP " + at.toString() + ": " + sockops::describe(e.code()));
    }
    std::error_code ec;
    const std::string local = sockops::localAddress(m_socket->socketHandle(), ec).toString();
    MutexLock lock(m_mutex);
    m_address = local;
}

std::string UdpMock::address() const {
    MutexLock lock(m_mutex);
    return m_address;
}

void UdpMock::stop() { m_loop.quit(); }

bool UdpMock::wait(std::chrono::milliseconds timeout) const { return m_loop.wait(timeout); }

UdpMockStats UdpMock::stats() const {
    MutexLock lock(m_mutex);
    return m_stats;
}

void UdpMock::onDatagram(const std::string& data, const Address& from) {
    const std::string peer = from.toString();
    auto say = [&](UdpMockEvent e) {
        if (m_observer) m_observer(e);
    };
    auto it = m_seen.find(peer);
    if (it == m_seen.end()) {
        if (m_seen.size() >= std::max<std::size_t>(m_options.maxPeers, 1)) {
            m_seen.erase(m_order.front());
            m_order.pop_front();
        }
        it = m_seen.emplace(peer, 0).first;
        m_order.push_back(peer);
        MutexLock lock(m_mutex);
        ++m_stats.peers;
    }
    const std::size_t n = ++it->second;
    if (n > m_script.requests.size()) {
        {
            MutexLock lock(m_mutex);
            ++m_stats.unexpected;
        }
        say({UdpMockEvent::Kind::Unexpected, peer, n, 0});
        return;
    }
    say({UdpMockEvent::Kind::Request, peer, n, 0});
    std::size_t sent = 0;
    for (const UdpScriptReply& reply : m_script.replies) {
        // The replies recorded after request n (and, with the first, any before it).
        if (reply.requestsBefore != n && !(n == 1 && reply.requestsBefore == 0)) continue;
        std::string bytes = reply.bytes;
        for (const auto& [offset, length] : m_options.copyRanges)
            if (offset < bytes.size() && offset < data.size()) {
                const std::size_t k = std::min({length, bytes.size() - offset, data.size() - offset});
                bytes.replace(offset, k, data, offset, k);
            }
        if (m_socket->queue(std::move(bytes), from) == DatagramDispatcher::SendResult::Sent) ++sent;
    }
    {
        MutexLock lock(m_mutex);
        ++m_stats.requests;
        m_stats.replies += sent;
    }
    say({UdpMockEvent::Kind::Answered, peer, n, sent});
}

}  // namespace engine
