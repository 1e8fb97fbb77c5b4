// FileProducer.cpp — fopen/fread, one chunk per more().
#include "engine/asyncore/FileProducer.h"

#include <algorithm>
#include <cerrno>
#include <filesystem>

namespace engine {

FileProducer::FileProducer(const std::string& path, std::size_t chunkSize)
    : m_path(path), m_chunk(std::max<std::size_t>(chunkSize, 1)) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
        throw std::system_error(std::make_error_code(std::errc::is_a_directory), "cannot read '" + path + "'");
    errno = 0;
    m_file.reset(std::fopen(path.c_str(), "rb"));
    if (!m_file) {
        const int err = errno ? errno : EIO;
        throw std::system_error(std::error_code(err, std::generic_category()), "cannot read '" + path + "'");
    }
    const auto size = std::filesystem::file_size(path, ec);
    if (!ec && std::filesystem::is_regular_file(path, ec)) m_size = static_cast<long long>(size);
}

std::string FileProducer::more() {
    if (!m_file) return {};
    std::string chunk(m_chunk, '\0');
    const std::size_t n = std::fread(chunk.data(), 1, chunk.size(), m_file.get());
    if (n < chunk.size()) {
        if (std::ferror(m_file.get())) m_error = std::error_code(errno ? errno : EIO, std::generic_category());
        m_file.reset();  // end of file or error: exhausted from now on
    }
    chunk.resize(n);
    m_read += static_cast<long long>(n);
    return chunk;
}

long long FileProducer::remaining() const {
    if (m_size < 0) return -1;
    return m_file ? std::max(0LL, m_size - m_read) : 0;
}

}  // namespace engine
