// TlsText.cpp — TLS events as escaped text lines.
#include "engine/capture/TlsText.h"

#include "engine/asyncore/Escape.h"

namespace engine {

namespace {

std::string safe(std::string_view s) { return terminalSafe(s); }

// The leaf's subject, in parentheses; "" without a chain.
std::string leaf(const TlsHandshakeInfo& t) {
    if (t.peerChain.empty() || t.peerChain.front().subject.empty()) return {};
    return " (" + safe(t.peerChain.front().subject) + ")";
}

}  // namespace

std::string tlsVersionText(std::string_view version) {
    if (version == "TLSv1") return "TLS 1.0";  // OpenSSL's name for it
    if (version.starts_with("TLSv")) return "TLS " + safe(version.substr(4));
    if (version.empty()) return "TLS";
    return safe(version);
}

std::string tlsHandshakeText(const TlsHandshakeInfo& t) {
    std::string s = tlsVersionText(t.version);
    if (!t.cipher.empty()) s += " " + safe(t.cipher);
    if (t.server) s += ", server";
    if (t.startTls) s += ", after STARTTLS";
    if (!t.alpn.empty()) s += ", ALPN " + safe(t.alpn);
    if (!t.serverName.empty()) s += ", SNI " + safe(t.serverName);
    if (t.resumed) s += ", resumed";
    s += ", " + tlsVerificationText(t);
    if (!t.localFingerprint.empty()) s += ", own certificate SHA-256 " + safe(t.localFingerprint);
    return s;
}

std::string tlsVerificationText(const TlsHandshakeInfo& t) {
    const std::string result = t.verifyResult.empty() ? std::string("no reason given") : safe(t.verifyResult);
    if (t.server && t.peerChain.empty() && !t.verified) return "no client certificate";
    if (t.verified && !t.verifySkipped) return "verified" + leaf(t);
    if (t.verifySkipped && t.verifyResult == "ok")
        return "UNVERIFIED (verification off; the check would have passed)" + leaf(t);
    if (t.verifySkipped) return "UNVERIFIED (verification off): " + result + leaf(t);
    return "UNVERIFIED: " + result + leaf(t);
}

std::string certificateText(const CertificateInfo& c, std::size_t index) {
    std::string s = "certificate " + std::to_string(index + 1) + ": " + safe(c.subject);
    if (!c.issuer.empty()) s += "; issuer " + safe(c.issuer);
    if (!c.notBefore.empty() || !c.notAfter.empty())
        s += "; valid " + safe(c.notBefore.empty() ? "?" : c.notBefore) + " to " +
             safe(c.notAfter.empty() ? "?" : c.notAfter);
    if (!c.subjectAltNames.empty()) {
        s += "; ";
        for (std::size_t i = 0; i < c.subjectAltNames.size(); ++i) s += (i ? ", " : "") + safe(c.subjectAltNames[i]);
    }
    if (!c.keyType.empty()) s += "; " + safe(c.keyType);
    if (!c.sha256.empty()) s += "; SHA-256 " + safe(c.sha256);
    return s;
}

std::string tlsEventText(const Event& e) {
    switch (e.kind) {
    case EventKind::TlsHandshake:
        if (const TlsHandshakeInfo* t = e.tlsInfo()) return tlsHandshakeText(*t);
        return "TLS handshake done";
    case EventKind::TlsClose: {
        std::string s = "TLS closed";
        if (e.info == "peer")
            s += " by the peer";
        else if (e.info == "local")
            s += " by this end";
        else if (!e.info.empty())
            s += " by " + safe(e.info);
        return s + (e.tlsCloseKind() == TlsCloseKind::CloseNotify
                        ? " (close_notify)"
                        : " (truncated: no close_notify, data may be missing)");
    }
    case EventKind::StartTls: return "STARTTLS (" + safe(e.startTlsProtocol()) + "): TLS handshake begins";
    default: return {};
    }
}

}  // namespace engine
