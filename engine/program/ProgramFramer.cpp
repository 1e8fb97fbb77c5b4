// ProgramFramer.cpp — AsyncChat::handleRead() over an in-memory transport, run by a ProgramRunner.
#include "engine/program/ProgramFramer.h"

#include "engine/asyncore/FedChat.h"

#include <algorithm>
#include <cstring>
#include <system_error>

namespace engine::program {

class ProgramFramer::Chat final : public FedChat {
public:
    // Never overrides getTerminator(): handleRead() reads it in place, as a Channel's does.
    explicit Chat(ProgramFramer& owner) : m_owner(owner) { useStoredTerminator(); }
    void collectIncomingData(std::string_view data) override { m_owner.onCollect(data); }
    void foundTerminator() override { m_owner.onFound(); }
    /// The terminator in force when found_terminator() runs (before the
    /// program switches it): a count (countInForce()), else m_inForce.
    const Terminator& inForce() const noexcept { return m_inForce; }
    bool countInForce() const noexcept { return m_count; }
    void set(const Terminator& t) {
        // A count (a bulk string's body) and back to the bytes one, twice per
        // counted message: the bytes one is copied only when it changes.
        m_count = t.isCount();
        if (m_count) {
            setTerminator(static_cast<long long>(t.countValue()));
            return;
        }
        if (!same(m_inForce, t)) m_inForce = t;
        setTerminator(t);
    }

    /// operator== without a memcmp call for the usual two-byte terminator.
    static bool same(const Terminator& a, const Terminator& b) noexcept {
        if (a.kind() != b.kind() || a.countValue() != b.countValue()) return false;
        const std::string& x = a.bytesValue();
        const std::string& y = b.bytesValue();
        if (x.size() != y.size()) return false;
        for (std::size_t i = 0; i < x.size(); ++i)
            if (x[i] != y[i]) return false;
        return true;
    }

protected:
    std::string_view className() const override { return "ProgramFramer"; }

private:
    ProgramFramer& m_owner;
    Terminator m_inForce;
    bool m_count = false;
};

ProgramFramer::ProgramFramer(std::shared_ptr<const Program> program, Sender sender, std::size_t maxMessage,
                             std::size_t readSize)
    : ProgramFramer(std::vector<std::shared_ptr<const Program>>{std::move(program)}, sender, maxMessage, readSize) {}

ProgramFramer::ProgramFramer(std::vector<std::shared_ptr<const Program>> programs, Sender sender,
                             std::size_t maxMessage, std::size_t readSize)
    : m_runner(std::move(programs), sender, maxMessage), m_chat(std::make_unique<Chat>(*this)) {
    m_chat->acInBufferSize = std::max<std::size_t>(readSize, 1);
    m_chat->set(m_runner.initialTerminator());
}

ProgramFramer::~ProgramFramer() = default;

void ProgramFramer::feed(std::string_view bytes) {
    if (m_finished || bytes.empty()) return;
    m_chat->give(bytes);
    while (m_chat->hasInput()) {
        m_chat->handleRead();
        m_runner.detach();  // the next recv overwrites the chat's buffer
    }
}

void ProgramFramer::onCollect(std::string_view data) {
    m_runner.collect(data);
    if (m_keep) m_body.append(data);
}

void ProgramFramer::onFound() {
    const bool counted = m_chat->countInForce();
    const Terminator& t = m_chat->inForce();
    const std::string_view termBytes = !counted && t.isBytes() ? std::string_view(t.bytesValue()) : std::string_view();
    Verdict& v = m_runner.found(termBytes);
    ++m_count;
    for (std::string& e : v.errors)
        if (m_keep || m_errors.size() < kMaxErrors) m_errors.push_back(std::move(e));
    if (m_keep) {
        ProgramMessage m;
        m.body = std::exchange(m_body, std::string());
        m.terminatorBytes = std::string(termBytes);
        m.group = v.group;
        m.rule = std::move(v.rules);
        m.mark = std::move(v.mark);
        m.replies = std::move(v.replies);
        m_messages.push_back(std::move(m));
    }
    // Inside found_terminator(): the next step of handle_read()'s loop uses it
    // (set only when it changes: the usual line after line costs nothing; a
    // count has counted down to 0 in the chat, R8, so it is always set again).
    if (counted || (m_runner.terminatorChanged() && !Chat::same(m_runner.nextTerminator(), t)))
        m_chat->set(m_runner.nextTerminator());
}

void ProgramFramer::finish() {
    if (m_finished) return;
    m_finished = true;
    std::string tail = std::exchange(m_body, std::string());
    tail.append(m_chat->inputBuffer());
    if (!tail.empty() && m_keep) {
        ProgramMessage m;
        m.body = std::move(tail);
        m.terminated = false;
        m_messages.push_back(std::move(m));
    }
}

std::vector<ProgramMessage> ProgramFramer::frame(std::shared_ptr<const Program> program, Sender sender,
                                                 std::string_view stream, std::size_t readSize) {
    ProgramFramer f(std::move(program), sender, ProgramRunner::kDefaultMaxMessage, readSize);
    f.feed(stream);
    f.finish();
    return f.messages();
}

}  // namespace engine::program
