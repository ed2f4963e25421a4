// One batch prediction job, start to end (`paddock predict`, `batch_predict`).
//
//   1. Open the database and write the job row (status running) before anything else can fail,
//      so that every job is visible, whatever happens next.
//   2. Open the job's log, load the model, select the races and store the list (job_races);
//      a resumed job takes the races of its list not yet done.
//   3. Load the point-in-time history (on a thread of its own, while the list is stored),
//      then stream the races in chunks through N worker threads (features + the model,
//      XGBoost single-threaded in each) to one writer at a time, which commits each chunk
//      in one transaction: its predictions, its races' states and reasons, and the job's
//      progress and heartbeat. The writer is a thread of its own when a core is spare, else
//      a role the workers take in turn. A crash loses at most the chunks in flight.
//   4. Finish the row: completed, cancelled (SIGINT/SIGTERM or the row's cancel flag: the
//      chunks in hand are finished and committed first) or failed with a readable error.
//
// A race that cannot be predicted fails alone, with its reason; the job goes on. Predictions
// do not depend on the number of workers or the chunk size.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "engine/job_log.h"
#include "options/predict_options.h"
#include "engine/history_feed.h"
#include "features/history_index.h"
#include "model/model.h"
#include "store/database.h"

namespace paddock {

// The history a job predicts from, and where it came from (for the job's log): an index loaded
// up front (a small job: the runs of its own horses, people and stalls), or none for a large
// job, whose races are then predicted in day order with a rolling history fed from the
// database window by window (engine/history_feed.h).
struct LoadedHistory {
  std::optional<HistoryIndex> index;
  std::optional<HistoryFeed::Source> stream;  // set when `index` is not
  std::string source;
};

// How a job's races are cut up: chunks of the race list, each within one history window (a
// streaming job's windows of days; one window when the history is loaded up front).
struct ChunkPlan {
  struct Chunk {
    std::size_t begin = 0;  // races[begin, end)
    std::size_t end = 0;
    std::size_t window = 0;
  };
  std::vector<RaceId> races;
  std::vector<Chunk> chunks;
  std::vector<HistoryFeed::Window> windows;
};

struct JobOutcome {
  std::string job_id;
  JobStatus status = JobStatus::kFailed;
  std::string error;
  std::string message;  // the row's last message ("No races to predict: ...", "Complete: 31 races")
  std::string log_path;
  std::int64_t total_races = 0;
  std::int64_t successful_races = 0;
  std::int64_t failed_races = 0;
  double seconds = 0.0;
  double throughput = 0.0;
  double peak_memory_mb = 0.0;
  std::int64_t memory_holds = 0;

  int exit_code() const;
};

class BatchEngine {
 public:
  // `interrupt`, when given, is polled between chunks: a signal handler sets it.
  BatchEngine(PredictOptions options, const std::atomic<bool>* interrupt);
  ~BatchEngine();

  // Runs the job to its end. The job's own failures are in the outcome (and its row); an Error
  // is returned only when there is no row to record them in: the database does not exist or cannot be opened,
  // the job to resume does not exist or is still running, the job id is taken.
  Result<JobOutcome> run();

  // Where the job's history comes from: the stored history (refreshed first), or computed from
  // the races when it cannot be refreshed. kComputedWhole and kStoredWhole (PADDOCK_HISTORY=
  // computed, =whole) load every run up front, as the engine did before streaming: for
  // comparisons.
  enum class HistoryChoice { kStored, kComputed, kComputedWhole, kStoredWhole };

 private:
  Status guarded(const std::function<Status()>& step);
  Status start_job_row();
  Status start_new_job();
  Status take_over_job(JobRow job);
  Status adopt_stored_options();
  Status run_job();
  Status open_log();
  Status load_model();
  Status select_races();
  Status store_race_list();
  Status record_unknown_races();
  Status explain_empty_selection();
  std::string nothing_to_predict_message() const;
  void write_header();
  void refresh_stored_history_for_job();
  std::future<Result<LoadedHistory>> start_history_load(std::vector<RaceId> races);
  Status use_history(Result<LoadedHistory> loaded);
  // The first pass over the job's races, or a pass over its failed ones again.
  enum class Pass { kFirst, kRetry };
  Status predict_races(const std::vector<RaceId>& races, Pass pass);
  Result<ChunkPlan> plan_in_day_order(const std::vector<RaceId>& races);
  Status run_chunks(const ChunkPlan& plan, const PointInTimeHistory& history, HistoryFeed* feed, Pass pass);
  Result<std::vector<RaceId>> races_to_retry();
  Status retry_failed_races();
  JobOutcome finish(const Status& status);
  Status commit(std::vector<PredictionRow> predictions, std::vector<JobRaceOutcome> outcomes,
                const std::string& message, Pass pass);
  enum class CancelCheck { kNow, kThrottled };
  bool stop_requested(CancelCheck check);

  PredictOptions options_;
  const std::atomic<bool>* interrupt_;
  std::unique_ptr<Database> db_;
  JobRow job_;
  bool resumed_ = false;
  bool taken_over_ = false;  // the row existed (queued, or a job to resume)
  std::optional<JobLog> log_;
  ModelRecord model_;
  std::optional<Model> shared_model_;  // the workers' model when they can share it
  std::string evaluator_;  // which tree evaluator the workers use, in words
  std::vector<RaceId> pending_;
  std::vector<RaceId> unknown_;  // --race-ids that name no race
  bool list_stored_ = false;     // job_races holds the race list
  HistoryChoice history_source_ = HistoryChoice::kComputed;
  std::optional<HistoryIndex> history_;
  std::optional<HistoryFeed::Source> stream_source_;  // when the races are predicted streaming
  std::chrono::steady_clock::time_point history_started_{};
  std::int64_t processed_this_run_ = 0;
  std::int64_t memory_holds_ = 0;
  std::array<double, 5> phase_seconds_{};  // thread seconds reading, featuring, predicting, writing, moving the history
  std::string time_split_;                 // the same, in words
  std::chrono::steady_clock::time_point started_{};
  std::chrono::steady_clock::time_point last_cancel_check_{};
  bool cancelled_ = false;
  std::string nothing_selected_reason_;  // why a job found no race, in words
  struct HeartbeatHolder;
  std::unique_ptr<HeartbeatHolder> heartbeat_;
};

}  // namespace paddock
