// TlsOptions.cpp — the TLS options on CLI11, and their checks.
#include "app/cli/TlsOptions.h"

#include "app/cli/OptionGroups.h"
#include "app/cli/Values.h"

#include "engine/asyncore/Pattern.h"
#include "engine/net/FileOps.h"

#include <CLI/CLI.hpp>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <fstream>
#include <string_view>
#include <utility>
#include <vector>

namespace cli {

namespace fs = std::filesystem;

namespace {

/// The longest ALPN protocol name (RFC 7301: a length byte) and list.
constexpr std::size_t kMaxAlpnName = 255;
constexpr std::size_t kMaxAlpnWire = 65535;
constexpr std::uint64_t kMaxTlsTimeoutMs = 3600000;  // an hour

/// --tls-timeout MS: 1 to kMaxTlsTimeoutMs.
std::string checkTlsTimeout(const std::string& v) {
    const auto n = parseCount(v);
    return n && *n != 0 && *n <= kMaxTlsTimeoutMs
               ? std::string()
               : "expected milliseconds from 1 to " + std::to_string(kMaxTlsTimeoutMs) + ", got " + quote(v);
}

/// A file TLS reads (CA, certificate, key): there, a file, readable, not empty.
std::string checkInputFile(const std::string& v) {
    if (v.empty()) return "expected a file name";
    std::error_code ec;
    const auto status = fs::status(v, ec);
    if (fs::is_directory(status)) return "cannot read " + quote(v) + ": it is a directory";
    // A named pipe is not opened here: opening it waits for a writer.
    if (fs::is_fifo(status)) return {};
    errno = 0;
    std::ifstream f(v, std::ios::binary);
    if (!f) return "cannot read " + quote(v) + ": " + (errno ? std::strerror(errno) : "cannot open it");
    if (fs::is_regular_file(status) && fs::file_size(v, ec) == 0 && !ec) return quote(v) + " is empty";
    return {};
}

std::vector<std::string> splitAlpn(const std::string& v) {
    std::vector<std::string> names;
    std::size_t start = 0;
    while (true) {
        const auto comma = v.find(',', start);
        names.push_back(v.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return names;
}

std::string checkAlpn(const std::string& v) {
    const std::string expected = "expected protocol names separated by commas (e.g. h2,http/1.1), got " + quote(v);
    std::size_t wire = 0;
    for (const std::string& name : splitAlpn(v)) {
        if (name.empty()) return expected;
        if (name.size() > kMaxAlpnName)
            return "the protocol name " + quote(name.substr(0, 16) + "…") + " is longer than 255 bytes";
        for (const char c : name)
            if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f) return expected;
        wire += name.size() + 1;
    }
    if (wire > kMaxAlpnWire) return "the protocol list is longer than 65535 bytes";
    return {};
}

/// A host name (or an IP address literal) for SNI and the certificate check.
std::string checkServerName(const std::string& v) {
    const std::string expected = "expected a host name (e.g. mail.example.com), got " + quote(v);
    if (v.empty() || v.size() > 253) return expected;
    for (const char c : v) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                        c == '.' || c == '_' || c == ':';
        if (!ok) return expected;
    }
    return {};
}

std::string checkVersion(const std::string& v) {
    const auto version = engine::parseTlsVersion(v);
    if (!version || *version == engine::TlsVersion::Any)
        return "expected a TLS version: 1.0, 1.1, 1.2 or 1.3, got " + quote(v);
    return {};
}

std::string checkPattern(const std::string& v) {
    if (v.empty()) return "the regular expression is empty";
    // The engine's matcher (StartTlsDialog uses engine::Pattern), with its syntax and limits.
    std::string why;
    if (!engine::Pattern::compile(v, &why))
        return quote(engine::Pattern::excerpt(v)) + " is not a valid regular expression: " + why;
    return {};
}

/// SSLKEYLOGFILE, or "" when unset.
std::string keyLogEnvironment() {
#if defined(_MSC_VER)
    char* value = nullptr;
    std::size_t size = 0;
    if (_dupenv_s(&value, &size, "SSLKEYLOGFILE") != 0 || !value) return {};
    std::string s(value);
    std::free(value);
    return s;
#else
    const char* value = std::getenv("SSLKEYLOGFILE");
    return value ? std::string(value) : std::string();
#endif
}

}  // namespace

std::string checkStartTlsProtocol(const std::string& value) {
    return engine::parseStartTlsProtocol(value) ? std::string()
                                                : "unknown protocol " + quote(value) + "; expected smtp, imap, pop3 or ftp";
}

std::string checkKeyLogFile(const std::string& path, bool create) {
    if (path.empty()) return "expected a file name";
    const std::string isLink = quote(path) + " is a symbolic link; links are not followed (name the file itself)";
    std::error_code ec;
    const auto link = fs::symlink_status(path, ec);
    if (!ec && fs::is_symlink(link)) return isLink;
    if (!ec && fs::is_directory(link)) return "cannot write " + quote(path) + ": it is a directory";
    if (!ec && fs::exists(link) && !fs::is_regular_file(link)) return {};  // a FIFO or a device, written as it is
    if (!ec && fs::is_regular_file(link)) {
        // Appended to: opened to check, never truncated.
        errno = 0;
        std::FILE* f = std::fopen(path.c_str(), "ab");
        if (!f) return "cannot write " + quote(path) + ": " + (errno ? std::strerror(errno) : "cannot open it");
        std::fclose(f);
        return {};
    }
    // A new file: its directory must be there.
    fs::path parent = fs::path(path).parent_path();
    if (parent.empty()) parent = ".";
    const auto dir = fs::status(parent, ec);
    if (!fs::is_directory(dir))
        return "cannot create " + quote(path) + ": " +
               (fs::exists(dir) ? quote(parent.string()) + " is not a directory"
                                : "there is no directory " + quote(parent.string()));
    if (!create) return {};
    // Created now, 0600 (it holds secrets), never through a link.
    const engine::fileops::OpenedFile created = engine::fileops::openNoFollow(path, false, 0600);
    switch (created.outcome) {
    case engine::fileops::OpenOutcome::Opened: std::fclose(created.file); return {};
    case engine::fileops::OpenOutcome::Exists: return {};  // created meanwhile: appended to
    case engine::fileops::OpenOutcome::Symlink: return isLink;
    case engine::fileops::OpenOutcome::Failed: break;
    }
    return "cannot create " + quote(path) + ": " + std::strerror(created.error ? created.error : EIO);
}

void addTlsOptions(OptionDefiner& d, CLI::App& app, TlsRole role, TlsOptions& t, TlsLeg leg) {
    const bool client = role == TlsRole::Client;
    const bool upstream = leg == TlsLeg::ProxyUpstream;
    const bool own = leg == TlsLeg::Own;  // not a proxy: STARTTLS, --keylog and --tls-timeout here
    // A proxy's upstream options are the connect options, named "--to-…".
    auto name = [upstream](const char* n) { return upstream ? "--to-" + std::string(n + 2) : std::string(n); };
    d.setGroup(upstream ? "Upstream TLS" : "TLS");
    // Remembers the first option that configures TLS without turning it on.
    auto detail = [&t](const std::string& option) {
        if (t.firstDetail.empty()) t.firstDetail = option;
    };
    // An option with a value that sets a detail of the configuration (`set`)
    // and counts as one for that check.
    auto detailValue = [&d, &app, detail, name](const char* option, const char* metavar, std::string description,
                                                OptionDefiner::Check check, std::function<void(const std::string&)> set) {
        d.value(app, name(option), metavar, std::move(description), std::move(check),
                [detail, shown = name(option), set = std::move(set)](const std::string& v) {
                    set(v);
                    detail(shown);
                });
    };
    d.flag(app, name("--tls"),
           upstream ? "TLS towards the --to server from the first byte: verify its certificate chain (system store, "
                      "or --to-cafile) and its host name; SNI is the name the client asked for (with --tls or "
                      "--starttls), else the --to host."
           : client ? "TLS from the first byte: verify the server's certificate chain (system store, or --cafile) and "
                    "its host name; SNI is the host as given."
           : leg == TlsLeg::ProxyClient
                  ? "TLS from the first byte towards every client, with --cert/--key or, without them, a certificate "
                    "for the name the client asks for (SNI; else the --to host) issued by Linewright's local CA "
                    "(--ca-dir; linewright-cli ca --export FILE gives its certificate to trust)."
                  : "TLS from the first byte on every accepted connection, with --cert/--key or, without them, a "
                    "generated self-signed certificate whose SHA-256 fingerprint is printed.",
           [&t] { t.config.enabled = true; });
    if (client && own)
        d.value(
            app, "--starttls", "PROTO",
            "start in plaintext and upgrade with the protocol's own dialogue: smtp (EHLO, STARTTLS), imap (a1 "
            "STARTTLS), pop3 (STLS) or ftp (AUTH TLS).",
            checkStartTlsProtocol,
            [&t](const std::string& v) {
                t.config.startTls = *engine::parseStartTlsProtocol(v);
                t.startTlsGiven = true;
            });
    if (own) {
    d.value(app, "--starttls-after", "REGEX",
            client ? "start in plaintext and upgrade once a received message matches REGEX (RE2, partial match); "
                     "send the protocol's upgrade command yourself (--send or stdin)."
                   : "start every accepted connection in plaintext and upgrade it (this end as the TLS server) once "
                     "a received message matches REGEX (RE2, partial match), after the replies queued so far "
                     "(--send on accept, --echo) have gone out.",
            checkPattern, [&t](const std::string& v) {
                t.config.startTls = engine::StartTlsProtocol::AfterMatch;
                t.config.startTlsAfter = v;
                t.afterGiven = true;
            });
    }
    if (client)
        d.flag(app, name("--insecure"),
               "do not verify the server's certificate or host name (every handshake line then says UNVERIFIED, "
               "with what the check would have found).",
               [&t, detail, shown = name("--insecure")] {
                   t.config.verify = false;
                   detail(shown);
               });
    detailValue("--cafile", "FILE",
                client ? "trust the CA certificates in FILE (PEM) instead of the system store."
                       : "ask every client for a certificate and verify it against the CA certificates in FILE "
                         "(PEM); a client without one fails the handshake.",
                checkInputFile, [&t](const std::string& v) { t.config.caFile = v; });
    detailValue("--cert", "FILE",
                client ? "present the certificate (chain) in FILE (PEM) when the server asks for one; needs " +
                             name("--key") + "."
                       : "the server's certificate (chain) in FILE (PEM); needs --key.",
                checkInputFile, [&t](const std::string& v) { t.config.certFile = v; });
    detailValue("--key", "FILE", "the private key of --cert, in FILE (PEM, unencrypted).", checkInputFile,
                [&t](const std::string& v) { t.config.keyFile = v; });
    if (leg == TlsLeg::ProxyClient)
        detailValue("--ca-dir", "DIR",
                    "the local CA's folder (default $XDG_DATA_HOME/linewright/ca, else ~/.local/share/linewright/ca); "
                    "created with a new CA when it holds none.",
                    [](const std::string& v) { return v.empty() ? std::string("expected a folder") : std::string(); },
                    [&t](const std::string& v) { t.config.localCaDir = v; });
    detailValue("--alpn", "LIST",
                client ? "offer these ALPN protocols, comma separated, in preference order (h2,http/1.1)."
                       : "accept these ALPN protocols, comma separated, in preference order; a client offering none "
                         "of them gets no ALPN.",
                checkAlpn, [&t](const std::string& v) { t.config.alpn = splitAlpn(v); });
    if (client)
        detailValue("--sni", "NAME",
                    "send NAME as SNI and check the certificate against it instead of the host as given (connect "
                    "to an address, verify a name).",
                    checkServerName, [&t](const std::string& v) { t.config.serverName = v; });
    detailValue("--tls-min", "V", "the lowest TLS version to accept: 1.0, 1.1, 1.2 or 1.3.", checkVersion,
                [&t](const std::string& v) { t.config.minVersion = *engine::parseTlsVersion(v); });
    detailValue("--tls-max", "V", "the highest TLS version to offer: 1.0, 1.1, 1.2 or 1.3.", checkVersion,
                [&t](const std::string& v) { t.config.maxVersion = *engine::parseTlsVersion(v); });
    if (!own) return;  // a proxy defines --keylog and --tls-timeout once, for both legs
    detailValue(
        "--keylog", "FILE",
        "append the session secrets to FILE in the NSS key log format, for Wireshark to decrypt a capture of this "
        "traffic (default: $SSLKEYLOGFILE when set). Created 0600; a symbolic link is refused.",
        checkFileName,
        [&t](const std::string& v) { t.config.keyLogFile = v; });
    d.value(
        app, "--tls-timeout", "MS", "fail a handshake not done within MS milliseconds (default 10000).",
        checkTlsTimeout,
        [&t, detail](const std::string& v) {
            t.config.handshakeTimeoutMs = static_cast<std::uint32_t>(*parseCount(v));
            detail("--tls-timeout");
        });
}

void addSharedTlsOptions(OptionDefiner& d, CLI::App& app, TlsOptions& a, TlsOptions& b, bool& keyLogGiven) {
    d.setGroup("TLS");
    d.value(
        app, "--keylog", "FILE",
        "append the session secrets of both legs to FILE in the NSS key log format, for Wireshark to decrypt a "
        "capture of this traffic (default: $SSLKEYLOGFILE when set). Created 0600; a symbolic link is refused.",
        checkFileName,
        [&a, &b, &keyLogGiven](const std::string& v) {
            a.config.keyLogFile = v;
            b.config.keyLogFile = v;
            keyLogGiven = true;
        });
    d.value(
        app, "--tls-timeout", "MS", "fail a handshake (either leg) not done within MS milliseconds (default 10000).",
        checkTlsTimeout,
        [&a, &b](const std::string& v) {
            a.config.handshakeTimeoutMs = b.config.handshakeTimeoutMs = static_cast<std::uint32_t>(*parseCount(v));
        });
}

std::string finishTls(TlsRole role, const std::string& command, TlsOptions& t, std::string_view notSupported,
                      TlsLeg leg) {
    engine::TlsConfig& c = t.config;
    const bool upstream = leg == TlsLeg::ProxyUpstream;
    auto n = [upstream](const char* o) { return upstream ? "--to-" + std::string(o + 2) : std::string(o); };
    if (c.enabled && (t.startTlsGiven || t.afterGiven))
        return std::string("--tls starts TLS with the first byte, ") + (t.startTlsGiven ? "--starttls" : "--starttls-after") +
               " upgrades a plaintext connection later: give one of them";
    if (t.startTlsGiven && t.afterGiven)
        return "--starttls runs the protocol's own dialogue, --starttls-after waits for a message: give one of them";
    if (!c.wanted()) {
        if (!t.firstDetail.empty())
            return t.firstDetail + " configures TLS, but TLS is not on: add " + n("--tls") +
                   (leg != TlsLeg::Own ? std::string()
                                       : (role == TlsRole::Client ? std::string(", --starttls PROTO") : std::string()) +
                                             " or --starttls-after REGEX");
        return {};
    }
    if (!c.keyFile.empty() && c.certFile.empty())
        return n("--key") + " is the private key of a certificate: add " + n("--cert") + " FILE";
    if (!c.certFile.empty() && c.keyFile.empty()) return n("--cert") + " needs its private key: add " + n("--key") + " FILE";
    if (c.minVersion != engine::TlsVersion::Any && c.maxVersion != engine::TlsVersion::Any &&
        c.minVersion > c.maxVersion)
        return n("--tls-min") + " " + std::string(engine::tlsVersionName(c.minVersion)) + " is above " + n("--tls-max") + " " +
               std::string(engine::tlsVersionName(c.maxVersion));
    if (c.keyLogFile.empty()) {
        const std::string env = keyLogEnvironment();
        if (!env.empty()) {
            c.keyLogFile = env;
            t.keyLogFromEnvironment = true;
        }
    }
    const char* keyLogName = t.keyLogFromEnvironment ? "SSLKEYLOGFILE: " : "--keylog: ";
    if (!c.keyLogFile.empty())
        if (const std::string why = checkKeyLogFile(c.keyLogFile, false); !why.empty()) return keyLogName + why;
    if (!notSupported.empty())
        return command + " " + (c.enabled ? "--tls" : t.startTlsGiven ? "--starttls" : "--starttls-after") +
               " is not supported yet: " + std::string(notSupported);
    if (!c.keyLogFile.empty())
        if (const std::string why = checkKeyLogFile(c.keyLogFile, true); !why.empty()) return keyLogName + why;
    return {};
}

std::string tlsGroupNote(TlsRole role) {
    if (role == TlsRole::Client)
        return "  TLS options other than --tls/--starttls need one of those. A failed\n"
               "  handshake or verification ends the run with status 1 and one line\n"
               "  naming the certificate and the reason. See docs/tls.md.\n";
    return "  TLS options other than --tls/--starttls-after need one of those. A\n"
           "  connection whose handshake fails is closed with an error line; the\n"
           "  listener goes on. See docs/tls.md.\n";
}

}  // namespace cli
