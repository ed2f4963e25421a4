#include "schedule/scheduler.h"

#include <date/date.h>
#include <date/tz.h>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

#include "core/date.h"
#include "core/identifier.h"
#include "options/predict_options.h"

namespace paddock {
namespace {

constexpr std::size_t kMaxNameLength = 80;  // leaves room for the fire time in a job id

Day local_day(SysSeconds time, const date::time_zone& zone) {
  const date::local_days day = date::floor<date::days>(zone.to_local(time));
  return static_cast<Day>(day.time_since_epoch().count());
}

struct Loaded {
  CronExpression cron;
  const date::time_zone* zone;
};

Result<Loaded> load(const ScheduleRow& schedule) {
  PADDOCK_ASSIGN_OR_RETURN(CronExpression cron, CronExpression::parse(schedule.cron));
  PADDOCK_ASSIGN_OR_RETURN(const date::time_zone* zone, find_time_zone(schedule.time_zone));
  return Loaded{std::move(cron), zone};
}

}  // namespace

SysSeconds now_seconds() { return date::floor<std::chrono::seconds>(std::chrono::system_clock::now()); }

Result<Day> resolve_schedule_day(const std::string& text, Day today) {
  if (text == "today") return today;
  if (text == "tomorrow") return today + 1;
  if (text == "yesterday") return today - 1;
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
    int offset = 0;
    const auto [end, ec] = std::from_chars(text.data() + 1, text.data() + text.size(), offset);
    if (ec != std::errc() || end != text.data() + text.size() || offset > 3660) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("'{}' is not a number of days (+N or -N, up to 3660)", text.substr(0, 20)));
    }
    return text[0] == '+' ? today + offset : today - offset;
  }
  Result<Day> day = parse_day(text);
  if (!day.ok()) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("'{}' is not today, tomorrow, yesterday, +N, -N or a date YYYY-MM-DD",
                                  text.substr(0, 20)));
  }
  return *day;
}

Result<PredictOptions> schedule_job_options(const ScheduleRow& schedule, SysSeconds fire, const std::string& db_path) {
  nlohmann::json options = nlohmann::json::parse(schedule.template_json, nullptr, false);
  if (!options.is_object()) {
    return make_error(ErrorCode::kInvalidArgument, "schedule template: not a JSON object");
  }
  for (const auto& [key, value] : options.items()) {
    const auto& keys = requested_option_keys();
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("schedule template: '{}' is not an option of a job", key.substr(0, 40)));
    }
  }
  PADDOCK_ASSIGN_OR_RETURN(const Loaded loaded, load(schedule));
  const Day today = local_day(fire, *loaded.zone);
  for (const char* key : {"date", "from", "to"}) {
    if (!options.contains(key) || options[key].is_null()) continue;
    if (!options[key].is_string()) {
      return make_error(ErrorCode::kInvalidArgument, fmt::format("schedule template: '{}' is not a string", key));
    }
    Result<Day> day = resolve_schedule_day(options[key].get<std::string>(), today);
    if (!day.ok()) return make_error(ErrorCode::kInvalidArgument, fmt::format("schedule template: {}: {}", key, day.error().message));
    options[key] = format_day(*day);
  }
  PredictOptions base;
  base.db_path = db_path;
  base.quiet = true;
  PADDOCK_ASSIGN_OR_RETURN(PredictOptions resolved, options_from_json(options.dump(), base, "schedule template"));
  resolved.job_id = schedule_job_id(schedule, fire);
  return resolved;
}

std::string schedule_job_id(const ScheduleRow& schedule, SysSeconds fire) {
  const date::time_zone* zone = nullptr;
  Result<const date::time_zone*> found = find_time_zone(schedule.time_zone);
  zone = found.ok() ? *found : date::locate_zone("UTC");
  return schedule.name + "_" + date::format("%Y%m%d_%H%M%S", date::make_zoned(zone, fire));
}

Status validate_schedule(const ScheduleRow& schedule, const std::string& db_path) {
  PADDOCK_TRY(validate_identifier(schedule.name, "schedule name"));
  if (std::all_of(schedule.name.begin(), schedule.name.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return make_error(ErrorCode::kInvalidArgument, "schedule name: not only digits (a number names a schedule by id)");
  }
  if (schedule.name.size() > kMaxNameLength) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("schedule name: at most {} characters", kMaxNameLength));
  }
  if (schedule.grace_seconds < 0 || schedule.grace_seconds > 7 * 86400) {
    return make_error(ErrorCode::kInvalidArgument, "grace: from 0 to 7 days");
  }
  PADDOCK_ASSIGN_OR_RETURN(const Loaded loaded, load(schedule));
  if (!loaded.cron.next_after(now_seconds(), *loaded.zone)) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("cron '{}' never fires (no such day in the next eight years)", schedule.cron));
  }
  PADDOCK_TRY(schedule_job_options(schedule, now_seconds(), db_path));
  return ok_status();
}

namespace {

Result<FireOutcome> launch_run(Database& db, BatchJobManager& manager, const ScheduleRow& schedule, SysSeconds fire,
                               const std::string& note) {
  FireOutcome outcome{schedule.name, format_utc(fire), "launched", "", note};
  ScheduleRunRow run{schedule.id, outcome.fire_time, "launching", "", note, ""};
  PADDOCK_ASSIGN_OR_RETURN(const bool claimed, db.claim_schedule_run(run));
  if (!claimed) {
    outcome.status = "taken";  // another server recorded this fire time first
    return outcome;
  }
  Result<std::string> job = [&]() -> Result<std::string> {
    PADDOCK_ASSIGN_OR_RETURN(PredictOptions options, schedule_job_options(schedule, fire, manager.db_path()));
    return manager.launch_job(std::move(options));
  }();
  if (job.ok()) {
    run.status = "launched";
    run.job_id = *job;
  } else if (job.error().code == ErrorCode::kAlreadyExists) {  // launched before a crash
    run.status = "launched";
    run.job_id = schedule_job_id(schedule, fire);
  } else {
    run.status = "failed";
    run.reason = first_line(job.error().message);
  }
  PADDOCK_TRY(db.update_schedule_run(run));
  outcome.status = run.status;
  outcome.job_id = run.job_id;
  outcome.reason = run.reason;
  return outcome;
}

}  // namespace

Result<std::vector<FireOutcome>> fire_due_schedules(Database& db, BatchJobManager& manager, SysSeconds now) {
  PADDOCK_ASSIGN_OR_RETURN(const std::vector<ScheduleRow> schedules, db.list_schedules());
  std::vector<FireOutcome> outcomes;
  const std::string now_text = format_utc(now);
  for (const ScheduleRow& schedule : schedules) {
    if (schedule.paused || schedule.checked_until >= now_text) continue;
    Result<Loaded> loaded = load(schedule);
    Result<SysSeconds> after = parse_utc(schedule.checked_until);
    if (!loaded.ok() || !after.ok()) continue;  // refused when written; a hand edit: left alone
    const std::vector<SysSeconds> due = loaded->cron.fire_times(*after, now, *loaded->zone);
    for (std::size_t i = 0; i < due.size(); ++i) {
      const SysSeconds fire = due[i];
      const bool latest = i + 1 == due.size();
      const auto late = now - fire;
      if (latest && late <= std::chrono::seconds(schedule.grace_seconds)) {
        const std::string note = late > std::chrono::seconds(60)
                                     ? fmt::format("late by {} s (nothing fired schedules at its time)", late.count())
                                     : "";
        PADDOCK_ASSIGN_OR_RETURN(FireOutcome outcome, launch_run(db, manager, schedule, fire, note));
        if (outcome.status != "taken") outcomes.push_back(std::move(outcome));
        continue;
      }
      if (due.size() - i > kMaxRecordedMissedRuns + 1) continue;  // only the latest missed are recorded
      ScheduleRunRow run{schedule.id, format_utc(fire), "skipped", "",
                         latest ? fmt::format("missed: found {} s late, past the grace window of {} s", late.count(),
                                              schedule.grace_seconds)
                                : "missed: a later fire time was due too, and a schedule catches up once",
                         ""};
      PADDOCK_ASSIGN_OR_RETURN(const bool recorded, db.claim_schedule_run(run));
      if (recorded) outcomes.push_back({schedule.name, run.fire_time, run.status, "", run.reason});
    }
    PADDOCK_TRY(db.advance_schedule(schedule.id, now_text));
  }
  return outcomes;
}

Result<FireOutcome> run_schedule_now(Database& db, BatchJobManager& manager, const ScheduleRow& schedule,
                                     SysSeconds now) {
  return launch_run(db, manager, schedule, now, "run now");
}

Result<ScheduleView> view_schedule(Database& db, const ScheduleRow& schedule, SysSeconds now, int next_count,
                                   int run_count) {
  ScheduleView view;
  view.row = schedule;
  PADDOCK_ASSIGN_OR_RETURN(view.last_runs, db.schedule_runs(schedule.id, run_count));
  Result<Loaded> readable = load(schedule);
  if (!readable.ok()) {  // a hand edit, or a zone gone from the tz database: shown, never fired
    view.description = "cannot fire: " + readable.error().message;
    return view;
  }
  const Loaded& loaded = *readable;
  view.description = loaded.cron.describe();
  SysSeconds after = now;
  for (int i = 0; i < next_count; ++i) {
    const std::optional<SysSeconds> next = loaded.cron.next_after(after, *loaded.zone);
    if (!next) break;
    view.next_utc.push_back(format_utc(*next));
    view.next_local.push_back(format_local(*next, *loaded.zone));
    after = *next;
  }
  return view;
}

std::string schedule_json(const ScheduleView& view) {
  nlohmann::json runs = nlohmann::json::array();
  for (const ScheduleRunRow& run : view.last_runs) {
    runs.push_back({{"fire_time", run.fire_time},
                    {"status", run.status},
                    {"job_id", run.job_id.empty() ? nlohmann::json() : nlohmann::json(run.job_id)},
                    {"reason", run.reason.empty() ? nlohmann::json() : nlohmann::json(run.reason)},
                    {"recorded_at", run.recorded_at}});
  }
  nlohmann::json options = nlohmann::json::parse(view.row.template_json, nullptr, false);
  if (options.is_discarded()) options = nlohmann::json();
  const nlohmann::json out{{"id", view.row.id},
                           {"name", view.row.name},
                           {"cron", view.row.cron},
                           {"description", view.description},
                           {"time_zone", view.row.time_zone},
                           {"options", options},
                           {"paused", view.row.paused},
                           {"grace_seconds", view.row.grace_seconds},
                           {"created_at", view.row.created_at},
                           {"checked_until", view.row.checked_until},
                           {"next_fire_times", view.next_utc},
                           {"next_fire_times_local", view.next_local},
                           {"last_runs", runs}};
  return out.dump();
}

}  // namespace paddock
