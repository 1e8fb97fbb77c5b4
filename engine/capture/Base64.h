// Base64.h — standard base64 (RFC 4648, the standard alphabet, with padding),
// as the session format writes exact bytes (`data_b64`).
//
// What it does: append() / encode() write it; decode() reads it strictly
// (length a multiple of 4, padding only at the end, nothing outside the
// alphabet) and says nullopt otherwise.
// What it owns: nothing; pure functions.
// Threads: any.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace engine::base64 {

/// Appends the base64 of `bytes` to `out`.
void append(std::string& out, std::string_view bytes);
/// The base64 of `bytes`.
std::string encode(std::string_view bytes);
/// The bytes `text` encodes; nullopt if it is not valid padded base64.
std::optional<std::string> decode(std::string_view text);

}  // namespace engine::base64
