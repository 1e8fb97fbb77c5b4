// ProgramRunner.cpp — one stream's program: matching, actions, terminators, groups.
#include "engine/program/ProgramRunner.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>

namespace engine::program {

ProgramRunner::ProgramRunner(std::shared_ptr<const Program> program, Sender sender, std::size_t maxMessage)
    : ProgramRunner(std::vector<std::shared_ptr<const Program>>{std::move(program)}, sender, maxMessage) {}

ProgramRunner::ProgramRunner(std::vector<std::shared_ptr<const Program>> programs, Sender sender,
                             std::size_t maxMessage)
    : m_programs(std::move(programs)), m_sender(sender), m_maxMessage(std::max<std::size_t>(maxMessage, 1)) {
    if (m_programs.empty()) throw std::invalid_argument("ProgramRunner: no program");
    m_states.assign(m_programs.size(), "start");
    m_maxCount = m_maxMessage;
    for (const auto& p : m_programs)
        if (p->maxCount() && p->maxCount() < m_maxCount) m_maxCount = p->maxCount();
    m_base = initialTerminator();
    for (const auto& p : m_programs) m_keepGroup = m_keepGroup || p->matchesGroups();
    // Each runner its own random sequence ({{random}}, {{uuid}}).
    m_ctx.rngState ^= static_cast<std::uint64_t>(
        std::chrono::steady_clock::now().time_since_epoch().count()) ^ reinterpret_cast<std::uintptr_t>(this);
}

Terminator ProgramRunner::initialTerminator() const {
    const Program* first = m_programs.front().get();
    for (const auto& p : m_programs)
        if (p->terminatorGiven()) {
            first = p.get();
            break;
        }
    const TerminatorSpec& s = first->initialTerminator();
    switch (s.kind) {
    case TerminatorSpec::Kind::Bytes: return Terminator::bytes(s.bytes);
    case TerminatorSpec::Kind::None: return Terminator::none();
    case TerminatorSpec::Kind::Count: {
        const auto n = s.count.evaluate({}, nullptr).value_or(0);
        return n > 0 ? Terminator::count(std::min<std::int64_t>(n, static_cast<std::int64_t>(m_maxCount)))
                     : Terminator::none();
    }
    }
    return Terminator::none();
}

void ProgramRunner::collect(std::string_view data) {
    if (m_body.empty() && !m_inView && !m_bodyTruncated) {
        m_view = data.substr(0, std::min(data.size(), m_maxMessage));
        m_bodyTruncated = data.size() > m_maxMessage;
        m_inView = true;
        return;
    }
    detach();
    const std::size_t room = m_maxMessage - std::min(m_maxMessage, m_body.size());
    if (data.size() > room) {
        m_bodyTruncated = true;
        data = data.substr(0, room);
    }
    m_body.append(data);
}

void ProgramRunner::detach() {
    if (!m_inView) return;
    m_body.assign(m_view);
    m_inView = false;
    m_view = {};
}

void ProgramRunner::abandonMessage() {
    m_inView = false;
    m_view = {};
    m_body.clear();
    m_bodyTruncated = false;
}

bool ProgramRunner::tells() const noexcept {
    for (const auto& p : m_programs)
        if (p->tells()) return true;
    return false;
}

bool ProgramRunner::matches(const Rule& r, const std::string& state, std::string_view s,
                            std::vector<std::string_view>& caps) const {
    if (!r.state.empty() && r.state != state) return false;
    if (r.from != Sender::Any && r.from != m_sender) return false;
    if (!r.heard.empty()) {
        // Only a runner that knows its side hears notes.
        if (m_sender == Sender::Any) return false;
        const auto& q = m_sender == Sender::Server ? m_notes->forServer : m_notes->forClient;
        if (q.empty() || (r.heard != "any" && q.front() != r.heard)) return false;
    }
    return matchMessage(r, s, caps);
}

bool ProgramRunner::matchMessage(const Rule& r, std::string_view s, std::vector<std::string_view>& caps) {
    caps.clear();
    switch (r.match) {
    case Rule::Match::Any: break;
    // (Literal matchers: `caps` is set to the whole message below.)
    case Rule::Match::Equals:
        if (s != r.literal) return false;
        break;
    case Rule::Match::Prefix:
        if (s.substr(0, r.literal.size()) != r.literal) return false;
        break;
    case Rule::Match::Suffix:
        if (s.size() < r.literal.size() || s.substr(s.size() - r.literal.size()) != r.literal) return false;
        break;
    case Rule::Match::Contains:
        if (s.find(r.literal) == std::string_view::npos) return false;
        break;
    case Rule::Match::Regex: {
        // Most messages fail most rules: the first byte when the pattern
        // fixes it, else a yes/no (RE2's DFA, no captures); the captures only
        // for a message that may match.
        if (r.firstBytes) {
            if (s.empty() || !(*r.firstBytes)[static_cast<unsigned char>(s.front())]) return false;
            if (r.digitsTail) {
                // ^X([0-9]+)$ by hand: what RE2 would answer, without it.
                if (s.size() < 2 || !std::all_of(s.begin() + 1, s.end(), [](char c) { return c >= '0' && c <= '9'; }))
                    return false;
                caps.push_back(s);  // (cleared above; its capacity stays)
                caps.push_back(s.substr(1));
                return true;
            }
        } else if (!r.pattern->contains(s)) {
            return false;
        }
        return r.pattern->findViews(s, caps);
    }
    }
    caps.push_back(s);
    return true;
}

std::optional<Terminator> ProgramRunner::evalTerminator(std::size_t layer, const Rule& r, const TerminatorSpec& spec,
                                                        const std::vector<std::string_view>& caps, Verdict& v) const {
    switch (spec.kind) {
    case TerminatorSpec::Kind::Bytes: return Terminator::bytes(spec.bytes);
    case TerminatorSpec::Kind::None: return Terminator::none();
    case TerminatorSpec::Kind::Count: {
        std::string why;
        const auto n = spec.count.evaluate(caps, &why);
        if (!n) {
            v.errors.push_back(where(layer, r) + ": count " + why +
                               "; the terminator stays as it was");
            return std::nullopt;
        }
        if (*n < 0) {
            v.errors.push_back(where(layer, r) + ": count '" + spec.count.text + "' is " +
                               std::to_string(*n) + ", below 0; the terminator stays as it was");
            return std::nullopt;
        }
        if (static_cast<std::uint64_t>(*n) > m_maxCount) {
            v.errors.push_back(where(layer, r) + ": count '" + spec.count.text + "' is " +
                               std::to_string(*n) + ", over the max message size " + std::to_string(m_maxCount) +
                               "; the terminator stays as it was");
            return std::nullopt;
        }
        return Terminator::count(*n);
    }
    }
    return std::nullopt;
}

void ProgramRunner::run(std::size_t layer, const Rule& r, const std::vector<std::string_view>& caps, Verdict& v, bool messageRule) {
    if (!r.heard.empty()) {  // the note it heard is taken
        auto& q = m_sender == Sender::Server ? m_notes->forServer : m_notes->forClient;
        q.pop_front();
    }
    const Rule*& first = messageRule ? v.rule : v.groupRule;
    if (!first) first = &r;
    if (!v.rules.empty()) v.rules += ',';
    v.rules += r.name;
    for (const Action& a : r.actions) {
        switch (a.kind) {
        case Action::Kind::Terminator:
            if (auto t = evalTerminator(layer, r, a.terminator, caps, v)) {
                if (t->isCount() && t->countValue() == 0) {
                    v.errors.push_back(where(layer, r) +
                                       ": a count of 0 frames nothing; the terminator stays as it was");
                } else {
                    m_base = std::move(*t);
                    m_hasOneShot = false;
                    m_terminatorChanged = true;
                }
            }
            break;
        case Action::Kind::Next:
            if (auto t = evalTerminator(layer, r, a.terminator, caps, v)) {
                // A count of 0 announces nothing: no message to frame.
                if (t->isCount() && t->countValue() == 0) break;
                m_oneShot = std::move(*t);
                m_hasOneShot = true;
                m_terminatorChanged = true;
                if (messageRule) ++m_outstanding;  // the announced message joins this one's group
            }
            break;
        case Action::Kind::State: m_states[layer] = a.text; break;
        case Action::Kind::Group: {
            std::string why;
            const auto n = a.expr.evaluate(caps, &why);
            if (!n || *n < 0) {
                v.errors.push_back(where(layer, r) + ": group " +
                                   (n ? "'" + a.expr.text + "' is below 0" : why));
            } else if (messageRule) {
                m_outstanding = std::min<std::int64_t>(m_outstanding + *n, std::int64_t{1} << 40);
            }
            break;
        }
        case Action::Kind::GroupOpen:
            if (messageRule) m_groupOpen = true;
            break;
        case Action::Kind::GroupClose:
            if (messageRule) m_groupOpen = false;
            break;
        case Action::Kind::Reply: v.replies.push_back(a.reply.render(caps, m_ctx)); break;
        case Action::Kind::Close: v.close = true; break;
        case Action::Kind::Mark: v.mark = a.text; break;
        case Action::Kind::Tell: {
            if (m_sender == Sender::Any) break;  // no other side to tell
            auto& q = m_sender == Sender::Server ? m_notes->forClient : m_notes->forServer;
            if (q.size() >= kMaxNotes) q.pop_front();
            q.push_back(a.text);
            break;
        }
        }
    }
}

Verdict& ProgramRunner::found(std::string_view terminatorBytes) {
    // One verdict, reused: its vectors keep their capacity from message to message.
    Verdict& v = m_verdict;
    v.rule = nullptr;
    v.groupRule = nullptr;
    v.rules.clear();
    v.group = 0;
    v.groupComplete = false;
    v.mark.clear();
    v.replies.clear();
    v.close = false;
    v.errors.clear();
    // The one-shot terminator framed this message: back to the one in force.
    m_terminatorChanged = m_hasOneShot;
    m_hasOneShot = false;
    // Its group: the current one while it expects messages, else a new one.
    if (m_outstanding > 0) {
        --m_outstanding;
    } else if (!m_groupOpen) {
        ++m_groupId;
        m_groupBytes.clear();
        m_groupTooBig = false;
    }
    if (m_groupId == 0) ++m_groupId;
    v.group = m_groupId;
    const bool keepGroup = m_keepGroup;
    const std::string_view body = m_inView ? m_view : std::string_view(m_body);
    if (keepGroup && !m_groupTooBig) {
        if (m_bodyTruncated || m_groupBytes.size() + body.size() + terminatorBytes.size() > m_maxMessage) {
            m_groupTooBig = true;
            m_groupBytes.clear();
        } else {
            m_groupBytes.append(body);
            m_groupBytes.append(terminatorBytes);
        }
    }

    std::vector<std::string_view>& caps = m_caps;  // reused: no allocation per message
    for (std::size_t layer = 0; layer < m_programs.size(); ++layer) {
        // The state this message is matched in: a rule's `state` applies from
        // the next message on (run() changes it only after the last match, then the loop ends).
        const std::string& state = m_states[layer];
        const std::vector<Rule>& rules = m_programs[layer]->rules();
        const std::vector<std::uint32_t>* candidates = m_programs[layer]->candidates(body);
        const std::size_t n = candidates ? candidates->size() : rules.size();
        for (std::size_t k = 0; k < n; ++k) {
            const Rule& r = candidates ? rules[(*candidates)[k]] : rules[k];
            if (r.onGroup) continue;
            bool hit;
            if (candidates && r.match == Rule::Match::Regex && r.digitsTail && r.state.empty() && r.from == Sender::Any &&
                r.heard.empty()) {
                // The RESP header shape, in line: being a candidate, the
                // message's first byte is one the rule's regex starts with
                // (Rule::firstBytes); what is left of ^X([0-9]+)$ is the
                // digits (matchMessage's answer, without the calls).
                hit = body.size() >= 2 &&
                      std::all_of(body.begin() + 1, body.end(), [](char c) { return c >= '0' && c <= '9'; });
                if (hit) {
                    caps.clear();
                    caps.push_back(body);
                    caps.push_back(body.substr(1));
                }
            } else {
                hit = matches(r, state, body, caps);
            }
            if (hit) {
                run(layer, r, caps, v, true);
                break;
            }
        }
    }
    v.groupComplete = m_outstanding == 0 && !m_groupOpen;
    if (v.groupComplete && keepGroup && !m_groupTooBig) {
        for (std::size_t layer = 0; layer < m_programs.size(); ++layer) {
            const std::string& state = m_states[layer];  // (as above)
            for (const Rule& r : m_programs[layer]->rules()) {
                if (!r.onGroup) continue;
                if (matches(r, state, m_groupBytes, caps)) {
                    run(layer, r, caps, v, false);
                    break;
                }
            }
        }
    }
    m_body.clear();
    m_inView = false;
    m_view = {};
    m_bodyTruncated = false;
    return v;
}

}  // namespace engine::program
