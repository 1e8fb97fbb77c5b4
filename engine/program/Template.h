// Template.h — a reply template of a protocol program: text with escapes,
// captures and macros, turned into bytes for one matched message.
//
// What it does: Template::parse() reads the text of a `reply "…"` action:
//   escapes   \r \n \t \0 \\ \" \$ \{ and \xNN (two hex digits);
//   captures  $0 … $9, or {{N}} for any group number (0: the whole match,
//             the whole message for a matcher that is not a regex);
//             $$ is one '$';
//   macros    {{counter}} (1, 2, 3 … per runner), {{date}} (YYYY-MM-DD, UTC),
//             {{time}} (HH:MM:SS, UTC), {{unixtime}} (seconds), {{random}}
//             (a number 0 … 4294967295), {{uuid}} (a random version-4 UUID),
//             {{len N}} (the length in bytes of capture N).
// Every other byte stands for itself. A mistake is refused with a sentence
// naming the column ("unknown macro {{foo}} at column 7"). render() builds
// the bytes from the captures and a RenderContext (the counter, the clock
// and the random source, so tests can fix them).
// What it owns: its parsed parts.
// Threads: a value; render() only reads it (the context is the caller's).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace engine::program {

/// What a template's macros read. One per runner (the counter is per runner).
struct RenderContext {
    std::uint64_t counter = 0;                    ///< incremented by each {{counter}}
    std::function<std::int64_t()> unixTime;       ///< seconds since 1970 (null: the system clock)
    std::function<std::uint64_t()> random64;      ///< random bits (null: a per-context generator)
    std::uint64_t rngState = 0x9e3779b97f4a7c15ull;  ///< the default generator's state
};

class Template {
public:
    enum class PartKind : std::uint8_t { Literal, Capture, CaptureLength, Counter, Date, Time, UnixTime, Random, Uuid };
    struct Part {
        PartKind kind = PartKind::Literal;
        std::string text;    ///< Literal: the bytes
        std::size_t group = 0;  ///< Capture, CaptureLength: the group number
    };

    /// Parses `text` (the raw inside of the quotes). nullopt and `error` on a mistake.
    static std::optional<Template> parse(std::string_view text, std::string* error = nullptr);

    /// The bytes for one message: `captures[i]` is group i (missing: empty).
    std::string render(const std::vector<std::string_view>& captures, RenderContext& ctx) const;

    /// The highest capture group it refers to (0 when none).
    std::size_t highestGroup() const noexcept;
    /// Whether it is only literal bytes.
    bool isLiteral() const noexcept;
    const std::vector<Part>& parts() const noexcept { return m_parts; }

private:
    std::vector<Part> m_parts;
};

/// Decodes a quoted literal of a program (\r \n \t \0 \\ \" \xNN; every
/// other byte stands for itself). nullopt and `error` on a bad escape.
std::optional<std::string> decodeLiteral(std::string_view raw, std::string* error = nullptr);

}  // namespace engine::program
