// The job manager with real processes: jobs launched in the background, killed, cancelled,
// queued and retried, on copies of the shared demo database (3,000 races). Each job is a
// `paddock predict` process started by BatchJobManager, exactly as in use.
#include "jobs/batch_job_manager.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "support/test_fixture.h"

namespace paddock {
namespace {

using Clock = std::chrono::steady_clock;
using testing::query_int;
using testing::query_text;

class JobManagerTest : public ::testing::Test {
 protected:
  void SetUp() override { db_ = testing::demo_database_copy(dir_.path()); }

  BatchJobManager manager() {
    Result<BatchJobManager> opened = BatchJobManager::open({db_, PADDOCK_BINARY, std::nullopt});
    if (!opened.ok()) throw std::runtime_error(opened.error().describe());
    return std::move(*opened);
  }

  // A job slow enough to be caught running: one race a chunk, one worker, every race.
  static PredictOptions slow_job() {
    PredictOptions o;
    o.all = true;
    o.workers = 1;
    o.chunk_size = 1;
    return o;
  }

  BatchJobStatus wait_until_ended(BatchJobManager& m, const std::string& id, std::chrono::seconds limit = std::chrono::seconds(60)) {
    const auto deadline = Clock::now() + limit;
    while (Clock::now() < deadline) {
      Result<BatchJobStatus> status = m.get_job_status(id);
      EXPECT_TRUE(status.ok()) << (status.ok() ? "" : status.error().describe());
      if (!status.ok() || !status->is_running) return status.ok() ? *status : BatchJobStatus{};
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << "job " << id << " did not end in time";
    return *m.get_job_status(id);
  }

  BatchJobStatus wait_for_progress(BatchJobManager& m, const std::string& id, std::int64_t races) {
    for (int i = 0; i < 3000; ++i) {
      const BatchJobStatus status = *m.get_job_status(id);
      if (status.processed_races >= races || !status.is_running) return status;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ADD_FAILURE() << "job " << id << " made no progress";
    return *m.get_job_status(id);
  }

  // Every race of the job is done and holds exactly one prediction per starter.
  void expect_each_race_predicted_once(const std::string& id) {
    EXPECT_EQ(query_int(db_, "SELECT COUNT(*) FROM job_races WHERE job_id = '" + id + "' AND state != 'done'"), 0);
    EXPECT_EQ(query_int(db_, "SELECT COUNT(*) FROM job_races j WHERE j.job_id = '" + id + "' AND "
                             "(SELECT COUNT(*) FROM predictions p WHERE p.race_id = j.race_id) != "
                             "(SELECT COUNT(*) FROM runners r WHERE r.race_id = j.race_id AND r.non_runner = 0)"),
              0);
  }

  testing::TempDir dir_{"jobs"};
  std::string db_;
};

TEST_F(JobManagerTest, LaunchReturnsAtOnceAndTheJobOutlivesItsLauncher) {
  const auto started = Clock::now();
  const testing::CommandResult launched =
      testing::run_paddock({"jobs", "launch", "--db", db_, "--all", "-w", "1", "-c", "5"});
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  ASSERT_EQ(launched.exit_code, 0) << launched.output;
  std::printf("[ figure ] `paddock jobs launch` returned in %.3f s (the launching process has exited)\n", seconds);
  const std::string id = launched.output.substr(0, launched.output.find('\n'));
  BatchJobManager m = manager();
  // The launcher did not wait for the job (3,000 races in chunks of 5 on one worker take
  // seconds): it is still queued or running. A behaviour, not a time, so a loaded machine
  // cannot fail it.
  const Result<BatchJobStatus> just_launched = m.get_job_status(id);
  ASSERT_TRUE(just_launched.ok());
  EXPECT_TRUE(just_launched->status == "queued" || just_launched->status == "running") << just_launched->status;
  const BatchJobStatus done = wait_until_ended(m, id);
  EXPECT_EQ(done.status, "completed");
  EXPECT_TRUE(done.is_completed);
  EXPECT_EQ(done.successful_races, 3000);
  EXPECT_GT(done.pid, 0);
  EXPECT_FALSE(done.host.empty());
  expect_each_race_predicted_once(id);
  std::ifstream log(done.log_path);
  const std::string content((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_NE(content.find("BATCH PREDICTION COMPLETE"), std::string::npos) << content.substr(0, 2000);
  // Read in small pieces, the log comes back whole, and no piece ends inside a character (its
  // lines hold multi-byte ones), so each piece decodes on its own (the page, Python).
  std::string pieces;
  std::int64_t offset = 0;
  for (int i = 0; i < 100000; ++i) {
    const LogChunk chunk = *m.read_log(id, offset, 7);
    if (chunk.text.empty()) break;
    const auto last = static_cast<unsigned char>(chunk.text.back());
    EXPECT_TRUE(last < 0x80U || (last & 0xC0U) == 0x80U) << "a piece ends with a lead byte";
    pieces += chunk.text;
    offset = chunk.next_offset;
  }
  EXPECT_EQ(pieces, content);
  EXPECT_TRUE(std::any_of(content.begin(), content.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80U; }))
      << "no multi-byte character in the log to cut";
}

TEST_F(JobManagerTest, AKilledJobIsReportedFailedAndResumeFinishesItExactly) {
  BatchJobManager m = manager();
  const std::string id = *m.launch_job(slow_job());
  const BatchJobStatus running = wait_for_progress(m, id, 200);
  ASSERT_EQ(running.status, "running");
  ASSERT_EQ(kill(static_cast<pid_t>(running.pid), SIGKILL), 0);
  const auto killed = Clock::now();
  BatchJobStatus reported;
  for (int i = 0; i < 500; ++i) {
    reported = *m.get_job_status(id);
    if (reported.status == "failed") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  const double delay = std::chrono::duration<double>(Clock::now() - killed).count();
  std::printf("[ figure ] a SIGKILLed job was reported failed %.3f s after the kill\n", delay);
  ASSERT_EQ(reported.status, "failed");
  EXPECT_NE(reported.error.find(fmt::format("the job's process (pid {} on ", running.pid)), std::string::npos)
      << reported.error;
  EXPECT_NE(reported.error.find("exited without finishing; last heartbeat at 20"), std::string::npos) << reported.error;
  EXPECT_FALSE(reported.is_running);

  ASSERT_TRUE(m.resume_job(id).ok());
  const BatchJobStatus resumed = wait_until_ended(m, id);
  EXPECT_EQ(resumed.status, "completed");
  EXPECT_EQ(resumed.attempt, 2);
  EXPECT_EQ(resumed.processed_races, 3000);
  EXPECT_EQ(resumed.successful_races, 3000);
  expect_each_race_predicted_once(id);
}

TEST_F(JobManagerTest, CancellingARunningJobStopsItWithinAChunk) {
  BatchJobManager m = manager();
  const std::string id = *m.launch_job(slow_job());
  const BatchJobStatus running = wait_for_progress(m, id, 100);
  ASSERT_TRUE(m.cancel_job(id).ok());
  const std::int64_t at_cancel = m.get_job_status(id)->processed_races;
  const BatchJobStatus ended = wait_until_ended(m, id);
  EXPECT_EQ(ended.status, "cancelled");
  EXPECT_LT(ended.processed_races, 3000);
  // The flag is read after every commit: the job ends after the chunks it holds (at most 2 a
  // worker, of one race each here) and the one being committed.
  std::printf("[ figure ] cancelled: %lld races committed after the cancel request (%.0f races/s)\n",
              static_cast<long long>(ended.processed_races - at_cancel), ended.throughput);
  EXPECT_LE(ended.processed_races - at_cancel, 3);
  EXPECT_EQ(m.cancel_job(id).error().code, ErrorCode::kFailedPrecondition);
  ASSERT_TRUE(m.resume_job(id).ok());
  EXPECT_EQ(wait_until_ended(m, id).status, "completed");
  expect_each_race_predicted_once(id);
}

TEST_F(JobManagerTest, ACancelledQueuedJobNeverStarts) {
  BatchJobManager m = manager();
  ASSERT_TRUE(m.set_max_running_jobs(1).ok());
  const std::string first = *m.launch_job(slow_job());
  PredictOptions other;
  other.all = true;
  const std::string waiting = *m.launch_job(other);
  const BatchJobStatus queued = *m.get_job_status(waiting);
  ASSERT_EQ(queued.status, "queued");
  EXPECT_EQ(queued.queue_position, 1);
  ASSERT_TRUE(m.cancel_job(waiting).ok());
  EXPECT_EQ(m.get_job_status(waiting)->status, "cancelled");
  EXPECT_EQ(wait_until_ended(m, first).status, "completed");
  const BatchJobStatus after = *m.get_job_status(waiting);
  EXPECT_EQ(after.status, "cancelled");
  EXPECT_TRUE(after.start_time.empty());
  EXPECT_EQ(query_int(db_, "SELECT COUNT(*) FROM job_races WHERE job_id = '" + waiting + "'"), 0);
}

// With one job at a time, three queued jobs run one after another, highest priority first.
TEST_F(JobManagerTest, WithALimitOfOneQueuedJobsRunOneAtATimeByPriority) {
  BatchJobManager m = manager();
  ASSERT_TRUE(m.set_max_running_jobs(1).ok());
  PredictOptions o;
  o.all = true;
  o.workers = 1;
  o.chunk_size = 3;
  const std::string blocker = *m.launch_job(o);
  std::map<std::string, int> priority_of;
  for (int priority : {1, 5, 3}) {
    o.priority = priority;
    priority_of[*m.launch_job(o)] = priority;
  }
  std::vector<std::string> order;
  int most_running = 0;
  const auto deadline = Clock::now() + std::chrono::seconds(120);
  while (Clock::now() < deadline) {
    const std::vector<BatchJobStatus> active = *m.get_active_jobs();
    int running = 0;
    for (const BatchJobStatus& job : active) {
      if (job.status != "running") continue;
      ++running;
      if (std::find(order.begin(), order.end(), job.job_id) == order.end()) order.push_back(job.job_id);
    }
    most_running = std::max(most_running, running);
    if (active.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(most_running, 1);
  ASSERT_EQ(order.size(), 4U);
  EXPECT_EQ(order[0], blocker);
  EXPECT_EQ(priority_of[order[1]], 5);
  EXPECT_EQ(priority_of[order[2]], 3);
  EXPECT_EQ(priority_of[order[3]], 1);
  for (const std::string& id : order) EXPECT_EQ(m.get_job_status(id)->status, "completed") << id;
}

// Four jobs at once, an import, and a status poll ten times a second: all complete, and no
// step meets "database is locked".
TEST_F(JobManagerTest, FourJobsAnImportAndPollingShareTheDatabase) {
  BatchJobManager m = manager();
  ASSERT_TRUE(m.set_max_running_jobs(4).ok());
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) {
    PredictOptions o;
    o.all = true;
    o.workers = 1;
    o.chunk_size = 2;  // many small commits: the most contention for the write lock
    ids.push_back(*m.launch_job(o));
  }
  std::atomic<bool> done{false};
  std::atomic<int> polls{0};
  std::string poll_error;
  std::thread poller([&] {
    BatchJobManager watcher = manager();
    while (!done) {
      for (const std::string& id : ids) {
        Result<BatchJobStatus> status = watcher.get_job_status(id);
        if (!status.ok() && poll_error.empty()) poll_error = status.error().describe();
      }
      ++polls;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  const testing::CommandResult imported = testing::run_paddock(
      {"import", "--db", db_, "--races", std::string(PADDOCK_TEST_DATA_DIR) + "/import/races.csv", "--runners",
       std::string(PADDOCK_TEST_DATA_DIR) + "/import/runners.csv"});
  for (const std::string& id : ids) {
    const BatchJobStatus status = wait_until_ended(m, id);
    EXPECT_EQ(status.status, "completed") << id << ": " << status.error;
    EXPECT_EQ(status.failed_races, 0) << id;
  }
  done = true;
  poller.join();
  EXPECT_EQ(imported.exit_code, 0) << imported.output;
  EXPECT_EQ(imported.output.find("locked"), std::string::npos) << imported.output;
  EXPECT_TRUE(poll_error.empty()) << poll_error;
  EXPECT_GT(polls.load(), 3);
  for (const std::string& id : ids) {
    std::ifstream log(m.get_job_status(id)->log_path);
    const std::string content((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    EXPECT_EQ(content.find("locked"), std::string::npos) << id;
  }
}

// Dispatchers of several processes racing on one queue never start a job twice.
TEST_F(JobManagerTest, RacingDispatchersStartEachJobOnce) {
  BatchJobManager m = manager();
  ASSERT_TRUE(m.set_max_running_jobs(3).ok());
  std::vector<std::string> ids;
  PredictOptions o;
  o.limit = 300;
  o.all = true;
  o.workers = 1;
  for (int i = 0; i < 8; ++i) ids.push_back(*m.launch_job(o));
  std::vector<std::thread> dispatchers;
  for (int t = 0; t < 3; ++t) {
    dispatchers.emplace_back([&] {
      BatchJobManager own = manager();
      for (int i = 0; i < 200; ++i) {
        (void)own.dispatch();
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
    });
  }
  for (std::thread& t : dispatchers) t.join();
  for (const std::string& id : ids) {
    const BatchJobStatus status = wait_until_ended(m, id);
    EXPECT_EQ(status.status, "completed") << id << ": " << status.error;
    EXPECT_EQ(status.attempt, 1) << id;
    std::ifstream log(status.log_path);
    const std::string content((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    std::size_t starts = 0;
    for (std::size_t at = content.find("Starting batch prediction job"); at != std::string::npos;
         at = content.find("Starting batch prediction job", at + 1)) {
      ++starts;
    }
    EXPECT_EQ(starts, 1U) << id;
  }
}

// A finished job's failed races, retried as a new job linked to it.
TEST_F(JobManagerTest, RetryMakesANewJobOfTheFailedRaces) {
  const RaceId broken = query_int(db_, "SELECT MIN(id) FROM races WHERE race_date = '2020-02-10'");
  testing::exec_sql(db_, "UPDATE runners SET non_runner = 1 WHERE race_id = " + std::to_string(broken));
  BatchJobManager m = manager();
  PredictOptions o;
  o.date = *parse_day("2020-02-10");
  o.retries = 0;
  const std::string id = *m.launch_job(o);
  EXPECT_EQ(m.retry_failed(id).error().code, ErrorCode::kFailedPrecondition);  // still running or queued
  const BatchJobStatus first = wait_until_ended(m, id);
  ASSERT_EQ(first.failed_races, 1);
  testing::exec_sql(db_, "UPDATE runners SET non_runner = 0 WHERE race_id = " + std::to_string(broken));
  const std::string retry = *m.retry_failed(id);
  const BatchJobStatus second = wait_until_ended(m, retry);
  EXPECT_EQ(second.status, "completed");
  EXPECT_EQ(second.total_races, 1);
  EXPECT_EQ(second.successful_races, 1);
  EXPECT_EQ(second.retry_of, id);
  EXPECT_EQ(query_text(db_, "SELECT group_concat(race_id) FROM job_races WHERE job_id = '" + retry + "'"),
            std::to_string(broken));
  EXPECT_EQ(m.retry_failed(retry).error().code, ErrorCode::kFailedPrecondition);  // nothing failed
}

TEST_F(JobManagerTest, DeleteAndCleanupRemoveFinishedJobsAndTheirLogs) {
  BatchJobManager m = manager();
  PredictOptions o;
  o.limit = 20;
  o.all = true;
  const std::string a = *m.launch_job(o);
  const std::string running = *m.launch_job(slow_job());
  const BatchJobStatus ended = wait_until_ended(m, a);
  ASSERT_TRUE(std::filesystem::exists(ended.log_path));
  wait_for_progress(m, running, 10);
  const Status refused = m.delete_job(running);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kFailedPrecondition);
  ASSERT_TRUE(m.cancel_job(running).ok());
  wait_until_ended(m, running);
  ASSERT_TRUE(m.delete_job(a).ok());
  EXPECT_FALSE(std::filesystem::exists(ended.log_path));
  EXPECT_EQ(m.get_job_status(a).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(*m.cleanup_old_jobs(std::chrono::hours(24)), 0);  // the cancelled one is recent
  EXPECT_EQ(*m.cleanup_old_jobs(std::chrono::seconds(0)), 1);
  EXPECT_TRUE(m.list_jobs()->empty());
}

TEST_F(JobManagerTest, BadRequestsAreRefusedAndChangeNothing) {
  BatchJobManager m = manager();
  EXPECT_EQ(m.get_job_status("no-such-job").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(m.cancel_job("no-such-job").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(m.delete_job("../etc").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(m.set_max_running_jobs(0).error().code, ErrorCode::kInvalidArgument);
  PredictOptions bad_log;
  bad_log.log_dir = "/proc/no-logs-here";
  const Result<std::string> refused = m.launch_job(bad_log);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("cannot write the job's log"), std::string::npos) << refused.error().message;
  PredictOptions bad_chunk;
  bad_chunk.chunk_size = 0;
  EXPECT_EQ(m.launch_job(bad_chunk).error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(m.list_jobs()->empty());
  PredictOptions done;
  done.limit = 3;
  const std::string id = *m.launch_job(done);
  wait_until_ended(m, id);
  EXPECT_EQ(m.set_priority(id, 3).error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(m.resume_job(id).error().code, ErrorCode::kFailedPrecondition);
}

// The command line over the same calls: one clear message and a non-zero exit for each misuse.
TEST_F(JobManagerTest, TheCommandLineNamesEachMistake) {
  const auto unknown = testing::run_paddock({"jobs", "show", "--db", db_, "nope"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.output.find("no job 'nope'"), std::string::npos) << unknown.output;
  const auto priority = testing::run_paddock({"jobs", "priority", "--db", db_, "nope", "high"});
  EXPECT_EQ(priority.exit_code, 2);
  EXPECT_NE(priority.output.find("'high' is not a decimal integer"), std::string::npos) << priority.output;
  const auto launched = testing::run_paddock({"jobs", "launch", "--db", db_, "--limit", "5", "--all", "--json"});
  ASSERT_EQ(launched.exit_code, 0) << launched.output;
  const nlohmann::json status = nlohmann::json::parse(launched.output);
  const std::string id = status.at("job_id");
  for (const char* key : {"status", "progress", "message", "total_races", "processed_races", "successful_races",
                          "failed_races", "start_time", "end_time", "error", "config", "is_running", "is_completed",
                          "priority", "attempt", "pid", "host", "log_path"}) {
    EXPECT_TRUE(status.contains(key)) << key;
  }
  const auto follow = testing::run_paddock({"jobs", "logs", "--db", db_, id, "-f"});
  EXPECT_EQ(follow.exit_code, 0);
  EXPECT_NE(follow.output.find("BATCH PREDICTION COMPLETE"), std::string::npos) << follow.output;
  const auto cancel_done = testing::run_paddock({"jobs", "cancel", "--db", db_, id});
  EXPECT_EQ(cancel_done.exit_code, 1);
  EXPECT_NE(cancel_done.output.find("already completed"), std::string::npos) << cancel_done.output;
  const auto list = testing::run_paddock({"jobs", "list", "--db", db_, "--status", "completed", "--json"});
  EXPECT_EQ(nlohmann::json::parse(list.output).size(), 1U) << list.output;
  const auto bad_status = testing::run_paddock({"jobs", "list", "--db", db_, "--status", "done"});
  EXPECT_EQ(bad_status.exit_code, 2);
  const auto limit = testing::run_paddock({"jobs", "config", "--db", db_, "--max-running", "0"});
  EXPECT_EQ(limit.exit_code, 2);
  EXPECT_NE(limit.output.find("1 to 64"), std::string::npos) << limit.output;
}

}  // namespace
}  // namespace paddock
