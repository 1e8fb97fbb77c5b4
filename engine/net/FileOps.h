// FileOps.h — the platform part of opening an output file safely.
//
// What it does: fileops::openNoFollow() opens `path` for binary writing
// without following a symbolic link at its last component and, unless asked
// to overwrite, without touching an existing regular file:
//   * a new file is created with `mode` (POSIX permission bits, before the
//     umask; Windows ignores them);
//   * an existing symbolic link (dangling or not) is refused (Symlink);
//   * an existing regular file is refused (Exists), or truncated when
//     `overwrite` (its mode stays as it was);
//   * an existing device or FIFO is opened as it is (there is nothing to
//     overwrite: /dev/null, a named pipe a reader waits on);
//   * anything else fails with the system's error (Failed, `error` = errno).
// POSIX uses open(O_CREAT|O_EXCL|O_NOFOLLOW) first, then O_NOFOLLOW again
// for an existing file, so a link swapped in between is refused, not
// followed. Windows checks with std::filesystem (a symbolic link or junction
// is refused) and opens with fopen "wbx" (exclusive) or "wb"; a reparse
// point swapped in between the check and the open is not caught there.
// What it owns: nothing (the FILE goes to the caller).
// Threads: any.
#pragma once

#include <cstdio>
#include <string>

namespace engine::fileops {

enum class OpenOutcome { Opened, Exists, Symlink, Failed };

struct OpenedFile {
    std::FILE* file = nullptr;  ///< Set when Opened; the caller fcloses it.
    OpenOutcome outcome = OpenOutcome::Failed;
    int error = 0;              ///< errno when Failed.
};

OpenedFile openNoFollow(const std::string& path, bool overwrite, unsigned mode);

/// Opens `path` for appending (a key log): created with `mode` if missing, an
/// existing regular file appended to (its mode unchanged), a symbolic link at
/// the last component refused (Symlink), anything else but a regular file,
/// device or FIFO refused as Failed (EINVAL).
OpenedFile openAppendNoFollow(const std::string& path, unsigned mode);

/// Puts stdin and stdout in binary mode, so bytes pass as they are: on
/// Windows _setmode(_O_BINARY) (text mode writes "\n" as "\r\n" and stops
/// reading at ^Z); nothing elsewhere, where there is no text mode.
void setStdioBinary() noexcept;

}  // namespace engine::fileops
