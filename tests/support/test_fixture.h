// Shared test fixtures: unique temporary directories, and a small demo database with a
// trained, active model — built once per test process (a few seconds) and copied per test so
// that tests never see each other's writes.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "store/database.h"

namespace paddock::testing {

// A fresh empty directory under the system temp dir; removed by ~TempDir.
class TempDir {
 public:
  explicit TempDir(const std::string& name);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Copies the shared demo database (3,000 races from 2020-01-01, seed 7, two upcoming days,
// model trained with 40 trees of depth 4 and active) to `directory`/demo.db; returns its path.
std::string demo_database_copy(const std::string& directory);

std::unique_ptr<Database> open_or_die(const std::string& path);

// Runs the built `paddock` binary with `args`; returns its exit code and captures its output.
struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};
CommandResult run_paddock(const std::vector<std::string>& args);
// Runs any program the same way (arguments quoted for the shell).
CommandResult run_command(const std::string& program, const std::vector<std::string>& args);

// Executes SQL and returns the first column of the first row as text ("" when none).
std::string query_text(const std::string& db_path, const std::string& sql);
std::int64_t query_int(const std::string& db_path, const std::string& sql);
// Runs SQL statements (throws on error): for tests that set up states the CLI cannot make.
void exec_sql(const std::string& db_path, const std::string& sql);

}  // namespace paddock::testing
