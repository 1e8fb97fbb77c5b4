// EventPrinter.h — linewright-cli's human-readable output.
//
// What it does: turns events into what a person at a terminal wants to see.
// stdout gets the received messages, one per line, bytes escaped (\r \n \t
// \0 \\ \xNN), reassembled from `collect` events; in listen mode each line
// starts with the channel ("#2 "). A message cut short (no terminator within
// the limit, or the connection closed first) is printed too, so no received
// byte goes unseen. stderr gets status lines ("connected to …", "#2 accepted
// from …", "#2 closed by peer (eof)"), errors and warnings, each prefixed
// "linewright-cli: ". Quiet mode prints nothing here; the session decides
// what else must reach stderr.
// What it owns: the partly received message of each channel.
// Threads: the consumer (main) thread only.
#pragma once

#include "engine/reactor/Event.h"

#include <cstdio>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace cli {

class EventPrinter {
public:
    /// `listen`: prefix lines with the channel; `framed`: the terminator
    /// frames input (else every collected chunk is a line of its own).
    EventPrinter(std::FILE* out, std::FILE* err, bool listen, bool framed);

    void print(const std::vector<engine::Event>& events);
    /// Whether the error `message` was already written to stderr.
    bool alreadySaid(const std::string& message) const { return m_said.count(message) != 0; }
    /// stdout could not be written (e.g. the reader went away).
    bool outputFailed() const noexcept { return m_outFailed; }

private:
    void one(const engine::Event& e);
    void message(engine::ChannelId ch, const std::string& bytes, const char* note = nullptr);
    void status(engine::ChannelId ch, const std::string& text);
    std::string channelTag(engine::ChannelId ch) const;

    std::FILE* m_out;
    std::FILE* m_err;
    bool m_listen;
    std::unordered_map<engine::ChannelId, bool> m_framed;  // per channel, after terminator_set
    bool m_framedDefault;
    std::unordered_map<engine::ChannelId, std::string> m_partial;
    std::unordered_set<std::string> m_said;  // error messages written
    std::unordered_set<engine::ChannelId> m_closed;
    std::string m_outBuf;
    std::string m_errBuf;
    bool m_outFailed = false;
};

}  // namespace cli
