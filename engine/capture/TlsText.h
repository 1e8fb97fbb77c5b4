// TlsText.h — the TLS events (tls_handshake, tls_close, starttls) as one
// line of text for people: what the CLI prints, the transcript and the
// pcapng export's comments show.
//
// What it does: tlsHandshakeText() says what was negotiated and whether the
// peer was verified, in one line:
//     TLS 1.3 TLS_AES_256_GCM_SHA384, ALPN h2, verified (CN=localhost)
//     TLS 1.2 ECDHE-RSA-AES128-GCM-SHA256, UNVERIFIED: certificate has expired (CN=old.example)
//     TLS 1.3 TLS_AES_128_GCM_SHA256, UNVERIFIED (verification off): self-signed certificate (CN=localhost)
//     TLS 1.3 TLS_AES_256_GCM_SHA384, server, no client certificate, own certificate SHA-256 AB:CD:…
// certificateText() is one certificate of the chain on a line of its own;
// tlsEventText() the line of any of the three kinds ("TLS closed by the
// peer (close_notify)", "STARTTLS (smtp): TLS handshake begins"). Everything in
// them that a peer or a session file supplied (a certificate's subject, a
// verification reason, a protocol name) goes through terminalSafe()
// (Escape.h) here, so the lines are safe to print as they are.
// What it owns: nothing; pure functions.
// Threads: any.
#pragma once

#include "engine/reactor/Event.h"
#include "engine/tls/TlsInfo.h"

#include <cstddef>
#include <string>

namespace engine {

/// "TLSv1.3" as "TLS 1.3", "TLSv1" as "TLS 1.0" (other names as they are), escaped.
std::string tlsVersionText(std::string_view version);
/// The handshake in one line (see above).
std::string tlsHandshakeText(const TlsHandshakeInfo& t);
/// Its part about the peer's certificate: "verified (CN=localhost)",
/// "UNVERIFIED: certificate has expired (CN=old.example)", "UNVERIFIED
/// (verification off): self-signed certificate (CN=…)", "UNVERIFIED
/// (verification off; the check would have passed) (CN=…)", "no client certificate".
std::string tlsVerificationText(const TlsHandshakeInfo& t);
/// "certificate 1: CN=…; issuer CN=…; valid 2026-01-01T00:00:00Z to …; DNS:a, IP:…; EC P-256; SHA-256 AB:…"
/// (`index` counts from 0, the leaf; shown from 1).
std::string certificateText(const CertificateInfo& c, std::size_t index);
/// The one line of a tls_handshake, tls_close or starttls event; "" for other kinds.
std::string tlsEventText(const Event& e);

}  // namespace engine
