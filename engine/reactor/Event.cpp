// Event.cpp — names of the event enums, and Event's helpers. (The kinds' own
// names are in the kind table, EventKinds.cpp.)
#include "engine/reactor/Event.h"

#include "engine/net/EnumNames.h"
#include "engine/reactor/EventKinds.h"

#include <array>

namespace engine {
namespace {

constexpr std::array<std::string_view, 3> kRoleNames = {"client", "listener", "accepted"};
constexpr std::array<std::string_view, 6> kPhaseNames = {
    "resolving", "connecting", "connected", "listening", "closing", "closed",
};
constexpr std::array<std::string_view, 3> kLevelNames = {"lifecycle", "messages", "full"};
constexpr std::array<std::string_view, 6> kReadyNames = {"in", "pri", "out", "err", "hup", "nval"};

// Both null, or both set and equal.
template <class T>
bool samePointee(const std::shared_ptr<const T>& a, const std::shared_ptr<const T>& b) {
    if (!a || !b) return !a && !b;
    return *a == *b;
}

}  // namespace

std::string_view eventLevelName(EventLevel l) noexcept { return enumName(kLevelNames, l); }

LW_ENUM_NAMES(HostPhase, hostPhaseName, parseHostPhase, kHostPhaseNames)
LW_ENUM_NAMES(CloseReason, closeReasonName, parseCloseReason, kCloseReasonNames)
LW_ENUM_NAMES(ProducerKind, producerKindName, parseProducerKind, kProducerKindNames)
LW_ENUM_NAMES(WarningCode, warningCodeName, parseWarningCode, kWarningCodeNames)
LW_ENUM_NAMES(ChannelRole, channelRoleName, parseChannelRole, kRoleNames)
LW_ENUM_NAMES(ChannelPhase, channelPhaseName, parseChannelPhase, kPhaseNames)

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
           a.info == b.info && a.aux == b.aux && samePointee(a.state, b.state) && samePointee(a.trace, b.trace) &&
           (a.tls == b.tls || samePointee(a.tls, b.tls));
}

}  // namespace engine
