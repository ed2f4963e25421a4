// /api/schedules...: schedules over HTTP (docs/rest-api.md, "Schedules"), the same calls as
// `paddock schedules`.
#include <fmt/format.h>

#include "schedule/scheduler.h"
#include "web/context.h"

namespace paddock::web {
namespace {

using httplib::Request;
using httplib::Response;

const std::vector<std::string> kScheduleKeys{"name", "cron", "time_zone", "options", "grace_seconds", "paused"};

Result<ScheduleRow> existing(Database& db, const Request& req) {
  const std::string key = req.matches[1];
  PADDOCK_ASSIGN_OR_RETURN(const std::optional<ScheduleRow> row, db.find_schedule(key));
  if (!row) return make_error(ErrorCode::kNotFound, fmt::format("no schedule '{}'", key.substr(0, 80)));
  return *row;
}

Status send_schedule(Database& db, Response& res, const ScheduleRow& row, int status = 200) {
  PADDOCK_ASSIGN_OR_RETURN(const ScheduleView view, view_schedule(db, row, now_seconds()));
  send_json(res, nlohmann::json::parse(schedule_json(view)), status);
  return ok_status();
}

// The fields of an add or an edit, over `row`.
Status apply_fields(const nlohmann::json& body, ScheduleRow& row) {
  PADDOCK_TRY(only_keys(body, kScheduleKeys));
  const auto text = [&](const char* key, std::string& out) -> Status {
    if (!body.contains(key)) return ok_status();
    if (!body[key].is_string()) return make_error(ErrorCode::kInvalidArgument, fmt::format("'{}' is not a string", key));
    out = body[key].get<std::string>();
    return ok_status();
  };
  PADDOCK_TRY(text("name", row.name));
  PADDOCK_TRY(text("cron", row.cron));
  PADDOCK_TRY(text("time_zone", row.time_zone));
  if (body.contains("options")) {
    if (!body["options"].is_object()) return make_error(ErrorCode::kInvalidArgument, "'options' is not a JSON object");
    row.template_json = body["options"].dump();
  }
  if (body.contains("grace_seconds")) {
    if (!body["grace_seconds"].is_number_integer()) {
      return make_error(ErrorCode::kInvalidArgument, "'grace_seconds' is not an integer");
    }
    row.grace_seconds = body["grace_seconds"].get<std::int64_t>();
  }
  if (body.contains("paused")) {
    if (!body["paused"].is_boolean()) return make_error(ErrorCode::kInvalidArgument, "'paused' is not true or false");
    row.paused = body["paused"].get<bool>();
  }
  return ok_status();
}

Status list(Context& c, Response& res) {
  PADDOCK_ASSIGN_OR_RETURN(auto db, c.readers.acquire());
  PADDOCK_ASSIGN_OR_RETURN(const std::vector<ScheduleRow> rows, db->list_schedules());
  nlohmann::json all = nlohmann::json::array();
  for (const ScheduleRow& row : rows) {
    PADDOCK_ASSIGN_OR_RETURN(const ScheduleView view, view_schedule(*db, row, now_seconds(), 5, 10));
    all.push_back(nlohmann::json::parse(schedule_json(view)));
  }
  send_json(res, {{"schedules", all}});
  return ok_status();
}

Status add(Context& c, const Request& req, Response& res) {
  PADDOCK_ASSIGN_OR_RETURN(const nlohmann::json body, json_body(req));
  ScheduleRow row;
  row.grace_seconds = kDefaultGraceSeconds;
  PADDOCK_TRY(apply_fields(body, row));
  row.created_at = row.checked_until = format_utc(now_seconds());
  PADDOCK_TRY(validate_schedule(row, c.options.db_path));
  PADDOCK_ASSIGN_OR_RETURN(auto db, c.writers.acquire());
  PADDOCK_ASSIGN_OR_RETURN(row.id, db->insert_schedule(row));
  return send_schedule(*db, res, row, 201);
}

Status edit(Context& c, const Request& req, Response& res) {
  PADDOCK_ASSIGN_OR_RETURN(const nlohmann::json body, json_body(req));
  PADDOCK_ASSIGN_OR_RETURN(auto db, c.writers.acquire());
  PADDOCK_ASSIGN_OR_RETURN(ScheduleRow row, existing(*db, req));
  const bool was_paused = row.paused;
  const std::string name = row.name;
  PADDOCK_TRY(apply_fields(body, row));
  if (row.name != name) return make_error(ErrorCode::kInvalidArgument, "a schedule's name cannot change");
  PADDOCK_TRY(validate_schedule(row, c.options.db_path));
  if (was_paused && !row.paused) row.checked_until = format_utc(now_seconds());  // resumes from now
  PADDOCK_TRY(db->update_schedule(row));
  return send_schedule(*db, res, row);
}

// What a cron expression means and when it fires next: the form's live help.
Status preview(const Request& req, Response& res) {
  PADDOCK_ASSIGN_OR_RETURN(const nlohmann::json body, json_body(req));
  PADDOCK_TRY(only_keys(body, {"cron", "time_zone", "count"}));
  if (!body.contains("cron") || !body["cron"].is_string()) {
    return make_error(ErrorCode::kInvalidArgument, "'cron' is required, as a string");
  }
  const std::string zone_name = body.value("time_zone", std::string("Europe/Paris"));
  const nlohmann::json count_value = body.value("count", nlohmann::json(5));
  if (!count_value.is_number_integer() || count_value.get<int>() < 1 || count_value.get<int>() > 50) {
    return make_error(ErrorCode::kInvalidArgument, "'count' is not an integer from 1 to 50");
  }
  PADDOCK_ASSIGN_OR_RETURN(const CronExpression cron, CronExpression::parse(body["cron"].get<std::string>()));
  PADDOCK_ASSIGN_OR_RETURN(const date::time_zone* zone, find_time_zone(zone_name));
  nlohmann::json utc = nlohmann::json::array();
  nlohmann::json local = nlohmann::json::array();
  SysSeconds after = now_seconds();
  for (int i = 0; i < count_value.get<int>(); ++i) {
    const std::optional<SysSeconds> next = cron.next_after(after, *zone);
    if (!next) break;
    utc.push_back(format_utc(*next));
    local.push_back(format_local(*next, *zone));
    after = *next;
  }
  send_json(res, {{"cron", cron.text()},
                  {"description", cron.describe()},
                  {"time_zone", zone_name},
                  {"next_fire_times", utc},
                  {"next_fire_times_local", local}});
  return ok_status();
}

}  // namespace

void add_schedule_routes(httplib::Server& server, Context& context) {
  Context* c = &context;
  const std::string id = "/api/schedules/([A-Za-z0-9_.-]{1,128})";
  server.Get("/api/schedules", route(context, [c](const Request&, Response& res) { return list(*c, res); }));
  server.Post("/api/schedules", route(context, [c](const Request& req, Response& res) { return add(*c, req, res); }));
  server.Post("/api/schedules/preview", route(context, [](const Request& req, Response& res) { return preview(req, res); }));
  server.Get(id, route(context, [c](const Request& req, Response& res) -> Status {
    PADDOCK_ASSIGN_OR_RETURN(auto db, c->readers.acquire());
    PADDOCK_ASSIGN_OR_RETURN(const ScheduleRow row, existing(*db, req));
    return send_schedule(*db, res, row);
  }));
  server.Post(id, route(context, [c](const Request& req, Response& res) { return edit(*c, req, res); }));
  server.Post(id + "/pause", route(context, [c](const Request& req, Response& res) -> Status {
    PADDOCK_ASSIGN_OR_RETURN(auto db, c->writers.acquire());
    PADDOCK_ASSIGN_OR_RETURN(ScheduleRow row, existing(*db, req));
    row.paused = true;
    PADDOCK_TRY(db->update_schedule(row));
    return send_schedule(*db, res, row);
  }));
  server.Post(id + "/resume", route(context, [c](const Request& req, Response& res) -> Status {
    PADDOCK_ASSIGN_OR_RETURN(auto db, c->writers.acquire());
    PADDOCK_ASSIGN_OR_RETURN(ScheduleRow row, existing(*db, req));
    row.paused = false;
    row.checked_until = format_utc(now_seconds());
    PADDOCK_TRY(db->update_schedule(row));
    return send_schedule(*db, res, row);
  }));
  server.Post(id + "/run-now", route(context, [c](const Request& req, Response& res) -> Status {
    PADDOCK_ASSIGN_OR_RETURN(auto db, c->writers.acquire());
    PADDOCK_ASSIGN_OR_RETURN(const ScheduleRow row, existing(*db, req));
    PADDOCK_ASSIGN_OR_RETURN(auto manager, c->managers.acquire());
    PADDOCK_ASSIGN_OR_RETURN(const FireOutcome outcome, run_schedule_now(*db, *manager, row, now_seconds()));
    if (outcome.status == "failed") return make_error(ErrorCode::kFailedPrecondition, outcome.reason);
    if (outcome.status == "taken") return make_error(ErrorCode::kAlreadyExists, "the schedule was run this very second");
    send_json(res, {{"job_id", outcome.job_id}, {"fire_time", outcome.fire_time}}, 201);
    return ok_status();
  }));
  server.Delete(id, route(context, [c](const Request& req, Response& res) -> Status {
    PADDOCK_ASSIGN_OR_RETURN(auto db, c->writers.acquire());
    PADDOCK_ASSIGN_OR_RETURN(const ScheduleRow row, existing(*db, req));
    PADDOCK_TRY(db->delete_schedule(row.id));
    send_json(res, {{"deleted", row.name}});
    return ok_status();
  }));
}

}  // namespace paddock::web
