#include "core/file_reader.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/date.h"
#include "core/identifier.h"

namespace paddock {
namespace {

class FileReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("paddock-file-reader-" + std::to_string(getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(FileReaderTest, ReadsAWholeFile) {
  const std::string text = std::string("a,b\n") + std::string(100000, 'x') + std::string(1, '\0') + "end";
  std::ofstream(dir_ / "f.csv", std::ios::binary) << text;
  Result<std::string> read = read_file(dir_ / "f.csv");
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(*read, text);
}

TEST_F(FileReaderTest, EveryFailureIsAnErrorNamingTheFile) {
  const Result<std::string> missing = read_file(dir_ / "absent.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_NE(missing.error().message.find("absent.json"), std::string::npos);

  std::filesystem::create_directory(dir_ / "programme.json");
  const Result<std::string> directory = read_file(dir_ / "programme.json");
  ASSERT_FALSE(directory.ok());
  EXPECT_EQ(directory.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(directory.error().message.find("programme.json' is a directory"), std::string::npos);
  EXPECT_FALSE(check_regular_file(dir_ / "programme.json").ok());

  ASSERT_EQ(mkfifo((dir_ / "pipe").c_str(), 0600), 0);
  const Result<std::string> fifo = read_file(dir_ / "pipe");  // must not block
  ASSERT_FALSE(fifo.ok());
  EXPECT_NE(fifo.error().message.find("not a regular file"), std::string::npos);

  std::ofstream(dir_ / "big") << std::string(2000, 'x');
  const Result<std::string> big = read_file(dir_ / "big", 1000);
  ASSERT_FALSE(big.ok());
  EXPECT_NE(big.error().message.find("larger than the 1000 bytes"), std::string::npos);

  const Result<std::string> under_a_file = read_file(dir_ / "big" / "x");
  ASSERT_FALSE(under_a_file.ok());
  EXPECT_EQ(under_a_file.error().code, ErrorCode::kNotFound);
}

TEST(UtcTimestamp, ReadsBackWhatIsWritten) {
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  Result<std::chrono::system_clock::time_point> read = parse_utc_timestamp(utc_timestamp(now));
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(*read, now);
  EXPECT_TRUE(parse_utc_timestamp("2026-11-27 17:29:31Z").ok());
  for (const char* bad : {"", "2026-11-27", "2026-11-27T25:00:00Z", "2026-02-30T00:00:00Z", "2026-11-27T17:29:31"}) {
    EXPECT_FALSE(parse_utc_timestamp(bad).ok()) << bad;
  }
}

TEST(Identifier, NamesTheFirstBadCharacter) {
  const Status status = validate_identifier("my model", "model name");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().message,
            "model name 'my?model' has ' ' at position 3; it may hold letters, digits, '_', '-' and '.'");
}

}  // namespace
}  // namespace paddock
