// ScriptMaker.cpp — a recorded connection as a script.
#include "engine/script/ScriptMaker.h"

#include "engine/asyncore/Escape.h"

#include <algorithm>
#include <cstdio>

namespace engine::script {

namespace {

constexpr std::size_t kMaxRegex = 3500;  // below Pattern's default limit of 4096 bytes

// One byte of a literal in RE2 syntax, inside a script's quotes.
void appendRegexByte(std::string& out, unsigned char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ' ' || c == '_' ||
        c == '-' || c == ':' || c == ',' || c == '/' || c == '=' || c == '@' || c == '<' || c == '>' || c == '\'' ||
        c == ';' || c == '!' || c == '%' || c == '&' || c == '~' || c == '`') {
        out += static_cast<char>(c);
    } else if (c == '"') {
        out += "\\\"";
    } else if (c >= 0x21 && c < 0x7f) {
        out += '\\';
        out += static_cast<char>(c);
    } else {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\x%02x", c);
        out += buf;
    }
}

// The body as an anchored regex with each run of digits as [0-9]+ (but one
// that starts the message: a reply code, 250, 354); "" when it has none.
std::string loosened(std::string_view body) {
    std::string re = "^";
    bool any = false;
    for (std::size_t i = 0; i < body.size();) {
        std::size_t j = i;
        while (j < body.size() && body[j] >= '0' && body[j] <= '9') ++j;
        if (j > i && i > 0) {
            re += "[0-9]+";
            any = true;
            i = j;
            continue;
        }
        if (j > i) {
            re.append(body.substr(i, j - i));
            i = j;
            continue;
        }
        appendRegexByte(re, static_cast<unsigned char>(body[i]));
        ++i;
    }
    re += "$";
    return any && re.size() <= kMaxRegex ? re : std::string();
}

struct Item {
    std::uint64_t seq = 0;
    bool send = false;
    std::string bytes;  // send: the whole message; expect: the body
    Terminator framing;
};

}  // namespace

std::string quoteText(std::string_view bytes) {
    std::string out;
    const std::string esc = renderEscaped(bytes);
    for (std::size_t i = 0; i < esc.size(); ++i) {
        if (esc[i] == '"') {
            out += "\\\"";
        } else if (esc[i] == '$' && i + 1 < esc.size() && esc[i + 1] == '{') {
            out += "\\x24";
        } else {
            out += esc[i];
        }
    }
    return out;
}

std::string makeScript(const Conversation& c, const MakeOptions& o) {
    std::vector<Item> items;
    const StreamDirection& up = c.clientToServer();
    const StreamDirection& down = c.serverToClient();
    for (const auto& m : up.messages)
        items.push_back({m.seq, true, std::string(up.messageBytes(m)), Terminator()});
    if (c.localIsClient()) {
        for (const auto& m : down.messages) {
            std::string_view b = down.messageBytes(m);
            b = b.substr(0, b.size() - std::min<std::size_t>(b.size(), m.terminatorSize));
            Terminator t = m.terminator;
            if (!m.terminated) t = Terminator::none();
            else if (t.isCount()) t = Terminator::count(static_cast<long long>(m.size));
            items.push_back({m.seq, false, std::string(b), t});
        }
    } else {
        // The server's side was pushed: cut it at the client's terminator.
        std::string term = "\r\n";
        for (const auto& m : up.messages)
            if (m.terminator.isBytes() && !m.terminator.bytesValue().empty()) {
                term = m.terminator.bytesValue();
                break;
            }
        for (const auto& m : down.messages) {
            std::string_view b = down.messageBytes(m);
            while (!b.empty()) {
                const std::size_t at = b.find(term);
                if (at == std::string_view::npos) {
                    items.push_back({m.seq, false, std::string(b), Terminator::none()});
                    break;
                }
                items.push_back({m.seq, false, std::string(b.substr(0, at)), Terminator::bytes(term)});
                b.remove_prefix(at + term.size());
            }
        }
    }
    std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) { return a.seq < b.seq; });

    std::string s;
    s += "# Made by linewright-cli script from " + terminalSafe(o.source.empty() ? std::string("a recording") : o.source) +
         ", channel " + std::to_string(c.channel) + ".\n";
    s += "# Each request is sent as recorded; each reply is expected" +
         std::string(o.exact ? " byte for byte.\n" : " (numbers may differ, [0-9]+, but a reply code at the start).\n");
    std::string target = c.serverAddress();
    if (target.empty()) target = "127.0.0.1:1  # the recording does not say where: use --to";
    s += "connect " + target + "\n";
    Terminator current = Terminator::bytes("\r\n");
    for (const Item& it : items) {
        if (it.send) {
            s += "send raw \"" + quoteText(it.bytes) + "\"\n";
            continue;
        }
        if (it.framing.isCount()) {
            s += "terminator count " + std::to_string(it.framing.countValue()) + "\n";
        } else if (!(it.framing == current)) {
            if (it.framing.isBytes() && !it.framing.bytesValue().empty())
                s += "terminator \"" + quoteText(it.framing.bytesValue()) + "\"\n";
            else
                s += "terminator none\n";
            current = it.framing;
        }
        const std::string re = o.exact ? std::string() : loosened(it.bytes);
        if (!re.empty())
            s += "expect regex \"" + re + "\"\n";
        else
            s += "expect \"" + quoteText(it.bytes) + "\"\n";
    }
    s += c.serverClosed() ? "expect close\n" : "close\n";
    return s;
}

}  // namespace engine::script
