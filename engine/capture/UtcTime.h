// UtcTime.h — wall-clock times as the session format writes them: ISO 8601
// UTC with microseconds, "2026-05-01T12:00:00.123456Z".
//
// What it does: formatUtc() turns a system_clock time (the header's `start`,
// a transcript's UTC column) into that text, with <chrono>'s calendar
// (sys_days, year_month_day, hh_mm_ss). A time outside the years the
// calendar covers (-32767 to 32767: only a corrupt file gets there) reads
// "out-of-range time (N us since 1970)" instead of a wrong date.
// What it owns: nothing; pure functions.
// Threads: any.
#pragma once

#include <chrono>
#include <string>

namespace engine {

/// "2026-05-01T12:00:00.123456Z" (truncated to the microsecond).
std::string formatUtc(std::chrono::system_clock::time_point t);
/// The same for a time in microseconds, any value (a file's `start_unix_us` plus its `t_us`).
std::string formatUtc(std::chrono::sys_time<std::chrono::microseconds> t);

}  // namespace engine
