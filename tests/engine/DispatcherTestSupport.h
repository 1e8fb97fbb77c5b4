// DispatcherTestSupport.h — the recording dispatcher and small checks shared
// by the asyncore ports (tst_Dispatcher, tst_Loop).
//
// Probe: an engine::Dispatcher that counts every hook it is called with (and,
// given a Journal, writes "name:hook" lines), whose hooks can be replaced one
// by one (unset: it records, then does what asyncore does), and whose
// logInfo() keeps the lines instead of printing them. It owns its socket, as
// any Dispatcher does, and nothing else; `destroyed`, if set, must outlive it.
// errorOf(): the error_code inside an exception_ptr; thrownBy(): the code of
// the std::system_error a function throws. listenOnLoopback(), connectTo(),
// connectRefused(): the usual socket set-ups of a dispatcher under test.
// POSIX only: fdIsOpen(),
// isNonBlocking(), captureFd() (what fd 1 or 2 receives while a function
// runs).
// Threads: the test's thread.
#pragma once

#include "engine/asyncore/Dispatcher.h"
#include "engine/asyncore/Loop.h"
#include "engine/net/Address.h"
#include "engine/net/Socket.h"

#include "SocketTestSupport.h"

#include <cstdio>
#include <exception>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#if !defined(_WIN32)
#include <cerrno>
#include <fcntl.h>
#include <unistd.h>
#endif

namespace lwtest {

#if !defined(_WIN32)
inline bool fdIsOpen(int fd) { return ::fcntl(fd, F_GETFD) != -1 || errno != EBADF; }
inline bool isNonBlocking(int fd) { return (::fcntl(fd, F_GETFL) & O_NONBLOCK) != 0; }

/// Captures what is written to stdout (fd 1) or stderr (fd 2) while `f` runs;
/// the descriptor is restored even if `f` throws (the exception goes on).
inline std::string captureFd(int fd, const std::function<void()>& f) {
    std::fflush(stdout);
    std::fflush(stderr);
    std::FILE* tmp = std::tmpfile();
    if (!tmp) throw std::runtime_error("tmpfile");
    const int saved = ::dup(fd);
    ::dup2(::fileno(tmp), fd);
    std::exception_ptr failure;
    try {
        f();
    } catch (...) {
        failure = std::current_exception();
    }
    std::fflush(stdout);
    std::fflush(stderr);
    ::dup2(saved, fd);
    ::close(saved);
    std::string out;
    std::rewind(tmp);
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, tmp)) > 0) out.append(buf, n);
    std::fclose(tmp);
    if (failure) std::rethrow_exception(failure);
    return out;
}
#endif

/// The std::error_code a std::system_error in `ep` carries; {} for no
/// exception, invalid_argument for any other exception.
inline std::error_code errorOf(const std::exception_ptr& ep) {
    if (!ep) return {};
    try {
        std::rethrow_exception(ep);
    } catch (const std::system_error& e) {
        return e.code();
    } catch (...) {
    }
    return std::make_error_code(std::errc::invalid_argument);
}

/// The code of the std::system_error `f` throws; nullopt if it throws
/// nothing (any other exception goes on to the caller).
inline std::optional<std::error_code> thrownBy(const std::function<void()>& f) {
    try {
        f();
    } catch (const std::system_error& e) {
        return e.code();
    }
    return std::nullopt;
}

/// createSocket(family), bind to loopback:0, listen(5).
inline void listenOnLoopback(engine::Dispatcher& d, int family = engine::kAfInet) {
    d.createSocket(family);
    d.bind(engine::Address::loopback(family, 0));
    d.listen(5);
}

/// createSocket() of `to`'s family, then connect(to).
inline void connectTo(engine::Dispatcher& d, const engine::Address& to) {
    d.createSocket(to.family());
    d.connect(to);
}

/// connectTo() a port that refuses; true once the refusal has come back
/// (the socket is writable, ECONNREFUSED pending).
inline bool connectRefused(engine::Dispatcher& d, const RefusingPort& port) {
    connectTo(d, port.addr);
    return waitFd(d.socketHandle(), POLLOUT);
}

using Journal = std::vector<std::string>;

/// A dispatcher that records every hook (see the file comment).
class Probe : public engine::Dispatcher {
public:
    explicit Probe(engine::Loop* map, Journal* journal = nullptr, std::string name = "p")
        : Dispatcher(map), m_journal(journal), m_name(std::move(name)) {}
    Probe(engine::Socket sock, engine::Loop* map, Journal* journal = nullptr, std::string name = "p")
        : Dispatcher(std::move(sock), map), m_journal(journal), m_name(std::move(name)) {}
    ~Probe() override {
        if (destroyed) *destroyed = true;
    }

    // Behaviour switches; unset means "record, then do what asyncore does".
    std::function<bool()> readableFn, writableFn;
    std::function<void()> onReadEvent, onRead, onWrite, onExpt, onConnect, onAccept, onClose, onError;
    std::function<void(engine::Socket, const engine::Address&)> onAccepted;
    std::optional<std::error_code> closeError;  // rawClose() reports this
    bool exitNowOnClose = false;                // rawClose() throws ExitNow once
    bool traceEvents = false;                   // also journal the *_event layer
    bool* destroyed = nullptr;                  // set to true by the destructor

    std::map<std::string, int, std::less<>> calls;
    std::vector<std::pair<std::string, std::string>> logs;  // (type, message)
    std::exception_ptr lastError;
    bool connectedInConnect = true;
    bool connectingInConnect = false;

    int n(std::string_view hook) const {
        auto it = calls.find(hook);
        return it == calls.end() ? 0 : it->second;
    }
    engine::NativeSocket releaseSocket() { return m_socket.release(); }

    bool readable() override {
        note("readable", false);
        return readableFn ? readableFn() : Dispatcher::readable();
    }
    bool writable() override {
        note("writable", false);
        return writableFn ? writableFn() : Dispatcher::writable();
    }
    void handleReadEvent() override {
        note("read_event", traceEvents);
        if (onReadEvent) onReadEvent();
        Dispatcher::handleReadEvent();
    }
    void handleWriteEvent() override {
        note("write_event", traceEvents);
        Dispatcher::handleWriteEvent();
    }
    void handleExptEvent() override {
        note("expt_event", traceEvents);
        Dispatcher::handleExptEvent();
    }
    void handleConnectEvent() override {
        note("connect_event", traceEvents);
        Dispatcher::handleConnectEvent();
    }
    void handleRead() override {
        note("read");
        if (onRead) onRead();
    }
    void handleWrite() override {
        note("write");
        if (onWrite) onWrite();
    }
    void handleExpt() override {
        note("expt");
        onExpt ? onExpt() : Dispatcher::handleExpt();
    }
    void handleConnect() override {
        note("connect");
        connectedInConnect = connected;
        connectingInConnect = connecting;
        if (onConnect) onConnect();
    }
    void handleAccept() override {
        note("accept");
        onAccept ? onAccept() : Dispatcher::handleAccept();
    }
    void handleAccepted(engine::Socket sock, const engine::Address& peer) override {
        note("accepted");
        onAccepted ? onAccepted(std::move(sock), peer) : Dispatcher::handleAccepted(std::move(sock), peer);
    }
    void handleClose() override {
        note("close");
        onClose ? onClose() : Dispatcher::handleClose();
    }
    void handleError() override {
        note("error");
        lastError = std::current_exception();
        onError ? onError() : Dispatcher::handleError();
    }
    void logInfo(std::string_view message, std::string_view type = "info") override {
        logs.emplace_back(std::string(type), std::string(message));
    }

protected:
    std::string_view className() const override { return "Probe"; }
    void rawClose(std::error_code& ec) override {
        if (exitNowOnClose) {
            exitNowOnClose = false;
            throw engine::ExitNow();
        }
        Dispatcher::rawClose(ec);
        if (closeError) ec = *closeError;
    }

private:
    void note(std::string_view hook, bool journal = true) {
        ++calls[std::string(hook)];
        if (journal && m_journal) m_journal->push_back(m_name + ":" + std::string(hook));
    }
    Journal* m_journal;
    std::string m_name;
};

}  // namespace lwtest
