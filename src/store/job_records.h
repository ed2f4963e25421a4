// Rows of `prediction_jobs` and `job_races`: a batch job's identity, progress and outcome, and
// the state of each race it selected. The batch prediction guide's twelve columns keep their names and meaning.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/records.h"

namespace paddock {

enum class JobStatus { kQueued, kRunning, kCompleted, kFailed, kCancelled };
std::string_view to_string(JobStatus status);
std::optional<JobStatus> parse_job_status(std::string_view text);
inline bool is_finished(JobStatus status) {
  return status == JobStatus::kCompleted || status == JobStatus::kFailed ||
         status == JobStatus::kCancelled;
}

struct JobRow {
  // The batch prediction guide's columns.
  std::string job_id;
  JobStatus status = JobStatus::kRunning;
  int progress = 0;  // processed / total, in percent
  std::string message;
  std::int64_t total_races = 0;
  std::int64_t processed_races = 0;
  std::int64_t successful_races = 0;
  std::int64_t failed_races = 0;
  std::string start_time;  // ISO 8601 UTC
  std::string end_time;
  std::string error;
  std::string config;  // JSON of the options
  // What paddock adds.
  long pid = 0;
  // When the process started (clock ticks since boot, /proc/<pid>/stat): with the pid and the
  // host it names one process, so that a pid reused by another program is not taken for it.
  std::uint64_t pid_start = 0;
  std::string host;
  std::string heartbeat_at;
  double throughput = 0.0;   // races per second since the job (re)started
  std::optional<double> eta_seconds;
  double memory_mb = 0.0;
  double peak_memory_mb = 0.0;
  std::optional<ModelId> model_id;
  bool cancel_requested = false;
  std::string log_path;
  int priority = 0;
  int attempt = 1;  // 1 for the first run, +1 per resume
  std::string retry_of;    // the job whose failed races this job retries, if any
  std::string created_at;  // when the row was written (read only: set on insert)
};

// Which jobs to list: every field narrows; newest first.
struct JobFilter {
  std::vector<JobStatus> statuses;  // empty: any
  std::optional<std::int64_t> limit;
  std::optional<std::string> finished_before;  // end_time at or before this UTC time
};

// The queue's order: higher priority first, then the oldest.
inline constexpr const char* kQueueOrder = "priority DESC, created_at, rowid";

enum class JobRaceState { kPending, kDone, kFailed };
std::string_view to_string(JobRaceState state);

// How many of a job's races are in each state: the truth that the job's counters follow.
struct JobRaceCounts {
  std::int64_t pending = 0;
  std::int64_t done = 0;
  std::int64_t failed = 0;
  std::int64_t total() const { return pending + done + failed; }
};

// One race of a job with its state, attempts and last failure.
struct JobRaceRow {
  RaceId race_id = 0;
  JobRaceState state = JobRaceState::kPending;
  int attempts = 0;
  std::string reason;
};

struct JobRaceOutcome {
  RaceId race_id = 0;
  JobRaceState state = JobRaceState::kDone;
  std::string reason;  // why it failed
};

// What one chunk commit writes, atomically: predictions, race states, job progress.
struct ChunkCommit {
  std::string job_id;
  ModelId model_id = 0;
  // The predictions of the chunk's done races: each race's whole set for the model. Whatever
  // the model held for those races before (another job's set, written from an older card
  // with another field) is deleted in the same transaction, so that a race's predictions
  // are always one set, from one card.
  std::vector<PredictionRow> predictions;
  std::vector<JobRaceOutcome> outcomes;
  // Progress written with the chunk.
  std::int64_t processed_races = 0;
  std::int64_t successful_races = 0;
  std::int64_t failed_races = 0;
  int progress = 0;
  std::string message;
  double throughput = 0.0;
  std::optional<double> eta_seconds;
  double memory_mb = 0.0;
  double peak_memory_mb = 0.0;
};

// A row of the CSV export: one predicted runner with its race and, when known, its result.
struct ExportRow {
  RaceId race_id = 0;
  std::string race_date;
  std::string venue;
  int meeting_no = 0;
  int race_no = 0;
  std::string race_name;
  std::string discipline;
  int distance_m = 0;
  bool is_quinte = false;
  std::string post_time;
  int number = 0;
  std::string horse;
  std::string jockey;
  double score = 0.0;
  double win_probability = 0.0;
  std::optional<double> fundamental;
  int predicted_rank = 0;
  std::optional<double> odds;  // final odds, else morning odds
  bool final_odds = false;     // `odds` are the final odds
  std::optional<int> finish_position;
  std::string incident;
  ModelId model_id = 0;
  std::string job_id;
};

// A schedule: a cron expression in a time zone and the options of the jobs it makes
// (`template`: the JSON of a launch, with days that may be relative: "today", "tomorrow", "+2").
struct ScheduleRow {
  std::int64_t id = 0;
  std::string name;
  std::string cron;
  std::string time_zone = "Europe/Paris";
  std::string template_json = "{}";
  bool paused = false;
  std::int64_t grace_seconds = 3600;
  std::string created_at;     // UTC, ISO 8601
  std::string checked_until;  // fire times up to this UTC instant are handled
};

// One fire time of a schedule and what became of it.
struct ScheduleRunRow {
  std::int64_t schedule_id = 0;
  std::string fire_time;  // UTC, ISO 8601
  std::string status;     // launching, launched, skipped, failed
  std::string job_id;
  std::string reason;
  std::string recorded_at;
};

// A notification of a job's end, waiting in the outbox or delivered (migration 7).
struct OutboxRow {
  std::int64_t id = 0;
  std::string job_id;
  std::string channel;     // webhook, email
  std::string job_status;  // the job's status when it ended
  std::string status;      // pending, delivered, failed (given up)
  int attempts = 0;
  std::string next_attempt_at;  // UTC
  std::string last_error;
  std::string created_at;
  std::string delivered_at;
};

}  // namespace paddock
