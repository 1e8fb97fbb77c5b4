// UtcTime.cpp — ISO 8601 UTC text from <chrono>'s calendar types.
#include "engine/capture/UtcTime.h"

#include <cstdio>

namespace engine {

std::string formatUtc(std::chrono::system_clock::time_point t) {
    return formatUtc(std::chrono::time_point_cast<std::chrono::microseconds>(t));
}

std::string formatUtc(std::chrono::sys_time<std::chrono::microseconds> t) {
    using namespace std::chrono;
    // The calendar covers the years of std::chrono::year; beyond them (and
    // there floor<days> could overflow) there is no date to give.
    constexpr sys_days kFirst{year::min() / January / 1};
    constexpr sys_days kEnd{sys_days{year::max() / December / 31} + days{1}};
    if (t < kFirst || t >= kEnd)
        return "out-of-range time (" + std::to_string(t.time_since_epoch().count()) + " us since 1970)";
    const sys_days day = floor<days>(t);
    const year_month_day date{day};
    const hh_mm_ss<microseconds> clock{t - day};
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%06lldZ", static_cast<int>(date.year()),
                  static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                  static_cast<int>(clock.hours().count()), static_cast<int>(clock.minutes().count()),
                  static_cast<int>(clock.seconds().count()), static_cast<long long>(clock.subseconds().count()));
    return buf;
}

}  // namespace engine
