// Bad input on the command line: one clear message, a non-zero exit, nothing stored changes.
#include <gtest/gtest.h>

#include <cstring>
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
  EXPECT_NE(result.output.find("--race-ids cannot be given with --date"), std::string::npos) << result.output;
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

// Integers on the command line are decimal: "0100" is one hundred, not octal 64; "0x10" is
// refused, not read as hex; a value past 2^63 - 1 is refused, not clamped.
TEST_F(BadInput, IntegersAreDecimalAndNeverClamped) {
  for (const char* flag : {"--race-ids", "--model", "--limit", "--workers", "--chunk-size", "--max-memory"}) {
    for (const char* value : {"0x10", "9223372036854775808", "1e3", "+5", "12abc"}) {
      const auto result = run_paddock({"predict", "--db", db_, flag, value, "-q"});
      EXPECT_EQ(result.exit_code, 2) << flag << " " << value << ": " << result.output;
      EXPECT_NE(result.output.find(flag), std::string::npos) << result.output;
    }
  }
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"evaluate", "--model", "0x1"}, {"export", "--date", "2020-01-02", "--model", "010"},
        {"models", "--activate", "0x1"}, {"demo", "--races", "0x10"}, {"train", "--trees", "0x10"}}) {
    std::vector<std::string> full = args;
    full.insert(full.begin() + 1, {"--db", db_});
    const auto result = run_paddock(full);
    if (args[0] == "export") {  // 010 is ten, a model that does not exist
      EXPECT_NE(result.output.find("model 10"), std::string::npos) << result.output;
      continue;
    }
    EXPECT_EQ(result.exit_code, 2) << args[0] << ": " << result.output;
    EXPECT_NE(result.output.find("not a decimal integer"), std::string::npos) << result.output;
  }
  // 0100 predicts race 100 (which does not exist: it fails as "race not found"), never race 64.
  const auto padded = run_paddock({"predict", "--db", db_, "--race-ids", "0100", "-q", "--job-id", "padded"});
  EXPECT_EQ(padded.exit_code, 0) << padded.output;
  EXPECT_EQ(testing::query_text(db_, "SELECT group_concat(race_id) FROM job_races WHERE job_id = 'padded'"), "100");
  testing::exec_sql(db_, "DELETE FROM job_races WHERE job_id = 'padded'; DELETE FROM prediction_jobs WHERE job_id = 'padded'");
}

TEST_F(BadInput, RangeErrorsAreShortAndSayTheLimits) {
  const auto limit = run_paddock({"predict", "--db", db_, "--limit", "0"});
  EXPECT_EQ(limit.exit_code, 2);
  EXPECT_NE(limit.output.find("limit (--limit) must be at least 1, not 0"), std::string::npos) << limit.output;
  EXPECT_LT(limit.output.size(), 200U) << limit.output;
  const auto threads = run_paddock({"train", "--db", db_, "--threads", "-1"});
  EXPECT_EQ(threads.exit_code, 2);
  EXPECT_NE(threads.output.find("'-1' is not an integer from 0 to 1024"), std::string::npos) << threads.output;
  EXPECT_LT(threads.output.size(), 200U) << threads.output;
}

// `train --tune`'s flags are checked before any work, each with its reason; nothing is trained.
TEST_F(BadInput, TuningFlagsAreRefusedWithTheReason) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--tune", "--tune-depths", "0"}, "--tune-depths: candidate depth 0 is not between 1 and 16"},
      {{"--tune", "--tune-depths", "abc"}, "--tune-depths: 'abc' is not a depth"},
      {{"--tune", "--tune-depths", "4,4"}, "--tune-depths: candidate depth 4 is given twice"},
      {{"--tune", "--tune-folds", "1"}, "'1' is not an integer from 2 to 10"},
      {{"--tune", "--early-stopping-rounds", "0"}, "'0' is not an integer from 1 to 5000"},
      {{"--tune", "--stage1", "stage1.json"}, "--stage1"},
      {{"--tune", "--depth", "4"}, "--depth"},
      {{"--tune-depths", "4,6"}, "--tune"},
      {{"--early-stopping-rounds", "10"}, "--tune"}};
  for (const auto& [flags, message] : cases) {
    std::vector<std::string> args{"train", "--db", db_};
    args.insert(args.end(), flags.begin(), flags.end());
    const auto result = run_paddock(args);
    EXPECT_EQ(result.exit_code, 2) << flags[0] << " " << flags[1] << ": " << result.output;
    EXPECT_NE(result.output.find(message), std::string::npos) << result.output;
    EXPECT_EQ(result.output.find("Training on"), std::string::npos) << result.output;
  }
}

TEST_F(BadInput, ResumeRefusesOptionsThatChooseRacesOrModel) {
  for (const std::vector<std::string>& extra :
       {std::vector<std::string>{"--model", "1"}, {"--limit", "5"}, {"--date", "2020-01-02"}, {"--all"},
        {"--race-ids", "3"}, {"--job-id", "x"}}) {
    std::vector<std::string> args{"predict", "--db", db_, "--resume", "some-job"};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto result = run_paddock(args);
    EXPECT_EQ(result.exit_code, 2) << extra[0];
    EXPECT_NE(result.output.find(extra[0] + " cannot be given with --resume"), std::string::npos) << result.output;
  }
}

TEST_F(BadInput, AJobIdThatIsNotASafeNameIsRefused) {
  for (const char* id : {"../../x", "/tmp/paddock-escape", "a/b/c", "new\nline", ".hidden"}) {
    const auto result = run_paddock({"predict", "--db", db_, "--job-id", id, "--limit", "1", "-q"});
    EXPECT_EQ(result.exit_code, 2) << id;
    EXPECT_NE(result.output.find("job id"), std::string::npos) << result.output;
    const auto resume = run_paddock({"predict", "--db", db_, "--resume", id});
    EXPECT_EQ(resume.exit_code, 2) << id;
  }
  EXPECT_FALSE(std::filesystem::exists("/tmp/paddock-escape.log"));
  EXPECT_FALSE(std::filesystem::exists(dir_.file("a")));
  EXPECT_FALSE(std::filesystem::exists(dir_.path() + "/../x.log"));
}

TEST_F(BadInput, MistypedFlagsAndSubcommandsAreNamedWithTheClosestOne) {
  const auto flag = run_paddock({"predict", "--db", db_, "--dat", "2021-08-02"});
  EXPECT_EQ(flag.exit_code, 2);
  EXPECT_NE(flag.output.find("unknown flag '--dat' for `paddock predict`; did you mean --date?"), std::string::npos)
      << flag.output;
  EXPECT_EQ(flag.output.find("were not expected"), std::string::npos) << flag.output;
  const auto command = run_paddock({"predcit", "--db", db_});
  EXPECT_EQ(command.exit_code, 2);
  EXPECT_NE(command.output.find("unknown subcommand 'predcit'; did you mean predict?"), std::string::npos)
      << command.output;
  const auto far = run_paddock({"frobnicate"});
  EXPECT_EQ(far.exit_code, 2);
  EXPECT_NE(far.output.find("unknown subcommand 'frobnicate'"), std::string::npos) << far.output;
  EXPECT_EQ(far.output.find("did you mean"), std::string::npos) << far.output;
  const auto with_value = run_paddock({"export", "--db", db_, "--date=2020-01-02", "--mdoel=3"});
  EXPECT_NE(with_value.output.find("unknown flag '--mdoel' for `paddock export`; did you mean --model?"),
            std::string::npos)
      << with_value.output;
}

TEST_F(BadInput, AMissingDatabaseFlagMentionsTheEnvironmentVariable) {
  const auto result = testing::run_command("env", {"-u", "PADDOCK_DB", PADDOCK_BINARY, "predict", "--limit", "3"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.output.find("PADDOCK_DB"), std::string::npos) << result.output;
}

TEST_F(BadInput, AQuietJobThatFindsNoRaceSaysWhy) {
  const auto empty_day = run_paddock({"predict", "--db", db_, "--date", "2030-01-01", "-q", "--job-id", "nothing"});
  EXPECT_EQ(empty_day.exit_code, 0);
  EXPECT_NE(empty_day.output.find("No races to predict: there is no race on 2030-01-01"), std::string::npos)
      << empty_day.output;
  testing::exec_sql(db_, "DELETE FROM prediction_jobs WHERE job_id = 'nothing'");
}

// A model whose calibration numbers overflow: evaluate refuses it instead of printing a log
// loss of -nan with exit 0, and predict fails the job without storing a NaN.
TEST_F(BadInput, AModelWithExtremeNumbersIsRefusedByEvaluateAndPredict) {
  const std::string model_dir = testing::query_text(db_, "SELECT path FROM models WHERE is_active = 1");
  const std::string copy = dir_.file("extreme-model");
  std::filesystem::copy(model_dir, copy);
  std::ifstream in(copy + "/meta.json");
  std::string meta((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const char* key : {"\"alpha\": ", "\"beta\": "}) {
    const auto at = meta.find(key);
    ASSERT_NE(at, std::string::npos);
    meta.replace(at + std::strlen(key), meta.find_first_of(",\n", at) - at - std::strlen(key), "1e308");
  }
  std::ofstream(copy + "/meta.json") << meta;
  testing::exec_sql(db_, "INSERT INTO models(name, path, created_at, feature_set, is_active) VALUES "
                         "('extreme', '" + copy + "', '2026-01-01T00:00:00Z', 'x', 0)");
  before_ = snapshot(db_);
  const std::string id = testing::query_text(db_, "SELECT MAX(id) FROM models");
  const auto evaluate = run_paddock({"evaluate", "--db", db_, "--model", id});
  EXPECT_NE(evaluate.exit_code, 0);
  EXPECT_EQ(evaluate.output.find("nan"), std::string::npos) << evaluate.output;
  EXPECT_NE(evaluate.output.find("alpha"), std::string::npos) << evaluate.output;
  const auto predict = run_paddock({"predict", "--db", db_, "--model", id, "-q", "--job-id", "extreme", "--limit", "3"});
  EXPECT_EQ(predict.exit_code, 1);
  EXPECT_NE(predict.output.find("alpha"), std::string::npos) << predict.output;
  EXPECT_EQ(testing::query_int(db_, "SELECT COUNT(*) FROM predictions"), 0);
  testing::exec_sql(db_, "DELETE FROM job_races WHERE job_id = 'extreme'; DELETE FROM prediction_jobs WHERE job_id = 'extreme'");
}

}  // namespace
}  // namespace paddock
