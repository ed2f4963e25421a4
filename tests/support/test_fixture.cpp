#include "support/test_fixture.h"

#include <fmt/format.h>
#include <sqlite3.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>

#include "demo/demo_generator.h"
#include "model/trainer.h"

namespace paddock::testing {
namespace {

std::string make_unique_dir(const std::string& name) {
  static std::atomic<int> counter{0};
  const auto path = std::filesystem::temp_directory_path() /
                    fmt::format("paddock-{}-{}-{}", name, getpid(), counter++);
  std::filesystem::remove_all(path);
  std::filesystem::create_directories(path);
  return path.string();
}

// The shared demo is built once per test binary build, whatever the number of test processes:
// its directory is named after the test executable's size and time, and a file lock keeps
// concurrent processes (ctest -j) from building it twice.
std::string build_shared_demo() {
  struct stat self {};
  stat("/proc/self/exe", &self);
  const std::string directory = (std::filesystem::temp_directory_path() /
                                 fmt::format("paddock-test-fixture-{}-{}", self.st_size, self.st_mtime)).string();
  std::filesystem::create_directories(directory);
  const std::string db_path = directory + "/demo.db";
  const int lock = open((directory + "/lock").c_str(), O_CREAT | O_RDWR, 0644);
  flock(lock, LOCK_EX);
  if (std::filesystem::exists(directory + "/ready")) {
    flock(lock, LOCK_UN);
    close(lock);
    return db_path;
  }
  std::filesystem::remove(db_path);
  std::filesystem::remove_all(directory + "/model");  // a model's directory is never replaced
  {
    std::unique_ptr<Database> db = open_or_die(db_path);
    DemoOptions options;
    options.races = 3000;
    options.seed = 7;
    options.start = *parse_day("2020-01-01");
    options.days_ahead = 2;
    Result<DemoReport> demo = generate_demo(*db, options, [](std::string_view) {});
    if (!demo.ok()) throw std::runtime_error(demo.error().describe());
    TrainOptions train;
    train.booster.trees = 40;
    train.booster.depth = 4;
    train.booster.learning_rate = 0.1;
    train.out_dir = directory + "/model";
    train.name = "test-model";
    Result<TrainReport> trained = train_model(*db, train, [](std::string_view) {});
    if (!trained.ok()) throw std::runtime_error(trained.error().describe());
  }
  std::ofstream(directory + "/ready") << "ok\n";
  flock(lock, LOCK_UN);
  close(lock);
  return db_path;
}

}  // namespace

TempDir::TempDir(const std::string& name) : path_(make_unique_dir(name)) {}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string demo_database_copy(const std::string& directory) {
  static std::once_flag once;
  static std::string shared;
  std::call_once(once, [] { shared = build_shared_demo(); });
  const std::string copy = directory + "/demo.db";
  std::filesystem::copy_file(shared, copy, std::filesystem::copy_options::overwrite_existing);
  return copy;
}

std::unique_ptr<Database> open_or_die(const std::string& path) {
  Result<std::unique_ptr<Database>> db = open_database(path);
  if (!db.ok()) throw std::runtime_error(db.error().describe());
  return std::move(*db);
}

CommandResult run_paddock(const std::vector<std::string>& args) { return run_command(PADDOCK_BINARY, args); }

CommandResult run_command(const std::string& program, const std::vector<std::string>& args) {
  std::string command = program;
  for (const std::string& arg : args) {
    command += " '";
    for (char c : arg) command += c == '\'' ? std::string("'\\''") : std::string(1, c);
    command += "'";
  }
  command += " 2>&1";
  CommandResult result;
  std::FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer{};
  std::size_t read = 0;
  while ((read = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.output.append(buffer.data(), read);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string query_text(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    throw std::runtime_error("cannot open " + db_path);
  }
  sqlite3_busy_timeout(db, 10000);
  sqlite3_stmt* stmt = nullptr;
  std::string text;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
    const std::string message = sqlite3_errmsg(db);
    sqlite3_close(db);
    throw std::runtime_error(message + " in " + sql);
  }
  if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr) {
    text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return text;
}

std::int64_t query_int(const std::string& db_path, const std::string& sql) {
  const std::string text = query_text(db_path, sql);
  return text.empty() ? 0 : std::stoll(text);
}

}  // namespace paddock::testing

namespace paddock::testing {

void exec_sql(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open(db_path.c_str(), &db) != SQLITE_OK) {
    sqlite3_close(db);
    throw std::runtime_error("cannot open " + db_path);
  }
  sqlite3_busy_timeout(db, 10000);
  char* error = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  const std::string message = error != nullptr ? error : "";
  sqlite3_free(error);
  sqlite3_close(db);
  if (rc != SQLITE_OK) throw std::runtime_error(message + " in " + sql);
}

}  // namespace paddock::testing
