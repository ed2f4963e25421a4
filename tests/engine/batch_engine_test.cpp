#include "engine/batch_engine.h"
#include "engine/prediction_export.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <regex>
#include <fmt/format.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/process_info.h"

#include "support/test_fixture.h"

namespace paddock {
namespace {

using testing::query_int;
using testing::query_text;

class BatchEngineTest : public ::testing::Test {
 protected:
  void SetUp() override { db_path_ = testing::demo_database_copy(dir_.path()); }

  PredictOptions options() const {
    PredictOptions o;
    o.db_path = db_path_;
    o.quiet = true;
    o.workers = 2;
    return o;
  }

  JobOutcome run(const PredictOptions& o, const std::atomic<bool>* interrupt = nullptr) {
    BatchEngine engine(o, interrupt);
    Result<JobOutcome> outcome = engine.run();
    EXPECT_TRUE(outcome.ok()) << (outcome.ok() ? "" : outcome.error().describe());
    return outcome.ok() ? *outcome : JobOutcome{};
  }

  std::int64_t count(const std::string& sql) const { return query_int(db_path_, sql); }
  std::string text(const std::string& sql) const { return query_text(db_path_, sql); }

  // Every race of the job that is done has exactly one prediction per starter, none twice.
  void expect_full_prediction_sets(const std::string& job_id) const {
    EXPECT_EQ(count("SELECT COUNT(*) FROM job_races j WHERE j.job_id = '" + job_id + "' AND j.state = 'done' AND "
                    "(SELECT COUNT(*) FROM predictions p WHERE p.race_id = j.race_id) != "
                    "(SELECT COUNT(*) FROM runners r WHERE r.race_id = j.race_id AND r.non_runner = 0)"),
              0);
    EXPECT_EQ(count("SELECT COUNT(*) FROM predictions p JOIN runners r ON r.race_id = p.race_id AND "
                    "r.number = p.number WHERE r.non_runner = 1"),
              0);
  }

  testing::TempDir dir_{"engine"};
  std::string db_path_;
};

TEST_F(BatchEngineTest, DefaultPredictsEveryUnpredictedRaceThenFindsNothing) {
  const std::int64_t races = count("SELECT COUNT(*) FROM races");
  const JobOutcome first = run(options());
  EXPECT_EQ(first.status, JobStatus::kCompleted);
  EXPECT_EQ(first.total_races, races);
  EXPECT_EQ(first.successful_races, races);
  EXPECT_EQ(first.failed_races, 0);
  expect_full_prediction_sets(first.job_id);

  const JobOutcome second = run(options());
  EXPECT_EQ(second.status, JobStatus::kCompleted);
  EXPECT_EQ(second.total_races, 0);
  EXPECT_EQ(text("SELECT message FROM prediction_jobs WHERE job_id = '" + second.job_id + "'"),
            "No races to predict: all " + std::to_string(races) +
                " races in the database already have predictions from model 1; --all predicts them again");
}

TEST_F(BatchEngineTest, DateAndRangeRestrictTheSelection) {
  PredictOptions o = options();
  o.date = *parse_day("2020-01-15");
  const JobOutcome day = run(o);
  EXPECT_EQ(day.total_races, count("SELECT COUNT(*) FROM races WHERE race_date = '2020-01-15'"));
  EXPECT_GT(day.total_races, 20);

  o = options();
  o.from = *parse_day("2020-01-14");
  o.to = *parse_day("2020-01-16");
  const JobOutcome range = run(o);
  // The 15th is already predicted by the first job: only the 14th and the 16th remain.
  EXPECT_EQ(range.total_races, count("SELECT COUNT(*) FROM races WHERE race_date IN ('2020-01-14', '2020-01-16')"));
}

TEST_F(BatchEngineTest, AllAndForceRepredictionRedoWithoutDuplicates) {
  PredictOptions o = options();
  o.date = *parse_day("2020-02-03");
  const JobOutcome first = run(o);
  const std::int64_t rows = count("SELECT COUNT(*) FROM predictions");
  o.force_reprediction = true;
  const JobOutcome forced = run(o);
  EXPECT_EQ(forced.total_races, first.total_races);
  o.force_reprediction = false;
  o.all = true;
  const JobOutcome all = run(o);
  EXPECT_EQ(all.total_races, first.total_races);
  EXPECT_EQ(count("SELECT COUNT(*) FROM predictions"), rows);
  EXPECT_EQ(count("SELECT COUNT(DISTINCT job_id) FROM predictions"), 1);
  EXPECT_EQ(text("SELECT DISTINCT job_id FROM predictions"), all.job_id);
}

TEST_F(BatchEngineTest, RaceIdsAreTakenExactlyAndUnknownOnesFail) {
  const RaceId a = count("SELECT MIN(id) FROM races");
  const RaceId b = count("SELECT MAX(id) FROM races");
  PredictOptions o = options();
  o.race_ids = {b, 999, a, b};
  const JobOutcome job = run(o);
  EXPECT_EQ(job.status, JobStatus::kCompleted);
  EXPECT_EQ(job.total_races, 3);
  EXPECT_EQ(job.successful_races, 2);
  EXPECT_EQ(job.failed_races, 1);
  EXPECT_EQ(text("SELECT reason FROM job_races WHERE job_id = '" + job.job_id + "' AND race_id = 999"), "race not found");
  EXPECT_EQ(text("SELECT state FROM job_races WHERE job_id = '" + job.job_id + "' AND race_id = " + std::to_string(a)), "done");
  const std::string config = text("SELECT config FROM prediction_jobs WHERE job_id = '" + job.job_id + "'");
  EXPECT_NE(config.find("999"), std::string::npos) << config;
  std::ifstream log(job.log_path);
  const std::string content((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_LT(content.find("Starting batch prediction job"), content.find("Race 999 failed: race not found")) << content;
}

TEST_F(BatchEngineTest, LimitAppliesToEveryMode) {
  PredictOptions o = options();
  o.limit = 5;
  EXPECT_EQ(run(o).total_races, 5);
  o.date = *parse_day("2020-03-01");
  o.limit = 3;
  EXPECT_EQ(run(o).total_races, 3);
  o = options();
  o.all = true;
  o.limit = 7;
  EXPECT_EQ(run(o).total_races, 7);
  o = options();
  o.race_ids = {1, 2, 3, 4};
  o.limit = 2;
  EXPECT_EQ(run(o).total_races, 2);
}

TEST_F(BatchEngineTest, ZeroRaceJobIsRecordedAsCompleted) {
  PredictOptions o = options();
  o.date = *parse_day("1999-01-01");
  const JobOutcome job = run(o);
  EXPECT_EQ(job.status, JobStatus::kCompleted);
  const std::string where = " FROM prediction_jobs WHERE job_id = '" + job.job_id + "'";
  EXPECT_EQ(text("SELECT status" + where), "completed");
  EXPECT_EQ(count("SELECT total_races" + where), 0);
  EXPECT_EQ(count("SELECT progress" + where), 100);
  EXPECT_EQ(text("SELECT message" + where), "No races to predict: there is no race on 1999-01-01");
  EXPECT_FALSE(text("SELECT end_time" + where).empty());
  EXPECT_TRUE(std::filesystem::exists(job.log_path));
}

TEST_F(BatchEngineTest, BrokenRacesFailAloneWithTheirReasons) {
  const std::string day = "2020-02-10";
  const RaceId scratched = count("SELECT MIN(id) FROM races WHERE race_date = '" + day + "'");
  const RaceId twice = count("SELECT MAX(id) FROM races WHERE race_date = '" + day + "'");
  // Every runner of one race scratched; one horse entered twice in another.
  const std::string sql =
      "UPDATE runners SET non_runner = 1 WHERE race_id = " + std::to_string(scratched) + ";"
      "UPDATE runners SET horse_id = (SELECT horse_id FROM runners WHERE race_id = " + std::to_string(twice) +
      " AND number = 1) WHERE race_id = " + std::to_string(twice) + " AND number = 2;";
  testing::exec_sql(db_path_, sql);

  PredictOptions o = options();
  o.date = *parse_day(day);
  const JobOutcome job = run(o);
  EXPECT_EQ(job.status, JobStatus::kCompleted);
  EXPECT_EQ(job.failed_races, 2);
  EXPECT_EQ(job.successful_races, job.total_races - 2);
  const std::string reasons = " FROM job_races WHERE job_id = '" + job.job_id + "' AND race_id = ";
  EXPECT_NE(text("SELECT reason" + reasons + std::to_string(scratched)).find("no starters"), std::string::npos);
  EXPECT_NE(text("SELECT reason" + reasons + std::to_string(twice)).find("runners 1 and 2 are the same horse"),
            std::string::npos);
  EXPECT_EQ(count("SELECT COUNT(*) FROM predictions WHERE race_id IN (" + std::to_string(scratched) + ", " +
                  std::to_string(twice) + ")"),
            0);
  std::ifstream log(job.log_path);
  const std::string content((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_NE(content.find("Race " + std::to_string(scratched) + " failed: no starters"), std::string::npos);
}

TEST_F(BatchEngineTest, PredictionsDoNotDependOnWorkersOrChunkSize) {
  auto predictions_with = [&](int workers, int chunk_size) {
    testing::TempDir dir("engine-determinism");
    const std::string db = testing::demo_database_copy(dir.path());
    PredictOptions o;
    o.db_path = db;
    o.quiet = true;
    o.workers = workers;
    o.chunk_size = chunk_size;
    o.from = *parse_day("2020-03-01");
    o.to = *parse_day("2020-03-20");
    BatchEngine engine(o, nullptr);
    Result<JobOutcome> outcome = engine.run();
    EXPECT_TRUE(outcome.ok());
    return query_text(db, "SELECT group_concat(race_id || ':' || number || ':' || printf('%.12g', score) || ':' || "
                          "printf('%.12g', win_probability) || ':' || predicted_rank, ';') FROM "
                          "(SELECT * FROM predictions ORDER BY race_id, number)");
  };
  const std::string reference = predictions_with(1, 50);
  EXPECT_GT(reference.size(), 1000U);
  EXPECT_EQ(predictions_with(2, 1), reference);
  EXPECT_EQ(predictions_with(2, 7), reference);
  EXPECT_EQ(predictions_with(2, 50), reference);
  EXPECT_EQ(predictions_with(1, 7), reference);
}

TEST_F(BatchEngineTest, ProbabilitiesSumToOneAndRanksArePermutations) {
  PredictOptions o = options();
  o.limit = 300;
  const JobOutcome job = run(o);
  ASSERT_EQ(job.successful_races, 300);
  EXPECT_EQ(count("SELECT COUNT(*) FROM (SELECT race_id, SUM(win_probability) s FROM predictions "
                  "GROUP BY race_id HAVING ABS(s - 1.0) > 1e-9)"),
            0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM (SELECT race_id, COUNT(*) n, MIN(predicted_rank) lo, MAX(predicted_rank) hi, "
                  "COUNT(DISTINCT predicted_rank) d FROM predictions GROUP BY race_id "
                  "HAVING lo != 1 OR hi != n OR d != n)"),
            0);
  expect_full_prediction_sets(job.job_id);
}

TEST_F(BatchEngineTest, JobRowCarriesTheGuidesColumnsAndMore) {
  PredictOptions o = options();
  o.limit = 40;
  o.chunk_size = 10;
  const JobOutcome job = run(o);
  const std::string where = " FROM prediction_jobs WHERE job_id = '" + job.job_id + "'";
  EXPECT_EQ(text("SELECT status" + where), "completed");
  EXPECT_EQ(count("SELECT progress" + where), 100);
  EXPECT_EQ(count("SELECT total_races" + where), 40);
  EXPECT_EQ(count("SELECT processed_races" + where), 40);
  EXPECT_EQ(count("SELECT successful_races" + where), 40);
  EXPECT_EQ(count("SELECT failed_races" + where), 0);
  const std::string start = text("SELECT start_time" + where);
  EXPECT_EQ(start.size(), 20U);
  EXPECT_EQ(start.back(), 'Z');
  EXPECT_LE(start, text("SELECT end_time" + where));
  EXPECT_TRUE(text("SELECT error" + where).empty());
  EXPECT_NE(text("SELECT config" + where).find("\"chunk_size\":10"), std::string::npos);
  EXPECT_GT(count("SELECT pid" + where), 0);
  EXPECT_FALSE(text("SELECT host" + where).empty());
  EXPECT_FALSE(text("SELECT heartbeat_at" + where).empty());
  EXPECT_GT(count("SELECT peak_memory_mb" + where), 0);
  EXPECT_EQ(count("SELECT model_id" + where), count("SELECT id FROM models WHERE is_active = 1"));
  EXPECT_EQ(text("SELECT log_path" + where), job.log_path);
}

TEST_F(BatchEngineTest, LogFollowsTheGuidesFormat) {
  PredictOptions o = options();
  o.limit = 30;
  o.chunk_size = 10;
  const JobOutcome job = run(o);
  std::ifstream log(job.log_path);
  const std::string content((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  for (const std::string& expected :
       {"🚀 Starting batch prediction job: " + job.job_id, std::string("   Total races: 30"),
        std::string("   Workers: 2"), std::string("   Chunk size: 10"), std::string("   Memory limit: 4096MB"),
        "   Database: " + db_path_, std::string("Processing chunk 1/3 (Mem: "),
        std::string("[100%] Processing chunk 3/3"), std::string("✅ BATCH PREDICTION COMPLETE"),
        "  Job ID: " + job.job_id, std::string("  Successful: 30"), std::string("  Failed: 0"),
        std::string("  Total time: "), std::string("  Throughput: ")}) {
    EXPECT_NE(content.find(expected), std::string::npos) << "missing: " << expected << "\n" << content;
  }
}

TEST_F(BatchEngineTest, CancelFlagStopsAfterTheChunksInHandAndResumeFinishes) {
  PredictOptions o = options();
  o.workers = 1;
  o.chunk_size = 1;
  std::optional<JobOutcome> outcome;
  std::thread job([&] { outcome = run(o); });
  const std::string running = "SELECT job_id FROM prediction_jobs WHERE status = 'running' AND processed_races >= 20";
  std::string job_id;
  for (int i = 0; i < 2000 && job_id.empty(); ++i) {
    job_id = text(running);
    if (job_id.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_FALSE(job_id.empty());
  {
    std::unique_ptr<Database> db = testing::open_or_die(db_path_);
    ASSERT_TRUE(db->request_cancel(job_id).ok());
  }
  job.join();
  ASSERT_TRUE(outcome.has_value());
  EXPECT_EQ(outcome->status, JobStatus::kCancelled);
  EXPECT_EQ(outcome->exit_code(), kExitCancelled);
  const std::int64_t done = count("SELECT COUNT(*) FROM job_races WHERE state = 'done' AND job_id = '" + job_id + "'");
  EXPECT_GE(done, 20);
  EXPECT_LT(done, outcome->total_races);
  EXPECT_EQ(count("SELECT processed_races FROM prediction_jobs WHERE job_id = '" + job_id + "'"), done);
  EXPECT_EQ(count("SELECT COUNT(DISTINCT race_id) FROM predictions"), done);
  expect_full_prediction_sets(job_id);

  PredictOptions resume = options();
  resume.resume_job_id = job_id;
  const JobOutcome resumed = run(resume);
  EXPECT_EQ(resumed.status, JobStatus::kCompleted);
  EXPECT_EQ(resumed.job_id, job_id);
  EXPECT_EQ(resumed.successful_races, resumed.total_races);
  EXPECT_EQ(count("SELECT attempt FROM prediction_jobs WHERE job_id = '" + job_id + "'"), 2);
  EXPECT_EQ(count("SELECT COUNT(DISTINCT race_id) FROM predictions"), resumed.total_races);
  expect_full_prediction_sets(job_id);
}

TEST_F(BatchEngineTest, InterruptEndsTheJobCancelled) {
  std::atomic<bool> interrupt{true};
  PredictOptions o = options();
  o.workers = 1;
  o.chunk_size = 5;
  const JobOutcome job = run(o, &interrupt);
  EXPECT_EQ(job.status, JobStatus::kCancelled);
  EXPECT_LT(job.successful_races, job.total_races);
  EXPECT_EQ(text("SELECT status FROM prediction_jobs WHERE job_id = '" + job.job_id + "'"), "cancelled");
}

TEST_F(BatchEngineTest, ResumeRefusesCompletedAndUnknownJobs) {
  PredictOptions o = options();
  o.limit = 3;
  const JobOutcome job = run(o);
  PredictOptions resume = options();
  resume.resume_job_id = job.job_id;
  BatchEngine again(resume, nullptr);
  Result<JobOutcome> refused = again.run();
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("already completed"), std::string::npos);
  resume.resume_job_id = "no-such-job";
  BatchEngine unknown(resume, nullptr);
  Result<JobOutcome> missing = unknown.run();
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST_F(BatchEngineTest, DuplicateJobIdIsRefusedWithoutTouchingTheFirst) {
  PredictOptions o = options();
  o.limit = 2;
  o.job_id = "my-job";
  EXPECT_EQ(run(o).status, JobStatus::kCompleted);
  BatchEngine second(o, nullptr);
  Result<JobOutcome> refused = second.run();
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(text("SELECT status FROM prediction_jobs WHERE job_id = 'my-job'"), "completed");
}

TEST_F(BatchEngineTest, MissingModelFailsTheJobWithAClearError) {
  PredictOptions o = options();
  o.model_id = 42;
  const JobOutcome job = run(o);
  EXPECT_EQ(job.status, JobStatus::kFailed);
  EXPECT_NE(job.error.find("no model with id 42"), std::string::npos) << job.error;
  EXPECT_EQ(text("SELECT status FROM prediction_jobs WHERE job_id = '" + job.job_id + "'"), "failed");
  EXPECT_NE(text("SELECT error FROM prediction_jobs WHERE job_id = '" + job.job_id + "'").find("no model"),
            std::string::npos);
}

TEST_F(BatchEngineTest, AJobThatFailedBeforeSelectingItsRacesSelectsThemOnResume) {
  testing::exec_sql(db_path_, "UPDATE models SET is_active = 0");
  PredictOptions o = options();
  o.date = *parse_day("2020-02-20");
  const JobOutcome failed_job = run(o);
  ASSERT_EQ(failed_job.status, JobStatus::kFailed);
  EXPECT_NE(failed_job.error.find("no active model"), std::string::npos);
  testing::exec_sql(db_path_, "UPDATE models SET is_active = 1");
  PredictOptions resume = options();
  resume.resume_job_id = failed_job.job_id;
  const JobOutcome resumed = run(resume);
  EXPECT_EQ(resumed.status, JobStatus::kCompleted);
  EXPECT_EQ(resumed.total_races, count("SELECT COUNT(*) FROM races WHERE race_date = '2020-02-20'"));
  EXPECT_EQ(resumed.successful_races, resumed.total_races);
}

TEST_F(BatchEngineTest, ExportWritesOneCsvRowPerPredictedRunnerWithResults) {
  PredictOptions o = options();
  o.date = *parse_day("2020-01-20");
  const JobOutcome job = run(o);
  std::unique_ptr<Database> db = testing::open_or_die(db_path_);
  ExportQuery query;
  query.job_id = job.job_id;
  query.model_id = count("SELECT id FROM models WHERE is_active = 1");
  std::ostringstream csv;
  Result<std::int64_t> rows = export_predictions_csv(*db, query, csv);
  ASSERT_TRUE(rows.ok()) << rows.error().describe();
  EXPECT_EQ(*rows, count("SELECT COUNT(*) FROM predictions"));
  std::istringstream lines(csv.str());
  std::string header, first;
  std::getline(lines, header);
  std::getline(lines, first);
  EXPECT_EQ(header,
            "race_id,race_date,venue,meeting_no,race_no,number,horse,score,win_probability,predicted_rank,"
            "odds,finish_position,incident,model_id,job_id,race_name,discipline,distance_m,is_quinte,post_time,"
            "fundamental_probability,market_probability,value,odds_source");
  // The first row: the first race of the day, its predicted favourite, with its result.
  const std::string race = text("SELECT MIN(race_id) FROM predictions");
  const std::string number = text("SELECT number FROM predictions WHERE race_id = " + race + " AND predicted_rank = 1");
  EXPECT_EQ(first.rfind(race + ",2020-01-20,", 0), 0U) << first;
  EXPECT_NE(first.find("," + number + ","), std::string::npos) << first;
  const std::string position =
      text("SELECT finish_position FROM runners WHERE race_id = " + race + " AND number = " + number);
  const std::string incident = text("SELECT COALESCE(incident, '') FROM runners WHERE race_id = " + race + " AND number = " + number);
  EXPECT_NE(first.find("," + position + "," + incident + ","), std::string::npos) << first;
  EXPECT_NE(first.find("," + job.job_id + ","), std::string::npos) << first;
  // The race's fields, and the market's view: final odds, 1/odds normalised, p x odds.
  const std::string race_fields = text("SELECT name || ',' || discipline || ',' || distance_m || ',' || is_quinte || ',' || "
                                       "post_time FROM races WHERE id = " + race);
  EXPECT_NE(first.find("," + race_fields + ","), std::string::npos) << first;
  EXPECT_EQ(first.substr(first.size() - 6), ",final") << first;
  std::vector<std::string> cells;
  std::stringstream split(first);
  for (std::string cell; std::getline(split, cell, ',');) cells.push_back(cell);
  ASSERT_EQ(cells.size(), 24U) << first;
  const double p = std::stod(cells[8]), odds = std::stod(cells[10]), value = std::stod(cells[22]);
  EXPECT_NEAR(value, p * odds, 1e-4);
  const double overround = std::stod(text("SELECT SUM(1.0 / final_odds) FROM runners WHERE non_runner = 0 AND race_id = " + race));
  EXPECT_NEAR(std::stod(cells[21]), 1.0 / odds / overround, 1e-6);
  EXPECT_NEAR(std::stod(cells[20]), std::stod(text("SELECT fundamental_probability FROM predictions WHERE race_id = " + race +
                                                   " AND number = " + number)), 1e-6);

  // A day range gives the same rows; a day without predictions gives only the header.
  ExportQuery by_day;
  by_day.from = by_day.to = *parse_day("2020-01-20");
  by_day.model_id = query.model_id;
  std::ostringstream same;
  ASSERT_TRUE(export_predictions_csv(*db, by_day, same).ok());
  EXPECT_EQ(same.str(), csv.str());
  by_day.from = by_day.to = *parse_day("2020-01-21");
  std::ostringstream none;
  EXPECT_EQ(*export_predictions_csv(*db, by_day, none), 0);
  // Why nothing was written: the day's races were predicted by no model; another model's
  // query names the model that did; a day without races says so.
  EXPECT_EQ(*explain_empty_export(*db, by_day),
            fmt::format("no model has predicted the races of 2020-01-21 ({} races) yet: run `paddock predict` for them",
                        count("SELECT COUNT(*) FROM races WHERE race_date = '2020-01-21'")));
  ExportQuery other = query;
  other.job_id.reset();
  other.from = other.to = *parse_day("2020-01-20");
  other.model_id = 42;
  const std::string day_races = std::to_string(count("SELECT COUNT(*) FROM races WHERE race_date = '2020-01-20'"));
  EXPECT_EQ(*explain_empty_export(*db, other),
            fmt::format("model 42 has no predictions for the races of 2020-01-20; predicted by: model {} ({} of {} races) "
                        "(pass --model)", *query.model_id, day_races, day_races));
  other.from = other.to = *parse_day("2019-05-05");
  EXPECT_EQ(*explain_empty_export(*db, other), "there is no race on 2019-05-05");
}

TEST_F(BatchEngineTest, MaxMemoryHoldsChunksBackAndStillFinishes) {
  PredictOptions o = options();
  o.max_memory_mb = 1;  // below any real process: every chunk waits for the previous ones
  o.chunk_size = 20;
  o.limit = 200;
  const JobOutcome job = run(o);
  EXPECT_EQ(job.status, JobStatus::kCompleted);
  EXPECT_EQ(job.successful_races, 200);
  std::ifstream log(job.log_path);
  const std::string content((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_NE(content.find("above the 1MB limit"), std::string::npos) << content;
  EXPECT_GT(job.memory_holds, 0);
}

// Job B wrote a set for a race, with a runner that an import has since made a non-runner,
// between job A choosing the race as unpredicted and A committing its own set. The trigger
// plays B's commit at exactly that moment. A's set must replace B's whole.
TEST_F(BatchEngineTest, ARaceChosenAsUnpredictedIsStillReplacedWhole) {
  const std::string day = "2020-02-12";
  const ModelId model = count("SELECT id FROM models WHERE is_active = 1");
  testing::exec_sql(db_path_, fmt::format(
      "CREATE TRIGGER job_b_commits AFTER INSERT ON job_races WHEN NEW.job_id = 'job-a' BEGIN "
      "INSERT INTO predictions(model_id, race_id, number, score, win_probability, predicted_rank, job_id) "
      "VALUES ({}, NEW.race_id, 99, 0.0, 0.25, 9, 'job-b'); END", model));
  PredictOptions o = options();
  o.job_id = "job-a";
  o.date = *parse_day(day);
  const JobOutcome job = run(o);
  ASSERT_EQ(job.status, JobStatus::kCompleted);
  ASSERT_GT(job.successful_races, 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM predictions WHERE number = 99"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM predictions WHERE job_id = 'job-b'"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM (SELECT race_id FROM predictions GROUP BY race_id "
                  "HAVING ABS(SUM(win_probability) - 1) > 1e-9)"),
            0);
  expect_full_prediction_sets("job-a");
}

// A chunk whose commit fails (here a trigger refuses it; in life a lock held past the busy
// timeout or a full disk) rolls back, its counters with it: the row agrees with job_races,
// and the resume ends with exactly the job's races, none counted twice.
TEST_F(BatchEngineTest, AFailedCommitRollsBackTheCountersAndTheResumeEndsExact) {
  PredictOptions o = options();
  o.job_id = "fails-midway";
  o.chunk_size = 10;
  o.workers = 1;
  o.limit = 200;
  const RaceId victim = count("SELECT id FROM races ORDER BY race_date, id LIMIT 1 OFFSET 105");
  testing::exec_sql(db_path_, fmt::format(
      "CREATE TRIGGER refuse_chunk BEFORE UPDATE ON job_races WHEN NEW.race_id = {} AND NEW.state = 'done' "
      "BEGIN SELECT RAISE(ABORT, 'disk full (injected)'); END", victim));
  const JobOutcome failed_job = run(o);
  ASSERT_EQ(failed_job.status, JobStatus::kFailed);
  EXPECT_NE(failed_job.error.find("disk full (injected)"), std::string::npos) << failed_job.error;
  const std::string where = " FROM prediction_jobs WHERE job_id = 'fails-midway'";
  const std::int64_t done = count("SELECT COUNT(*) FROM job_races WHERE job_id = 'fails-midway' AND state = 'done'");
  EXPECT_EQ(done, 100);
  EXPECT_EQ(count("SELECT processed_races" + where), done);
  EXPECT_EQ(count("SELECT successful_races" + where), done);
  EXPECT_EQ(count("SELECT COUNT(DISTINCT race_id) FROM predictions"), done);

  testing::exec_sql(db_path_, "DROP TRIGGER refuse_chunk");
  PredictOptions resume = options();
  resume.resume_job_id = "fails-midway";
  const JobOutcome resumed = run(resume);
  EXPECT_EQ(resumed.status, JobStatus::kCompleted);
  EXPECT_EQ(count("SELECT total_races" + where), 200);
  EXPECT_EQ(count("SELECT processed_races" + where), 200);
  EXPECT_EQ(count("SELECT successful_races" + where), 200);
  EXPECT_EQ(count("SELECT COUNT(DISTINCT race_id) FROM predictions"), 200);
}

// Counters left wrong by an older paddock (or a hand edit) are set from job_races on resume.
TEST_F(BatchEngineTest, AResumeTakesItsCountersFromTheRacesStates) {
  PredictOptions o = options();
  o.limit = 30;
  o.job_id = "miscounted";
  ASSERT_EQ(run(o).status, JobStatus::kCompleted);
  testing::exec_sql(db_path_,
                    "UPDATE job_races SET state = 'pending' WHERE job_id = 'miscounted' AND race_id IN "
                    "(SELECT race_id FROM job_races WHERE job_id = 'miscounted' ORDER BY seq LIMIT 10);"
                    "UPDATE prediction_jobs SET status = 'failed', processed_races = 40, successful_races = 40 "
                    "WHERE job_id = 'miscounted'");
  PredictOptions resume = options();
  resume.resume_job_id = "miscounted";
  const JobOutcome resumed = run(resume);
  EXPECT_EQ(resumed.status, JobStatus::kCompleted);
  const std::string where = " FROM prediction_jobs WHERE job_id = 'miscounted'";
  EXPECT_EQ(count("SELECT processed_races" + where), 30);
  EXPECT_EQ(count("SELECT successful_races" + where), 30);
  EXPECT_EQ(count("SELECT progress" + where), 100);
}

// A crashed job's pid now names another program (here a `sleep`): the resume takes the job
// over instead of calling it "still running". A row naming that process with its real start
// time is alive, and is refused.
TEST_F(BatchEngineTest, AResumeIsNotFooledByAReusedPid) {
  PredictOptions o = options();
  o.limit = 20;
  o.job_id = "crashed";
  ASSERT_EQ(run(o).status, JobStatus::kCompleted);
  const pid_t other_pid = fork();
  if (other_pid == 0) {
    execlp("sleep", "sleep", "30", static_cast<char*>(nullptr));
    _exit(127);
  }
  ASSERT_GT(other_pid, 0);
  testing::exec_sql(db_path_, fmt::format(
      "UPDATE job_races SET state = 'pending' WHERE job_id = 'crashed' AND seq >= 10;"
      "UPDATE prediction_jobs SET status = 'running', pid = {}, pid_start = 12345, host = '{}', "
      "heartbeat_at = '2020-01-01T00:00:00Z' WHERE job_id = 'crashed'",
      other_pid, host_name()));
  PredictOptions resume = options();
  resume.resume_job_id = "crashed";
  const JobOutcome resumed = run(resume);
  EXPECT_EQ(resumed.status, JobStatus::kCompleted);
  EXPECT_EQ(resumed.successful_races, 20);

  testing::exec_sql(db_path_, fmt::format(
      "UPDATE prediction_jobs SET status = 'running', pid = {}, pid_start = {}, heartbeat_at = '2020-01-01T00:00:00Z' "
      "WHERE job_id = 'crashed'",
      other_pid, process_start_ticks(other_pid)));
  BatchEngine again(resume, nullptr);
  Result<JobOutcome> refused = again.run();
  kill(other_pid, SIGKILL);
  waitpid(other_pid, nullptr, 0);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("still running"), std::string::npos) << refused.error().message;
}

// A queued row's config is input like any other: out-of-range values fail the job, with the
// reason in its row, instead of running with them.
TEST_F(BatchEngineTest, AQueuedJobsConfigIsValidated) {
  const std::vector<std::pair<std::string, std::string>> configs = {
      {R"({"chunk_size": 0})", "chunk size"},
      {R"({"max_memory_mb": -5})", "memory limit"},
      {R"({"workers": 2000})", "workers"},
      {R"({"workers": 1e300})", "'workers' is not an integer"},
      {R"({"race_ids": "12"})", "'race_ids'"},
      {R"([1, 2])", "not a JSON object"}};
  int n = 0;
  for (const auto& [config, expected] : configs) {
    const std::string id = "queued-" + std::to_string(n++);
    testing::exec_sql(db_path_, fmt::format("INSERT INTO prediction_jobs(job_id, status, config, created_at) "
                                            "VALUES ('{}', 'queued', '{}', '2026-01-01T00:00:00Z')",
                                            id, config));
    PredictOptions o = options();
    o.job_id = id;
    const JobOutcome job = run(o);
    EXPECT_EQ(job.status, JobStatus::kFailed) << config;
    EXPECT_NE(job.error.find(expected), std::string::npos) << config << ": " << job.error;
    EXPECT_EQ(text("SELECT status FROM prediction_jobs WHERE job_id = '" + id + "'"), "failed");
    EXPECT_EQ(count("SELECT COUNT(*) FROM job_races WHERE job_id = '" + id + "'"), 0);
  }
}

TEST_F(BatchEngineTest, OptionsAreValidatedBeforeAnyRowIsWritten) {
  const std::vector<std::pair<std::function<void(PredictOptions&)>, std::string>> cases = {
      {[](PredictOptions& o) { o.chunk_size = 0; }, "chunk size"},
      {[](PredictOptions& o) { o.workers = 0; }, "workers"},
      {[](PredictOptions& o) { o.max_memory_mb = -5; }, "memory limit"},
      {[](PredictOptions& o) { o.limit = 0; }, "limit"},
      {[](PredictOptions& o) { o.job_id = "../../x"; }, "job id '..?..?x' cannot start with '.'"},
      {[](PredictOptions& o) { o.job_id = "a/../../x"; }, "job id 'a?..?..?x' has '/' at position 2"},
      {[](PredictOptions& o) { o.job_id = "/tmp/x"; }, "job id"},
      {[](PredictOptions& o) { o.job_id = "a\nb"; }, "byte 0x0A"},
      {[](PredictOptions& o) { o.job_id = ".hidden"; }, "cannot start with '.'"},
      {[](PredictOptions& o) { o.job_id = std::string(200, 'a'); }, "longer than 128"},
      {[](PredictOptions& o) { o.resume_job_id = "x"; o.limit = 5; }, "--limit cannot be given with --resume"},
      {[](PredictOptions& o) { o.resume_job_id = "x"; o.model_id = 1; }, "--model cannot be given with --resume"},
      {[](PredictOptions& o) { o.from = *parse_day("2020-02-02"); o.to = *parse_day("2020-02-01"); }, "after"}};
  for (const auto& [change, expected] : cases) {
    PredictOptions o = options();
    change(o);
    BatchEngine engine(o, nullptr);
    Result<JobOutcome> outcome = engine.run();
    ASSERT_FALSE(outcome.ok()) << expected;
    EXPECT_EQ(outcome.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(outcome.error().message.find(expected), std::string::npos) << outcome.error().message;
  }
  EXPECT_EQ(count("SELECT COUNT(*) FROM prediction_jobs"), 0);
  EXPECT_FALSE(std::filesystem::exists("/tmp/x.log"));
}

TEST_F(BatchEngineTest, TheLogPathIsAbsoluteAndEveryLineHasItsTime) {
  const std::filesystem::path before = std::filesystem::current_path();
  std::filesystem::current_path(dir_.path());
  PredictOptions o = options();
  o.limit = 10;
  o.log_dir = "relative-logs";
  const JobOutcome job = run(o);
  std::filesystem::current_path(before);
  EXPECT_EQ(job.log_path, dir_.path() + "/relative-logs/" + job.job_id + ".log");
  EXPECT_EQ(text("SELECT log_path FROM prediction_jobs WHERE job_id = '" + job.job_id + "'"), job.log_path);
  std::ifstream log(job.log_path);
  std::string line;
  int lines = 0;
  const std::regex stamped(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z  .*)");
  while (std::getline(log, line)) {
    ++lines;
    EXPECT_TRUE(std::regex_match(line, stamped)) << line;
  }
  EXPECT_GT(lines, 10);
}

// The model's meta.json replaced by a directory: the job fails with the file named, its row
// finished, instead of an uncaught std::ios_base::failure killing the process.
TEST_F(BatchEngineTest, AnUnreadableModelFileFailsTheJobAndFinishesItsRow) {
  const std::string model_dir = dir_.file("model-with-a-hole");
  std::filesystem::copy(text("SELECT path FROM models WHERE is_active = 1"), model_dir);
  std::filesystem::remove(model_dir + "/meta.json");
  std::filesystem::create_directory(model_dir + "/meta.json");
  testing::exec_sql(db_path_, "UPDATE models SET path = '" + model_dir + "' WHERE is_active = 1");
  PredictOptions o = options();
  o.limit = 5;
  const JobOutcome job = run(o);
  EXPECT_EQ(job.status, JobStatus::kFailed);
  EXPECT_NE(job.error.find("meta.json' is a directory"), std::string::npos) << job.error;
  EXPECT_EQ(text("SELECT status FROM prediction_jobs WHERE job_id = '" + job.job_id + "'"), "failed");
  EXPECT_FALSE(text("SELECT end_time FROM prediction_jobs WHERE job_id = '" + job.job_id + "'").empty());
}

// The row's error is one line; what a library adds below it goes to the log.
TEST_F(BatchEngineTest, AMultiLineErrorKeepsItsFirstLineInTheRowAndAllOfItInTheLog) {
  const std::string model_dir = dir_.file("model-garbled");
  std::filesystem::copy(text("SELECT path FROM models WHERE is_active = 1"), model_dir);
  std::ofstream(model_dir + "/model.json", std::ios::trunc) << "{\"learner\": 12}";
  testing::exec_sql(db_path_, "UPDATE models SET path = '" + model_dir + "' WHERE is_active = 1");
  PredictOptions o = options();
  o.limit = 5;
  const JobOutcome job = run(o);
  EXPECT_EQ(job.status, JobStatus::kFailed);
  const std::string error = text("SELECT error FROM prediction_jobs WHERE job_id = '" + job.job_id + "'");
  EXPECT_FALSE(error.empty());
  EXPECT_EQ(error.find('\n'), std::string::npos) << error;
  std::ifstream log(job.log_path);
  const std::string content((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_NE(content.find(error.substr(error.find(": ") + 2)), std::string::npos) << content;
  EXPECT_NE(content.find("Error in full:"), std::string::npos) << content;  // XGBoost's stack trace
}

TEST_F(BatchEngineTest, StoppedJobsPrintTheCommandThatResumesThem) {
  std::atomic<bool> interrupt{true};
  PredictOptions o = options();
  o.workers = 1;
  const JobOutcome job = run(o, &interrupt);
  ASSERT_EQ(job.status, JobStatus::kCancelled);
  std::ifstream log(job.log_path);
  const std::string content((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_NE(content.find("Resume: paddock predict --db " + db_path_ + " --resume " + job.job_id), std::string::npos)
      << content;
}

// A race that fails once and then succeeds: every runner scratched (a card half rewritten),
// and the card restored the moment its failure is recorded (the trigger plays the import
// that completes it). The automatic retry at the end of the job predicts it, and its two
// attempts are recorded; a race that fails every time keeps its last reason.
TEST_F(BatchEngineTest, AFailedRaceIsRetriedAtTheEndAndItsAttemptsAreKept) {
  const std::string day = "2020-02-10";
  const RaceId flaky = count("SELECT MIN(id) FROM races WHERE race_date = '" + day + "'");
  const RaceId broken = count("SELECT MAX(id) FROM races WHERE race_date = '" + day + "'");
  testing::exec_sql(db_path_, fmt::format(
      "UPDATE runners SET non_runner = 1 WHERE race_id IN ({0}, {1});"
      "CREATE TRIGGER restore_card AFTER UPDATE OF state ON job_races "
      "WHEN NEW.race_id = {0} AND NEW.state = 'failed' "
      "BEGIN UPDATE runners SET non_runner = 0 WHERE race_id = {0}; END",
      flaky, broken));
  PredictOptions o = options();
  o.date = *parse_day(day);
  o.retries = 2;
  const JobOutcome job = run(o);
  EXPECT_EQ(job.status, JobStatus::kCompleted);
  EXPECT_EQ(job.failed_races, 1);
  EXPECT_EQ(job.successful_races, job.total_races - 1);
  const std::string where = " FROM job_races WHERE job_id = '" + job.job_id + "' AND race_id = ";
  EXPECT_EQ(text("SELECT state" + where + std::to_string(flaky)), "done");
  EXPECT_EQ(count("SELECT attempts" + where + std::to_string(flaky)), 2);
  EXPECT_EQ(text("SELECT state" + where + std::to_string(broken)), "failed");
  EXPECT_EQ(count("SELECT attempts" + where + std::to_string(broken)), 3);  // 1 + 2 retries
  EXPECT_NE(text("SELECT reason" + where + std::to_string(broken)).find("no starters"), std::string::npos);
  EXPECT_EQ(count("SELECT COUNT(*) FROM job_races WHERE job_id = '" + job.job_id + "' AND attempts = 1"),
            job.total_races - 2);
  EXPECT_GT(count("SELECT COUNT(*) FROM predictions WHERE race_id = " + std::to_string(flaky)), 0);
  const std::string row = " FROM prediction_jobs WHERE job_id = '" + job.job_id + "'";
  EXPECT_EQ(count("SELECT processed_races" + row), job.total_races);
  EXPECT_EQ(count("SELECT failed_races" + row), 1);
  std::ifstream log(job.log_path);
  const std::string content((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_NE(content.find("Race " + std::to_string(flaky) + " succeeded on retry"), std::string::npos) << content;

  // --retries 0: no second attempt.
  testing::exec_sql(db_path_, fmt::format("UPDATE runners SET non_runner = 1 WHERE race_id = {}", flaky));
  PredictOptions once = options();
  once.race_ids = {flaky};
  once.retries = 0;
  const JobOutcome single = run(once);
  EXPECT_EQ(single.failed_races, 1);
  EXPECT_EQ(count("SELECT attempts FROM job_races WHERE job_id = '" + single.job_id + "'"), 1);
}

// The flat forest (the default, with the widest kernel the CPU runs), its scalar kernel and
// XGBoost give the same predictions on the whole demo database: every probability equal, not
// merely close.
TEST_F(BatchEngineTest, TheFlatForestPredictsExactlyAsXGBoost) {
  setenv("PADDOCK_TREE_EVALUATOR", "xgboost", 1);
  PredictOptions o = options();
  o.job_id = "with-xgboost";
  const JobOutcome reference = run(o);
  unsetenv("PADDOCK_TREE_EVALUATOR");
  ASSERT_EQ(reference.status, JobStatus::kCompleted);
  testing::exec_sql(db_path_, "CREATE TABLE reference AS SELECT race_id, number, score, win_probability, predicted_rank "
                              "FROM predictions");
  o.job_id = "with-flat-forest";
  o.all = true;
  const JobOutcome flat = run(o);
  ASSERT_EQ(flat.status, JobStatus::kCompleted);
  EXPECT_EQ(count("SELECT COUNT(*) FROM predictions WHERE job_id = 'with-flat-forest'"),
            count("SELECT COUNT(*) FROM reference"));
  EXPECT_EQ(count("SELECT COUNT(*) FROM predictions p JOIN reference r USING (race_id, number) "
                  "WHERE p.score != r.score OR p.win_probability != r.win_probability "
                  "OR p.predicted_rank != r.predicted_rank"),
            0);
  std::ifstream log(flat.log_path);
  const std::string content((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_NE(content.find("Trees: paddock's flat forest"), std::string::npos);

  // The scalar kernel, forced, gives the same predictions as the vector one this CPU runs.
  setenv("PADDOCK_TREE_EVALUATOR", "scalar", 1);
  o.job_id = "with-scalar-descent";
  const JobOutcome scalar = run(o);
  unsetenv("PADDOCK_TREE_EVALUATOR");
  ASSERT_EQ(scalar.status, JobStatus::kCompleted);
  EXPECT_EQ(count("SELECT COUNT(*) FROM predictions p JOIN reference r USING (race_id, number) "
                  "WHERE p.job_id = 'with-scalar-descent' AND (p.score != r.score "
                  "OR p.win_probability != r.win_probability OR p.predicted_rank != r.predicted_rank)"),
            0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM predictions WHERE job_id = 'with-scalar-descent'"),
            count("SELECT COUNT(*) FROM reference"));
  std::ifstream scalar_log(scalar.log_path);
  const std::string scalar_content((std::istreambuf_iterator<char>(scalar_log)), std::istreambuf_iterator<char>());
  EXPECT_NE(scalar_content.find(", scalar, checked against XGBoost"), std::string::npos);
}

// A job reads the history its races need from the stored history; the predictions are those
// of the history computed from every race, to the bit, for a day, a range and every race.
TEST_F(BatchEngineTest, TheStoredHistoryPredictsExactlyAsTheComputedOne) {
  auto predictions_of = [&](const std::string& job) {
    return text("SELECT group_concat(race_id || ':' || number || ':' || printf('%.17g', win_probability), ',') FROM "
                "(SELECT * FROM predictions WHERE job_id = '" + job + "' ORDER BY race_id, number)");
  };
  const std::vector<std::pair<std::optional<Day>, std::optional<Day>>> selections = {
      {parse_day("2020-03-10").value(), parse_day("2020-03-10").value()},
      {parse_day("2020-02-01").value(), parse_day("2020-02-29").value()},
      {std::nullopt, std::nullopt}};
  int n = 0;
  for (const auto& [from, to] : selections) {
    PredictOptions o = options();
    o.from = from;
    o.to = to;
    o.all = true;
    o.job_id = "computed-" + std::to_string(n);
    setenv("PADDOCK_HISTORY", "computed", 1);
    ASSERT_EQ(run(o).status, JobStatus::kCompleted);
    unsetenv("PADDOCK_HISTORY");
    const std::string computed = predictions_of(o.job_id);
    o.job_id = "stored-" + std::to_string(n++);
    const JobOutcome stored = run(o);
    ASSERT_EQ(stored.status, JobStatus::kCompleted);
    EXPECT_FALSE(computed.empty());
    EXPECT_EQ(predictions_of(o.job_id), computed) << (from ? format_day(*from) : "all");
  }
  EXPECT_TRUE(text("SELECT dirty_from FROM history_state").empty());
}

// A job of many days streams its history in day order, window by window. With windows of 3
// days the demo database crosses some thirty windows; every probability equals the one of the
// history computed whole, to the bit; and a job stopped part-way and resumed streams its
// remaining races to the same predictions.
TEST_F(BatchEngineTest, TheStreamingHistoryPredictsExactlyAsTheWholeHistory) {
  auto predictions_of = [&](const std::string& job) {
    return text("SELECT group_concat(race_id || ':' || number || ':' || printf('%.17g', win_probability), ',') FROM "
                "(SELECT * FROM predictions WHERE job_id = '" + job + "' ORDER BY race_id, number)");
  };
  PredictOptions o = options();
  o.all = true;
  o.job_id = "whole";
  setenv("PADDOCK_HISTORY", "computed", 1);
  ASSERT_EQ(run(o).status, JobStatus::kCompleted);
  unsetenv("PADDOCK_HISTORY");
  const std::string whole = predictions_of("whole");
  ASSERT_FALSE(whole.empty());

  setenv("PADDOCK_HISTORY_WINDOW_DAYS", "3", 1);
  o.job_id = "streamed";
  const JobOutcome streamed = run(o);
  ASSERT_EQ(streamed.status, JobStatus::kCompleted);
  EXPECT_EQ(predictions_of("streamed"), whole);
  std::ifstream log(streamed.log_path);
  const std::string content((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  const std::smatch windows = [&] {
    std::smatch match;
    std::regex_search(content, match, std::regex("runs streamed over (\\d+) windows"));
    return match;
  }();
  ASSERT_FALSE(windows.empty()) << content;
  EXPECT_GT(std::stoi(windows[1]), 20);

  // Stopped by a signal after its first chunks, then resumed.
  o.job_id = "resumed";
  o.chunk_size = 20;
  std::atomic<bool> interrupt{false};
  std::thread stopper([&] {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (count("SELECT COALESCE(MAX(processed_races), 0) FROM prediction_jobs WHERE job_id = 'resumed'") < 200 &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    interrupt = true;
  });
  const JobOutcome first = run(o, &interrupt);
  stopper.join();
  ASSERT_EQ(first.status, JobStatus::kCancelled);
  PredictOptions resume = options();
  resume.resume_job_id = "resumed";
  const JobOutcome second = run(resume);
  unsetenv("PADDOCK_HISTORY_WINDOW_DAYS");
  ASSERT_EQ(second.status, JobStatus::kCompleted);
  EXPECT_EQ(predictions_of("resumed"), whole);
}

}  // namespace
}  // namespace paddock
