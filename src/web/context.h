// What the routes of `paddock serve` share: the options, the pools of connections and job
// managers, the event hub, the watcher's latest view of the jobs, and counters for /metrics.
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "jobs/batch_job_manager.h"
#include "store/database.h"
#include "web/event_hub.h"
#include "web/http_support.h"
#include "web/server.h"

namespace paddock::web {

struct Context {
  explicit Context(ServeOptions serve_options);

  ServeOptions options;
  Pool<BatchJobManager> managers;
  Pool<Database> readers;  // read-only connections
  Pool<Database> writers;  // read-write, for the few changes outside the job manager
  EventHub hub;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::atomic<std::int64_t> requests{0};
  std::atomic<std::int64_t> server_errors{0};

  // The jobs as the watcher last read them (active ones and the most recent), for a new
  // event stream's first message.
  nlohmann::json jobs_snapshot();
  void set_jobs_snapshot(nlohmann::json jobs);

  // Evaluations are costly (every finished race scored): kept for a while per model and days.
  std::mutex evaluation_mutex;
  std::map<std::string, std::pair<std::chrono::steady_clock::time_point, nlohmann::json>> evaluations;

 private:
  std::mutex snapshot_mutex_;
  nlohmann::json snapshot_ = nlohmann::json::array();
};

// Wraps a route body: an error it returns becomes a JSON error answer.
using RouteBody = std::function<Status(const httplib::Request&, httplib::Response&)>;
httplib::Server::Handler route(Context& context, RouteBody body);

void add_job_routes(httplib::Server& server, Context& context);
void add_data_routes(httplib::Server& server, Context& context);
void add_schedule_routes(httplib::Server& server, Context& context);

}  // namespace paddock::web
