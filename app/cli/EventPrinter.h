// EventPrinter.h — linewright-cli's human-readable output.
//
// What it does: turns events into what a person at a terminal wants to see.
// stdout gets the received messages, one per line, bytes escaped (\r \n \t
// \0 \\ \xNN), reassembled from `collect` events; in listen mode each line
// starts with the channel ("#2 "). A message cut short (no terminator within
// the limit, or the connection closed first) is printed too, so no received
// byte goes unseen. A long message is not held until its end: once a
// channel's message reaches kPrintChunk bytes it is printed in pieces of
// that size as it arrives, each piece a line of its own marked
// "[continues]" (the next line of that channel carries on the same message),
// so what the printer holds is at most one piece per channel whatever the
// peers send. Output is written at least every kFlushAt bytes within a batch.
// stderr gets status lines ("connected to …", "#2 accepted
// from …", "#2 closed by peer (eof)"), errors and warnings, each prefixed
// "linewright-cli: ". Quiet mode prints nothing here; the session decides
// what else must reach stderr.
// What it owns: the partly received message of each channel (less than one
// piece each).
// Threads: the consumer (main) thread only.
#pragma once

#include "engine/reactor/Event.h"

#include <atomic>
#include <cstddef>
#include <cstdio>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace cli {

class EventPrinter {
public:
    /// `listen`: prefix lines with the channel; `framed`: the terminator
    /// frames input (else every collected chunk is a line of its own).
    EventPrinter(std::FILE* out, std::FILE* err, bool listen, bool framed);

    /// A message reaching this many bytes is printed in pieces of this size.
    static constexpr std::size_t kPrintChunk = std::size_t{64} << 10;
    /// Output collected in one batch is written out when it reaches this.
    static constexpr std::size_t kFlushAt = std::size_t{256} << 10;

    /// Proxy mode: each accepted connection and its upstream leg print as
    /// one connection, "#N > " client → server, "#N < " server → client;
    /// `serverFramed`: the server's terminator frames input.
    void setProxy(bool serverFramed) {
        m_proxy = true;
        m_serverFramed = serverFramed;
    }
    /// Proxy mode: the framing of the connections accepted from now on,
    /// changed by a command (any thread: read when a connection comes).
    void setClientFramed(bool framed) { m_framedDefault = framed; }
    void setServerFramed(bool framed) { m_serverFramed = framed; }

    void print(const std::vector<engine::Event>& events);
    /// Whether the error `message` was already written to stderr.
    bool alreadySaid(const std::string& message) const { return m_said.count(message) != 0; }
    /// stdout could not be written (e.g. the reader went away).
    bool outputFailed() const noexcept { return m_outFailed; }
    /// Bytes of partly received messages held now, over all channels.
    std::size_t heldBytes() const noexcept { return m_held; }
    /// The most heldBytes() has been.
    std::size_t peakHeldBytes() const noexcept { return m_peakHeld; }

private:
    void one(const engine::Event& e);
    void message(engine::ChannelId ch, std::string_view bytes, const char* note = nullptr,
                 std::string_view more = {});
    /// Collected bytes of a framed channel: held, or printed in pieces.
    void collectPart(engine::ChannelId ch, std::string_view data);
    /// Prints what `ch` holds of its message (with `note`, or none), unless it
    /// holds nothing and printed no piece of it (`always`: print anyway), and
    /// starts a new message.
    void endMessage(engine::ChannelId ch, const char* note, bool always);
    void flushOut();
    void status(engine::ChannelId ch, const std::string& text);
    std::string channelTag(engine::ChannelId ch) const;
    /// Proxy mode: the accepted leg a channel belongs to, and whether it is the upstream leg.
    struct Leg {
        engine::ChannelId connection = 0;
        bool upstream = false;
    };
    const Leg* legOf(engine::ChannelId ch) const;

    std::FILE* m_out;
    std::FILE* m_err;
    bool m_listen;
    std::unordered_map<engine::ChannelId, bool> m_framed;  // per channel, after terminator_set
    std::atomic<bool> m_framedDefault;
    std::unordered_map<engine::ChannelId, std::string> m_partial;
    std::unordered_set<engine::ChannelId> m_continued;  // printed a piece of the current message
    std::size_t m_held = 0;  // the sizes in m_partial
    std::size_t m_peakHeld = 0;
    std::unordered_set<std::string> m_said;  // error messages written
    std::unordered_set<engine::ChannelId> m_closed;
    std::string m_outBuf;
    std::string m_errBuf;
    bool m_outFailed = false;
    bool m_proxy = false;
    std::atomic<bool> m_serverFramed{true};
    std::unordered_map<engine::ChannelId, Leg> m_legs;
};

}  // namespace cli
