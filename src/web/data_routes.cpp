// The API's reads of races, predictions and models, health and /metrics (docs/rest-api.md).
#include <fmt/format.h>

#include <cmath>
#include <sstream>

#include "engine/prediction_export.h"
#include "engine/race_card.h"
#include "features/history_index.h"
#include "model/evaluator.h"
#include "model/model.h"
#include "web/context.h"

namespace paddock::web {
namespace {

using httplib::Request;
using httplib::Response;

constexpr auto kEvaluationKept = std::chrono::minutes(10);

nlohmann::json optional_json(const std::optional<std::int64_t>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json();
}

nlohmann::json race_json(const RaceSummary& race) {
  return {{"race_id", race.id},          {"race_date", race.race_date},   {"venue", race.venue},
          {"meeting_no", race.meeting_no}, {"race_no", race.race_no},       {"name", race.name},
          {"discipline", race.discipline}, {"distance_m", race.distance_m}, {"prize_eur", optional_json(race.prize_eur)},
          {"is_quinte", race.is_quinte},   {"status", race.status},         {"declared", race.declared},
          {"starters", race.starters}};
}

// The model a read is about: ?model=ID, else the active one.
Result<ModelId> chosen_model(Database& db, const Request& req) {
  PADDOCK_ASSIGN_OR_RETURN(const std::optional<std::int64_t> id,
                           integer_param(req, "model", 1, std::numeric_limits<std::int64_t>::max()));
  if (id) {
    PADDOCK_ASSIGN_OR_RETURN(const std::optional<ModelRecord> model, db.find_model(*id));
    if (!model) return make_error(ErrorCode::kNotFound, fmt::format("no model {}", *id));
    return model->id;
  }
  PADDOCK_ASSIGN_OR_RETURN(const std::optional<ModelRecord> active, db.active_model());
  if (!active) return make_error(ErrorCode::kFailedPrecondition, "no active model: train one, or pass model=");
  return active->id;
}

Result<Day> required_day(const Request& req, const char* name) {
  PADDOCK_ASSIGN_OR_RETURN(const std::optional<Day> day, day_param(req, name));
  if (!day) return make_error(ErrorCode::kInvalidArgument, fmt::format("{}: required (YYYY-MM-DD)", name));
  return *day;
}

// A race's runners ranked, with the market beside the model: odds normalised over the race
// (only when every runner has odds), the Quinté+ pick (the first five of a Quinté+ race) and,
// once the result is in, the hits: a pick that finished in the first five (Quinté+), or a top
// pick that won (any other race).
nlohmann::json runners_json(const RaceSummary& race, const std::vector<ExportRow>& rows) {
  double inverse_odds = 0.0;
  bool complete = !rows.empty();
  for (const ExportRow& row : rows) {
    if (row.odds && *row.odds > 1.0) {
      inverse_odds += 1.0 / *row.odds;
    } else {
      complete = false;
    }
  }
  nlohmann::json runners = nlohmann::json::array();
  for (const ExportRow& row : rows) {
    const bool in_pick = race.is_quinte && row.predicted_rank <= 5;
    const bool finished = row.finish_position.has_value();
    bool hit = false;
    if (finished) hit = race.is_quinte ? in_pick && *row.finish_position <= 5 : row.predicted_rank == 1 && *row.finish_position == 1;
    runners.push_back({{"number", row.number},
                       {"horse", row.horse},
                       {"jockey", row.jockey},
                       {"win_probability", row.win_probability},
                       {"predicted_rank", row.predicted_rank},
                       {"odds", row.odds ? nlohmann::json(*row.odds) : nlohmann::json()},
                       {"market_probability",
                        complete ? nlohmann::json((1.0 / *row.odds) / inverse_odds) : nlohmann::json()},
                       {"finish_position", finished ? nlohmann::json(*row.finish_position) : nlohmann::json()},
                       {"incident", row.incident},
                       {"in_quinte_pick", in_pick},
                       {"hit", hit}});
  }
  return runners;
}

// The races with their predictions by `model` (races it has not predicted have none).
Result<nlohmann::json> predicted_races(Database& db, const std::vector<RaceSummary>& races, ModelId model) {
  std::map<RaceId, std::vector<ExportRow>> rows;
  if (!races.empty()) {
    ExportQuery query;
    query.model_id = model;
    for (const RaceSummary& race : races) query.race_ids.push_back(race.id);
    PADDOCK_TRY(db.for_each_export_row(query, [&](const ExportRow& row) { rows[row.race_id].push_back(row); }));
  }
  nlohmann::json list = nlohmann::json::array();
  for (const RaceSummary& race : races) {
    nlohmann::json item = race_json(race);
    std::vector<ExportRow>& runners = rows[race.id];
    std::sort(runners.begin(), runners.end(),
              [](const ExportRow& a, const ExportRow& b) { return a.predicted_rank < b.predicted_rank; });
    item["predicted"] = !runners.empty();
    item["runners"] = runners_json(race, runners);
    nlohmann::json winner;
    for (const ExportRow& row : runners) {
      if (row.finish_position == 1) winner = row.number;
    }
    item["winner_number"] = winner;
    list.push_back(std::move(item));
  }
  return list;
}

Status day_predictions(Context& context, const Request& req, Response& res) {
  PADDOCK_ASSIGN_OR_RETURN(const Day day, required_day(req, "date"));
  PADDOCK_ASSIGN_OR_RETURN(auto db, context.readers.acquire());
  PADDOCK_ASSIGN_OR_RETURN(const ModelId model, chosen_model(*db, req));
  RaceQuery query;
  query.from = query.to = day;
  PADDOCK_ASSIGN_OR_RETURN(const std::vector<RaceSummary> races, db->list_races(query));
  PADDOCK_ASSIGN_OR_RETURN(nlohmann::json list, predicted_races(*db, races, model));
  send_json(res, {{"model_id", model}, {"date", format_day(day)}, {"races", std::move(list)}});
  return ok_status();
}

Status race_prediction(Context& context, const Request& req, Response& res) {
  const std::string text = req.matches[1];
  PADDOCK_ASSIGN_OR_RETURN(auto db, context.readers.acquire());
  PADDOCK_ASSIGN_OR_RETURN(const ModelId model, chosen_model(*db, req));
  RaceQuery query;
  query.race_ids.push_back(std::stoll(text));  // the route's pattern is 1 to 18 digits
  PADDOCK_ASSIGN_OR_RETURN(const std::vector<RaceSummary> races, db->list_races(query));
  if (races.empty()) return make_error(ErrorCode::kNotFound, fmt::format("no race {}", text));
  PADDOCK_ASSIGN_OR_RETURN(nlohmann::json list, predicted_races(*db, races, model));
  nlohmann::json race = std::move(list.at(0));
  race["model_id"] = model;
  send_json(res, race);
  return ok_status();
}

// `paddock card` as JSON: the day's races (or one), stored predictions or predicted now.
Status day_card(Context& context, const Request& req, Response& res) {
  CardOptions options;
  options.db_path = context.options.db_path;
  PADDOCK_ASSIGN_OR_RETURN(options.day, required_day(req, "date"));
  PADDOCK_ASSIGN_OR_RETURN(options.race, integer_param(req, "race", 1, std::numeric_limits<std::int64_t>::max()));
  PADDOCK_ASSIGN_OR_RETURN(options.model, integer_param(req, "model", 1, std::numeric_limits<std::int64_t>::max()));
  if (req.has_param("value_threshold")) {
    const std::string text = req.get_param_value("value_threshold");
    char* end = nullptr;
    const double value = std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size() || !(value >= 0.0 && value <= 100.0)) {
      return make_error(ErrorCode::kInvalidArgument, fmt::format("value_threshold: '{}' is not a number from 0 to 100", text));
    }
    options.value_threshold = value;
  }
  PADDOCK_ASSIGN_OR_RETURN(const DayCard card, build_day_card(options));
  res.set_content(card_json(card), "application/json");
  return ok_status();
}

Status day_csv(Context& context, const Request& req, Response& res) {
  PADDOCK_ASSIGN_OR_RETURN(const Day day, required_day(req, "date"));
  PADDOCK_ASSIGN_OR_RETURN(auto db, context.readers.acquire());
  ExportQuery query;
  query.from = query.to = day;
  PADDOCK_ASSIGN_OR_RETURN(query.model_id, chosen_model(*db, req));
  std::ostringstream csv;
  PADDOCK_TRY(export_predictions_csv(*db, query, csv));
  res.set_header("Content-Disposition", fmt::format("attachment; filename=\"predictions-{}.csv\"", format_day(day)));
  res.set_content(csv.str(), "text/csv; charset=utf-8");
  return ok_status();
}

Status list_races(Context& context, const Request& req, Response& res) {
  PADDOCK_ASSIGN_OR_RETURN(const Day day, required_day(req, "date"));
  PADDOCK_ASSIGN_OR_RETURN(auto db, context.readers.acquire());
  RaceQuery query;
  query.from = query.to = day;
  PADDOCK_ASSIGN_OR_RETURN(const std::vector<RaceSummary> races, db->list_races(query));
  nlohmann::json list = nlohmann::json::array();
  for (const RaceSummary& race : races) list.push_back(race_json(race));
  send_json(res, {{"races", list}});
  return ok_status();
}

Status race_days(Context& context, const Request& req, Response& res) {
  PADDOCK_ASSIGN_OR_RETURN(const std::optional<std::int64_t> limit, integer_param(req, "limit", 1, 3660));
  PADDOCK_ASSIGN_OR_RETURN(auto db, context.readers.acquire());
  PADDOCK_ASSIGN_OR_RETURN(const ModelId model, chosen_model(*db, req));
  PADDOCK_ASSIGN_OR_RETURN(const std::vector<RaceDaySummary> days,
                           db->race_days(model, static_cast<int>(limit.value_or(60))));
  nlohmann::json list = nlohmann::json::array();
  for (const RaceDaySummary& day : days) {
    list.push_back({{"date", day.date}, {"races", day.races}, {"finished", day.finished}, {"predicted", day.predicted}});
  }
  send_json(res, {{"model_id", model}, {"days", list}});
  return ok_status();
}

Status list_models(Context& context, Response& res) {
  PADDOCK_ASSIGN_OR_RETURN(auto db, context.readers.acquire());
  PADDOCK_ASSIGN_OR_RETURN(const std::vector<ModelRecord> models, db->list_models());
  nlohmann::json list = nlohmann::json::array();
  for (const ModelRecord& model : models) {
    nlohmann::json metrics = nlohmann::json::parse(model.metrics_json, nullptr, false);
    if (metrics.is_discarded()) metrics = nlohmann::json();
    list.push_back({{"id", model.id},
                    {"name", model.name},
                    {"path", model.path},
                    {"created_at", model.created_at},
                    {"feature_set", model.feature_set},
                    {"is_active", model.active},
                    {"metrics", metrics}});
  }
  send_json(res, {{"models", list}});
  return ok_status();
}

Status activate_model(Context& context, const Request& req, Response& res) {
  PADDOCK_ASSIGN_OR_RETURN(const nlohmann::json body, json_body(req));
  PADDOCK_TRY(only_keys(body, {}));
  const ModelId id = std::stoll(std::string(req.matches[1]));
  PADDOCK_ASSIGN_OR_RETURN(auto db, context.writers.acquire());
  PADDOCK_ASSIGN_OR_RETURN(const std::optional<ModelRecord> model, db->find_model(id));
  if (!model) return make_error(ErrorCode::kNotFound, fmt::format("no model {}", id));
  PADDOCK_TRY(db->activate_model(id));
  send_json(res, {{"activated", id}});
  return ok_status();
}

nlohmann::json evaluation_json(const EvaluationReport& report) {
  nlohmann::json predictors = nlohmann::json::array();
  for (const MetricsSummary& m : report.predictors) {
    nlohmann::json calibration = nlohmann::json::array();
    for (const CalibrationBucket& b : m.calibration) {
      calibration.push_back({{"low", b.low},
                             {"high", b.high},
                             {"runners", b.runners},
                             {"mean_probability", b.mean_probability},
                             {"win_rate", b.win_rate}});
    }
    predictors.push_back({{"name", m.name},
                          {"races", m.races},
                          {"winner_hit", m.winner_hit},
                          {"winner_in_top3", m.winner_in_top3},
                          {"top5_overlap", m.top5_overlap},
                          {"ndcg5", m.ndcg5},
                          {"log_loss", m.log_loss},
                          {"uniform_log_loss", m.uniform_log_loss},
                          {"pseudo_r2", m.pseudo_r2},
                          {"quinte_races", m.quinte_races},
                          {"quinte_ordre", m.quinte_ordre},
                          {"quinte_desordre", m.quinte_desordre},
                          {"quinte_bonus4", m.quinte_bonus4},
                          {"quinte_bonus3", m.quinte_bonus3},
                          {"calibration", calibration}});
  }
  return {{"from", report.from},
          {"to", report.to},
          {"races_considered", report.races_considered},
          {"races_scored", report.races_scored},
          {"races_without_features", report.races_without_features},
          {"races_without_odds", report.races_without_odds},
          {"has_truth", report.has_truth},
          {"predictors", predictors}};
}

// `paddock evaluate` for one model: every finished race of the days scored again (not read
// from a job's predictions), so any registered model can be judged. Kept for ten minutes.
Status model_evaluation(Context& context, const Request& req, Response& res) {
  const ModelId id = std::stoll(std::string(req.matches[1]));
  EvaluateOptions options;
  PADDOCK_ASSIGN_OR_RETURN(options.from, day_param(req, "from"));
  PADDOCK_ASSIGN_OR_RETURN(options.to, day_param(req, "to"));
  const std::string key = fmt::format("{}:{}:{}", id, req.get_param_value("from"), req.get_param_value("to"));
  // One evaluation at a time: a second request for the same waits and takes the first's answer.
  const std::lock_guard<std::mutex> lock(context.evaluation_mutex);
  const auto now = std::chrono::steady_clock::now();
  const auto kept = context.evaluations.find(key);
  if (kept != context.evaluations.end() && now - kept->second.first < kEvaluationKept) {
    send_json(res, kept->second.second);
    return ok_status();
  }
  PADDOCK_ASSIGN_OR_RETURN(auto db, context.readers.acquire());
  PADDOCK_ASSIGN_OR_RETURN(const std::optional<ModelRecord> record, db->find_model(id));
  if (!record) return make_error(ErrorCode::kNotFound, fmt::format("no model {}", id));
  PADDOCK_ASSIGN_OR_RETURN(Model model, Model::load(record->path));
  PADDOCK_TRY(db->begin_read());
  Result<EvaluationReport> report = [&]() -> Result<EvaluationReport> {
    PADDOCK_ASSIGN_OR_RETURN(const std::optional<Day> dirty, db->history_dirty_from());
    PADDOCK_ASSIGN_OR_RETURN(const HistoryIndex history,
                             dirty ? HistoryIndex::load(*db) : HistoryIndex::load_stored(*db, nullptr));
    return evaluate_model(*db, model, history, options);
  }();
  db->rollback();  // the read transaction
  if (!report.ok()) return report.error();
  nlohmann::json body = evaluation_json(*report);
  body["model_id"] = id;
  body["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - now).count();
  context.evaluations[key] = {now, body};
  send_json(res, body);
  return ok_status();
}

Status health(Context& context, Response& res) {
  PADDOCK_ASSIGN_OR_RETURN(auto manager, context.managers.acquire());
  PADDOCK_ASSIGN_OR_RETURN(const std::vector<BatchJobStatus> active, manager->get_active_jobs());
  std::int64_t running = 0;
  for (const BatchJobStatus& job : active) running += job.state == JobStatus::kRunning ? 1 : 0;
  const double uptime = std::chrono::duration<double>(std::chrono::steady_clock::now() - context.started).count();
  send_json(res, {{"status", "ok"},
                  {"database", context.options.db_path},
                  {"jobs", {{"running", running}, {"queued", static_cast<std::int64_t>(active.size()) - running}}},
                  {"event_streams", context.hub.streams()},
                  {"uptime_seconds", std::round(uptime)}});
  return ok_status();
}

std::string label_value(const std::string& text) {
  std::string out;
  for (const char ch : text) {
    if (ch == '\\' || ch == '"') out += '\\';
    if (ch == '\n') {
      out += "\\n";
      continue;
    }
    out += ch;
  }
  return out;
}

// Prometheus text format (version 0.0.4).
Status metrics(Context& context, Response& res) {
  PADDOCK_ASSIGN_OR_RETURN(auto db, context.readers.acquire());
  PADDOCK_ASSIGN_OR_RETURN(const std::vector<JobRow> jobs, db->list_jobs(JobFilter{}));
  std::map<std::string, std::int64_t> by_state{
      {"queued", 0}, {"running", 0}, {"completed", 0}, {"failed", 0}, {"cancelled", 0}};
  std::int64_t predicted = 0;
  std::int64_t failed = 0;
  std::string throughput;
  for (const JobRow& row : jobs) {
    const BatchJobStatus job = BatchJobStatus::from_row(row);
    ++by_state[job.status];
    predicted += job.successful_races;
    failed += job.failed_races;
    if (job.state == JobStatus::kRunning) {
      throughput += fmt::format("paddock_job_throughput_races_per_second{{job_id=\"{}\"}} {}\n",
                                label_value(job.job_id), job.throughput);
    }
  }
  std::string out;
  out += "# HELP paddock_jobs Jobs in the database by state.\n# TYPE paddock_jobs gauge\n";
  for (const auto& [state, count] : by_state) out += fmt::format("paddock_jobs{{state=\"{}\"}} {}\n", state, count);
  out += "# HELP paddock_races_predicted_total Races predicted by the jobs in the database.\n";
  out += fmt::format("# TYPE paddock_races_predicted_total counter\npaddock_races_predicted_total {}\n", predicted);
  out += "# HELP paddock_races_failed_total Races that failed in the jobs in the database.\n";
  out += fmt::format("# TYPE paddock_races_failed_total counter\npaddock_races_failed_total {}\n", failed);
  out += "# HELP paddock_job_throughput_races_per_second Races per second of each running job.\n";
  out += "# TYPE paddock_job_throughput_races_per_second gauge\n" + throughput;
  out += "# HELP paddock_http_requests_total HTTP requests served.\n";
  out += fmt::format("# TYPE paddock_http_requests_total counter\npaddock_http_requests_total {}\n",
                     context.requests.load());
  out += "# HELP paddock_http_server_errors_total Requests answered 500.\n";
  out += fmt::format("# TYPE paddock_http_server_errors_total counter\npaddock_http_server_errors_total {}\n",
                     context.server_errors.load());
  out += "# HELP paddock_sse_clients Open event streams.\n";
  out += fmt::format("# TYPE paddock_sse_clients gauge\npaddock_sse_clients {}\n", context.hub.streams());
  res.set_content(out, "text/plain; version=0.0.4; charset=utf-8");
  return ok_status();
}

}  // namespace

void add_data_routes(httplib::Server& server, Context& context) {
  Context* c = &context;
  server.Get("/api/health", route(context, [c](const Request&, Response& res) { return health(*c, res); }));
  server.Get("/metrics", route(context, [c](const Request&, Response& res) { return metrics(*c, res); }));
  server.Get("/api/races", route(context, [c](const Request& req, Response& res) { return list_races(*c, req, res); }));
  server.Get("/api/days", route(context, [c](const Request& req, Response& res) { return race_days(*c, req, res); }));
  server.Get("/api/predictions", route(context, [c](const Request& req, Response& res) {
    return day_predictions(*c, req, res);
  }));
  server.Get("/api/card", route(context, [c](const Request& req, Response& res) { return day_card(*c, req, res); }));
  server.Get("/api/predictions\\.csv", route(context, [c](const Request& req, Response& res) {
    return day_csv(*c, req, res);
  }));
  server.Get("/api/predictions/race/([0-9]{1,18})", route(context, [c](const Request& req, Response& res) {
    return race_prediction(*c, req, res);
  }));
  server.Get("/api/models", route(context, [c](const Request&, Response& res) { return list_models(*c, res); }));
  server.Post("/api/models/([0-9]{1,18})/activate", route(context, [c](const Request& req, Response& res) {
    return activate_model(*c, req, res);
  }));
  server.Get("/api/models/([0-9]{1,18})/evaluation", route(context, [c](const Request& req, Response& res) {
    return model_evaluation(*c, req, res);
  }));
}

}  // namespace paddock::web
