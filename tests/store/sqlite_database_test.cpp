#include "store/database.h"

#include <gtest/gtest.h>

#include "support/test_fixture.h"

namespace paddock {
namespace {

TEST(Store, MigrationsApplyOnceAndSettingsHold) {
  testing::TempDir dir("store");
  const std::string path = dir.file("new.db");
  { testing::open_or_die(path); }
  { testing::open_or_die(path); }
  EXPECT_EQ(testing::query_int(path, "SELECT COUNT(*) FROM schema_migrations"), 1);
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
  chunk.predictions = {PredictionRow{race, 1, 0.5, 0.5, 1}, PredictionRow{42, 1, 0.1, 0.5, 1}};  // no race 42
  chunk.outcomes = {JobRaceOutcome{race, JobRaceState::kDone, ""}};
  chunk.processed_races = 1;
  const Status committed = db->commit_chunk(chunk);
  ASSERT_FALSE(committed.ok());
  EXPECT_NE(committed.error().message.find("FOREIGN KEY"), std::string::npos);
  EXPECT_EQ(testing::query_int(path, "SELECT COUNT(*) FROM predictions"), 0);
  EXPECT_EQ(testing::query_text(path, "SELECT state FROM job_races WHERE race_id = " + std::to_string(race)), "pending");
  EXPECT_EQ(testing::query_int(path, "SELECT processed_races FROM prediction_jobs"), 0);
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
