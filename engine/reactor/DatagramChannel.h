// DatagramChannel.h — the Reactor's UDP channel: a DatagramDispatcher whose
// hooks turn into events and counters.
//
// What it does: carries out cmd::OpenDatagram (bind, or connect to one
// peer), Push / PushTo (one datagram each), Close and snapshots on itself,
// and reports: `listening` (bound) or `connecting` + `connected`
// (connected), one `datagram` event per message received with its sender
// (the whole datagram, or each piece a terminator cuts it into: nothing
// carries over between datagrams), `datagram_sent` per datagram sent with
// its destination, `oversized` and `unreachable` warnings (the channel
// stays open), an `error` for a datagram too large to send, a full send
// queue or a send the system refuses at once (EACCES: a broadcast address
// without SO_BROADCAST) — the datagram is dropped, the channel stays open —,
// `closed` last.
// Counters: bytes and messages in and out, as a TCP channel's (a message in
// is one `datagram` event). With echo, each datagram goes back whole to its
// sender.
// Memory stays bounded under a flood: nothing is held between datagrams
// (there is no unframed input, so a listener's InputBudget has nothing to
// count); each readable event reads at most 64 datagrams; the channel stops
// reading while the Reactor's event backlog is over its limit
// (ChannelContext::inputPaused) and, when echoing, while its replies fill
// half of the send queue (DatagramOptions::queueLimit) — the kernel's
// receive buffer then drops what does not fit, as UDP does.
// What it owns: its socket (through DatagramDispatcher) and its send queue.
// It does not own its Loop or the ChannelContext; the Reactor owns it.
// Threads: loop thread only.
#pragma once

#include "engine/asyncore/DatagramDispatcher.h"
#include "engine/asyncore/DispatcherTap.h"
#include "engine/reactor/ChannelReporter.h"
#include "engine/reactor/Command.h"
#include "engine/reactor/Event.h"

#include <functional>
#include <string>
#include <string_view>

namespace engine {

class DatagramChannel final : public DatagramDispatcher {
public:
    /// A bound (ChannelRole::Listener) or connected (ChannelRole::Client)
    /// UDP channel, with no socket yet. `onClosed` runs once its `closed`
    /// event is out; the channel must stay alive until the loop pass is over.
    DatagramChannel(ChannelContext& ctx, Loop& loop, ChannelId id, ChannelRole role, const DatagramOptions& options,
                    std::function<void(DatagramChannel&)> onClosed);
    ~DatagramChannel() override;

    ChannelId channelId() const noexcept { return m_report.id(); }
    ChannelRole role() const noexcept { return m_report.role(); }
    ChannelPhase phase() const noexcept { return m_phase; }
    bool isClosed() const noexcept { return m_phase == ChannelPhase::Closed; }
    ChannelReporter& reporter() noexcept { return m_report; }
    const DatagramOptions& options() const noexcept { return m_opts; }

    /// Binds (and joins the multicast group, if any): `listening`, or `error` + `closed`.
    void bindTo(const Address& address);
    /// Connects to `peer` (`host` as given): `connecting`, `connected`, or `error` + `closed`.
    void connectToPeer(const Address& peer, const std::string& host);
    /// A name could not be resolved: `error` + `closed`.
    void openFailed(std::string message);
    /// One datagram: to `to`, or (empty) the connected peer / the last sender.
    void pushDatagram(std::string data, const Address& to = {});
    /// The terminator in force from now on (`terminator_set`).
    void applyTerminator(const Terminator& t);
    /// Drops the send queue (`discarded`).
    void discard();
    /// close() now (`closed`, reason local).
    void closeLocally(std::string detail);
    ChannelState snapshot();

    bool readable() override;

    // DatagramDispatcher hooks
    void handleDatagram(const Datagram& d) override;
    void handleMessage(std::string_view message, const Datagram& d, bool terminated) override;
    void handleOversized(const Datagram& d) override;
    void handleUnreachable(const Address& peer, const std::error_code& ec) override;
    void handleRefused(const Address& to, std::size_t size, const std::error_code& ec) override;
    void handleSent(std::string_view data, const Address& to) override;
    void handleDatagramClose() override;
    void handleError() override;

protected:
    std::string_view className() const override { return "DatagramChannel"; }

private:
    // Names the channel in loop traces (ChannelReporter::idOf).
    struct TraceTap final : DispatcherTap {
        ChannelId id = 0;
        std::uint32_t traceId() const override { return id; }
    };
    // The options of both modes; throws with datagramOptionsProblem() for `bound` (nullptr: connected).
    void setup(const Address* bound);
    void fail(int code, std::string message);
    void finish(CloseReason reason, int error, std::string detail);

    ChannelContext& m_ctx;
    ChannelReporter m_report;
    DatagramOptions m_opts;
    std::function<void(DatagramChannel&)> m_onClosed;
    TraceTap m_traceTap;
    ChannelPhase m_phase = ChannelPhase::Resolving;
    std::string m_local;
    std::string m_peer;    // the connected peer
    Address m_lastSender;  // a bound channel replies here
    std::uint64_t m_unreachable = 0;
};

}  // namespace engine
