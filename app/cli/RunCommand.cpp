// RunCommand.cpp — `linewright-cli run SCRIPT`.
#include "app/cli/RunCommand.h"

#include "app/Version.h"
#include "app/cli/HelpFormatter.h"
#include "app/cli/OptionGroups.h"
#include "app/cli/SignalWatcher.h"
#include "app/cli/ToolCommands.h"
#include "app/cli/Values.h"

#include "engine/asyncore/Escape.h"
#include "engine/capture/EventJson.h"
#include "engine/capture/JsonWriter.h"
#include "engine/capture/OutputFile.h"
#include "engine/capture/SessionRecorder.h"
#include "engine/net/Address.h"
#include "engine/script/Script.h"
#include "engine/script/ScriptRunner.h"

#include <CLI/CLI.hpp>

#include <chrono>
#include <string>

namespace cli {

namespace {

constexpr std::uint64_t kMaxParallel = 10000;
constexpr std::uint64_t kMaxIterations = 100000000;

std::string safe(std::string_view s) { return engine::terminalSafe(s, engine::TerminalText::Line); }

void printFailure(const engine::script::StepFailure& f, std::FILE* err) {
    std::fprintf(err, "linewright-cli: step %zu (line %zu) failed: %s\n", f.step, f.line, safe(f.statement).c_str());
    std::fprintf(err, "  reason:   %s\n", safe(f.reason).c_str());
    if (!f.expected.empty()) std::fprintf(err, "  expected: %s\n", safe(f.expected).c_str());
    if (!f.got.empty()) std::fprintf(err, "  got:      %s\n", safe(f.got).c_str());
    std::fprintf(err, "  waited:   %.1f ms\n", f.waitedMs);
    std::fflush(err);
}

/// The failure, if there was one, as the object `key` of the object `o` writes.
void jsonFailure(engine::JsonObjectWriter& o, std::string_view key,
                 const std::optional<engine::script::StepFailure>& failure) {
    if (!failure) return;
    o.key(key);
    engine::JsonObjectWriter f(o.raw());
    f.unum("step", failure->step);
    f.unum("line", failure->line);
    f.str("statement", failure->statement);
    f.str("reason", failure->reason);
    f.str("expected", failure->expected);
    f.str("got", failure->got);
    f.num("waited_us", static_cast<std::int64_t>(failure->waitedMs * 1000));
    f.end();
}

}  // namespace

CLI::App* addRunCommand(CLI::App& program, OptionDefiner& d, HelpFormatter& help, RunArgs& a) {
    CLI::App* app = program.add_subcommand("run", "run a conversation script (send/expect) against a server.");
    HelpPage page;
    page.usage = {"run SCRIPT [--to HOST:PORT] [--json] [--timeout S]",
                  "run SCRIPT --parallel N --iterations M [--to HOST:PORT]"};
    page.description =
        "Runs a conversation script: connect, send, expect (exact, prefix, regex with\n"
        "captures), terminators and presets, wait, repeat, set, assert, close. The\n"
        "format is in docs/scripts.md.\n"
        "\n"
        "Exit status: 0 every step passed; 1 a step failed (its report on stderr:\n"
        "step, line, expected, got, waited) or a load iteration failed; 2 a bad\n"
        "script (FILE:LINE: what is wrong) or a bad option.\n";
    page.footer =
        "Examples:\n"
        "  linewright-cli run examples/scripts/redis.lws --to 127.0.0.1:6379\n"
        "  linewright-cli run examples/scripts/redis.lws --parallel 100 --iterations 100\n";
    help.setPage(app, std::move(page));

    d.setGroup("Options");
    addToOption(d, *app, "connect here instead of where the script's connect says.", a.toHost, a.toPort);
    addJsonOption(d, *app, "one JSON object per passed step on stdout, then the result (or the failure).", a.json);
    addQuietOption(d, *app, "no line per passed step; the result line and failures still print.", a.quiet);
    d.value(*app, "--record", "FILE",
            "write the run as a session file (replay, export --pcapng for Wireshark, script; not with a load).",
            checkFileName,
            [&a](const std::string& v) { a.record = v; });
    d.flag(*app, "--force", "let --record overwrite an existing file (never through a symbolic link).",
           [&a] { a.force = true; });
    addTimeoutOption(d, *app, "how long an expect or a connect waits, until the script's own `timeout` (default 5).",
                     [&a](std::chrono::milliseconds t, const std::string&) { a.timeoutMs = t.count(); });
    const auto count = [](std::uint64_t max) {
        return [max](const std::string& v) {
            const auto n = parseCount(v);
            return n && *n >= 1 && *n <= max
                       ? std::string()
                       : "expected a number from 1 to " + std::to_string(max) + ", got " + quote(v);
        };
    };
    d.setGroup("Load");
    d.value(*app, "--parallel", "N", "run the script on N connections at once (default 1).", count(kMaxParallel),
            [&a](const std::string& v) {
                a.parallel = static_cast<std::size_t>(*parseCount(v));
                a.load = true;
            });
    d.value(*app, "--iterations", "M", "each connection runs the script M times (default 1).", count(kMaxIterations),
            [&a](const std::string& v) {
                a.iterations = static_cast<std::size_t>(*parseCount(v));
                a.load = true;
            });
    addBackendOption(d, *app, "select | poll | epoll (default: epoll where available, else poll).",
                     [&a](engine::Backend b) { a.backend = b; });
    return app;
}

std::string finishRun(const std::vector<std::string>& positionals, RunArgs& a) {
    if (positionals.empty()) return "which script? (run SCRIPT; docs/scripts.md describes the format)";
    if (positionals.size() > 1)
        return "one script at a time (got " + quote(positionals[0]) + " and " + quote(positionals[1]) + ")";
    a.script = positionals[0];
    if (a.load && !a.record.empty()) return "--record records one run, not a load (--parallel/--iterations)";
    return {};
}

int runRunCommand(const RunArgs& a, std::FILE* out, std::FILE* err) {
    std::string why;
    const auto script = engine::script::Script::load(a.script, &why);
    if (!script) {
        std::fprintf(err, "linewright-cli: %s\n", safe(why).c_str());
        return 2;
    }
    engine::script::RunOptions o;
    o.host = a.toHost;
    o.port = a.toPort;
    o.defaultTimeoutMs = a.timeoutMs;
    o.backend = a.backend;
    std::atomic<bool> stop{false};
    SignalWatcher signals([&stop](int) { stop = true; });  // Ctrl-C: the step running fails as "interrupted"
    o.cancel = &stop;
    std::vector<engine::Event> events;
    if (!a.record.empty()) {
        // Made (or refused) before the run, as connect --record does: exit 2.
        std::string recordError;
        std::FILE* f = engine::openForWriting(a.record, outputFile(a.force), &recordError);
        if (!f) {
            std::fprintf(err, "linewright-cli: --record: %s\n", safe(outputError(recordError)).c_str());
            return 2;
        }
        std::fclose(f);
        o.record = &events;
    }
    engine::script::ScriptRunner runner(*script, o);

    if (a.load) {
        const auto r = runner.runLoad(a.parallel, a.iterations);
        using R = engine::script::ScriptRunner;
        const double secs = r.elapsedMs / 1000.0;
        const double itPerS = secs > 0 ? static_cast<double>(r.iterationsPassed + r.iterationsFailed) / secs : 0;
        const double exPerS = secs > 0 ? static_cast<double>(r.expects) / secs : 0;
        if (a.json) {
            std::string line;
            engine::JsonObjectWriter j(line);
            j.str("result", r.iterationsFailed ? "failed" : "passed");
            j.unum("parallel", a.parallel);
            j.unum("iterations", a.iterations);
            j.unum("passed", r.iterationsPassed);
            j.unum("failed", r.iterationsFailed);
            j.num("elapsed_us", static_cast<std::int64_t>(r.elapsedMs * 1000));
            j.unum("expects", r.expects);
            j.num("expects_per_s", static_cast<std::int64_t>(exPerS));
            j.unum("p50_us", R::percentile(r.expectUs, 50));
            j.unum("p90_us", R::percentile(r.expectUs, 90));
            j.unum("p99_us", R::percentile(r.expectUs, 99));
            j.unum("max_us", r.expectUs.empty() ? 0 : r.expectUs.back());
            jsonFailure(j, "first_failure", r.firstFailure);
            j.end();
            std::fprintf(out, "%s\n", line.c_str());
        } else {
            std::fprintf(out, "%zu connections x %zu iterations: %llu passed, %llu failed in %.3f s\n", a.parallel,
                         a.iterations, static_cast<unsigned long long>(r.iterationsPassed),
                         static_cast<unsigned long long>(r.iterationsFailed), secs);
            std::fprintf(out, "throughput: %.0f iterations/s, %.0f expects/s\n", itPerS, exPerS);
            std::fprintf(out, "expect latency: p50 %.3f ms  p90 %.3f ms  p99 %.3f ms  max %.3f ms\n",
                         R::percentile(r.expectUs, 50) / 1000.0, R::percentile(r.expectUs, 90) / 1000.0,
                         R::percentile(r.expectUs, 99) / 1000.0,
                         (r.expectUs.empty() ? 0 : r.expectUs.back()) / 1000.0);
        }
        std::fflush(out);
        if (r.firstFailure) {
            std::fprintf(err, "linewright-cli: %llu iteration(s) failed; the first:\n",
                         static_cast<unsigned long long>(r.iterationsFailed));
            printFailure(*r.firstFailure, err);
        }
        return r.iterationsFailed ? 1 : 0;
    }

    const auto onStep = [&](const engine::script::StepDone& s) {
        if (a.quiet) return;
        if (a.json) {
            std::string line;
            engine::JsonObjectWriter j(line);
            j.str("status", "passed");
            j.unum("step", s.step);
            j.unum("line", s.line);
            j.str("statement", s.statement->source);
            j.num("us", static_cast<std::int64_t>(s.ms * 1000));
            if (!s.detail.empty())
                j.str(s.statement->kind == engine::script::Step::Kind::Connect    ? "connected"
                      : s.statement->kind == engine::script::Step::Kind::StartTls ? "tls"
                                                                                   : "matched",
                      s.detail);
            j.end();
            std::fprintf(out, "%s\n", line.c_str());
        } else {
            std::fprintf(out, "ok   line %-4zu %-50s %8.3f ms%s%s\n", s.line,
                         safe(engine::script::describeStep(*s.statement)).c_str(), s.ms, s.detail.empty() ? "" : "  ",
                         safe(s.detail).c_str());
        }
        std::fflush(out);
    };
    const auto r = runner.run(onStep);
    bool recorded = true;
    if (!a.record.empty()) {
        const auto header = engine::eventjson::makeHeader("linewright-cli", lw::kVersion, r.startedAt,
                                                          std::string(engine::backendName(a.backend)), "full");
        std::string recordError;
        recorded = engine::SessionRecorder::writeFile(a.record, header, events, &recordError, outputFile(true));
        if (!recorded) std::fprintf(err, "linewright-cli: --record: %s\n", safe(outputError(recordError)).c_str());
    }
    if (a.json) {
        std::string line;
        engine::JsonObjectWriter j(line);
        j.str("result", r.passed ? "passed" : "failed");
        j.unum("steps", r.stepsRun);
        j.num("elapsed_us", static_cast<std::int64_t>(r.elapsedMs * 1000));
        j.unum("bytes_sent", r.bytesSent);
        j.unum("bytes_received", r.bytesReceived);
        jsonFailure(j, "failure", r.failure);
        j.end();
        std::fprintf(out, "%s\n", line.c_str());
    } else if (r.passed) {
        std::fprintf(out, "passed: %llu steps in %.1f ms\n", static_cast<unsigned long long>(r.stepsRun), r.elapsedMs);
    }
    std::fflush(out);
    if (r.failure) printFailure(*r.failure, err);
    return r.passed && recorded ? 0 : 1;
}

}  // namespace cli
