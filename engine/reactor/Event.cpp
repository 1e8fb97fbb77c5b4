// Event.cpp — names of the event enums, and Event's helpers. (The kinds' own
// names are in the kind table, EventKinds.cpp.)
#include "engine/reactor/Event.h"

#include "engine/reactor/EventKinds.h"

#include <array>

namespace engine {
namespace {

template <class E, std::size_t N>
std::optional<E> lookup(const std::array<std::string_view, N>& names, std::string_view name) noexcept {
    for (std::size_t i = 0; i < N; ++i)
        if (names[i] == name) return static_cast<E>(i);
    return std::nullopt;
}

template <class E, std::size_t N>
std::string_view nameOf(const std::array<std::string_view, N>& names, E e) noexcept {
    const auto i = static_cast<std::size_t>(e);
    return i < N ? names[i] : std::string_view("?");
}

constexpr std::array<std::string_view, 3> kRoleNames = {"client", "listener", "accepted"};
constexpr std::array<std::string_view, 6> kPhaseNames = {
    "resolving", "connecting", "connected", "listening", "closing", "closed",
};
constexpr std::array<std::string_view, 6> kReadyNames = {"in", "pri", "out", "err", "hup", "nval"};

bool sameState(const std::shared_ptr<const ChannelState>& a, const std::shared_ptr<const ChannelState>& b) {
    if (!a || !b) return !a && !b;
    return *a == *b;
}
bool sameTrace(const std::shared_ptr<const LoopTrace>& a, const std::shared_ptr<const LoopTrace>& b) {
    if (!a || !b) return !a && !b;
    return *a == *b;
}

}  // namespace

std::string_view eventLevelName(EventLevel l) noexcept {
    switch (l) {
    case EventLevel::Lifecycle: return "lifecycle";
    case EventLevel::Messages: return "messages";
    case EventLevel::Full: return "full";
    }
    return "?";
}

std::string_view hostPhaseName(HostPhase p) noexcept { return nameOf(kHostPhaseNames, p); }
std::optional<HostPhase> parseHostPhase(std::string_view name) noexcept {
    return lookup<HostPhase>(kHostPhaseNames, name);
}
std::string_view closeReasonName(CloseReason r) noexcept { return nameOf(kCloseReasonNames, r); }
std::optional<CloseReason> parseCloseReason(std::string_view name) noexcept {
    return lookup<CloseReason>(kCloseReasonNames, name);
}
std::string_view producerKindName(ProducerKind k) noexcept { return nameOf(kProducerKindNames, k); }
std::optional<ProducerKind> parseProducerKind(std::string_view name) noexcept {
    return lookup<ProducerKind>(kProducerKindNames, name);
}
std::string_view warningCodeName(WarningCode c) noexcept { return nameOf(kWarningCodeNames, c); }
std::optional<WarningCode> parseWarningCode(std::string_view name) noexcept {
    return lookup<WarningCode>(kWarningCodeNames, name);
}
std::string_view channelRoleName(ChannelRole r) noexcept { return nameOf(kRoleNames, r); }
std::optional<ChannelRole> parseChannelRole(std::string_view name) noexcept {
    return lookup<ChannelRole>(kRoleNames, name);
}
std::string_view channelPhaseName(ChannelPhase p) noexcept { return nameOf(kPhaseNames, p); }
std::optional<ChannelPhase> parseChannelPhase(std::string_view name) noexcept {
    return lookup<ChannelPhase>(kPhaseNames, name);
}

std::vector<std::string_view> readyBitNames(unsigned bits) {
    std::vector<std::string_view> out;
    for (std::size_t i = 0; i < kReadyNames.size(); ++i)
        if (bits & (1u << i)) out.push_back(kReadyNames[i]);
    return out;
}

std::optional<unsigned> parseReadyBit(std::string_view name) noexcept {
    for (std::size_t i = 0; i < kReadyNames.size(); ++i)
        if (kReadyNames[i] == name) return 1u << i;
    return std::nullopt;
}

std::optional<Hook> parseHook(std::string_view name) noexcept {
    for (auto h = static_cast<unsigned>(Hook::HandleReadEvent); h <= static_cast<unsigned>(Hook::Recv); ++h)
        if (hookName(static_cast<Hook>(h)) == name) return static_cast<Hook>(h);
    return std::nullopt;
}

Terminator Event::terminator() const {
    switch (terminatorKind()) {
    case Terminator::Kind::Bytes: return Terminator::bytes(data);
    case Terminator::Kind::Count: return Terminator::count(count);
    case Terminator::Kind::None: break;
    }
    return Terminator::none();
}

void Event::setTerminator(const Terminator& t) {
    sub = static_cast<std::uint8_t>(t.kind());
    count = t.isCount() ? static_cast<std::int64_t>(t.countValue()) : 0;
    if (t.isBytes())
        data = t.bytesValue();
    else
        data.clear();
}

bool operator==(const Event& a, const Event& b) {
    return a.seq == b.seq && a.tUs == b.tUs && a.size == b.size && a.count == b.count && a.channel == b.channel &&
           a.parent == b.parent && a.error == b.error && a.kind == b.kind && a.sub == b.sub && a.data == b.data &&
           a.info == b.info && a.aux == b.aux && sameState(a.state, b.state) && sameTrace(a.trace, b.trace) &&
           (a.tls == b.tls || (a.tls && b.tls && *a.tls == *b.tls));
}

}  // namespace engine
