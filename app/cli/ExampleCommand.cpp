// ExampleCommand.cpp — `linewright-cli example NAME`.
#include "app/cli/ExampleCommand.h"

#include "app/cli/HelpFormatter.h"
#include "app/cli/OptionGroups.h"
#include "app/cli/SignalWatcher.h"
#include "app/cli/Values.h"
#include "engine/net/Address.h"
#include "engine/asyncore/Dispatcher.h"
#include "engine/asyncore/Escape.h"
#include "engine/asyncore/Loop.h"
#include "engine/reactor/LoopTracer.h"
#include "examples/ExampleRunner.h"

#include <CLI/CLI.hpp>

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

/// Prints each loop pass as the engine's LoopTracer records it: one line
/// with what each channel answered, what was ready and the hooks in the
/// order they ran; a line for each terminator a hook changed
/// (set_terminator() inside found_terminator()); and a line with every
/// channel as the pass left it (terminator, held-back input, producer fifo,
/// or closed) — what the window's Loop inspector shows.
class TraceLines {
public:
    explicit TraceLines(std::FILE* err) : m_err(err) {}
    std::map<std::uint64_t, std::string> names;

    void print(const engine::LoopTrace& t) const {
        std::string line = "pass " + std::to_string(t.pass) + " [" + std::string(engine::backendName(t.backend)) +
                           "] waited " + std::to_string(t.waitedUs) + " us; asked:";
        for (const auto& p : t.polled)
            line += " " + name(p.channel) + "(" + (p.readable ? "r" : "-") + (p.writable ? "w" : "-") + ")";
        line += "; ready:";
        if (t.ready.empty()) line += " -";
        for (const auto& r : t.ready) line += " " + name(r.channel) + "(" + readyBits(r.bits) + ")";
        line += "; hooks:";
        if (t.dispatched.empty()) line += " -";
        for (const auto& h : t.dispatched) line += " " + name(h.channel) + "." + std::string(engine::hookName(h.hook));
        for (const auto& c : t.terminatorChanges)
            line += "\n  set_terminator in " + name(c.channel) + "." + std::string(engine::hookName(c.hook)) + ": " +
                    safe(c.from.describe()) + " -> " + safe(c.to.describe());
        if (!t.after.empty()) {
            line += "\n  after:";
            for (const auto& a : t.after) {
                line += " " + name(a.channel) + "(";
                if (!a.open) {
                    line += "closed)";
                    continue;
                }
                line += "term " + safe(a.terminator.describe()) + ", in " + std::to_string(a.inBuffered) + " B";
                if (a.inBuffered > 0)
                    line += " '" + safe(engine::renderEscaped(a.held)) + (a.inBuffered > a.held.size() ? "…" : "") + "'";
                line += ", fifo " + std::to_string(a.queuedBytes) + " B/" + std::to_string(a.fifoEntries) + ")";
            }
        }
        std::fprintf(m_err, "%s\n", line.c_str());
    }

private:
    static std::string readyBits(unsigned bits) {
        std::string b;
        if (bits & engine::kReadyIn) b += "in,";
        if (bits & engine::kReadyOut) b += "out,";
        if (bits & engine::kReadyPri) b += "pri,";
        if (bits & engine::kReadyErr) b += "err,";
        if (bits & engine::kReadyHup) b += "hup,";
        if (!b.empty()) b.pop_back();
        return b;
    }
    static std::string safe(std::string_view text) { return engine::terminalSafe(text); }
    std::string name(std::uint64_t id) const {
        const auto it = names.find(id);
        return it != names.end() ? it->second : "#" + std::to_string(id);
    }
    std::FILE* m_err;
};

}  // namespace

CLI::App* addExampleCommand(CLI::App& program, OptionDefiner& d, HelpFormatter& help, ExampleArgs& a) {
    CLI::App* app = program.add_subcommand("example", "run one of the asyncore/asynchat documentation's examples.");
    HelpPage page;
    page.usage = {"example NAME [options]", "example --list"};
    page.description =
        "Runs one of the asyncore/asynchat documentation's examples, written in C++\n"
        "on the engine, on 127.0.0.1 (a server, and a client connected to it).\n"
        "NAME: echo | echo-length | http.\n";
    help.setPage(app, std::move(page));

    d.setGroup("Options");
    d.flag(*app, "--list", "list the examples.", [&a] { a.list = true; });
    const auto port = [](bool zero) {
        return [zero](const std::string& v) {
            return engine::parsePort(v, zero) ? std::string()
                                              : "invalid port " + quote(v) + ": expected a number from 1 to 65535" +
                                                    (zero ? " (or 0 for any free port)" : "");
        };
    };
    d.value(*app, "--port", "N", "the server's port (default 0: any free port).", port(true),
            [&a](const std::string& v) { a.options.port = *engine::parsePort(v, true); });
    d.flag(*app, "--server-only", "start only the server (for clients of your own).",
           [&a] { a.options.serverOnly = true; });
    d.value(
        *app, "--count", "N", "with --server-only: stop after N connections.",
        [](const std::string& v) {
            const auto n = parseCount(v);
            return n && *n != 0 && *n <= 0xffffffffu ? std::string()
                                                     : "expected a number of connections (1, 2, ...), got " + quote(v);
        },
        [&a](const std::string& v) { a.options.count = static_cast<unsigned>(*parseCount(v)); });
    d.value(*app, "--connect", "PORT", "start only the client, against 127.0.0.1:PORT.", port(false),
            [&a](const std::string& v) { a.options.connectPort = *engine::parsePort(v); });
    d.value(*app, "--message", "TEXT", "the echo examples' message (default: the tutorial's).", nullptr,
            [&a](const std::string& v) { a.options.message = v; });
    d.value(*app, "--path", "PATH", "the HTTP client's path (default /).", nullptr,
            [&a](const std::string& v) { a.options.path = v; });
    d.value(*app, "--body", "TEXT",
            "the http example's POST body, sent by a second client beside the GET (default: a small form; "
            "\"\": GET only).",
            nullptr, [&a](const std::string& v) { a.options.body = v; });
    addBackendOption(d, *app, "select | poll | epoll (default select, like asyncore).",
                     [&a](engine::Backend b) { a.backend = b; });
    d.flag(*app, "--trace",
           "each loop pass on stderr: readable/writable, ready, the hooks that ran in order, each terminator "
           "a hook changed, and every channel as the pass left it (after).",
           [&a] { a.trace = true; });
    addQuietOption(d, *app, "no example logging on stderr.", a.quiet);
    d.value(
        *app, "-w,--timeout", "S", "give up after S seconds (default 30; 0: never).",
        [](const std::string& v) {
            return v == "0" || parseSeconds(v) ? std::string()
                                               : "expected a number of seconds (e.g. 30 or 0.5; 0: never), got " +
                                                     quote(v);
        },
        [&a](const std::string& v) {
            a.timeout = v == "0" ? 0.0 : std::chrono::duration<double>(*parseSeconds(v)).count();
        });
    return app;
}

std::string finishExample(const std::vector<std::string>& positionals, ExampleArgs& a) {
    if (positionals.size() > 1)
        return "one example at a time (got " + quote(positionals[0]) + " and " + quote(positionals[1]) + ")";
    if (!positionals.empty()) a.name = positionals[0];
    if (a.list) return {};
    if (a.name.empty()) return "which example? (--list shows them)";
    if (!examples::findExample(a.name)) return "no example named " + quote(a.name) + " (--list shows them)";
    if (a.options.serverOnly && a.options.connectPort) return "--server-only and --connect exclude each other";
    return {};
}

int runExampleCommand(const ExampleArgs& a, std::FILE* out, std::FILE* err) {
    if (a.list) {
        for (const auto& e : examples::allExamples())
            std::fprintf(out, "%-12.*s %.*s\n", static_cast<int>(e.name.size()), e.name.data(),
                         static_cast<int>(e.title.size()), e.title.data());
        return 0;
    }
    examples::ExampleOptions o = a.options;
    const std::string& name = a.name;
    const engine::Backend backend = a.backend;
    const bool trace = a.trace;
    const double timeout = a.timeout;
    if (a.quiet)
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
        engine::LoopTracer recorder(
            map, [](const engine::Dispatcher& d) { return static_cast<engine::ChannelId>(d.id()); },
            [&tracer](engine::LoopTrace&& t) { tracer.print(t); });
        if (trace)
            map.setObserver(&recorder);
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
