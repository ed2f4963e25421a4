#include "store/database.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "core/process_info.h"
#include "store/job_lifecycle.h"
#include "support/test_fixture.h"

namespace paddock {
namespace {

TEST(Store, MigrationsApplyOnceAndSettingsHold) {
  testing::TempDir dir("store");
  const std::string path = dir.file("new.db");
  { testing::open_or_die(path); }
  { testing::open_or_die(path); }
  EXPECT_EQ(testing::query_int(path, "SELECT COUNT(*) FROM schema_migrations"), 10);
  EXPECT_EQ(testing::query_text(path, "PRAGMA journal_mode"), "wal");
  for (const char* table : {"races", "runners", "predictions", "models", "prediction_jobs", "job_races", "demo_truth"}) {
    EXPECT_EQ(testing::query_int(path, std::string("SELECT COUNT(*) FROM sqlite_master WHERE name = '") + table + "'"), 1)
        << table;
  }
}

TEST(Store, ANewerSchemaIsRefused) {
  testing::TempDir dir("store-newer");
  const std::string path = dir.file("newer.db");
  { testing::open_or_die(path); }
  testing::exec_sql(path, "INSERT INTO schema_migrations VALUES (99, 'future', '2030-01-01T00:00:00Z')");
  Result<std::unique_ptr<Database>> db = open_database(path);
  ASSERT_FALSE(db.ok());
  EXPECT_NE(db.error().message.find("schema version 99"), std::string::npos);
}

TEST(Store, PostgresUrlsAreRefusedClearly) {
  Result<std::unique_ptr<Database>> db = open_database("postgresql://host/db");
  ASSERT_FALSE(db.ok());
  EXPECT_NE(db.error().message.find("PostgreSQL"), std::string::npos);
}

TEST(Store, AChunkCommitIsAllOrNothing) {
  testing::TempDir dir("store-chunk");
  const std::string path = testing::demo_database_copy(dir.path());
  std::unique_ptr<Database> db = testing::open_or_die(path);
  JobRow job;
  job.job_id = "j";
  job.total_races = 2;
  ASSERT_TRUE(db->insert_job(job).ok());
  const RaceId race = testing::query_int(path, "SELECT MIN(id) FROM races");
  ASSERT_TRUE(db->insert_job_races("j", {race, race + 1}).ok());
  ChunkCommit chunk;
  chunk.job_id = "j";
  chunk.model_id = testing::query_int(path, "SELECT id FROM models WHERE is_active = 1");
  chunk.predictions = {PredictionRow{race, 1, 0.5, 0.5, 1, 0.5}, PredictionRow{42, 1, 0.1, 0.5, 1, 0.5}};  // no race 42
  chunk.outcomes = {JobRaceOutcome{race, JobRaceState::kDone, ""}};
  chunk.processed_races = 1;
  auto expect_refused = [&](const std::string& words) {
    const Status committed = db->commit_chunk(chunk);
    ASSERT_FALSE(committed.ok());
    EXPECT_EQ(committed.error().code, ErrorCode::kNotFound);
    EXPECT_NE(committed.error().message.find(words), std::string::npos) << committed.error().message;
    EXPECT_EQ(testing::query_int(path, "SELECT COUNT(*) FROM predictions"), 0);
    EXPECT_EQ(testing::query_text(path, "SELECT state FROM job_races WHERE race_id = " + std::to_string(race)), "pending");
    EXPECT_EQ(testing::query_int(path, "SELECT processed_races FROM prediction_jobs"), 0);
  };
  expect_refused("race 42 no longer exists");
  // A job writes its chunks with the row-by-row checks off: the commit's own check still holds.
  ASSERT_TRUE(db->set_reference_checks(false).ok());
  expect_refused("race 42 no longer exists");
  chunk.predictions.pop_back();
  chunk.model_id += 1000;
  expect_refused(fmt::format("model {} no longer exists", chunk.model_id));
  chunk.model_id -= 1000;
  ASSERT_TRUE(db->commit_chunk(chunk).ok());
  EXPECT_EQ(testing::query_int(path, "SELECT COUNT(*) FROM predictions"), 1);
  // Back on, SQLite checks every row again (a row of another table, written without the commit's check).
  ASSERT_TRUE(db->set_reference_checks(true).ok());
  EXPECT_FALSE(db->insert_job_races("no-such-job", {race}).ok());
}

// Two jobs write one race: B's set from a card with a ninth starter, then A's from the card
// after an import made that runner a non-runner. The race must hold A's set alone: eight
// rows whose probabilities sum to 1, not nine summing to more.
TEST(Store, ARaceSetIsReplacedWholeWhoeverWroteTheLastOne) {
  testing::TempDir dir("store-whole-set");
  const std::string path = testing::demo_database_copy(dir.path());
  std::unique_ptr<Database> db = testing::open_or_die(path);
  const RaceId race = testing::query_int(path, "SELECT MIN(id) FROM races");
  const ModelId model = testing::query_int(path, "SELECT id FROM models WHERE is_active = 1");
  auto commit = [&](const std::string& job_id, int starters) {
    JobRow job;
    job.job_id = job_id;
    job.total_races = 1;
    ASSERT_TRUE(db->insert_job(job).ok());
    ASSERT_TRUE(db->insert_job_races(job_id, {race}).ok());
    ChunkCommit chunk;
    chunk.job_id = job_id;
    chunk.model_id = model;
    for (int number = 1; number <= starters; ++number) {
      chunk.predictions.push_back(PredictionRow{race, number, 0.0, 1.0 / starters, number, std::nullopt});
    }
    chunk.outcomes = {JobRaceOutcome{race, JobRaceState::kDone, ""}};
    chunk.processed_races = chunk.successful_races = 1;
    ASSERT_TRUE(db->commit_chunk(chunk).ok());
  };
  commit("job-b", 9);
  commit("job-a", 8);
  const std::string where = " FROM predictions WHERE race_id = " + std::to_string(race);
  EXPECT_EQ(testing::query_int(path, "SELECT COUNT(*)" + where), 8);
  EXPECT_EQ(testing::query_text(path, "SELECT printf('%.6f', SUM(win_probability))" + where), "1.000000");
  EXPECT_EQ(testing::query_int(path, "SELECT COUNT(DISTINCT job_id)" + where), 1);
  EXPECT_EQ(testing::query_text(path, "SELECT job_id" + where), "job-a");
}

TEST(Store, JobRaceCountsFollowTheStates) {
  testing::TempDir dir("store-counts");
  const std::string path = testing::demo_database_copy(dir.path());
  std::unique_ptr<Database> db = testing::open_or_die(path);
  JobRow job;
  job.job_id = "counted";
  ASSERT_TRUE(db->insert_job(job).ok());
  const RaceId race = testing::query_int(path, "SELECT MIN(id) FROM races");
  ASSERT_TRUE(db->insert_job_races("counted", {race, race + 1, race + 2}).ok());
  ChunkCommit chunk;
  chunk.job_id = "counted";
  chunk.model_id = testing::query_int(path, "SELECT id FROM models WHERE is_active = 1");
  chunk.outcomes = {JobRaceOutcome{race, JobRaceState::kDone, ""}, JobRaceOutcome{race + 1, JobRaceState::kFailed, "x"}};
  ASSERT_TRUE(db->commit_chunk(chunk).ok());
  const JobRaceCounts counts = *db->job_race_counts("counted");
  EXPECT_EQ(counts.done, 1);
  EXPECT_EQ(counts.failed, 1);
  EXPECT_EQ(counts.pending, 1);
  EXPECT_EQ(counts.total(), 3);
  EXPECT_EQ(db->job_race_counts("nobody")->total(), 0);
}

TEST(JobLiveness, AReusedPidIsAnotherProgram) {
  JobRow job;
  job.pid = 4242;
  job.pid_start = 1000;
  ProcessView process;
  process.exists = true;
  process.start_ticks = 1000;
  process.heartbeat_age_seconds = 600;  // a live job busy past its heartbeat is still alive
  EXPECT_EQ(assess_liveness(job, process).liveness, Liveness::kAlive);
  process.start_ticks = 2000;
  const LivenessVerdict reused = assess_liveness(job, process);
  EXPECT_EQ(reused.liveness, Liveness::kDead);
  EXPECT_NE(reused.reason.find("another program"), std::string::npos) << reused.reason;
  process.exists = false;
  EXPECT_EQ(assess_liveness(job, process).liveness, Liveness::kDead);
}

TEST(JobLiveness, WithoutAStartTimeTheHeartbeatDecides) {
  JobRow job;
  job.pid = 4242;  // a row from before start times were kept
  ProcessView process;
  process.exists = true;
  process.heartbeat_age_seconds = 5;
  EXPECT_EQ(assess_liveness(job, process).liveness, Liveness::kAlive);
  process.heartbeat_age_seconds = 3600;
  EXPECT_EQ(assess_liveness(job, process).liveness, Liveness::kDead);
  process.heartbeat_age_seconds.reset();
  EXPECT_EQ(assess_liveness(job, process).liveness, Liveness::kDead);
}

TEST(JobLiveness, AnotherHostIsJudgedByItsHeartbeat) {
  JobRow job;
  job.host = "elsewhere";
  job.pid = 1;
  job.pid_start = 7;
  ProcessView process;
  process.same_host = false;
  process.heartbeat_age_seconds = 10;
  EXPECT_EQ(assess_liveness(job, process).liveness, Liveness::kAlive);
  process.heartbeat_age_seconds = 120;
  const LivenessVerdict silent = assess_liveness(job, process);
  EXPECT_EQ(silent.liveness, Liveness::kDead);
  EXPECT_NE(silent.reason.find("elsewhere"), std::string::npos);
}

TEST(JobLiveness, ThisProcessIsAliveAndAnEndedOneIsNot) {
  JobRow job;
  job.host = host_name();
  job.pid = current_pid();
  job.pid_start = process_start_ticks(current_pid());
  job.heartbeat_at = utc_timestamp_now();
  EXPECT_GT(job.pid_start, 0U);
  EXPECT_EQ(check_liveness(job).liveness, Liveness::kAlive);
  job.pid_start += 1;
  EXPECT_EQ(check_liveness(job).liveness, Liveness::kDead);
}

TEST(JobIds, OnlyASafeAlphabetIsAccepted) {
  for (const char* good : {"batch_20261126_040156_33d1", "a", "my-job.2", "A.B-C_d"}) {
    EXPECT_TRUE(validate_job_id(good).ok()) << good;
  }
  for (const char* bad : {"", "../../x", "/abs/path", "a/b/c", "a\nb", ".hidden", "tab\there", "é", "a b", "x;rm"}) {
    const Status status = validate_job_id(bad);
    ASSERT_FALSE(status.ok()) << bad;
    EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
  }
  EXPECT_FALSE(validate_job_id(std::string(129, 'a')).ok());
  EXPECT_TRUE(validate_job_id(std::string(128, 'a')).ok());
}

TEST(Store, ACancelRequestSurvivesRowUpdates) {
  testing::TempDir dir("store-cancel");
  std::unique_ptr<Database> db = testing::open_or_die(dir.file("c.db"));
  JobRow job;
  job.job_id = "c";
  ASSERT_TRUE(db->insert_job(job).ok());
  ASSERT_TRUE(db->request_cancel("c").ok());
  job.message = "still running";
  ASSERT_TRUE(db->update_job(job).ok());  // the job's own view has cancel_requested = false
  EXPECT_TRUE(*db->cancel_requested("c"));
  ASSERT_TRUE(db->clear_cancel("c").ok());
  EXPECT_FALSE(*db->cancel_requested("c"));
  EXPECT_EQ(db->request_cancel("nope").error().code, ErrorCode::kNotFound);
}

TEST(Store, RaceSelectionHonoursEveryFilter) {
  testing::TempDir dir("store-find");
  const std::string path = testing::demo_database_copy(dir.path());
  std::unique_ptr<Database> db = testing::open_or_die(path);
  RaceQuery query;
  query.finished_only = true;
  query.from = *parse_day("2020-02-01");
  query.to = *parse_day("2020-02-02");
  query.limit = 10;
  const std::vector<RaceId> ids = *db->find_races(query);
  EXPECT_EQ(ids.size(), 10U);
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  EXPECT_EQ(testing::query_text(path, "SELECT MIN(race_date) FROM races WHERE id = " + std::to_string(ids.front())),
            "2020-02-01");
  EXPECT_EQ(*db->existing_races({ids[0], 42, ids[1]}), (std::vector<RaceId>{ids[0], ids[1]}));
}

}  // namespace
}  // namespace paddock
