// Reframer.cpp — AsyncChat::handleRead() over an in-memory transport.
#include "engine/capture/Reframer.h"

#include "engine/asyncore/FedChat.h"
#include "engine/asyncore/Escape.h"

#include <algorithm>
#include <cstring>
#include <system_error>

namespace engine {

// --- TerminatorSchedule ---------------------------------------------------------------------

bool TerminatorSchedule::isConstant() const noexcept {
    return std::all_of(m_list.begin(), m_list.end(), [this](const Terminator& t) { return t == m_after; });
}

namespace {
std::string specOf(const Terminator& t) {
    if (t.isBytes()) return "'" + terminatorSpec(t) + "'";
    if (t.isCount()) return "count:" + std::to_string(t.countValue());
    return "none";
}
}  // namespace

std::string TerminatorSchedule::describe() const {
    if (isConstant()) return specOf(m_after);
    // Runs of equal terminators: "'\n' x3, count:4, then '\n'".
    std::string out = "per message: ";
    std::size_t shown = 0;
    for (std::size_t i = 0; i < m_list.size();) {
        std::size_t j = i;
        while (j < m_list.size() && m_list[j] == m_list[i]) ++j;
        if (shown == 4) {
            out += "…, ";
            break;
        }
        out += specOf(m_list[i]);
        if (j - i > 1) out += " x" + std::to_string(j - i);
        out += ", ";
        ++shown;
        i = j;
    }
    out += "then " + specOf(m_after);
    return out;
}

// --- The chat on an in-memory transport -----------------------------------------------------

class Reframer::Chat final : public FedChat {
public:
    explicit Chat(Reframer& owner) : m_owner(owner) {}

    void collectIncomingData(std::string_view data) override { m_owner.onCollect(data); }
    void foundTerminator() override { m_owner.onFound(); }

protected:
    std::string_view className() const override { return "Reframer"; }

private:
    Reframer& m_owner;
};

Reframer::Reframer(TerminatorSchedule schedule, std::size_t readSize)
    : m_schedule(std::move(schedule)), m_chat(std::make_unique<Chat>(*this)) {
    m_chat->acInBufferSize = std::max<std::size_t>(readSize, 1);
    m_chat->setTerminator(m_schedule.forMessage(0));
}

Reframer::~Reframer() = default;

void Reframer::setHooks(Hooks hooks) { m_hooks = std::move(hooks); }

std::string_view Reframer::residue() const { return m_chat->inputBuffer(); }

void Reframer::feed(std::string_view bytes, std::int64_t tUs, std::uint64_t tag) {
    if (m_finished || bytes.empty()) return;
    m_chunkUs = tUs;
    m_chunkTag = tag;
    m_fed += bytes.size();
    m_chat->feed(bytes);
}

void Reframer::markStart() {
    m_msgOffset = m_delivered;
    m_msgStartUs = m_chunkUs;
    m_msgStartTag = m_chunkTag;
}

void Reframer::keepMessage(std::string body, std::string terminatorBytes, bool terminated, const Terminator& t) {
    FramedMessage m;
    m.offset = m_msgOffset;
    m.body = std::move(body);
    m.terminatorBytes = std::move(terminatorBytes);
    m.terminated = terminated;
    m.terminator = t;
    m.tUs = m_chunkUs;
    m.tag = m_chunkTag;
    m.startUs = m_msgStartUs;
    m.startTag = m_msgStartTag;
    m_messages.push_back(std::move(m));
}

void Reframer::onCollect(std::string_view data) {
    if (!m_started) {
        m_started = true;
        markStart();
    }
    m_delivered += data.size();
    m_pendingSize += data.size();
    if (m_keep) m_pending.append(data);
    if (m_hooks.collect) m_hooks.collect(data);
}

void Reframer::onFound() {
    const Terminator inForce = m_chat->getTerminator();
    const Terminator& scheduled = m_schedule.forMessage(m_found);
    if (!m_started) markStart();
    const std::uint64_t bodySize = m_pendingSize;
    if (m_hooks.foundTerminator) m_hooks.foundTerminator(inForce, bodySize);
    std::string termBytes = inForce.isBytes() ? inForce.bytesValue() : std::string();
    m_delivered += termBytes.size();
    if (m_keep) keepMessage(std::move(m_pending), std::move(termBytes), true, scheduled);
    m_pending.clear();
    m_pendingSize = 0;
    m_started = false;
    ++m_found;
    // The next message's terminator (a count is set again for every record).
    m_chat->setTerminator(m_schedule.forMessage(m_found));
}

void Reframer::finish() {
    if (m_finished) return;
    m_finished = true;
    const std::string_view held = residue();
    if (m_pendingSize == 0 && held.empty()) return;
    if (!m_started) markStart();
    if (m_keep) {
        std::string body = std::move(m_pending);
        body.append(held);
        keepMessage(std::move(body), std::string(), false, m_schedule.forMessage(m_found));
    }
    m_pending.clear();
    m_pendingSize = 0;
}

std::vector<FramedMessage> Reframer::frame(std::string_view stream, const TerminatorSchedule& schedule) {
    Reframer r(schedule, std::max<std::size_t>(stream.size(), 1));
    r.feed(stream);
    r.finish();
    return r.takeMessages();
}

}  // namespace engine
