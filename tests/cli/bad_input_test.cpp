// Bad input on the command line: one clear message, a non-zero exit, nothing stored changes.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "support/test_fixture.h"

namespace paddock {
namespace {

using testing::run_paddock;

std::string snapshot(const std::string& db) {
  return testing::query_text(db, "SELECT (SELECT COUNT(*) FROM races) || '/' || (SELECT COUNT(*) FROM runners) || '/' || "
                                 "(SELECT COUNT(*) FROM predictions) || '/' || (SELECT COUNT(*) FROM prediction_jobs) || '/' || "
                                 "(SELECT COUNT(*) FROM models)");
}

class BadInput : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = testing::demo_database_copy(dir_.path());
    before_ = snapshot(db_);
  }
  void TearDown() override { EXPECT_EQ(snapshot(db_), before_); }
  testing::TempDir dir_{"bad-input"};
  std::string db_;
  std::string before_;
};

TEST_F(BadInput, UnknownFlagIsAUsageError) {
  const auto result = run_paddock({"predict", "--db", db_, "--wrokers", "2"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.output.find("--wrokers"), std::string::npos) << result.output;
}

TEST_F(BadInput, UnknownSubcommandIsAUsageError) {
  const auto result = run_paddock({"predcit", "--db", db_});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.output.find("predcit"), std::string::npos) << result.output;
}

TEST_F(BadInput, BadDatesNameTheFlag) {
  for (const char* flag : {"--date", "--from", "--to"}) {
    const auto result = run_paddock({"predict", "--db", db_, flag, "2024-02-30"});
    EXPECT_EQ(result.exit_code, 2) << flag;
    EXPECT_NE(result.output.find(flag), std::string::npos) << result.output;
    EXPECT_NE(result.output.find("2024-02-30"), std::string::npos) << result.output;
  }
  const auto evaluate = run_paddock({"evaluate", "--db", db_, "--from", "yesterday"});
  EXPECT_EQ(evaluate.exit_code, 2);
  EXPECT_NE(evaluate.output.find("'yesterday' is not a date"), std::string::npos) << evaluate.output;
}

TEST_F(BadInput, OutOfRangeNumbersAreRefused) {
  EXPECT_EQ(run_paddock({"predict", "--db", db_, "--chunk-size", "0"}).exit_code, 2);
  EXPECT_EQ(run_paddock({"predict", "--db", db_, "--workers", "0"}).exit_code, 2);
  EXPECT_EQ(run_paddock({"predict", "--db", db_, "--limit", "-3"}).exit_code, 2);
  EXPECT_EQ(run_paddock({"predict", "--db", db_, "--limit", "ten"}).exit_code, 2);
  EXPECT_EQ(run_paddock({"train", "--db", db_, "--trees", "0"}).exit_code, 2);
}

TEST_F(BadInput, ConflictingSelectionsAreRefused) {
  const auto result = run_paddock({"predict", "--db", db_, "--race-ids", "1", "--date", "2020-01-02"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.output.find("excludes"), std::string::npos) << result.output;
}

TEST_F(BadInput, ResumingAnUnknownJobIsAUsageError) {
  const auto result = run_paddock({"predict", "--db", db_, "--resume", "batch_nope"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.output.find("no job 'batch_nope'"), std::string::npos) << result.output;
}

TEST_F(BadInput, MissingFilesAndDirectoriesAreNamed) {
  const auto export_missing = run_paddock({"export", "--db", dir_.file("absent.db"), "--date", "2020-01-02"});
  EXPECT_EQ(export_missing.exit_code, 2);
  EXPECT_NE(export_missing.output.find("absent.db"), std::string::npos) << export_missing.output;
  // A mistyped --db is not a new, empty database with a failed job in it.
  const auto predict_missing = run_paddock({"predict", "--db", dir_.file("typo.db"), "--limit", "5"});
  EXPECT_EQ(predict_missing.exit_code, 2);
  EXPECT_NE(predict_missing.output.find("typo.db' does not exist"), std::string::npos) << predict_missing.output;
  EXPECT_FALSE(std::filesystem::exists(dir_.file("typo.db")));
  const auto demo_missing_dir = run_paddock({"demo", "--db", "/nonexistent/dir/demo.db", "--races", "10"});
  EXPECT_EQ(demo_missing_dir.exit_code, 2);
  EXPECT_NE(demo_missing_dir.output.find("/nonexistent/dir"), std::string::npos) << demo_missing_dir.output;
}

TEST_F(BadInput, DemoRefusesADatabaseThatHoldsRaces) {
  const auto result = run_paddock({"demo", "--db", db_, "--races", "10"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.output.find("already holds"), std::string::npos) << result.output;
}

TEST_F(BadInput, ModelOfAnotherFeatureSetIsRefused) {
  // A copy of the active model whose meta.json lists one feature under another name.
  const std::string model_dir = testing::query_text(db_, "SELECT path FROM models WHERE is_active = 1");
  const std::string copy = dir_.file("other-model");
  std::filesystem::copy(model_dir, copy);
  std::ifstream in(copy + "/meta.json");
  std::string meta((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto at = meta.find("\"hist_rating\"");
  ASSERT_NE(at, std::string::npos);
  meta.replace(at, 13, "\"speed_figure\"");
  std::ofstream(copy + "/meta.json") << meta;
  testing::exec_sql(db_, "INSERT INTO models(name, path, created_at, feature_set, is_active) VALUES "
                         "('other', '" + copy + "', '2026-01-01T00:00:00Z', 'other', 0)");
  before_ = snapshot(db_);
  const std::string id = testing::query_text(db_, "SELECT MAX(id) FROM models");
  const auto evaluate = run_paddock({"evaluate", "--db", db_, "--model", id});
  EXPECT_EQ(evaluate.exit_code, 1);
  EXPECT_NE(evaluate.output.find("another feature set"), std::string::npos) << evaluate.output;
  EXPECT_NE(evaluate.output.find("'speed_figure' in the model but 'hist_rating'"), std::string::npos)
      << evaluate.output;
  // As a batch job: the job is recorded as failed with the same reason, and nothing is predicted.
  const auto predict = run_paddock({"predict", "--db", db_, "--model", id, "--quiet", "--job-id", "mismatch"});
  EXPECT_EQ(predict.exit_code, 1);
  EXPECT_NE(testing::query_text(db_, "SELECT error FROM prediction_jobs WHERE job_id = 'mismatch'").find("another feature set"),
            std::string::npos);
  testing::exec_sql(db_, "DELETE FROM job_races WHERE job_id = 'mismatch'; DELETE FROM prediction_jobs WHERE job_id = 'mismatch'");
}

}  // namespace
}  // namespace paddock
