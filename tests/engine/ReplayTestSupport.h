// ReplayTestSupport.h — real loopback peers and recorded sessions for the
// capture/replay tests.
//
// ScriptedServer: a line server on its own Reactor, whose reply to each
// message a test decides (echo, a changed reply, no reply, a close), served
// from a consumer thread; it records its own session (the server side).
// recordClient(): a Reactor client that talks to a server message by message
// (each once the replies to the previous one are in) and returns the session
// it recorded (the client side), as `linewright-cli connect --record` would.
// Every wait has a deadline; nothing sleeps.
#pragma once

#include "engine/capture/Conversation.h"
#include "engine/capture/EventJson.h"
#include "engine/reactor/Reactor.h"

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace lwtest {

using namespace std::chrono_literals;

/// A session held in memory.
struct Recorded {
    engine::SessionHeader header;
    std::vector<engine::Event> events;

    std::vector<engine::Conversation> conversations() const {
        return engine::extractConversations(events, header.level);
    }
};

/// A Reactor's whole event stream, until `stopped`.
inline std::vector<engine::Event> drainAll(engine::Reactor& r, std::chrono::milliseconds timeout = 10s) {
    std::vector<engine::Event> all, batch;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (r.waitAndDrain(batch, 100ms))
            for (engine::Event& e : batch) all.push_back(std::move(e));
        if (!all.empty() && all.back().kind == engine::EventKind::Stopped) break;
    }
    return all;
}

class ScriptedServer {
public:
    /// The reply to message `index` (1-based, per connection) `body`
    /// (without its terminator); nullopt: no reply.
    using Responder = std::function<std::optional<std::string>(std::size_t index, const std::string& body)>;

    struct Options {
        engine::Terminator terminator = engine::Terminator::bytes("\n");
        std::string greeting;          ///< Pushed to every connection when accepted.
        std::size_t closeAfter = 0;    ///< Close (when done) after this many messages (0: never).
        std::string host = "127.0.0.1";
    };

    static std::optional<std::string> echo(std::size_t, const std::string& body) { return body + "\n"; }

    explicit ScriptedServer(Responder responder) : ScriptedServer(std::move(responder), Options{}) {}
    ScriptedServer(Responder responder, Options options) : m_responder(std::move(responder)), m_opt(std::move(options)) {
        engine::ReactorOptions ro;
        ro.level = engine::EventLevel::Full;
        m_reactor = std::make_unique<engine::Reactor>(ro);
        m_header = engine::eventjson::makeHeader("tst", "0", m_reactor->startedAt(), "", "full");
        engine::ChannelOptions co;
        co.terminator = m_opt.terminator;
        m_listener = m_reactor->openServer(m_opt.host, 0, co);
        std::promise<std::uint16_t> port;
        auto portFuture = port.get_future();
        m_thread = std::thread([this, p = std::move(port)]() mutable { run(std::move(p)); });
        if (portFuture.wait_for(10s) != std::future_status::ready) throw std::runtime_error("the server did not start");
        m_port = portFuture.get();
        if (m_port == 0) throw std::runtime_error("the server could not listen");
    }
    ~ScriptedServer() { stop(); }
    ScriptedServer(const ScriptedServer&) = delete;
    ScriptedServer& operator=(const ScriptedServer&) = delete;

    std::uint16_t port() const { return m_port; }
    /// Connections accepted so far.
    std::size_t accepted() const { return m_accepted.load(); }
    /// Stops the server; returns its session (the server side).
    Recorded stop() {
        if (m_thread.joinable()) {
            m_stop = true;
            m_reactor->shutdown();
            m_thread.join();
        }
        std::lock_guard<std::mutex> lock(m_mutex);
        return {m_header, m_events};
    }

private:
    void run(std::promise<std::uint16_t> port) {
        bool portSet = false;
        std::vector<engine::Event> batch;
        std::map<engine::ChannelId, std::string> message;
        std::map<engine::ChannelId, std::size_t> count;
        bool stopped = false;
        while (!stopped) {
            if (!m_reactor->waitAndDrain(batch, 100ms)) continue;
            for (const engine::Event& e : batch) {
                switch (e.kind) {
                case engine::EventKind::Listening:
                    if (!portSet) {
                        port.set_value(static_cast<std::uint16_t>(e.size));
                        portSet = true;
                    }
                    break;
                case engine::EventKind::Closed:
                    if (e.channel == m_listener && !portSet) {
                        port.set_value(0);
                        portSet = true;
                    }
                    break;
                case engine::EventKind::Accepted:
                    ++m_accepted;
                    if (!m_opt.greeting.empty()) m_reactor->push(e.channel, m_opt.greeting);
                    break;
                case engine::EventKind::Collect: message[e.channel] += e.data; break;
                case engine::EventKind::FoundTerminator: {
                    const std::size_t n = ++count[e.channel];
                    const std::string body = std::exchange(message[e.channel], std::string());
                    if (auto reply = m_responder(n, body)) m_reactor->push(e.channel, *reply);
                    if (m_opt.closeAfter && n == m_opt.closeAfter) m_reactor->closeWhenDone(e.channel);
                    break;
                }
                case engine::EventKind::Stopped: stopped = true; break;
                default: break;
                }
            }
            std::lock_guard<std::mutex> lock(m_mutex);
            for (engine::Event& e : batch) m_events.push_back(std::move(e));
        }
    }

    Responder m_responder;
    Options m_opt;
    std::unique_ptr<engine::Reactor> m_reactor;
    engine::SessionHeader m_header;
    engine::ChannelId m_listener = 0;
    std::uint16_t m_port = 0;
    std::atomic<bool> m_stop{false};
    std::atomic<std::size_t> m_accepted{0};
    std::thread m_thread;
    std::mutex m_mutex;
    std::vector<engine::Event> m_events;  // guarded by m_mutex
};

struct ClientScript {
    std::vector<std::string> requests;    ///< Pushed one by one.
    std::vector<std::size_t> replies;     ///< Replies to wait for after each (default 1 each).
    std::size_t greeting = 0;             ///< Replies to wait for before the first request.
    enum class End { Close, HalfClose, WaitForServerClose } end = End::Close;
    engine::Terminator terminator = engine::Terminator::bytes("\n");
    std::string host = "127.0.0.1";
    std::size_t inBuffer = 0;  ///< ac_in_buffer_size (0: the default)
};

/// Talks to 127.0.0.1:`port` as `script` says and returns the client's session.
/// Throws std::runtime_error when a wait times out.
inline Recorded recordClient(std::uint16_t port, const ClientScript& script) {
    engine::ReactorOptions ro;
    ro.level = engine::EventLevel::Full;
    engine::Reactor r(ro);
    Recorded rec;
    rec.header = engine::eventjson::makeHeader("tst", "0", r.startedAt(), "", "full");
    engine::ChannelOptions co;
    co.terminator = script.terminator;
    if (script.inBuffer) co.inBufferSize = script.inBuffer;
    const engine::ChannelId ch = r.openClient(script.host, port, co);
    std::vector<engine::Event> batch;
    std::size_t found = 0;
    bool connected = false, closed = false;
    auto waitFor = [&](const std::function<bool()>& done) {
        const auto deadline = std::chrono::steady_clock::now() + 10s;
        while (!done()) {
            if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("recordClient: timed out");
            if (r.waitAndDrain(batch, 100ms))
                for (engine::Event& e : batch) {
                    if (e.channel == ch && e.kind == engine::EventKind::Connected) connected = true;
                    if (e.channel == ch && e.kind == engine::EventKind::FoundTerminator) ++found;
                    if (e.channel == ch && e.kind == engine::EventKind::Closed) closed = true;
                    rec.events.push_back(std::move(e));
                }
        }
    };
    waitFor([&] { return connected || closed; });
    if (!connected) throw std::runtime_error("recordClient: could not connect");
    std::size_t expected = script.greeting;
    waitFor([&] { return found >= expected || closed; });
    for (std::size_t i = 0; i < script.requests.size(); ++i) {
        r.push(ch, script.requests[i]);
        expected += i < script.replies.size() ? script.replies[i] : 1;
        waitFor([&] { return found >= expected || closed; });
    }
    switch (script.end) {
    case ClientScript::End::Close: r.closeWhenDone(ch); break;
    case ClientScript::End::HalfClose: r.halfClose(ch); break;
    case ClientScript::End::WaitForServerClose: break;
    }
    waitFor([&] { return closed; });
    r.shutdown();
    for (engine::Event& e : drainAll(r)) rec.events.push_back(std::move(e));
    return rec;
}

}  // namespace lwtest
