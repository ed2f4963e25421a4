#include "core/error.h"

#include <gtest/gtest.h>

namespace paddock {
namespace {

Result<int> half(int value) {
  if (value % 2 != 0) return make_error(ErrorCode::kInvalidArgument, "odd");
  return value / 2;
}

Result<int> quarter(int value) {
  PADDOCK_ASSIGN_OR_RETURN(const int h, half(value));
  PADDOCK_ASSIGN_OR_RETURN(const int q, half(h));
  return q;
}

Status check_even(int value) {
  PADDOCK_TRY(half(value));
  return ok_status();
}

TEST(Result, PropagatesValuesAndErrors) {
  EXPECT_EQ(*quarter(8), 2);
  Result<int> failed = quarter(6);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(failed.error().describe(), "invalid argument: odd");
  EXPECT_TRUE(check_even(4).ok());
  EXPECT_FALSE(check_even(5).ok());
}

TEST(Result, ExitCodesSeparateUsageFromFailure) {
  EXPECT_EQ(exit_code_for(ErrorCode::kInvalidArgument), kExitUsage);
  EXPECT_EQ(exit_code_for(ErrorCode::kNotFound), kExitUsage);
  EXPECT_EQ(exit_code_for(ErrorCode::kDatabase), kExitFailure);
  EXPECT_EQ(exit_code_for(ErrorCode::kCancelled), kExitCancelled);
}

}  // namespace
}  // namespace paddock
