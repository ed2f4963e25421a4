#include "schedule/cron.h"

#include <date/date.h>
#include <date/tz.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <sstream>

#include "core/date.h"

namespace paddock {
namespace {

struct FieldSpec {
  const char* name;
  int min;
  int max;
  const char* const* names;  // names for min.., or null
  int name_count;
};

constexpr const char* kMonthNames[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                       "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr const char* kDayNames[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};
constexpr std::array<FieldSpec, 5> kFields{{
    {"minute", 0, 59, nullptr, 0},
    {"hour", 0, 23, nullptr, 0},
    {"day of month", 1, 31, nullptr, 0},
    {"month", 1, 12, kMonthNames, 12},
    {"day of week", 0, 7, kDayNames, 7},
}};

Error field_error(const FieldSpec& field, const std::string& part, const std::string& why) {
  return make_error(ErrorCode::kInvalidArgument,
                    fmt::format("cron {} field: '{}' {}", field.name, part.substr(0, 40), why));
}

// A number or a name of the field.
Result<int> field_value(const FieldSpec& field, const std::string& text, const std::string& part) {
  if (text.empty()) return field_error(field, part, "has an empty value");
  if (std::isdigit(static_cast<unsigned char>(text[0])) != 0) {
    int value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) return field_error(field, part, "is not a number");
    if (value < field.min || value > field.max) {
      return field_error(field, part, fmt::format("is out of range ({} to {})", field.min, field.max));
    }
    return value;
  }
  std::string upper = text;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (int i = 0; i < field.name_count; ++i) {
    if (upper == field.names[i]) return i + (field.names == kMonthNames ? 1 : 0);
  }
  return field_error(field, part,
                     field.name_count > 0 ? fmt::format("is not a number or a name ({}-{})", field.names[0],
                                                        field.names[field.name_count - 1])
                                          : "is not a number");
}

// The values a field selects.
Result<std::vector<bool>> parse_field(const FieldSpec& field, const std::string& text) {
  std::vector<bool> selected(static_cast<std::size_t>(field.max) + 1, false);
  std::stringstream parts(text);
  std::string part;
  bool any = false;
  while (std::getline(parts, part, ',')) {
    if (part.empty()) return field_error(field, text, "has an empty list item");
    any = true;
    std::string range = part;
    int step = 1;
    if (const std::size_t slash = part.find('/'); slash != std::string::npos) {
      range = part.substr(0, slash);
      const std::string step_text = part.substr(slash + 1);
      const auto [end, ec] = std::from_chars(step_text.data(), step_text.data() + step_text.size(), step);
      if (ec != std::errc() || end != step_text.data() + step_text.size() || step < 1 || step > field.max) {
        return field_error(field, part, fmt::format("has a step that is not a number from 1 to {}", field.max));
      }
    }
    int low = field.min;
    int high = field.max;
    if (range == "*") {
      if (field.max == 7) high = 6;  // day of week: 7 is Sunday again
    } else if (const std::size_t dash = range.find('-'); dash != std::string::npos) {
      PADDOCK_ASSIGN_OR_RETURN(low, field_value(field, range.substr(0, dash), part));
      PADDOCK_ASSIGN_OR_RETURN(high, field_value(field, range.substr(dash + 1), part));
      if (high < low) return field_error(field, part, "is a range that ends before it starts");
    } else {
      PADDOCK_ASSIGN_OR_RETURN(low, field_value(field, range, part));
      high = part.find('/') != std::string::npos ? field.max : low;  // "A/S": from A to the end
    }
    for (int v = low; v <= high; v += step) selected[static_cast<std::size_t>(v)] = true;
  }
  if (!any) return field_error(field, text, "is empty");
  return selected;
}

std::string expand_macro(const std::string& text) {
  std::string lower = text;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "@yearly" || lower == "@annually") return "0 0 1 1 *";
  if (lower == "@monthly") return "0 0 1 * *";
  if (lower == "@weekly") return "0 0 * * 0";
  if (lower == "@daily" || lower == "@midnight") return "0 0 * * *";
  if (lower == "@hourly") return "0 * * * *";
  return text;
}

constexpr auto kSearchYears = 8;

}  // namespace

Result<CronExpression> CronExpression::parse(const std::string& text) {
  CronExpression cron;
  cron.text_ = text;
  const std::string expanded = expand_macro(text);
  if (!expanded.empty() && expanded[0] == '@') {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("cron: '{}' is not @yearly, @annually, @monthly, @weekly, @daily, @midnight or "
                                  "@hourly",
                                  text.substr(0, 40)));
  }
  std::istringstream words(expanded);
  std::string word;
  while (words >> word) cron.fields_.push_back(word);
  if (cron.fields_.size() != 5) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("cron: '{}' has {} fields; it needs 5: minute hour day-of-month month day-of-week",
                                  text.substr(0, 60), cron.fields_.size()));
  }
  std::array<std::vector<bool>, 5> values;
  for (std::size_t i = 0; i < 5; ++i) {
    PADDOCK_ASSIGN_OR_RETURN(values[i], parse_field(kFields[i], cron.fields_[i]));
  }
  for (int m = 0; m < 60; ++m) cron.minutes_[m] = values[0][m];
  for (int h = 0; h < 24; ++h) cron.hours_[h] = values[1][h];
  for (int d = 1; d <= 31; ++d) cron.days_[d] = values[2][d];
  for (int m = 1; m <= 12; ++m) cron.months_[m] = values[3][m];
  for (int w = 0; w <= 7; ++w) {
    if (values[4][w]) cron.weekdays_[w % 7] = true;
  }
  cron.day_of_month_star_ = cron.fields_[2][0] == '*';
  cron.day_of_week_star_ = cron.fields_[4][0] == '*';
  return cron;
}

bool CronExpression::day_matches(int, unsigned month, unsigned day, unsigned weekday) const {
  if (!months_[month]) return false;
  const bool by_day = days_[day];
  const bool by_weekday = weekdays_[weekday];
  if (day_of_month_star_ || day_of_week_star_) return by_day && by_weekday;
  return by_day || by_weekday;
}

bool CronExpression::matches(int year, unsigned month, unsigned day, unsigned weekday, int hour, int minute) const {
  return day_matches(year, month, day, weekday) && hours_[static_cast<std::size_t>(hour)] &&
         minutes_[static_cast<std::size_t>(minute)];
}

std::optional<SysSeconds> CronExpression::next_after(SysSeconds after, const date::time_zone& zone) const {
  using namespace std::chrono;
  const date::local_seconds local_after = zone.to_local(after);
  date::local_seconds candidate = date::floor<minutes>(local_after) + minutes(1);
  const date::local_days limit = date::floor<date::days>(local_after) + date::days(366 * kSearchYears);
  while (candidate < limit) {
    const date::local_days day = date::floor<date::days>(candidate);
    const date::year_month_day ymd{day};
    const unsigned weekday = date::weekday{day}.c_encoding();
    if (!day_matches(static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                     static_cast<unsigned>(ymd.day()), weekday)) {
      candidate = day + date::days(1);
      continue;
    }
    const auto time = date::make_time(candidate - day);
    const auto hour = static_cast<std::size_t>(time.hours().count());
    if (!hours_[hour]) {
      candidate = date::floor<hours>(candidate) + hours(1);
      continue;
    }
    const auto minute = static_cast<std::size_t>(time.minutes().count());
    if (!minutes_[minute]) {
      candidate += minutes(1);
      continue;
    }
    const date::local_info info = zone.get_info(candidate);
    if (info.result != date::local_info::nonexistent) {
      // Unique, or the first of two (the hour repeated in autumn fires once, the first time).
      const SysSeconds fire{(candidate - info.first.offset).time_since_epoch()};
      if (fire > after) return fire;
    }
    candidate += minutes(1);
  }
  return std::nullopt;
}

std::vector<SysSeconds> CronExpression::fire_times(SysSeconds after, SysSeconds until, const date::time_zone& zone,
                                                   std::size_t max_count) const {
  std::vector<SysSeconds> times;
  while (times.size() < max_count) {
    const std::optional<SysSeconds> next = next_after(after, zone);
    if (!next || *next > until) break;
    times.push_back(*next);
    after = *next;
  }
  return times;
}

namespace {

std::string two(int v) { return fmt::format("{:02}", v); }

// "every 15 minutes", "at minute 5", "at minutes 0, 30"...
template <std::size_t N>
std::vector<int> set_values(const std::bitset<N>& bits, int from) {
  std::vector<int> values;
  for (std::size_t i = static_cast<std::size_t>(from); i < N; ++i) {
    if (bits[i]) values.push_back(static_cast<int>(i));
  }
  return values;
}

std::string join_names(const std::vector<int>& values, const char* const* names, int offset) {
  std::vector<std::string> out;
  for (int v : values) out.emplace_back(names[v - offset]);
  return fmt::format("{}", fmt::join(out, ", "));
}

constexpr const char* kLongDays[] = {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};
constexpr const char* kLongMonths[] = {"January", "February", "March",     "April",   "May",      "June",
                                       "July",    "August",   "September", "October", "November", "December"};

}  // namespace

std::string CronExpression::describe() const {
  const std::vector<int> minutes = set_values(minutes_, 0);
  const std::vector<int> hours = set_values(hours_, 0);
  std::string when;
  if (minutes.size() == 1 && hours.size() == 24) {
    when = "every hour at minute " + two(minutes[0]);
  } else if (minutes.size() == 1 && hours.size() <= 6) {
    std::vector<std::string> times;
    for (int h : hours) times.push_back(two(h) + ":" + two(minutes[0]));
    when = "at " + fmt::format("{}", fmt::join(times, ", "));
  } else {
    if (minutes.size() == 60) {
      when = "every minute";
    } else if (fields_[0].rfind("*/", 0) == 0) {
      when = "every " + fields_[0].substr(2) + " minutes";
    } else {
      std::vector<std::string> ms;
      for (int m : minutes) ms.push_back(two(m));
      when = "at minute" + std::string(minutes.size() > 1 ? "s " : " ") + fmt::format("{}", fmt::join(ms, ", "));
    }
    if (hours.size() < 24) {
      if (hours.back() - hours.front() + 1 == static_cast<int>(hours.size())) {
        when += fmt::format(" from {}:00 to {}:59", two(hours.front()), two(hours.back()));
      } else {
        std::vector<std::string> hs;
        for (int h : hours) hs.push_back(two(h) + "h");
        when += " past " + fmt::format("{}", fmt::join(hs, ", "));
      }
    }
  }
  std::vector<std::string> days;
  if (!day_of_month_star_) {
    const std::vector<int> dom = set_values(days_, 1);
    std::vector<std::string> ds;
    for (int d : dom) ds.push_back(std::to_string(d));
    days.push_back("on day " + fmt::format("{}", fmt::join(ds, ", ")) + " of the month");
  }
  if (!day_of_week_star_) {
    const std::vector<int> dow = set_values(weekdays_, 0);
    const bool weekdays = dow == std::vector<int>{1, 2, 3, 4, 5};
    days.push_back(weekdays ? "Monday to Friday" : "on " + join_names(dow, kLongDays, 0));
  }
  std::string day_text = days.empty() ? "every day" : fmt::format("{}", fmt::join(days, " or "));
  if (fields_[3] != "*") day_text += ", in " + join_names(set_values(months_, 1), kLongMonths, 1);
  return when + ", " + day_text;
}

Result<const date::time_zone*> find_time_zone(const std::string& name) {
  try {
    return date::locate_zone(name);
  } catch (const std::exception&) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("time zone '{}' is not in the system's tz database (e.g. Europe/Paris, UTC)",
                                  name.substr(0, 60)));
  }
}

std::string format_utc(SysSeconds time) { return date::format("%Y-%m-%dT%H:%M:%SZ", time); }

Result<SysSeconds> parse_utc(const std::string& text) {
  // YYYY-MM-DDTHH:MM:SSZ, as format_utc writes it.
  const auto bad = [&] { return make_error(ErrorCode::kInvalidArgument, fmt::format("'{}' is not a UTC time "
                                                                                    "(YYYY-MM-DDTHH:MM:SSZ)", text.substr(0, 40))); };
  if (text.size() != 20 || text[10] != 'T' || text[13] != ':' || text[16] != ':' || text[19] != 'Z') return bad();
  Result<Day> day = parse_day(text.substr(0, 10));
  if (!day.ok()) return bad();
  int parts[3] = {0, 0, 0};
  for (int i = 0; i < 3; ++i) {
    const char* begin = text.data() + 11 + 3 * i;
    const auto [end, ec] = std::from_chars(begin, begin + 2, parts[i]);
    if (ec != std::errc() || end != begin + 2) return bad();
  }
  if (parts[0] > 23 || parts[1] > 59 || parts[2] > 59) return bad();
  return SysSeconds(date::sys_days(date::days(*day)).time_since_epoch() + std::chrono::hours(parts[0]) +
                    std::chrono::minutes(parts[1]) + std::chrono::seconds(parts[2]));
}

std::string format_local(SysSeconds time, const date::time_zone& zone) {
  return date::format("%Y-%m-%d %H:%M %Z", date::make_zoned(&zone, time));
}

}  // namespace paddock
