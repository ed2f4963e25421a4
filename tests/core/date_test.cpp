#include "core/date.h"

#include <gtest/gtest.h>

namespace paddock {
namespace {

TEST(Date, ParsesAndFormatsRoundTrip) {
  Result<Day> day = parse_day("2024-02-29");
  ASSERT_TRUE(day.ok());
  EXPECT_EQ(format_day(*day), "2024-02-29");
  EXPECT_EQ(year_of(*day), 2024);
  EXPECT_EQ(yyyymmdd(*day), 20240229);
}

TEST(Date, EpochIsDayZero) {
  EXPECT_EQ(*parse_day("1970-01-01"), 0);
  EXPECT_EQ(*parse_day("1970-01-02"), 1);
}

TEST(Date, RejectsDaysThatDoNotExist) {
  for (const char* text : {"2023-02-29", "2023-13-01", "2023-00-10", "2023-04-31"}) {
    Result<Day> day = parse_day(text);
    ASSERT_FALSE(day.ok()) << text;
    EXPECT_EQ(day.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(day.error().message.find(text), std::string::npos);
  }
}

TEST(Date, RejectsMalformedText) {
  for (const char* text : {"", "2023-1-01", "01/02/2023", "2023-01-01T00", "abcd-ef-gh", "2023_01_01"}) {
    EXPECT_FALSE(parse_day(text).ok()) << text;
  }
}

TEST(Date, WeekdayIsMondayZero) {
  EXPECT_EQ(weekday_of(*parse_day("2026-11-23")), 0);  // a Monday
  EXPECT_EQ(weekday_of(*parse_day("2026-11-29")), 6);  // a Sunday
}

TEST(Date, TimestampsAreIsoUtc) {
  const std::string now = utc_timestamp_now();
  ASSERT_EQ(now.size(), 20U);
  EXPECT_EQ(now[10], 'T');
  EXPECT_EQ(now.back(), 'Z');
}

}  // namespace
}  // namespace paddock
