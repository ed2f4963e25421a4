#include "engine/batch_engine.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <string_view>
#include <array>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <future>
#include <limits>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_map>

#include "core/process_info.h"
#include "engine/heartbeat.h"
#include "engine/memory_governor.h"
#include "engine/progress_bar.h"
#include "engine/race_selection.h"
#include "features/history_store.h"
#include "features/market.h"
#include "features/race_features.h"
#include "model/model.h"
#include "store/job_lifecycle.h"

namespace paddock {
namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kRule = "============================================================";
constexpr const char* kRaceNotFound = "race not found";

// The job's history for these races (defined with the history steps below).
Result<LoadedHistory> load_history(const std::string& path, BatchEngine::HistoryChoice choice,
                                   const std::vector<RaceId>& races);

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}



// A chunk's worth of results, handed from a worker to the writer.
struct ChunkResult {
  std::vector<PredictionRow> predictions;
  std::vector<JobRaceOutcome> outcomes;
};

JobRaceOutcome failed(RaceId race_id, std::string reason) {
  return JobRaceOutcome{race_id, JobRaceState::kFailed, std::move(reason)};
}

bool all_finite(const std::vector<double>& values) {
  return std::all_of(values.begin(), values.end(), [](double v) { return std::isfinite(v) && v >= 0.0 && v <= 1.0; });
}


// Where the job's thread time goes, summed over threads, in microseconds.
struct PhaseClock {
  std::atomic<std::int64_t> read_us{0};
  std::atomic<std::int64_t> features_us{0};
  std::atomic<std::int64_t> model_us{0};
  std::atomic<std::int64_t> write_us{0};
  std::atomic<std::int64_t> advance_us{0};  // a streaming job's history moved on (no chunk reads it meanwhile)

  // Adds the time since `start` to `phase`, and restarts `start`.
  static void lap(std::atomic<std::int64_t>& phase, Clock::time_point& start) {
    const Clock::time_point now = Clock::now();
    phase += std::chrono::duration_cast<std::chrono::microseconds>(now - start).count();
    start = now;
  }
};

// Features, market and model for one chunk. Every race ends as done or failed-with-a-reason.
// `features_done` is called once the chunk no longer reads the history.
ChunkResult predict_chunk(Database& db, Model& model, const PointInTimeHistory& history,
                          const std::vector<RaceId>& ids, PhaseClock& clock, const std::function<void()>& features_done) {
  ChunkResult result;
  Clock::time_point start = Clock::now();
  Result<std::vector<RaceCard>> cards = db.load_race_cards(ids);
  PhaseClock::lap(clock.read_us, start);
  if (!cards.ok()) {
    features_done();
    for (RaceId id : ids) result.outcomes.push_back(failed(id, "cannot read race: " + cards.error().message));
    return result;
  }
  std::unordered_map<RaceId, const RaceCard*> by_id;
  for (const RaceCard& card : *cards) by_id.emplace(card.id, &card);

  std::vector<RaceFeatures> features;
  std::vector<std::optional<MarketView>> markets;
  for (RaceId id : ids) {
    const auto found = by_id.find(id);
    if (found == by_id.end()) {
      result.outcomes.push_back(failed(id, kRaceNotFound));
      continue;
    }
    Result<RaceFeatures> built = build_race_features(*found->second, history);
    if (!built.ok()) {
      result.outcomes.push_back(failed(id, built.error().message));
      continue;
    }
    features.push_back(std::move(*built));
    markets.push_back(market_view(starters_of(*found->second)));
  }
  features_done();
  PhaseClock::lap(clock.features_us, start);
  Result<std::vector<RacePrediction>> predicted = model.predict(features, markets);
  PhaseClock::lap(clock.model_us, start);
  if (!predicted.ok()) {
    for (const RaceFeatures& race : features) result.outcomes.push_back(failed(race.race_id, predicted.error().message));
    return result;
  }
  for (const RacePrediction& race : *predicted) {
    // A probability that is not a number (a model whose calibration overflows) is never stored.
    if (!all_finite(race.probabilities)) {
      result.outcomes.push_back(failed(race.race_id, "the model gave a probability that is not a finite number"));
      continue;
    }
    for (std::size_t i = 0; i < race.numbers.size(); ++i) {
      const double fundamental = race.fundamental[i];
      result.predictions.push_back(PredictionRow{race.race_id, race.numbers[i], race.scores[i],
                                                 race.probabilities[i], race.ranks[i],
                                                 std::isfinite(fundamental) ? std::optional(fundamental) : std::nullopt});
    }
    result.outcomes.push_back(JobRaceOutcome{race.race_id, JobRaceState::kDone, ""});
  }
  return result;
}

// What the workers and the writer share. Workers take chunks in order while the number in
// flight (taken, not yet committed) is below the bound and the memory governor agrees. A
// streaming job's chunks also wait for their history window: the worker that finds the next
// chunk in a new window, once no chunk is computing features, moves the history on, alone.
struct Pipeline {
  std::mutex mutex;
  std::condition_variable work_cv;
  std::condition_variable result_cv;  // wakes a dedicated writer thread
  std::size_t next_chunk = 0;
  std::size_t chunk_count = 0;
  std::size_t ready_window = 0;  // the window the history is at
  int featuring = 0;             // chunks taken whose features are not all computed
  bool advancing = false;        // a worker is moving the history on
  std::optional<Error> history_error;
  int in_flight = 0;
  int max_in_flight = 1;
  int workers_running = 0;
  bool stop = false;
  std::deque<ChunkResult> results;
  std::string worker_error;
};

struct WorkerContext {
  std::string db_path;
  std::string model_path;
  // The job's model, shared by every worker when its flat forest scores rows (it only reads);
  // null when each worker needs a booster of its own (XGBoost's predictor keeps state).
  Model* shared_model = nullptr;
  const PointInTimeHistory* history = nullptr;
  HistoryFeed* feed = nullptr;  // streaming jobs: moves `history` from window to window
  const std::vector<RaceId>* races = nullptr;
  const std::vector<ChunkPlan::Chunk>* chunks = nullptr;
  Pipeline* pipeline = nullptr;
  MemoryGovernor* governor = nullptr;
  PhaseClock* clock = nullptr;
  // Commits the results waiting, if no other worker is doing it (or, with kWait, after it).
  std::function<void(bool)> write_waiting;
};

// The next chunk for this worker, once the bound on chunks in flight, the memory governor and
// the chunk's history window allow; none when the job is stopping or every chunk is taken.
std::optional<std::size_t> take_chunk(const WorkerContext& context) {
  Pipeline& pipe = *context.pipeline;
  std::unique_lock<std::mutex> lock(pipe.mutex);
  while (true) {
    auto window_of_next = [&] { return (*context.chunks)[pipe.next_chunk].window; };
    pipe.work_cv.wait(lock, [&] {
      if (pipe.stop || pipe.next_chunk >= pipe.chunk_count) return true;
      if (window_of_next() != pipe.ready_window) return !pipe.advancing && pipe.featuring == 0;
      return pipe.in_flight < pipe.max_in_flight && context.governor->admit(pipe.in_flight);
    });
    if (pipe.stop || pipe.next_chunk >= pipe.chunk_count) return std::nullopt;
    const std::size_t window = window_of_next();
    if (window == pipe.ready_window) break;
    // No chunk reads the history now: move it to the next chunk's window.
    pipe.advancing = true;
    lock.unlock();
    Clock::time_point start = Clock::now();
    const Status moved = context.feed->advance_to(window);
    PhaseClock::lap(context.clock->advance_us, start);
    lock.lock();
    pipe.advancing = false;
    if (!moved.ok()) {
      pipe.history_error = moved.error();
      pipe.stop = true;
      pipe.work_cv.notify_all();
      return std::nullopt;
    }
    pipe.ready_window = window;
    pipe.work_cv.notify_all();
  }
  ++pipe.in_flight;
  ++pipe.featuring;
  return pipe.next_chunk++;
}

void worker_loop(const WorkerContext& context) {
  Pipeline& pipe = *context.pipeline;
  auto give_up = [&](const Error& error) {
    const std::lock_guard<std::mutex> lock(pipe.mutex);
    pipe.worker_error = "a worker could not start: " + error.describe();
    --pipe.workers_running;
    pipe.result_cv.notify_all();
  };
  Result<std::unique_ptr<Database>> db = open_database(context.db_path, Database::Access::kReadOnly);
  if (!db.ok()) return give_up(db.error());
  std::optional<Model> own_model;
  if (context.shared_model == nullptr) {
    Result<Model> loaded = Model::load(context.model_path);
    if (!loaded.ok()) return give_up(loaded.error());
    own_model.emplace(std::move(*loaded));
  }
  Model& model = context.shared_model != nullptr ? *context.shared_model : *own_model;

  while (true) {
    std::optional<std::size_t> chunk = take_chunk(context);
    if (!chunk) break;
    const ChunkPlan::Chunk& range = (*context.chunks)[*chunk];
    const std::vector<RaceId> ids(context.races->begin() + static_cast<std::ptrdiff_t>(range.begin),
                                  context.races->begin() + static_cast<std::ptrdiff_t>(range.end));
    ChunkResult result = predict_chunk(**db, model, *context.history, ids, *context.clock, [&pipe] {
      const std::lock_guard<std::mutex> lock(pipe.mutex);
      if (--pipe.featuring == 0) pipe.work_cv.notify_all();
    });
    {
      const std::lock_guard<std::mutex> lock(pipe.mutex);
      pipe.results.push_back(std::move(result));
    }
    context.write_waiting(false);
  }
  context.write_waiting(true);  // nothing of this worker's is left unwritten
  const std::lock_guard<std::mutex> lock(pipe.mutex);
  --pipe.workers_running;
  pipe.result_cv.notify_all();
}

// Nothing may leave a thread by an exception (std::terminate would leave the job's row
// "running" with its process gone): a worker that throws stops the job with the reason.
void worker_main(const WorkerContext& context) {
  try {
    worker_loop(context);
  } catch (const std::exception& error) {
    Pipeline& pipe = *context.pipeline;
    const std::lock_guard<std::mutex> lock(pipe.mutex);
    pipe.worker_error = fmt::format("a worker stopped on an unexpected error: {}", error.what());
    pipe.stop = true;
    --pipe.workers_running;
    pipe.work_cv.notify_all();
    pipe.result_cv.notify_all();
  }
}

}  // namespace

struct BatchEngine::HeartbeatHolder {
  Heartbeat heartbeat;
  HeartbeatHolder(const std::string& db, const std::string& job) : heartbeat(db, job) {}
};

int JobOutcome::exit_code() const {
  switch (status) {
    case JobStatus::kCompleted: return kExitOk;
    case JobStatus::kCancelled: return kExitCancelled;
    default: return kExitFailure;
  }
}

BatchEngine::BatchEngine(PredictOptions options, const std::atomic<bool>* interrupt)
    : options_(std::move(options)), interrupt_(interrupt) {}

BatchEngine::~BatchEngine() = default;

Result<JobOutcome> BatchEngine::run() {
  started_ = Clock::now();
  PADDOCK_TRY(options_.validate());
  // A job predicts the races of an existing database: a mistyped path must not become a new,
  // empty one holding a failed job.
  std::error_code access;
  const bool url = options_.db_path.starts_with("postgres://") || options_.db_path.starts_with("postgresql://");
  if (!url && !std::filesystem::exists(options_.db_path, access)) {
    if (access) {
      return make_error(ErrorCode::kIo, fmt::format("cannot access database '{}': {}", options_.db_path, access.message()));
    }
    return make_error(ErrorCode::kNotFound, fmt::format("database '{}' does not exist (create one with "
                                                        "`paddock demo` or `paddock import`)",
                                                        options_.db_path));
  }
  PADDOCK_ASSIGN_OR_RETURN(db_, open_database(options_.db_path));
  PADDOCK_TRY(guarded([this] { return start_job_row(); }));  // from here on, every outcome is in the row
  heartbeat_ = std::make_unique<HeartbeatHolder>(options_.db_path, job_.job_id);
  const Status status = guarded([this] { return run_job(); });
  return finish(status);
}

// Runs a step, turning an exception that escaped a library (a filesystem error, a bad_alloc)
// into an Error, so that the job's row is always finished with a reason.
Status BatchEngine::guarded(const std::function<Status()>& step) {
  try {
    return step();
  } catch (const std::exception& error) {
    return make_error(ErrorCode::kInternal, fmt::format("unexpected error: {}", error.what()));
  }
}

// --- The job row -----------------------------------------------------------------------------


Status BatchEngine::start_job_row() {
  if (!options_.resume_job_id.empty()) {
    PADDOCK_ASSIGN_OR_RETURN(std::optional<JobRow> job, db_->find_job(options_.resume_job_id));
    if (!job) {
      return make_error(ErrorCode::kNotFound, fmt::format("no job '{}' to resume in '{}'",
                                                          options_.resume_job_id, options_.db_path));
    }
    if (job->status == JobStatus::kCompleted) {
      return make_error(ErrorCode::kFailedPrecondition,
                        fmt::format("job '{}' is already completed; nothing to resume", job->job_id));
    }
    const bool launched = claimed_for_process(*job, current_pid(), host_name());
    if (job->status == JobStatus::kRunning && !launched) {
      const LivenessVerdict verdict = check_liveness(*job);
      if (verdict.liveness == Liveness::kAlive) {
        return make_error(ErrorCode::kFailedPrecondition,
                          fmt::format("job '{}' is still running: {}; cancel it first", job->job_id, verdict.reason));
      }
    }
    // A job that ran before (queued again to resume, or stopped) continues; one that never
    // started is started.
    resumed_ = job->status != JobStatus::kQueued || !job->start_time.empty();
    return take_over_job(std::move(*job));
  }
  if (!options_.job_id.empty()) {
    PADDOCK_ASSIGN_OR_RETURN(std::optional<JobRow> job, db_->find_job(options_.job_id));
    // A queued job, or one a dispatcher claimed for this process, is this process's to run.
    if (job && (job->status == JobStatus::kQueued || claimed_for_process(*job, current_pid(), host_name()))) {
      return take_over_job(std::move(*job));
    }
    if (job) {
      const std::string hint = job->status == JobStatus::kCompleted
                                   ? "choose another id"
                                   : fmt::format("continue it with --resume {}", job->job_id);
      return make_error(ErrorCode::kAlreadyExists, fmt::format("job '{}' already exists (status {}); {}",
                                                               job->job_id, to_string(job->status), hint));
    }
  }
  return start_new_job();
}

Status BatchEngine::start_new_job() {
  job_ = JobRow();
  job_.job_id = options_.job_id.empty() ? new_job_id() : options_.job_id;
  job_.status = JobStatus::kRunning;
  job_.message = "Starting";
  job_.start_time = utc_timestamp_now();
  job_.heartbeat_at = job_.start_time;
  job_.config = options_to_json(options_);
  job_.pid = current_pid();
  job_.pid_start = process_start_ticks(job_.pid);
  job_.host = host_name();
  job_.priority = options_.priority;
  // model_id is set once the model is found: a wrong --model must not stop the row's insertion.
  job_.log_path = job_log_path(options_, job_.job_id);
  return db_->insert_job(job_);
}

// A queued job, one a dispatcher claimed for this process, or one to resume: this process
// takes it over, by one conditional write, so that two processes never both run it.
Status BatchEngine::take_over_job(JobRow job) {
  const JobStatus read_status = job.status;
  const long read_pid = job.pid;
  // A cancel asked of a job that is queued or starting is for this run; one left on a job that
  // stopped is not.
  const bool keep_cancel = read_status == JobStatus::kQueued || claimed_for_process(job, current_pid(), host_name());
  job_ = std::move(job);
  if (resumed_) {
    ++job_.attempt;
    job_.message = "Resuming";
  } else {
    job_.message = "Starting";
    job_.start_time = utc_timestamp_now();
  }
  job_.status = JobStatus::kRunning;
  job_.pid = current_pid();
  job_.pid_start = process_start_ticks(job_.pid);
  job_.host = host_name();
  job_.heartbeat_at = utc_timestamp_now();
  job_.end_time.clear();
  job_.error.clear();
  if (job_.config.empty()) job_.config = options_to_json(options_);
  if (job_.log_path.empty()) job_.log_path = job_log_path(options_, job_.job_id);
  // The counters follow the races' states: a run that died between a failed commit and its
  // row's last update must not leave them off by a chunk.
  PADDOCK_ASSIGN_OR_RETURN(const JobRaceCounts counts, db_->job_race_counts(job_.job_id));
  if (counts.total() > 0) {
    job_.total_races = counts.total();
    job_.processed_races = counts.done + counts.failed;
    job_.successful_races = counts.done;
    job_.failed_races = counts.failed;
    job_.progress = static_cast<int>(100 * job_.processed_races / job_.total_races);
  }
  taken_over_ = true;
  PADDOCK_ASSIGN_OR_RETURN(WriteTransaction transaction, WriteTransaction::begin(*db_));
  PADDOCK_ASSIGN_OR_RETURN(const bool taken, db_->replace_job_if(job_, read_status, read_pid));
  if (!taken) {
    return make_error(ErrorCode::kFailedPrecondition,
                      fmt::format("job '{}' was taken by another process meanwhile", job_.job_id));
  }
  if (!keep_cancel) PADDOCK_TRY(db_->clear_cancel(job_.job_id));
  return transaction.commit();
}

// The options that choose the races and the model stay the job's own, read from its row (and
// checked like any input: a queued row may have been written by anyone). How to run them
// (workers, chunk size, memory) is this run's choice when resuming, the job's when queued.
Status BatchEngine::adopt_stored_options() {
  if (!taken_over_) return ok_status();
  PADDOCK_ASSIGN_OR_RETURN(PredictOptions stored, options_from_json(job_.config, options_));
  if (resumed_) {
    stored.workers = options_.workers;
    stored.chunk_size = options_.chunk_size;
    stored.max_memory_mb = options_.max_memory_mb;
    stored.retries = options_.retries;
  }
  options_ = std::move(stored);
  return ok_status();
}

// --- The steps -------------------------------------------------------------------------------

Status BatchEngine::run_job() {
  PADDOCK_TRY(open_log());
  PADDOCK_TRY(adopt_stored_options());
  PADDOCK_TRY(load_model());
  PADDOCK_TRY(select_races());
  write_header();
  PADDOCK_ASSIGN_OR_RETURN(const std::vector<RaceId> retryable, races_to_retry());
  if (pending_.empty() && retryable.empty()) {
    PADDOCK_TRY(explain_empty_selection());
    PADDOCK_TRY(store_race_list());
    return record_unknown_races();
  }
  // The history (every finished run) does not depend on the race list: it loads, on its own
  // connection, while the list is stored. At 100k races the load takes 0.7 s, the list 0.1 s.
  refresh_stored_history_for_job();
  std::vector<RaceId> history_races = pending_;
  history_races.insert(history_races.end(), retryable.begin(), retryable.end());
  std::future<Result<LoadedHistory>> history = start_history_load(std::move(history_races));
  Status stored = store_race_list();
  if (stored.ok()) stored = record_unknown_races();
  Result<LoadedHistory> loaded = history.get();  // joined whatever happened
  PADDOCK_TRY(stored);
  PADDOCK_TRY(use_history(std::move(loaded)));
  PADDOCK_TRY(predict_races(pending_, Pass::kFirst));
  return retry_failed_races();
}

// The job's failed races that may be tried again: fewer attempts than 1 + --retries, and not
// "race not found" (a race that does not exist will not appear on a second try).
Result<std::vector<RaceId>> BatchEngine::races_to_retry() {
  std::vector<RaceId> ids;
  if (options_.retries == 0) return ids;
  PADDOCK_ASSIGN_OR_RETURN(const std::vector<JobRaceRow> failed_rows, db_->job_race_rows(job_.job_id, JobRaceState::kFailed));
  for (const JobRaceRow& row : failed_rows) {
    if (row.attempts < 1 + options_.retries && row.reason != kRaceNotFound) ids.push_back(row.race_id);
  }
  return ids;
}

// Step: races that failed are tried again at the end of the job, up to --retries more times
// each. A failure that came from a passing state (a card rewritten while it was read, the
// database busy) often does not repeat; one that does keeps its last reason.
Status BatchEngine::retry_failed_races() {
  for (int round = 1; round <= options_.retries && !cancelled_; ++round) {
    PADDOCK_ASSIGN_OR_RETURN(const std::vector<RaceId> retry, races_to_retry());
    if (retry.empty()) break;
    log_->line(fmt::format("[{}%] Retrying {} failed race{} (retry {} of {})...", job_.progress, retry.size(),
                           retry.size() == 1 ? "" : "s", round, options_.retries));
    const std::int64_t failed_before = job_.failed_races;
    // A streaming job's history has moved past the failed races: a few are retried with the
    // runs they need, many by streaming again from the start.
    if (stream_source_) PADDOCK_TRY(use_history(load_history(options_.db_path, history_source_, retry)));
    PADDOCK_TRY(predict_races(retry, Pass::kRetry));
    log_->line(fmt::format("[{}%] {} of {} succeeded on retry", job_.progress, failed_before - job_.failed_races,
                           retry.size()));
  }
  return ok_status();
}

Status BatchEngine::open_log() {
  PADDOCK_ASSIGN_OR_RETURN(JobLog log, JobLog::open(job_.log_path, options_.quiet ? JobLog::Echo::kNone
                                                                                  : JobLog::Echo::kStdout));
  log_.emplace(std::move(log));
  return ok_status();
}

Status BatchEngine::load_model() {
  std::optional<ModelRecord> record;
  const std::optional<ModelId> wanted = job_.model_id ? job_.model_id : options_.model_id;
  if (wanted) {
    PADDOCK_ASSIGN_OR_RETURN(record, db_->find_model(*wanted));
    if (!record) return make_error(ErrorCode::kNotFound, fmt::format("no model with id {}", *wanted));
  } else {
    PADDOCK_ASSIGN_OR_RETURN(record, db_->active_model());
    if (!record) {
      return make_error(ErrorCode::kFailedPrecondition,
                        "no active model; train one with `paddock train` or pass --model");
    }
  }
  // Loaded here to fail early and clearly. With the flat forest the workers share it; with
  // XGBoost each worker loads its own booster.
  PADDOCK_ASSIGN_OR_RETURN(Model checked, Model::load(record->path));
  evaluator_ = checked.evaluator();
  if (checked.uses_flat_forest()) shared_model_.emplace(std::move(checked));
  model_ = std::move(*record);
  job_.model_id = model_.id;
  return db_->update_job(job_);
}

Status BatchEngine::select_races() {
  if (resumed_) {
    // A job stopped before its race list was stored (no model, say) selects its races now.
    PADDOCK_ASSIGN_OR_RETURN(const std::vector<RaceId> listed, db_->job_races(job_.job_id, std::nullopt));
    if (!listed.empty()) {
      PADDOCK_ASSIGN_OR_RETURN(pending_, db_->job_races(job_.job_id, JobRaceState::kPending));
      list_stored_ = true;
      return ok_status();
    }
  }
  PADDOCK_ASSIGN_OR_RETURN(const RaceSelection selection, paddock::select_races(*db_, options_, model_.id));
  pending_ = selection.races;
  unknown_ = selection.unknown;
  job_.total_races = static_cast<std::int64_t>(pending_.size() + unknown_.size());
  return ok_status();
}

Status BatchEngine::store_race_list() {
  if (list_stored_) return ok_status();
  std::vector<RaceId> listed = pending_;
  listed.insert(listed.end(), unknown_.begin(), unknown_.end());
  job_.message = job_.total_races == 0 ? nothing_to_predict_message() : "Races selected";
  PADDOCK_ASSIGN_OR_RETURN(WriteTransaction transaction, WriteTransaction::begin(*db_));
  PADDOCK_TRY(db_->insert_job_races(job_.job_id, listed));
  PADDOCK_TRY(db_->update_job(job_));
  PADDOCK_TRY(transaction.commit());
  list_stored_ = true;
  return ok_status();
}

Status BatchEngine::record_unknown_races() {
  if (unknown_.empty()) return ok_status();
  std::vector<JobRaceOutcome> outcomes;
  for (RaceId id : unknown_) outcomes.push_back(failed(id, kRaceNotFound));
  return commit({}, std::move(outcomes), "Unknown race ids recorded as failed", Pass::kFirst);
}

std::string BatchEngine::nothing_to_predict_message() const {
  return nothing_selected_reason_.empty() ? "No races to predict" : "No races to predict: " + nothing_selected_reason_;
}

// A job that selects no race says why, so that an empty result is never a silent one.
Status BatchEngine::explain_empty_selection() {
  if (job_.total_races > 0 || resumed_) return ok_status();
  RaceQuery query;
  query.from = options_.date ? options_.date : options_.from;
  query.to = options_.date ? options_.date : options_.to;
  std::string where = "in the database";
  if (options_.date) {
    where = "on " + format_day(*options_.date);
  } else if (options_.from || options_.to) {
    where = fmt::format("from {} to {}", options_.from ? format_day(*options_.from) : "the first day",
                        options_.to ? format_day(*options_.to) : "the last day");
  }
  PADDOCK_ASSIGN_OR_RETURN(const std::vector<RaceId> with_runners, db_->find_races(query));
  if (!with_runners.empty()) {
    nothing_selected_reason_ = fmt::format(
        "all {} races {} already have predictions from model {}; --all predicts them again", with_runners.size(),
        where, model_.id);
  } else {
    query.with_runners_only = false;
    PADDOCK_ASSIGN_OR_RETURN(const std::vector<RaceId> any, db_->find_races(query));
    nothing_selected_reason_ = any.empty()          ? fmt::format("there is no race {}", where)
                               : any.size() == 1 ? fmt::format("the one race {} has no runners yet", where)
                                                 : fmt::format("the {} races {} have no runners yet", any.size(), where);
  }
  log_->line("No races to predict: " + nothing_selected_reason_);
  return ok_status();
}

void BatchEngine::write_header() {
  const int workers = options_.resolved_workers();
  log_->line(fmt::format("🚀 {} batch prediction job: {}", resumed_ ? "Resuming" : "Starting", job_.job_id));
  log_->line(fmt::format("   Total races: {}", job_.total_races));
  if (resumed_) log_->line(fmt::format("   Remaining races: {} (attempt {})", pending_.size(), job_.attempt));
  log_->line(options_.workers <= 0 ? fmt::format("   Workers: all CPU cores ({})", workers)
                                   : fmt::format("   Workers: {}", workers));
  log_->line(fmt::format("   Chunk size: {}", options_.chunk_size));
  log_->line(fmt::format("   Memory limit: {}MB", options_.max_memory_mb));
  log_->line(fmt::format("   Database: {}", options_.db_path));
  log_->line(fmt::format("   Model: {} ({})", model_.id, model_.name));
  log_->line(fmt::format("   Trees: {}", evaluator_));
  log_->line("");
}

// The stored history is brought up to date first (after a day's results, that day), so that
// the job can read the runs its races need from it. Where that cannot be done (a lock held past
// the busy timeout, a full disk, a read-only database) the job computes the history from the
// races instead: slower, the same result.
void BatchEngine::refresh_stored_history_for_job() {
  // "computed" or "whole": every run loaded up front, as before streaming, for comparisons.
  const char* choice = std::getenv("PADDOCK_HISTORY");
  if (choice != nullptr && std::string_view(choice) == "computed") {
    history_source_ = HistoryChoice::kComputedWhole;
    log_->line("   History: computed from the races, all of it (PADDOCK_HISTORY=computed)");
    return;
  }
  Result<HistoryRefresh> refresh = refresh_stored_history(*db_);
  if (!refresh.ok()) {
    history_source_ = HistoryChoice::kComputed;
    log_->line("   The stored history could not be brought up to date (" + first_line(refresh.error().message) +
               "); the history is computed from the races");
    return;
  }
  history_source_ = choice != nullptr && std::string_view(choice) == "whole" ? HistoryChoice::kStoredWhole
                                                                            : HistoryChoice::kStored;
  if (!refresh->was_current) {
    log_->line(fmt::format("   Stored history brought up to date: {} runs in {:.1f}s", refresh->runs_written,
                           refresh->seconds));
  }
}

namespace {

// A job of up to this many races over up to this many days reads only the history its races
// need (their horses' careers, a year of their people, their stall groups); a longer one
// streams the history in day order (engine/history_feed.h), with memory that follows its
// window instead of the database.
constexpr std::size_t kSubsetHistoryRaces = 10000;
constexpr Day kSubsetHistoryDays = 62;

// A streaming job's windows: consecutive days, up to this many races and days each. Between
// windows the workers wait while the history moves on: it applies the window's runs, which
// the feed's reader has read meanwhile (its read-ahead holds a window of 4,000 races and their
// 50,000 runs or so). Larger windows would make the workers wait for the reading too (at
// 20,000 races a window, 1.5 s of a 7.8 s job of 100,000 races).
constexpr std::size_t kWindowRaces = 4000;
constexpr Day kWindowDays = 365;

LoadedHistory streamed(HistoryFeed::Source source, std::string why) {
  return LoadedHistory{std::nullopt, source, std::move(why)};
}

// On its own read-only connection, inside one read transaction: the stored history is read
// only if it is current in that same snapshot, else computed from the races.
Result<LoadedHistory> load_history(const std::string& path, BatchEngine::HistoryChoice choice,
                                   const std::vector<RaceId>& races) {
  using Choice = BatchEngine::HistoryChoice;
  if (choice == Choice::kComputed) {
    return streamed(HistoryFeed::Source::kComputed, "computed from the races, streamed in day order");
  }
  PADDOCK_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, open_database(path, Database::Access::kReadOnly));
  if (choice == Choice::kComputedWhole) {
    PADDOCK_ASSIGN_OR_RETURN(HistoryIndex index, HistoryIndex::load(*db));
    return LoadedHistory{std::move(index), std::nullopt, "computed from the races, all of it"};
  }
  PADDOCK_TRY(db->begin_read());
  PADDOCK_ASSIGN_OR_RETURN(const std::optional<Day> dirty, db->history_dirty_from());
  if (dirty) {  // changed since the refresh, by a writer that came in between
    return streamed(HistoryFeed::Source::kComputed,
                    "computed from the races, streamed in day order: the stored history changed after its refresh");
  }
  bool subset = races.size() <= kSubsetHistoryRaces;
  if (subset) {
    PADDOCK_ASSIGN_OR_RETURN(const auto span, db->race_day_span(races));
    subset = span && span->second - span->first <= kSubsetHistoryDays;
  }
  if (!subset && choice == Choice::kStoredWhole) {
    PADDOCK_ASSIGN_OR_RETURN(HistoryIndex index, HistoryIndex::load_stored(*db, nullptr));
    return LoadedHistory{std::move(index), std::nullopt, "stored history, all of it"};
  }
  if (!subset) return streamed(HistoryFeed::Source::kStored, "stored history, streamed in day order");
  PADDOCK_ASSIGN_OR_RETURN(const std::vector<RaceCard> cards, db->load_race_cards(races));
  const HistoryNeeds needs = HistoryNeeds::of(cards);
  PADDOCK_ASSIGN_OR_RETURN(HistoryIndex index, HistoryIndex::load_stored(*db, &needs));
  return LoadedHistory{std::move(index), std::nullopt, "stored history, the runs of the job's horses, people and stalls"};
}

// Tests make windows of a few days (PADDOCK_HISTORY_WINDOW_DAYS), so that a small database
// crosses many.
Day window_days() {
  const char* text = std::getenv("PADDOCK_HISTORY_WINDOW_DAYS");
  if (text == nullptr) return kWindowDays;
  const int days = std::atoi(text);
  return days > 0 ? days : kWindowDays;
}

}  // namespace

std::future<Result<LoadedHistory>> BatchEngine::start_history_load(std::vector<RaceId> races) {
  log_->line(fmt::format("[{}%] Loading race history from database...", job_.progress));
  history_started_ = Clock::now();
  return std::async(std::launch::async, [path = options_.db_path, choice = history_source_, races = std::move(races)] {
    return load_history(path, choice, races);
  });
}

Status BatchEngine::use_history(Result<LoadedHistory> loaded) {
  if (!loaded.ok()) return loaded.error();
  if (loaded->stream) {
    history_.reset();
    stream_source_ = loaded->stream;
    log_->line(fmt::format("[{}%] History: {}, windows of up to {} races and {} days; {} races to predict, "
                           "starting predictions...",
                           job_.progress, loaded->source, kWindowRaces, window_days(), pending_.size()));
    return ok_status();
  }
  history_.emplace(std::move(*loaded->index));
  stream_source_.reset();
  log_->line(fmt::format("[{}%] Loaded {} past runs ({}) in {:.1f}s; {} races to predict, starting predictions...",
                         job_.progress, history_->run_count(), loaded->source, seconds_since(history_started_),
                         pending_.size()));
  return ok_status();
}

// After each commit (kNow) the row's cancel flag is read: a cancel stops the job within the
// chunks in flight. While waiting for chunks (kThrottled) it is read at most every 300 ms.
bool BatchEngine::stop_requested(CancelCheck check) {
  if (cancelled_) return true;
  if (interrupt_ != nullptr && interrupt_->load()) {
    cancelled_ = true;
    log_->line("Stop requested by a signal: finishing the chunks in hand...");
    return true;
  }
  if (check == CancelCheck::kThrottled && Clock::now() - last_cancel_check_ < std::chrono::milliseconds(300)) {
    return false;
  }
  last_cancel_check_ = Clock::now();
  Result<bool> requested = db_->cancel_requested(job_.job_id);
  if (requested.ok() && *requested) {
    cancelled_ = true;
    log_->line("Cancel requested: finishing the chunks in hand...");
  }
  return cancelled_;
}

// The chunk's progress is computed on a copy of the row and kept only once the commit has
// succeeded: a commit that fails (the database locked past the busy timeout, a full disk)
// rolls back the chunk, and the counters with it.
Status BatchEngine::commit(std::vector<PredictionRow> predictions, std::vector<JobRaceOutcome> outcomes,
                           const std::string& message, Pass pass) {
  JobRow next = job_;
  std::int64_t processed = 0;
  for (const JobRaceOutcome& outcome : outcomes) {
    const bool done = outcome.state == JobRaceState::kDone;
    if (pass == Pass::kRetry) {  // already counted once, as failed
      if (done) {
        ++next.successful_races;
        --next.failed_races;
      }
      continue;
    }
    ++next.processed_races;
    ++processed;
    ++(done ? next.successful_races : next.failed_races);
  }
  const double elapsed = seconds_since(started_);
  next.progress = next.total_races > 0 ? static_cast<int>(100 * next.processed_races / next.total_races) : 100;
  next.throughput = elapsed > 0 ? static_cast<double>(processed_this_run_ + processed) / elapsed : 0.0;
  const std::int64_t remaining = next.total_races - next.processed_races;
  next.eta_seconds = next.throughput > 0 ? std::optional<double>(static_cast<double>(remaining) / next.throughput)
                                         : std::nullopt;
  next.memory_mb = resident_memory_mb();
  next.peak_memory_mb = std::max(next.peak_memory_mb, peak_resident_memory_mb());
  next.message = message;

  ChunkCommit chunk;
  chunk.job_id = next.job_id;
  chunk.model_id = model_.id;
  chunk.predictions = std::move(predictions);
  chunk.outcomes = std::move(outcomes);
  chunk.processed_races = next.processed_races;
  chunk.successful_races = next.successful_races;
  chunk.failed_races = next.failed_races;
  chunk.progress = next.progress;
  chunk.message = next.message;
  chunk.throughput = next.throughput;
  chunk.eta_seconds = next.eta_seconds;
  chunk.memory_mb = next.memory_mb;
  chunk.peak_memory_mb = next.peak_memory_mb;
  PADDOCK_TRY(db_->commit_chunk(chunk));

  job_ = std::move(next);
  processed_this_run_ += processed;
  for (const JobRaceOutcome& outcome : chunk.outcomes) {
    if (outcome.state != JobRaceState::kDone) {
      log_->file_only(fmt::format("   Race {} failed{}: {}", outcome.race_id, pass == Pass::kRetry ? " again" : "",
                                  outcome.reason));
    } else if (pass == Pass::kRetry) {
      log_->file_only(fmt::format("   Race {} succeeded on retry", outcome.race_id));
    }
  }
  return ok_status();
}

// A job with its history loaded predicts its races in their order; a streaming job in day
// order, window after window, with the history fed as the windows come.
Status BatchEngine::predict_races(const std::vector<RaceId>& races, Pass pass) {
  if (races.empty()) return ok_status();
  if (history_) {
    const std::size_t chunk_size = static_cast<std::size_t>(std::max(1, options_.chunk_size));
    ChunkPlan plan;
    plan.races = races;
    for (std::size_t begin = 0; begin < races.size(); begin += chunk_size) {
      plan.chunks.push_back(ChunkPlan::Chunk{begin, std::min(races.size(), begin + chunk_size), 0});
    }
    return run_chunks(plan, *history_, nullptr, pass);
  }
  const Clock::time_point started = Clock::now();
  PADDOCK_ASSIGN_OR_RETURN(const ChunkPlan plan, plan_in_day_order(races));
  HistoryFeed feed(options_.db_path, *stream_source_, plan.windows, plan.races);
  Status status = run_chunks(plan, feed.history(), &feed, pass);
  if (const std::string note = feed.note(); !note.empty()) log_->line("   History: " + note);
  log_->line(fmt::format("[{}%] History: {} runs streamed over {} window{} in {:.1f}s; {} held at the end",
                         job_.progress, feed.rolling().runs_added(), plan.windows.size(),
                         plan.windows.size() == 1 ? "" : "s", seconds_since(started), feed.rolling().runs_held()));
  return status;
}

// The races in day order (then id), cut into windows of consecutive days (up to kWindowRaces
// races and window_days() days each), each cut into chunks. Races that no longer exist come
// first, in the first window: they fail as not found.
Result<ChunkPlan> BatchEngine::plan_in_day_order(const std::vector<RaceId>& races) {
  using RaceDay = std::pair<RaceId, Day>;
  PADDOCK_ASSIGN_OR_RETURN(std::vector<RaceDay> days, db_->days_of_races(races));
  std::sort(days.begin(), days.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second < b.second : a.first < b.first;
  });
  ChunkPlan plan;
  if (days.size() < races.size()) {
    std::vector<RaceId> known;
    known.reserve(days.size());
    for (const auto& [id, day] : days) known.push_back(id);
    std::sort(known.begin(), known.end());
    for (RaceId id : races) {
      if (!std::binary_search(known.begin(), known.end(), id)) plan.races.push_back(id);
    }
  }
  const std::size_t chunk_size = static_cast<std::size_t>(std::max(1, options_.chunk_size));
  const Day max_days = window_days();
  std::size_t window_begin = 0;  // in plan.races
  std::size_t chunk_begin = 0;
  auto close_chunk = [&](std::size_t end) {
    if (end > chunk_begin) plan.chunks.push_back(ChunkPlan::Chunk{chunk_begin, end, plan.windows.size() - 1});
    chunk_begin = end;
  };
  plan.windows.push_back(HistoryFeed::Window{days.empty() ? 0 : days.front().second,
                                             days.empty() ? 0 : days.front().second});
  for (std::size_t i = 0; i < days.size(); ++i) {
    const Day day = days[i].second;
    HistoryFeed::Window& window = plan.windows.back();
    const bool new_day = day != window.last_day;
    if (new_day && (plan.races.size() - window_begin >= kWindowRaces || day - window.first_day >= max_days)) {
      close_chunk(plan.races.size());
      plan.windows.push_back(HistoryFeed::Window{day, day});
      window_begin = plan.races.size();
    }
    plan.windows.back().last_day = day;
    plan.races.push_back(days[i].first);
    if (plan.races.size() - chunk_begin >= chunk_size) close_chunk(plan.races.size());
  }
  close_chunk(plan.races.size());
  return plan;
}

Status BatchEngine::run_chunks(const ChunkPlan& plan, const PointInTimeHistory& history, HistoryFeed* feed,
                               Pass pass) {
  const std::vector<RaceId>& races = plan.races;
  const int workers = options_.resolved_workers();
  MemoryGovernor governor(options_.max_memory_mb, [this](const std::string& text) { log_->line(text); });
  Pipeline pipe;
  pipe.chunk_count = plan.chunks.size();
  // A streaming job's history starts before its first window: the first chunk moves it there.
  pipe.ready_window = feed != nullptr ? std::numeric_limits<std::size_t>::max() : 0;
  pipe.max_in_flight = 2 * workers;
  pipe.workers_running = workers;
  PhaseClock clock;
  WorkerContext context{options_.db_path, model_.path,
                        shared_model_ ? &*shared_model_ : nullptr,
                        &history, feed, &races, &plan.chunks, &pipe, &governor, &clock, {}};

  ProgressBar bar(options_.quiet ? ProgressBar::Mode::kOff : ProgressBar::Mode::kAuto);
  Status status = ok_status();
  std::size_t committed = 0;

  // One writer at a time commits, under writer_mutex: only it touches the write connection
  // and the job row. With a core to spare, the writer is this thread, and it overlaps the
  // workers. With as many workers as cores, a third busy thread would only take turns with
  // them on the cores: then the writer is a role, taken by the worker that hands in a result
  // (it commits whatever is waiting, unless another worker is already doing so).
  const bool writer_thread = workers < static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
  std::mutex writer_mutex;
  auto write_one = [&](ChunkResult result) {
    ++committed;
    const std::string message = fmt::format("{} chunk {}/{}", pass == Pass::kRetry ? "Retrying" : "Processing",
                                            committed, pipe.chunk_count);
    const int progress_before = job_.progress;
    Clock::time_point write_start = Clock::now();
    status = commit(std::move(result.predictions), std::move(result.outcomes), message, pass);
    PhaseClock::lap(clock.write_us, write_start);
    const std::string line = fmt::format("[{}%] {} (Mem: {:.0f}MB)...", job_.progress, message, job_.memory_mb);
    // Every chunk goes to the log file; a terminal without the bar sees one line per 5%.
    const bool milestone = job_.progress / 5 != progress_before / 5 || committed == pipe.chunk_count;
    if (milestone && !bar.active()) {
      log_->line(line);
    } else {
      log_->file_only(line);
    }
    bar.update(job_.processed_races, job_.total_races, job_.throughput);
  };
  auto drain = [&] {
    while (true) {
      std::optional<ChunkResult> result;
      {
        const std::lock_guard<std::mutex> lock(pipe.mutex);
        if (pipe.results.empty()) return;
        result = std::move(pipe.results.front());
        pipe.results.pop_front();
      }
      if (status.ok()) write_one(std::move(*result));
      const bool stop = !status.ok() || stop_requested(CancelCheck::kNow);
      {
        const std::lock_guard<std::mutex> lock(pipe.mutex);
        --pipe.in_flight;
        pipe.stop = pipe.stop || stop;
      }
      pipe.work_cv.notify_all();
    }
  };
  context.write_waiting = [&](bool wait) {
    if (writer_thread) {
      pipe.result_cv.notify_one();
      return;
    }
    while (true) {
      if (wait) {
        writer_mutex.lock();
      } else if (!writer_mutex.try_lock()) {
        return;  // the worker holding it will also write this result
      }
      drain();
      writer_mutex.unlock();
      // A result handed in while this worker was unlocking would otherwise wait: look again.
      const std::lock_guard<std::mutex> lock(pipe.mutex);
      if (pipe.results.empty()) return;
      wait = false;
    }
  };

  // The chunk commits check their model and races once a chunk; the row-by-row checks would
  // cost a third of the write time (the writer's connection only commits chunks meanwhile).
  PADDOCK_TRY(db_->set_reference_checks(false));
  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w) threads.emplace_back(worker_main, std::cref(context));
  while (writer_thread) {
    {
      std::unique_lock<std::mutex> lock(pipe.mutex);
      pipe.result_cv.wait_for(lock, std::chrono::milliseconds(250),
                              [&] { return !pipe.results.empty() || pipe.workers_running == 0; });
      if (pipe.results.empty() && pipe.workers_running == 0) break;
    }
    const std::lock_guard<std::mutex> lock(writer_mutex);
    drain();
    if (stop_requested(CancelCheck::kThrottled)) {  // also while no chunk comes back
      const std::lock_guard<std::mutex> pipe_lock(pipe.mutex);
      pipe.stop = true;
      pipe.work_cv.notify_all();
    }
  }
  for (std::thread& thread : threads) thread.join();
  const Status checks_on = db_->set_reference_checks(true);
  if (status.ok()) status = checks_on;
  bar.finish();
  memory_holds_ += governor.holds();
  const std::array<const std::atomic<std::int64_t>*, 5> phases{&clock.read_us, &clock.features_us, &clock.model_us,
                                                                &clock.write_us, &clock.advance_us};
  for (std::size_t i = 0; i < phases.size(); ++i) phase_seconds_[i] += static_cast<double>(phases[i]->load()) / 1e6;
  time_split_ = fmt::format("read {:.1f}s, features {:.1f}s, model {:.1f}s, write {:.1f}s", phase_seconds_[0],
                            phase_seconds_[1], phase_seconds_[2], phase_seconds_[3]);
  if (feed != nullptr) time_split_ += fmt::format(", history moved on {:.1f}s", phase_seconds_[4]);
  PADDOCK_TRY(status);
  if (pipe.history_error) return *pipe.history_error;
  if (!pipe.worker_error.empty() && committed < pipe.chunk_count && !cancelled_) {
    return make_error(ErrorCode::kInternal, pipe.worker_error);
  }
  return ok_status();
}

JobOutcome BatchEngine::finish(const Status& status) {
  const double seconds = seconds_since(started_);
  const bool complete = job_.processed_races >= job_.total_races;
  if (!status.ok()) {
    job_.status = JobStatus::kFailed;
    job_.error = first_line(status.error().describe());
    job_.message = "Failed: " + first_line(status.error().message);
  } else if (cancelled_ && !complete) {
    job_.status = JobStatus::kCancelled;
    job_.message = fmt::format("Cancelled after {}/{} races", job_.processed_races, job_.total_races);
  } else {
    job_.status = JobStatus::kCompleted;
    job_.progress = 100;
    job_.message = job_.total_races == 0 ? nothing_to_predict_message()
                                         : fmt::format("Complete: {} race{}", job_.processed_races,
                                                       job_.processed_races == 1 ? "" : "s");
  }
  job_.end_time = utc_timestamp_now();
  job_.heartbeat_at = job_.end_time;
  job_.eta_seconds = std::nullopt;
  job_.memory_mb = resident_memory_mb();
  job_.peak_memory_mb = std::max(job_.peak_memory_mb, peak_resident_memory_mb());
  job_.throughput = seconds > 0 ? static_cast<double>(processed_this_run_) / seconds : 0.0;
  heartbeat_.reset();  // the last word on the row is the final update below
  Status updated = db_->update_job(job_);

  if (log_) {
    if (job_.status == JobStatus::kCompleted) {
      log_->line(fmt::format("[100%] Complete! Processed {} races in {:.1f}s", processed_this_run_, seconds));
    }
    const char* banner = job_.status == JobStatus::kCompleted   ? "✅ BATCH PREDICTION COMPLETE"
                         : job_.status == JobStatus::kCancelled ? "⏹  BATCH PREDICTION CANCELLED"
                                                                : "❌ BATCH PREDICTION FAILED";
    log_->line("");
    log_->line(kRule);
    log_->line(banner);
    log_->line(kRule);
    log_->line(fmt::format("  Job ID: {}", job_.job_id));
    log_->line(fmt::format("  Total races: {}", job_.total_races));
    log_->line(fmt::format("  Successful: {}", job_.successful_races));
    log_->line(fmt::format("  Failed: {}", job_.failed_races));
    if (job_.status != JobStatus::kCompleted) log_->line(fmt::format("  Status: {}", job_.message));
    if (!job_.error.empty()) log_->line(fmt::format("  Error: {}", job_.error));
    if (!status.ok() && status.error().describe() != job_.error) {
      log_->file_only("  Error in full:");
      log_->file_only(status.error().describe());
    }
    log_->line(fmt::format("  Total time: {:.2f}s", seconds));
    log_->line(fmt::format("  Throughput: {:.1f} races/second", job_.throughput));
    log_->line(fmt::format("  Peak memory: {:.0f}MB", job_.peak_memory_mb));
    if (!time_split_.empty()) log_->line(fmt::format("  Thread time: {}", time_split_));
    log_->line(fmt::format("  Log: {}", job_.log_path));
    if (job_.status != JobStatus::kCompleted) {
      log_->line(fmt::format("  Resume: paddock predict --db {} --resume {}", options_.db_path, job_.job_id));
    }
    log_->line(kRule);
    if (!updated.ok()) log_->line("Could not record the job's end: " + updated.error().describe());
  }
  JobOutcome outcome;
  outcome.job_id = job_.job_id;
  outcome.status = job_.status;
  outcome.error = job_.error;
  outcome.message = job_.message;
  outcome.log_path = job_.log_path;
  outcome.total_races = job_.total_races;
  outcome.successful_races = job_.successful_races;
  outcome.failed_races = job_.failed_races;
  outcome.seconds = seconds;
  outcome.throughput = job_.throughput;
  outcome.peak_memory_mb = job_.peak_memory_mb;
  outcome.memory_holds = memory_holds_;
  return outcome;
}

}  // namespace paddock
