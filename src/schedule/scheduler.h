// Schedules: batch jobs launched at the fire times of a cron expression, through the job manager
// (so the queue, priorities and the limit of running jobs apply).
//
// A schedule holds a job template: the options of a launch as JSON (the REST API's names), whose
// days may be relative, "today", "tomorrow", "yesterday", "+N" or "-N" days, resolved in the
// schedule's time zone at the fire time: "0 20 * * *" with {"date": "tomorrow"} predicts the
// next day's card every evening.
//
// Firing (fire_due_schedules, run by `paddock serve` and `paddock schedules run` every few
// seconds): for each schedule not paused, the fire times after its `checked_until` and up to
// now. Each is recorded once in schedule_runs, keyed by schedule and fire time, before its job
// is launched: however many servers fire schedules on one database, or restart, a fire time
// makes one job. A fire time found late (nothing was running at it) is launched if it is the
// latest one and within the schedule's grace window; the others are recorded as skipped with
// the reason. Pausing stops the firing; resuming starts from the moment of the resume.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "jobs/batch_job_manager.h"
#include "schedule/cron.h"
#include "store/database.h"

namespace paddock {

inline constexpr std::int64_t kDefaultGraceSeconds = 3600;
inline constexpr std::size_t kMaxRecordedMissedRuns = 50;

// "today", "tomorrow", "yesterday", "+N", "-N" (days from `today`) or a date YYYY-MM-DD.
Result<Day> resolve_schedule_day(const std::string& text, Day today);

// The options of the job a schedule makes at `fire` (days resolved in its zone), validated.
Result<PredictOptions> schedule_job_options(const ScheduleRow& schedule, SysSeconds fire, const std::string& db_path);

// The job id of a fire time: <name>_<local date>_<local time>, e.g. evening-card_20261127_200000.
std::string schedule_job_id(const ScheduleRow& schedule, SysSeconds fire);

// Checks a new or edited schedule: its name (the identifier alphabet), cron expression, time zone,
// grace window and template (resolved for now). kInvalidArgument naming what is wrong.
Status validate_schedule(const ScheduleRow& schedule, const std::string& db_path);

struct FireOutcome {
  std::string schedule;
  std::string fire_time;  // UTC
  std::string status;     // launched, skipped, failed
  std::string job_id;
  std::string reason;
};

// Fires what is due at `now`. Errors of one schedule (a launch refused) are recorded on its
// run; only a database failure returns an error.
Result<std::vector<FireOutcome>> fire_due_schedules(Database& db, BatchJobManager& manager, SysSeconds now);

// "Run now": a job from the schedule's template at once, recorded as a run at `now`.
Result<FireOutcome> run_schedule_now(Database& db, BatchJobManager& manager, const ScheduleRow& schedule,
                                     SysSeconds now);

// A schedule as lists and pages show it.
struct ScheduleView {
  ScheduleRow row;
  std::string description;            // the cron expression in words
  std::vector<std::string> next_utc;  // the next fire times (UTC)
  std::vector<std::string> next_local;
  std::vector<ScheduleRunRow> last_runs;
};
Result<ScheduleView> view_schedule(Database& db, const ScheduleRow& schedule, SysSeconds now, int next_count = 5,
                                   int run_count = 10);

// The JSON of a schedule for programs (`paddock schedules ... --json`, the REST API).
std::string schedule_json(const ScheduleView& view);

SysSeconds now_seconds();

}  // namespace paddock
