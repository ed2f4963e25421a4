#include "core/date.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <charconv>

namespace paddock {
namespace {

bool parse_digits(std::string_view text, int& out) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc() && ptr == end;
}

}  // namespace

Result<Day> parse_day(std::string_view text) {
  auto fail = [&] {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("'{}' is not a date in the form YYYY-MM-DD", text));
  };
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return fail();
  int y = 0;
  int m = 0;
  int d = 0;
  if (!parse_digits(text.substr(0, 4), y) || !parse_digits(text.substr(5, 2), m) ||
      !parse_digits(text.substr(8, 2), d)) {
    return fail();
  }
  const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(m)},
                                        std::chrono::day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || y < 1900 || y > 2200) return fail();
  return static_cast<Day>(std::chrono::sys_days{ymd}.time_since_epoch().count());
}

std::string format_day(Day day) {
  const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{day}}};
  return fmt::format("{:04d}-{:02d}-{:02d}", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
}

std::optional<std::string> parse_time_of_day(std::string_view text) {
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 2 || text.size() != colon + 3) return std::nullopt;
  int hours = 0, minutes = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (i == colon) continue;
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    int& part = i < colon ? hours : minutes;
    part = part * 10 + (text[i] - '0');
  }
  if (hours > 23 || minutes > 59) return std::nullopt;
  return format_time_of_day(hours * 60 + minutes);
}

std::string format_time_of_day(std::int64_t minute_of_day) {
  const std::int64_t minute = ((minute_of_day % 1440) + 1440) % 1440;
  return fmt::format("{:02d}:{:02d}", minute / 60, minute % 60);
}

int year_of(Day day) {
  const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{day}}};
  return static_cast<int>(ymd.year());
}

int yyyymmdd(Day day) {
  const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{day}}};
  return static_cast<int>(ymd.year()) * 10000 + static_cast<int>(static_cast<unsigned>(ymd.month())) * 100 +
         static_cast<int>(static_cast<unsigned>(ymd.day()));
}

int weekday_of(Day day) {
  const std::chrono::weekday wd{std::chrono::sys_days{std::chrono::days{day}}};
  return static_cast<int>(wd.iso_encoding()) - 1;
}

std::string utc_timestamp(std::chrono::system_clock::time_point when) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(when);
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", seconds);
}

Result<std::chrono::system_clock::time_point> parse_utc_timestamp(std::string_view text) {
  auto fail = [&] {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("'{}' is not a UTC time in the form YYYY-MM-DDTHH:MM:SSZ", text));
  };
  if (text.size() != 20 || (text[10] != 'T' && text[10] != ' ') || text[13] != ':' || text[16] != ':' ||
      text[19] != 'Z') {
    return fail();
  }
  Result<Day> day = parse_day(text.substr(0, 10));
  int h = 0;
  int m = 0;
  int s = 0;
  if (!day.ok() || !parse_digits(text.substr(11, 2), h) || !parse_digits(text.substr(14, 2), m) ||
      !parse_digits(text.substr(17, 2), s) || h > 23 || m > 59 || s > 60) {
    return fail();
  }
  return std::chrono::system_clock::time_point(std::chrono::sys_days{std::chrono::days{*day}}) +
         std::chrono::hours{h} + std::chrono::minutes{m} + std::chrono::seconds{s};
}

std::string utc_timestamp_now() { return utc_timestamp(std::chrono::system_clock::now()); }

std::string compact_utc_now() {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  return fmt::format("{:%Y%m%d_%H%M%S}", seconds);
}

}  // namespace paddock
