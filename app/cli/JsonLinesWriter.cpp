// JsonLinesWriter.cpp — buffered JSON Lines output with error tracking.
#include "app/cli/JsonLinesWriter.h"

#include "engine/capture/OutputFile.h"

#include <cerrno>
#include <cstring>

namespace cli {

JsonLinesWriter::~JsonLinesWriter() { close(); }

bool JsonLinesWriter::open(const std::string& path, const engine::OutputFileOptions& file) {
    m_file = engine::openForWriting(path, file, &m_error);
    if (!m_file) return false;
    m_owned = true;
    m_name = "'" + path + "'";
    std::setvbuf(m_file, nullptr, _IOFBF, 1 << 16);
    return true;
}

void JsonLinesWriter::adopt(std::FILE* f, std::string name) {
    m_file = f;
    m_owned = false;
    m_name = std::move(name);
}

void JsonLinesWriter::writeHeader(const engine::SessionHeader& header) {
    m_buffer.clear();
    engine::eventjson::appendHeader(m_buffer, header);
    put(m_buffer);
}

void JsonLinesWriter::writeEvents(const std::vector<engine::Event>& events) {
    if (!m_file || failed() || events.empty()) return;
    m_buffer.clear();
    for (const engine::Event& e : events) engine::eventjson::appendEvent(m_buffer, e);
    put(m_buffer);
}

void JsonLinesWriter::put(const std::string& text) {
    if (!m_file || failed()) return;
    errno = 0;
    if (std::fwrite(text.data(), 1, text.size(), m_file) != text.size() || std::fflush(m_file) != 0)
        m_error = "cannot write " + m_name + ": " + std::strerror(errno ? errno : EIO);
}

void JsonLinesWriter::close() {
    if (!m_file) return;
    if (std::fflush(m_file) != 0 && !failed()) m_error = "cannot write " + m_name + ": " + std::strerror(errno);
    if (m_owned && std::fclose(m_file) != 0 && !failed())
        m_error = "cannot write " + m_name + ": " + std::strerror(errno);
    m_file = nullptr;
}

}  // namespace cli
