// InputBudget.cpp — pausing and resuming a listener's largest input holders.
#include "engine/reactor/InputBudget.h"

#include "engine/reactor/Channel.h"

#include <algorithm>
#include <string>

namespace engine {

namespace {
// Channels named in an `input_budget` warning; the rest are counted.
constexpr std::size_t kNamedHolders = 8;
}  // namespace

InputBudget::InputBudget(ChannelContext& ctx, ChannelId listener, std::size_t limit)
    : m_ctx(ctx), m_listener(listener), m_limit(std::max<std::size_t>(limit, 1)) {}

void InputBudget::join(Channel& c) {
    c.m_budgetIndex = m_members.size();
    c.m_budgetHeld = 0;
    c.m_budgetPaused = false;
    c.m_budgetMember = true;
    m_members.push_back(&c);
}

void InputBudget::update(Channel& c, std::size_t held) {
    if (!c.m_budgetMember) return;
    const std::size_t before = c.m_budgetHeld;
    c.m_budgetHeld = held;
    m_total = m_total - before + held;
    m_peak = std::max(m_peak, m_total);
    if (!m_over) {
        if (m_total > m_limit) crossUp();
        return;
    }
    if (m_total < resumeMark()) {
        resumeAll();
        return;
    }
    if (&c == m_breaker) {
        if (held < before) m_breaker = nullptr;  // it framed or passed on: an ordinary reader again
    } else if (held > before && m_total > m_limit && !c.m_budgetPaused) {
        pause(c);  // it grew while over budget
    }
    breakStall();
}

void InputBudget::leave(Channel& c) {
    if (!c.m_budgetMember) return;
    m_total -= c.m_budgetHeld;
    if (c.m_budgetPaused) --m_paused;
    c.m_budgetHeld = 0;
    c.m_budgetPaused = false;
    c.m_budgetMember = false;
    if (m_breaker == &c) m_breaker = nullptr;
    // Swap-remove: the last member takes c's place.
    Channel* last = m_members.back();
    m_members[c.m_budgetIndex] = last;
    last->m_budgetIndex = c.m_budgetIndex;
    m_members.pop_back();
    if (!m_over) return;
    if (m_total < resumeMark())
        resumeAll();
    else
        breakStall();
}

void InputBudget::pause(Channel& c) {
    if (c.m_budgetPaused) return;
    c.m_budgetPaused = true;
    ++m_paused;
}

void InputBudget::crossUp() {
    m_over = true;
    // The largest holders first, until the others hold at most a quarter of the budget.
    std::vector<Channel*> order(m_members);
    std::sort(order.begin(), order.end(), [](const Channel* a, const Channel* b) {
        return a->m_budgetHeld != b->m_budgetHeld ? a->m_budgetHeld > b->m_budgetHeld
                                                  : a->channelId() < b->channelId();
    });
    std::size_t reading = m_total;
    std::string named;
    std::size_t pausedNow = 0;
    for (Channel* c : order) {
        if (reading <= m_limit / 4 || c->m_budgetHeld == 0) break;
        reading -= c->m_budgetHeld;
        pause(*c);
        if (pausedNow < kNamedHolders)
            named += (pausedNow ? ", " : "") + std::to_string(c->channelId()) + " (" +
                     std::to_string(c->m_budgetHeld) + " bytes)";
        ++pausedNow;
    }
    if (pausedNow > kNamedHolders) named += " and " + std::to_string(pausedNow - kNamedHolders) + " more";
    Event& e = m_ctx.events.emplace(EventKind::Warning, m_listener);
    e.sub = static_cast<std::uint8_t>(WarningCode::InputBudget);
    e.size = static_cast<std::int64_t>(m_total);
    e.info = "input budget exceeded: " + std::to_string(m_members.size()) + " connection(s) hold " +
             std::to_string(m_total) + " bytes not yet framed, over the listener's budget of " +
             std::to_string(m_limit) + "; reading paused on the " + std::to_string(pausedNow) +
             " largest holder(s): channel " + named + ", until the total falls below " +
             std::to_string(resumeMark()) + " (nothing is dropped)";
    breakStall();
}

void InputBudget::resumeAll() {
    const std::size_t resumed = m_paused;
    for (Channel* c : m_members) c->m_budgetPaused = false;
    m_paused = 0;
    m_over = false;
    m_breaker = nullptr;
    Event& e = m_ctx.events.emplace(EventKind::Warning, m_listener);
    e.sub = static_cast<std::uint8_t>(WarningCode::InputResumed);
    e.size = static_cast<std::int64_t>(m_total);
    e.info = "input budget: the connections hold " + std::to_string(m_total) + " bytes not yet framed, below " +
             std::to_string(resumeMark()) + " (3/4 of the budget of " + std::to_string(m_limit) +
             "); reading resumed on " + std::to_string(resumed) + " connection(s)";
}

void InputBudget::breakStall() {
    if (m_breaker || m_paused == 0) return;
    // The largest holder: the nearest to its terminator or to the message
    // limit, either of which brings the total down.
    Channel* largest = nullptr;
    for (Channel* c : m_members) {
        if (!c->m_budgetPaused) {
            if (c->m_budgetHeld > 0) return;  // a reader can still frame and bring the total down
            continue;
        }
        if (!largest || c->m_budgetHeld > largest->m_budgetHeld) largest = c;
    }
    if (!largest) return;
    largest->m_budgetPaused = false;
    --m_paused;
    m_breaker = largest;
}

}  // namespace engine
