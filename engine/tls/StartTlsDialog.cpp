// StartTlsDialog.cpp — the built-in STARTTLS dialogues as a state machine over lines.
#include "engine/tls/StartTlsDialog.h"

#include <cctype>
#include <stdexcept>
#include <utility>

namespace engine::tls {
namespace {

// The longest part of a received line a reason quotes (escaped, then cut
// with "…(N bytes)" by Pattern::excerpt).
constexpr std::size_t kQuoteMax = 200;

std::string_view stripEol(std::string_view line) {
    if (line.ends_with('\n')) line.remove_suffix(1);
    if (line.ends_with('\r')) line.remove_suffix(1);
    return line;
}

std::string quote(std::string_view line) { return "'" + Pattern::excerpt(line, kQuoteMax) + "'"; }

bool iequalsPrefix(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
        if (std::toupper(static_cast<unsigned char>(s[i])) != std::toupper(static_cast<unsigned char>(prefix[i])))
            return false;
    return true;
}

// A reply line of SMTP or FTP: "DDD text" (the last line of a reply), "DDD-text"
// (more lines follow) or "DDD" alone.
struct ReplyLine {
    int code = -1;         // -1: the line does not start with three digits
    bool more = false;     // "DDD-"
    std::string_view text;
};

ReplyLine parseReply(std::string_view line) {
    ReplyLine r;
    if (line.size() < 3) return r;
    for (std::size_t i = 0; i < 3; ++i)
        if (!std::isdigit(static_cast<unsigned char>(line[i]))) return r;
    if (line.size() > 3 && line[3] != ' ' && line[3] != '-') return r;
    r.code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    r.more = line.size() > 3 && line[3] == '-';
    r.text = line.size() > 4 ? line.substr(4) : std::string_view();
    return r;
}

// An EHLO keyword line ("STARTTLS", "SIZE 1000"): is it STARTTLS?
bool offersStartTls(std::string_view text) {
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    if (!iequalsPrefix(text, "STARTTLS")) return false;
    return text.size() == 8 || text[8] == ' ';
}

enum State : int {
    kGreeting = 0,  // waiting for the server's greeting
    kReply1,        // SMTP: the EHLO reply; others: the STARTTLS command's reply
    kReply2,        // SMTP: the STARTTLS reply
    kDone,
};

}  // namespace

StartTlsDialog::StartTlsDialog(StartTlsProtocol protocol, std::string_view afterPattern, bool serverSide,
                               std::string ehloName)
    : m_protocol(protocol), m_server(serverSide), m_ehlo(std::move(ehloName)) {
    if (protocol == StartTlsProtocol::None) throw std::invalid_argument("STARTTLS dialogue without a protocol");
    if (protocol == StartTlsProtocol::AfterMatch) {
        std::string error;
        m_pattern = Pattern::compile(afterPattern, &error);
        if (!m_pattern) throw std::invalid_argument("--starttls-after pattern: " + error);
    } else if (serverSide) {
        throw std::invalid_argument("the server side of STARTTLS " + std::string(startTlsProtocolName(protocol)) +
                                    " is not built in; use an upgrade after a match");
    }
    if (m_ehlo.empty() || m_ehlo.find_first_of("\r\n") != std::string::npos) m_ehlo = "linewright.localhost";
}

StartTlsDialog::Step StartTlsDialog::start() { return {}; }

StartTlsDialog::Step StartTlsDialog::onLine(std::string_view rawLine) {
    Step step;
    if (m_finished) return step;
    const std::string_view line = stripEol(rawLine);
    const std::string name(startTlsProtocolName(m_protocol));

    auto fail = [&](std::string reason) {
        step.failed = true;
        step.reason = std::move(reason);
        m_finished = true;
        m_state = kDone;
        return step;
    };
    auto upgrade = [&](std::string send = {}) {
        step.send = std::move(send);
        step.upgrade = true;
        m_finished = true;
        m_state = kDone;
        return step;
    };
    // The line was the one awaited in this state: send `command`, await `next`.
    auto answer = [&](int next, std::string command) {
        m_state = next;
        step.send = std::move(command);
        return step;
    };

    switch (m_protocol) {
    case StartTlsProtocol::None:
        return step;

    case StartTlsProtocol::AfterMatch:
        if (m_pattern->contains(line)) return upgrade();
        return step;

    case StartTlsProtocol::Smtp:
    case StartTlsProtocol::Ftp: {
        const bool smtp = m_protocol == StartTlsProtocol::Smtp;
        const ReplyLine r = parseReply(line);
        // Inside a multi-line reply: FTP allows any text on the lines
        // between the first and the last; SMTP repeats the code on each.
        if (m_multiCode >= 0) {
            if (r.code == m_multiCode && !r.more) {
                m_multiCode = -1;  // the last line: handled below
            } else {
                if (smtp && r.code < 0)
                    return fail("STARTTLS smtp: malformed line in a multi-line reply: " + quote(line));
                if (smtp && m_state == kReply1 && r.code == 250 && offersStartTls(r.text)) m_starttlsOffered = true;
                return step;
            }
        } else if (r.code < 0) {
            return fail("STARTTLS " + name + ": unexpected reply " + quote(line));
        } else if (r.more) {
            if (smtp && m_state == kReply1 && r.code == 250 && offersStartTls(r.text)) m_starttlsOffered = true;
            if (r.code / 100 == 1 || r.code / 100 == 2) {
                m_multiCode = r.code;
                return step;
            }
            // A refusal spread over several lines: the first one says enough.
            return fail(refusal(name, line));
        }
        // The last (or only) line of a reply.
        if (m_state == kGreeting) {
            if (!smtp && r.code == 120) return step;  // FTP: "service ready in nnn minutes", 220 follows
            if (r.code != 220) return fail("STARTTLS " + name + ": the server's greeting was " + quote(line));
            return answer(kReply1, smtp ? "EHLO " + m_ehlo + "\r\n" : std::string("AUTH TLS\r\n"));
        }
        if (smtp && m_state == kReply1) {
            if (r.code != 250) return fail(refusal(name, line) + " (in reply to EHLO)");
            if (offersStartTls(r.text)) m_starttlsOffered = true;
            if (!m_starttlsOffered)
                return fail("STARTTLS smtp: the server does not offer STARTTLS (its EHLO reply ended with " +
                            quote(line) + ")");
            return answer(kReply2, "STARTTLS\r\n");
        }
        // The reply to STARTTLS / AUTH TLS.
        if (r.code == (smtp ? 220 : 234)) return upgrade();
        return fail(refusal(name, line));
    }

    case StartTlsProtocol::Imap:
        if (m_state == kGreeting) {
            if (iequalsPrefix(line, "* OK")) return answer(kReply1, "a1 STARTTLS\r\n");
            if (iequalsPrefix(line, "* PREAUTH"))
                return fail("STARTTLS imap: the server greeted with PREAUTH (already authenticated; STARTTLS is "
                            "not allowed then): " + quote(line));
            return fail("STARTTLS imap: the server's greeting was " + quote(line));
        }
        if (iequalsPrefix(line, "a1 OK")) return upgrade();
        if (iequalsPrefix(line, "* ")) return step;  // untagged data (CAPABILITY, …) before the tagged reply
        return fail(refusal(name, line));

    case StartTlsProtocol::Pop3:
        if (m_state == kGreeting) {
            if (iequalsPrefix(line, "+OK")) return answer(kReply1, "STLS\r\n");
            return fail("STARTTLS pop3: the server's greeting was " + quote(line));
        }
        if (iequalsPrefix(line, "+OK")) return upgrade();
        return fail(refusal(name, line));
    }
    return step;
}

std::string StartTlsDialog::refusal(std::string_view protocol, std::string_view line) {
    return "STARTTLS " + std::string(protocol) + " refused by the server: " + quote(line);
}

}  // namespace engine::tls
