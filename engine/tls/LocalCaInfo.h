// LocalCaInfo.h — the local CA (LocalCa.h) described in plain values, for
// the layers above that must not see OpenSSL's types (the window's Proxy…
// dialog shows where the CA is, its fingerprint, and exports its
// certificate).
//
// What it does: describeLocalCa(dir, create) loads the CA kept in `dir` when
// its certificate is there (or creates it there when `create`), and returns
// its folder, certificate path, SHA-256 fingerprint and certificate PEM; a
// folder LocalCa refuses (a key others can read, a key without its
// certificate, a file instead of a folder, …) comes back as `error`, in
// words. Nothing is created unless `create`. defaultLocalCaDirectory() is
// the folder used when none is named.
// What it owns: nothing (a plain value).
// Threads: any thread (LocalCa::open is thread-safe).
#pragma once

#include <string>

namespace engine::tls {

struct LocalCaSummary {
    /// A CA is in the folder (loaded, or created now).
    bool exists = false;
    /// It was created by this call.
    bool created = false;
    std::string directory;
    std::string certificatePath;
    /// SHA-256, uppercase hex pairs joined by ':'.
    std::string fingerprint;
    std::string certificatePem;
    /// Why the CA could not be loaded or created ("" when it could, or when
    /// there is none and `create` was false).
    std::string error;
};

LocalCaSummary describeLocalCa(const std::string& dir, bool create);
/// LocalCa::defaultDirectory(): $XDG_DATA_HOME/linewright/ca, else
/// $HOME/.local/share/linewright/ca; "" when neither is set.
std::string defaultLocalCaDirectory();

}  // namespace engine::tls
