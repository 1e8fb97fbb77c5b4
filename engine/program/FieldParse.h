// FieldParse.h — a light field view of one message group: a RESP type tree,
// an HTTP message's start line, header table and body, an SMTP reply's code
// and lines.
//
// What it does: parses the bytes of a message group (what a preset framed
// as one unit: a RESP array with its elements, an HTTP message with its
// body, an SMTP multi-line reply) into a tree of named fields, for the
// window's Fields tab. It reads peer bytes, so it is bounded: at most
// kMaxFields fields, kMaxDepth levels of nesting, kMaxValue bytes kept per
// value (the size is still given), numbers of at most 18 digits. Bytes it
// cannot read end the parse with a one-line `error` ("byte 12: …") and the
// fields read so far; it never throws on bad input. Values are the raw bytes
// (escaping them for display is the caller's business).
// What it owns: nothing (the result owns its strings).
// Threads: any (pure functions).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace engine::program {

struct Field {
    std::string name;   ///< "array (3)", "bulk string (5 bytes)", "Content-Type", "reply 250"
    std::string value;  ///< raw bytes, at most kMaxValue of them ("" for a container)
    bool cut = false;   ///< the value was longer than kMaxValue
    std::vector<Field> children;
};

enum class FieldProtocol { Auto, Resp, Http, Smtp };

struct FieldTree {
    FieldProtocol protocol = FieldProtocol::Auto;  ///< what was parsed (Auto: nothing recognised)
    std::vector<Field> fields;                     ///< top level, in order
    std::string error;                             ///< "" or one line: where and why the parse stopped
    std::size_t count = 0;                         ///< fields in the tree
};

constexpr std::size_t kMaxFields = 20000;
constexpr std::size_t kMaxDepth = 64;
constexpr std::size_t kMaxValue = 4096;

/// "RESP", "HTTP", "SMTP" or "".
std::string_view protocolName(FieldProtocol p) noexcept;
/// From a preset's name (redis → Resp, http → Http, smtp → Smtp; else Auto).
FieldProtocol protocolForPreset(std::string_view preset) noexcept;
/// Guesses from the first bytes when `p` is Auto.
FieldTree parseFields(std::string_view bytes, FieldProtocol p = FieldProtocol::Auto);

FieldTree parseResp(std::string_view bytes);
/// Requests and responses; bodies by Content-Length, chunked (dechunked), or the rest.
FieldTree parseHttp(std::string_view bytes);
/// Replies (`250-…` lines then `250 …`) and, for anything else, the line as a command.
FieldTree parseSmtp(std::string_view bytes);

}  // namespace engine::program
