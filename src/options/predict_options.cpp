#include "options/predict_options.h"

#include <fmt/format.h>

#include "store/job_lifecycle.h"

#include <filesystem>
#include <limits>
#include <random>
#include <nlohmann/json.hpp>
#include <thread>

namespace paddock {

int PredictOptions::resolved_workers() const {
  if (workers > 0) return workers;
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

std::string job_log_path(const PredictOptions& options, const std::string& job_id) {
  std::filesystem::path directory(options.log_dir);
  if (options.log_dir.empty()) {
    const std::filesystem::path parent = std::filesystem::path(options.db_path).parent_path();
    directory = (parent.empty() ? std::filesystem::path(".") : parent) / "logs";
  }
  std::error_code ec;
  const std::filesystem::path path = std::filesystem::absolute(directory / (job_id + ".log"), ec);
  return (ec ? directory / (job_id + ".log") : path).lexically_normal().string();
}

std::string new_job_id() {
  std::random_device device;
  return fmt::format("batch_{}_{:04x}", compact_utc_now(), device() & 0xFFFFU);
}

namespace {

Error invalid(std::string message) { return make_error(ErrorCode::kInvalidArgument, std::move(message)); }

// The options that choose races or the model: a resumed job keeps its own.
std::string selection_option_given(const PredictOptions& o) {
  if (o.date) return "--date";
  if (o.from) return "--from";
  if (o.to) return "--to";
  if (!o.race_ids.empty()) return "--race-ids";
  if (o.limit) return "--limit";
  if (o.model_id) return "--model";
  if (o.all) return "--all";
  if (o.force_reprediction) return "--force-reprediction";
  if (!o.job_id.empty()) return "--job-id";
  if (!o.log_dir.empty()) return "--log-dir";
  return "";
}

}  // namespace

Status PredictOptions::validate() const {
  if (workers != -1 && (workers < 1 || workers > kMaxWorkers)) {
    return invalid(fmt::format("workers (--workers) must be -1 (all cores) or 1 to {}, not {}", kMaxWorkers, workers));
  }
  if (chunk_size < 1 || chunk_size > kMaxChunkSize) {
    return invalid(fmt::format("chunk size (--chunk-size) must be 1 to {} races, not {}", kMaxChunkSize, chunk_size));
  }
  if (max_memory_mb < 1 || max_memory_mb > kMaxMemoryMb) {
    return invalid(fmt::format("memory limit (--max-memory) must be 1 to {} MB, not {}", kMaxMemoryMb, max_memory_mb));
  }
  if (retries < 0 || retries > kMaxRetries) {
    return invalid(fmt::format("retries (--retries) must be 0 to {}, not {}", kMaxRetries, retries));
  }
  if (!notify.empty() && notify != "all" && notify != "failures" && notify != "none") {
    return invalid(fmt::format("notify (--notify) must be all, failures or none, not '{}'", notify.substr(0, 20)));
  }
  if (limit && *limit < 1) return invalid(fmt::format("limit (--limit) must be at least 1, not {}", *limit));
  if (model_id && *model_id < 1) return invalid(fmt::format("model id (--model) must be at least 1, not {}", *model_id));
  if (priority < -kMaxPriority || priority > kMaxPriority) {
    return invalid(fmt::format("priority (--priority) must be -{} to {}, not {}", kMaxPriority, kMaxPriority, priority));
  }
  for (RaceId id : race_ids) {
    if (id < 1) return invalid(fmt::format("race id (--race-ids) must be at least 1, not {}", id));
  }
  if (date && (from || to)) return invalid("--date cannot be given with --from or --to");
  if (!race_ids.empty() && (date || from || to)) return invalid("--race-ids cannot be given with --date, --from or --to");
  if (from && to && *from > *to) {
    return invalid(fmt::format("--from {} is after --to {}", format_day(*from), format_day(*to)));
  }
  if (!job_id.empty()) PADDOCK_TRY(validate_job_id(job_id));
  if (!resume_job_id.empty()) {
    PADDOCK_TRY(validate_job_id(resume_job_id));
    const std::string given = selection_option_given(*this);
    if (!given.empty()) {
      return invalid(fmt::format("{} cannot be given with --resume: a resumed job keeps its own races, model and "
                                 "log (only --workers, --chunk-size, --max-memory, --retries and --quiet may change)",
                                 given));
    }
  }
  return ok_status();
}

std::string options_to_json(const PredictOptions& o) {
  nlohmann::json j;
  auto day = [](const std::optional<Day>& d) { return d ? nlohmann::json(format_day(*d)) : nlohmann::json(); };
  j["date"] = day(o.date);
  j["from"] = day(o.from);
  j["to"] = day(o.to);
  j["race_ids"] = o.race_ids;
  j["all"] = o.all;
  j["force_reprediction"] = o.force_reprediction;
  j["limit"] = o.limit ? nlohmann::json(*o.limit) : nlohmann::json();
  j["workers"] = o.workers;
  j["chunk_size"] = o.chunk_size;
  j["max_memory_mb"] = o.max_memory_mb;
  j["retries"] = o.retries;
  if (!o.notify.empty()) j["notify"] = o.notify;
  j["model_id"] = o.model_id ? nlohmann::json(*o.model_id) : nlohmann::json();
  j["log_dir"] = o.log_dir;
  j["priority"] = o.priority;
  return j.dump();
}

namespace {

// Typed reads of the stored options: a value of the wrong type or out of range is an error
// naming its key, never a silent conversion (nlohmann converts 1e300 to int without a word).
class ConfigReader {
 public:
  ConfigReader(const nlohmann::json& j, std::string prefix) : j_(j), prefix_(std::move(prefix)) {}

  bool has(const char* key) const { return j_.contains(key) && !j_[key].is_null(); }

  Result<std::optional<std::int64_t>> integer(const char* key, std::int64_t min, std::int64_t max) const {
    if (!has(key)) return std::optional<std::int64_t>();
    const nlohmann::json& value = j_[key];
    if (!value.is_number_integer()) return wrong(key, "an integer");
    if (value.is_number_unsigned() && value.get<std::uint64_t>() > static_cast<std::uint64_t>(max)) {
      return wrong(key, fmt::format("an integer from {} to {}", min, max));
    }
    const auto number = value.get<std::int64_t>();
    if (number < min || number > max) return wrong(key, fmt::format("an integer from {} to {}", min, max));
    return std::optional<std::int64_t>(number);
  }

  Result<int> small(const char* key, int fallback) const {
    PADDOCK_ASSIGN_OR_RETURN(const std::optional<std::int64_t> value,
                             integer(key, std::numeric_limits<int>::min(), std::numeric_limits<int>::max()));
    return value ? static_cast<int>(*value) : fallback;
  }

  Result<bool> flag(const char* key) const {
    if (!has(key)) return false;
    if (!j_[key].is_boolean()) return wrong(key, "true or false");
    return j_[key].get<bool>();
  }

  Result<std::optional<Day>> day(const char* key) const {
    if (!has(key)) return std::optional<Day>();
    if (!j_[key].is_string()) return wrong(key, "a date YYYY-MM-DD");
    PADDOCK_ASSIGN_OR_RETURN(const Day d, parse_day(j_[key].get<std::string>()));
    return std::optional<Day>(d);
  }

  Result<std::string> text(const char* key, std::string fallback) const {
    if (!has(key)) return fallback;
    if (!j_[key].is_string()) return wrong(key, "a string");
    return j_[key].get<std::string>();
  }

  Result<std::vector<RaceId>> ids(const char* key) const {
    std::vector<RaceId> out;
    if (!has(key)) return out;
    if (!j_[key].is_array()) return wrong(key, "a list of race ids");
    for (const nlohmann::json& value : j_[key]) {
      if (!value.is_number_integer() || value.get<std::int64_t>() < 1) return wrong(key, "a list of positive race ids");
      out.push_back(value.get<std::int64_t>());
    }
    return out;
  }

 private:
  Error wrong(const char* key, const std::string& expected) const {
    return make_error(ErrorCode::kInvalidArgument, fmt::format("{}'{}' is not {}", prefix_, key, expected));
  }
  const nlohmann::json& j_;
  std::string prefix_;
};

Status read_options(const ConfigReader& c, PredictOptions& o) {
  PADDOCK_ASSIGN_OR_RETURN(o.date, c.day("date"));
  PADDOCK_ASSIGN_OR_RETURN(o.from, c.day("from"));
  PADDOCK_ASSIGN_OR_RETURN(o.to, c.day("to"));
  PADDOCK_ASSIGN_OR_RETURN(o.race_ids, c.ids("race_ids"));
  PADDOCK_ASSIGN_OR_RETURN(o.all, c.flag("all"));
  PADDOCK_ASSIGN_OR_RETURN(o.force_reprediction, c.flag("force_reprediction"));
  PADDOCK_ASSIGN_OR_RETURN(o.limit, c.integer("limit", 1, std::numeric_limits<std::int64_t>::max()));
  PADDOCK_ASSIGN_OR_RETURN(o.workers, c.small("workers", o.workers));
  PADDOCK_ASSIGN_OR_RETURN(o.chunk_size, c.small("chunk_size", o.chunk_size));
  PADDOCK_ASSIGN_OR_RETURN(o.max_memory_mb, c.small("max_memory_mb", o.max_memory_mb));
  PADDOCK_ASSIGN_OR_RETURN(o.retries, c.small("retries", o.retries));
  PADDOCK_ASSIGN_OR_RETURN(o.notify, c.text("notify", o.notify));
  PADDOCK_ASSIGN_OR_RETURN(o.model_id, c.integer("model_id", 1, std::numeric_limits<std::int64_t>::max()));
  PADDOCK_ASSIGN_OR_RETURN(o.log_dir, c.text("log_dir", o.log_dir));
  PADDOCK_ASSIGN_OR_RETURN(o.priority, c.small("priority", o.priority));
  return ok_status();
}

}  // namespace

Result<PredictOptions> options_from_json(const std::string& json, PredictOptions base, std::string_view source) {
  const std::string what = source.empty() ? std::string("the options") : std::string(source);
  const std::string prefix = source.empty() ? std::string() : std::string(source) + ": ";
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json);
  } catch (const nlohmann::json::exception& e) {
    return make_error(ErrorCode::kInvalidArgument, fmt::format("{} is not valid JSON: {}", what, e.what()));
  }
  if (!j.is_object()) return make_error(ErrorCode::kInvalidArgument, what + " is not a JSON object");
  PADDOCK_TRY(read_options(ConfigReader(j, prefix), base));
  base.resume_job_id.clear();  // the stored options are the job's own, not a resume's
  base.job_id.clear();
  Status valid = base.validate();
  if (!valid.ok()) return make_error(ErrorCode::kInvalidArgument, prefix + valid.error().message);
  return base;
}

const std::vector<std::string>& requested_option_keys() {
  static const std::vector<std::string> keys{"date",    "from",    "to",       "race_ids", "all",
                                             "force_reprediction", "limit", "workers", "chunk_size",
                                             "max_memory_mb", "retries", "model_id", "priority", "notify"};
  return keys;
}

}  // namespace paddock
