// ProgramFramer.h — a byte stream framed by a protocol program offline, with
// asynchat's own framing loop.
//
// What it does: feeds chunks through AsyncChat::handleRead() on an in-memory
// transport (as engine/capture's Reframer does), with a ProgramRunner in its
// found_terminator(): the same code path a live Channel runs, so a preset
// can be checked (and a recording re-framed) without a socket. Each message
// comes out with its bytes, the bytes its terminator consumed, its group,
// the rule that matched it, its mark and the replies the program made.
// What it owns: its chat, its runner, the messages so far.
// Threads: one thread at a time.
#pragma once

#include "engine/program/ProgramRunner.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace engine::program {

struct ProgramMessage {
    std::string body;             ///< what collect_incoming_data() received for it
    std::string terminatorBytes;  ///< what a bytes terminator consumed ("" for a count or the tail)
    std::uint64_t group = 0;
    std::string rule;             ///< the matching rule's name ("" if none)
    std::string mark;
    std::vector<std::string> replies;
    bool terminated = true;       ///< false for the tail the stream ended in
    friend bool operator==(const ProgramMessage&, const ProgramMessage&) = default;
};

class ProgramFramer {
public:
    /// `readSize`: ac_in_buffer_size, the most one handleRead() takes of a chunk.
    ProgramFramer(std::shared_ptr<const Program> program, Sender sender,
                  std::size_t maxMessage = ProgramRunner::kDefaultMaxMessage, std::size_t readSize = 65536);
    /// Several programs as layers (ProgramRunner.h): a preset, then rules.
    ProgramFramer(std::vector<std::shared_ptr<const Program>> programs, Sender sender,
                  std::size_t maxMessage = ProgramRunner::kDefaultMaxMessage, std::size_t readSize = 65536);
    ~ProgramFramer();
    ProgramFramer(const ProgramFramer&) = delete;
    ProgramFramer& operator=(const ProgramFramer&) = delete;

    void feed(std::string_view bytes);
    /// The stream ends: a message in progress becomes an unterminated tail.
    void finish();
    const std::vector<ProgramMessage>& messages() const noexcept { return m_messages; }
    /// Every runtime error of the program so far ("FILE:LINE: …").
    const std::vector<std::string>& errors() const noexcept { return m_errors; }
    ProgramRunner& runner() noexcept { return m_runner; }
    /// Whether messages() keeps the messages (default true; a benchmark or a
    /// channel framing what it sends turns it off: then at most kMaxErrors errors are kept).
    static constexpr std::size_t kMaxErrors = 100;
    void setKeepMessages(bool keep) noexcept { m_keep = keep; }
    std::uint64_t messageCount() const noexcept { return m_count; }

    /// Frames a whole stream cut into reads of `readSize` bytes.
    static std::vector<ProgramMessage> frame(std::shared_ptr<const Program> program, Sender sender,
                                             std::string_view stream, std::size_t readSize = 65536);

private:
    class Chat;
    friend class Chat;
    void onCollect(std::string_view data);
    void onFound();

    ProgramRunner m_runner;
    std::unique_ptr<Chat> m_chat;
    std::string m_body;
    std::vector<ProgramMessage> m_messages;
    std::vector<std::string> m_errors;
    std::uint64_t m_count = 0;
    bool m_keep = true;
    bool m_finished = false;
};

}  // namespace engine::program
