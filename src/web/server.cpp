#include "web/server.h"

#include <fmt/format.h>

#include <filesystem>
#include <thread>

#include "jobs/job_json.h"
#include "notify/notifier.h"
#include "schedule/scheduler.h"
#include "web/context.h"
#include "web/static_files.h"

namespace paddock::web {

namespace {

using httplib::Request;
using httplib::Response;

constexpr std::size_t kIdleConnections = 16;
constexpr std::int64_t kWatchedJobs = 50;  // besides the active ones
constexpr auto kKeepAlive = std::chrono::seconds(15);

bool equal_in_constant_time(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i % std::max<std::size_t>(1, b.size())]);
  return diff == 0;
}

bool is_api(const std::string& path) { return path.rfind("/api/", 0) == 0 || path == "/api" || path == "/metrics"; }

}  // namespace

bool is_loopback_host(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

// --- Context ---------------------------------------------------------------------------------

Context::Context(ServeOptions serve_options)
    : options(std::move(serve_options)),
      managers([path = options.db_path, binary = options.paddock_binary,
                limit = options.default_max_running]() -> Result<std::unique_ptr<BatchJobManager>> {
        PADDOCK_ASSIGN_OR_RETURN(BatchJobManager manager, BatchJobManager::open({path, binary, limit}));
        return std::make_unique<BatchJobManager>(std::move(manager));
      }, kIdleConnections),
      readers([path = options.db_path] { return open_database(path, Database::Access::kReadOnly); }, kIdleConnections),
      writers([path = options.db_path] { return open_database(path, Database::Access::kReadWrite); }, 2) {}

nlohmann::json Context::jobs_snapshot() {
  const std::lock_guard<std::mutex> lock(snapshot_mutex_);
  return snapshot_;
}

void Context::set_jobs_snapshot(nlohmann::json jobs) {
  const std::lock_guard<std::mutex> lock(snapshot_mutex_);
  snapshot_ = std::move(jobs);
}

httplib::Server::Handler route(Context& context, RouteBody body) {
  return [&context, body = std::move(body)](const Request& req, Response& res) {
    const Status status = body(req, res);
    if (status.ok()) return;
    if (http_status(status.error().code) >= 500) {
      ++context.server_errors;
      fmt::print(stderr, "paddock serve: {} {}: {}\n", req.method, req.path, status.error().describe());
    }
    send_error(res, status.error());
  };
}

// --- The server ------------------------------------------------------------------------------

struct WebServer::State {
  explicit State(ServeOptions options) : context(std::move(options)) {}

  Context context;
  httplib::Server http;
  int port = 0;
  std::atomic<bool> stopping{false};
  std::mutex wake_mutex;
  std::condition_variable wake;
  std::thread watcher;
  std::thread dispatcher;
  std::thread serving;
  std::thread delivery;
  std::atomic<bool> delivering{false};

  void install_routes();
  void install_event_stream();
  void watch_jobs();
  void dispatch_jobs();
  void start_background();
  void stop_all();
  // Sleeps `period` or until the server stops; false when it stops.
  bool pause(std::chrono::milliseconds period) {
    std::unique_lock<std::mutex> lock(wake_mutex);
    return !wake.wait_for(lock, period, [&] { return stopping.load(); });
  }
};

void WebServer::State::install_routes() {
  Context& c = context;
  http.new_task_queue = [threads = c.options.threads] { return new httplib::ThreadPool(static_cast<std::size_t>(threads)); };
  http.set_payload_max_length(c.options.max_body_bytes);
  // SO_REUSEADDR only: cpp-httplib's default adds SO_REUSEPORT, with which a second server on
  // the same port would start too and take half of the connections.
  http.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  http.set_keep_alive_timeout(5);
  http.set_read_timeout(10);
  http.set_write_timeout(10);

  // Before any route: the token, and changes only as JSON (a cross-site form cannot send it).
  http.set_pre_routing_handler([&c](const Request& req, Response& res) {
    ++c.requests;
    if (!is_api(req.path)) return httplib::Server::HandlerResponse::Unhandled;
    if (!c.options.token.empty()) {
      std::string given;
      const std::string authorization = req.get_header_value("Authorization");
      if (authorization.rfind("Bearer ", 0) == 0) given = authorization.substr(7);
      if (given.empty()) given = req.get_header_value("X-Paddock-Token");
      if (given.empty() && req.method == "GET") given = req.get_param_value("token");
      if (!equal_in_constant_time(given, c.options.token)) {
        res.set_header("WWW-Authenticate", "Bearer");
        send_error(res, 401, "unauthorized",
                   given.empty() ? "this server needs its token: Authorization: Bearer <token>" : "wrong token");
        return httplib::Server::HandlerResponse::Handled;
      }
    }
    if (req.method == "POST" || req.method == "DELETE" || req.method == "PUT" || req.method == "PATCH") {
      if (req.get_header_value("Content-Type").rfind("application/json", 0) != 0) {
        send_error(res, 415, "unsupported_media_type", "changes are sent as JSON: Content-Type: application/json");
        return httplib::Server::HandlerResponse::Handled;
      }
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  http.set_post_routing_handler([](const Request&, Response& res) {
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("X-Frame-Options", "DENY");
    res.set_header("Referrer-Policy", "no-referrer");
    res.set_header("Cache-Control", "no-store");
  });
  http.set_exception_handler([&c](const Request& req, Response& res, std::exception_ptr thrown) {
    std::string what = "unknown exception";
    try {
      if (thrown) std::rethrow_exception(thrown);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    ++c.server_errors;
    fmt::print(stderr, "paddock serve: {} {}: {}\n", req.method, req.path, what);
    send_error(res, 500, "internal", "the server failed on this request: " + what);
  });
  // Answers that have no body yet (no route, a body too large, a bad request line) get one.
  http.set_error_handler(httplib::Server::HandlerWithResponse([](const Request& req, Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    switch (res.status) {
      case 404:
        send_error(res, 404, "not_found", fmt::format("no such page or API route: {} {}", req.method, req.path));
        break;
      case 413:
        send_error(res, 413, "payload_too_large", "the request body is larger than the server accepts");
        break;
      case 400:  // cpp-httplib could not read the request
        send_error(res, 400, "bad_request",
                   "the request could not be read: a POST or DELETE sends a JSON body ('{}' when there is "
                   "nothing to say) with its Content-Length");
        break;
      default:
        send_error(res, res.status, "http_error", fmt::format("HTTP {}", res.status));
    }
    return httplib::Server::HandlerResponse::Handled;
  }));

  const auto serve_file = [](const std::string& path, Response& res) {
    for (const StaticFile& file : static_files()) {
      if (file.path == path) {
        res.set_content(std::string(file.content), std::string(file.content_type).c_str());
        res.set_header("Content-Security-Policy",
                       "default-src 'self'; img-src 'self' data:; style-src 'self'; connect-src 'self'; "
                       "frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
        return true;
      }
    }
    return false;
  };
  add_job_routes(http, c);
  add_data_routes(http, c);
  add_schedule_routes(http, c);
  install_event_stream();
  // The page's files last: their pattern would match /metrics too.
  http.Get("/", [serve_file](const Request&, Response& res) { serve_file("/index.html", res); });
  http.Get("/([A-Za-z0-9_.-]+)", [serve_file](const Request& req, Response& res) {
    if (!serve_file("/" + std::string(req.matches[1]), res)) res.status = 404;
  });
}

// GET /api/events: the jobs now, then each change as the watcher sees it.
void WebServer::State::install_event_stream() {
  Context& c = context;
  http.Get("/api/events", [&c](const Request&, Response& res) {
    const std::int64_t start = c.hub.last_id();
    c.hub.stream_opened();
    auto sent = std::make_shared<std::int64_t>(-1);  // -1: the snapshot is not sent yet
    res.set_header("X-Accel-Buffering", "no");
    res.set_chunked_content_provider(
        "text/event-stream",
        [&c, start, sent](std::size_t, httplib::DataSink& sink) {
          const auto write = [&sink](const std::string& text) { return sink.write(text.data(), text.size()); };
          if (*sent < 0) {
            *sent = start;
            return write("retry: 2000\n\n" +
                         format_event({start, "jobs", nlohmann::json{{"jobs", c.jobs_snapshot()}}.dump()}));
          }
          bool missed = false;
          const std::vector<ServerEvent> events = c.hub.wait_after(*sent, kKeepAlive, missed);
          if (c.hub.closed() || !sink.is_writable()) return false;
          if (missed) {
            *sent = c.hub.last_id();
            return write(format_event({*sent, "jobs", nlohmann::json{{"jobs", c.jobs_snapshot()}}.dump()}));
          }
          if (events.empty()) return write(": keep-alive\n\n");
          std::string text;
          for (const ServerEvent& event : events) text += format_event(event);
          *sent = events.back().id;
          return write(text);
        },
        [&c](bool) { c.hub.stream_closed(); });
  });
}

// Reads the jobs again whenever another connection committed, and publishes those that changed.
void WebServer::State::watch_jobs() {
  Result<std::unique_ptr<Database>> opened = open_database(context.options.db_path, Database::Access::kReadOnly);
  if (!opened.ok()) {
    fmt::print(stderr, "paddock serve: the job watcher cannot open the database: {}\n", opened.error().describe());
    return;
  }
  Database& db = **opened;
  std::optional<std::int64_t> seen_version;
  std::map<std::string, std::string> last;  // job id -> its JSON as last published
  while (!stopping) {
    const Result<std::int64_t> version = db.data_version();
    if (version.ok() && std::optional<std::int64_t>(*version) != seen_version) {
      Status read = [&]() -> Status {
        JobFilter recent;
        recent.limit = kWatchedJobs;
        PADDOCK_ASSIGN_OR_RETURN(std::vector<JobRow> rows, db.list_jobs(recent));
        JobFilter active;
        active.statuses = {JobStatus::kQueued, JobStatus::kRunning};
        PADDOCK_ASSIGN_OR_RETURN(const std::vector<JobRow> active_rows, db.list_jobs(active));
        PADDOCK_ASSIGN_OR_RETURN(const std::vector<JobRow> queue, db.queued_jobs());
        for (const JobRow& row : active_rows) {
          const bool listed = std::any_of(rows.begin(), rows.end(), [&](const JobRow& r) { return r.job_id == row.job_id; });
          if (!listed) rows.push_back(row);
        }
        std::map<std::string, std::string> now;
        nlohmann::json snapshot = nlohmann::json::array();
        for (const JobRow& row : rows) {
          BatchJobStatus status = BatchJobStatus::from_row(row);
          for (std::size_t i = 0; i < queue.size(); ++i) {
            if (queue[i].job_id == row.job_id) status.queue_position = static_cast<int>(i) + 1;
          }
          nlohmann::json job = to_json(status);
          std::string text = job.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
          const auto before = last.find(row.job_id);
          if (seen_version && (before == last.end() || before->second != text)) context.hub.publish("job", text);
          snapshot.push_back(std::move(job));
          now.emplace(row.job_id, std::move(text));
        }
        for (const auto& [job_id, text] : last) {
          if (now.count(job_id) != 0) continue;
          PADDOCK_ASSIGN_OR_RETURN(const std::optional<JobRow> still, db.find_job(job_id));
          if (!still) context.hub.publish("deleted", nlohmann::json{{"job_id", job_id}}.dump());
        }
        last = std::move(now);
        context.set_jobs_snapshot(std::move(snapshot));
        return ok_status();
      }();
      if (read.ok()) {
        seen_version = *version;
      } else {
        fmt::print(stderr, "paddock serve: reading the jobs: {}\n", read.error().describe());
      }
    }
    if (!pause(context.options.watch_interval)) break;
  }
}

// Every few seconds, whatever the clients do: the schedules that are due, then the dead-job
// check and the queue.
void WebServer::State::dispatch_jobs() {
  while (pause(context.options.dispatch_interval)) {
    Result<Pool<BatchJobManager>::Lease> manager = context.managers.acquire();
    if (!manager.ok()) continue;
    if (Result<Pool<Database>::Lease> db = context.writers.acquire(); db.ok()) {
      const Result<std::vector<FireOutcome>> fired = fire_due_schedules(**db, **manager, now_seconds());
      if (!fired.ok()) {
        fmt::print(stderr, "paddock serve: firing schedules: {}\n", fired.error().describe());
        db->discard();
      }
      for (const FireOutcome& outcome : fired.ok() ? *fired : std::vector<FireOutcome>{}) {
        fmt::print("paddock serve: schedule {} at {}: {} {}{}\n", outcome.schedule, outcome.fire_time, outcome.status,
                   outcome.job_id, outcome.reason.empty() ? "" : " (" + outcome.reason + ")");
      }
      // Notifications: delivered on a thread of their own, so a slow receiver never holds up
      // the schedules and the queue.
      if (!delivering.exchange(true)) {
        if (delivery.joinable()) delivery.join();
        delivery = std::thread([this] {
          if (Result<Pool<Database>::Lease> writer = context.writers.acquire(); writer.ok()) {
            const Result<std::vector<DeliveryOutcome>> sent = deliver_due_notifications(**writer, now_seconds());
            for (const DeliveryOutcome& o : sent.ok() ? *sent : std::vector<DeliveryOutcome>{}) {
              fmt::print("paddock serve: notification of {} by {}: {}{}\n", o.job_id, o.channel, o.status,
                         o.error.empty() ? "" : " (" + o.error + ")");
            }
            if (!sent.ok()) fmt::print(stderr, "paddock serve: notifications: {}\n", sent.error().describe());
            std::fflush(stdout);
          }
          delivering = false;
        });
      }
      std::fflush(stdout);
    }
    const Result<std::vector<std::string>> started = (*manager)->dispatch();
    if (!started.ok()) {
      fmt::print(stderr, "paddock serve: dispatching queued jobs: {}\n", started.error().describe());
      manager->discard();
    }
  }
}

void WebServer::State::start_background() {
  watcher = std::thread([this] { watch_jobs(); });
  dispatcher = std::thread([this] { dispatch_jobs(); });
}

void WebServer::State::stop_all() {
  {
    const std::lock_guard<std::mutex> lock(wake_mutex);
    stopping = true;
  }
  wake.notify_all();
  context.hub.close();  // event streams end, so their threads return to the pool
  http.stop();
  if (watcher.joinable()) watcher.join();
  if (dispatcher.joinable()) dispatcher.join();
  if (delivery.joinable()) delivery.join();
  if (serving.joinable()) serving.join();
}

// --- WebServer -------------------------------------------------------------------------------

Result<std::unique_ptr<WebServer>> WebServer::create(ServeOptions options) {
  if (options.db_path.empty()) return make_error(ErrorCode::kInvalidArgument, "--db: a database is required");
  if (!is_loopback_host(options.host) && options.token.empty()) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("--host {}: serving beyond this machine needs a token (--token or PADDOCK_TOKEN), "
                                  "which every API call must then give",
                                  options.host));
  }
  if (options.port < 0 || options.port > 65535) {
    return make_error(ErrorCode::kInvalidArgument, fmt::format("--port {}: not from 0 to 65535", options.port));
  }
  std::error_code error;
  if (!std::filesystem::is_regular_file(options.db_path, error)) {
    return make_error(ErrorCode::kNotFound,
                      fmt::format("--db {}: no such database file (create one with paddock demo or paddock import)",
                                  options.db_path));
  }
  {  // brings the schema up to date once, and checks that the file is a paddock database
    PADDOCK_ASSIGN_OR_RETURN(const std::unique_ptr<Database> db,
                             open_database(options.db_path, Database::Access::kReadWrite));
  }
  auto state = std::make_unique<State>(std::move(options));
  state->install_routes();
  const ServeOptions& o = state->context.options;
  if (o.port == 0) {
    state->port = state->http.bind_to_any_port(o.host);
  } else {
    state->port = state->http.bind_to_port(o.host, o.port) ? o.port : -1;
  }
  if (state->port <= 0) {
    return make_error(ErrorCode::kIo, fmt::format("cannot listen on {}:{} (in use, or not an address of this machine)",
                                                  o.host, o.port));
  }
  return std::unique_ptr<WebServer>(new WebServer(std::move(state)));
}

WebServer::WebServer(std::unique_ptr<State> state) : state_(std::move(state)) {}

WebServer::~WebServer() { stop(); }

int WebServer::port() const { return state_->port; }

Status WebServer::run() {
  state_->start_background();
  const bool clean = state_->http.listen_after_bind();
  if (!clean && !state_->stopping) return make_error(ErrorCode::kIo, "the server stopped listening");
  return ok_status();
}

void WebServer::start() {
  state_->start_background();
  state_->serving = std::thread([this] { state_->http.listen_after_bind(); });
  while (!state_->http.is_running() && !state_->stopping) std::this_thread::sleep_for(std::chrono::milliseconds(2));
}

void WebServer::stop() {
  if (state_) state_->stop_all();
}

}  // namespace paddock::web
