// NetErrors.cpp — see NetErrors.h. One table: symbolic name, Winsock number,
// the std::errc it means and the Linux strerror() text.
#include "engine/net/NetErrors.h"

#include <cerrno>
#include <string>

namespace engine {
namespace {

struct NetError {
    const char* name;
    int winsock;  ///< WSAE* (winerror.h), the same numbers on every Windows
    int posix;    ///< this platform's errno value, or -1 where it has none
    const char* text;
};

constexpr int errc(std::errc e) { return static_cast<int>(e); }

#if defined(ESHUTDOWN)
constexpr int kShutdown = ESHUTDOWN;
#else
constexpr int kShutdown = -1;
#endif
#if defined(EHOSTDOWN)
constexpr int kHostDown = EHOSTDOWN;
#else
constexpr int kHostDown = -1;
#endif

// EAGAIN and EWOULDBLOCK are one value on Linux and macOS; EWOULDBLOCK is the
// name Winsock's code has, and the one written.
constexpr NetError kErrors[] = {
    {"EWOULDBLOCK", 10035, errc(std::errc::operation_would_block), "Resource temporarily unavailable"},
    // EAGAIN: a value of its own where it differs (MinGW: 11 beside EWOULDBLOCK's 140).
    {"EWOULDBLOCK", -1, errc(std::errc::resource_unavailable_try_again), "Resource temporarily unavailable"},
    {"EINPROGRESS", 10036, errc(std::errc::operation_in_progress), "Operation now in progress"},
    {"EALREADY", 10037, errc(std::errc::connection_already_in_progress), "Operation already in progress"},
    {"ENOTSOCK", 10038, errc(std::errc::not_a_socket), "Socket operation on non-socket"},
    {"EDESTADDRREQ", 10039, errc(std::errc::destination_address_required), "Destination address required"},
    {"EMSGSIZE", 10040, errc(std::errc::message_size), "Message too long"},
    {"EPROTOTYPE", 10041, errc(std::errc::wrong_protocol_type), "Protocol wrong type for socket"},
    {"ENOPROTOOPT", 10042, errc(std::errc::no_protocol_option), "Protocol not available"},
    {"EPROTONOSUPPORT", 10043, errc(std::errc::protocol_not_supported), "Protocol not supported"},
    {"EOPNOTSUPP", 10045, errc(std::errc::operation_not_supported), "Operation not supported"},
    {"EAFNOSUPPORT", 10047, errc(std::errc::address_family_not_supported),
     "Address family not supported by protocol"},
    {"EADDRINUSE", 10048, errc(std::errc::address_in_use), "Address already in use"},
    {"EADDRNOTAVAIL", 10049, errc(std::errc::address_not_available), "Cannot assign requested address"},
    {"ENETDOWN", 10050, errc(std::errc::network_down), "Network is down"},
    {"ENETUNREACH", 10051, errc(std::errc::network_unreachable), "Network is unreachable"},
    {"ENETRESET", 10052, errc(std::errc::network_reset), "Network dropped connection on reset"},
    {"ECONNABORTED", 10053, errc(std::errc::connection_aborted), "Software caused connection abort"},
    {"ECONNRESET", 10054, errc(std::errc::connection_reset), "Connection reset by peer"},
    {"ENOBUFS", 10055, errc(std::errc::no_buffer_space), "No buffer space available"},
    {"EISCONN", 10056, errc(std::errc::already_connected), "Transport endpoint is already connected"},
    {"ENOTCONN", 10057, errc(std::errc::not_connected), "Transport endpoint is not connected"},
    {"ESHUTDOWN", 10058, kShutdown, "Cannot send after transport endpoint shutdown"},
    {"ETIMEDOUT", 10060, errc(std::errc::timed_out), "Connection timed out"},
    {"ECONNREFUSED", 10061, errc(std::errc::connection_refused), "Connection refused"},
    {"EHOSTDOWN", 10064, kHostDown, "Host is down"},
    {"EHOSTUNREACH", 10065, errc(std::errc::host_unreachable), "No route to host"},
    {"EINTR", 10004, errc(std::errc::interrupted), "Interrupted system call"},
    {"EBADF", 10009, errc(std::errc::bad_file_descriptor), "Bad file descriptor"},
    {"EACCES", 10013, errc(std::errc::permission_denied), "Permission denied"},
    {"EFAULT", 10014, errc(std::errc::bad_address), "Bad address"},
    {"EINVAL", 10022, errc(std::errc::invalid_argument), "Invalid argument"},
    {"EMFILE", 10024, errc(std::errc::too_many_files_open), "Too many open files"},
    // No Winsock number: send() on Windows reports a closed peer as WSAECONNRESET.
    {"EPIPE", -1, errc(std::errc::broken_pipe), "Broken pipe"},
};

const NetError* byWinsock(int code) noexcept {
    for (const NetError& e : kErrors)
        if (e.winsock == code) return &e;
    return nullptr;
}

const NetError* byPosix(int code) noexcept {
    if (code < 0) return nullptr;
    for (const NetError& e : kErrors)
        if (e.posix == code) return &e;
    return nullptr;
}

class WinsockCategory final : public std::error_category {
public:
    const char* name() const noexcept override { return "winsock"; }
    std::string message(int code) const override {
        if (const NetError* e = byWinsock(code)) return e->text;
        return "Winsock error " + std::to_string(code);
    }
    std::error_condition default_error_condition(int code) const noexcept override {
        if (const NetError* e = byWinsock(code); e && e->posix >= 0)
            return std::error_condition(e->posix, std::generic_category());
        return std::error_condition(code, *this);
    }
};

}  // namespace

const std::error_category& winsockCategory() noexcept {
    static const WinsockCategory category;
    return category;
}

namespace sockops {

std::string_view errorName(const std::error_code& ec) noexcept {
    if (!ec) return {};
    const NetError* e = nullptr;
    if (ec.category() == winsockCategory())
        e = byWinsock(ec.value());
    else if (ec.category() == std::generic_category() || ec.category() == std::system_category())
        e = byPosix(ec.value());
    return e ? std::string_view(e->name) : std::string_view();
}

std::string_view errorName(int code) noexcept {
    if (code == 0) return {};
#if defined(_WIN32)
    if (code >= 10000) return errorName(std::error_code(code, winsockCategory()));
#endif
    return errorName(std::error_code(code, std::generic_category()));
}

}  // namespace sockops
}  // namespace engine
