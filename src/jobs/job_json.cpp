#include "jobs/job_json.h"

namespace paddock {
namespace {

template <typename T>
nlohmann::json optional_json(const std::optional<T>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json();
}

nlohmann::json text_or_null(const std::string& text) { return text.empty() ? nlohmann::json() : nlohmann::json(text); }

}  // namespace

nlohmann::json to_json(const BatchJobStatus& s) {
  nlohmann::json config = nlohmann::json::parse(s.config, nullptr, false);
  if (config.is_discarded()) config = nlohmann::json();
  return {
      {"job_id", s.job_id},
      {"status", s.status},
      {"progress", s.progress},
      {"message", s.message},
      {"total_races", s.total_races},
      {"processed_races", s.processed_races},
      {"successful_races", s.successful_races},
      {"failed_races", s.failed_races},
      {"start_time", text_or_null(s.start_time)},
      {"end_time", text_or_null(s.end_time)},
      {"error", text_or_null(s.error)},
      {"config", config},
      {"is_running", s.is_running},
      {"is_completed", s.is_completed},
      {"throughput", s.throughput},
      {"eta_seconds", optional_json(s.eta_seconds)},
      {"memory_mb", s.memory_mb},
      {"peak_memory_mb", s.peak_memory_mb},
      {"priority", s.priority},
      {"attempt", s.attempt},
      {"pid", s.pid},
      {"host", text_or_null(s.host)},
      {"heartbeat_at", text_or_null(s.heartbeat_at)},
      {"model_id", optional_json(s.model_id)},
      {"log_path", text_or_null(s.log_path)},
      {"retry_of", text_or_null(s.retry_of)},
      {"created_at", text_or_null(s.created_at)},
      {"cancel_requested", s.cancel_requested},
      {"queue_position", optional_json(s.queue_position)},
  };
}

}  // namespace paddock
