// paddock jobs: launch batch jobs in the background and watch and steer them (the batch
// prediction guide's Job Manager, from the shell). Every subcommand is a call of
// BatchJobManager (src/jobs); tables for people, --json for programs (docs/api.md).
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli_support.h"
#include "config_file.h"
#include "jobs/batch_job_manager.h"
#include "jobs/job_json.h"
#include "predict_flags.h"

namespace paddock::cli {
namespace {

// What every jobs subcommand may take; each uses what it needs.
struct JobsArgs {
  std::string db;
  std::string job_id;
  bool json = false;
  std::vector<std::string> statuses;
  std::optional<std::int64_t> limit;
  int priority = 0;
  std::optional<int> max_running;
  int older_than_days = 0;
  bool follow = false;
};

Result<BatchJobManager> open_manager(const std::string& db) { return BatchJobManager::open({db, "", current_config().max_running}); }

// Runs `body` with a manager on the database, printing its error the common way.
int with_manager(const std::string& db, const std::function<Status(BatchJobManager&)>& body) {
  Result<BatchJobManager> manager = open_manager(db);
  if (!manager.ok()) return report(manager.error());
  const Status status = body(*manager);
  return status.ok() ? kExitOk : report(status.error());
}

std::string races_column(const BatchJobStatus& s) {
  return s.total_races == 0 && s.state == JobStatus::kQueued ? "-" : fmt::format("{}/{}", s.processed_races, s.total_races);
}

std::string shortened(const std::string& text, std::size_t width) {
  return text.size() <= width ? text : text.substr(0, width - 3) + "...";
}

void print_table(const std::vector<BatchJobStatus>& jobs) {
  if (jobs.empty()) {
    fmt::print("No jobs.\n");
    return;
  }
  fmt::print("{:<30} {:<10} {:>4} {:>13} {:>6} {:>5}  {:<20} {}\n", "JOB ID", "STATUS", "%", "RACES", "FAILED",
             "PRIO", "STARTED", "MESSAGE");
  for (const BatchJobStatus& s : jobs) {
    const std::string status = s.queue_position ? fmt::format("queued#{}", *s.queue_position) : s.status;
    fmt::print("{:<30} {:<10} {:>4} {:>13} {:>6} {:>5}  {:<20} {}\n", shortened(s.job_id, 30), status, s.progress,
               races_column(s), s.failed_races, s.priority, s.start_time.empty() ? "-" : s.start_time,
               shortened(s.message, 60));
  }
}

void print_jobs(const std::vector<BatchJobStatus>& jobs, bool json) {
  if (!json) return print_table(jobs);
  nlohmann::json list = nlohmann::json::array();
  for (const BatchJobStatus& s : jobs) list.push_back(to_json(s));
  fmt::print("{}\n", list.dump(2));
}

void print_status(const BatchJobStatus& s) {
  fmt::print("Job {}\n", s.job_id);
  fmt::print("  Status:     {}{}\n", s.status, s.queue_position ? fmt::format(" (#{} in the queue)", *s.queue_position) : "");
  fmt::print("  Progress:   {}%  {} processed of {}, {} successful, {} failed\n", s.progress, s.processed_races,
             s.total_races, s.successful_races, s.failed_races);
  fmt::print("  Message:    {}\n", s.message);
  if (!s.error.empty()) fmt::print("  Error:      {}\n", s.error);
  fmt::print("  Created:    {}\n", s.created_at);
  if (!s.start_time.empty()) fmt::print("  Started:    {}\n", s.start_time);
  if (!s.end_time.empty()) fmt::print("  Ended:      {}\n", s.end_time);
  if (s.is_running && s.state == JobStatus::kRunning) {
    fmt::print("  Throughput: {:.1f} races/s, ETA {}\n", s.throughput,
               s.eta_seconds ? fmt::format("{:.0f}s", *s.eta_seconds) : "-");
    fmt::print("  Memory:     {:.0f} MB (peak {:.0f} MB)\n", s.memory_mb, s.peak_memory_mb);
    fmt::print("  Process:    pid {} on {}, heartbeat {}\n", s.pid, s.host, s.heartbeat_at);
  }
  fmt::print("  Priority:   {}    Attempt: {}    Model: {}\n", s.priority, s.attempt,
             s.model_id ? std::to_string(*s.model_id) : "active");
  if (!s.retry_of.empty()) fmt::print("  Retry of:   {}\n", s.retry_of);
  if (s.cancel_requested && s.is_running) fmt::print("  Cancel requested: stops after the chunks in hand\n");
  fmt::print("  Config:     {}\n", s.config);
  fmt::print("  Log:        {}\n", s.log_path);
}

Result<JobFilter> list_filter(const JobsArgs& args) {
  JobFilter filter;
  for (const std::string& text : args.statuses) {
    const std::optional<JobStatus> status = parse_job_status(text);
    if (!status) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("--status: '{}' is not queued, running, completed, failed or cancelled", text));
    }
    filter.statuses.push_back(*status);
  }
  filter.limit = args.limit;
  return filter;
}

// Prints the log from its start, then (with -f) what is appended, until the job has ended and
// everything it wrote is shown.
Status follow_log(BatchJobManager& manager, const std::string& job_id, bool follow) {
  std::int64_t offset = 0;
  while (true) {
    PADDOCK_ASSIGN_OR_RETURN(const LogChunk chunk, manager.read_log(job_id, offset));
    std::fwrite(chunk.text.data(), 1, chunk.text.size(), stdout);
    std::fflush(stdout);
    offset = chunk.next_offset;
    if (!chunk.text.empty()) continue;  // more may be waiting
    if (!follow || chunk.job_finished) return ok_status();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    PADDOCK_TRY(manager.get_job_status(job_id));  // the dead-job check and the queue, meanwhile
  }
}

// --- Subcommands -----------------------------------------------------------------------------

CLI::App* add_sub(CLI::App& jobs, const char* name, const char* help, JobsArgs& args) {
  CLI::App* sub = jobs.add_subcommand(name, help);
  add_db_option(*sub, args.db, "SQLite database file");
  return sub;
}

void add_job_id(CLI::App& sub, JobsArgs& args) { sub.add_option("job_id", args.job_id, "The job's id")->required(); }

void add_launch(CLI::App& jobs, Action& action) {
  auto predict = std::make_shared<PredictArgs>();
  auto json = std::make_shared<bool>(false);
  CLI::App* sub = jobs.add_subcommand("launch", "Queue a batch job and start it in the background (takes predict's flags)");
  bind_predict_flags(*sub, *predict);
  sub->add_option("--priority", predict->options.priority, "Queue priority, -1000 to 1000 (higher starts first)")
      ->capture_default_str()->transform(decimal_integer(std::numeric_limits<int>::min(), std::numeric_limits<int>::max()));
  sub->add_flag("--json", *json, "Print the job's status as JSON");
  sub->footer(R"(
The job is queued and started in the background at once when fewer than max_running jobs
run (paddock jobs config); this command prints its id (or its status with --json) and exits 0.
Watch it with `paddock jobs show ID` or `paddock jobs logs ID -f`. The performance flags are
explained in `paddock predict --help`.)");
  sub->callback([predict, json, &action] {
    action = [predict, json] {
      Result<PredictOptions> options = build_predict_options(*predict);
      if (!options.ok()) return report(options.error());
      return with_manager(options->db_path, [&](BatchJobManager& manager) -> Status {
        PADDOCK_ASSIGN_OR_RETURN(const std::string id, manager.launch_job(*options));
        if (!*json) {
          fmt::print("{}\n", id);
          return ok_status();
        }
        PADDOCK_ASSIGN_OR_RETURN(const BatchJobStatus status, manager.get_job_status(id));
        fmt::print("{}\n", to_json(status).dump(2));
        return ok_status();
      });
    };
  });
}

void add_watchers(CLI::App& jobs, Action& action, const std::shared_ptr<JobsArgs>& args) {
  CLI::App* list = add_sub(jobs, "list", "List jobs, newest first", *args);
  list->add_option("--status", args->statuses, "Only jobs in these states (queued, running, completed, failed, cancelled)");
  list->add_option("--limit", args->limit, "At most this many jobs")->transform(decimal_integer(1));
  list->add_flag("--json", args->json, "Print JSON");
  list->callback([args, &action] {
    action = [args] {
      return with_manager(args->db, [&](BatchJobManager& manager) -> Status {
        PADDOCK_ASSIGN_OR_RETURN(const JobFilter filter, list_filter(*args));
        PADDOCK_ASSIGN_OR_RETURN(const std::vector<BatchJobStatus> found, manager.list_jobs(filter));
        print_jobs(found, args->json);
        return ok_status();
      });
    };
  });

  CLI::App* active = add_sub(jobs, "active", "The running jobs, then the queue in order", *args);
  active->add_flag("--json", args->json, "Print JSON");
  active->callback([args, &action] {
    action = [args] {
      return with_manager(args->db, [&](BatchJobManager& manager) -> Status {
        PADDOCK_ASSIGN_OR_RETURN(const std::vector<BatchJobStatus> found, manager.get_active_jobs());
        print_jobs(found, args->json);
        return ok_status();
      });
    };
  });

  CLI::App* show = add_sub(jobs, "show", "A job's status, with its error and log path", *args);
  add_job_id(*show, *args);
  show->add_flag("--json", args->json, "Print JSON");
  show->callback([args, &action] {
    action = [args] {
      return with_manager(args->db, [&](BatchJobManager& manager) -> Status {
        PADDOCK_ASSIGN_OR_RETURN(const BatchJobStatus status, manager.get_job_status(args->job_id));
        if (args->json) {
          fmt::print("{}\n", to_json(status).dump(2));
          return ok_status();
        }
        print_status(status);
        // The word of its end (paddock notify), when notifications are set.
        PADDOCK_ASSIGN_OR_RETURN(const std::unique_ptr<Database> db, open_db(args->db, Database::Access::kReadOnly));
        PADDOCK_ASSIGN_OR_RETURN(const std::vector<OutboxRow> sent, db->job_notifications(args->job_id));
        for (const OutboxRow& row : sent) {
          fmt::print("  Notified:   {} {}{}{}\n", row.channel, row.status,
                     row.status == "delivered" ? " at " + row.delivered_at
                                               : fmt::format(" after {} attempt{}", row.attempts, row.attempts == 1 ? "" : "s"),
                     row.last_error.empty() ? "" : " (last error: " + row.last_error + ")");
        }
        return ok_status();
      });
    };
  });

  CLI::App* logs = add_sub(jobs, "logs", "Print a job's log; -f follows it until the job ends", *args);
  add_job_id(*logs, *args);
  logs->add_flag("-f,--follow", args->follow, "Keep printing what the job writes until it ends");
  logs->callback([args, &action] {
    action = [args] {
      return with_manager(args->db, [&](BatchJobManager& manager) { return follow_log(manager, args->job_id, args->follow); });
    };
  });
}

using ManagerCall = std::function<Status(BatchJobManager&, const JobsArgs&)>;

// A subcommand whose action is one call of the manager, with the common error reporting.
CLI::App* add_call(CLI::App& jobs, Action& action, const std::shared_ptr<JobsArgs>& args, const char* name,
                   const char* help, ManagerCall call) {
  CLI::App* sub = add_sub(jobs, name, help, *args);
  sub->callback([args, call, &action] {
    action = [args, call] {
      return with_manager(args->db, [&](BatchJobManager& manager) { return call(manager, *args); });
    };
  });
  return sub;
}

void add_steering(CLI::App& jobs, Action& action, const std::shared_ptr<JobsArgs>& args) {
  add_job_id(*add_call(jobs, action, args, "cancel",
                       "Cancel a job: a queued one never starts, a running one stops after its chunks in hand",
                       [](BatchJobManager& manager, const JobsArgs& a) -> Status {
                         PADDOCK_TRY(manager.cancel_job(a.job_id));
                         PADDOCK_ASSIGN_OR_RETURN(const BatchJobStatus status, manager.get_job_status(a.job_id));
                         fmt::print("{}: {}\n", a.job_id,
                                    status.state == JobStatus::kCancelled ? "cancelled" : "cancel requested");
                         return ok_status();
                       }),
             *args);
  add_job_id(*add_call(jobs, action, args, "retry", "Queue a new job over the failed races of a finished job",
                       [](BatchJobManager& manager, const JobsArgs& a) -> Status {
                         PADDOCK_ASSIGN_OR_RETURN(const std::string id, manager.retry_failed(a.job_id));
                         fmt::print("{}\n", id);
                         return ok_status();
                       }),
             *args);
  add_job_id(*add_call(jobs, action, args, "resume",
                       "Queue a failed or cancelled job to finish the races it has not done",
                       [](BatchJobManager& manager, const JobsArgs& a) -> Status {
                         PADDOCK_TRY(manager.resume_job(a.job_id));
                         fmt::print("{}: queued to resume\n", a.job_id);
                         return ok_status();
                       }),
             *args);

  CLI::App* priority = add_call(jobs, action, args, "priority",
                                "Change a job's queue priority (-1000 to 1000, higher first)",
                                [](BatchJobManager& manager, const JobsArgs& a) -> Status {
                                  PADDOCK_TRY(manager.set_priority(a.job_id, a.priority));
                                  fmt::print("{}: priority {}\n", a.job_id, a.priority);
                                  return ok_status();
                                });
  add_job_id(*priority, *args);
  priority->add_option("priority", args->priority, "The new priority")
      ->required()->transform(decimal_integer(std::numeric_limits<int>::min(), std::numeric_limits<int>::max()));
  add_job_id(*add_call(jobs, action, args, "delete",
                       "Delete a job that is not running, with its log (its predictions stay)",
                       [](BatchJobManager& manager, const JobsArgs& a) -> Status {
                         PADDOCK_TRY(manager.delete_job(a.job_id));
                         fmt::print("{}: deleted\n", a.job_id);
                         return ok_status();
                       }),
             *args);

  CLI::App* cleanup = add_sub(jobs, "cleanup", "Delete finished jobs older than some days, with their logs", *args);
  cleanup->add_option("--older-than", args->older_than_days, "Age in days of the jobs to delete (by their end)")
      ->required()->transform(decimal_integer(0, 36500));
  cleanup->callback([args, &action] {
    action = [args] {
      return with_manager(args->db, [&](BatchJobManager& manager) -> Status {
        PADDOCK_ASSIGN_OR_RETURN(const std::int64_t removed,
                                 manager.cleanup_old_jobs(std::chrono::hours(24) * args->older_than_days));
        fmt::print("Deleted {} finished job{} older than {} day{}\n", removed, removed == 1 ? "" : "s",
                   args->older_than_days, args->older_than_days == 1 ? "" : "s");
        return ok_status();
      });
    };
  });

  CLI::App* config = add_sub(jobs, "config", "Show or set the queue's settings (jobs running at once)", *args);
  config->add_option("--max-running", args->max_running, "Jobs that may run at once on this database, 1 to 64")
      ->transform(decimal_integer(std::numeric_limits<int>::min(), std::numeric_limits<int>::max()));
  config->add_flag("--json", args->json, "Print JSON");
  config->callback([args, &action] {
    action = [args] {
      return with_manager(args->db, [&](BatchJobManager& manager) -> Status {
        if (args->max_running) PADDOCK_TRY(manager.set_max_running_jobs(*args->max_running));
        PADDOCK_ASSIGN_OR_RETURN(const int limit, manager.max_running_jobs());
        if (args->json) {
          fmt::print("{}\n", nlohmann::json{{"max_running", limit}}.dump(2));
        } else {
          fmt::print("max_running = {}\n", limit);
        }
        return ok_status();
      });
    };
  });
}

}  // namespace

void add_jobs_command(CLI::App& app, Action& action) {
  CLI::App* jobs = app.add_subcommand("jobs", "Background jobs: launch, list, show, active, cancel, retry, resume, "
                                              "priority, delete, logs, cleanup, config");
  jobs->require_subcommand(1);
  auto args = std::make_shared<JobsArgs>();
  add_launch(*jobs, action);
  add_watchers(*jobs, action, args);
  add_steering(*jobs, action, args);
  jobs->footer(R"(
A launched job runs in the background as `paddock predict --job-id ID`, in its own session:
closing the terminal does not stop it. At most `max_running` jobs run at once (jobs config);
the others wait as queued, by priority then age. A job whose process died is marked failed
on the next jobs command, and `jobs resume ID` finishes it. See docs/api.md.)");
}

}  // namespace paddock::cli
