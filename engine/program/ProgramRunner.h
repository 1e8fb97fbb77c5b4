// ProgramRunner.h — runs a Program on one stream, inside found_terminator.
//
// What it does: the owner of an AsyncChat (a Channel, the ProgramFramer)
// hands the runner each collect_incoming_data() run (collect()) and calls
// found() from its found_terminator(); found() picks the first rule that
// matches the message (its state, its sender, its matcher), carries out its
// actions and says what to do: the replies to push, whether to close, the
// message's group, rule and mark. Then the owner sets nextTerminator() as
// the chat's terminator, still inside found_terminator(): asynchat re-reads
// the terminator at every step of handle_read()'s loop, so the switch
// applies to the bytes already buffered, however the stream was cut into
// reads (CPython 3.11 does the same: docs/presets.md).
// Terminators: `terminator` sets the one in force from now on (a count one
// frames records of that size, set again after each); `next` / `count` set
// one for the next message only, after which the one in force is back.
// Groups: every message belongs to a group (ids 1, 2, 3 … per runner). A
// message starts a new group unless the group before it still expects
// messages: `group N` makes the group expect N more, a `next`/`count`
// expects the one message it frames, `group open` keeps it open until a
// `group close`. Rules marked `group` match a group's bytes (its messages
// and their terminators, joined) once it is complete.
// Bounded memory: it keeps one message (at most maxMessage bytes; a longer
// one is matched on its first maxMessage bytes) and, only when the program
// has group rules, one group (at most maxMessage bytes; past that the group
// rules skip it). Matching is RE2 (linear in the message, Pattern's limits).
// Errors (a count over the max message size, a capture that is not a
// number) do not stop it: the action is skipped, the terminator in force
// stays, and Verdict::errors says "FILE:LINE: …".
// Layers: a runner may run several programs on one stream (a preset that
// frames and a rules file that answers, `--preset redis --rules r.lwp`):
// each message goes through every program in turn and each carries out its
// own first matching rule; each program has its own state, the terminator
// and the groups are the stream's. The first program's starting terminator
// is used unless only a later one gives one.
// Notes between the directions: some protocols say in one direction how
// the other is framed (POP3: whether a +OK has a multi-line body depends on
// the client's command). A rule's `tell WORD` queues a note for the other
// direction; a rule with `heard WORD` matches only while that note is the
// first one waiting for its direction, and takes it. The two directions'
// runners share one Notes (shareNotes()); where only one direction is
// received (a connect or listen channel), the owner frames what it sends
// with a second runner for the other side, which tells the first.
// At most kMaxNotes wait per direction; past that the oldest is dropped.
// What it owns: its state; it shares the Programs and the Notes.
// Threads: one thread at a time (a channel's: the loop thread).
#pragma once

#include "engine/asyncore/Terminator.h"
#include "engine/program/Program.h"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace engine::program {

/// What found() decided for one message.
struct Verdict {
    const Rule* rule = nullptr;        ///< the first rule that matched it (null: none)
    std::string rules;                 ///< every program's matching rule, by name, joined by commas
    const Rule* groupRule = nullptr;   ///< the group rule that matched the group it completed (null: none)
    std::uint64_t group = 0;           ///< its group
    bool groupComplete = false;        ///< it completes its group
    std::string mark;                  ///< a `mark` action's text
    std::vector<std::string> replies;  ///< to push, in order
    bool close = false;                ///< close once the replies are sent
    std::vector<std::string> errors;   ///< "FILE:LINE: …" of actions that could not be carried out
};

/// The notes two directions' runners tell each other (`tell` / `heard`).
struct Notes {
    std::deque<std::string> forClient;  ///< told by the server's bytes, heard in the client's
    std::deque<std::string> forServer;  ///< told by the client's bytes, heard in the server's
};

class ProgramRunner {
public:
    static constexpr std::size_t kMaxNotes = 4096;
    static constexpr std::size_t kDefaultMaxMessage = 4u << 20;

    /// `sender`: who sent the bytes this runner frames (rules `from client`
    /// apply only to a client's bytes). `maxMessage`: the channel's max
    /// message size, the largest count (unless the program's max-count is lower).
    ProgramRunner(std::shared_ptr<const Program> program, Sender sender, std::size_t maxMessage = kDefaultMaxMessage);
    /// Several programs run as layers (see above); at least one.
    ProgramRunner(std::vector<std::shared_ptr<const Program>> programs, Sender sender,
                  std::size_t maxMessage = kDefaultMaxMessage);

    const Program& program() const noexcept { return *m_programs.front(); }
    /// The terminator for the first message.
    Terminator initialTerminator() const;
    /// A run of the current message's bytes (collect_incoming_data()). A
    /// message that comes in one run is not copied: `data` must stay valid
    /// until found() or detach(), which AsyncChat's view into its input
    /// buffer does until the next recv — the owner calls detach() at the end
    /// of each handleRead().
    void collect(std::string_view data);
    /// The views collect() was given are about to go (the next recv): keep a copy of what is pending.
    void detach();
    /// found_terminator(): `terminatorBytes` are the bytes the terminator in
    /// force consumed ("" for a count). The verdict is valid until the next
    /// found() (its strings may be moved from).
    Verdict& found(std::string_view terminatorBytes);
    /// The message so far was passed on without its terminator (the
    /// channel's max message): forget it.
    void abandonMessage();
    /// The terminator to set now (after found()).
    const Terminator& nextTerminator() const noexcept { return m_hasOneShot ? m_oneShot : m_base; }
    /// Whether the last found() may have changed the terminator (a rule set
    /// one, or a one-shot one ran out); false: the one in force stays.
    bool terminatorChanged() const noexcept { return m_terminatorChanged; }
    /// The first program's state.
    const std::string& state() const noexcept { return m_states.front(); }
    /// Bytes it holds now (the current message, the current group).
    std::size_t heldBytes() const noexcept { return m_body.size() + m_groupBytes.size(); }

    /// A rule's matcher (equals, prefix, suffix, contains, regex, any) on one
    /// message, without its state and sender: true and `captures` ($0 the
    /// match, or the message for a literal matcher; then the groups) when it
    /// matches. Shared with conversation scripts' expect (engine/script).
    static bool matchMessage(const Rule& r, std::string_view message, std::vector<std::string_view>& captures);

    /// Share the notes with the other direction's runner (its own until then).
    void shareNotes(std::shared_ptr<Notes> notes) noexcept { m_notes = std::move(notes); }
    const std::shared_ptr<Notes>& notes() const noexcept { return m_notes; }
    /// Whether any of its programs tells the other direction something.
    bool tells() const noexcept;

    /// Macros' sources ({{counter}}, the clock, the random source).
    RenderContext& renderContext() noexcept { return m_ctx; }

private:
    bool matches(const Rule& r, const std::string& state, std::string_view subject,
                 std::vector<std::string_view>& caps) const;
    /// Fires a rule that matched (a message rule, or else a group rule): takes
    /// the note it heard, names it in `v`, and runs its actions.
    void run(std::size_t layer, const Rule& r, const std::vector<std::string_view>& caps, Verdict& v, bool messageRule);
    std::optional<Terminator> evalTerminator(std::size_t layer, const Rule& r, const TerminatorSpec& spec,
                                             const std::vector<std::string_view>& caps, Verdict& v) const;
    std::string where(std::size_t layer, const Rule& r) const { return m_programs[layer]->where(r) + ": rule " + r.name; }

    std::vector<std::shared_ptr<const Program>> m_programs;
    Sender m_sender;
    std::uint64_t m_maxCount;
    std::size_t m_maxMessage;
    std::vector<std::string> m_states;  // one per program
    Terminator m_base;
    Terminator m_oneShot;
    bool m_hasOneShot = false;
    bool m_terminatorChanged = false;
    bool m_keepGroup = false;  // some program matches whole groups
    std::string m_body;
    std::string_view m_view;   // the message so far, when it came in one run not yet copied
    bool m_inView = false;
    bool m_bodyTruncated = false;
    std::uint64_t m_groupId = 0;
    std::int64_t m_outstanding = 0;
    bool m_groupOpen = false;
    std::string m_groupBytes;
    bool m_groupTooBig = false;
    RenderContext m_ctx;
    std::shared_ptr<Notes> m_notes = std::make_shared<Notes>();
    Verdict m_verdict;
    std::vector<std::string_view> m_caps;
};

}  // namespace engine::program
