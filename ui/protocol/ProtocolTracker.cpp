// ProtocolTracker.cpp — per-channel rule hit counts and captures.
#include "ui/protocol/ProtocolTracker.h"

#include "engine/program/Program.h"
#include "ui/model/Formatters.h"

#include <string_view>

namespace ui {
namespace {

constexpr std::size_t kCaptureShown = 80;  // bytes of a capture shown

// A rule's captures on `msg`, as the engine's matcher would give them (literal matchers: $0 only).
QStringList capturesOf(const engine::program::Rule& r, std::string_view msg) {
    QStringList out;
    if (r.match == engine::program::Rule::Match::Regex && r.pattern) {
        std::vector<std::string_view> caps;
        if (r.pattern->findViews(msg, caps))
            for (std::string_view c : caps) out << escapedPreview(c, kCaptureShown);
        return out;
    }
    out << escapedPreview(msg, kCaptureShown);
    return out;
}

}  // namespace

void ProtocolTracker::setChoice(engine::ChannelId channel, const ProtocolChoice& choice, bool listener) {
    if (choice.isEmpty()) {
        m_channels.remove(channel);
        return;
    }
    ChannelProtocol c;
    c.choice = choice;
    c.listener = listener;
    for (const auto& p : choice.programs) c.rules.emplace_back(p->rules().size());
    m_channels.insert(channel, std::move(c));
}

const ChannelProtocol* ProtocolTracker::find(engine::ChannelId channel) const {
    const auto it = m_channels.constFind(channel);
    return it == m_channels.cend() ? nullptr : &it.value();
}

void ProtocolTracker::feed(const std::vector<engine::Event>& batch) {
    using K = engine::EventKind;
    if (m_channels.isEmpty()) return;
    for (const engine::Event& e : batch) {
        if (e.kind == K::Accepted) {
            const auto parent = m_channels.constFind(e.parent);
            if (parent != m_channels.cend() && parent->listener) setChoice(e.channel, parent->choice);
            continue;
        }
        if (e.kind != K::Collect && e.kind != K::FoundTerminator) continue;
        const auto it = m_channels.find(e.channel);
        if (it == m_channels.end() || it->listener) continue;
        if (e.kind == K::Collect) {
            if (it->pending.size() < kMaxKept) it->pending.append(e.data, 0, kMaxKept - it->pending.size());
        } else {
            found(*it, e);
            it->pending.clear();
        }
    }
}

void ProtocolTracker::found(ChannelProtocol& c, const engine::Event& e) {
    ++c.messages;
    if (e.info.empty()) {
        ++c.unmatched;
        return;
    }
    // One name per program that matched, in the programs' order.
    std::string_view names = e.info;
    std::size_t layer = 0;
    while (!names.empty() && layer < c.choice.programs.size()) {
        const std::size_t comma = names.find(',');
        const std::string_view name = names.substr(0, comma);
        names = comma == std::string_view::npos ? std::string_view() : names.substr(comma + 1);
        for (std::size_t l = layer; l < c.choice.programs.size(); ++l) {
            const auto& rules = c.choice.programs[l]->rules();
            std::size_t i = 0;
            while (i < rules.size() && rules[i].name != name) ++i;
            if (i == rules.size()) continue;
            RuleStats& s = c.rules[l][i];
            ++s.hits;
            s.captures = capturesOf(rules[i], c.pending);
            layer = l + 1;
            break;
        }
    }
}

}  // namespace ui
