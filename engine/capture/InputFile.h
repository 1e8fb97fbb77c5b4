// InputFile.h — opening a file the session and capture readers read from.
//
// What it does: openInputFile() opens `path` for binary reading and learns
// its size by seeking to the end and back. A file that cannot be opened
// gives nullptr and "cannot open it: <reason>"; one that does not seek (a
// pipe, a terminal) comes back open, at its start, with `size` empty, and
// each reader decides whether it can read such a stream as it comes.
// Opening a named pipe (FIFO) waits until something opens it for writing:
// when that takes longer than kWaitingNoticeAfter, `waiting` (if given) is
// called once, from a helper thread, while the open goes on waiting, so a
// program can say "waiting for a writer" instead of hanging silently.
// What it owns: nothing (the stream goes to the caller).
// Threads: any.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <fstream>
#include <memory>
#include <optional>
#include <string>

namespace engine {

inline constexpr std::chrono::milliseconds kWaitingNoticeAfter{500};

std::unique_ptr<std::ifstream> openInputFile(const std::string& path, std::optional<std::uint64_t>& size,
                                             std::string& error, const std::function<void()>& waiting = {});

}  // namespace engine
