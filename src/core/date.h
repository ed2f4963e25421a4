// Calendar days and timestamps. A race day is a `Day`: the number of days since 1970-01-01,
// so that "runs before this race" is an integer comparison. Text forms are ISO 8601:
// "YYYY-MM-DD" for days (stored so in the database) and "YYYY-MM-DDTHH:MM:SSZ" (UTC) for times.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"

namespace paddock {

using Day = std::int32_t;

// Parses a strict "YYYY-MM-DD" that names a real calendar day (no 2023-02-30).
Result<Day> parse_day(std::string_view text);
std::string format_day(Day day);
int year_of(Day day);
// 20240131 for 2024-01-31.
int yyyymmdd(Day day);
// Day of the week, 0 = Monday .. 6 = Sunday.
int weekday_of(Day day);

// A race's post time of day, "H:MM" or "HH:MM" (00:00 .. 23:59), as "HH:MM"; nullopt otherwise.
std::optional<std::string> parse_time_of_day(std::string_view text);
// "HH:MM" of a minute of the day (taken modulo a day).
std::string format_time_of_day(std::int64_t minute_of_day);

// The current UTC time as "YYYY-MM-DDTHH:MM:SSZ", and the same form for any time point.
std::string utc_timestamp_now();
std::string utc_timestamp(std::chrono::system_clock::time_point when);
// Reads back "YYYY-MM-DDTHH:MM:SSZ" (a space instead of the T is accepted, as SQLite writes).
Result<std::chrono::system_clock::time_point> parse_utc_timestamp(std::string_view text);
// "YYYYMMDD_HHMMSS" in UTC, for job ids.
std::string compact_utc_now();

}  // namespace paddock
