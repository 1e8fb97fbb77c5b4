// Presets.h — the protocol programs shipped with Linewright (built in) and
// the user's own (files in the user's presets folder), found by name.
//
// What it does: builtinPresets() are resources/presets/*.lwp, compiled in.
// userPresetDir() is where a user's presets live: $LINEWRIGHT_PRESETS when
// set; else on Windows %APPDATA%\linewright\presets, on macOS
// ~/Library/Application Support/linewright/presets, elsewhere
// ${XDG_CONFIG_HOME:-~/.config}/linewright/presets. listPresets() gives
// both (a user preset with a built-in's name replaces it); loadPreset()
// parses one by name; loadProgramFile() parses a program from any file.
// Every failure is one line: "unknown preset 'x'; the presets are: …",
// "FILE:LINE: …", "cannot read FILE: …".
// What it owns: nothing (the built-in texts are static).
// Threads: any.
#pragma once

#include "engine/program/Program.h"

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace engine::program {

struct BuiltinPreset {
    std::string_view name;
    std::string_view text;
};
/// resources/presets/*.lwp as compiled in, by name.
const std::vector<BuiltinPreset>& builtinPresets();

struct PresetInfo {
    std::string name;
    std::string description;
    std::string source;   ///< "built-in", or the user file's path
    bool user = false;
    bool replacesBuiltin = false;  ///< a user preset with a built-in's name
    std::string error;    ///< a user file that does not parse: why ("" when it does)
};

/// The user's presets folder (see above; it need not exist).
std::filesystem::path userPresetDir();
/// Built-in and user presets (`userDir`'s *.lwp), sorted by name.
std::vector<PresetInfo> listPresets(const std::filesystem::path& userDir);
/// The preset `name` (the user's first, then the built-in one). Null and `error` when there is none or it does not parse.
std::shared_ptr<const Program> loadPreset(std::string_view name, const std::filesystem::path& userDir, std::string* error);
/// A program file (at most 4 MiB). Null and `error` ("cannot read …", "FILE:LINE: …").
std::shared_ptr<const Program> loadProgramFile(const std::filesystem::path& file, std::string* error);

}  // namespace engine::program
