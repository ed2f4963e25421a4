// The options of one batch prediction job: the batch prediction guide's flags (`batch_predict --date ... -w -c -m`)
// plus paddock's own. Stored as JSON in the job row's `config` column, so that a resumed job
// runs with exactly the options it started with.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "store/records.h"

namespace paddock {

struct PredictOptions {
  std::string db_path;
  // Which races.
  std::optional<Day> date;
  std::optional<Day> from;
  std::optional<Day> to;
  std::vector<RaceId> race_ids;
  bool all = false;                 // include races the model already predicted
  bool force_reprediction = false;  // the batch prediction guide's name for the same
  std::optional<std::int64_t> limit;
  // How.
  int workers = -1;  // -1: every core
  int chunk_size = 50;
  int max_memory_mb = 4096;
  int retries = 1;  // times a failed race is tried again at the end of the job
  std::optional<ModelId> model_id;  // default: the active model
  // The job.
  std::string job_id;         // default: batch_<UTC date>_<UTC time>_<4 hex>
  std::string resume_job_id;  // continue this job instead of starting one
  std::string log_dir;        // default: logs/ beside the database
  int priority = 0;
  // Word of the job's end, over the database's notification settings: "" (the settings' *_on),
  // "all", "failures" (failed and cancelled only) or "none" (docs/schedules.md).
  std::string notify;
  bool quiet = false;

  bool include_predicted() const { return all || force_reprediction; }
  int resolved_workers() const;

  // The one check of a job's options, whoever gives them (the command line, a queued job's
  // row, the C++ API): every value in range, the choices of races consistent, ids well formed.
  // Error kInvalidArgument naming the option and the limits.
  Status validate() const;
};

// Limits of the options, documented in docs/cli.md.
inline constexpr int kMaxWorkers = 256;
inline constexpr int kMaxChunkSize = 100000;
inline constexpr int kMaxMemoryMb = 1 << 20;  // 1 TiB
inline constexpr int kMaxPriority = 1000;      // priorities are -1000 .. 1000
inline constexpr int kMaxRetries = 10;

// The log of a job: logs/<job_id>.log beside the database, unless --log-dir says otherwise;
// absolute, so that a job resumed from another working directory logs to the same file.
std::string job_log_path(const PredictOptions& options, const std::string& job_id);

// A new job id: batch_<UTC date>_<UTC time>_<4 random hex digits>.
std::string new_job_id();

// The JSON of the options that define the job (not db_path, resume_job_id, quiet).
std::string options_to_json(const PredictOptions& options);
// Reads back what options_to_json wrote, over `base` (which keeps db_path, quiet, ...), and
// validates the result: a job row's config is input like any other. Errors begin with
// `source` ("job config: 'workers' is not an integer"); none when it is empty (a request's
// own fields).
Result<PredictOptions> options_from_json(const std::string& json, PredictOptions base,
                                         std::string_view source = "job config");

// The keys of options_to_json that a request may give (a launch through the API, a schedule's
// template): all but log_dir, which only the command line and paddock.toml set.
const std::vector<std::string>& requested_option_keys();

}  // namespace paddock
