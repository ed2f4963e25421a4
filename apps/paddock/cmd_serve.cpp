// paddock serve: the dashboard and its JSON API (docs/rest-api.md) on one database, until
// SIGTERM or Ctrl-C, which stop it cleanly: open event streams end, requests in hand finish.
#include <fmt/format.h>

#include <csignal>
#include <cstdlib>
#include <memory>
#include <thread>

#include "cli_support.h"
#include "config_file.h"
#include "web/server.h"

namespace paddock::cli {
namespace {

struct ServeArgs {
  std::string db;
  std::string host = "127.0.0.1";
  int port = 8501;
  std::string token;
};

int run_serve(const ServeArgs& args) {
  web::ServeOptions options;
  options.db_path = args.db;
  options.host = args.host;
  options.port = args.port;
  options.token = args.token;
  options.default_max_running = current_config().max_running;
  // The signals are taken by one thread of ours (sigwait), so none interrupts a request: they
  // are blocked before any server thread starts, and every thread inherits the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  Result<std::unique_ptr<web::WebServer>> server = web::WebServer::create(options);
  if (!server.ok()) return report(server.error());
  std::thread stopper([&stop_signals, &server] {
    int received = 0;
    sigwait(&stop_signals, &received);
    fmt::print("\npaddock serve: {} received, stopping\n", received == SIGTERM ? "SIGTERM" : "SIGINT");
    std::fflush(stdout);
    (*server)->stop();
  });
  const std::string host = args.host.find(':') != std::string::npos ? "[" + args.host + "]" : args.host;
  fmt::print("paddock serve: the dashboard of {} is at http://{}:{}/{}\n", args.db, host, (*server)->port(),
             args.token.empty() ? "" : "  (API calls need the token)");
  std::fflush(stdout);
  const Status served = (*server)->run();
  if (stopper.joinable()) {
    // run() ended without a signal (a listening error): wake the stopper so it can end.
    if (!served.ok()) pthread_kill(stopper.native_handle(), SIGTERM);
    stopper.join();
  }
  server->reset();
  if (!served.ok()) return report(served.error());
  fmt::print("paddock serve: stopped\n");
  return kExitOk;
}

}  // namespace

void add_serve_command(CLI::App& app, Action& action) {
  auto args = std::make_shared<ServeArgs>();
  CLI::App* cmd = app.add_subcommand("serve", "Serve the dashboard and its JSON API (docs/rest-api.md)");
  add_db_option(*cmd, args->db, "SQLite database file");
  cmd->add_option("--host", args->host, "Address to listen on; other than a loopback address needs --token")
      ->capture_default_str();
  cmd->add_option("--port", args->port, "Port (0: any free port)")->transform(decimal_integer(0, 65535))
      ->capture_default_str();
  cmd->add_option("--token", args->token, "Token every API call must give (Authorization: Bearer ...)")
      ->envname("PADDOCK_TOKEN");
  cmd->callback([args, &action] { action = [args] { return run_serve(*args); }; });
}

}  // namespace paddock::cli
