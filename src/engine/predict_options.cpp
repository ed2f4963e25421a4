#include "engine/predict_options.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <thread>

namespace paddock {

int PredictOptions::resolved_workers() const {
  if (workers > 0) return workers;
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
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
  j["model_id"] = o.model_id ? nlohmann::json(*o.model_id) : nlohmann::json();
  j["log_dir"] = o.log_dir;
  j["priority"] = o.priority;
  return j.dump();
}

Result<PredictOptions> options_from_json(const std::string& json, PredictOptions base) {
  try {
    const nlohmann::json j = nlohmann::json::parse(json);
    auto day = [&](const char* key) -> Result<std::optional<Day>> {
      if (!j.contains(key) || j[key].is_null()) return std::optional<Day>();
      PADDOCK_ASSIGN_OR_RETURN(const Day d, parse_day(j[key].get<std::string>()));
      return std::optional<Day>(d);
    };
    PADDOCK_ASSIGN_OR_RETURN(base.date, day("date"));
    PADDOCK_ASSIGN_OR_RETURN(base.from, day("from"));
    PADDOCK_ASSIGN_OR_RETURN(base.to, day("to"));
    base.race_ids = j.value("race_ids", std::vector<RaceId>());
    base.all = j.value("all", false);
    base.force_reprediction = j.value("force_reprediction", false);
    base.limit = j.contains("limit") && !j["limit"].is_null() ? std::optional<std::int64_t>(j["limit"].get<std::int64_t>())
                                                             : std::nullopt;
    base.workers = j.value("workers", base.workers);
    base.chunk_size = j.value("chunk_size", base.chunk_size);
    base.max_memory_mb = j.value("max_memory_mb", base.max_memory_mb);
    base.model_id = j.contains("model_id") && !j["model_id"].is_null()
                        ? std::optional<ModelId>(j["model_id"].get<ModelId>())
                        : std::nullopt;
    base.log_dir = j.value("log_dir", base.log_dir);
    base.priority = j.value("priority", base.priority);
    return base;
  } catch (const nlohmann::json::exception& e) {
    return make_error(ErrorCode::kInvalidArgument, fmt::format("job config is not valid JSON: {}", e.what()));
  }
}

}  // namespace paddock
