// InputFile.h — opening a file the session and capture readers read from.
//
// What it does: openInputFile() opens `path` for binary reading and learns
// its size by seeking to the end and back. A file that cannot be opened
// gives nullptr and "cannot open it: <reason>"; one that does not seek (a
// pipe, a terminal) comes back open, at its start, with `size` empty, and
// each reader decides whether it can read such a stream as it comes.
// What it owns: nothing (the stream goes to the caller).
// Threads: any.
#pragma once

#include <cstdint>
#include <fstream>
#include <memory>
#include <optional>
#include <string>

namespace engine {

std::unique_ptr<std::ifstream> openInputFile(const std::string& path, std::optional<std::uint64_t>& size,
                                             std::string& error);

}  // namespace engine
