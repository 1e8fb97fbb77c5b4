// SessionReader.cpp — line splitting with bounds, header and order checks,
// truncation tolerance, the running summary.
#include "engine/capture/SessionReader.h"

#include "engine/capture/InputFile.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace engine {

namespace {
constexpr std::size_t kReadChunk = 1 << 16;
constexpr std::size_t kMaxGapNotes = 20;

bool blank(const std::string& line) {
    return std::all_of(line.begin(), line.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r'; });
}
}  // namespace

SessionReader::SessionReader() = default;
SessionReader::~SessionReader() = default;

bool SessionReader::fail(const std::string& message) {
    if (m_error.empty()) m_error = m_name + ": " + message;
    m_done = true;
    return false;
}

bool SessionReader::open(const std::string& path) {
    m_name = path;
    std::optional<std::uint64_t> size;
    std::string error;
    auto f = openInputFile(path, size, error);
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
    switch (readLine(line, nl)) {
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
        case LineResult::End:
            m_done = true;
            if (!m_summary.stopped)
                m_notes.push_back(m_name + ": the session has no 'stopped' event: the program that recorded it "
                                           "did not end normally, or the file was cut short");
            return false;
        case LineResult::Line: break;
        }
        m_consumed += line.size() + (nl ? 1 : 0);
        if (blank(line)) continue;
        std::string why;
        auto e = eventjson::decodeEvent(line, &why);
        if (!e) {
            if (!nl) {
                // What a writer killed in the middle of a line leaves.
                m_truncation = m_name + ": line " + std::to_string(m_line) + " is incomplete (the file ends " +
                               std::to_string(line.size()) + " bytes into it, at byte offset " +
                               std::to_string(m_consumed) + "): the session was cut short there; " +
                               std::to_string(m_summary.events) + " events read";
                m_done = true;
                if (!m_summary.stopped)
                    m_notes.push_back(m_name + ": the session has no 'stopped' event: the program that recorded it "
                                               "did not end normally, or the file was cut short");
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
        if (e->seq != m_lastSeq + 1 && !(m_lastSeq == 0 && e->seq == 1)) {
            if (m_gapNotes < kMaxGapNotes) {
                const std::uint64_t missing = e->seq - m_lastSeq - 1;
                m_notes.push_back(m_name + ": line " + std::to_string(m_line) + ": seq jumps from " +
                                  std::to_string(m_lastSeq) + " to " + std::to_string(e->seq) + " (" +
                                  std::to_string(missing) + (missing == 1 ? " event is" : " events are") +
                                  " not in the file)");
            }
            ++m_gapNotes;
        }
        m_lastSeq = e->seq;
        account(*e);
        out = std::move(*e);
        return true;
    }
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
                                                 const std::function<bool(std::uint64_t, std::uint64_t)>& progress) {
    SessionReader r;
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
