#include "jobs/batch_job_manager.h"

#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/date.h"
#include "core/process_info.h"
#include "jobs/process_launcher.h"
#include "store/job_lifecycle.h"

namespace paddock {
namespace {

// The length of `text` without a UTF-8 character cut at its end (a read of a log stops at a
// byte count, and the log's lines hold accents and symbols): the next read starts with it.
std::size_t whole_utf8_length(std::string_view text) {
  const std::size_t n = text.size();
  for (std::size_t back = 1; back <= std::min<std::size_t>(3, n); ++back) {
    const auto byte = static_cast<unsigned char>(text[n - back]);
    if ((byte & 0xC0U) == 0x80U) continue;  // a continuation byte: look further back
    const std::size_t length = byte >= 0xF0U ? 4 : byte >= 0xE0U ? 3 : byte >= 0xC0U ? 2 : 1;
    return length > back && n > back ? n - back : n;
  }
  return n;
}

// Appends a timestamped line to a job's log, as the job itself writes them; best effort (the
// row holds the same words).
void append_to_log(const std::string& path, const std::string& line) {
  if (path.empty()) return;
  std::FILE* file = std::fopen(path.c_str(), "a");
  if (file == nullptr) return;
  std::fprintf(file, "%s  %s\n", utc_timestamp_now().c_str(), line.c_str());
  std::fclose(file);
}

// The words the row and the log keep for a job found dead.
std::string death_reason(const JobRow& job, const LivenessVerdict& verdict) {
  const std::string heartbeat = job.heartbeat_at.empty() ? "none" : job.heartbeat_at;
  switch (verdict.cause) {
    case DeathCause::kNeverStarted:
      return fmt::format("the job's process never started on {} (claimed at {})", job.host, heartbeat);
    case DeathCause::kSilent:
      return fmt::format("the job's process (pid {} on {}) stopped sending heartbeats; last heartbeat at {}", job.pid,
                         job.host, heartbeat);
    case DeathCause::kPidReused:
      return fmt::format("the job's process (pid {} on {}) exited without finishing (its pid now belongs to "
                         "another program); last heartbeat at {}", job.pid, job.host, heartbeat);
    default:
      return fmt::format("the job's process (pid {} on {}) exited without finishing; last heartbeat at {}", job.pid,
                         job.host, heartbeat);
  }
}

std::string default_binary() {
  if (const char* from_env = std::getenv("PADDOCK_BINARY"); from_env != nullptr && *from_env != '\0') return from_env;
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec && self.filename() == "paddock") return self.string();
  if (!ec && std::filesystem::exists(self.parent_path() / "paddock")) return (self.parent_path() / "paddock").string();
  return "paddock";
}

Error not_found(const std::string& job_id, const std::string& db) {
  return make_error(ErrorCode::kNotFound, fmt::format("no job '{}' in '{}'", job_id, db));
}

}  // namespace

BatchJobStatus BatchJobStatus::from_row(const JobRow& row) {
  BatchJobStatus s;
  s.job_id = row.job_id;
  s.state = row.status;
  s.status = std::string(to_string(row.status));
  s.progress = row.progress;
  s.message = row.message;
  s.total_races = row.total_races;
  s.processed_races = row.processed_races;
  s.successful_races = row.successful_races;
  s.failed_races = row.failed_races;
  s.start_time = row.start_time;
  s.end_time = row.end_time;
  s.error = row.error;
  s.config = row.config;
  s.is_running = row.status == JobStatus::kQueued || row.status == JobStatus::kRunning;
  s.is_completed = row.status == JobStatus::kCompleted;
  s.throughput = row.throughput;
  s.eta_seconds = row.eta_seconds;
  s.memory_mb = row.memory_mb;
  s.peak_memory_mb = row.peak_memory_mb;
  s.priority = row.priority;
  s.attempt = row.attempt;
  s.pid = row.pid;
  s.host = row.host;
  s.heartbeat_at = row.heartbeat_at;
  s.model_id = row.model_id;
  s.log_path = row.log_path;
  s.retry_of = row.retry_of;
  s.created_at = row.created_at;
  s.cancel_requested = row.cancel_requested;
  return s;
}

BatchJobManager::BatchJobManager(ManagerOptions options, std::unique_ptr<Database> db)
    : options_(std::move(options)), db_(std::move(db)) {}
BatchJobManager::BatchJobManager(BatchJobManager&&) noexcept = default;
BatchJobManager& BatchJobManager::operator=(BatchJobManager&&) noexcept = default;
BatchJobManager::~BatchJobManager() = default;

Result<BatchJobManager> BatchJobManager::open(ManagerOptions options) {
  if (options.db_path.empty()) return make_error(ErrorCode::kInvalidArgument, "no database path given (--db)");
  std::error_code ec;
  if (!std::filesystem::exists(options.db_path, ec)) {
    return make_error(ErrorCode::kNotFound, fmt::format("database '{}' does not exist (create one with `paddock demo` "
                                                        "or `paddock import`)", options.db_path));
  }
  options.db_path = std::filesystem::absolute(options.db_path, ec).lexically_normal().string();
  if (options.paddock_binary.empty()) options.paddock_binary = default_binary();
  PADDOCK_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, open_database(options.db_path));
  return BatchJobManager(std::move(options), std::move(db));
}

Result<JobRow> BatchJobManager::find(const std::string& job_id) {
  PADDOCK_TRY(validate_job_id(job_id));
  PADDOCK_ASSIGN_OR_RETURN(std::optional<JobRow> job, db_->find_job(job_id));
  if (!job) return not_found(job_id, options_.db_path);
  return std::move(*job);
}

// --- Launching ------------------------------------------------------------------------------

Result<std::string> BatchJobManager::launch_job(PredictOptions options) {
  options.db_path = options_.db_path;
  PADDOCK_TRY(options.validate());  // with --resume: nothing that chooses races or the model
  if (!options.resume_job_id.empty()) {
    PADDOCK_TRY(resume_job(options.resume_job_id));
    return options.resume_job_id;
  }
  if (options.model_id) {
    PADDOCK_ASSIGN_OR_RETURN(const std::optional<ModelRecord> model, db_->find_model(*options.model_id));
    if (!model) {
      return make_error(ErrorCode::kNotFound, fmt::format("no model with id {} in '{}'", *options.model_id,
                                                          options_.db_path));
    }
  }
  JobRow row;
  row.job_id = options.job_id.empty() ? new_job_id() : options.job_id;
  options.job_id.clear();  // the id is the row's; the stored options choose races and model
  row.status = JobStatus::kQueued;
  row.message = "Queued";
  row.config = options_to_json(options);
  row.priority = options.priority;
  row.model_id = options.model_id;
  row.log_path = job_log_path(options, row.job_id);
  row.created_at = utc_timestamp_now();
  // A log that cannot be written is refused now, with nothing stored, not found by the job.
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(row.log_path).parent_path(), ec);
  const bool log_existed = std::filesystem::exists(row.log_path);
  std::ofstream probe(row.log_path, std::ios::app);
  if (ec || !probe) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("cannot write the job's log '{}'{}", row.log_path, ec ? ": " + ec.message() : ""));
  }
  probe.close();
  if (Status inserted = db_->insert_job(row); !inserted.ok()) {
    if (!log_existed) std::filesystem::remove(row.log_path, ec);  // the probe's empty file
    return inserted.error();
  }
  append_to_log(row.log_path, fmt::format("Queued job {} (priority {})", row.job_id, row.priority));
  PADDOCK_TRY(dispatch());
  return row.job_id;
}

Result<std::optional<JobRow>> BatchJobManager::claim_next() {
  PADDOCK_ASSIGN_OR_RETURN(const int limit, max_running_jobs());
  PADDOCK_ASSIGN_OR_RETURN(WriteTransaction transaction, WriteTransaction::begin(*db_));
  JobFilter running;
  running.statuses = {JobStatus::kRunning};
  PADDOCK_ASSIGN_OR_RETURN(const std::vector<JobRow> active, db_->list_jobs(running));
  if (static_cast<int>(active.size()) >= limit) return std::optional<JobRow>();
  PADDOCK_ASSIGN_OR_RETURN(const std::vector<JobRow> queue, db_->queued_jobs());
  if (queue.empty()) return std::optional<JobRow>();
  JobRow claimed = queue.front();
  claimed.status = JobStatus::kRunning;
  claimed.pid = 0;  // its process, once started, writes its own pid (job_lifecycle.h)
  claimed.pid_start = 0;
  claimed.host = host_name();
  claimed.heartbeat_at = utc_timestamp_now();
  claimed.message = "Launching";
  claimed.end_time.clear();
  claimed.error.clear();
  PADDOCK_ASSIGN_OR_RETURN(const bool won, db_->replace_job_if(claimed, JobStatus::kQueued, queue.front().pid));
  PADDOCK_TRY(transaction.commit());
  if (!won) return std::optional<JobRow>();
  return std::optional<JobRow>(std::move(claimed));
}

// A job that ran before (it has a start time) continues with --resume; how it runs (workers,
// chunk size, memory) stays what it was given.
std::vector<std::string> BatchJobManager::process_arguments(const JobRow& job) const {
  if (job.start_time.empty()) return {"predict", "--db", options_.db_path, "--job-id", job.job_id, "-q"};
  std::vector<std::string> args{"predict", "--db", options_.db_path, "--resume", job.job_id, "-q"};
  PredictOptions base;
  base.db_path = options_.db_path;
  Result<PredictOptions> stored = options_from_json(job.config, base);
  if (stored.ok()) {
    args.insert(args.end(), {"--workers", std::to_string(stored->workers), "--chunk-size",
                             std::to_string(stored->chunk_size), "--max-memory", std::to_string(stored->max_memory_mb)});
  }
  return args;
}

Status BatchJobManager::start_process(const JobRow& claimed) {
  LaunchRequest request;
  request.program = options_.paddock_binary;
  request.args = process_arguments(claimed);
  request.output_path = claimed.log_path;
  Result<long> pid = launch_detached(request);
  if (pid.ok()) return ok_status();
  JobRow failed = claimed;
  failed.status = JobStatus::kFailed;
  failed.error = pid.error().describe();
  failed.message = "Failed: could not start its process";
  failed.end_time = utc_timestamp_now();
  PADDOCK_ASSIGN_OR_RETURN(const bool marked, db_->replace_job_if(failed, JobStatus::kRunning, 0));
  if (marked) append_to_log(claimed.log_path, "Could not start the job's process: " + pid.error().describe());
  return pid.error();
}

Result<std::vector<std::string>> BatchJobManager::dispatch() {
  reap_children();
  PADDOCK_TRY(reap_dead_jobs());
  std::vector<std::string> started;
  while (true) {
    PADDOCK_ASSIGN_OR_RETURN(const std::optional<JobRow> claimed, claim_next());
    if (!claimed) break;
    // A job whose process cannot start is failed with the reason; the queue goes on.
    if (start_process(*claimed).ok()) started.push_back(claimed->job_id);
  }
  return started;
}

Result<std::vector<std::string>> BatchJobManager::reap_dead_jobs() {
  JobFilter running;
  running.statuses = {JobStatus::kRunning};
  PADDOCK_ASSIGN_OR_RETURN(const std::vector<JobRow> jobs, db_->list_jobs(running));
  std::vector<std::string> reaped;
  for (const JobRow& job : jobs) {
    const LivenessVerdict verdict = check_liveness(job);
    if (verdict.liveness == Liveness::kAlive) continue;
    JobRow failed = job;
    failed.status = JobStatus::kFailed;
    failed.error = death_reason(job, verdict);
    failed.message = "Failed: the job's process is gone; resume it to finish";
    failed.end_time = utc_timestamp_now();
    failed.eta_seconds.reset();
    // Conditional: a job that finished (or was taken over) meanwhile is left as it is.
    PADDOCK_ASSIGN_OR_RETURN(const bool marked, db_->replace_job_if(failed, JobStatus::kRunning, job.pid));
    if (!marked) continue;
    append_to_log(job.log_path, "Marked failed by the job manager: " + failed.error);
    reaped.push_back(job.job_id);
  }
  return reaped;
}

// --- Watching -------------------------------------------------------------------------------

Result<BatchJobStatus> BatchJobManager::get_job_status(const std::string& job_id) {
  PADDOCK_TRY(dispatch());
  PADDOCK_ASSIGN_OR_RETURN(const JobRow row, find(job_id));
  BatchJobStatus status = BatchJobStatus::from_row(row);
  if (row.status == JobStatus::kQueued) {
    PADDOCK_ASSIGN_OR_RETURN(const std::vector<JobRow> queue, db_->queued_jobs());
    const auto at = std::find_if(queue.begin(), queue.end(), [&](const JobRow& q) { return q.job_id == job_id; });
    if (at != queue.end()) status.queue_position = static_cast<int>(at - queue.begin()) + 1;
  }
  return status;
}

Result<std::vector<BatchJobStatus>> BatchJobManager::list_jobs(const JobFilter& filter) {
  PADDOCK_TRY(dispatch());
  PADDOCK_ASSIGN_OR_RETURN(const std::vector<JobRow> rows, db_->list_jobs(filter));
  PADDOCK_ASSIGN_OR_RETURN(const std::vector<JobRow> queue, db_->queued_jobs());
  std::vector<BatchJobStatus> jobs;
  jobs.reserve(rows.size());
  for (const JobRow& row : rows) {
    jobs.push_back(BatchJobStatus::from_row(row));
    const auto at = std::find_if(queue.begin(), queue.end(), [&](const JobRow& q) { return q.job_id == row.job_id; });
    if (at != queue.end()) jobs.back().queue_position = static_cast<int>(at - queue.begin()) + 1;
  }
  return jobs;
}

Result<std::vector<BatchJobStatus>> BatchJobManager::get_active_jobs() {
  PADDOCK_TRY(dispatch());
  JobFilter running;
  running.statuses = {JobStatus::kRunning};
  PADDOCK_ASSIGN_OR_RETURN(const std::vector<JobRow> active, db_->list_jobs(running));
  PADDOCK_ASSIGN_OR_RETURN(const std::vector<JobRow> queue, db_->queued_jobs());
  std::vector<BatchJobStatus> jobs;
  for (const JobRow& row : active) jobs.push_back(BatchJobStatus::from_row(row));
  for (std::size_t i = 0; i < queue.size(); ++i) {
    jobs.push_back(BatchJobStatus::from_row(queue[i]));
    jobs.back().queue_position = static_cast<int>(i) + 1;
  }
  return jobs;
}

Result<LogChunk> BatchJobManager::read_log(const std::string& job_id, std::int64_t offset, std::int64_t max_bytes) {
  if (offset < 0 || max_bytes < 1) {
    return make_error(ErrorCode::kInvalidArgument, "a log offset is 0 or more, and at least 1 byte is read");
  }
  PADDOCK_ASSIGN_OR_RETURN(const JobRow row, find(job_id));
  LogChunk chunk;
  chunk.next_offset = offset;
  chunk.job_finished = is_finished(row.status);
  std::ifstream in(row.log_path, std::ios::binary);
  if (!in) return chunk;  // not written yet
  in.seekg(0, std::ios::end);
  const std::int64_t size = static_cast<std::int64_t>(in.tellg());
  if (offset >= size) return chunk;
  in.seekg(offset);
  chunk.text.resize(static_cast<std::size_t>(std::min(max_bytes, size - offset)));
  in.read(chunk.text.data(), static_cast<std::streamsize>(chunk.text.size()));
  chunk.text.resize(static_cast<std::size_t>(in.gcount()));
  chunk.text.resize(whole_utf8_length(chunk.text));
  chunk.next_offset = offset + static_cast<std::int64_t>(chunk.text.size());
  return chunk;
}

// --- Steering -------------------------------------------------------------------------------

Status BatchJobManager::cancel_job(const std::string& job_id) {
  PADDOCK_TRY(dispatch());
  PADDOCK_ASSIGN_OR_RETURN(JobRow job, find(job_id));
  if (job.status == JobStatus::kQueued) {
    JobRow cancelled = job;
    cancelled.status = JobStatus::kCancelled;
    cancelled.message = "Cancelled before it started";
    cancelled.end_time = utc_timestamp_now();
    PADDOCK_ASSIGN_OR_RETURN(const bool done, db_->replace_job_if(cancelled, JobStatus::kQueued, job.pid));
    if (done) {
      append_to_log(job.log_path, "Cancelled before it started");
      return ok_status();
    }
    PADDOCK_ASSIGN_OR_RETURN(job, find(job_id));  // claimed meanwhile: cancel it as a running job
  }
  if (is_finished(job.status)) {
    return make_error(ErrorCode::kFailedPrecondition,
                      fmt::format("job '{}' is already {}; there is nothing to cancel", job_id, to_string(job.status)));
  }
  return db_->request_cancel(job_id);  // the job stops after the chunks in hand
}

Status BatchJobManager::delete_job(const std::string& job_id) {
  PADDOCK_TRY(dispatch());
  PADDOCK_ASSIGN_OR_RETURN(const JobRow job, find(job_id));
  PADDOCK_TRY(db_->delete_job(job_id));  // refuses a running job, in its transaction
  std::error_code ec;
  if (!job.log_path.empty()) std::filesystem::remove(job.log_path, ec);
  return ok_status();
}

Result<std::string> BatchJobManager::retry_failed(const std::string& job_id) {
  PADDOCK_TRY(dispatch());
  PADDOCK_ASSIGN_OR_RETURN(const JobRow job, find(job_id));
  if (!is_finished(job.status)) {
    return make_error(ErrorCode::kFailedPrecondition,
                      fmt::format("job '{}' is {}; its failed races can be retried once it has ended", job_id,
                                  to_string(job.status)));
  }
  PADDOCK_ASSIGN_OR_RETURN(const std::vector<RaceId> failed, db_->job_races(job_id, JobRaceState::kFailed));
  if (failed.empty()) {
    return make_error(ErrorCode::kFailedPrecondition, fmt::format("job '{}' has no failed race to retry", job_id));
  }
  PredictOptions base;
  base.db_path = options_.db_path;
  PADDOCK_ASSIGN_OR_RETURN(PredictOptions options, options_from_json(job.config, base));
  options.date.reset();
  options.from.reset();
  options.to.reset();
  options.limit.reset();
  options.race_ids = failed;
  options.all = true;
  if (job.model_id) options.model_id = job.model_id;  // the same model as the races' siblings
  PADDOCK_TRY(options.validate());
  JobRow row;
  row.job_id = new_job_id();
  row.status = JobStatus::kQueued;
  row.message = fmt::format("Queued: retry of {} failed races of {}", failed.size(), job_id);
  row.config = options_to_json(options);
  row.priority = job.priority;
  row.model_id = options.model_id;
  row.log_path = job_log_path(options, row.job_id);
  row.retry_of = job_id;
  row.created_at = utc_timestamp_now();
  PADDOCK_TRY(db_->insert_job(row));
  append_to_log(row.log_path, fmt::format("Queued job {}: a retry of the {} failed races of {}", row.job_id,
                                          failed.size(), job_id));
  PADDOCK_TRY(dispatch());
  return row.job_id;
}

Status BatchJobManager::resume_job(const std::string& job_id) {
  PADDOCK_TRY(dispatch());  // a job whose process died is failed first, and so resumable
  PADDOCK_ASSIGN_OR_RETURN(const JobRow job, find(job_id));
  if (job.status != JobStatus::kFailed && job.status != JobStatus::kCancelled) {
    const std::string why = job.status == JobStatus::kCompleted ? "is already completed; nothing to resume"
                                                                : fmt::format("is {}", to_string(job.status));
    return make_error(ErrorCode::kFailedPrecondition, fmt::format("job '{}' {}", job_id, why));
  }
  JobRow queued = job;
  queued.status = JobStatus::kQueued;
  queued.message = "Queued to resume";
  queued.end_time.clear();
  queued.error.clear();
  queued.eta_seconds.reset();
  PADDOCK_ASSIGN_OR_RETURN(WriteTransaction transaction, WriteTransaction::begin(*db_));
  PADDOCK_ASSIGN_OR_RETURN(const bool done, db_->replace_job_if(queued, job.status, job.pid));
  if (!done) return make_error(ErrorCode::kFailedPrecondition, fmt::format("job '{}' changed meanwhile; try again", job_id));
  PADDOCK_TRY(db_->clear_cancel(job_id));  // the cancel that stopped it is not for the next run
  PADDOCK_TRY(transaction.commit());
  append_to_log(job.log_path, "Queued to resume");
  PADDOCK_TRY(dispatch());
  return ok_status();
}

Status BatchJobManager::set_priority(const std::string& job_id, int priority) {
  if (priority < -kMaxPriority || priority > kMaxPriority) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("priority must be -{} to {}, not {}", kMaxPriority, kMaxPriority, priority));
  }
  PADDOCK_ASSIGN_OR_RETURN(const JobRow job, find(job_id));
  if (is_finished(job.status)) {
    return make_error(ErrorCode::kFailedPrecondition,
                      fmt::format("job '{}' is already {}; a priority orders queued jobs", job_id, to_string(job.status)));
  }
  return db_->set_job_priority(job_id, priority);
}

Result<std::int64_t> BatchJobManager::cleanup_old_jobs(std::chrono::seconds older_than) {
  if (older_than.count() < 0) return make_error(ErrorCode::kInvalidArgument, "an age to clean up is 0 or more");
  PADDOCK_TRY(dispatch());
  JobFilter filter;
  filter.statuses = {JobStatus::kCompleted, JobStatus::kFailed, JobStatus::kCancelled};
  filter.finished_before = utc_timestamp(std::chrono::system_clock::now() - older_than);
  PADDOCK_ASSIGN_OR_RETURN(const std::vector<JobRow> old, db_->list_jobs(filter));
  std::int64_t removed = 0;
  for (const JobRow& job : old) {
    PADDOCK_TRY(db_->delete_job(job.job_id));
    std::error_code ec;
    if (!job.log_path.empty()) std::filesystem::remove(job.log_path, ec);
    ++removed;
  }
  return removed;
}

Result<std::optional<int>> BatchJobManager::stored_max_running_jobs() {
  PADDOCK_ASSIGN_OR_RETURN(const std::optional<std::string> stored, db_->setting(kMaxRunningJobsSetting));
  if (!stored) return std::optional<int>();
  int value = 0;
  const auto [end, ec] = std::from_chars(stored->data(), stored->data() + stored->size(), value);
  if (ec != std::errc() || end != stored->data() + stored->size() || value < 1 || value > kMaxRunningJobsLimit) {
    return std::optional<int>();  // a hand-edited value that makes no sense counts as none
  }
  return std::optional<int>(value);
}

Result<int> BatchJobManager::max_running_jobs() {
  PADDOCK_ASSIGN_OR_RETURN(const std::optional<int> stored, stored_max_running_jobs());
  return stored.value_or(options_.default_max_running.value_or(kDefaultMaxRunningJobs));
}

Status BatchJobManager::set_max_running_jobs(int limit) {
  if (limit < 1 || limit > kMaxRunningJobsLimit) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("the number of jobs running at once must be 1 to {}, not {}", kMaxRunningJobsLimit, limit));
  }
  PADDOCK_TRY(db_->set_setting(kMaxRunningJobsSetting, std::to_string(limit)));
  PADDOCK_TRY(dispatch());
  return ok_status();
}

}  // namespace paddock
