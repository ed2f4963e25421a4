// /api/jobs...: the job manager over HTTP (docs/rest-api.md, "Jobs"). Every call goes through
// BatchJobManager, as `paddock jobs` does, so the queue, the dead-job check and the rules on
// what a job's state allows are the same from the page as from the shell.
#include <fmt/format.h>

#include <filesystem>
#include <sstream>

#include "core/identifier.h"
#include "engine/prediction_export.h"
#include "engine/race_selection.h"
#include "jobs/job_json.h"
#include "options/predict_options.h"
#include "web/context.h"

namespace paddock::web {
namespace {

using httplib::Request;
using httplib::Response;

constexpr std::int64_t kMaxListedJobs = 10000;
constexpr std::int64_t kMaxLogRead = 1 << 20;

// The options of a launch or a preview: the flags of `paddock predict` by their JSON names
// (as a job row's config stores them), and a job id, checked by the one validation every job
// goes through.
Result<PredictOptions> launch_options(const Request& req, const Context& context) {
  PADDOCK_ASSIGN_OR_RETURN(nlohmann::json body, json_body(req));
  std::vector<std::string> keys = requested_option_keys();
  keys.emplace_back("job_id");
  PADDOCK_TRY(only_keys(body, keys));
  std::string job_id;
  if (body.contains("job_id") && !body["job_id"].is_null()) {
    if (!body["job_id"].is_string()) return make_error(ErrorCode::kInvalidArgument, "'job_id' is not a string");
    job_id = body["job_id"].get<std::string>();
    PADDOCK_TRY(validate_identifier(job_id, "job id"));
  }
  body.erase("job_id");
  PredictOptions base;
  base.db_path = context.options.db_path;
  base.quiet = true;
  PADDOCK_ASSIGN_OR_RETURN(PredictOptions options, options_from_json(body.dump(), base, ""));
  options.job_id = job_id;
  return options;
}

nlohmann::json jobs_json(const std::vector<BatchJobStatus>& jobs) {
  nlohmann::json list = nlohmann::json::array();
  for (const BatchJobStatus& job : jobs) list.push_back(to_json(job));
  return {{"jobs", list}};
}

Result<JobFilter> list_filter(const Request& req) {
  JobFilter filter;
  if (req.has_param("status") && !req.get_param_value("status").empty()) {
    std::stringstream names(req.get_param_value("status"));
    std::string name;
    while (std::getline(names, name, ',')) {
      const std::optional<JobStatus> status = parse_job_status(name);
      if (!status) {
        return make_error(ErrorCode::kInvalidArgument,
                          fmt::format("status: '{}' is not queued, running, completed, failed or cancelled",
                                      name.substr(0, 40)));
      }
      filter.statuses.push_back(*status);
    }
  }
  PADDOCK_ASSIGN_OR_RETURN(const std::optional<std::int64_t> limit, integer_param(req, "limit", 1, kMaxListedJobs));
  filter.limit = limit.value_or(100);
  return filter;
}

// One job's status as the answer, after a change made to it.
Status send_job(Context& context, Response& res, const std::string& job_id, int status = 200) {
  PADDOCK_ASSIGN_OR_RETURN(auto manager, context.managers.acquire());
  PADDOCK_ASSIGN_OR_RETURN(const BatchJobStatus job, manager->get_job_status(job_id));
  send_json(res, to_json(job), status);
  return ok_status();
}

Result<JobRow> existing_job(Database& db, const std::string& job_id) {
  PADDOCK_ASSIGN_OR_RETURN(const std::optional<JobRow> job, db.find_job(job_id));
  if (!job) return make_error(ErrorCode::kNotFound, fmt::format("no job '{}'", job_id));
  return *job;
}

// The model whose predictions a job's export holds: the job's, else the active one.
Result<ModelId> job_model(Database& db, const JobRow& job) {
  if (job.model_id) return *job.model_id;
  PADDOCK_ASSIGN_OR_RETURN(const std::optional<ModelRecord> active, db.active_model());
  if (!active) return make_error(ErrorCode::kFailedPrecondition, "the job has no model and no model is active");
  return active->id;
}

Status list_jobs(Context& context, const Request& req, Response& res) {
  PADDOCK_ASSIGN_OR_RETURN(const JobFilter filter, list_filter(req));
  PADDOCK_ASSIGN_OR_RETURN(auto manager, context.managers.acquire());
  PADDOCK_ASSIGN_OR_RETURN(const std::vector<BatchJobStatus> jobs, manager->list_jobs(filter));
  send_json(res, jobs_json(jobs));
  return ok_status();
}

Status active_jobs(Context& context, Response& res) {
  PADDOCK_ASSIGN_OR_RETURN(auto manager, context.managers.acquire());
  PADDOCK_ASSIGN_OR_RETURN(const std::vector<BatchJobStatus> jobs, manager->get_active_jobs());
  send_json(res, jobs_json(jobs));
  return ok_status();
}

Status launch(Context& context, const Request& req, Response& res) {
  PADDOCK_ASSIGN_OR_RETURN(PredictOptions options, launch_options(req, context));
  PADDOCK_ASSIGN_OR_RETURN(auto manager, context.managers.acquire());
  PADDOCK_ASSIGN_OR_RETURN(const std::string job_id, manager->launch_job(std::move(options)));
  PADDOCK_ASSIGN_OR_RETURN(const BatchJobStatus job, manager->get_job_status(job_id));
  send_json(res, {{"job_id", job_id}, {"job", to_json(job)}}, 201);
  return ok_status();
}

// What a launch with these options would select now: the count the Launch tab shows.
Status preview(Context& context, const Request& req, Response& res) {
  PADDOCK_ASSIGN_OR_RETURN(const PredictOptions options, launch_options(req, context));
  PADDOCK_ASSIGN_OR_RETURN(auto db, context.readers.acquire());
  ModelId model_id = 0;
  if (options.model_id) {
    PADDOCK_ASSIGN_OR_RETURN(const std::optional<ModelRecord> model, db->find_model(*options.model_id));
    if (!model) return make_error(ErrorCode::kNotFound, fmt::format("model_id: no model {}", *options.model_id));
    model_id = model->id;
  } else {
    PADDOCK_ASSIGN_OR_RETURN(const std::optional<ModelRecord> active, db->active_model());
    if (!active) return make_error(ErrorCode::kFailedPrecondition, "no active model: train one, or choose model_id");
    model_id = active->id;
  }
  PADDOCK_ASSIGN_OR_RETURN(const RaceSelection selection, select_races(*db, options, model_id));
  send_json(res, {{"races", selection.races.size()}, {"unknown_race_ids", selection.unknown}, {"model_id", model_id}});
  return ok_status();
}

Status cleanup(Context& context, const Request& req, Response& res) {
  PADDOCK_ASSIGN_OR_RETURN(const nlohmann::json body, json_body(req));
  PADDOCK_TRY(only_keys(body, {"older_than_days"}));
  const nlohmann::json days = body.value("older_than_days", nlohmann::json(30));
  if (!days.is_number_integer() || days.get<std::int64_t>() < 0 || days.get<std::int64_t>() > 36500) {
    return make_error(ErrorCode::kInvalidArgument, "older_than_days: not an integer from 0 to 36500");
  }
  PADDOCK_ASSIGN_OR_RETURN(auto manager, context.managers.acquire());
  PADDOCK_ASSIGN_OR_RETURN(const std::int64_t deleted,
                           manager->cleanup_old_jobs(std::chrono::hours(24) * days.get<std::int64_t>()));
  send_json(res, {{"deleted", deleted}});
  return ok_status();
}

Status job_log(Context& context, const Request& req, Response& res, const std::string& job_id) {
  PADDOCK_ASSIGN_OR_RETURN(std::optional<std::int64_t> offset,
                           integer_param(req, "offset", 0, std::numeric_limits<std::int64_t>::max()));
  PADDOCK_ASSIGN_OR_RETURN(const std::optional<std::int64_t> tail, integer_param(req, "tail", 1, kMaxLogRead));
  PADDOCK_ASSIGN_OR_RETURN(auto manager, context.managers.acquire());
  bool cut = false;
  if (tail && !offset) {
    PADDOCK_ASSIGN_OR_RETURN(const BatchJobStatus job, manager->get_job_status(job_id));
    std::error_code error;
    const auto size = static_cast<std::int64_t>(std::filesystem::file_size(job.log_path, error));
    offset = error ? 0 : std::max<std::int64_t>(0, size - *tail);
    cut = *offset > 0;
  }
  PADDOCK_ASSIGN_OR_RETURN(LogChunk chunk, manager->read_log(job_id, offset.value_or(0), kMaxLogRead));
  if (cut) {  // start at a whole line
    const std::size_t line = chunk.text.find('\n');
    chunk.text.erase(0, line == std::string::npos ? 0 : line + 1);
  }
  send_json(res, {{"text", chunk.text}, {"next_offset", chunk.next_offset}, {"job_finished", chunk.job_finished}});
  return ok_status();
}

Status failed_races(Context& context, Response& res, const std::string& job_id) {
  PADDOCK_ASSIGN_OR_RETURN(auto db, context.readers.acquire());
  PADDOCK_TRY(existing_job(*db, job_id));
  PADDOCK_ASSIGN_OR_RETURN(const std::vector<JobRaceRow> rows, db->job_race_rows(job_id, JobRaceState::kFailed));
  RaceQuery query;
  query.with_runners_only = false;
  for (const JobRaceRow& row : rows) query.race_ids.push_back(row.race_id);
  std::map<RaceId, RaceSummary> races;
  if (!query.race_ids.empty()) {
    PADDOCK_ASSIGN_OR_RETURN(const std::vector<RaceSummary> found, db->list_races(query));
    for (const RaceSummary& race : found) races[race.id] = race;
  }
  nlohmann::json list = nlohmann::json::array();
  for (const JobRaceRow& row : rows) {
    nlohmann::json item{{"race_id", row.race_id}, {"attempts", row.attempts}, {"reason", row.reason}};
    const auto race = races.find(row.race_id);
    const bool known = race != races.end();
    item["race_date"] = known ? nlohmann::json(race->second.race_date) : nlohmann::json();
    item["venue"] = known ? nlohmann::json(race->second.venue) : nlohmann::json();
    item["meeting_no"] = known ? nlohmann::json(race->second.meeting_no) : nlohmann::json();
    item["race_no"] = known ? nlohmann::json(race->second.race_no) : nlohmann::json();
    list.push_back(std::move(item));
  }
  send_json(res, {{"races", list}});
  return ok_status();
}

Status job_csv(Context& context, Response& res, const std::string& job_id) {
  PADDOCK_ASSIGN_OR_RETURN(auto db, context.readers.acquire());
  PADDOCK_ASSIGN_OR_RETURN(const JobRow job, existing_job(*db, job_id));
  ExportQuery query;
  query.job_id = job_id;
  PADDOCK_ASSIGN_OR_RETURN(query.model_id, job_model(*db, job));
  std::ostringstream csv;
  PADDOCK_TRY(export_predictions_csv(*db, query, csv));
  res.set_header("Content-Disposition", fmt::format("attachment; filename=\"{}.csv\"", job_id));
  res.set_content(csv.str(), "text/csv; charset=utf-8");
  return ok_status();
}

Status queue_json(BatchJobManager& manager, Response& res) {
  PADDOCK_ASSIGN_OR_RETURN(const int limit, manager.max_running_jobs());
  PADDOCK_ASSIGN_OR_RETURN(const std::vector<BatchJobStatus> active, manager.get_active_jobs());
  std::int64_t running = 0;
  for (const BatchJobStatus& job : active) running += job.state == JobStatus::kRunning ? 1 : 0;
  send_json(res, {{"max_running", limit},
                  {"running", running},
                  {"queued", static_cast<std::int64_t>(active.size()) - running}});
  return ok_status();
}

Status set_queue(Context& context, const Request& req, Response& res) {
  PADDOCK_ASSIGN_OR_RETURN(const nlohmann::json body, json_body(req));
  PADDOCK_TRY(only_keys(body, {"max_running"}));
  const nlohmann::json limit = body.value("max_running", nlohmann::json());
  if (!limit.is_number_integer() || limit.get<std::int64_t>() < 1 || limit.get<std::int64_t>() > kMaxRunningJobsLimit) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("max_running: not an integer from 1 to {}", kMaxRunningJobsLimit));
  }
  PADDOCK_ASSIGN_OR_RETURN(auto manager, context.managers.acquire());
  PADDOCK_TRY(manager->set_max_running_jobs(static_cast<int>(limit.get<std::int64_t>())));
  PADDOCK_TRY(manager->dispatch());  // a higher limit starts queued jobs now
  return queue_json(*manager, res);
}

Status set_priority(Context& context, const Request& req, Response& res, const std::string& job_id) {
  PADDOCK_ASSIGN_OR_RETURN(const nlohmann::json body, json_body(req));
  PADDOCK_TRY(only_keys(body, {"priority"}));
  const nlohmann::json priority = body.value("priority", nlohmann::json());
  if (!priority.is_number_integer() || priority.get<std::int64_t>() < -kMaxPriority ||
      priority.get<std::int64_t>() > kMaxPriority) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("priority: not an integer from {} to {}", -kMaxPriority, kMaxPriority));
  }
  {
    PADDOCK_ASSIGN_OR_RETURN(auto manager, context.managers.acquire());
    PADDOCK_TRY(manager->set_priority(job_id, static_cast<int>(priority.get<std::int64_t>())));
  }
  return send_job(context, res, job_id);
}

// A route on one job: the id from the path, checked, then the body.
using JobBody = std::function<Status(const Request&, Response&, const std::string&)>;
httplib::Server::Handler job_route(Context& context, JobBody body) {
  return route(context, [body = std::move(body)](const Request& req, Response& res) -> Status {
    PADDOCK_ASSIGN_OR_RETURN(const std::string job_id, job_id_param(req, 1));
    return body(req, res, job_id);
  });
}

}  // namespace

void add_job_routes(httplib::Server& server, Context& context) {
  Context* c = &context;
  const std::string id = "/api/jobs/([^/]+)";
  // Fixed paths before the ones with an id, which would match them too.
  server.Get("/api/jobs", route(context, [c](const Request& req, Response& res) { return list_jobs(*c, req, res); }));
  server.Get("/api/jobs/active", route(context, [c](const Request&, Response& res) { return active_jobs(*c, res); }));
  server.Post("/api/jobs", route(context, [c](const Request& req, Response& res) { return launch(*c, req, res); }));
  server.Post("/api/jobs/preview", route(context, [c](const Request& req, Response& res) { return preview(*c, req, res); }));
  server.Post("/api/jobs/cleanup", route(context, [c](const Request& req, Response& res) { return cleanup(*c, req, res); }));
  server.Get("/api/queue", route(context, [c](const Request&, Response& res) -> Status {
    PADDOCK_ASSIGN_OR_RETURN(auto manager, c->managers.acquire());
    return queue_json(*manager, res);
  }));
  server.Post("/api/queue", route(context, [c](const Request& req, Response& res) { return set_queue(*c, req, res); }));

  server.Get(id, job_route(context, [c](const Request&, Response& res, const std::string& job) {
    return send_job(*c, res, job);
  }));
  server.Delete(id, job_route(context, [c](const Request&, Response& res, const std::string& job) -> Status {
    PADDOCK_ASSIGN_OR_RETURN(auto manager, c->managers.acquire());
    PADDOCK_TRY(manager->delete_job(job));
    send_json(res, {{"deleted", job}});
    return ok_status();
  }));
  server.Post(id + "/cancel", job_route(context, [c](const Request&, Response& res, const std::string& job) -> Status {
    {
      PADDOCK_ASSIGN_OR_RETURN(auto manager, c->managers.acquire());
      PADDOCK_TRY(manager->cancel_job(job));
    }
    return send_job(*c, res, job);
  }));
  server.Post(id + "/resume", job_route(context, [c](const Request&, Response& res, const std::string& job) -> Status {
    {
      PADDOCK_ASSIGN_OR_RETURN(auto manager, c->managers.acquire());
      PADDOCK_TRY(manager->resume_job(job));
    }
    return send_job(*c, res, job);
  }));
  server.Post(id + "/retry", job_route(context, [c](const Request&, Response& res, const std::string& job) -> Status {
    PADDOCK_ASSIGN_OR_RETURN(auto manager, c->managers.acquire());
    PADDOCK_ASSIGN_OR_RETURN(const std::string retry, manager->retry_failed(job));
    PADDOCK_ASSIGN_OR_RETURN(const BatchJobStatus status, manager->get_job_status(retry));
    send_json(res, {{"job_id", retry}, {"job", to_json(status)}}, 201);
    return ok_status();
  }));
  server.Post(id + "/priority", job_route(context, [c](const Request& req, Response& res, const std::string& job) {
    return set_priority(*c, req, res, job);
  }));
  server.Get(id + "/log", job_route(context, [c](const Request& req, Response& res, const std::string& job) {
    return job_log(*c, req, res, job);
  }));
  server.Get(id + "/failed-races", job_route(context, [c](const Request&, Response& res, const std::string& job) {
    return failed_races(*c, res, job);
  }));
  server.Get(id + "/notifications", job_route(context, [c](const Request&, Response& res, const std::string& job) -> Status {
    PADDOCK_ASSIGN_OR_RETURN(auto db, c->readers.acquire());
    PADDOCK_TRY(existing_job(*db, job));
    PADDOCK_ASSIGN_OR_RETURN(const std::vector<OutboxRow> rows, db->job_notifications(job));
    nlohmann::json list = nlohmann::json::array();
    for (const OutboxRow& row : rows) {
      list.push_back({{"channel", row.channel}, {"status", row.status}, {"attempts", row.attempts},
                      {"next_attempt_at", row.next_attempt_at}, {"delivered_at", row.delivered_at.empty() ? nlohmann::json() : nlohmann::json(row.delivered_at)},
                      {"last_error", row.last_error.empty() ? nlohmann::json() : nlohmann::json(row.last_error)}});
    }
    send_json(res, {{"notifications", list}});
    return ok_status();
  }));
  server.Get(id + "/predictions\\.csv", job_route(context, [c](const Request&, Response& res, const std::string& job) {
    return job_csv(*c, res, job);
  }));
}

}  // namespace paddock::web
