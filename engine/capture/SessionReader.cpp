// SessionReader.cpp — line splitting with bounds, header and order checks,
// truncation tolerance, the running summary.
#include "engine/capture/SessionReader.h"

#include "engine/capture/InputFile.h"

#include "engine/asyncore/Escape.h"
#include "engine/asyncore/Loop.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace engine {

namespace {
constexpr std::size_t kReadChunk = 1 << 16;

bool blank(const std::string& line) {
    return std::all_of(line.begin(), line.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r'; });
}

bool digitsAt(std::string_view s, std::size_t at, std::size_t n, int& value) {
    if (at + n > s.size()) return false;
    value = 0;
    for (std::size_t i = at; i < at + n; ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
        value = value * 10 + (s[i] - '0');
    }
    return true;
}

// "YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z" naming a real calendar day (leap second allowed).
bool validUtcText(std::string_view s) {
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
    if (!digitsAt(s, 0, 4, y) || s.size() < 20 || s[4] != '-' || !digitsAt(s, 5, 2, mo) || s[7] != '-' ||
        !digitsAt(s, 8, 2, d) || s[10] != 'T' || !digitsAt(s, 11, 2, h) || s[13] != ':' ||
        !digitsAt(s, 14, 2, mi) || s[16] != ':' || !digitsAt(s, 17, 2, sec))
        return false;
    std::size_t at = 19;
    if (s[at] == '.') {
        const std::size_t first = ++at;
        while (at < s.size() && s[at] >= '0' && s[at] <= '9') ++at;
        if (at == first || at - first > 9) return false;
    }
    if (at + 1 != s.size() || s[at] != 'Z') return false;
    const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(mo)},
                                          std::chrono::day{static_cast<unsigned>(d)}};
    return ymd.ok() && h < 24 && mi < 60 && sec <= 60;
}

// Why `h` is not a header this reader accepts, or "" (docs/session-format.md, "Header").
std::string headerProblem(const SessionHeader& h) {
    const auto field = [](std::string_view name, const std::string& value) -> std::string {
        if (value.size() > SessionReader::kMaxHeaderField)
            return "field '" + std::string(name) + "' is " + std::to_string(value.size()) + " bytes long (at most " +
                   std::to_string(SessionReader::kMaxHeaderField) + ")";
        // Anything terminalSafe() would escape: control bytes, DEL, C1, bytes that are not UTF-8.
        if (terminalSafe(value) != value)
            return "field '" + std::string(name) + "' holds control bytes or bytes that are not UTF-8 ('" +
                   terminalSafe(value.substr(0, 64)) + (value.size() > 64 ? "…" : "") + "')";
        return {};
    };
    for (const auto& [name, value] : {std::pair<std::string_view, const std::string&>{"tool", h.tool},
                                      {"tool_version", h.toolVersion}, {"start", h.start},
                                      {"backend", h.backend}, {"level", h.level}})
        if (std::string why = field(name, value); !why.empty()) return why;
    if (!validUtcText(h.start))
        return "field 'start' is not an ISO 8601 UTC time like 2026-05-01T12:00:00.123456Z ('" + h.start + "')";
    if (!h.level.empty() && h.level != eventLevelName(EventLevel::Full) &&
        h.level != eventLevelName(EventLevel::Messages) && h.level != eventLevelName(EventLevel::Lifecycle))
        return "field 'level' is '" + h.level + "'; expected full, messages or lifecycle";
    if (!h.backend.empty() && !parseBackend(h.backend))
        return "field 'backend' is '" + h.backend + "'; expected select, poll or epoll";
    return {};
}
}  // namespace

SessionReader::SessionReader() = default;
SessionReader::~SessionReader() = default;

bool SessionReader::fail(const std::string& message) {
    // The name and the message may quote the file's bytes (an unknown event
    // name, a field's value): escaped here, once, for every reader error.
    if (m_error.empty()) m_error = terminalSafe(m_name + ": " + message);
    m_done = true;
    return false;
}

bool SessionReader::open(const std::string& path) {
    m_name = path;
    std::optional<std::uint64_t> size;
    std::string error;
    auto f = openInputFile(path, size, error, m_waiting);
    if (!f) return fail(error);
    m_total = size.value_or(0);  // 0: a pipe or the like, read as it comes
    m_in = std::move(f);
    return start();
}

bool SessionReader::openData(std::string data, std::string name) {
    m_name = std::move(name);
    m_total = data.size();
    m_in = std::make_unique<std::istringstream>(std::move(data), std::ios::binary);
    return start();
}

SessionReader::LineResult SessionReader::readLine(std::string& line, bool& hadNewline) {
    line.clear();
    hadNewline = false;
    for (;;) {
        const std::size_t nl = m_buf.find('\n', m_bufPos);
        const std::size_t upto = nl == std::string::npos ? m_buf.size() : nl;
        if (line.size() + (upto - m_bufPos) > m_maxLine) {
            fail("line " + std::to_string(m_line + 1) + " is longer than " + std::to_string(m_maxLine) +
                 " bytes (at byte offset " + std::to_string(m_consumed) + "); this is not a session file");
            return LineResult::Error;
        }
        line.append(m_buf, m_bufPos, upto - m_bufPos);
        if (nl != std::string::npos) {
            m_bufPos = nl + 1;
            hadNewline = true;
            ++m_line;
            return LineResult::Line;
        }
        m_buf.clear();
        m_bufPos = 0;
        if (m_eof || !m_in) {
            if (line.empty()) return LineResult::End;
            ++m_line;
            return LineResult::Line;
        }
        m_buf.resize(kReadChunk);
        m_in->read(m_buf.data(), static_cast<std::streamsize>(m_buf.size()));
        const auto got = static_cast<std::size_t>(std::max<std::streamsize>(m_in->gcount(), 0));
        m_buf.resize(got);
        if (got == 0 || !*m_in) {
            if (m_in->bad()) {
                fail("read error after byte " + std::to_string(m_consumed + line.size()));
                return LineResult::Error;
            }
            m_eof = true;
        }
    }
}

bool SessionReader::start() {
    std::string line;
    bool nl = false;
    // The header is a short line: a file that does not start with one (a
    // device, a binary file) is refused after kMaxHeaderLine bytes.
    const std::size_t maxLine = m_maxLine;
    m_maxLine = std::min(m_maxLine, kMaxHeaderLine);
    const LineResult first = readLine(line, nl);
    m_maxLine = maxLine;
    switch (first) {
    case LineResult::Error: return false;
    case LineResult::End: return fail("the file is empty; a session starts with a header line");
    case LineResult::Line: break;
    }
    m_consumed += line.size() + (nl ? 1 : 0);
    std::string why;
    auto h = eventjson::decodeHeader(line, &why);
    if (!h) {
        if (!nl) return fail("line 1 is incomplete (the file ends " + std::to_string(line.size()) +
                             " bytes into the header): " + why);
        return fail("line 1: " + why);
    }
    if (std::string problem = headerProblem(*h); !problem.empty())
        return fail("line 1: invalid session header: " + problem);
    m_header = std::move(*h);
    return true;
}

bool SessionReader::next(Event& out) {
    if (m_done || !m_in) return false;
    std::string line;
    for (;;) {
        bool nl = false;
        const std::uint64_t lineStart = m_consumed;
        switch (readLine(line, nl)) {
        case LineResult::Error: return false;
        case LineResult::End: finish(); return false;
        case LineResult::Line: break;
        }
        m_consumed += line.size() + (nl ? 1 : 0);
        if (blank(line)) continue;
        std::string why;
        auto e = m_header.version >= SessionHeader::kCompactVersion
                     ? eventjson::decodeCompactEvent(line, m_compact, &why)
                     : eventjson::decodeEvent(line, &why);
        if (!e) {
            if (!nl) {
                // What a writer killed in the middle of a line leaves.
                m_truncation = m_name + ": line " + std::to_string(m_line) + " is incomplete (the file ends " +
                               std::to_string(line.size()) + " bytes into it, at byte offset " +
                               std::to_string(m_consumed) + "): the session was cut short there; " +
                               std::to_string(m_summary.events) + " events read";
                m_truncation = terminalSafe(m_truncation);
                finish();
                return false;
            }
            return fail("line " + std::to_string(m_line) + " (byte offset " + std::to_string(lineStart) + "): " + why);
        }
        if (m_summary.stopped)
            return fail("line " + std::to_string(m_line) + ": a '" + std::string(eventKindName(e->kind)) +
                        "' event follows 'stopped', which must be the last event");
        if (e->seq == 0)
            return fail("line " + std::to_string(m_line) + ": seq 0; events are numbered from 1");
        if (m_lastSeq != 0 && e->seq <= m_lastSeq)
            return fail("line " + std::to_string(m_line) + ": seq " + std::to_string(e->seq) + " does not follow " +
                        std::to_string(m_lastSeq) + " (events must be in increasing seq order)");
        if (e->seq != m_lastSeq + 1) {
            // Gaps are counted and said once, at the end (finish()).
            if (m_gaps == 0)
                m_firstGap = "line " + std::to_string(m_line) + ": seq jumps from " + std::to_string(m_lastSeq) +
                             " to " + std::to_string(e->seq);
            ++m_gaps;
            m_missing += e->seq - m_lastSeq - 1;
        }
        if (e->tUs < 0) {
            if (m_negativeTimes == 0)
                m_firstNegativeTime = "line " + std::to_string(m_line) + ": t_us " + std::to_string(e->tUs);
            ++m_negativeTimes;
        }
        m_lastSeq = e->seq;
        account(*e);
        out = std::move(*e);
        return true;
    }
}

void SessionReader::finish() {
    m_done = true;
    const auto plural = [](std::uint64_t n, const char* one, const char* many) {
        return std::to_string(n) + " " + (n == 1 ? one : many);
    };
    if (m_gaps)
        m_notes.push_back(terminalSafe(m_name + ": warning: seq has " + plural(m_gaps, "gap", "gaps") + " (" +
                                       plural(m_missing, "event is", "events are") + " not in the file; the first at " +
                                       m_firstGap + ")"));
    if (m_negativeTimes)
        m_notes.push_back(terminalSafe(m_name + ": warning: " + plural(m_negativeTimes, "event has", "events have") +
                                       " a negative t_us, a time before the session started (the first at " +
                                       m_firstNegativeTime + ")"));
    if (!m_summary.stopped)
        m_notes.push_back(terminalSafe(m_name + ": the session has no 'stopped' event: the program that recorded it "
                                                "did not end normally, or the file was cut short"));
}

void SessionReader::account(const Event& e) {
    SessionSummary& s = m_summary;
    if (s.events == 0) s.firstUs = e.tUs;
    ++s.events;
    s.lastUs = std::max(s.lastUs, e.tUs);
    switch (e.kind) {
    case EventKind::Error: ++s.errors; break;
    case EventKind::Warning: ++s.warnings; break;
    case EventKind::Stopped: s.stopped = true; break;
    default: break;
    }
    if (e.channel == kReactorChannel) return;
    ChannelTotals& c = m_channels[e.channel];
    switch (e.kind) {
    case EventKind::Listening: c.listener = true; break;
    case EventKind::Accepted:
    case EventKind::Connecting:
    case EventKind::Connected: c.connection = true; break;
    case EventKind::Collect:
    case EventKind::Received: c.evIn += e.bytes().size(); break;
    case EventKind::FoundTerminator:
        ++c.evMsgIn;
        c.evIn += e.terminatorBytes().size();  // asynchat consumed them; they crossed the wire
        break;
    case EventKind::Warning:
        if (e.warningCode() == WarningCode::Residue) c.evIn += e.bytes().size();
        break;
    case EventKind::Push: ++c.evMsgOut; break;
    case EventKind::Sent: c.evOut += e.bytes().size(); break;
    case EventKind::Closed:
        if (const ChannelState* state = e.channelState()) {
            c.ctrIn = state->bytesIn;
            c.ctrOut = state->bytesOut;
            c.ctrMsgIn = state->messagesIn;
            c.ctrMsgOut = state->messagesOut;
        }
        break;
    default: break;
    }
}

const SessionSummary& SessionReader::summary() const {
    SessionSummary& s = m_summary;
    s.channels = m_channels.size();
    s.connections = s.listeners = 0;
    s.bytesIn = s.bytesOut = s.messagesIn = s.messagesOut = 0;
    for (const auto& [id, c] : m_channels) {
        if (c.connection) ++s.connections;
        if (c.listener) ++s.listeners;
        // The events tell at levels messages and full, the counters of
        // `closed` at every level: take whichever saw more.
        s.bytesIn += std::max(c.evIn, c.ctrIn);
        s.bytesOut += std::max(c.evOut, c.ctrOut);
        s.messagesIn += std::max(c.evMsgIn, c.ctrMsgIn);
        s.messagesOut += std::max(c.evMsgOut, c.ctrMsgOut);
    }
    return s;
}

std::optional<LoadedSession> SessionReader::drain(SessionReader& r, std::string* error,
                                                  const std::function<bool(std::uint64_t, std::uint64_t)>& progress) {
    LoadedSession s;
    s.header = r.header();
    Event e;
    std::uint64_t lastReport = 0;
    while (r.next(e)) {
        s.events.push_back(std::move(e));
        if (progress && r.bytesRead() - lastReport >= (1u << 20)) {
            lastReport = r.bytesRead();
            if (!progress(r.bytesRead(), r.totalBytes())) {
                if (error) *error = "cancelled";
                return std::nullopt;
            }
        }
    }
    if (r.failed()) {
        if (error) *error = r.error();
        return std::nullopt;
    }
    if (progress) progress(r.bytesRead(), r.totalBytes());
    s.summary = r.summary();
    s.truncation = r.truncation();
    s.notes = r.notes();
    return s;
}

std::optional<LoadedSession> SessionReader::load(const std::string& path, std::string* error,
                                                 const std::function<bool(std::uint64_t, std::uint64_t)>& progress,
                                                 std::function<void()> waiting) {
    SessionReader r;
    r.setWaitingNotice(std::move(waiting));
    if (!r.open(path)) {
        if (error) *error = r.error();
        return std::nullopt;
    }
    return drain(r, error, progress);
}

SessionSummary SessionReader::summarize(const std::vector<Event>& events) {
    SessionReader r;
    for (const Event& e : events) r.account(e);
    return r.summary();
}

std::optional<LoadedSession> SessionReader::loadData(std::string data, std::string name, std::string* error) {
    SessionReader r;
    if (!r.openData(std::move(data), std::move(name))) {
        if (error) *error = r.error();
        return std::nullopt;
    }
    return drain(r, error, {});
}

}  // namespace engine
