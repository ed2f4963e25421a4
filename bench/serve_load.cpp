// serve_load: figures for `paddock serve` (not a pass/fail test).
//
//   serve_load --db DEMO.db --paddock build/paddock [--jobs 1000] [--clients 20]
//              [--poll-ms 1000] [--seconds 180] [--updates 100]
//
// On a copy of the database with `--jobs` finished jobs added to its history, starts
// `paddock serve` as its own process on a free port, then:
//   1. the delay from a commit to its server-sent event: a job row's message is changed
//      `--updates` times by another connection (as a job's chunk commit does), and the time
//      from each COMMIT returning to the event carrying it arriving on an open /api/events
//      stream is measured;
//   2. with `--clients` clients each polling every `--poll-ms` (status of one job, then the
//      list of 100) for `--seconds`, every request's latency, and the server's resident memory
//      (VmRSS) sampled every 10 s: its start, its peak and its end tell whether it grows.
// Prints median, p99 and max of each, in milliseconds.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <httplib.h>
#include <signal.h>
#include <spawn.h>
#include <sqlite3.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>
#include <vector>

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;

struct Args {
  std::string db;
  std::string paddock = "build/paddock";
  int jobs = 1000;
  int clients = 20;
  int poll_ms = 1000;
  int seconds = 180;
  int updates = 100;
};

void sql(sqlite3* db, const std::string& text) {
  char* error = nullptr;
  if (sqlite3_exec(db, text.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    const std::string message = error != nullptr ? error : "?";
    sqlite3_free(error);
    throw std::runtime_error(message + " in: " + text.substr(0, 200));
  }
}

double milliseconds(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

std::string summary(std::vector<double> values) {
  if (values.empty()) return "no samples";
  std::sort(values.begin(), values.end());
  const auto at = [&](double q) { return values[std::min(values.size() - 1, static_cast<std::size_t>(q * values.size()))]; };
  return fmt::format("median {:.2f} ms, p99 {:.2f} ms, max {:.2f} ms ({} samples)", at(0.5), at(0.99), values.back(),
                     values.size());
}

long rss_kb(pid_t pid) {
  std::ifstream status(fmt::format("/proc/{}/status", pid));
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

// A port free now: bound to 0, read back, closed.
int free_port() {
  const int sock = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  ::bind(sock, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  ::getsockname(sock, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(sock);
  return ntohs(address.sin_port);
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  CLI::App app{"Latency, event delay and memory of paddock serve under polling clients"};
  app.add_option("--db", args.db, "A paddock demo database (copied, never changed)")->required();
  app.add_option("--paddock", args.paddock, "The paddock program");
  app.add_option("--jobs", args.jobs, "Finished jobs in the history");
  app.add_option("--clients", args.clients, "Polling clients");
  app.add_option("--poll-ms", args.poll_ms, "Each client's polling period");
  app.add_option("--seconds", args.seconds, "Length of the polling load");
  app.add_option("--updates", args.updates, "Commits timed to their events");
  CLI11_PARSE(app, argc, argv);

  const std::string dir = fmt::format("/tmp/paddock-serve-load-{}", getpid());
  std::filesystem::create_directories(dir);
  const std::string db_path = dir + "/load.db";
  std::filesystem::copy_file(args.db, db_path);
  sqlite3* db = nullptr;
  sqlite3_open(db_path.c_str(), &db);
  sqlite3_busy_timeout(db, 5000);
  sql(db, "PRAGMA journal_mode = WAL");
  // A history of finished jobs, as months of use leave (the columns a listing reads).
  sql(db, fmt::format(
              "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {}) "
              "INSERT INTO prediction_jobs (job_id, status, progress, message, total_races, processed_races, "
              "successful_races, failed_races, start_time, end_time, config, created_at) "
              "SELECT printf('history_%05d', i), 'completed', 100, 'Completed', 31, 31, 31, 0, "
              "'2026-01-01 08:00:00', '2026-01-01 08:00:02', '{{\"date\":\"2020-03-10\"}}', "
              "printf('2026-01-01 08:%02d:%02d', (i / 60) % 60, i % 60) FROM n",
              args.jobs));
  sql(db, "INSERT INTO prediction_jobs (job_id, status, progress, message, total_races, processed_races, "
          "successful_races, failed_races, config, created_at, start_time, pid, host) VALUES ('watched', 'completed', "
          "100, 'start', 31, 31, 31, 0, '{}', '2027-01-01 00:00:00', '2027-01-01 00:00:00', 0, '')");

  const int port = free_port();
  const std::string port_text = std::to_string(port);
  std::vector<char*> argv_server{args.paddock.data(), const_cast<char*>("serve"), const_cast<char*>("--db"),
                                 const_cast<char*>(db_path.c_str()), const_cast<char*>("--port"),
                                 const_cast<char*>(port_text.c_str()), nullptr};
  pid_t server = 0;
  if (posix_spawn(&server, args.paddock.c_str(), nullptr, nullptr, argv_server.data(), environ) != 0) {
    fmt::print(stderr, "cannot start {}\n", args.paddock);
    return 1;
  }
  httplib::Client client("127.0.0.1", port);
  for (int i = 0; i < 200; ++i) {
    if (auto res = client.Get("/api/health"); res && res->status == 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  fmt::print("paddock serve on port {} (pid {}), {} jobs in the history; RSS at start {} kB\n", port, server,
             args.jobs + 1, rss_kb(server));

  // 1. Commit -> event.
  std::mutex mutex;
  std::vector<std::pair<int, Clock::time_point>> arrivals;
  std::atomic<bool> stop_stream{false};
  std::thread stream([&] {
    httplib::Client events("127.0.0.1", port);
    events.set_read_timeout(120);
    std::string buffer;
    events.Get("/api/events", [&](const char* data, std::size_t length) {
      const auto now = Clock::now();
      buffer.append(data, length);
      std::size_t at = 0;
      while ((at = buffer.find("\"message\":\"update ")) != std::string::npos) {
        const int n = std::stoi(buffer.substr(at + 18));
        buffer.erase(0, at + 18);
        const std::lock_guard<std::mutex> lock(mutex);
        arrivals.emplace_back(n, now);
      }
      if (buffer.size() > 4096) buffer.erase(0, buffer.size() - 64);
      return !stop_stream.load();
    });
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  std::vector<Clock::time_point> committed(args.updates);
  for (int n = 0; n < args.updates; ++n) {
    sql(db, fmt::format("UPDATE prediction_jobs SET message = 'update {}' WHERE job_id = 'watched'", n));
    committed[n] = Clock::now();
    std::this_thread::sleep_for(std::chrono::milliseconds(150 + (n * 37) % 100));  // not in step with the watcher
  }
  std::this_thread::sleep_for(std::chrono::seconds(1));
  std::vector<double> delays;
  {
    const std::lock_guard<std::mutex> lock(mutex);
    for (const auto& [n, at] : arrivals) delays.push_back(milliseconds(at - committed[n]));
  }
  fmt::print("commit -> server-sent event: {} ({} of {} commits seen)\n", summary(delays), delays.size(), args.updates);
  std::fflush(stdout);

  // 2. Polling clients.
  std::atomic<bool> stop{false};
  std::vector<double> status_ms, list_ms;
  std::atomic<long> errors{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < args.clients; ++c) {
    clients.emplace_back([&, c] {
      httplib::Client poller("127.0.0.1", port);
      poller.set_keep_alive(true);
      std::vector<double> mine_status, mine_list;
      auto next = Clock::now() + std::chrono::milliseconds(args.poll_ms * c / args.clients);
      while (!stop) {
        std::this_thread::sleep_until(next);
        next += std::chrono::milliseconds(args.poll_ms);
        auto start = Clock::now();
        auto res = poller.Get(fmt::format("/api/jobs/history_{:05d}", 1 + (c * 7919) % args.jobs).c_str());
        if (!res || res->status != 200) ++errors;
        mine_status.push_back(milliseconds(Clock::now() - start));
        start = Clock::now();
        res = poller.Get("/api/jobs?limit=100");
        if (!res || res->status != 200) ++errors;
        mine_list.push_back(milliseconds(Clock::now() - start));
      }
      const std::lock_guard<std::mutex> lock(mutex);
      status_ms.insert(status_ms.end(), mine_status.begin(), mine_status.end());
      list_ms.insert(list_ms.end(), mine_list.begin(), mine_list.end());
    });
  }
  std::vector<long> rss;
  const auto end = Clock::now() + std::chrono::seconds(args.seconds);
  while (Clock::now() < end) {
    rss.push_back(rss_kb(server));
    std::this_thread::sleep_for(std::chrono::seconds(std::min<long>(10, std::max<long>(1, args.seconds / 10))));
  }
  rss.push_back(rss_kb(server));
  stop = true;
  for (std::thread& t : clients) t.join();
  fmt::print("{} clients polling every {} ms for {} s ({} errors):\n", args.clients, args.poll_ms, args.seconds,
             errors.load());
  fmt::print("  GET /api/jobs/ID:         {}\n", summary(status_ms));
  std::fflush(stdout);
  fmt::print("  GET /api/jobs?limit=100:  {}\n", summary(list_ms));
  std::fflush(stdout);
  fmt::print("  server RSS: start {} kB, peak {} kB, end {} kB (samples:", rss.front(),
             *std::max_element(rss.begin(), rss.end()), rss.back());
  for (long kb : rss) fmt::print(" {}", kb / 1024);
  fmt::print(" MB)\n");
  std::fflush(stdout);

  stop_stream = true;
  sql(db, "UPDATE prediction_jobs SET message = 'bye' WHERE job_id = 'watched'");
  kill(server, SIGTERM);
  int status = 0;
  waitpid(server, &status, 0);
  stream.join();
  sqlite3_close(db);
  std::filesystem::remove_all(dir);
  fmt::print("server exit status {}\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  std::fflush(stdout);
  return 0;
}
