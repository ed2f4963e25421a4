// The batch job as a process: killed with SIGKILL and resumed, stopped with SIGTERM, called by
// the batch prediction guide's name. These run the built `paddock` binary.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <fstream>
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
  testing::TempDir dir("guide-name");
  const std::string db = testing::demo_database_copy(dir.path());
  const std::string batch_predict =
      (std::filesystem::path(PADDOCK_BINARY).parent_path() / "batch_predict").string();
  ASSERT_TRUE(std::filesystem::exists(batch_predict));
  const pid_t pid = spawn(batch_predict, {"--db", db, "--limit", "10", "--workers", "1", "--chunk-size", "5",
                                          "--max-memory", "2048", "--job-id", "guide-style"});
  EXPECT_EQ(wait_exit_code(pid), 0);
  EXPECT_EQ(query_text(db, "SELECT status FROM prediction_jobs WHERE job_id = 'guide-style'"), "completed");
  EXPECT_EQ(query_int(db, "SELECT successful_races FROM prediction_jobs WHERE job_id = 'guide-style'"), 10);
  EXPECT_TRUE(std::filesystem::exists(dir.path() + "/logs/guide-style.log"));
}

// A demo killed halfway leaves no database that looks complete: the next demo starts over.
TEST(DemoProcess, AKilledDemoLeavesNothingThatLooksComplete) {
  testing::TempDir dir("demo-killed");
  const std::string db = dir.file("demo.db");
  const pid_t demo = spawn(PADDOCK_BINARY, {"demo", "--db", db, "--races", "20000"});
  ASSERT_GT(demo, 0);
  for (int i = 0; i < 3000 && !std::filesystem::exists(db + ".partial-wal"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  kill(demo, SIGKILL);
  wait_exit_code(demo);
  EXPECT_FALSE(std::filesystem::exists(db)) << "a partial demo must not take the database's name";
  const auto predict = testing::run_paddock({"predict", "--db", db, "-q"});
  EXPECT_EQ(predict.exit_code, 2);
  const auto again = testing::run_paddock({"demo", "--db", db, "--races", "300"});
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("interrupted"), std::string::npos) << again.output;
  EXPECT_EQ(query_int(db, "SELECT COUNT(*) FROM races"), 300);
  EXPECT_FALSE(std::filesystem::exists(db + ".partial"));
}

// Training under a name that exists is refused: model 2's files must not change under it.
TEST(TrainProcess, AModelsFilesAreNeverOverwritten) {
  testing::TempDir dir("train-twice");
  const std::string db = testing::demo_database_copy(dir.path());
  const std::vector<std::string> train{"train", "--db", db, "--name", "dup", "--trees", "5", "--depth", "2"};
  const auto first = testing::run_paddock(train);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  const std::string path = query_text(db, "SELECT path FROM models WHERE name = 'dup'");
  std::ifstream in(path + "/model.json");
  const std::string before((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto second = testing::run_paddock({"train", "--db", db, "--name", "dup", "--trees", "9", "--depth", "3"});
  EXPECT_NE(second.exit_code, 0);
  EXPECT_NE(second.output.find("already exists"), std::string::npos) << second.output;
  EXPECT_EQ(query_int(db, "SELECT COUNT(*) FROM models WHERE name = 'dup'"), 1);
  std::ifstream again(path + "/model.json");
  EXPECT_EQ(std::string((std::istreambuf_iterator<char>(again)), std::istreambuf_iterator<char>()), before);
  // Without a name, two models trained in the same second get two directories.
  const auto a = testing::run_paddock({"train", "--db", db, "--trees", "3", "--depth", "2"});
  const auto b = testing::run_paddock({"train", "--db", db, "--trees", "3", "--depth", "2"});
  EXPECT_EQ(a.exit_code, 0) << a.output;
  EXPECT_EQ(b.exit_code, 0) << b.output;
  EXPECT_EQ(query_int(db, "SELECT COUNT(DISTINCT path) FROM models"), query_int(db, "SELECT COUNT(*) FROM models"));
  const auto escape = testing::run_paddock({"train", "--db", db, "--name", "../escape", "--trees", "3"});
  EXPECT_EQ(escape.exit_code, 2) << escape.output;
  EXPECT_NE(escape.output.find("model name"), std::string::npos) << escape.output;
}

// A database on a read-only mount: reading commands work, writing ones say what is wrong.
// Needs a bind mount (root); skipped where the sandbox forbids mounts.
TEST(ReadOnlyDatabase, ReadingWorksAndWritingSaysWhy) {
  testing::TempDir source("ro-source");
  testing::TempDir mount_point("ro-mount");
  const std::string db = testing::demo_database_copy(source.path());
  {
    const auto job = testing::run_paddock({"predict", "--db", db, "--date", "2020-01-15", "-q"});
    ASSERT_EQ(job.exit_code, 0) << job.output;
  }
  const auto bound = testing::run_command("mount", {"--bind", source.path(), mount_point.path()});
  if (bound.exit_code != 0) GTEST_SKIP() << "cannot bind-mount here: " << bound.output;
  const auto read_only = testing::run_command("mount", {"-o", "remount,bind,ro", mount_point.path()});
  if (read_only.exit_code != 0) {
    testing::run_command("umount", {mount_point.path()});
    GTEST_SKIP() << "cannot remount read-only here: " << read_only.output;
  }
  const std::string ro_db = mount_point.path() + "/demo.db";
  const auto models = testing::run_paddock({"models", "--db", ro_db});
  const auto exported = testing::run_paddock({"export", "--db", ro_db, "--date", "2020-01-15"});
  const auto evaluate = testing::run_paddock({"evaluate", "--db", ro_db, "--from", "2020-03-01"});
  const auto predict = testing::run_paddock({"predict", "--db", ro_db, "--limit", "3", "-q"});
  testing::run_command("umount", {mount_point.path()});
  EXPECT_EQ(models.exit_code, 0) << models.output;
  EXPECT_NE(models.output.find("test-model"), std::string::npos) << models.output;
  EXPECT_EQ(exported.exit_code, 0) << exported.output;
  EXPECT_NE(exported.output.find("2020-01-15"), std::string::npos) << exported.output;
  EXPECT_EQ(evaluate.exit_code, 0) << evaluate.output;
  EXPECT_NE(predict.exit_code, 0);
  EXPECT_NE(predict.output.find("cannot be written"), std::string::npos) << predict.output;
}

// A quiet job that stops prints how to go on, since no summary was shown.
TEST(PredictProcess, AQuietCancelledJobPrintsTheResumeCommand) {
  testing::TempDir dir("quiet-resume");
  const std::string db = testing::demo_database_copy(dir.path());
  const pid_t job = spawn(PADDOCK_BINARY, {"predict", "--db", db, "-q", "-w", "1", "-c", "1", "--job-id", "quiet"});
  ASSERT_GT(job, 0);
  ASSERT_FALSE(wait_for_progress(db, 10).empty());
  kill(job, SIGTERM);
  EXPECT_EQ(wait_exit_code(job), 3);
  const std::string log = dir.path() + "/logs/quiet.log";
  std::ifstream in(log);
  const std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(content.find("Resume: paddock predict --db " + db + " --resume quiet"), std::string::npos) << content;
}

}  // namespace
}  // namespace paddock
