// TlsOptions.h — the TLS options of linewright-cli, defined once for every
// command that takes them (connect, listen, replay, mock), and their checks.
//
// What it does: addTlsOptions() defines, in the help group "TLS", the
// options that fill one engine::TlsConfig (engine/tls/TlsConfig.h):
//   --tls                  TLS from the first byte
//   --starttls PROTO       (client) smtp, imap, pop3 or ftp: the built-in dialogue
//   --starttls-after REGEX upgrade after a received message matches (RE2)
//   --insecure             (client) no certificate or host name verification
//   --cafile FILE          trusted CAs (server: ask for and verify a client certificate)
//   --cert FILE, --key FILE  the certificate this end presents, and its key
//   --alpn LIST            ALPN protocols, comma separated, in preference order
//   --sni NAME             (client) SNI and the name checked against the certificate
//   --tls-min V, --tls-max V  protocol version bounds (1.0 … 1.3)
//   --keylog FILE          NSS key log (as SSLKEYLOGFILE) appended to
//   --tls-timeout MS       handshake timeout
// A client command gets the client options, a server command (listen, mock)
// those that mean something for a server. Each value is checked as it is
// parsed (files readable, the pattern compiles with the engine's RE2 limits,
// versions, ALPN names, the timeout); finishTls() then checks what depends
// on several options (--key without --cert, min above max, --tls with
// --starttls, a TLS option without --tls/--starttls) and resolves the key
// log (--keylog, else the SSLKEYLOGFILE environment variable when TLS is
// used), so a bad command line ends with exit status 2 and one line.
// Key log file rules: lines are appended (several runs, like SSLKEYLOGFILE
// in browsers and curl, feed one file Wireshark reads); a new file is
// created 0600 by the engine (engine::tls::KeyLog); a symbolic link is never
// followed (refused here, and O_NOFOLLOW in the engine); a directory, a
// missing directory or an unwritable file is refused here.
// What it owns: nothing; TlsOptions is a value type.
// Threads: main thread.
#pragma once

#include "app/cli/Forward.h"
#include "engine/tls/TlsConfig.h"

#include <string>
#include <string_view>

namespace cli {

/// Whether the engine's channels run TLS yet (engine::ChannelOptions::tls,
/// engine/reactor/Channel). While they do not, connect and listen refuse
/// --tls and --starttls (status 2) rather than run in plaintext.
inline constexpr bool kChannelsRunTls = true;

/// Which end of the TLS connection a command is.
enum class TlsRole { Client, Server };

struct TlsOptions {
    engine::TlsConfig config;
    /// The first option given that configures TLS but does not turn it on
    /// ("--cafile"), for "needs --tls" messages; "" when none.
    std::string firstDetail;
    bool keyLogFromEnvironment = false;  ///< config.keyLogFile came from SSLKEYLOGFILE.
    bool startTlsGiven = false;          ///< --starttls PROTO (as opposed to --starttls-after).
    bool afterGiven = false;             ///< --starttls-after REGEX.

    bool wanted() const noexcept { return config.wanted(); }
};

/// Which set of TLS options addTlsOptions() defines.
enum class TlsLeg {
    Own,            ///< connect, listen, replay, mock: every option of the role.
    ProxyClient,    ///< proxy, towards the client (server role): no --starttls-after, --keylog, --tls-timeout.
    ProxyUpstream,  ///< proxy, towards --to (client role): "--to-tls", "--to-cafile", … (group "Upstream TLS").
};

/// Defines the TLS options of `role` on `app` (group "TLS"), stored into `t`.
/// A proxy defines two sets (TlsLeg), and --keylog / --tls-timeout itself.
void addTlsOptions(OptionDefiner& d, CLI::App& app, TlsRole role, TlsOptions& t, TlsLeg leg = TlsLeg::Own);
/// A proxy's --keylog and --tls-timeout (group "TLS"): one value for both
/// legs, stored into `a` and `b`; `keyLogGiven` set by --keylog.
void addSharedTlsOptions(OptionDefiner& d, CLI::App& app, TlsOptions& a, TlsOptions& b, bool& keyLogGiven);
/// --starttls PROTO: "" for smtp, imap, pop3 or ftp, else "unknown protocol 'x'; expected …".
std::string checkStartTlsProtocol(const std::string& value);
/// The checks across TLS options, once all are parsed; `command` names the
/// command in messages ("connect"). "" when all is well, else the message.
/// `notSupported` non-empty: this command cannot run TLS yet, and asking for
/// it is refused with that reason (after the other checks, before the key
/// log file is created). Last, the key log file (--keylog, else
/// $SSLKEYLOGFILE) is checked and, when new, created 0600.
std::string finishTls(TlsRole role, const std::string& command, TlsOptions& t,
                      std::string_view notSupported = {}, TlsLeg leg = TlsLeg::Own);

/// "" when `path` may be opened to append a key log to, else why not
/// ("'k.log' is a symbolic link; links are not followed (name the file
/// itself)"). An existing regular file is opened for appending and closed
/// (never truncated); `create`: a new file is created now, 0600, so that
/// the run finds it writable.
std::string checkKeyLogFile(const std::string& path, bool create);

/// The help note of the TLS group (defaults, what listen does differently).
std::string tlsGroupNote(TlsRole role);

}  // namespace cli
