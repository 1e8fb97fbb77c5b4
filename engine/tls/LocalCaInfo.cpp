// LocalCaInfo.cpp — the local CA as plain values.
#include "engine/tls/LocalCaInfo.h"

#include "engine/tls/LocalCa.h"

#include <filesystem>
#include <stdexcept>
#include <system_error>

namespace engine::tls {

LocalCaSummary describeLocalCa(const std::string& dir, bool create) {
    LocalCaSummary s;
    s.directory = dir;
    if (dir.empty()) {
        s.error = "no folder for the local CA";
        return s;
    }
    std::error_code ec;
    const std::filesystem::path folder(dir);
    const bool certThere = std::filesystem::exists(folder / LocalCa::kCertFileName, ec);
    const bool keyThere = std::filesystem::exists(folder / LocalCa::kKeyFileName, ec);
    const bool folderIsFile = std::filesystem::exists(folder, ec) && !std::filesystem::is_directory(folder, ec);
    if (!create && !certThere && !keyThere && !folderIsFile) {
        s.certificatePath = (folder / LocalCa::kCertFileName).string();
        return s;  // nothing there yet: created when first needed
    }
    try {
        const std::shared_ptr<LocalCa> ca = LocalCa::open(dir);
        s.exists = true;
        s.created = ca->created();
        s.directory = ca->directory();
        s.certificatePath = ca->certificatePath();
        s.fingerprint = ca->fingerprint();
        s.certificatePem = ca->certificatePem();
    } catch (const std::exception& e) {
        s.error = e.what();
    }
    return s;
}

std::string defaultLocalCaDirectory() { return LocalCa::defaultDirectory(); }

}  // namespace engine::tls
