// InputFile.cpp — see InputFile.h.
#include "engine/capture/InputFile.h"

#include <cerrno>
#include <cstring>

namespace engine {

std::unique_ptr<std::ifstream> openInputFile(const std::string& path, std::optional<std::uint64_t>& size,
                                             std::string& error) {
    size.reset();
    errno = 0;
    auto f = std::make_unique<std::ifstream>(path, std::ios::binary);
    if (!*f) {
        const int err = errno;
        error = std::string("cannot open it: ") + (err ? std::strerror(err) : "unknown error");
        return nullptr;
    }
    f->seekg(0, std::ios::end);
    const auto end = f->tellg();
    f->seekg(0, std::ios::beg);
    if (*f && end >= 0) {
        size = static_cast<std::uint64_t>(end);
    } else {
        f->clear();  // a stream that does not seek: still readable from where it is
    }
    return f;
}

}  // namespace engine
