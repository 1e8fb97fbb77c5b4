// ExampleCommand.cpp — `linewright-cli example NAME`.
#include "app/cli/ExampleCommand.h"

#include "app/cli/CommandLine.h"
#include "app/cli/SignalWatcher.h"
#include "engine/net/Address.h"
#include "engine/asyncore/Dispatcher.h"
#include "engine/asyncore/Escape.h"
#include "engine/asyncore/Loop.h"
#include "examples/ExampleRunner.h"

#include <atomic>
#include <chrono>
#include <exception>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cli {

namespace {

const char* const kUsage =
    "usage: linewright-cli example NAME [options]\n"
    "       linewright-cli example --list\n"
    "\n"
    "Runs one of the asyncore/asynchat documentation's examples, written in C++\n"
    "on the engine, on 127.0.0.1 (a server, and a client connected to it).\n"
    "\n"
    "  NAME               echo | echo-length | http\n"
    "  --port N           the server's port (default 0: any free port)\n"
    "  --server-only      start only the server (for clients of your own)\n"
    "  --count N          with --server-only: stop after N connections\n"
    "  --connect PORT     start only the client, against 127.0.0.1:PORT\n"
    "  --message TEXT     the echo examples' message (default: the tutorial's)\n"
    "  --path PATH        the HTTP client's path (default /)\n"
    "  -b, --backend NAME select | poll | epoll (default select, like asyncore)\n"
    "  --trace            one line per loop pass on stderr: readable/writable,\n"
    "                     ready, and the hooks that ran, in order\n"
    "  -q, --quiet        no example logging on stderr\n"
    "  -w, --timeout S    give up after S seconds (default 30; 0: never)\n";

/// Prints one line per loop pass: what each channel answered, what was
/// ready, and the hooks in the order they ran.
class TraceLines final : public engine::LoopObserver {
public:
    explicit TraceLines(std::FILE* err) : m_err(err) {}
    void passBegin(std::uint64_t pass, engine::Backend backend) override {
        m_line = "pass " + std::to_string(pass) + " [" + std::string(engine::backendName(backend)) + "]";
        m_polled.clear();
        m_ready.clear();
        m_hooks.clear();
    }
    void polled(const engine::Dispatcher& d, bool r, bool w) override {
        m_polled += " " + name(d) + "(" + (r ? "r" : "-") + (w ? "w" : "-") + ")";
    }
    void ready(const engine::Dispatcher& d, unsigned bits) override {
        std::string b;
        if (bits & engine::kReadyIn) b += "in,";
        if (bits & engine::kReadyOut) b += "out,";
        if (bits & engine::kReadyPri) b += "pri,";
        if (bits & engine::kReadyErr) b += "err,";
        if (bits & engine::kReadyHup) b += "hup,";
        if (!b.empty()) b.pop_back();
        m_ready += " " + name(d) + "(" + b + ")";
    }
    void hook(const engine::Dispatcher& d, engine::Hook h) override {
        m_hooks += " " + name(d) + "." + std::string(engine::hookName(h));
    }
    void passEnd(std::uint64_t, std::uint64_t waitedUs) override {
        std::fprintf(m_err, "%s waited %llu us; asked:%s; ready:%s; hooks:%s\n", m_line.c_str(),
                     static_cast<unsigned long long>(waitedUs), m_polled.c_str(),
                     m_ready.empty() ? " -" : m_ready.c_str(), m_hooks.empty() ? " -" : m_hooks.c_str());
    }
    std::map<std::uint64_t, std::string> names;

private:
    std::string name(const engine::Dispatcher& d) const {
        const auto it = names.find(d.id());
        return it != names.end() ? it->second : "#" + std::to_string(d.id());
    }
    std::FILE* m_err;
    std::string m_line, m_polled, m_ready, m_hooks;
};

}  // namespace

bool isExampleCommand(int argc, const char* const* argv) {
    return argc >= 2 && std::string_view(argv[1]) == "example";
}

int runExampleCommand(int argc, const char* const* argv, std::FILE* out, std::FILE* err) {
    examples::ExampleOptions o;
    std::string name;
    engine::Backend backend = engine::Backend::Select;
    bool trace = false;
    bool quiet = false;
    double timeout = 30.0;
    auto usage = [&](const std::string& why) {
        std::fprintf(err, "linewright-cli example: %s\n%s", why.c_str(), kUsage);
        return 2;
    };
    struct Spec {
        std::string_view longName;
        char shortName;
        bool takesValue;
    };
    static constexpr Spec kSpecs[] = {
        {"help", 'h', false},    {"list", 0, false},     {"server-only", 0, false}, {"trace", 0, false},
        {"quiet", 'q', false},   {"port", 0, true},      {"connect", 0, true},      {"count", 0, true},
        {"message", 0, true},    {"path", 0, true},      {"backend", 'b', true},    {"timeout", 'w', true},
    };
    const std::vector<std::string> args(argv + 2, argv + argc);
    ArgScanner<Spec> scanner(args, kSpecs);
    using Kind = ArgScanner<Spec>::Kind;
    for (auto item = scanner.next(); item.kind != Kind::End; item = scanner.next()) {
        if (item.kind == Kind::Error)
            return usage(item.value);
        if (item.kind == Kind::Positional) {
            if (!name.empty())
                return usage("one example at a time (got " + quote(name) + " and " + quote(item.value) + ")");
            name = item.value;
            continue;
        }
        const std::string_view opt = item.spec->longName;
        const std::string& v = item.value;
        if (opt == "help") {
            std::fputs(kUsage, out);
            return 0;
        } else if (opt == "list") {
            for (const auto& e : examples::allExamples())
                std::fprintf(out, "%-12.*s %.*s\n", static_cast<int>(e.name.size()), e.name.data(),
                             static_cast<int>(e.title.size()), e.title.data());
            return 0;
        } else if (opt == "server-only") {
            o.serverOnly = true;
        } else if (opt == "trace") {
            trace = true;
        } else if (opt == "quiet") {
            quiet = true;
        } else if (opt == "port" || opt == "connect") {
            const auto p = engine::parsePort(v, opt == "port");
            if (!p)
                return usage(item.name + ": invalid port " + quote(v) + ": expected a number from 1 to 65535" +
                             (opt == "port" ? " (or 0 for any free port)" : ""));
            if (opt == "port")
                o.port = *p;
            else
                o.connectPort = *p;
        } else if (opt == "count") {
            const auto n = parseCount(v);
            if (!n || *n == 0 || *n > 0xffffffffu)
                return usage(item.name + ": expected a number of connections (1, 2, ...), got " + quote(v));
            o.count = static_cast<unsigned>(*n);
        } else if (opt == "message") {
            o.message = v;
        } else if (opt == "path") {
            o.path = v;
        } else if (opt == "backend") {
            const auto b = engine::parseBackend(v);
            if (!b)
                return usage(item.name + ": unknown backend " + quote(v) + "; expected select, poll or epoll");
            if (!engine::backendAvailable(*b))
                return usage(item.name + ": " + v + " is not available on this system");
            backend = *b;
        } else if (opt == "timeout") {
            if (v == "0") {
                timeout = 0;  // never
            } else {
                const auto t = parseSeconds(v);
                if (!t)
                    return usage(item.name + ": expected a number of seconds (e.g. 30 or 0.5; 0: never), got " +
                                 quote(v));
                timeout = std::chrono::duration<double>(*t).count();
            }
        }
    }
    if (name.empty())
        return usage("which example? (--list shows them)");
    if (!examples::findExample(name))
        return usage("no example named " + quote(name) + " (--list shows them)");
    if (o.serverOnly && o.connectPort)
        return usage("--server-only and --connect exclude each other");
    if (quiet)
        o.logger = [](std::string_view, std::string_view) {};
    o.print = [out](std::string_view data) {  // a peer's bytes: nothing raw reaches the terminal
        const std::string safe = engine::terminalSafe(data, engine::TerminalText::Multiline);
        std::fwrite(safe.data(), 1, safe.size(), out);
        std::fflush(out);
    };

    std::atomic<bool> stop{false};
    SignalWatcher signals([&stop](int) { stop = true; });
    try {
        engine::Loop map;
        TraceLines tracer(err);
        auto running = examples::startExample(name, map, o);
        const auto ds = running->dispatchers();
        for (std::size_t k = 0; k < ds.size(); ++k)
            tracer.names[ds[k]->id()] = (k == 0 && !o.connectPort) ? "server" : "client";
        if (trace)
            map.setObserver(&tracer);
        if (running->port() != 0) {
            std::fprintf(out, "listening on %s:%u\n", o.host.c_str(), static_cast<unsigned>(running->port()));
            std::fflush(out);
        }
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout);
        while (!running->done() && !stop) {
            if (timeout > 0 && std::chrono::steady_clock::now() >= deadline) {
                std::fprintf(err, "linewright-cli example: timed out after %g s\n", timeout);
                return 1;
            }
            map.poll(0.1, backend);
        }
        map.setObserver(nullptr);
        if (stop)
            return 0;
        return running->ok() ? 0 : 1;
    } catch (const std::exception& e) {
        std::fprintf(err, "linewright-cli example: %s\n", e.what());
        return 1;
    }
}

}  // namespace cli
