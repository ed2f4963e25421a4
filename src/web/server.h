// `paddock serve`: the dashboard's page and its JSON API (docs/rest-api.md) over one database,
// with server-sent events for live progress.
//
// The server keeps no state of its own that matters: the job rows are the truth, read and
// steered through BatchJobManager like the command line does, so the page, `paddock jobs` and a
// Python session may work on one database at once. Besides the HTTP threads it runs two:
//   - the watcher: every 100 ms it asks SQLite whether another connection committed
//     (PRAGMA data_version); when one did, it reads the jobs that changed and pushes them to
//     the event streams (EventHub);
//   - the dispatcher: every few seconds, the dead-job check and the queue (dispatch()), so
//     that a job queued while nothing else ran still starts, and a crashed job shows failed.
//
// Safety: a loopback address unless a token is given; with a token every API call needs it.
// Changes are POST/DELETE with a JSON content type (no cross-site form can send one); bodies
// are bounded; a handler that fails answers 500 in JSON and the server goes on.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "core/error.h"

namespace paddock::web {

struct ServeOptions {
  std::string db_path;
  std::string host = "127.0.0.1";
  int port = 8501;  // 0: any free port (see WebServer::port)
  std::string token;
  std::chrono::milliseconds watch_interval{100};
  std::chrono::milliseconds dispatch_interval{3000};
  std::size_t max_body_bytes = 64 * 1024;
  int threads = 64;  // HTTP threads; each open event stream, and each idle keep-alive connection, holds one
  std::optional<int> default_max_running;  // paddock.toml's max_running (BatchJobManager)
  std::string paddock_binary;              // the program jobs run (ManagerOptions; default: this one)
};

// True for 127.0.0.1 (and 127.x), ::1 and localhost.
bool is_loopback_host(const std::string& host);

class WebServer {
 public:
  // Checks the options (a token where the host is not a loopback address, the database opens)
  // and binds the port; serving starts with run() or start().
  static Result<std::unique_ptr<WebServer>> create(ServeOptions options);
  ~WebServer();

  int port() const;
  // Serves until stop() (from another thread or a signal handler's thread).
  Status run();
  // Serves on a thread of its own (for tests); stop() or the destructor ends it.
  void start();
  void stop();

 private:
  struct State;
  explicit WebServer(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace paddock::web
