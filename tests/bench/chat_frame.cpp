// chat_frame.cpp — lw_chat_frame: async_chat's framing loop alone, without
// sockets or a kernel, in nanoseconds per record.
//
// What it does: an engine::AsyncChat whose rawRecv() copies from a prepared
// stream of terminated lines (64 bytes with "\r\n" by default) instead of a
// socket, so handleRead() runs its real code: one "recv" of acInBufferSize
// bytes, then collect_incoming_data / found_terminator per record. The hooks
// do what linewright-cli's batched echo does with the bytes (--sink echo:
// append the payload and the terminator to one reply buffer per read) or
// only count them (--sink count: what is left is async_chat's own cost).
// The stream is 1 MiB of numbered lines, read round and round (so setting it
// up costs nothing and it stays in cache, as a socket's receive queue does).
// Every byte echoed is checked against it and every record and collected
// byte is counted: a framing that loses, adds or reorders a byte, or misses a
// record, fails the run (exit 1).
// Prints one JSON line; the figure is the median of --repeat runs.
//
//   lw_chat_frame [--records N] [--line B] [--read B] [--terminator crlf|lf|count]
//                 [--sink echo|count] [--stored] [--repeat R]
//
// --stored: the channel calls AsyncChat::useStoredTerminator() (where the
// engine has it), so the loop reads the terminator in place instead of
// calling get_terminator() at each step; refused by an engine without it.
//
// It is a benchmark, not a test: nothing is registered with CTest. Built only
// in the project's tree (it links lw_asyncore); see docs/performance.md.
#include "engine/asyncore/AsyncChat.h"
#include "engine/asyncore/Loop.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace {

struct Options {
    std::size_t records = 5'000'000;
    std::size_t line = 64;       // bytes per record, terminator included
    std::size_t read = 65536;    // acInBufferSize: bytes per "recv"
    std::string terminator = "crlf";
    std::string sink = "echo";
    bool stored = false;
    int repeat = 5;
};

[[noreturn]] void usage(const char* why) {
    std::fprintf(stderr,
                 "lw_chat_frame: %s\n"
                 "usage: lw_chat_frame [--records N] [--line B] [--read B] [--terminator crlf|lf|count]\n"
                 "                     [--sink echo|count] [--stored] [--repeat R]\n",
                 why);
    std::exit(2);
}

std::size_t number(const char* s, const char* name) {
    char* end = nullptr;
    const unsigned long long v = std::strtoull(s, &end, 10);
    if (!end || *end || v == 0 || v > (1ULL << 40)) {
        std::fprintf(stderr, "lw_chat_frame: %s takes a positive number, not '%s'\n", name, s);
        std::exit(2);
    }
    return static_cast<std::size_t>(v);
}

// The framed channel: the stream comes from memory, the hooks from --sink.
class Framer final : public engine::AsyncChat {
public:
    Framer(engine::Loop* loop, const std::string& stream, bool echo, std::string term)
        : AsyncChat(loop), m_stream(stream), m_echo(echo), m_term(std::move(term)) {}

    void collectIncomingData(std::string_view data) override {
        m_collected += data.size();
        if (m_echo) m_out.append(data);
    }
    void foundTerminator() override {
        ++m_records;
        if (m_echo) m_out.append(m_term);
        if (m_count) setTerminator(static_cast<long long>(m_count));  // fixed-size records
    }

    // One "read event": handleRead(), then what the echo would send is checked
    // against the stream and dropped (the buffer is kept, as a reply buffer is).
    bool readOnce() {
        handleRead();
        if (!m_echo) return true;
        bool same = true;
        for (std::size_t i = 0; i < m_out.size();) {
            const std::size_t at = m_checked % m_stream.size();
            const std::size_t n = std::min(m_out.size() - i, m_stream.size() - at);
            same = same && std::memcmp(m_out.data() + i, m_stream.data() + at, n) == 0;
            i += n;
            m_checked += n;
        }
        m_out.clear();
        return same;
    }
    bool done() const noexcept { return m_pos >= m_total; }
    // AsyncChat::useStoredTerminator(), where this engine has it.
    template <class Self>
    static bool storedTerminator(Self& self) {
        if constexpr (requires { self.useStoredTerminator(true); }) {
            self.useStoredTerminator(true);
            return true;
        } else {
            return false;
        }
    }
    void setTotal(std::size_t bytes) { m_total = bytes; }
    std::size_t records() const noexcept { return m_records; }
    std::size_t collected() const noexcept { return m_collected; }
    std::size_t checked() const noexcept { return m_checked; }
    void countRecords(std::size_t n) { m_count = n; }

protected:
    std::size_t rawRecv(void* buf, std::size_t len, std::error_code& ec) override {
        ec.clear();
        // One recv: up to `len` bytes, never past the end of the run, and (like
        // a socket's queue) in at most two pieces where the stream wraps.
        std::size_t n = std::min(len, m_total - m_pos);
        auto* out = static_cast<char*>(buf);
        for (std::size_t done = 0; done < n;) {
            const std::size_t at = (m_pos + done) % m_stream.size();
            const std::size_t k = std::min(n - done, m_stream.size() - at);
            std::memcpy(out + done, m_stream.data() + at, k);
            done += k;
        }
        m_pos += n;
        return n;
    }

private:
    const std::string& m_stream;
    std::size_t m_pos = 0;
    std::size_t m_total = 0;
    bool m_echo;
    std::string m_term;
    std::string m_out;
    std::size_t m_checked = 0;
    std::size_t m_records = 0;
    std::size_t m_collected = 0;
    std::size_t m_count = 0;
};

}  // namespace

int main(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--stored") {
            o.stored = true;
            continue;
        }
        if (a != "--records" && a != "--line" && a != "--read" && a != "--repeat" && a != "--terminator" &&
            a != "--sink")
            usage(("unknown option " + a).c_str());
        if (i + 1 >= argc) usage(("missing value after " + a).c_str());
        const char* v = argv[++i];
        if (a == "--records") o.records = number(v, "--records");
        else if (a == "--line") o.line = number(v, "--line");
        else if (a == "--read") o.read = number(v, "--read");
        else if (a == "--repeat") o.repeat = static_cast<int>(std::min<std::size_t>(number(v, "--repeat"), 100));
        else if (a == "--terminator") o.terminator = v;
        else o.sink = v;
    }
    if (o.terminator != "crlf" && o.terminator != "lf" && o.terminator != "count") usage("bad --terminator");
    if (o.sink != "echo" && o.sink != "count") usage("bad --sink");
    const std::string term = o.terminator == "crlf" ? "\r\n" : o.terminator == "lf" ? "\n" : "";
    if (o.line <= term.size()) usage("--line must be longer than the terminator");
    if (o.line > (std::size_t{1} << 20)) usage("--line must be at most 1 MiB");

    // The stream: 1 MiB (at least one record) of numbered lines of printable
    // bytes, each ending in the terminator; a run reads it round and round.
    const std::size_t cycle = std::max<std::size_t>((std::size_t{1} << 20) / o.line, 1);
    std::string stream;
    stream.reserve(cycle * o.line);
    std::string body(o.line - term.size(), 'x');
    for (std::size_t r = 0; r < cycle; ++r) {
        for (std::size_t k = 0, v = r; k < std::min<std::size_t>(body.size(), 10); ++k, v /= 10)
            body[k] = static_cast<char>('0' + v % 10);
        stream += body;
        stream += term;
    }

    std::vector<double> nsPerRecord;
    for (int run = 0; run < o.repeat; ++run) {
        engine::Loop loop;
        Framer chat(&loop, stream, o.sink == "echo", term);
        chat.acInBufferSize = o.read;
        chat.setTotal(o.records * o.line);
        if (o.stored && !Framer::storedTerminator(chat)) {
            std::fprintf(stderr, "lw_chat_frame: --stored: this engine has no AsyncChat::useStoredTerminator()\n");
            return 2;
        }
        if (o.terminator == "count") {
            chat.countRecords(o.line);
            chat.setTerminator(static_cast<long long>(o.line));
        } else {
            chat.setTerminator(term);
        }
        bool same = true;
        const auto t0 = std::chrono::steady_clock::now();
        while (!chat.done()) same = chat.readOnce() && same;
        const auto t1 = std::chrono::steady_clock::now();
        const bool ok = same && chat.records() == o.records &&
                        chat.collected() == o.records * (o.line - term.size()) &&
                        (o.sink != "echo" || chat.checked() == o.records * o.line);
        if (!ok) {
            std::printf("{\"ok\": false, \"error\": \"framing mismatch: %zu records, %zu bytes collected\"}\n",
                        chat.records(), chat.collected());
            return 1;
        }
        nsPerRecord.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count() /
                              static_cast<double>(o.records));
    }
    std::sort(nsPerRecord.begin(), nsPerRecord.end());
    const double med = nsPerRecord[nsPerRecord.size() / 2];
    std::printf("{\"ok\": true, \"records\": %zu, \"line\": %zu, \"read\": %zu, \"terminator\": \"%s\", "
                "\"sink\": \"%s\", \"stored\": %s, \"repeat\": %d, \"ns_per_record\": %.2f, \"min_ns_per_record\": %.2f, "
                "\"records_per_s\": %.4g}\n",
                o.records, o.line, o.read, o.terminator.c_str(), o.sink.c_str(), o.stored ? "true" : "false", o.repeat, med,
                nsPerRecord.front(), 1e9 / med);
    return 0;
}
