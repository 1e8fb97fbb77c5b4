// Platform.h — the one place that knows which operating system we are on.
//
// What it does: defines the native socket handle type, the invalid-handle
// value and the few constants that differ between POSIX and Winsock2, and
// provides NetworkInit, the RAII guard that calls WSAStartup on Windows.
// What it owns: nothing.
// Threads: everything here is safe to use from any thread.
//
// Every other engine file includes this header instead of <sys/socket.h> or
// <winsock2.h>; platform #ifdefs outside this header and SocketOps.cpp are a
// bug.
#pragma once

#include <cstdint>

#if defined(_WIN32)
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
// Winsock's default fd_set holds 64 sockets, too few for a listener with
// clients on the select backend; engine/CMakeLists.txt also defines it for
// every file, in case <winsock2.h> comes in first through another header.
#ifndef FD_SETSIZE
#define FD_SETSIZE 1024
#endif
#include <winsock2.h>
#include <ws2tcpip.h>
#else
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/types.h>
#endif

namespace engine {

#if defined(_WIN32)
using NativeSocket = SOCKET;
inline constexpr NativeSocket kInvalidSocket = INVALID_SOCKET;
inline constexpr bool kIsWindows = true;
#else
using NativeSocket = int;
inline constexpr NativeSocket kInvalidSocket = -1;
inline constexpr bool kIsWindows = false;
#endif

/// Address families, re-exported so callers need no system header.
inline constexpr int kAfInet = AF_INET;
inline constexpr int kAfInet6 = AF_INET6;
inline constexpr int kSockStream = SOCK_STREAM;
inline constexpr int kSockDgram = SOCK_DGRAM;

/// Starts the socket library for the lifetime of the process (WSAStartup on
/// Windows, and SIGPIPE ignored on POSIX so a write to a closed peer returns
/// EPIPE instead of killing the process). Idempotent and thread-safe; every
/// engine entry point that creates a socket calls it, so users need not.
void ensureNetworkInitialized();

}  // namespace engine
