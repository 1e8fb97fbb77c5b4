// ChannelIntercept.cpp — Channel: intercept on a leg of a proxied connection
// (Channel.h, "Intercept"): each message the leg frames is held instead of
// forwarded, until a command forwards, edits or drops it.
#include "engine/reactor/Channel.h"

#include <algorithm>
#include <utility>

namespace engine {

namespace {
// Read again once the hold queue is back under 3/4 of both limits.
constexpr std::size_t kRoomMessages = Channel::kMaxHeldMessages / 4 * 3;
constexpr std::size_t kRoomBytes = Channel::kMaxHeldBytes / 4 * 3;
}  // namespace

void Channel::reportIntercept(InterceptAction action, std::uint64_t message, std::string_view bytes) {
    Event& e = m_report.emit(EventKind::Intercept);
    e.sub = static_cast<std::uint8_t>(action);
    e.count = static_cast<std::int64_t>(message);
    e.size = static_cast<std::int64_t>(m_held.size());
    e.data.assign(bytes);
}

bool Channel::setIntercept(bool on) {
    if (on == m_intercept) return true;
    if (isClosed()) return false;
    if (on) {
        if (!m_proxied || !m_opts.frameProxied) return false;
        m_intercept = true;
        // Read (and forwarded as read) but not framed yet: not held again when framed.
        m_alreadyForwarded = inputBuffer().size();
        reportIntercept(InterceptAction::On, 0, {});
        return true;
    }
    // Off: what is held goes first, in order, then what is under way; from
    // now on bytes are forwarded as they are read.
    while (!m_held.empty()) {
        Held h = std::move(m_held.front());
        m_held.pop_front();
        m_heldBytes -= h.bytes.size();
        forwardHeld(h.bytes);
        reportIntercept(InterceptAction::Forwarded, h.id, h.bytes);
    }
    m_intercept = false;
    std::string rest = std::exchange(m_holding, std::string());
    const std::string_view unframed = inputBuffer();
    rest.append(unframed.substr(std::min(m_alreadyForwarded, unframed.size())));
    m_alreadyForwarded = 0;
    if (!rest.empty()) forwardHeld(rest);
    reportIntercept(InterceptAction::Off, 0, rest);
    afterRelease();
    return true;
}

void Channel::interceptCollect(std::string_view data) {
    const std::size_t skip = std::min(m_alreadyForwarded, data.size());
    m_alreadyForwarded -= skip;
    data.remove_prefix(skip);
    if (data.empty()) return;
    m_holding.append(data);
    // Nothing frames the input: each chunk is a message. A message past the
    // limit is held as far as it goes (the rest follows as another).
    if (!m_frames || m_holding.size() >= m_opts.maxMessage) holdMessage();
}

void Channel::interceptFound(std::string_view terminator) {
    const std::size_t skip = std::min(m_alreadyForwarded, terminator.size());
    m_alreadyForwarded -= skip;
    terminator.remove_prefix(skip);
    m_holding.append(terminator);
    if (!m_holding.empty()) holdMessage();
}

void Channel::holdMessage() {
    Held h{m_nextHeld++, std::exchange(m_holding, std::string())};
    m_heldBytes += h.bytes.size();
    m_held.push_back(std::move(h));
    reportIntercept(InterceptAction::Held, m_held.back().id, m_held.back().bytes);
    if (!m_holdFull && (m_held.size() >= kMaxHeldMessages || m_heldBytes >= kMaxHeldBytes)) {
        // Nothing is dropped: the leg stops reading (its peer's sends block
        // in TCP) until forwards or drops make room.
        m_holdFull = true;
        reportIntercept(InterceptAction::Full, 0, {});
    }
}

void Channel::forwardHeld(std::string_view bytes) {
    if (m_proxyPeer) m_proxyPeer->proxyForward(bytes);
}

void Channel::releaseHeld(std::uint64_t message, cmd::ReleaseHeld::Action action, std::string data) {
    if (message == 0) {  // every message held, in order
        if (action == cmd::ReleaseHeld::Action::Edit) {
            m_report.error(0, "intercept: an edit names one held message");
            return;
        }
        while (!m_held.empty()) releaseHeld(m_held.front().id, action, {});
        return;
    }
    const auto it = std::find_if(m_held.begin(), m_held.end(), [message](const Held& h) { return h.id == message; });
    if (it == m_held.end()) {
        m_report.error(0, "intercept: channel " + std::to_string(channelId()) + " holds no message " +
                              std::to_string(message) + " (forwarded or dropped already, or never held)");
        return;
    }
    Held h = std::move(*it);
    m_held.erase(it);
    m_heldBytes -= h.bytes.size();
    if (!m_proxyPeer && action != cmd::ReleaseHeld::Action::Drop)
        m_report.error(0, "intercept: the other leg has closed; message " + std::to_string(message) + " went nowhere");
    switch (action) {
    case cmd::ReleaseHeld::Action::Forward:
        forwardHeld(h.bytes);
        reportIntercept(InterceptAction::Forwarded, h.id, h.bytes);
        break;
    case cmd::ReleaseHeld::Action::Edit:
        forwardHeld(data);
        reportIntercept(InterceptAction::Edited, h.id, data);
        break;
    case cmd::ReleaseHeld::Action::Drop: reportIntercept(InterceptAction::Dropped, h.id, h.bytes); break;
    }
    afterRelease();
}

void Channel::afterRelease() {
    if (isClosed()) return;
    if (m_holdFull && m_held.size() <= kRoomMessages && m_heldBytes <= kRoomBytes) {
        m_holdFull = false;
        reportIntercept(InterceptAction::Room, 0, {});
    }
    // A STARTTLS yes passed through waited for the held messages (the yes
    // among them) to go out: both legs upgrade now (ChannelTls.cpp).
    if (m_passTls == PassTls::Yes && m_held.empty()) {
        passAfterRead();
        if (isClosed()) return;
    }
    // End-of-file waited for the held messages: pass it on now.
    if (m_eofAfterHeld && m_held.empty() && m_holding.empty()) {
        m_eofAfterHeld = false;
        if (m_proxyPeer) m_proxyPeer->requestHalfClose();
        proxyMaybeDone();
    }
}

bool Channel::interceptDeferEof() {
    // Bytes held back as a partial terminator, and a message without its
    // terminator: one last held message.
    const std::string_view unframed = inputBuffer();
    m_holding.append(unframed.substr(std::min(m_alreadyForwarded, unframed.size())));
    m_alreadyForwarded = unframed.size();  // taken: not forwarded again if intercept goes off
    if (!m_holding.empty()) holdMessage();
    if (m_held.empty()) return false;
    m_eofAfterHeld = true;
    return true;
}

}  // namespace engine
