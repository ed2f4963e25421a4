// Firing schedules: one job per fire time whoever fires, missed fire times within or past the
// grace window, relative days resolved in the schedule's zone, paused schedules, failed launches.
#include "schedule/scheduler.h"

#include <date/date.h>
#include <date/tz.h>
#include <gtest/gtest.h>

#include <thread>

#include "support/test_fixture.h"

namespace paddock {
namespace {

SysSeconds at(const std::string& utc) { return *parse_utc(utc); }

class SchedulerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_path_ = testing::demo_database_copy(dir_.path());
    db_ = testing::open_or_die(db_path_);
  }

  BatchJobManager manager() {
    Result<BatchJobManager> opened = BatchJobManager::open({db_path_, PADDOCK_BINARY, std::nullopt});
    if (!opened.ok()) throw std::runtime_error(opened.error().describe());
    return std::move(*opened);
  }

  ScheduleRow add(const std::string& name, const std::string& cron, const std::string& checked_until,
                  const std::string& options = R"({"race_ids": [1]})", std::int64_t grace = 3600) {
    ScheduleRow row;
    row.name = name;
    row.cron = cron;
    row.template_json = options;
    row.grace_seconds = grace;
    row.created_at = row.checked_until = checked_until;
    EXPECT_TRUE(validate_schedule(row, db_path_).ok());
    row.id = *db_->insert_schedule(row);
    return row;
  }

  std::int64_t jobs_named(const std::string& like) {
    return testing::query_int(db_path_, "SELECT COUNT(*) FROM prediction_jobs WHERE job_id LIKE '" + like + "'");
  }

  testing::TempDir dir_{"scheduler"};
  std::string db_path_;
  std::unique_ptr<Database> db_;
};

TEST_F(SchedulerTest, AFireTimeMakesOneJobWhenTwoServersFireAtOnce) {
  add("racing", "*/5 * * * *", "2026-11-27T10:01:00Z");
  const SysSeconds now = at("2026-11-27T10:05:20Z");
  std::vector<std::vector<FireOutcome>> fired(2);
  std::vector<std::thread> servers;
  for (int i = 0; i < 2; ++i) {
    servers.emplace_back([&, i] {
      std::unique_ptr<Database> db = testing::open_or_die(db_path_);
      BatchJobManager m = manager();
      Result<std::vector<FireOutcome>> outcomes = fire_due_schedules(*db, m, now);
      ASSERT_TRUE(outcomes.ok()) << outcomes.error().describe();
      fired[static_cast<std::size_t>(i)] = *outcomes;
    });
  }
  for (std::thread& t : servers) t.join();
  EXPECT_EQ(fired[0].size() + fired[1].size(), 1U);
  EXPECT_EQ(jobs_named("racing_%"), 1);
  EXPECT_EQ(testing::query_int(db_path_, "SELECT COUNT(*) FROM schedule_runs WHERE status = 'launched'"), 1);
  EXPECT_EQ(testing::query_text(db_path_, "SELECT job_id FROM schedule_runs"), "racing_20261127_110500");
  // Again at the same moment, or a little later: nothing more.
  BatchJobManager m = manager();
  EXPECT_TRUE(fire_due_schedules(*db_, m, now)->empty());
  EXPECT_TRUE(fire_due_schedules(*db_, m, at("2026-11-27T10:09:59Z"))->empty());
  EXPECT_EQ(fire_due_schedules(*db_, m, at("2026-11-27T10:10:01Z"))->size(), 1U);
  EXPECT_EQ(jobs_named("racing_%"), 2);
}

TEST_F(SchedulerTest, MissedFireTimesRunOnceWithinTheGraceWindowAndAreRecordedAsSkipped) {
  // Nothing fired schedules from 05:00 to 10:10: five hourly fire times were missed.
  add("hourly", "0 * * * *", "2026-11-27T05:00:00Z", R"({"race_ids": [1]})", 1800);
  BatchJobManager m = manager();
  const std::vector<FireOutcome> fired = *fire_due_schedules(*db_, m, at("2026-11-27T10:10:00Z"));
  ASSERT_EQ(fired.size(), 5U);
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(fired[i].status, "skipped");
    EXPECT_NE(fired[i].reason.find("a later fire time was due too"), std::string::npos);
  }
  EXPECT_EQ(fired[4].fire_time, "2026-11-27T10:00:00Z");
  EXPECT_EQ(fired[4].status, "launched");  // ten minutes late, within half an hour
  EXPECT_EQ(jobs_named("hourly_%"), 1);
  // Past the grace window, the latest is skipped too, with why.
  add("late", "0 * * * *", "2026-11-27T09:30:00Z", R"({"race_ids": [1]})", 300);
  const std::vector<FireOutcome> late = *fire_due_schedules(*db_, m, at("2026-11-27T10:10:00Z"));
  ASSERT_EQ(late.size(), 1U);
  EXPECT_EQ(late[0].status, "skipped");
  EXPECT_NE(late[0].reason.find("past the grace window of 300 s"), std::string::npos);
  EXPECT_EQ(jobs_named("late_%"), 0);
}

TEST_F(SchedulerTest, RelativeDaysAreResolvedInTheSchedulesZoneAtTheFireTime) {
  ScheduleRow row = add("evening", "0 20 * * *", "2026-11-27T00:00:00Z", R"({"date": "tomorrow", "all": true})");
  // 20:00 in Paris is 19:00 UTC in November: tomorrow is the 28th there.
  EXPECT_EQ(format_day(*schedule_job_options(row, at("2026-11-27T19:00:00Z"), db_path_)->date), "2026-11-28");
  // 00:30 in Paris on the 28th is still the 27th in UTC: the zone's day counts.
  EXPECT_EQ(format_day(*schedule_job_options(row, at("2026-11-27T23:30:00Z"), db_path_)->date), "2026-11-29");
  row.template_json = R"({"from": "-7", "to": "yesterday"})";
  const PredictOptions range = *schedule_job_options(row, at("2026-11-27T19:00:00Z"), db_path_);
  EXPECT_EQ(format_day(*range.from), "2026-11-20");
  EXPECT_EQ(format_day(*range.to), "2026-11-26");
  EXPECT_EQ(schedule_job_id(row, at("2026-11-27T19:00:00Z")), "evening_20261127_200000");
  row.template_json = R"({"date": "next week"})";
  EXPECT_NE(validate_schedule(row, db_path_).error().message.find("'next week' is not today, tomorrow"), std::string::npos);
  ScheduleRow digits = row;
  digits.name = "2024";
  digits.template_json = "{}";
  EXPECT_NE(validate_schedule(digits, db_path_).error().message.find("not only digits"), std::string::npos);
  row.template_json = R"({"log_dir": "/tmp"})";
  EXPECT_NE(validate_schedule(row, db_path_).error().message.find("'log_dir' is not an option"), std::string::npos);
}

TEST_F(SchedulerTest, PausedSchedulesDoNotFireAndFailedLaunchesSayWhy) {
  ScheduleRow paused = add("paused", "* * * * *", "2026-11-27T10:00:00Z");
  paused.paused = true;
  ASSERT_TRUE(db_->update_schedule(paused).ok());
  add("broken", "* * * * *", "2026-11-27T10:00:00Z", R"({"model_id": 99})");
  BatchJobManager m = manager();
  const std::vector<FireOutcome> fired = *fire_due_schedules(*db_, m, at("2026-11-27T10:01:30Z"));
  ASSERT_EQ(fired.size(), 1U);
  EXPECT_EQ(fired[0].schedule, "broken");
  EXPECT_EQ(fired[0].status, "failed");
  EXPECT_NE(fired[0].reason.find("99"), std::string::npos);
  EXPECT_EQ(jobs_named("paused_%"), 0);
  const ScheduleView view = *view_schedule(*db_, *(*db_->find_schedule("broken")), at("2026-11-27T10:01:30Z"));
  ASSERT_EQ(view.last_runs.size(), 1U);
  EXPECT_EQ(view.last_runs[0].status, "failed");
  EXPECT_EQ(view.next_utc.size(), 5U);
  EXPECT_EQ(view.next_utc[0], "2026-11-27T10:02:00Z");
  EXPECT_EQ(view.description, "every minute, every day");
  // A schedule made unreadable by hand is shown, never fired, and does not hide the others.
  testing::exec_sql(db_path_, "UPDATE schedules SET time_zone = 'Mars/Base' WHERE name = 'broken'");
  const ScheduleView unreadable = *view_schedule(*db_, *(*db_->find_schedule("broken")), at("2026-11-27T10:02:30Z"));
  EXPECT_NE(unreadable.description.find("cannot fire: time zone 'Mars/Base'"), std::string::npos);
  EXPECT_TRUE(unreadable.next_utc.empty());
  EXPECT_TRUE(fire_due_schedules(*db_, m, at("2026-11-27T10:05:30Z"))->empty());
}

TEST_F(SchedulerTest, RunNowMakesAJobAtOnce) {
  const ScheduleRow row = add("manual", "0 20 * * *", "2026-11-27T00:00:00Z", R"({"date": "2020-03-10", "all": true})");
  BatchJobManager m = manager();
  const FireOutcome outcome = *run_schedule_now(*db_, m, row, at("2026-11-27T12:34:56Z"));
  EXPECT_EQ(outcome.status, "launched");
  EXPECT_EQ(outcome.job_id, "manual_20261127_133456");
  EXPECT_EQ(jobs_named("manual_%"), 1);
}

}  // namespace
}  // namespace paddock
