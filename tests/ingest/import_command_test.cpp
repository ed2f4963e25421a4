// `paddock import` as a user runs it: inputs that cannot be imported leave no database file
// behind, and a failed import leaves an existing database as it was.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "support/test_fixture.h"

namespace paddock {
namespace {

namespace fs = std::filesystem;
using testing::run_paddock;

std::string fixture(const std::string& name) { return PADDOCK_TEST_DATA_DIR "/import/" + name; }

class ImportCommand : public ::testing::Test {
 protected:
  // The database file and its SQLite companions.
  bool database_left() const {
    return fs::exists(db_) || fs::exists(db_ + "-wal") || fs::exists(db_ + "-shm") || fs::exists(db_ + "-journal");
  }

  testing::TempDir dir_{"import-command"};
  std::string db_ = dir_.file("new.db");
};

TEST_F(ImportCommand, AMissingInputFileCreatesNoDatabase) {
  const std::string missing = dir_.file("no-such-races.csv");
  const auto result = run_paddock({"import", "--db", db_, "--races", missing, "--runners", fixture("runners.csv")});
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_NE(result.output.find("'" + missing + "' does not exist"), std::string::npos) << result.output;
  EXPECT_FALSE(database_left());
}

TEST_F(ImportCommand, ADirectoryGivenAsAFileCreatesNoDatabase) {
  const std::string directory = dir_.file("races.csv");
  fs::create_directory(directory);
  const auto result = run_paddock({"import", "--db", db_, "--races", directory, "--runners", fixture("runners.csv")});
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_NE(result.output.find("'" + directory + "' is a directory"), std::string::npos) << result.output;
  EXPECT_FALSE(database_left());

  const auto swapped = run_paddock({"import", "--db", db_, "--races", fixture("races.csv"), "--runners", directory});
  EXPECT_EQ(swapped.exit_code, 2) << swapped.output;
  EXPECT_FALSE(database_left());
}

TEST_F(ImportCommand, AFailedImportRemovesTheDatabaseItCreated) {
  const auto csv = run_paddock(
      {"import", "--db", db_, "--races", fixture("bad_races.csv"), "--runners", fixture("bad_runners.csv")});
  EXPECT_EQ(csv.exit_code, 2) << csv.output;
  EXPECT_NE(csv.output.find("nothing was imported"), std::string::npos) << csv.output;
  EXPECT_FALSE(database_left());

  // A PMU directory without any day directory in it.
  const std::string empty = dir_.file("pmu");
  fs::create_directory(empty);
  const auto pmu = run_paddock({"import", "--db", db_, "--pmu", empty});
  EXPECT_EQ(pmu.exit_code, 2) << pmu.output;
  EXPECT_NE(pmu.output.find("no day directory"), std::string::npos) << pmu.output;
  EXPECT_FALSE(database_left());
}

TEST_F(ImportCommand, AFailedImportKeepsAnExistingDatabase) {
  const auto good = run_paddock({"import", "--db", db_, "--races", fixture("races.csv"), "--runners", fixture("runners.csv")});
  ASSERT_EQ(good.exit_code, 0) << good.output;
  const auto bad = run_paddock(
      {"import", "--db", db_, "--races", fixture("bad_races.csv"), "--runners", fixture("bad_runners.csv")});
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  ASSERT_TRUE(fs::exists(db_));
  EXPECT_EQ(testing::query_int(db_, "SELECT COUNT(*) FROM races"), 5);
  const auto missing = run_paddock({"import", "--db", db_, "--races", dir_.file("nothing.csv"), "--runners",
                                    fixture("runners.csv")});
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
  EXPECT_EQ(testing::query_int(db_, "SELECT COUNT(*) FROM runners"), 16);
}

}  // namespace
}  // namespace paddock
