// ProtocolTracker.h — what the GUI knows of each channel's protocol
// programs: which were chosen, and how often each rule matched.
//
// What it does: the window tells it the programs a channel was opened or
// set with (setChoice()); a listener's pass to the connections it accepts
// (its `accepted` events). feed() reads each event batch: `collect` events
// build the message (its first kMaxKept bytes), and each `found_terminator`
// names the rules that matched it (the engine's verdict, Event::info, one
// name per program that matched): their hit counts go up, and a rule's
// captures on that message are worked out again here with the rule's own
// pattern (the engine reports names, not captures), so the inspector can
// show the fields the rule saw. Messages no rule matched are counted too.
// What it owns: per channel, the choice (sharing the Programs), the counts
// and each rule's last captures.
// Threads: GUI thread only.
#pragma once

#include "engine/reactor/Event.h"
#include "ui/model/ChannelParams.h"

#include <QHash>
#include <QStringList>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ui {

struct RuleStats {
    std::uint64_t hits = 0;
    QStringList captures;  ///< $0, $1 … of the last message it matched, escaped
};

struct ChannelProtocol {
    ProtocolChoice choice;
    std::vector<std::vector<RuleStats>> rules;  ///< [program][rule], as choice.programs
    std::uint64_t messages = 0;   ///< messages framed since the choice
    std::uint64_t unmatched = 0;  ///< of which no rule matched
    bool listener = false;        ///< the choice is handed to accepted connections
    std::string pending;          ///< the message being collected (its first kMaxKept bytes)
};

class ProtocolTracker {
public:
    static constexpr std::size_t kMaxKept = 64 * 1024;

    /// The programs `channel` runs from now on (counts start again; an empty choice: none).
    void setChoice(engine::ChannelId channel, const ProtocolChoice& choice, bool listener = false);
    void feed(const std::vector<engine::Event>& batch);
    /// Null when the channel runs no programs.
    const ChannelProtocol* find(engine::ChannelId channel) const;
    void clear() { m_channels.clear(); }

private:
    void found(ChannelProtocol& c, const engine::Event& e);
    QHash<engine::ChannelId, ChannelProtocol> m_channels;
};

}  // namespace ui
