// program_frame.cpp — lw_program_frame: what a protocol program costs on
// top of asynchat's framing, side by side on the same bytes, no sockets.
//
// What it does: builds a pipelined redis-like stream of server replies
// (statuses, integers, bulk strings of 8-200 bytes some holding CRLFs,
// arrays of 1-5 bulk strings, nulls), then frames it, in reads of --read
// bytes (64 KiB by default), through asynchat's own handleRead() loop on an
// in-memory transport:
//   crlf    plain CRLF, hooks that only count (what a channel does without a program)
//   empty   a ProgramRunner running a program with no rules (the runner's own cost)
//   redis   the redis preset (resources/presets/redis.lwp)
// and a rule-matching load: 100-byte lines through a program of 50 rules
// (prefix, contains, regex; the last one matches), in messages per second
// on one core. crlf, empty and redis run interleaved, one of each per round.
// Times are the process's CPU time (std::clock), so a loaded
// machine's other programs do not count. Prints one JSON line per case (median of --repeat runs):
// ns per message, MB/s, messages, and for redis its groups. The redis run
// must find every reply the generator wrote as one group (exit 1 if not).
//
//   lw_program_frame [--mb N] [--read B] [--repeat R] [--only CASE]
//
// A benchmark, not a test (docs/performance.md has the figures).
#include "engine/asyncore/FedChat.h"
#include "engine/asyncore/Loop.h"
#include "engine/program/Presets.h"
#include "engine/program/ProgramFramer.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <random>
#include <string>
#include <system_error>
#include <vector>

namespace {


// The CPU time the process spent (it has one thread): on a loaded machine
// the wall clock measures the other programs too.
double cpuSeconds() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

struct Stream {
    std::string bytes;
    std::uint64_t replies = 0;
};

Stream redisReplies(std::size_t target) {
    Stream s;
    std::mt19937 rng(7);
    auto bulk = [&](std::string& out) {
        const std::size_t n = 8 + rng() % 193;
        std::string v(n, 'v');
        for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<char>('a' + rng() % 26);
        if (n > 20 && rng() % 4 == 0) v.replace(n / 2, 2, "\r\n");
        out += "$" + std::to_string(n) + "\r\n" + v + "\r\n";
    };
    while (s.bytes.size() < target) {
        switch (rng() % 6) {
        case 0: s.bytes += "+OK\r\n"; break;
        case 1: s.bytes += ":" + std::to_string(rng() % 100000) + "\r\n"; break;
        case 2:
        case 3: bulk(s.bytes); break;
        case 4: {
            const auto n = static_cast<unsigned>(1 + rng() % 5);
            s.bytes += "*" + std::to_string(n) + "\r\n";
            for (unsigned i = 0; i < n; ++i) bulk(s.bytes);
            break;
        }
        default: s.bytes += "$-1\r\n"; break;
        }
        ++s.replies;
    }
    return s;
}

// asynchat's loop on an in-memory transport, hooks that only count.
class CountingChat final : public engine::FedChat {
public:
    // Reads its terminator in place, as a Channel does (useStoredTerminator).
    explicit CountingChat(engine::Loop* loop) : FedChat(loop) { useStoredTerminator(); }
    std::uint64_t messages = 0;
    std::uint64_t collected = 0;
    void collectIncomingData(std::string_view d) override { collected += d.size(); }
    void foundTerminator() override { ++messages; }
};

struct Result {
    double seconds = 0;
    std::uint64_t messages = 0;
    std::uint64_t groups = 0;
};

Result runCrlf(const std::string& bytes, std::size_t readSize) {
    engine::Loop loop;
    CountingChat chat(&loop);
    chat.acInBufferSize = readSize;
    chat.setTerminator("\r\n");
    const double t0 = cpuSeconds();
    chat.feed(bytes);
    return {cpuSeconds() - t0, chat.messages, 0};
}

Result runProgram(std::shared_ptr<const engine::program::Program> p, const std::string& bytes, std::size_t readSize,
                  bool countGroups) {
    engine::program::ProgramFramer f(std::move(p), engine::program::Sender::Server, 4u << 20, readSize);
    f.setKeepMessages(countGroups);
    const double t0 = cpuSeconds();
    f.feed(bytes);
    const double s = cpuSeconds() - t0;
    Result r{s, f.messageCount(), 0};
    if (countGroups) r.groups = f.messages().empty() ? 0 : f.messages().back().group;
    return r;
}

Result median(std::vector<Result> rs) {
    if (rs.empty()) return {};
    std::sort(rs.begin(), rs.end(), [](const Result& a, const Result& b) { return a.seconds < b.seconds; });
    return rs[rs.size() / 2];
}

void print(const char* name, const Result& r, std::size_t bytes, const char* extra = "") {
    std::printf("{\"case\":\"%s\",\"messages\":%llu,\"bytes\":%zu,\"ns_per_message\":%.1f,\"mb_per_s\":%.1f,"
                "\"messages_per_s\":%.0f%s}\n",
                name, static_cast<unsigned long long>(r.messages), bytes, r.seconds * 1e9 / static_cast<double>(r.messages),
                static_cast<double>(bytes) / r.seconds / 1e6, static_cast<double>(r.messages) / r.seconds, extra);
}

}  // namespace

int main(int argc, char** argv) {
    std::size_t mb = 16, readSize = 65536;
    int repeat = 5;
    std::string only;  // --only crlf|empty|redis|50_rules: that case alone, for a profile
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i];
        const auto v = std::strtoull(argv[i + 1], nullptr, 10);
        if (a == "--mb") mb = v;
        else if (a == "--read") readSize = v;
        else if (a == "--repeat") repeat = static_cast<int>(v);
        else if (a == "--only") only = argv[i + 1];
        else {
            std::fprintf(stderr, "usage: lw_program_frame [--mb N] [--read B] [--repeat R] [--only crlf|empty|redis|50_rules]\n");
            return 2;
        }
    }
    if (!mb || !readSize || repeat < 1) return 2;
    const Stream s = redisReplies(mb << 20);
    std::string error;
    auto redis = engine::program::loadPreset("redis", {}, &error);
    auto empty = engine::program::Program::parse("terminator \"\\r\\n\"\n", "empty.lwp", &error);
    if (!redis || !empty) {
        std::fprintf(stderr, "%s\n", error.c_str());
        return 1;
    }
    auto emptyProgram = std::make_shared<const engine::program::Program>(std::move(*empty));

    // The three cases interleaved, one run of each per round: on a shared
    // machine a load spike then hits all three, not one.
    std::vector<Result> crlfs, nones, resps;
    for (int i = 0; i < repeat; ++i) {
        if (only.empty() || only == "crlf") crlfs.push_back(runCrlf(s.bytes, readSize));
        if (only.empty() || only == "empty") nones.push_back(runProgram(emptyProgram, s.bytes, readSize, false));
        if (only.empty() || only == "redis") resps.push_back(runProgram(redis, s.bytes, readSize, false));
    }
    if (!only.empty() && only != "50_rules") return 0;  // (a profile of one case)
    if (only.empty()) {
        const Result crlf = median(crlfs), none = median(nones), resp = median(resps);
        const Result check = runProgram(redis, s.bytes, readSize, true);
        print("crlf", crlf, s.bytes.size());
        print("empty", none, s.bytes.size());
        char extra[128];
        std::snprintf(extra, sizeof extra, ",\"groups\":%llu,\"replies\":%llu,\"vs_crlf\":%.2f",
                      static_cast<unsigned long long>(check.groups), static_cast<unsigned long long>(s.replies),
                      resp.seconds / crlf.seconds);
        print("redis", resp, s.bytes.size(), extra);
        if (check.groups != s.replies) {
            std::fprintf(stderr, "redis: %llu groups for %llu replies\n", static_cast<unsigned long long>(check.groups),
                         static_cast<unsigned long long>(s.replies));
            return 1;
        }
    }

    // 50 rules over 100-byte lines; the last rule matches every line.
    std::string rules = "terminator \"\\n\"\n";
    for (int i = 0; i < 16; ++i) rules += "rule p" + std::to_string(i) + ": prefix \"CMD" + std::to_string(i) + " \" => mark \"p\"\n";
    for (int i = 0; i < 16; ++i) rules += "rule c" + std::to_string(i) + ": contains \"needle" + std::to_string(i) + "\" => mark \"c\"\n";
    for (int i = 0; i < 17; ++i)
        rules += "rule r" + std::to_string(i) + ": regex \"^GET key" + std::to_string(i) + ":([0-9]+)$\" => reply \"$1\"\n";
    rules += "rule last: regex \"^line ([0-9]+) \" => mark \"line $1\"\n";
    auto many = engine::program::Program::parse(rules, "fifty.lwp", &error);
    if (!many) {
        std::fprintf(stderr, "%s\n", error.c_str());
        return 1;
    }
    auto fifty = std::make_shared<const engine::program::Program>(std::move(*many));
    std::string lines;
    for (std::uint64_t i = 0; lines.size() < (mb << 20) / 4; ++i) {
        std::string l = "line " + std::to_string(i) + " ";
        l.resize(99, 'x');
        lines += l + "\n";
    }
    std::vector<Result> fiftys;
    for (int i = 0; i < repeat; ++i) fiftys.push_back(runProgram(fifty, lines, readSize, false));
    const Result fiftyRules = median(fiftys);
    print("50_rules", fiftyRules, lines.size(), ",\"rules\":50");
    return 0;
}
