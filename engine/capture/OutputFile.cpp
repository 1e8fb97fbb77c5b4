// OutputFile.cpp — see OutputFile.h.
#include "engine/capture/OutputFile.h"

#include "engine/net/FileOps.h"

#include <cerrno>
#include <cstring>

namespace engine {

std::FILE* openForWriting(const std::string& path, const OutputFileOptions& options, std::string* error,
                          OutputRefusal* refusal) {
    const fileops::OpenedFile f = fileops::openNoFollow(path, options.overwrite, options.mode);
    OutputRefusal why = OutputRefusal::None;
    std::string message;
    switch (f.outcome) {
    case fileops::OpenOutcome::Opened: break;
    case fileops::OpenOutcome::Exists:
        why = OutputRefusal::Exists;
        message = "'" + path + "' already exists; it is not overwritten";
        break;
    case fileops::OpenOutcome::Symlink:
        why = OutputRefusal::Symlink;
        message = "'" + path + "' is a symbolic link; links are not followed (name the file itself)";
        break;
    case fileops::OpenOutcome::Failed:
        why = OutputRefusal::Failed;
        message = "cannot write '" + path + "': " + std::strerror(f.error ? f.error : EIO);
        break;
    }
    if (refusal) *refusal = why;
    if (!f.file && error) *error = message;
    return f.file;
}

}  // namespace engine
