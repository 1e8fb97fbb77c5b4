// Pattern.cpp — RE2 behind the engine's one matcher: limits, errors, byte offsets.
#include "engine/asyncore/Pattern.h"

#include "engine/asyncore/Escape.h"

#include <re2/re2.h>

#include <algorithm>

namespace engine {

namespace {

std::size_t offsetIn(std::string_view subject, const re2::StringPiece& piece) {
    return static_cast<std::size_t>(piece.data() - subject.data());
}

// RE2's message ("missing ): (((((((…"), with its fragment of the pattern
// escaped and cut short.
std::string describeError(const re2::RE2& re, std::int64_t maxMemory) {
    if (re.error_code() == re2::RE2::ErrorPatternTooLarge)
        return "pattern too large: its compiled program needs more than the limit of " + std::to_string(maxMemory) +
               " bytes";
    std::string text = re.error();
    const std::string& arg = re.error_arg();
    if (!arg.empty() && text.size() >= arg.size() && text.compare(text.size() - arg.size(), arg.size(), arg) == 0) {
        text.resize(text.size() - arg.size());
        text += Pattern::excerpt(arg);
    } else {
        text = Pattern::excerpt(text, 200);
    }
    return text.empty() ? std::string("invalid pattern") : text;
}

}  // namespace

Pattern::Pattern(std::string source, std::shared_ptr<const re2::RE2> re)
    : m_source(std::move(source)), m_re(std::move(re)) {}

std::optional<Pattern> Pattern::compile(std::string_view pattern, std::string* error, const PatternLimits& limits) {
    if (pattern.size() > limits.maxPatternBytes) {
        if (error)
            *error = "pattern too long (" + std::to_string(pattern.size()) + " bytes; the limit is " +
                     std::to_string(limits.maxPatternBytes) + ")";
        return std::nullopt;
    }
    re2::RE2::Options o;
    o.set_encoding(re2::RE2::Options::EncodingLatin1);  // bytes: every value 0-255 is a character
    o.set_log_errors(false);                            // errors are returned, never printed
    o.set_max_mem(limits.maxMemory);
    auto re = std::make_shared<const re2::RE2>(re2::StringPiece(pattern.data(), pattern.size()), o);
    if (!re->ok()) {
        if (error) *error = describeError(*re, limits.maxMemory);
        return std::nullopt;
    }
    return Pattern(std::string(pattern), std::move(re));
}

std::size_t Pattern::groupCount() const noexcept {
    return static_cast<std::size_t>(std::max(0, m_re->NumberOfCapturingGroups()));
}

std::optional<PatternMatch> Pattern::find(std::string_view subject, std::size_t from) const {
    if (from > subject.size()) return std::nullopt;
    const int n = 1 + std::max(0, m_re->NumberOfCapturingGroups());
    std::vector<re2::StringPiece> sub(static_cast<std::size_t>(n));
    const re2::StringPiece text(subject.data(), subject.size());
    if (!m_re->Match(text, from, subject.size(), re2::RE2::UNANCHORED, sub.data(), n)) return std::nullopt;
    PatternMatch m;
    m.range = {offsetIn(subject, sub[0]), offsetIn(subject, sub[0]) + sub[0].size()};
    for (std::size_t g = 1; g < sub.size(); ++g) {
        if (sub[g].data() == nullptr)
            m.groups.emplace_back(std::nullopt);
        else
            m.groups.emplace_back(ByteRange{offsetIn(subject, sub[g]), offsetIn(subject, sub[g]) + sub[g].size()});
    }
    return m;
}

bool Pattern::findViews(std::string_view subject, std::vector<std::string_view>& captures) const {
    captures.clear();
    const int n = 1 + std::max(0, m_re->NumberOfCapturingGroups());
    constexpr int kOnStack = 16;
    re2::StringPiece stackSub[kOnStack];
    std::vector<re2::StringPiece> heapSub;
    re2::StringPiece* sub = stackSub;
    if (n > kOnStack) {
        heapSub.resize(static_cast<std::size_t>(n));
        sub = heapSub.data();
    }
    const re2::StringPiece text(subject.data(), subject.size());
    if (!m_re->Match(text, 0, subject.size(), re2::RE2::UNANCHORED, sub, n)) return false;
    captures.reserve(static_cast<std::size_t>(n));
    for (int g = 0; g < n; ++g) {
        if (sub[g].data() == nullptr)
            captures.emplace_back();
        else
            captures.emplace_back(subject.substr(offsetIn(subject, sub[g]), sub[g].size()));
    }
    return true;
}

std::vector<ByteRange> Pattern::findAll(std::string_view subject) const {
    std::vector<ByteRange> out;
    const re2::StringPiece text(subject.data(), subject.size());
    re2::StringPiece m;
    std::size_t at = 0;
    while (at <= subject.size() && m_re->Match(text, at, subject.size(), re2::RE2::UNANCHORED, &m, 1)) {
        const std::size_t begin = offsetIn(subject, m);
        const std::size_t end = begin + m.size();
        if (end > begin) {
            out.emplace_back(begin, end);
            at = end;
        } else {
            at = begin + 1;
        }
    }
    return out;
}

bool Pattern::contains(std::string_view subject) const {
    return m_re->Match(re2::StringPiece(subject.data(), subject.size()), 0, subject.size(), re2::RE2::UNANCHORED,
                       nullptr, 0);
}

bool Pattern::fullMatch(std::string_view subject) const {
    return m_re->Match(re2::StringPiece(subject.data(), subject.size()), 0, subject.size(), re2::RE2::ANCHOR_BOTH,
                       nullptr, 0);
}

std::string Pattern::excerpt(std::string_view pattern, std::size_t max) {
    // Printable ASCII as it is (a backslash too: `\d` reads as written),
    // every other byte escaped.
    std::string s;
    for (const char c : pattern.substr(0, max)) {
        const auto u = static_cast<unsigned char>(c);
        if (u >= 0x20 && u < 0x7f)
            s += c;
        else
            appendEscaped(s, std::string_view(&c, 1));
    }
    if (pattern.size() > max) s += "…(" + std::to_string(pattern.size()) + " bytes)";
    return s;
}

}  // namespace engine
