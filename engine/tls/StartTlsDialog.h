// StartTlsDialog.h — the plaintext exchange before a STARTTLS upgrade, as a
// state machine over received lines: no sockets, no OpenSSL.
//
// What it does: for a client, the built-in dialogues (SMTP: wait for the 220
// greeting, send EHLO, wait for the final 250 line and check STARTTLS is
// offered, send STARTTLS, wait for 220; IMAP: "* OK" greeting, "a1
// STARTTLS", "a1 OK"; POP3: "+OK", "STLS", "+OK"; FTP: "220", "AUTH TLS",
// "234") and "upgrade after a received line matches REGEX" (client or
// server side). The Channel feeds it every line it receives while the
// dialogue runs (bytes up to and including "\n"; a trailing "\r" is
// ignored; multi-line replies such as SMTP's "250-…" are handled) and does
// what each Step says. A refusal ("454 TLS not available", "-ERR", "a1 NO")
// or an unexpected reply fails the dialogue with the line in the reason.
// What it owns: its state and the compiled pattern.
// Threads: one thread at a time (the channel's loop thread).
#pragma once

#include "engine/asyncore/Pattern.h"
#include "engine/tls/TlsConfig.h"

#include <optional>
#include <string>
#include <string_view>

namespace engine::tls {

class StartTlsDialog {
public:
    struct Step {
        std::string send;      ///< Plaintext to push now (a command with its CRLF), "" for none.
        bool upgrade = false;  ///< Start the TLS handshake once `send` (if any) has gone out.
        bool failed = false;   ///< The dialogue failed: `reason` says why; the upgrade will not happen.
        std::string reason;
    };
    /// `protocol` must not be None. AfterMatch needs `afterPattern`
    /// (an RE2 pattern; throws std::invalid_argument with RE2's message when
    /// it does not compile); it is matched (anywhere, as Pattern::contains)
    /// against each line without its "\r\n". The server side exists only
    /// for AfterMatch (the built-in dialogues are client side; others throw
    /// std::invalid_argument). `ehloName` is the name SMTP's EHLO gives.
    StartTlsDialog(StartTlsProtocol protocol, std::string_view afterPattern, bool serverSide,
                   std::string ehloName = "linewright.localhost");
    /// What to do right after the connection is up (client side: usually
    /// nothing, every built-in dialogue waits for the greeting).
    Step start();
    /// One received line, with or without its "\r\n". After a step with
    /// upgrade or failed set, further lines return an empty Step. A failure's
    /// reason quotes the line escaped (Pattern::excerpt) and cut short.
    Step onLine(std::string_view line);
    /// True once a step said upgrade or failed.
    bool finished() const noexcept { return m_finished; }
    StartTlsProtocol protocol() const noexcept { return m_protocol; }

private:
    StartTlsProtocol m_protocol;
    bool m_server;
    std::string m_ehlo;
    std::optional<Pattern> m_pattern;
    static std::string refusal(std::string_view protocol, std::string_view line);

    int m_state = 0;
    int m_multiCode = -1;  // SMTP/FTP: the code of the multi-line reply being read, -1 none
    bool m_finished = false;
    bool m_starttlsOffered = false;
};

}  // namespace engine::tls
