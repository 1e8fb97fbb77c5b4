// tst_EventPrinter.cpp — linewright-cli's human output of received messages:
// a long message is printed in pieces as it arrives, so what the printer
// holds stays under one piece per channel whatever a peer sends before its
// terminator (issue 11: listen's memory beyond its input budget).
#include "app/cli/EventPrinter.h"

#include "engine/asyncore/Escape.h"

#include <QtTest>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

using cli::EventPrinter;
using engine::Event;
using engine::EventKind;

namespace {

/// An event of `kind` on channel `ch`, with its sub-code and text.
template <class Sub = std::uint8_t>
Event event(EventKind kind, engine::ChannelId ch, Sub sub = {}, std::string info = {}) {
    Event e;
    e.kind = kind;
    e.channel = ch;
    e.sub = static_cast<std::uint8_t>(sub);
    e.info = std::move(info);
    return e;
}

Event collect(engine::ChannelId ch, std::string bytes) {
    Event e = event(EventKind::Collect, ch);
    e.size = static_cast<std::int64_t>(bytes.size());
    e.data = std::move(bytes);
    return e;
}

Event found(engine::ChannelId ch) {
    Event e = event(EventKind::FoundTerminator, ch);
    e.setTerminator(engine::Terminator::bytes("\n"));
    return e;
}

Event closed(engine::ChannelId ch) { return event(EventKind::Closed, ch, engine::CloseReason::Peer, "eof"); }

Event noTerminator(engine::ChannelId ch) {
    return event(EventKind::Warning, ch, engine::WarningCode::NoTerminator, "no terminator");
}

// A file the printer writes to, read back.
class Capture {
public:
    Capture() : m_file(std::tmpfile()) {}
    ~Capture() {
        if (m_file) std::fclose(m_file);
    }
    Capture(const Capture&) = delete;
    Capture& operator=(const Capture&) = delete;
    std::FILE* file() const { return m_file; }
    std::string text() const {
        std::fflush(m_file);
        std::string s;
        std::rewind(m_file);
        char buf[65536];
        std::size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, m_file)) > 0) s.append(buf, n);
        std::fseek(m_file, 0, SEEK_END);
        return s;
    }
    std::vector<std::string> lines() const {
        std::vector<std::string> out;
        const std::string s = text();
        std::size_t at = 0;
        while (at < s.size()) {
            const std::size_t nl = s.find('\n', at);
            out.push_back(s.substr(at, nl - at));
            at = nl == std::string::npos ? s.size() : nl + 1;
        }
        return out;
    }

private:
    std::FILE* m_file;
};

// The bytes of "#2 < …  [note]" lines, decoded and concatenated; each
// line's note in `notes`.
std::string messageBytes(const std::vector<std::string>& lines, std::vector<std::string>& notes) {
    std::string bytes;
    for (const std::string& line : lines) {
        const std::size_t lt = line.find("< ");
        if (lt == std::string::npos) continue;
        std::string body = line.substr(lt + 2);
        std::string note;
        if (const std::size_t n = body.rfind("  ["); n != std::string::npos && body.back() == ']') {
            note = body.substr(n + 3, body.size() - n - 4);
            body.resize(n);
        }
        notes.push_back(note);
        const auto decoded = engine::parseEscaped(body);
        if (!decoded) {
            qWarning("line does not decode: %s", line.substr(0, 80).c_str());
            return {};
        }
        bytes += *decoded;
    }
    return bytes;
}

}  // namespace

class tst_EventPrinter : public QObject {
    Q_OBJECT
private slots:
    void shortMessagesAreWholeLines();
    void longMessageIsPrintedInPiecesAsItArrives();
    void heldBytesStayUnderOnePiecePerChannel();
    void pieceBoundaryThenEndsSay();
};

void tst_EventPrinter::shortMessagesAreWholeLines() {
    Capture out, err;
    EventPrinter p(out.file(), err.file(), /*listen*/ true, /*framed*/ true);
    p.print({collect(2, "hel"), collect(2, "lo"), found(2), collect(3, "a\r"), closed(3)});
    const auto lines = out.lines();
    QCOMPARE(lines.size(), std::size_t{2});
    QCOMPARE(QString::fromStdString(lines[0]), QStringLiteral("#2 < hello"));
    QCOMPARE(QString::fromStdString(lines[1]), QStringLiteral("#3 < a\\r  [unterminated]"));
    QCOMPARE(p.heldBytes(), std::size_t{0});
}

void tst_EventPrinter::longMessageIsPrintedInPiecesAsItArrives() {
    // 1 MiB + 100 bytes without a terminator, in reads of 10,000 bytes: the
    // pieces are on stdout before the message ends, and together they are
    // exactly the message.
    Capture out, err;
    EventPrinter p(out.file(), err.file(), true, true);
    std::string sent;
    const std::size_t total = (std::size_t{1} << 20) + 100;
    for (std::size_t i = 0; sent.size() < total; ++i) {
        std::string chunk;
        for (std::size_t k = 0; k < 10000 && sent.size() + chunk.size() < total; ++k)
            chunk += static_cast<char>((i * 7 + k) % 256);  // every byte value, escapes of every width
        sent += chunk;
        p.print({collect(2, chunk)});
    }
    const auto before = out.lines();
    QCOMPARE(before.size(), total / EventPrinter::kPrintChunk);  // every whole piece, already out
    for (const std::string& line : before) QVERIFY(line.size() > 5 && line.ends_with("  [continues]"));
    p.print({found(2)});
    const auto lines = out.lines();
    QCOMPARE(lines.size(), before.size() + 1);
    std::vector<std::string> notes;
    QVERIFY(messageBytes(lines, notes) == sent);
    QCOMPARE(notes.back(), std::string());
    QCOMPARE(p.heldBytes(), std::size_t{0});
}

void tst_EventPrinter::heldBytesStayUnderOnePiecePerChannel() {
    // Three channels, 600 KiB each without a terminator, interleaved reads
    // of uneven sizes (one larger than a piece): never more than a piece per
    // channel is held.
    Capture out, err;
    EventPrinter p(out.file(), err.file(), true, true);
    const std::size_t sizes[] = {1, 4000, 70000, 65535, 13};
    std::size_t fed[3] = {0, 0, 0};
    for (std::size_t round = 0; fed[2] < 600 * 1024; ++round) {
        std::vector<Event> batch;
        for (engine::ChannelId ch = 2; ch <= 4; ++ch) {
            const std::size_t n = sizes[(round + ch) % 5];
            batch.push_back(collect(ch, std::string(n, 'x')));
            fed[ch - 2] += n;
        }
        p.print(batch);
        QVERIFY2(p.heldBytes() < 3 * EventPrinter::kPrintChunk, std::to_string(p.heldBytes()).c_str());
    }
    QVERIFY(p.peakHeldBytes() < 3 * EventPrinter::kPrintChunk);
    p.print({closed(2), closed(3), closed(4)});
    QCOMPARE(p.heldBytes(), std::size_t{0});
    std::vector<std::string> notes;
    QCOMPARE(messageBytes(out.lines(), notes).size(), fed[0] + fed[1] + fed[2]);
    QCOMPARE(std::count(notes.begin(), notes.end(), std::string("unterminated")), 3);
}

void tst_EventPrinter::pieceBoundaryThenEndsSay() {
    // A message of exactly one piece: the piece is printed as it completes,
    // and its end still gets a line of its own (empty, with how it ended),
    // so "[continues]" is always followed by that channel's next line.
    const std::string piece(EventPrinter::kPrintChunk, 'y');
    for (const char* end : {"found", "closed", "no_terminator"}) {
        Capture out, err;
        EventPrinter p(out.file(), err.file(), false, true);
        p.print({collect(1, piece)});
        QCOMPARE(out.lines().size(), std::size_t{1});
        if (std::string(end) == "found")
            p.print({found(1)});
        else if (std::string(end) == "closed")
            p.print({closed(1)});
        else
            p.print({noTerminator(1)});
        const auto lines = out.lines();
        QCOMPARE(lines.size(), std::size_t{2});
        const std::string expected = std::string(end) == "found"    ? "< "
                                     : std::string(end) == "closed" ? "<   [unterminated]"
                                                                    : "<   [no terminator within the message limit]";
        QCOMPARE(QString::fromStdString(lines[1]), QString::fromStdString(expected));
        // A message that ends without a piece printed is unchanged: nothing
        // for an empty unterminated message.
        p.print({collect(1, "z"), found(1), closed(1)});
        QCOMPARE(QString::fromStdString(out.lines().back()), QStringLiteral("< z"));
    }
}

QTEST_GUILESS_MAIN(tst_EventPrinter)
#include "tst_EventPrinter.moc"
