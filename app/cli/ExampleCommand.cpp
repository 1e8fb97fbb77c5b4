// ExampleCommand.cpp — `linewright-cli example NAME`.
#include "app/cli/ExampleCommand.h"

#include "app/cli/SignalWatcher.h"
#include "engine/Dispatcher.h"
#include "engine/Loop.h"
#include "examples/ExampleRunner.h"

#include <atomic>
#include <chrono>
#include <exception>
#include <map>
#include <optional>
#include <string>
#include <string_view>

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
    "  --backend NAME     select | poll | epoll (default select, like asyncore)\n"
    "  --trace            one line per loop pass on stderr: readable/writable,\n"
    "                     ready, and the hooks that ran, in order\n"
    "  --quiet            no example logging on stderr\n"
    "  --timeout SECONDS  give up after this long (default 30; 0: never)\n";

bool parsePort(std::string_view s, std::uint16_t& port) {
    if (s.empty() || s.size() > 5)
        return false;
    unsigned v = 0;
    for (char c : s) {
        if (c < '0' || c > '9')
            return false;
        v = v * 10 + static_cast<unsigned>(c - '0');
    }
    if (v > 65535)
        return false;
    port = static_cast<std::uint16_t>(v);
    return true;
}

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
    for (int i = 2; i < argc; ++i) {
        const std::string_view a = argv[i];
        auto value = [&]() -> std::optional<std::string_view> {
            if (i + 1 >= argc)
                return std::nullopt;
            return std::string_view(argv[++i]);
        };
        if (a == "-h" || a == "--help") {
            std::fputs(kUsage, out);
            return 0;
        } else if (a == "--list") {
            for (const auto& e : examples::allExamples())
                std::fprintf(out, "%-12.*s %.*s\n", static_cast<int>(e.name.size()), e.name.data(),
                             static_cast<int>(e.title.size()), e.title.data());
            return 0;
        } else if (a == "--server-only") {
            o.serverOnly = true;
        } else if (a == "--trace") {
            trace = true;
        } else if (a == "--quiet") {
            quiet = true;
        } else if (a == "--port" || a == "--connect") {
            const auto v = value();
            std::uint16_t p = 0;
            if (!v || !parsePort(*v, p))
                return usage(std::string(a) + " needs a port number");
            if (a == "--port")
                o.port = p;
            else
                o.connectPort = p;
        } else if (a == "--count") {
            const auto v = value();
            std::uint16_t n = 0;
            if (!v || !parsePort(*v, n))
                return usage("--count needs a number");
            o.count = n;
        } else if (a == "--message") {
            const auto v = value();
            if (!v)
                return usage("--message needs a value");
            o.message = std::string(*v);
        } else if (a == "--path") {
            const auto v = value();
            if (!v)
                return usage("--path needs a value");
            o.path = std::string(*v);
        } else if (a == "--backend") {
            const auto v = value();
            const auto b = v ? engine::parseBackend(*v) : std::nullopt;
            if (!b || !engine::backendAvailable(*b))
                return usage("--backend needs select, poll or epoll");
            backend = *b;
        } else if (a == "--timeout") {
            const auto v = value();
            try {
                timeout = v ? std::stod(std::string(*v)) : -1;
            } catch (const std::exception&) {
                timeout = -1;
            }
            if (timeout < 0)
                return usage("--timeout needs a number of seconds");
        } else if (!a.empty() && a[0] == '-') {
            return usage("unknown option " + std::string(a));
        } else if (name.empty()) {
            name = std::string(a);
        } else {
            return usage("one example at a time");
        }
    }
    if (name.empty())
        return usage("which example? (--list shows them)");
    if (!examples::findExample(name))
        return usage("no example named \"" + name + "\" (--list shows them)");
    if (o.serverOnly && o.connectPort)
        return usage("--server-only and --connect exclude each other");
    if (quiet)
        o.logger = [](std::string_view, std::string_view) {};
    o.print = [out](std::string_view data) {
        std::fwrite(data.data(), 1, data.size(), out);
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
