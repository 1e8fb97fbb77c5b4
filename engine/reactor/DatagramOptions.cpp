// DatagramOptions.cpp — the checks of a UDP channel's options.
#include "engine/reactor/DatagramOptions.h"

#include "engine/net/Platform.h"
#include "engine/net/SocketOps.h"

#include <charconv>
#include <optional>
#include <system_error>

namespace engine {

bool parseMulticastInterface(const std::string& text, Address& v4, unsigned& v6index) {
    if (text.empty()) return true;
    if (auto a = Address::fromNumeric(text, 0); a && a->family() == kAfInet) {
        v4 = *a;
        return true;
    }
    unsigned n = 0;
    const auto r = std::from_chars(text.data(), text.data() + text.size(), n);
    if (r.ec != std::errc() || r.ptr != text.data() + text.size()) return false;
    v6index = n;
    return true;
}

std::string datagramOptionsProblem(const DatagramOptions& o, bool bind, std::string_view host) {
    const std::string& group = o.multicastGroup;
    const std::string& iface = o.multicastInterface;
    if (o.multicastTtl > 255) return "The multicast TTL goes from 0 to 255.";
    std::optional<Address> groupAddress;
    if (bind && !group.empty()) {
        groupAddress = Address::fromNumeric(group, 0);
        if (!groupAddress)
            return "The multicast group \"" + group +
                   "\" is not a numeric address (a group is 224.0.0.0 to 239.255.255.255, or ff00::/8 for IPv6).";
        if (!sockops::isMulticast(*groupAddress))
            return group + " is not a multicast address: a group is 224.0.0.0 to 239.255.255.255 (IPv4) or "
                           "ff00::/8 (IPv6).";
    }
    if (!iface.empty()) {
        Address v4If;
        unsigned v6If = 0;
        if (!parseMulticastInterface(iface, v4If, v6If))
            return "The multicast interface \"" + iface +
                   "\" is neither an IPv4 address (such as 127.0.0.1) nor an IPv6 interface index (a number).";
        if (groupAddress && groupAddress->family() == kAfInet && v4If.isEmpty())
            return "An IPv4 group takes the interface's IPv4 address (such as 127.0.0.1), not an index.";
        if (groupAddress && groupAddress->family() == kAfInet6 && !v4If.isEmpty())
            return "An IPv6 group takes the interface's index (a number), not an address.";
    }
    if (groupAddress) {
        const std::string hostText(host);
        const auto h = Address::fromNumeric(hostText, 0);
        if (h && h->family() != groupAddress->family())
            return "The group " + group + " and the host " + hostText + " are of different address families.";
        const bool wildcard = h && *h == Address::any(h->family(), 0);
        if (!wildcard && !(h && *h == *groupAddress))
            return "To hear the group " + group + ", bind " +
                   (groupAddress->family() == kAfInet6 ? "::" : "0.0.0.0") +
                   " (every interface) or the group address itself: a socket bound to " + hostText +
                   " hears only datagrams sent to " + hostText + ".";
    }
    return {};
}

}  // namespace engine
