// paddock schedules: batch jobs at the fire times of a cron expression (src/schedule). Schedules
// are stored in the database; `paddock serve` fires them, or `paddock schedules run` without
// the dashboard.
#include <fmt/format.h>

#include <chrono>
#include <csignal>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli_support.h"
#include "config_file.h"
#include "jobs/batch_job_manager.h"
#include "notify/notifier.h"
#include "schedule/scheduler.h"

namespace paddock::cli {
namespace {

struct SchedulesArgs {
  std::string db;
  std::string name;
  std::string cron;
  std::string time_zone = "Europe/Paris";
  int grace_minutes = 60;
  bool json = false;
  int count = 5;
  std::string after;
  // The job template: predict's flags, with days that may be relative.
  std::string date, from, to;
  std::vector<RaceId> race_ids;
  bool all = false;
  std::optional<std::int64_t> limit;
  std::optional<int> workers, chunk_size, max_memory_mb, retries, priority;
  std::optional<ModelId> model;
  std::string notify;
  int interval_seconds = 15;
};

nlohmann::json template_of(const SchedulesArgs& a) {
  nlohmann::json t = nlohmann::json::object();
  if (!a.date.empty()) t["date"] = a.date;
  if (!a.from.empty()) t["from"] = a.from;
  if (!a.to.empty()) t["to"] = a.to;
  if (!a.race_ids.empty()) t["race_ids"] = a.race_ids;
  if (a.all) t["all"] = true;
  if (a.limit) t["limit"] = *a.limit;
  if (a.workers) t["workers"] = *a.workers;
  if (a.chunk_size) t["chunk_size"] = *a.chunk_size;
  if (a.max_memory_mb) t["max_memory_mb"] = *a.max_memory_mb;
  if (a.retries) t["retries"] = *a.retries;
  if (a.priority) t["priority"] = *a.priority;
  if (a.model) t["model_id"] = *a.model;
  if (!a.notify.empty()) t["notify"] = a.notify;
  return t;
}

Result<ScheduleRow> existing(Database& db, const std::string& name) {
  PADDOCK_ASSIGN_OR_RETURN(const std::optional<ScheduleRow> row, db.find_schedule(name));
  if (!row) return make_error(ErrorCode::kNotFound, fmt::format("no schedule '{}' in '{}'", name, db.location()));
  return *row;
}

void print_view(const ScheduleView& v, bool json) {
  if (json) {
    fmt::print("{}\n", nlohmann::json::parse(schedule_json(v)).dump(2));
    return;
  }
  fmt::print("Schedule {} (id {}){}\n", v.row.name, v.row.id, v.row.paused ? "  [paused]" : "");
  fmt::print("  Cron:       {}  ({}, {})\n", v.row.cron, v.description, v.row.time_zone);
  fmt::print("  Job:        {}\n", v.row.template_json);
  fmt::print("  Grace:      {} min (a fire time found later than this is skipped)\n", v.row.grace_seconds / 60);
  fmt::print("  Next:       {}\n", v.next_local.empty() ? "never" : fmt::format("{}", fmt::join(v.next_local, "; ")));
  if (v.last_runs.empty()) {
    fmt::print("  Runs:       none yet\n");
    return;
  }
  fmt::print("  Runs:\n");
  for (const ScheduleRunRow& run : v.last_runs) {
    fmt::print("    {}  {:<9} {}{}\n", run.fire_time, run.status, run.job_id,
               run.reason.empty() ? "" : "  (" + run.reason + ")");
  }
}

int with_db(const std::string& path, Database::Access access, const std::function<Status(Database&)>& body) {
  Result<std::unique_ptr<Database>> db = open_db(path, access);
  if (!db.ok()) return report(db.error());
  const Status status = body(**db);
  return status.ok() ? kExitOk : report(status.error());
}

Result<BatchJobManager> manager_for(const std::string& db) {
  return BatchJobManager::open({db, "", current_config().max_running});
}

void print_outcome(const FireOutcome& o) {
  fmt::print("{}  {}  {:<8} {}{}\n", o.fire_time, o.schedule, o.status, o.job_id,
             o.reason.empty() ? "" : "  (" + o.reason + ")");
}

std::atomic<bool> g_stop{false};
extern "C" void on_schedules_stop(int) { g_stop = true; }

// The foreground firing loop, for a machine that runs no dashboard.
Status run_loop(const SchedulesArgs& args) {
  std::signal(SIGINT, on_schedules_stop);
  std::signal(SIGTERM, on_schedules_stop);
  PADDOCK_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, open_db(args.db, Database::Access::kReadWrite));
  PADDOCK_ASSIGN_OR_RETURN(BatchJobManager manager, manager_for(args.db));
  fmt::print("paddock schedules run: firing the schedules of {} every {} s (Ctrl-C stops)\n", args.db,
             args.interval_seconds);
  std::fflush(stdout);
  while (!g_stop) {
    Result<std::vector<FireOutcome>> fired = fire_due_schedules(*db, manager, now_seconds());
    if (fired.ok()) {
      for (const FireOutcome& o : *fired) print_outcome(o);
    } else {
      fmt::print(stderr, "paddock schedules run: {}\n", fired.error().describe());
    }
    if (Result<std::vector<DeliveryOutcome>> sent = deliver_due_notifications(*db, now_seconds()); sent.ok()) {
      for (const DeliveryOutcome& o : *sent) {
        fmt::print("notification {} {} {}{}\n", o.job_id, o.channel, o.status, o.error.empty() ? "" : ": " + o.error);
      }
    } else {
      fmt::print(stderr, "paddock schedules run: {}\n", sent.error().describe());
    }
    if (Result<std::vector<std::string>> started = manager.dispatch(); !started.ok()) {
      fmt::print(stderr, "paddock schedules run: {}\n", started.error().describe());
    }
    std::fflush(stdout);
    for (int i = 0; i < args.interval_seconds * 10 && !g_stop; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  fmt::print("paddock schedules run: stopped\n");
  return ok_status();
}

void add_template_flags(CLI::App& cmd, SchedulesArgs& a) {
  cmd.add_option("--date", a.date, "The job's day: today, tomorrow, yesterday, +N, -N or YYYY-MM-DD");
  cmd.add_option("--from", a.from, "First day (the same forms)");
  cmd.add_option("--to", a.to, "Last day (the same forms)");
  cmd.add_option("--race-ids", a.race_ids, "Exactly these races")->delimiter(',');
  cmd.add_flag("--all", a.all, "Include races the model already predicted");
  cmd.add_option("--limit", a.limit, "At most this many races")->transform(decimal_integer(1));
  cmd.add_option("-w,--workers", a.workers, "Worker threads (-1: every core)")->transform(decimal_integer(-1, 256));
  cmd.add_option("-c,--chunk-size", a.chunk_size, "Races per chunk")->transform(decimal_integer(1, 100000));
  cmd.add_option("-m,--max-memory-mb", a.max_memory_mb, "Memory limit (MB)")->transform(decimal_integer(1));
  cmd.add_option("--retries", a.retries, "Retries of a failed race")->transform(decimal_integer(0, 10));
  cmd.add_option("--priority", a.priority, "Queue priority, -1000 to 1000")->transform(decimal_integer(-1000, 1000));
  cmd.add_option("--model", a.model, "Model id (default: the active model at fire time)")->transform(decimal_integer(1));
  cmd.add_option("--notify", a.notify, "Word of each job's end: all, failures or none (default: paddock notify's settings)")
      ->check(CLI::IsMember({"all", "failures", "none"}));
}

}  // namespace

void add_schedules_command(CLI::App& app, Action& action) {
  auto args = std::make_shared<SchedulesArgs>();
  CLI::App* schedules = app.add_subcommand(
      "schedules", "Batch jobs at set times (cron): add, list, show, pause, resume, delete, run-now, run, next");
  schedules->require_subcommand(1);

  CLI::App* add = schedules->add_subcommand("add", "Add a schedule: a cron expression and the job it launches");
  add_db_option(*add, args->db, "SQLite database file");
  add->add_option("name", args->name, "Its name (letters, digits, _ - .)")->required();
  add->add_option("--cron", args->cron, "Five fields: minute hour day-of-month month day-of-week, or @daily...")
      ->required();
  add->add_option("--tz", args->time_zone, "Time zone of the fire times")->capture_default_str();
  add->add_option("--grace-minutes", args->grace_minutes,
                  "A fire time found this late (nothing was running) still launches; later, it is skipped")
      ->capture_default_str()->transform(decimal_integer(0, 7 * 24 * 60));
  add->add_flag("--json", args->json, "Print JSON");
  add_template_flags(*add, *args);
  add->footer(R"(
Example: predict tomorrow's races every evening at 20:00, Paris time:
  paddock schedules add evening-card --cron "0 20 * * *" --date tomorrow --db racing.db
Days may be relative (today, tomorrow, yesterday, +N, -N), resolved in the schedule's time zone
when it fires. `paddock serve` fires schedules; without it, run `paddock schedules run`.)");
  add->callback([args, &action] {
    action = [args] {
      return with_db(args->db, Database::Access::kReadWrite, [&](Database& db) -> Status {
        ScheduleRow row;
        row.name = args->name;
        row.cron = args->cron;
        row.time_zone = args->time_zone;
        row.grace_seconds = static_cast<std::int64_t>(args->grace_minutes) * 60;
        row.template_json = template_of(*args).dump();
        row.created_at = row.checked_until = format_utc(now_seconds());
        PADDOCK_TRY(validate_schedule(row, args->db));
        PADDOCK_ASSIGN_OR_RETURN(row.id, db.insert_schedule(row));
        PADDOCK_ASSIGN_OR_RETURN(const ScheduleView view, view_schedule(db, row, now_seconds()));
        print_view(view, args->json);
        return ok_status();
      });
    };
  });

  CLI::App* list = schedules->add_subcommand("list", "The schedules, with their next fire time and last run");
  add_db_option(*list, args->db, "SQLite database file");
  list->add_flag("--json", args->json, "Print JSON");
  list->callback([args, &action] {
    action = [args] {
      return with_db(args->db, Database::Access::kReadOnly, [&](Database& db) -> Status {
        PADDOCK_ASSIGN_OR_RETURN(const std::vector<ScheduleRow> rows, db.list_schedules());
        nlohmann::json all = nlohmann::json::array();
        if (!args->json) {
          if (rows.empty()) fmt::print("No schedules.\n");
          else fmt::print("{:<24} {:<16} {:<14} {:<7} {:<24} {}\n", "NAME", "CRON", "ZONE", "STATE", "NEXT", "LAST RUN");
        }
        for (const ScheduleRow& row : rows) {
          PADDOCK_ASSIGN_OR_RETURN(const ScheduleView v, view_schedule(db, row, now_seconds(), 3, 1));
          if (args->json) {
            all.push_back(nlohmann::json::parse(schedule_json(v)));
            continue;
          }
          const std::string last = v.last_runs.empty() ? "-" : v.last_runs[0].fire_time + " " + v.last_runs[0].status;
          fmt::print("{:<24} {:<16} {:<14} {:<7} {:<24} {}\n", row.name, row.cron, row.time_zone,
                     row.paused ? "paused" : "active", v.next_local.empty() ? "never" : v.next_local[0], last);
        }
        if (args->json) fmt::print("{}\n", all.dump(2));
        return ok_status();
      });
    };
  });

  CLI::App* show = schedules->add_subcommand("show", "A schedule: its next five fire times and its last runs");
  add_db_option(*show, args->db, "SQLite database file");
  show->add_option("name", args->name, "Its name or id")->required();
  show->add_flag("--json", args->json, "Print JSON");
  show->callback([args, &action] {
    action = [args] {
      return with_db(args->db, Database::Access::kReadOnly, [&](Database& db) -> Status {
        PADDOCK_ASSIGN_OR_RETURN(const ScheduleRow row, existing(db, args->name));
        PADDOCK_ASSIGN_OR_RETURN(const ScheduleView v, view_schedule(db, row, now_seconds()));
        print_view(v, args->json);
        return ok_status();
      });
    };
  });

  const auto add_change = [&](const char* name, const char* help, const char* done,
                              std::function<Status(Database&, ScheduleRow&)> change) {
    CLI::App* sub = schedules->add_subcommand(name, help);
    add_db_option(*sub, args->db, "SQLite database file");
    sub->add_option("name", args->name, "Its name or id")->required();
    sub->callback([args, &action, change, done] {
      action = [args, change, done] {
        return with_db(args->db, Database::Access::kReadWrite, [&](Database& db) -> Status {
          PADDOCK_ASSIGN_OR_RETURN(ScheduleRow row, existing(db, args->name));
          PADDOCK_TRY(change(db, row));
          fmt::print("Schedule {} {}\n", row.name, done);
          return ok_status();
        });
      };
    });
  };
  add_change("pause", "Stop firing a schedule (its fire times while paused are not run)", "paused",
             [](Database& db, ScheduleRow& row) {
    row.paused = true;
    return db.update_schedule(row);
  });
  add_change("resume", "Fire a paused schedule again, from now on", "resumed: it fires again from now on",
             [](Database& db, ScheduleRow& row) {
    row.paused = false;
    row.checked_until = format_utc(now_seconds());
    return db.update_schedule(row);
  });
  add_change("delete", "Delete a schedule and its runs (the jobs it made stay)", "deleted (its jobs stay)",
             [](Database& db, ScheduleRow& row) {
    return db.delete_schedule(row.id);
  });

  CLI::App* now = schedules->add_subcommand("run-now", "Launch a schedule's job at once (recorded as a run)");
  add_db_option(*now, args->db, "SQLite database file");
  now->add_option("name", args->name, "Its name or id")->required();
  now->callback([args, &action] {
    action = [args] {
      return with_db(args->db, Database::Access::kReadWrite, [&](Database& db) -> Status {
        PADDOCK_ASSIGN_OR_RETURN(const ScheduleRow row, existing(db, args->name));
        PADDOCK_ASSIGN_OR_RETURN(BatchJobManager manager, manager_for(args->db));
        PADDOCK_ASSIGN_OR_RETURN(const FireOutcome outcome, run_schedule_now(db, manager, row, now_seconds()));
        if (outcome.status == "failed") return make_error(ErrorCode::kFailedPrecondition, outcome.reason);
        if (outcome.status == "taken") {
          return make_error(ErrorCode::kAlreadyExists, "the schedule was run this very second already");
        }
        fmt::print("{}\n", outcome.job_id);
        return ok_status();
      });
    };
  });

  CLI::App* run = schedules->add_subcommand("run", "Fire due schedules in the foreground (without paddock serve)");
  add_db_option(*run, args->db, "SQLite database file");
  run->add_option("--interval", args->interval_seconds, "Seconds between rounds")
      ->capture_default_str()->transform(decimal_integer(1, 3600));
  run->callback([args, &action] {
    action = [args] {
      const Status status = run_loop(*args);
      return status.ok() ? kExitOk : report(status.error());
    };
  });

  CLI::App* next = schedules->add_subcommand("next", "The next fire times of a cron expression (no database)");
  next->add_option("cron", args->cron, "The expression")->required();
  next->add_option("--tz", args->time_zone, "Time zone")->capture_default_str();
  next->add_option("--count", args->count, "How many")->capture_default_str()->transform(decimal_integer(1, 100000));
  next->add_option("--after", args->after, "From this UTC time (YYYY-MM-DDTHH:MM:SSZ; default: now)");
  next->add_flag("--json", args->json, "Print JSON: the fire times in UTC");
  next->callback([args, &action] {
    action = [args] {
      const Status status = [&]() -> Status {
        PADDOCK_ASSIGN_OR_RETURN(const CronExpression cron, CronExpression::parse(args->cron));
        PADDOCK_ASSIGN_OR_RETURN(const date::time_zone* zone, find_time_zone(args->time_zone));
        SysSeconds after = now_seconds();
        if (!args->after.empty()) {
          PADDOCK_ASSIGN_OR_RETURN(after, parse_utc(args->after));
        }
        nlohmann::json times = nlohmann::json::array();
        if (!args->json) fmt::print("{} ({}, {}):\n", cron.text(), cron.describe(), args->time_zone);
        for (int i = 0; i < args->count; ++i) {
          const std::optional<SysSeconds> fire = cron.next_after(after, *zone);
          if (!fire) break;
          if (args->json) {
            times.push_back(format_utc(*fire));
          } else {
            fmt::print("  {}  ({})\n", format_local(*fire, *zone), format_utc(*fire));
          }
          after = *fire;
        }
        if (args->json) {
          fmt::print("{}\n", times.dump());
        } else if (times.empty() && !cron.next_after(after, *zone)) {
          fmt::print("  never (no such day in the next eight years)\n");
        }
        return ok_status();
      }();
      return status.ok() ? kExitOk : report(status.error());
    };
  });
}

}  // namespace paddock::cli
