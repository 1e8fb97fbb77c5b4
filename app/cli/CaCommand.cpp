// CaCommand.cpp — `linewright-cli ca`: the local CA of proxy --tls
// (engine/tls/LocalCa.h) created or shown, its certificate exported.
#include "app/cli/ToolCommands.h"

#include "engine/asyncore/Escape.h"
#include "engine/net/FileOps.h"
#include "engine/tls/LocalCa.h"

#include <cerrno>
#include <cstring>
#include <exception>

namespace cli {

int runCa(const ToolOptions& o, std::FILE* out, std::FILE* err) {
    const std::string dir = o.caDir.empty() ? engine::tls::LocalCa::defaultDirectory() : o.caDir;
    std::shared_ptr<engine::tls::LocalCa> ca;
    try {
        ca = engine::tls::LocalCa::open(dir);
    } catch (const std::exception& e) {
        sayTo(err, std::string("local CA: ") + engine::terminalSafe(e.what()));
        return 1;
    }
    const engine::CertificateInfo info = engine::tls::certificateInfo(ca->certificate());
    if (ca->created()) sayTo(err, "created a new local CA in " + engine::terminalSafe(ca->directory()));
    // With --export -, stdout carries the PEM alone: the description goes to stderr.
    std::FILE* text = o.caExport == "-" ? err : out;
    std::fprintf(text, "certificate: %s\nkey:         %s\nsubject:     %s\nvalid:       %s to %s\nSHA-256:     %s\n",
                 engine::terminalSafe(ca->certificatePath()).c_str(), engine::terminalSafe(ca->keyPath()).c_str(),
                 engine::terminalSafe(info.subject).c_str(), info.notBefore.c_str(), info.notAfter.c_str(),
                 info.sha256.c_str());
    std::fflush(text);
    if (o.caExport.empty()) return 0;
    const std::string& pem = ca->certificatePem();
    if (o.caExport == "-") {
        const bool ok = std::fwrite(pem.data(), 1, pem.size(), out) == pem.size() && std::fflush(out) == 0;
        if (!ok) sayTo(err, std::string("cannot write stdout: ") + std::strerror(errno ? errno : EIO));
        return ok ? 0 : 1;
    }
    const engine::fileops::OpenedFile f = engine::fileops::openNoFollow(o.caExport, o.force, 0644);
    const std::string name = "'" + engine::terminalSafe(o.caExport) + "'";
    switch (f.outcome) {
    case engine::fileops::OpenOutcome::Opened: break;
    case engine::fileops::OpenOutcome::Exists:
        sayTo(err, "cannot export the CA certificate: " + name + " exists; it is not overwritten (--force overwrites it)");
        return 1;
    case engine::fileops::OpenOutcome::Symlink:
        sayTo(err, "cannot export the CA certificate: " + name + " is a symbolic link; refused");
        return 1;
    case engine::fileops::OpenOutcome::Failed:
        sayTo(err, "cannot export the CA certificate to " + name + ": " + std::strerror(f.error ? f.error : EIO));
        return 1;
    }
    const bool written = std::fwrite(pem.data(), 1, pem.size(), f.file) == pem.size();
    if (std::fclose(f.file) != 0 || !written) {
        sayTo(err, "cannot write " + name);
        return 1;
    }
    sayTo(err, "exported the CA certificate to " + name);
    return 0;
}

}  // namespace cli
