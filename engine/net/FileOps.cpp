// FileOps.cpp — see FileOps.h.
#include "engine/net/FileOps.h"

#include <cerrno>

#if defined(_WIN32)
#include <fcntl.h>
#include <filesystem>
#include <io.h>
#include <system_error>
#else
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace engine::fileops {

#if defined(_WIN32)

namespace {
// Opens `path` with std::fopen, in `existingMode` if it exists and else in
// `newMode`, unless it is a symbolic link (never written through) or, with
// `keepExisting`, an existing regular file.
OpenedFile fopenNoFollow(const std::string& path, bool keepExisting, const char* newMode, const char* existingMode) {
    OpenedFile r;
    std::error_code ec;
    const auto st = std::filesystem::symlink_status(path, ec);
    if (!ec && std::filesystem::is_symlink(st)) {
        r.outcome = OpenOutcome::Symlink;
        return r;
    }
    const bool exists = !ec && std::filesystem::exists(st);
    if (exists && std::filesystem::is_regular_file(st) && keepExisting) {
        r.outcome = OpenOutcome::Exists;
        return r;
    }
    errno = 0;
    r.file = std::fopen(path.c_str(), exists ? existingMode : newMode);
    if (!r.file) {
        r.error = errno ? errno : EIO;
        r.outcome = r.error == EEXIST ? OpenOutcome::Exists : OpenOutcome::Failed;
        return r;
    }
    r.outcome = OpenOutcome::Opened;
    return r;
}
}  // namespace

OpenedFile openNoFollow(const std::string& path, bool overwrite, unsigned /*mode*/) {
    return fopenNoFollow(path, !overwrite, "wbx", "wb");
}

void setStdioBinary() noexcept {
    std::fflush(stdout);
    _setmode(_fileno(stdin), _O_BINARY);
    _setmode(_fileno(stdout), _O_BINARY);
}

OpenedFile openAppendNoFollow(const std::string& path, unsigned /*mode*/) {
    return fopenNoFollow(path, false, "ab", "ab");
}

#else

void setStdioBinary() noexcept {}

namespace {
int openRetrying(const char* path, int flags, mode_t mode) {
    int fd = -1;
    do {
        fd = ::open(path, flags, mode);
    } while (fd < 0 && errno == EINTR);
    return fd;
}

// The open descriptor `fd` as r.file (fdopen with `mode`): Opened, or the
// error with fd closed.
OpenedFile adopt(OpenedFile r, int fd, const char* mode) {
    r.file = ::fdopen(fd, mode);
    if (!r.file) {
        r.error = errno ? errno : EIO;
        ::close(fd);
        return r;
    }
    r.outcome = OpenOutcome::Opened;
    return r;
}
}  // namespace

OpenedFile openNoFollow(const std::string& path, bool overwrite, unsigned mode) {
    OpenedFile r;
    constexpr int kBase = O_WRONLY | O_CLOEXEC | O_NOFOLLOW;
    // O_EXCL with O_CREAT never follows a link at the last component.
    int fd = openRetrying(path.c_str(), kBase | O_CREAT | O_EXCL, static_cast<mode_t>(mode));
    if (fd < 0 && errno == EEXIST) {
        struct stat st {};
        if (::lstat(path.c_str(), &st) != 0) {
            r.error = errno;
            return r;
        }
        if (S_ISLNK(st.st_mode)) {
            r.outcome = OpenOutcome::Symlink;
            return r;
        }
        const bool regular = S_ISREG(st.st_mode);
        if (regular && !overwrite) {
            r.outcome = OpenOutcome::Exists;
            return r;
        }
        fd = openRetrying(path.c_str(), kBase | (regular ? O_TRUNC : 0), 0);
        if (fd < 0 && errno == ELOOP) {  // a link swapped in since lstat()
            r.outcome = OpenOutcome::Symlink;
            return r;
        }
    }
    if (fd < 0) {
        r.error = errno ? errno : EIO;
        return r;
    }
    return adopt(r, fd, "wb");
}

OpenedFile openAppendNoFollow(const std::string& path, unsigned mode) {
    OpenedFile r;
    const int fd =
        openRetrying(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, static_cast<mode_t>(mode));
    if (fd < 0) {
        if (errno == ELOOP) {
            r.outcome = OpenOutcome::Symlink;
            return r;
        }
        r.error = errno ? errno : EIO;
        return r;
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !(S_ISREG(st.st_mode) || S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))) {
        r.error = EINVAL;
        ::close(fd);
        return r;
    }
    return adopt(r, fd, "ab");
}

#endif

}  // namespace engine::fileops
