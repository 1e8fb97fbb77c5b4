// lw_ui_flood.cpp — the GUI flood benchmark (docs/performance.md, "GUI flood").
//
// Measures the GUI targets with the real data layer and a real
// QTableView (fixed row height, no resizeColumnsToContents) shown in an
// offscreen window:
//
//  1. Log: 1,000,000 events with 64-byte payloads (synthesized collect
//     events, appended in batches of 3,000 as the bridge appends drains)
//     a. memory: VmRSS growth from before the store existed (< 400 MB);
//     b. scroll: scrollTo() a random row + a forced, synchronous repaint,
//        each timed (< 50 ms, worst case);
//     c. filter: setFilter() with a text matching 5 % of the rows, timed
//        until filterApplied (< 1 s).
//  2. Flood: 100,000 events/s for 10 s through the real EngineBridge: a
//     Reactor server (terminator \r\n, event level full) and a raw loopback
//     client thread sending paced 64-byte lines, 50,000 lines/s (each line is
//     a collect + a found_terminator event). The view follows the end of the
//     log as it grows. UiLatencyMonitor measures the worst event-loop delay
//     (< 100 ms).
//
//  3. Bursts (--bursts all,periodic,channels), each in a real MainWindow
//     (1400x880, listening, recording as the GUI does unless --no-record):
//     all: 200,000 lines from one client as fast as loopback takes them;
//     periodic: bursts of 50,000 lines every second (250,000 lines);
//     channels: 10 clients at once, 20,000 lines each. Measured from the
//     first byte until every line is framed: the worst event-loop delay and
//     the worst time from a key press in the composer to its repaint (a
//     press every 100 ms) — both < 100 ms. (--skip-log --skip-flood for
//     the bursts alone.)
//
//  4. UDP (--udp): a bound UDP channel of a real MainWindow (1400x880,
//     listening as Listen… ▸ UDP does, recording as the GUI does unless
//     --no-record) takes 64-byte datagrams at --udp-rate datagrams/s (default
//     100,000) for --seconds from a sender thread (sendmmsg, paced every
//     millisecond). The worst event-loop delay and key-press-to-repaint (<
//     100 ms), and the count: every datagram the kernel delivered to the
//     socket (sent minus the socket's drop counter in /proc/net/udp) is one
//     message in the window (none lost after delivery).
//
//  5. Load (--load EVENTS): that many events handed to a shown MainWindow as
//     a session file's are (EngineBridge::loadOffline): the time until
//     loaded() and the worst event-loop delay meanwhile (a figure, no target).
//
// Prints a table with PASS / FAIL per target; exits 1 if one fails.
// Usage: lw_ui_flood [--rate EVENTS_PER_S] [--seconds S] [--rows N]
//                    [--scrolls N] [--skip-log] [--skip-flood]
//                    [--flood-messages] [--flood-filter TEXT] [--record FILE]
//                    [--bursts all,periodic,channels] [--no-record]
//                    [--load EVENTS] [--udp] [--udp-rate DATAGRAMS_PER_S]
// (--flood-messages / --flood-filter: the view shows messages / a filtered
// log during the flood; --record: the flood is recorded to FILE by a
// SessionCapture, as the GUI records every session).
// Build it optimised (CMAKE_BUILD_TYPE Release or RelWithDebInfo): the
// figures of an -O0 tree say nothing.
#include "ui/model/EngineBridge.h"
#include "ui/model/EventLogModel.h"
#include "ui/model/EventLogStore.h"
#include "ui/session/SessionCapture.h"
#include "ui/model/UiLatencyMonitor.h"
#include "ui/MainWindow.h"
#include "ui/views/ConversationView.h"
#include "ui/model/ChannelModel.h"
#include "ui/model/ChannelParams.h"
#include "ui/views/Composer.h"
#include "ui/views/EscapeEdit.h"

#include <QStatusBar>
#include <QApplication>
#include <QElapsedTimer>
#include <QEvent>
#include <QEventLoop>
#include <QHeaderView>
#include <QKeyEvent>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QTableView>
#include <QTimer>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
    double rate = 100000;      // events/s offered in the flood
    double seconds = 10;
    std::size_t rows = 1000000;
    int scrolls = 200;
    bool log = true;
    bool flood = true;
    bool floodMessages = false;  // the view in messages mode during the flood
    QString floodFilter;         // a text filter active during the flood
    QString record;              // record the flood to this file
    QStringList bursts;          // burst patterns to run in a MainWindow: all, periodic, channels
    bool noRecord = false;       // the burst windows do not record
    std::size_t load = 0;        // events to load as a session file's (0: not measured)
    bool udp = false;            // the UDP flood into a window
    double udpRate = 100000;     // datagrams/s of the UDP flood
};

struct Result {
    std::string target;
    std::string measured;
    std::string limit;
    bool pass = true;
    bool isTarget = true;
};
std::vector<Result> g_results;

void report(std::string target, std::string measured, std::string limit, bool pass) {
    g_results.push_back({std::move(target), std::move(measured), std::move(limit), pass, true});
}
void info(std::string what, std::string measured) {
    g_results.push_back({std::move(what), std::move(measured), "", true, false});
}

/// `v` with `decimals` decimals.
std::string num(double v, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

/// CPU time of the calling thread, in ms (separates our cost from being
/// preempted on a busy machine).
double threadCpuMs() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

/// VmRSS of this process, in KiB.
long rssKb() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
    return -1;
}

/// Runs the event loop until `pred()` or `timeoutMs`. Returns pred().
bool runUntil(const std::function<bool()>& pred, int timeoutMs) {
    QElapsedTimer t;
    t.start();
    while (!pred() && t.elapsed() < timeoutMs) {
        QEventLoop loop;
        QTimer::singleShot(5, &loop, &QEventLoop::quit);
        loop.exec();
    }
    return pred();
}

/// Runs the event loop for `ms`.
void runFor(int ms) {
    QEventLoop loop;
    QTimer::singleShot(ms, &loop, &QEventLoop::quit);
    loop.exec();
}

/// Runs the event loop until `store` holds the Listening event of `server`
/// (10 s at most): the port it listens on, or 0.
std::uint16_t listeningPort(const ui::EventLogStore& store, engine::ChannelId server) {
    std::uint16_t port = 0;
    runUntil(
        [&] {
            for (std::size_t i = 0; i < store.size(); ++i)
                if (store.record(i).kind == engine::EventKind::Listening && store.record(i).channel == server)
                    port = static_cast<std::uint16_t>(store.record(i).size);
            return port != 0;
        },
        10000);
    return port;
}

/// Counts paint events of a widget (and when they came).
class PaintCounter : public QObject {
public:
    PaintCounter() { m_clock.start(); }
    int paints = 0;
    bool eventFilter(QObject* o, QEvent* e) override {
        if (e->type() == QEvent::Paint) {
            ++paints;
            m_at.push_back(m_clock.elapsed());
        }
        return QObject::eventFilter(o, e);
    }
    /// The most paints within any `windowMs` (the peak rate while busy).
    int peakIn(qint64 windowMs) const {
        int best = 0;
        std::size_t lo = 0;
        for (std::size_t hi = 0; hi < m_at.size(); ++hi) {
            while (m_at[hi] - m_at[lo] >= windowMs) ++lo;
            best = std::max(best, static_cast<int>(hi - lo + 1));
        }
        return best;
    }

private:
    QElapsedTimer m_clock;
    std::vector<qint64> m_at;
};

void setUpView(QTableView& view) {
    view.resize(1280, 800);
    view.verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    view.verticalHeader()->setDefaultSectionSize(20);
    view.verticalHeader()->hide();
    view.horizontalHeader()->setStretchLastSection(true);
    view.setSelectionBehavior(QAbstractItemView::SelectRows);
    view.setWordWrap(false);
    view.setHorizontalScrollMode(QAbstractItemView::ScrollPerPixel);
    view.show();
}

void setColumnWidths(QTableView& view) {
    view.setColumnWidth(ui::EventLogModel::ColTime, 130);
    view.setColumnWidth(ui::EventLogModel::ColDelta, 90);
    view.setColumnWidth(ui::EventLogModel::ColChannel, 70);
    view.setColumnWidth(ui::EventLogModel::ColDirection, 40);
    view.setColumnWidth(ui::EventLogModel::ColMethod, 170);
    view.setColumnWidth(ui::EventLogModel::ColSize, 60);
}

/// A 64-byte line: "line 0000042 tag x05 " padded, then \r\n.
std::string payload(std::uint64_t i) {
    char head[32];
    std::snprintf(head, sizeof head, "line %07llu tag x%02u ", static_cast<unsigned long long>(i),
                  static_cast<unsigned>(i % 20));
    std::string s(head);
    s.resize(62, 'p');
    s += "\r\n";
    return s;
}

// --- 1. The million-event log ------------------------------------------------------------

void logBenchmark(const Options& o, QTableView& view) {
    std::printf("log: %zu events with 64-byte payloads…\n", o.rows);
    std::fflush(stdout);
    const long rss0 = rssKb();
    auto store = std::make_unique<ui::EventLogStore>();
    auto model = std::make_unique<ui::EventLogModel>(store.get());
    view.setModel(model.get());
    setColumnWidths(view);

    QElapsedTimer ingest;
    ingest.start();
    constexpr std::size_t kBatch = 3000;
    std::vector<engine::Event> batch;
    std::uint64_t seq = 0;
    for (std::size_t done = 0; done < o.rows;) {
        const std::size_t n = std::min(kBatch, o.rows - done);
        batch.clear();
        batch.reserve(n);
        for (std::size_t i = 0; i < n; ++i) {
            engine::Event& e = batch.emplace_back();
            e.seq = ++seq;
            e.tUs = static_cast<std::int64_t>(seq) * 10;  // 100,000 events/s
            e.kind = engine::EventKind::Collect;
            e.channel = static_cast<engine::ChannelId>(1 + seq % 8);
            e.data = payload(seq - 1);
            e.size = static_cast<std::int64_t>(e.data.size());
        }
        store->append(batch);
        model->appendFromStore();
        done += n;
        if ((done / kBatch) % 10 == 0) QCoreApplication::processEvents();
    }
    QCoreApplication::processEvents();
    const double ingestMs = static_cast<double>(ingest.nsecsElapsed()) / 1e6;
    const long rss1 = rssKb();
    info("log: ingest " + std::to_string(o.rows) + " events (store + model + view)",
         num(ingestMs, 0) + " ms (" + num(static_cast<double>(o.rows) / ingestMs / 1000.0, 2) + " M events/s)");

    // b. Scrolling.
    std::mt19937_64 rng(42);
    std::uniform_int_distribution<int> pick(0, model->rowCount() - 1);
    std::vector<double> scrollMs;
    std::vector<double> jumpMs;
    std::vector<double> cpuMs;  // GUI-thread CPU time of each of the above
    int wrong = 0;
    QScrollBar* bar = view.verticalScrollBar();
    for (int i = 0; i < o.scrolls; ++i) {
        const int row = pick(rng);
        QElapsedTimer t;
        double cpu = threadCpuMs();
        t.start();
        view.scrollTo(model->index(row, ui::EventLogModel::ColData), QAbstractItemView::PositionAtCenter);
        view.viewport()->repaint();
        scrollMs.push_back(static_cast<double>(t.nsecsElapsed()) / 1e6);
        cpuMs.push_back(threadCpuMs() - cpu);
        const int shown = view.indexAt(view.viewport()->rect().center()).row();
        if (std::abs(shown - row) > 1) ++wrong;
        // The same through the scroll bar (dragging the thumb).
        cpu = threadCpuMs();
        t.restart();
        bar->setValue(std::uniform_int_distribution<int>(bar->minimum(), bar->maximum())(rng));
        view.viewport()->repaint();
        jumpMs.push_back(static_cast<double>(t.nsecsElapsed()) / 1e6);
        cpuMs.push_back(threadCpuMs() - cpu);
    }
    const long rss2 = rssKb();
    std::sort(scrollMs.begin(), scrollMs.end());
    std::sort(jumpMs.begin(), jumpMs.end());
    std::sort(cpuMs.begin(), cpuMs.end());
    const auto pct = [](const std::vector<double>& v, double p) {
        return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
    };
    const double worstScroll = std::max(scrollMs.back(), jumpMs.back());
    report("log: scrollTo(random row) + repaint, worst of " + std::to_string(o.scrolls * 2),
           num(worstScroll, 2) + " ms", "< 50 ms", worstScroll < 50.0 && wrong == 0);
    info("log: scrollTo + repaint, median / p95 / max",
         num(pct(scrollMs, 0.5), 2) + " / " + num(pct(scrollMs, 0.95), 2) + " / " + num(scrollMs.back(), 2) + " ms");
    info("log: scroll bar jump + repaint, median / p95 / max",
         num(pct(jumpMs, 0.5), 2) + " / " + num(pct(jumpMs, 0.95), 2) + " / " + num(jumpMs.back(), 2) + " ms");
    info("log: GUI-thread CPU time per scroll, median / p95 / max",
         num(pct(cpuMs, 0.5), 2) + " / " + num(pct(cpuMs, 0.95), 2) + " / " + num(cpuMs.back(), 2) + " ms");
    if (wrong) info("log: scrollTo landed on the wrong row", std::to_string(wrong) + " times");

    // a. Memory.
    const double mb = static_cast<double>(std::max(rss1, rss2) - rss0) / 1024.0;
    report("log: memory, VmRSS growth for " + std::to_string(o.rows) + " events", num(mb, 0) + " MB", "< 400 MB",
           mb < 400.0);
    info("log: EventLogStore::memoryBytes()", num(static_cast<double>(store->memoryBytes()) / 1048576.0, 0) + " MB");

    // Search (F3): the whole log, no match.
    {
        QElapsedTimer t;
        t.start();
        const int found = model->findNext(QStringLiteral("no such text"), -1, false, false);
        info("log: findNext through every row (no match)",
             num(static_cast<double>(t.nsecsElapsed()) / 1e6, 0) + " ms" + (found < 0 ? "" : " (found?!)"));
    }

    // c. Filtering.
    const auto applyFilter = [&](const ui::EventFilter& f, qint64& modelMs, qsizetype& matches, double& uiWorst) {
        ui::UiLatencyMonitor monitor;
        bool done = false;
        const QMetaObject::Connection c =
            QObject::connect(model.get(), &ui::EventLogModel::filterApplied, [&](qint64 ms, qsizetype n) {
                modelMs = ms;
                matches = n;
                done = true;
            });
        QElapsedTimer t;
        t.start();
        model->setFilter(f);
        runUntil([&] { return done; }, 60000);
        const double wall = static_cast<double>(t.nsecsElapsed()) / 1e6;
        view.viewport()->repaint();
        QObject::disconnect(c);
        uiWorst = static_cast<double>(monitor.worstEverMs());
        return wall;
    };
    ui::EventFilter f;
    f.text = QStringLiteral("tag x05");
    qint64 modelMs = 0;
    qsizetype matches = 0;
    double uiWorst = 0;
    const double filterMs = applyFilter(f, modelMs, matches, uiWorst);
    const auto expected = static_cast<qsizetype>(o.rows / 20 + (o.rows % 20 > 5 ? 1 : 0));
    report("log: text filter (5 % match) until filterApplied", num(filterMs, 0) + " ms", "< 1000 ms",
           filterMs < 1000.0 && matches == expected);
    info("log: filter matches (expected " + std::to_string(expected) + ")",
         std::to_string(matches) + ", UI worst delay meanwhile " + num(uiWorst, 0) + " ms");
    ui::EventFilter cs = f;
    cs.caseSensitive = true;
    cs.text = QStringLiteral("TAG");
    const double csMs = applyFilter(cs, modelMs, matches, uiWorst);
    info("log: case-sensitive filter, no match", num(csMs, 0) + " ms (" + std::to_string(matches) + " rows)");
    ui::EventFilter ch;
    ch.channels = {3};
    const double chMs = applyFilter(ch, modelMs, matches, uiWorst);
    info("log: channel filter (1 of 8)", num(chMs, 0) + " ms (" + std::to_string(matches) + " rows)");
    const double clearMs = applyFilter(ui::EventFilter{}, modelMs, matches, uiWorst);
    info("log: clearing the filter", num(clearMs, 1) + " ms");

    view.setModel(nullptr);
}

// --- 2. The flood ------------------------------------------------------------------------

/// What both senders (LineSender, DatagramSender) stand on: a socket
/// connected to 127.0.0.1:port (connect()) and the thread that sends on it
/// (start()), which sets `done` when it ends. When it goes it joins the
/// thread, then closes the socket: declared last in its owner, it goes
/// before what the thread uses.
class LoopbackSending {
public:
    LoopbackSending() = default;
    ~LoopbackSending() {
        if (m_thread.joinable()) m_thread.join();
        if (fd >= 0) ::close(fd);
    }
    LoopbackSending(const LoopbackSending&) = delete;
    LoopbackSending& operator=(const LoopbackSending&) = delete;
    /// A socket of `type`, its option `name` (at `level`) set to `value`,
    /// connected to 127.0.0.1:port.
    bool connect(int type, std::uint16_t port, int level, int name, int value) {
        fd = ::socket(AF_INET, type, 0);
        if (fd < 0) return false;
        ::setsockopt(fd, level, name, &value, sizeof value);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        return ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    }
    template <class Run>
    void start(Run run) { m_thread = std::thread(std::move(run)); }
    bool finished() const { return done.load(std::memory_order_acquire); }

    int fd = -1;
    std::atomic<bool> done{false};

private:
    std::thread m_thread;
};

/// How a LineSender paces its lines: `linesPerSec` > 0 — steadily at that
/// rate for `seconds`; else `lines` lines as fast as loopback takes them, in
/// bursts of `burstLines` every `periodMs` (burstLines 0: all at once).
struct SendPlan {
    std::uint64_t lines = 0;
    std::uint64_t burstLines = 0;
    int periodMs = 0;
    double linesPerSec = 0;
    double seconds = 0;
};

/// Sends 64-byte lines (payload()) to 127.0.0.1:port from a thread of its
/// own, paced by a SendPlan: the one sender loop of the flood and of every
/// burst pattern.
class LineSender {
public:
    LineSender(std::uint16_t port, const SendPlan& plan) : m_port(port), m_plan(plan) {
        if (m_plan.burstLines == 0) m_plan.burstLines = m_plan.lines;
    }
    bool connect() { return m_io.connect(SOCK_STREAM, m_port, IPPROTO_TCP, TCP_NODELAY, 1); }
    void start() { m_io.start([this] { run(); }); }
    bool finished() const { return m_io.finished(); }
    std::uint64_t linesSent() const { return m_sent.load(std::memory_order_acquire); }
    double elapsedSeconds() const { return m_elapsed.load(std::memory_order_acquire); }

private:
    bool paced() const { return m_plan.linesPerSec > 0; }
    /// Lines the plan has sent by `t` seconds after the start.
    std::uint64_t due(double t) const {
        if (paced()) return static_cast<std::uint64_t>(t * m_plan.linesPerSec);
        if (m_plan.periodMs <= 0) return m_plan.lines;
        const auto bursts = static_cast<std::uint64_t>(t * 1000.0 / m_plan.periodMs) + 1;
        return std::min(m_plan.lines, bursts * m_plan.burstLines);
    }
    /// When the plan sends more after `sent` lines.
    Clock::time_point nextAt(Clock::time_point start, std::uint64_t sent) const {
        if (paced()) return Clock::now() + std::chrono::microseconds(200);
        return start + std::chrono::milliseconds(static_cast<std::int64_t>(sent / m_plan.burstLines) * m_plan.periodMs);
    }
    bool finishedAt(Clock::time_point now, Clock::time_point end, std::uint64_t sent) const {
        return paced() ? now >= end : sent >= m_plan.lines;
    }

    void run() {
        const auto start = Clock::now();
        const auto end = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(m_plan.seconds));
        std::uint64_t sent = 0;
        std::string buf;
        for (auto now = start; !finishedAt(now, end, sent); now = Clock::now()) {
            const std::uint64_t target = due(std::chrono::duration<double>(now - start).count());
            if (target <= sent) {
                std::this_thread::sleep_until(nextAt(start, sent));
                continue;
            }
            const std::uint64_t n = std::min<std::uint64_t>(target - sent, 4096);
            buf.clear();
            for (std::uint64_t i = 0; i < n; ++i) buf += payload(sent + i);
            std::size_t off = 0;
            while (off < buf.size()) {
                const ssize_t w = ::send(m_io.fd, buf.data() + off, buf.size() - off, MSG_NOSIGNAL);
                if (w <= 0) {
                    m_io.done.store(true, std::memory_order_release);
                    return;
                }
                off += static_cast<std::size_t>(w);
            }
            sent += n;
            m_sent.store(sent, std::memory_order_release);
        }
        m_elapsed.store(std::chrono::duration<double>(Clock::now() - start).count(), std::memory_order_release);
        m_io.done.store(true, std::memory_order_release);
    }

    std::uint16_t m_port;
    SendPlan m_plan;
    std::atomic<std::uint64_t> m_sent{0};
    std::atomic<double> m_elapsed{0.0};
    LoopbackSending m_io;  // last: it joins the thread first
};

void floodBenchmark(const Options& o, QTableView& view) {
    std::printf("flood: %.0f events/s for %.0f s through EngineBridge…\n", o.rate, o.seconds);
    std::fflush(stdout);
    ui::EngineBridge bridge;
    std::unique_ptr<ui::SessionCapture> capture;
    if (!o.record.isEmpty()) {
        capture = std::make_unique<ui::SessionCapture>(&bridge, true);
        capture->setPath(o.record);
        std::printf("flood: recorded to %s\n", qPrintable(o.record));
    }
    view.setModel(bridge.eventModel());
    setColumnWidths(view);
    if (o.floodMessages) bridge.eventModel()->setMode(ui::EventLogModel::Mode::Messages);
    if (!o.floodFilter.isEmpty()) {
        ui::EventFilter f;
        f.text = o.floodFilter;
        bridge.eventModel()->setFilter(f);
    }
    std::printf("flood: the view shows %s%s\n", o.floodMessages ? "messages" : "events",
                o.floodFilter.isEmpty() ? "" : qPrintable(QStringLiteral(", filtered by \"%1\"").arg(o.floodFilter)));
    engine::ChannelOptions opts;
    opts.terminator = engine::Terminator::bytes("\r\n");
    const engine::ChannelId server = bridge.openServer(QStringLiteral("127.0.0.1"), 0, opts);
    const std::uint16_t port = listeningPort(bridge.store(), server);
    if (!port) {
        report("flood: server listening", "no", "yes", false);
        return;
    }
    SendPlan plan;
    plan.linesPerSec = o.rate / 2.0;  // 2 events per line
    plan.seconds = o.seconds;
    LineSender client(port, plan);
    if (!client.connect()) {
        report("flood: client connected", "no", "yes", false);
        return;
    }
    runUntil([&] { return bridge.channelModel()->openChannels() >= 2; }, 10000);

    // Follow the end of the log, as a live view does.
    QObject::connect(&bridge, &ui::EngineBridge::eventsAppended, &view, [&view] { view.scrollToBottom(); });
    PaintCounter paints;
    view.viewport()->installEventFilter(&paints);
    std::uint64_t batches = 0;
    QObject::connect(&bridge, &ui::EngineBridge::eventsAppended, &view, [&batches] { ++batches; });

    const std::size_t before = bridge.store().size();
    const long rss0 = rssKb();
    ui::UiLatencyMonitor monitor;
    std::vector<qint64> perSecond;
    QObject::connect(&monitor, &ui::UiLatencyMonitor::updated, &view, [&perSecond](qint64 w) { perSecond.push_back(w); });
    QElapsedTimer wall;
    const double cpu0 = threadCpuMs();
    wall.start();
    client.start();
    runUntil([&] { return client.finished(); }, static_cast<int>(o.seconds * 1000) + 30000);
    const double floodSeconds = client.elapsedSeconds();
    const double guiCpuMs = threadCpuMs() - cpu0;
    const std::size_t inWindow = bridge.store().size() - before;
    const qint64 worstInWindow = monitor.worstEverMs();
    // Let the tail arrive: every line framed.
    const std::uint64_t lines = client.linesSent();
    const auto framed = [&bridge] {
        std::uint64_t n = 0;
        for (engine::ChannelId c : bridge.channelModel()->channels())
            if (const ui::ChannelInfo* i = bridge.channelModel()->info(c); i && i->role == engine::ChannelRole::Accepted)
                n += i->messagesIn;
        return n;
    };
    runUntil([&] { return framed() >= lines; }, 30000);
    const double tailSeconds = static_cast<double>(wall.nsecsElapsed()) / 1e9 - floodSeconds;
    const qint64 worst = monitor.worstEverMs();
    const std::size_t total = bridge.store().size() - before;
    const long rss1 = rssKb();

    const double offered = static_cast<double>(lines) * 2.0 / floodSeconds;
    const double delivered = static_cast<double>(inWindow) / floodSeconds;
    report("flood: rate reached (events/s into the store while sending)", num(delivered, 0), ">= " + num(o.rate * 0.98, 0),
           delivered >= o.rate * 0.98);
    report("flood: worst UI event-loop delay over " + num(o.seconds, 0) + " s", std::to_string(worst) + " ms",
           "< 100 ms", worst < 100);
    info("flood: offered by the client", num(offered, 0) + " events/s (" + std::to_string(lines) + " lines)");
    info("flood: events in the log afterwards", std::to_string(total) + " (tail drained in " + num(tailSeconds, 2) + " s)");
    info("flood: worst delay during the send window", std::to_string(worstInWindow) + " ms");
    std::string seconds;
    for (qint64 w : perSecond) seconds += (seconds.empty() ? "" : " ") + std::to_string(w);
    info("flood: worst delay per second (ms)", seconds);
    info("flood: batches appended / viewport repaints",
         std::to_string(batches) + " / " + std::to_string(paints.paints) + " (" + num(paints.paints / floodSeconds, 0) +
             " fps)");
    info("flood: GUI-thread CPU time while sending", num(guiCpuMs / 1000.0, 2) + " s of " + num(floodSeconds, 2) +
                                                          " s (" + num(guiCpuMs / 10.0 / floodSeconds, 0) + " %)");
    info("flood: VmRSS growth (log of the flood)", num(static_cast<double>(rss1 - rss0) / 1024.0, 0) + " MB");
    if (capture) {
        QElapsedTimer t;
        t.start();
        const bool ok = capture->flush();
        info("flood: recording", std::to_string(capture->eventsWritten()) + " events, " +
                                     num(static_cast<double>(capture->bytesWritten()) / 1048576.0, 0) + " MiB written" +
                                     (ok ? "" : " (FAILED: " + capture->errorText().toStdString() + ")") + "; flushed in " +
                                     num(static_cast<double>(t.nsecsElapsed()) / 1e6, 0) + " ms after the tail");
    }

    // The same log: messages mode and a text filter (extras, not targets).
    {
        bool done = false;
        qsizetype rows = 0;
        const QMetaObject::Connection c = QObject::connect(
            bridge.eventModel(), &ui::EventLogModel::filterApplied, [&](qint64, qsizetype n) { done = true; rows = n; });
        bridge.reactor().close(server);
        QElapsedTimer t;
        t.start();
        bridge.eventModel()->setMode(ui::EventLogModel::Mode::Messages);
        runUntil([&] { return done; }, 60000);
        info("flood log: switch to messages mode", num(static_cast<double>(t.nsecsElapsed()) / 1e6, 0) + " ms" + " (" +
                                                       std::to_string(rows) + " rows)");
        done = false;
        ui::EventFilter f;
        f.text = QStringLiteral("tag x05");
        t.restart();
        bridge.eventModel()->setFilter(f);
        runUntil([&] { return done; }, 60000);
        info("flood log: text filter in messages mode", num(static_cast<double>(t.nsecsElapsed()) / 1e6, 0) + " ms" +
                                                            " (" + std::to_string(rows) + " rows)");
        QObject::disconnect(c);
    }
    view.setModel(nullptr);
}

// --- 3. Bursts, in the window --------------------------------------------------------------

/// The probe a person feels: every 100 ms a key press ("x") is posted to
/// `target` (the composer's editor); the time until `target` next paints is
/// one sample. One press at a time: a press is not posted while one waits.
class KeyProbe : public QObject {
public:
    explicit KeyProbe(QWidget* target) : m_target(target) {
        m_target->installEventFilter(this);
        for (QWidget* w : m_target->findChildren<QWidget*>()) w->installEventFilter(this);
        QObject::connect(&m_timer, &QTimer::timeout, this, [this] { press(); });
        m_timer.start(100);
    }
    qint64 worstMs() const { return m_worst; }
    std::size_t samples() const { return m_samples; }
    double meanMs() const { return m_samples ? static_cast<double>(m_sum) / static_cast<double>(m_samples) : 0.0; }
    bool eventFilter(QObject* o, QEvent* e) override {
        if (e->type() == QEvent::Paint && m_waiting) {
            m_waiting = false;
            const qint64 ms = m_clock.elapsed();
            m_worst = std::max(m_worst, ms);
            m_sum += ms;
            ++m_samples;
        }
        return QObject::eventFilter(o, e);
    }

private:
    void press() {
        if (m_waiting) return;
        if (m_samples % 50 == 49) {
            if (auto* edit = qobject_cast<QPlainTextEdit*>(m_target)) edit->clear();
        }
        m_waiting = true;
        m_clock.start();
        QCoreApplication::postEvent(m_target, new QKeyEvent(QEvent::KeyPress, Qt::Key_X, Qt::NoModifier, QStringLiteral("x")));
        QCoreApplication::postEvent(m_target, new QKeyEvent(QEvent::KeyRelease, Qt::Key_X, Qt::NoModifier, QStringLiteral("x")));
    }

    QWidget* m_target;
    QTimer m_timer;
    QElapsedTimer m_clock;
    bool m_waiting = false;
    qint64 m_worst = 0;
    qint64 m_sum = 0;
    std::size_t m_samples = 0;
};

/// Separates the window's own work from waiting for a core: a precise
/// 10 ms timer; at each tick, the GUI thread's CPU time since the last tick.
/// On an idle machine a stall of N ms costs about N ms of CPU; on a loaded
/// one the wall-clock delay can be many times what the thread computed.
class CpuPerTurn : public QObject {
public:
    CpuPerTurn() {
        m_timer.setTimerType(Qt::PreciseTimer);
        QObject::connect(&m_timer, &QTimer::timeout, this, [this] {
            const double cpu = threadCpuMs();
            m_worst = std::max(m_worst, cpu - m_last);
            m_last = cpu;
        });
        m_last = threadCpuMs();
        m_timer.start(10);
    }
    /// The most CPU the GUI thread used between two ticks, in ms.
    double worstMs() const { return m_worst; }

private:
    QTimer m_timer;
    double m_last = 0;
    double m_worst = 0;
};

struct BurstPattern {
    std::string name;
    int clients;
    std::uint64_t linesEach;
    std::uint64_t burstLines;  // 0: all at once
    int periodMs;
};

/// Each pattern into a listening channel of a real MainWindow (shown, the
/// conversation following the end, recording on as the GUI does by default
/// unless --no-record): the worst event-loop delay (UiLatencyMonitor) and
/// the worst key-press-to-repaint (KeyProbe) from the first byte until every
/// line is framed and shown.
void burstBenchmark(const Options& o) {
    const std::vector<BurstPattern> all = {
        {"all", 1, 200000, 0, 0},
        {"periodic", 1, 250000, 50000, 1000},
        {"channels", 10, 20000, 0, 0},
    };
    for (const BurstPattern& p : all) {
        if (!o.bursts.contains(QString::fromStdString(p.name))) continue;
        std::printf("burst %s: %d client(s) x %llu lines%s…\n", p.name.c_str(), p.clients,
                    static_cast<unsigned long long>(p.linesEach),
                    p.burstLines ? qPrintable(QStringLiteral(" in bursts of %1 every %2 ms").arg(p.burstLines).arg(p.periodMs))
                                 : " at once");
        std::fflush(stdout);
        ui::MainWindow w;
        w.resize(1400, 880);
        w.show();
        if (!o.record.isEmpty()) w.capture()->setPath(o.record + QStringLiteral(".") + QString::fromStdString(p.name));
        if (o.noRecord) w.capture()->setRecording(false);
        runFor(200);
        ui::ListenParams lp;
        lp.host = QStringLiteral("127.0.0.1");
        lp.port = 0;
        const engine::ChannelId server = w.listenOn(lp);
        const std::uint16_t port = listeningPort(w.bridge()->store(), server);
        if (!port) {
            report("burst " + p.name + ": server listening", "no", "yes", false);
            continue;
        }
        std::vector<std::unique_ptr<LineSender>> clients;
        for (int i = 0; i < p.clients; ++i) {
            clients.push_back(std::make_unique<LineSender>(port, SendPlan{p.linesEach, p.burstLines, p.periodMs, 0, 0}));
            if (!clients.back()->connect()) {
                report("burst " + p.name + ": client connected", "no", "yes", false);
                return;
            }
        }
        runUntil([&] { return w.bridge()->channelModel()->openChannels() >= 1 + p.clients; }, 10000);
        w.composer()->editor()->setFocus();
        runFor(300);
        KeyProbe probe(w.composer()->editor());
        PaintCounter tablePaints;  // the conversation's repaints while the burst drains
        w.conversation()->table()->viewport()->installEventFilter(&tablePaints);
        PaintCounter statusPaints;
        w.statusBar()->installEventFilter(&statusPaints);
        ui::UiLatencyMonitor monitor;
        CpuPerTurn cpu;
        const double cpu0 = threadCpuMs();
        QElapsedTimer wall;
        wall.start();
        for (auto& c : clients) c->start();
        const std::uint64_t lines = p.linesEach * static_cast<std::uint64_t>(p.clients);
        const auto framed = [&w] {
            std::uint64_t n = 0;
            for (engine::ChannelId c : w.bridge()->channelModel()->channels())
                if (const ui::ChannelInfo* i = w.bridge()->channelModel()->info(c); i && i->role == engine::ChannelRole::Accepted)
                    n += i->messagesIn;
            return n;
        };
        const bool done = runUntil([&] { return framed() >= lines; }, 120000);
        runFor(300);  // the last repaint
        const double seconds = static_cast<double>(wall.nsecsElapsed()) / 1e9;
        report("burst " + p.name + ": worst UI event-loop delay", std::to_string(monitor.worstEverMs()) + " ms", "< 100 ms",
               done && monitor.worstEverMs() < 100);
        report("burst " + p.name + ": worst key press to repaint", std::to_string(probe.worstMs()) + " ms", "< 100 ms",
               done && probe.worstMs() < 100);
        info("burst " + p.name + ": lines framed / sent",
             std::to_string(framed()) + " / " + std::to_string(lines) + " in " + num(seconds, 2) + " s; " +
                 std::to_string(w.bridge()->store().size()) + " events in the log; key probe " +
                 std::to_string(probe.samples()) + " presses, mean " + num(probe.meanMs(), 1) + " ms");
        info("burst " + p.name + ": repaints, conversation / status bar: most in 500 ms; all",
             std::to_string(tablePaints.peakIn(500)) + " / " + std::to_string(statusPaints.peakIn(500)) + "; " +
                 std::to_string(tablePaints.paints) + " / " + std::to_string(statusPaints.paints) + " in " +
                 num(seconds, 2) + " s");
        info("burst " + p.name + ": GUI-thread CPU, most between two 10 ms ticks / in all",
             num(cpu.worstMs(), 1) + " ms / " + num((threadCpuMs() - cpu0) / 1000.0, 2) + " s");
        for (auto& c : clients) runUntil([&] { return c->finished(); }, 10000);
        w.bridge()->reactor().close(server);
        w.close();
        runFor(100);
    }
}

// --- 4. UDP datagrams into a window --------------------------------------------------------

/// Sends 64-byte datagrams (payload()) to 127.0.0.1:port from a thread of its
/// own at `perSec` for `seconds`, sendmmsg in batches, paced every millisecond.
class DatagramSender {
public:
    DatagramSender(std::uint16_t port, double perSec, double seconds)
        : m_port(port), m_perSec(perSec), m_seconds(seconds) {}
    bool connect() { return m_io.connect(SOCK_DGRAM, m_port, SOL_SOCKET, SO_SNDBUF, 4 << 20); }
    void start() { m_io.start([this] { run(); }); }
    bool finished() const { return m_io.finished(); }
    std::uint64_t sent() const { return m_sent.load(std::memory_order_acquire); }
    std::uint64_t failed() const { return m_failed.load(std::memory_order_acquire); }

private:
    void run() {
        constexpr std::size_t kBatch = 256;
        std::vector<std::string> bufs(kBatch);
        std::vector<iovec> iov(kBatch);
        std::vector<mmsghdr> msgs(kBatch);
        const auto start = Clock::now();
        const auto end = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(m_seconds));
        std::uint64_t sent = 0;
        for (auto now = start; now < end; now = Clock::now()) {
            const auto due = static_cast<std::uint64_t>(std::chrono::duration<double>(now - start).count() * m_perSec);
            while (sent < due) {
                const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(due - sent, kBatch));
                for (std::size_t i = 0; i < n; ++i) {
                    bufs[i] = payload(sent + i);
                    iov[i] = {bufs[i].data(), bufs[i].size()};
                    msgs[i] = {};
                    msgs[i].msg_hdr.msg_iov = &iov[i];
                    msgs[i].msg_hdr.msg_iovlen = 1;
                }
                const int w = ::sendmmsg(m_io.fd, msgs.data(), static_cast<unsigned>(n), 0);
                if (w <= 0) {
                    // A full send buffer (or ECONNREFUSED after the window closed): counted, not retried.
                    m_failed.fetch_add(n, std::memory_order_acq_rel);
                    sent += n;
                    continue;
                }
                sent += static_cast<std::uint64_t>(w);
                m_sent.fetch_add(static_cast<std::uint64_t>(w), std::memory_order_acq_rel);
            }
            std::this_thread::sleep_until(now + std::chrono::milliseconds(1));
        }
        m_io.done.store(true, std::memory_order_release);
    }

    std::uint16_t m_port;
    double m_perSec;
    double m_seconds;
    std::atomic<std::uint64_t> m_sent{0};
    std::atomic<std::uint64_t> m_failed{0};
    LoopbackSending m_io;  // last: it joins the thread first
};

/// The drop counter of the UDP socket bound to 127.0.0.1:port (the last
/// column of /proc/net/udp): datagrams the kernel did not deliver to it (its
/// receive buffer was full). -1 when the socket is not listed.
long long udpSocketDrops(std::uint16_t port) {
    std::ifstream in("/proc/net/udp");
    std::string line;
    char want[32];
    std::snprintf(want, sizeof want, "0100007F:%04X", port);
    while (std::getline(in, line)) {
        // "sl local_address rem_address …": the local address is the second field.
        std::istringstream fields(line);
        std::string sl, local;
        if (!(fields >> sl >> local) || local != want) continue;
        std::string field, drops;  // the last field (the line ends in blanks)
        while (fields >> field) drops = field;
        return std::atoll(drops.c_str());
    }
    return -1;
}

/// The system's UDP receive-buffer drops (RcvbufErrors in /proc/net/snmp),
/// every socket's: a cross-check of udpSocketDrops().
long long udpRcvbufErrors() {
    std::ifstream in("/proc/net/snmp");
    std::string header, values;
    while (std::getline(in, header)) {
        if (header.rfind("Udp:", 0) != 0 || !std::getline(in, values)) continue;
        std::istringstream h(header), v(values);
        std::string name, value;
        while (h >> name && v >> value)
            if (name == "RcvbufErrors") return std::atoll(value.c_str());
    }
    return -1;
}

void udpBenchmark(const Options& o) {
    std::printf("udp: %.0f datagrams/s for %.0f s into a bound UDP channel of a window…\n", o.udpRate, o.seconds);
    std::fflush(stdout);
    ui::MainWindow w;
    w.resize(1400, 880);
    w.show();
    if (!o.record.isEmpty()) w.capture()->setPath(o.record + QStringLiteral(".udp"));
    if (o.noRecord) w.capture()->setRecording(false);
    runFor(200);
    ui::ListenParams lp;
    lp.udp = true;
    lp.host = QStringLiteral("127.0.0.1");
    lp.port = 0;
    lp.terminator = engine::Terminator::none();
    const engine::ChannelId server = w.listenOn(lp);
    const std::uint16_t port = listeningPort(w.bridge()->store(), server);
    if (!port) {
        report("udp: channel bound", "no", "yes", false);
        return;
    }
    DatagramSender sender(port, o.udpRate, o.seconds);
    if (!sender.connect()) {
        report("udp: sender socket", "no", "yes", false);
        return;
    }
    const long long drops0 = std::max(0LL, udpSocketDrops(port));
    const long long rcvbuf0 = udpRcvbufErrors();
    w.composer()->editor()->setFocus();
    runFor(300);
    KeyProbe probe(w.composer()->editor());
    ui::UiLatencyMonitor monitor;
    CpuPerTurn cpu;
    const double cpu0 = threadCpuMs();
    QElapsedTimer wall;
    wall.start();
    sender.start();
    const auto received = [&w, server] {
        const ui::ChannelInfo* i = w.bridge()->channelModel()->info(server);
        return i ? i->messagesIn : 0;
    };
    const auto drops = [&] { return std::max(0LL, udpSocketDrops(port) - drops0); };
    runUntil([&] { return sender.finished(); }, static_cast<int>(o.seconds * 1000) + 30000);
    // Everything the kernel delivered is in the window once received + drops
    // reach what was sent (bounded: a lost datagram would leave it short).
    const std::uint64_t sent = sender.sent();
    const bool settled = runUntil([&] { return received() + static_cast<std::uint64_t>(drops()) >= sent; }, 30000);
    runFor(300);
    const double seconds = static_cast<double>(wall.nsecsElapsed()) / 1e9;
    const std::uint64_t got = received();
    const auto dropped = static_cast<std::uint64_t>(drops());
    const std::uint64_t delivered = sent >= dropped ? sent - dropped : 0;
    report("udp: worst UI event-loop delay", std::to_string(monitor.worstEverMs()) + " ms", "< 100 ms",
           monitor.worstEverMs() < 100);
    report("udp: worst key press to repaint", std::to_string(probe.worstMs()) + " ms", "< 100 ms", probe.worstMs() < 100);
    report("udp: delivered by the kernel but not shown", std::to_string(delivered > got ? delivered - got : 0), "0",
           settled && got == delivered);
    info("udp: datagrams sent / dropped by the kernel / shown",
         std::to_string(sent) + " / " + std::to_string(dropped) + " / " + std::to_string(got) + " in " +
             num(seconds, 2) + " s (" + num(static_cast<double>(sent) / o.seconds, 0) + "/s offered; " +
             std::to_string(sender.failed()) + " not sent: the sender's buffer was full); " +
             std::to_string(w.bridge()->store().size()) + " events in the log; key probe " +
             std::to_string(probe.samples()) + " presses, mean " + num(probe.meanMs(), 1) + " ms");
    info("udp: the socket's drop counter / the system's RcvbufErrors, during the run",
         std::to_string(udpSocketDrops(port)) + " - " + std::to_string(drops0) + " / " +
             std::to_string(udpRcvbufErrors() - rcvbuf0));
    info("udp: GUI-thread CPU, most between two 10 ms ticks / in all",
         num(cpu.worstMs(), 1) + " ms / " + num((threadCpuMs() - cpu0) / 1000.0, 2) + " s");
    w.bridge()->reactor().close(server);
    w.close();
    runFor(100);
}

// --- 5. A session file's events, at once ---------------------------------------------------

/// `n` events (collect + found_terminator pairs of 64-byte lines) handed to a
/// shown MainWindow's bridge as a session file's are (loadOffline): the time
/// until loaded() and the worst event-loop delay meanwhile.
void loadBenchmark(std::size_t n) {
    std::printf("load: %zu events through loadOffline into a window…\n", n);
    std::fflush(stdout);
    ui::MainWindow w;
    w.resize(1400, 880);
    w.show();
    w.capture()->setRecording(false);
    runFor(200);
    std::vector<engine::Event> events(n);
    for (std::size_t i = 0; i < n; ++i) {
        engine::Event& e = events[i];
        e.seq = i + 1;
        e.tUs = static_cast<std::int64_t>(i) * 10;
        e.channel = 2;
        if (i % 2 == 0) {
            e.kind = engine::EventKind::Collect;
            e.data = payload(i / 2).substr(0, 62);
        } else {
            e.kind = engine::EventKind::FoundTerminator;
            e.data = "\r\n";
        }
        e.size = static_cast<std::int64_t>(e.data.size());
    }
    bool loaded = false;
    QObject::connect(w.bridge(), &ui::EngineBridge::loaded, &w, [&loaded] { loaded = true; });
    ui::UiLatencyMonitor monitor;
    QElapsedTimer t;
    t.start();
    w.bridge()->loadOffline(std::move(events), QDateTime::currentDateTime());
    runUntil([&] { return loaded; }, 120000);
    const double ms = static_cast<double>(t.nsecsElapsed()) / 1e6;
    info("load: " + std::to_string(n) + " events until loaded()",
         num(ms, 0) + " ms" + (loaded ? "" : " (NOT LOADED)") + ", worst event-loop delay " +
             std::to_string(monitor.worstEverMs()) + " ms, " + std::to_string(w.bridge()->eventModel()->rowCount()) +
             " rows");
    w.close();
    runFor(100);
}

std::string machine() {
    std::string cpu = "?";
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("model name", 0) == 0) {
            cpu = line.substr(line.find(':') + 2);
            break;
        }
    return std::to_string(std::thread::hardware_concurrency()) + " cores, " + cpu + ", Qt " + qVersion() + ", " +
           QGuiApplication::platformName().toStdString();
}

}  // namespace

int main(int argc, char** argv) {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    Options o;
    const QStringList args = QCoreApplication::arguments();
    for (qsizetype i = 1; i < args.size(); ++i) {
        const QString& a = args[i];
        const auto next = [&]() -> QString { return i + 1 < args.size() ? args[++i] : QString(); };
        if (a == QLatin1String("--rate")) o.rate = next().toDouble();
        else if (a == QLatin1String("--seconds")) o.seconds = next().toDouble();
        else if (a == QLatin1String("--rows")) o.rows = next().toULongLong();
        else if (a == QLatin1String("--scrolls")) o.scrolls = next().toInt();
        else if (a == QLatin1String("--skip-log")) o.log = false;
        else if (a == QLatin1String("--skip-flood")) o.flood = false;
        else if (a == QLatin1String("--flood-messages")) o.floodMessages = true;
        else if (a == QLatin1String("--flood-filter")) o.floodFilter = next();
        else if (a == QLatin1String("--record")) o.record = next();
        else if (a == QLatin1String("--bursts")) o.bursts = next().split(QLatin1Char(','), Qt::SkipEmptyParts);
        else if (a == QLatin1String("--no-record")) o.noRecord = true;
        else if (a == QLatin1String("--load")) o.load = next().toULongLong();
        else if (a == QLatin1String("--udp")) o.udp = true;
        else if (a == QLatin1String("--udp-rate")) o.udpRate = next().toDouble();
        else {
            std::fprintf(stderr,
                         "usage: lw_ui_flood [--rate EVENTS_PER_S] [--seconds S] [--rows N] [--scrolls N] "
                         "[--skip-log] [--skip-flood] [--flood-messages] [--flood-filter TEXT] [--record FILE] "
                         "[--bursts all,periodic,channels] [--no-record] [--load EVENTS] [--udp] "
                         "[--udp-rate DATAGRAMS_PER_S]\n");
            return 2;
        }
    }
    if (o.rate <= 0 || o.udpRate <= 0 || o.seconds <= 0 || o.rows < 20 || o.scrolls < 1) {
        std::fprintf(stderr, "lw_ui_flood: --rate, --seconds, --scrolls must be positive and --rows at least 20\n");
        return 2;
    }
    QTableView view;
    setUpView(view);
    runFor(50);

    if (o.log) logBenchmark(o, view);
    if (o.flood) floodBenchmark(o, view);
    if (!o.bursts.isEmpty() || o.load || o.udp) view.hide();
    if (!o.bursts.isEmpty()) burstBenchmark(o);
    if (o.udp) udpBenchmark(o);
    if (o.load) loadBenchmark(o.load);

    std::printf("\nGUI flood benchmark — %s\n\n", machine().c_str());
    std::size_t w = 0;
    for (const Result& r : g_results) w = std::max(w, r.target.size());
    bool ok = true;
    for (const Result& r : g_results) {
        if (r.isTarget) {
            std::printf("%-*s  %-26s  %-12s  %s\n", static_cast<int>(w), r.target.c_str(), r.measured.c_str(),
                        r.limit.c_str(), r.pass ? "PASS" : "FAIL");
            ok = ok && r.pass;
        } else {
            std::printf("%-*s  %s\n", static_cast<int>(w), ("  " + r.target).c_str(), r.measured.c_str());
        }
    }
    std::printf("\n%s\n", ok ? "all targets met" : "SOME TARGETS MISSED");
    return ok ? 0 : 1;
}
