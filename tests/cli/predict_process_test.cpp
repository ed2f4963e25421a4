// The batch job as a process: killed with SIGKILL and resumed, stopped with SIGTERM, called by
// the seed's name. These run the built `paddock` binary.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "support/test_fixture.h"

extern char** environ;

namespace paddock {
namespace {

using testing::query_int;
using testing::query_text;

pid_t spawn(const std::string& program, const std::vector<std::string>& args) {
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(program.c_str()));
  for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, program.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  return rc == 0 ? pid : -1;
}

int wait_exit_code(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Waits until the running job has committed at least `races` races; returns its id.
std::string wait_for_progress(const std::string& db, std::int64_t races) {
  for (int i = 0; i < 4000; ++i) {
    const std::string id = query_text(db, "SELECT job_id FROM prediction_jobs WHERE status = 'running' AND "
                                          "processed_races >= " + std::to_string(races));
    if (!id.empty()) return id;
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
  }
  return "";
}

std::int64_t incomplete_races(const std::string& db, const std::string& job) {
  // A race of the job with a prediction set that is not exactly one per starter.
  return query_int(db, "SELECT COUNT(*) FROM job_races j WHERE j.job_id = '" + job + "' AND "
                       "(SELECT COUNT(*) FROM predictions p WHERE p.race_id = j.race_id) NOT IN "
                       "(0, (SELECT COUNT(*) FROM runners r WHERE r.race_id = j.race_id AND r.non_runner = 0))");
}

TEST(PredictProcess, KilledMidRunThenResumedGivesExactlyOneFullSetPerRace) {
  testing::TempDir dir("kill");
  const std::string db = testing::demo_database_copy(dir.path());
  const pid_t pid = spawn(PADDOCK_BINARY, {"predict", "--db", db, "-w", "1", "-c", "1", "--quiet"});
  ASSERT_GT(pid, 0);
  const std::string job = wait_for_progress(db, 50);
  ASSERT_FALSE(job.empty());
  kill(pid, SIGKILL);
  EXPECT_EQ(wait_exit_code(pid), 128 + SIGKILL);

  // The row still says running; the process is gone. Nothing is half-written.
  EXPECT_EQ(query_text(db, "SELECT status FROM prediction_jobs WHERE job_id = '" + job + "'"), "running");
  const std::int64_t total = query_int(db, "SELECT total_races FROM prediction_jobs WHERE job_id = '" + job + "'");
  const std::int64_t done = query_int(db, "SELECT COUNT(*) FROM job_races WHERE state = 'done' AND job_id = '" + job + "'");
  EXPECT_GE(done, 50);
  EXPECT_LT(done, total);
  EXPECT_EQ(query_int(db, "SELECT processed_races FROM prediction_jobs WHERE job_id = '" + job + "'"), done);
  EXPECT_EQ(incomplete_races(db, job), 0);

  const testing::CommandResult resumed = testing::run_paddock({"predict", "--db", db, "--resume", job, "--quiet"});
  EXPECT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_EQ(query_text(db, "SELECT status FROM prediction_jobs WHERE job_id = '" + job + "'"), "completed");
  EXPECT_EQ(query_int(db, "SELECT processed_races FROM prediction_jobs WHERE job_id = '" + job + "'"), total);
  EXPECT_EQ(query_int(db, "SELECT COUNT(*) FROM job_races WHERE state != 'done' AND job_id = '" + job + "'"), 0);
  // Every selected race now has exactly one full set: one row per starter, none twice.
  EXPECT_EQ(query_int(db, "SELECT COUNT(*) FROM job_races j WHERE j.job_id = '" + job + "' AND "
                          "(SELECT COUNT(*) FROM predictions p WHERE p.race_id = j.race_id) != "
                          "(SELECT COUNT(*) FROM runners r WHERE r.race_id = j.race_id AND r.non_runner = 0)"),
            0);
  EXPECT_EQ(query_int(db, "SELECT COUNT(*) FROM (SELECT race_id, number, COUNT(*) c FROM predictions "
                          "GROUP BY race_id, number, model_id HAVING c > 1)"),
            0);
}

TEST(PredictProcess, SigtermEndsCancelledAndKeepsFinishedChunks) {
  testing::TempDir dir("sigterm");
  const std::string db = testing::demo_database_copy(dir.path());
  const pid_t pid = spawn(PADDOCK_BINARY, {"predict", "--db", db, "-w", "2", "-c", "2", "--quiet"});
  ASSERT_GT(pid, 0);
  const std::string job = wait_for_progress(db, 40);
  ASSERT_FALSE(job.empty());
  kill(pid, SIGTERM);
  EXPECT_EQ(wait_exit_code(pid), 3);
  EXPECT_EQ(query_text(db, "SELECT status FROM prediction_jobs WHERE job_id = '" + job + "'"), "cancelled");
  const std::int64_t done = query_int(db, "SELECT COUNT(*) FROM job_races WHERE state = 'done' AND job_id = '" + job + "'");
  EXPECT_GE(done, 40);
  EXPECT_EQ(query_int(db, "SELECT processed_races FROM prediction_jobs WHERE job_id = '" + job + "'"), done);
  EXPECT_EQ(query_int(db, "SELECT COUNT(DISTINCT race_id) FROM predictions"), done);
  EXPECT_EQ(incomplete_races(db, job), 0);
  EXPECT_FALSE(query_text(db, "SELECT end_time FROM prediction_jobs WHERE job_id = '" + job + "'").empty());
}

TEST(PredictProcess, BatchPredictIsTheSameProgramUnderTheSeedsName) {
  testing::TempDir dir("seed-name");
  const std::string db = testing::demo_database_copy(dir.path());
  const std::string batch_predict =
      (std::filesystem::path(PADDOCK_BINARY).parent_path() / "batch_predict").string();
  ASSERT_TRUE(std::filesystem::exists(batch_predict));
  const pid_t pid = spawn(batch_predict, {"--db", db, "--limit", "10", "--workers", "1", "--chunk-size", "5",
                                          "--max-memory", "2048", "--job-id", "seed-style"});
  EXPECT_EQ(wait_exit_code(pid), 0);
  EXPECT_EQ(query_text(db, "SELECT status FROM prediction_jobs WHERE job_id = 'seed-style'"), "completed");
  EXPECT_EQ(query_int(db, "SELECT successful_races FROM prediction_jobs WHERE job_id = 'seed-style'"), 10);
  EXPECT_TRUE(std::filesystem::exists(dir.path() + "/logs/seed-style.log"));
}

}  // namespace
}  // namespace paddock
