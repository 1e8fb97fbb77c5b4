// ReactorTestSupport.h — watching a Reactor's event stream from the test
// thread, shared by the reactor tests (tst_Reactor, tst_ReactorHost).
//
// Events: collects every event a Reactor delivers (waitAndDrain) into `all`,
// and waits, bounded and without sleeping, until a condition over them
// holds; then finds, counts and lists them by kind and channel. It refers to
// the Reactor, which must outlive it, and owns the events it collected.
// Threads: the test's thread (the one that drains the Reactor).
#pragma once

#include "engine/reactor/Event.h"
#include "engine/reactor/Reactor.h"

#include <QTest>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace lwtest {

/// "Any channel", for the channel arguments of Events.
constexpr engine::ChannelId kAnyChannel = 0xffffffffu;

/// Collects a reactor's events on the test thread and waits on them.
class Events {
public:
    using Event = engine::Event;
    using EventKind = engine::EventKind;
    using ChannelId = engine::ChannelId;

    explicit Events(engine::Reactor& r) : m_r(r) {}

    /// Drains until `pred()` holds or `timeout` passes. Returns pred().
    bool waitUntil(const std::function<bool()>& pred, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
        using namespace std::chrono_literals;
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (!pred()) {
            const auto now = std::chrono::steady_clock::now();
            if (now >= deadline) return pred();
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
            if (m_r.waitAndDrain(m_batch, std::min<std::chrono::milliseconds>(left, 200ms)))
                for (Event& e : m_batch) all.push_back(std::move(e));
        }
        return true;
    }
    const Event* find(EventKind k, ChannelId ch = kAnyChannel) const {
        for (const Event& e : all)
            if (e.kind == k && (ch == kAnyChannel || e.channel == ch)) return &e;
        return nullptr;
    }
    /// The first event of kind `k` (of channel `ch`); when there is none the
    /// test fails and an empty event stands in.
    const Event& first(EventKind k, ChannelId ch = kAnyChannel) const {
        if (const Event* e = find(k, ch)) return *e;
        static const Event none;
        const std::string what =
            "no '" + std::string(engine::eventKindName(k)) + "' event for channel " + std::to_string(ch);
        QTest::qFail(what.c_str(), __FILE__, __LINE__);
        return none;
    }
    bool waitFor(EventKind k, ChannelId ch = kAnyChannel, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
        return waitUntil([&] { return find(k, ch) != nullptr; }, timeout);
    }
    std::size_t count(EventKind k, ChannelId ch = kAnyChannel) const {
        std::size_t n = 0;
        for (const Event& e : all)
            if (e.kind == k && (ch == kAnyChannel || e.channel == ch)) ++n;
        return n;
    }
    std::vector<const Event*> of(EventKind k, ChannelId ch = kAnyChannel) const {
        std::vector<const Event*> out;
        for (const Event& e : all)
            if (e.kind == k && (ch == kAnyChannel || e.channel == ch)) out.push_back(&e);
        return out;
    }
    /// The bytes of every `collect` of `ch`, in order.
    std::string collected(ChannelId ch) const {
        std::string s;
        for (const Event& e : all)
            if (e.kind == EventKind::Collect && e.channel == ch) s += e.data;
        return s;
    }
    /// Waits for the end of the stream.
    bool waitStopped(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
        return waitFor(EventKind::Stopped, kAnyChannel, timeout);
    }

    std::vector<Event> all;

private:
    engine::Reactor& m_r;
    std::vector<Event> m_batch;
};

}  // namespace lwtest
