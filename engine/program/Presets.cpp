// Presets.cpp — finding presets: built in, and in the user's folder.
#include "engine/program/Presets.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace engine::program {

namespace {

constexpr std::uintmax_t kMaxProgramFile = 4u << 20;

std::string env(const char* name) {
    const char* v = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): read once, at start-up
    return v ? std::string(v) : std::string();
}

bool readFile(const std::filesystem::path& file, std::string& out, std::string* error) {
    std::error_code ec;
    if (std::filesystem::is_directory(file, ec)) {
        if (error) *error = "cannot read " + file.string() + ": it is a directory";
        return false;
    }
    const auto size = std::filesystem::file_size(file, ec);
    if (!ec && size > kMaxProgramFile) {
        if (error) *error = "cannot read " + file.string() + ": it is larger than 4 MiB";
        return false;
    }
    errno = 0;
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        const int err = errno;
        if (error) *error = "cannot read " + file.string() + ": " + (err ? std::strerror(err) : "cannot open it");
        return false;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    out = ss.str();
    if (out.size() > kMaxProgramFile) {
        if (error) *error = "cannot read " + file.string() + ": it is larger than 4 MiB";
        return false;
    }
    return true;
}

bool validPresetName(std::string_view n) {
    return !n.empty() && n.size() <= 64 && std::all_of(n.begin(), n.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
               c == '.';
    }) && n.front() != '.';
}

}  // namespace

std::filesystem::path userPresetDir() {
    if (std::string d = env("LINEWRIGHT_PRESETS"); !d.empty()) return d;
#if defined(_WIN32)
    if (std::string d = env("APPDATA"); !d.empty()) return std::filesystem::path(d) / "linewright" / "presets";
    return {};
#elif defined(__APPLE__)
    if (std::string h = env("HOME"); !h.empty())
        return std::filesystem::path(h) / "Library" / "Application Support" / "linewright" / "presets";
    return {};
#else
    if (std::string d = env("XDG_CONFIG_HOME"); !d.empty()) return std::filesystem::path(d) / "linewright" / "presets";
    if (std::string h = env("HOME"); !h.empty()) return std::filesystem::path(h) / ".config" / "linewright" / "presets";
    return {};
#endif
}

std::vector<PresetInfo> listPresets(const std::filesystem::path& userDir) {
    std::vector<PresetInfo> out;
    std::vector<std::string> userNames;
    std::error_code ec;
    if (!userDir.empty() && std::filesystem::is_directory(userDir, ec)) {
        for (const auto& entry : std::filesystem::directory_iterator(userDir, ec)) {
            if (entry.path().extension() != ".lwp") continue;
            const std::string name = entry.path().stem().string();
            if (!validPresetName(name)) continue;
            PresetInfo info;
            info.name = name;
            info.user = true;
            info.source = entry.path().string();
            std::string text, error;
            if (!readFile(entry.path(), text, &error)) {
                info.error = error;
            } else if (auto p = Program::parse(text, entry.path().string(), &error)) {
                info.description = p->description();
            } else {
                info.error = error;
            }
            userNames.push_back(name);
            out.push_back(std::move(info));
        }
    }
    for (const BuiltinPreset& b : builtinPresets()) {
        if (std::find(userNames.begin(), userNames.end(), b.name) != userNames.end()) {
            for (auto& i : out)
                if (i.name == b.name) i.replacesBuiltin = true;
            continue;
        }
        PresetInfo info;
        info.name = std::string(b.name);
        info.source = "built-in";
        std::string error;
        if (auto p = Program::parse(b.text, std::string(b.name) + ".lwp", &error)) info.description = p->description();
        else info.error = error;
        out.push_back(std::move(info));
    }
    std::sort(out.begin(), out.end(), [](const PresetInfo& a, const PresetInfo& b) { return a.name < b.name; });
    return out;
}

std::shared_ptr<const Program> loadPreset(std::string_view name, const std::filesystem::path& userDir, std::string* error) {
    if (validPresetName(name) && !userDir.empty()) {
        const auto file = userDir / (std::string(name) + ".lwp");
        std::error_code ec;
        if (std::filesystem::exists(file, ec)) return loadProgramFile(file, error);
    }
    for (const BuiltinPreset& b : builtinPresets()) {
        if (b.name != name) continue;
        std::string why;
        auto p = Program::parse(b.text, "preset " + std::string(b.name), &why);
        if (!p) {
            if (error) *error = why;
            return nullptr;
        }
        return std::make_shared<const Program>(std::move(*p));
    }
    if (error) {
        std::string names;
        for (const PresetInfo& i : listPresets(userDir)) names += (names.empty() ? "" : ", ") + i.name;
        std::string shown;
        for (char c : name.substr(0, 64)) {
            const auto u = static_cast<unsigned char>(c);
            shown += (u >= 0x20 && u < 0x7f) ? std::string(1, c) : std::string("?");
        }
        *error = "unknown preset '" + shown + "'; the presets are: " + names;
    }
    return nullptr;
}

std::shared_ptr<const Program> loadProgramFile(const std::filesystem::path& file, std::string* error) {
    std::string text;
    if (!readFile(file, text, error)) return nullptr;
    auto p = Program::parse(text, file.string(), error);
    if (!p) return nullptr;
    return std::make_shared<const Program>(std::move(*p));
}

}  // namespace engine::program
