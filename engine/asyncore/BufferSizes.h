// BufferSizes.h — async_chat's default buffer sizes, ac_in_buffer_size and
// ac_out_buffer_size (4096 in asynchat).
//
// What it does: names the two defaults on their own, so that code that only
// needs the numbers (the reactor's channel options) does not include
// AsyncChat.h. What it owns: nothing. Threads: constants; any.
#pragma once

#include <cstddef>

namespace engine {

inline constexpr std::size_t kAcInBufferSize = 4096;   ///< asynchat.async_chat.ac_in_buffer_size
inline constexpr std::size_t kAcOutBufferSize = 4096;  ///< asynchat.async_chat.ac_out_buffer_size

}  // namespace engine
