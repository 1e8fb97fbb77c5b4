// InputFile.cpp — see InputFile.h.
#include "engine/capture/InputFile.h"

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <system_error>
#include <thread>

namespace engine {

std::unique_ptr<std::ifstream> openInputFile(const std::string& path, std::optional<std::uint64_t>& size,
                                             std::string& error, const std::function<void()>& waiting) {
    size.reset();
    std::error_code ec;
    const bool fifo = waiting && std::filesystem::is_fifo(path, ec);
    std::mutex m;
    std::condition_variable cv;
    bool opened = false;
    std::thread notice;
    if (fifo)
        notice = std::thread([&] {
            std::unique_lock lock(m);
            if (!cv.wait_for(lock, kWaitingNoticeAfter, [&] { return opened; })) waiting();
        });
    errno = 0;
    auto f = std::make_unique<std::ifstream>(path, std::ios::binary);
    const int openErrno = errno;
    if (notice.joinable()) {
        {
            std::lock_guard lock(m);
            opened = true;
        }
        cv.notify_one();
        notice.join();
    }
    errno = openErrno;
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
