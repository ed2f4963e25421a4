// Cron expressions: the standard five fields, and their fire times in a time zone.
//
//   minute hour day-of-month month day-of-week        e.g. "0 20 * * *", "*/15 9-17 * * MON-FRI"
//
// Each field is a comma-separated list of `*`, `N`, `A-B`, `*/S`, `A-B/S` or `A/S` (A to the
// field's last value, by S). Months may be named JAN-DEC, days of the week SUN-SAT (0 and 7
// are Sunday), in any case. `@yearly` (`@annually`), `@monthly`, `@weekly`, `@daily`
// (`@midnight`) and `@hourly` stand for their usual expressions. The usual day rule: when both
// the day of the month and the day of the week are restricted (neither starts with `*`), a day
// matches if either does; otherwise both must.
//
// Fire times are local times of the schedule's zone (the system's tz database, through
// HowardHinnant's date library). Daylight-saving changes follow cron's usual rule: a local time
// that does not exist (the hour skipped in spring) does not fire; one that happens twice (the
// hour repeated in autumn) fires once, at its first occurrence.
#pragma once

#include <bitset>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"

namespace date {
class time_zone;
}

namespace paddock {

using SysSeconds = std::chrono::time_point<std::chrono::system_clock, std::chrono::seconds>;

class CronExpression {
 public:
  // kInvalidArgument naming the field and the part of it at fault.
  static Result<CronExpression> parse(const std::string& text);

  const std::string& text() const { return text_; }

  // The first fire time strictly after `after`, in `zone`; none when the expression never
  // matches a real day in the next eight years (e.g. "0 0 30 2 *").
  std::optional<SysSeconds> next_after(SysSeconds after, const date::time_zone& zone) const;
  // The fire times in (after, until].
  std::vector<SysSeconds> fire_times(SysSeconds after, SysSeconds until, const date::time_zone& zone,
                                     std::size_t max_count = 100000) const;

  // Whether a local date and time match (minute precision).
  bool matches(int year, unsigned month, unsigned day, unsigned weekday, int hour, int minute) const;

  // "at 20:00, every day", "every 15 minutes from 09:00 to 17:59, Monday to Friday"...: the
  // expression in plain English, for lists and forms.
  std::string describe() const;

 private:
  std::string text_;
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_;    // 1-31
  std::bitset<13> months_;  // 1-12
  std::bitset<7> weekdays_;  // 0 = Sunday
  bool day_of_month_star_ = true;
  bool day_of_week_star_ = true;
  std::vector<std::string> fields_;  // after macro expansion, for describe()
  bool day_matches(int year, unsigned month, unsigned day, unsigned weekday) const;
};

// The time zone named `name` ("Europe/Paris") from the system's tz database; kInvalidArgument
// when there is none by that name.
Result<const date::time_zone*> find_time_zone(const std::string& name);

// "2026-11-27T20:00:00Z" and back.
std::string format_utc(SysSeconds time);
Result<SysSeconds> parse_utc(const std::string& text);
// The local date and time of `time` in `zone`: "2026-11-27 21:00 CET".
std::string format_local(SysSeconds time, const date::time_zone& zone);

}  // namespace paddock
