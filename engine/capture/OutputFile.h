// OutputFile.h — the one way the engine and the programs open a file to
// write: session files (SessionRecorder, linewright-cli's JSON Lines writer,
// import -o) and exports (pcapng, transcript, raw bytes).
//
// What it does: openForWriting() opens `path` for binary writing
// (engine/net/FileOps.h does the platform part):
//   * it never follows a symbolic link at the last component of the path
//     (a link, dangling or not, is refused: a dangling link would otherwise
//     create its target, a link to a file would overwrite it);
//   * an existing regular file is refused unless `overwrite` (the CLI's
//     --force), so a failed run never destroys an earlier recording;
//   * a new file is created with `mode` (default 0600: sessions and exports
//     hold everything the peers said); an overwritten file keeps its mode;
//   * a device or a named pipe is written as it is (nothing to overwrite).
// Refusals and failures give nullptr and a sentence naming the file
// ("'talk.jsonl' already exists; it is not overwritten"); `refusal` says
// which, so a program can add its own hint (--force).
// What it owns: nothing (the FILE goes to the caller, who fcloses it).
// Threads: any.
#pragma once

#include <cstdio>
#include <string>

namespace engine {

struct OutputFileOptions {
    bool overwrite = false;  ///< Truncate an existing regular file instead of refusing it.
    unsigned mode = 0600;    ///< POSIX permissions of a new file (before the umask).
};

/// Why openForWriting() gave nullptr.
enum class OutputRefusal { None, Exists, Symlink, Failed };

std::FILE* openForWriting(const std::string& path, const OutputFileOptions& options, std::string* error,
                          OutputRefusal* refusal = nullptr);

}  // namespace engine
