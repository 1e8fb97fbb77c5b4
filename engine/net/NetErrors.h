// NetErrors.h — socket errors that read the same on every platform.
//
// What it does: winsockCategory() is the error category of Winsock codes
// (WSAEWOULDBLOCK = 10035, WSAECONNRESET = 10054, ...): it maps each to the
// matching std::errc condition, so `ec == std::errc::connection_reset` holds
// on Windows as on POSIX (MinGW's libstdc++ does not map them in
// std::system_category(); MSVC's does), and its messages are the Linux
// strerror() texts, so a message is the same on both builds.
// errorName() gives the portable symbolic name of a socket error
// ("ECONNRESET"), from a POSIX errno or a Winsock code alike, for session
// files and reports.
// What it owns: nothing (the category is a static object).
// Threads: everything here is safe to use from any thread.
#pragma once

#include <string_view>
#include <system_error>

namespace engine {

/// The category of Winsock error numbers (WSAGetLastError(), SO_ERROR on
/// Windows). Defined on every platform so the mapping is tested on Linux too.
const std::error_category& winsockCategory() noexcept;

namespace sockops {

/// "ECONNRESET", "EWOULDBLOCK", ... for a socket error from either platform
/// (generic/system category with an errno value, or winsockCategory()); empty
/// when the error is not a known socket error.
std::string_view errorName(const std::error_code& ec) noexcept;
/// The same for an error number as events carry it (Event::error): on
/// Windows a Winsock code (>= 10000) or else a C runtime errno value, on
/// POSIX an errno value. Empty for 0 and for unknown numbers.
std::string_view errorName(int code) noexcept;

}  // namespace sockops
}  // namespace engine
