// BatchJobManager: the batch prediction guide's Job Manager, in C++. It launches jobs as
// background processes and lets a person or a program watch and steer them:
//
//   launch_job(options) -> job_id      get_job_status(job_id)      list_jobs(filter)
//   get_active_jobs()                  delete_job(job_id)          cancel_job(job_id)
//   retry_failed(job_id) -> job_id     resume_job(job_id)          set_priority(job_id, p)
//   cleanup_old_jobs(older_than)       read_log(job_id, offset)    dispatch()
//
// The database row is the truth; the manager keeps no state of its own, so any number of
// managers (the command line, the dashboard, a Python session) on any number of hosts may work
// on one database at once. The status, list and steering calls first do the work a daemon
// would otherwise do (dispatch()):
//
//   - Dead jobs. A running job whose process is gone (pid and process start time on this host,
//     the heartbeat for another host: store/job_lifecycle.h) is marked failed with the reason,
//     and can be resumed.
//   - The queue. At most `max_running_jobs` (a setting of the database, default 2) run at once;
//     launches beyond it wait as queued, by priority, then age. A dispatcher claims the next
//     queued job by one conditional write, so two racing never start it twice, then starts its
//     process. A job's process, when it ends, dispatches too.
//
// A job runs as `paddock predict --db DB --job-id J -q` (or `--resume J`), detached (see
// process_launcher.h), writing its log to the row's log_path. Not thread-safe: one manager per
// thread (each holds its own database connection).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "options/predict_options.h"
#include "store/database.h"

namespace paddock {

// A job as the guide's status object shows it, with paddock's additions.
struct BatchJobStatus {
  // The guide's fields.
  std::string job_id;
  std::string status;  // queued, running, completed, failed, cancelled (= to_string(state))
  int progress = 0;    // percent
  std::string message;
  std::int64_t total_races = 0;
  std::int64_t processed_races = 0;
  std::int64_t successful_races = 0;
  std::int64_t failed_races = 0;
  std::string start_time;
  std::string end_time;
  std::string error;
  std::string config;  // the options, as JSON
  // True while the job may still change: queued or running (the guide's monitoring loop
  // waits while this holds).
  bool is_running = false;
  bool is_completed = false;  // ended with every race processed
  // paddock's.
  JobStatus state = JobStatus::kQueued;
  double throughput = 0.0;  // races per second of the current run
  std::optional<double> eta_seconds;
  double memory_mb = 0.0;
  double peak_memory_mb = 0.0;
  int priority = 0;
  int attempt = 1;
  long pid = 0;
  std::string host;
  std::string heartbeat_at;
  std::optional<ModelId> model_id;
  std::string log_path;
  std::string retry_of;
  std::string created_at;
  bool cancel_requested = false;
  std::optional<int> queue_position;  // 1 = next to start; queued jobs only

  static BatchJobStatus from_row(const JobRow& row);
};

// What a log read returns: the bytes from `offset`, and where the next read starts.
struct LogChunk {
  std::string text;
  std::int64_t next_offset = 0;
  bool job_finished = false;  // nothing more will be written
};

struct ManagerOptions {
  std::string db_path;
  // The program a job runs: an absolute path or a name in PATH. Default: PADDOCK_BINARY from
  // the environment, else the running program when it is paddock, else `paddock`.
  std::string paddock_binary;
  // The number of jobs running at once when the database stores none (paddock.toml's
  // max_running); else kDefaultMaxRunningJobs.
  std::optional<int> default_max_running;
};

inline constexpr int kDefaultMaxRunningJobs = 2;
inline constexpr int kMaxRunningJobsLimit = 64;
inline constexpr const char* kMaxRunningJobsSetting = "max_running_jobs";

class BatchJobManager {
 public:
  // Opens the database (it must exist). Errors as open_database.
  static Result<BatchJobManager> open(ManagerOptions options);
  BatchJobManager(BatchJobManager&&) noexcept;
  BatchJobManager& operator=(BatchJobManager&&) noexcept;
  ~BatchJobManager();

  // Validates the options (PredictOptions::validate), writes the job's row as queued, and
  // dispatches; returns at once with the job's id. `options.db_path` is this manager's
  // database; `options.priority` orders the queue. Errors: kInvalidArgument (options, a log
  // directory that cannot be written), kAlreadyExists (the job id is taken).
  Result<std::string> launch_job(PredictOptions options);

  // kNotFound for an unknown id.
  Result<BatchJobStatus> get_job_status(const std::string& job_id);
  Result<std::vector<BatchJobStatus>> list_jobs(const JobFilter& filter = {});
  // Queued and running jobs, running first, then the queue in order.
  Result<std::vector<BatchJobStatus>> get_active_jobs();

  // A queued job becomes cancelled at once (it never starts); a running one is asked to stop
  // after the chunks in hand (its row's cancel flag). kFailedPrecondition for a finished job.
  Status cancel_job(const std::string& job_id);
  // Removes a job that is not running, its race list and its log file. Its predictions stay.
  Status delete_job(const std::string& job_id);
  // A new job over the failed races of a finished job, with its options and model, linked to
  // it (retry_of). kFailedPrecondition when the job is not finished or has no failed race.
  Result<std::string> retry_failed(const std::string& job_id);
  // Queues a failed or cancelled job (or one whose process died) to continue with the races it
  // has not done. kFailedPrecondition for a completed, queued or running job.
  Status resume_job(const std::string& job_id);
  Status set_priority(const std::string& job_id, int priority);
  // Deletes finished jobs that ended more than `older_than` ago, and their logs; returns how many.
  Result<std::int64_t> cleanup_old_jobs(std::chrono::seconds older_than);
  // The job's log from `offset` (bytes), at most `max_bytes`.
  Result<LogChunk> read_log(const std::string& job_id, std::int64_t offset, std::int64_t max_bytes = 1 << 20);

  // The limit in force: the database's setting, else the options' default, else 2.
  Result<int> max_running_jobs();
  // The database's own setting, if it has one.
  Result<std::optional<int>> stored_max_running_jobs();
  Status set_max_running_jobs(int limit);

  // Marks dead jobs failed, then starts queued jobs while fewer than the limit run. Returns the
  // ids started. Every call above does this first.
  Result<std::vector<std::string>> dispatch();
  // Marks failed every running job whose process is gone; returns their ids.
  Result<std::vector<std::string>> reap_dead_jobs();

  const std::string& db_path() const { return options_.db_path; }

 private:
  BatchJobManager(ManagerOptions options, std::unique_ptr<Database> db);
  Result<JobRow> find(const std::string& job_id);
  Result<std::optional<JobRow>> claim_next();
  Status start_process(const JobRow& claimed);
  std::vector<std::string> process_arguments(const JobRow& job) const;

  ManagerOptions options_;
  std::unique_ptr<Database> db_;
};

}  // namespace paddock
