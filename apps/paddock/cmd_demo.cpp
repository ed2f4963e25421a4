// paddock demo: create a realistic synthetic racing database.
#include <fmt/format.h>

#include <filesystem>
#include <memory>

#include "cli_support.h"
#include "demo/demo_generator.h"

namespace paddock::cli {
namespace {

struct DemoArgs {
  std::string db;
  std::int64_t races = 20000;
  std::uint64_t seed = 42;
  std::string start = "2020-01-01";
  int days_ahead = 2;
};

// The database files SQLite keeps for `path`: the main file, its WAL and its shared memory.
void remove_database_files(const std::filesystem::path& path) {
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix, ec);
}

// A demo must be whole or absent: one killed halfway must not leave a database that looks
// complete. It is built in `<db>.partial` and renamed to `<db>` at its end; a `.partial` left by
// a killed run is removed and the demo starts over.
Status check_target(const std::string& target) {
  std::error_code ec;
  if (!std::filesystem::exists(target, ec)) return ok_status();
  PADDOCK_ASSIGN_OR_RETURN(std::unique_ptr<Database> existing, open_db(target, Database::Access::kReadOnly));
  PADDOCK_ASSIGN_OR_RETURN(const Database::Counts counts, existing->counts());
  if (counts.races > 0) {
    return make_error(ErrorCode::kFailedPrecondition,
                      fmt::format("database '{}' already holds {} races; `paddock demo` fills an empty database "
                                  "(choose a new --db file)", target, counts.races));
  }
  return ok_status();
}

Result<DemoReport> generate_into(const std::string& partial, const DemoOptions& options) {
  PADDOCK_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, open_or_create_db(partial));
  return generate_demo(*db, options, [](std::string_view line) {
    fmt::print("{}\n", line);
    std::fflush(stdout);
  });
}  // closing the database merges its WAL into the main file

Status move_into_place(const std::string& partial, const std::string& target) {
  remove_database_files(target);  // an empty database, checked above
  std::error_code ec;
  if (std::filesystem::exists(partial + "-wal", ec)) std::filesystem::rename(partial + "-wal", target + "-wal", ec);
  if (!ec) std::filesystem::rename(partial, target, ec);
  if (ec) return make_error(ErrorCode::kIo, fmt::format("cannot rename '{}' to '{}': {}", partial, target, ec.message()));
  std::filesystem::remove(partial + "-shm", ec);
  return ok_status();
}

int run_demo(const DemoArgs& args) {
  Result<Day> start = parse_day(args.start);
  if (!start.ok()) return report(make_error(ErrorCode::kInvalidArgument, "--start: " + start.error().message));
  const Status target_ok = check_target(args.db);
  if (!target_ok.ok()) return report(target_ok.error());
  const std::string partial = args.db + ".partial";
  std::error_code ec;
  if (std::filesystem::exists(partial, ec)) {
    fmt::print("Removing '{}', left by a `paddock demo` that was interrupted; starting over\n", partial);
    remove_database_files(partial);
  }
  DemoOptions options;
  options.races = args.races;
  options.seed = args.seed;
  options.start = *start;
  options.days_ahead = args.days_ahead;
  fmt::print("Generating {} races into {} (seed {}, from {})\n", args.races, args.db, args.seed, args.start);
  Result<DemoReport> result = generate_into(partial, options);
  if (!result.ok()) {
    remove_database_files(partial);
    return report(result.error());
  }
  const Status moved = move_into_place(partial, args.db);
  if (!moved.ok()) return report(moved.error());
  const DemoReport& r = *result;
  fmt::print(
      "Done: {} races ({} upcoming, {} Quinté+) over {} days, {} .. {}\n"
      "      {} runners, {} horses, mean field {:.1f}, non-runners {:.1f}%, incidents {:.1f}%\n"
      "      market favourite won {:.1f}% (true favourite {:.1f}%), mean over-round {:.3f}\n"
      "      {:.1f}s, {:.0f} races/s\n",
      r.races, r.upcoming_races, r.quinte_races, r.days, r.first_day, r.last_day, r.runners, r.horses,
      r.mean_field_size, 100 * r.non_runner_rate, 100 * r.incident_rate, 100 * r.favourite_win_rate,
      100 * r.truth_favourite_win_rate, r.mean_overround, r.seconds,
      static_cast<double>(r.races) / std::max(r.seconds, 1e-9));
  return kExitOk;
}

}  // namespace

void add_demo_command(CLI::App& app, Action& action) {
  auto args = std::make_shared<DemoArgs>();
  CLI::App* cmd = app.add_subcommand("demo", "Create a realistic synthetic French racing database");
  add_db_option(*cmd, args->db, "SQLite database file to create or fill (must hold no races; built as <db>.partial, renamed at the end)");
  cmd->add_option("--races", args->races, "Number of races to generate")
      ->transform(decimal_integer(1, 100'000'000))->capture_default_str();
  cmd->add_option("--seed", args->seed, "Random seed: the same seed gives the same data")
      ->transform(decimal_integer(0))->capture_default_str();
  cmd->add_option("--start", args->start, "First race day, YYYY-MM-DD")->capture_default_str();
  cmd->add_option("--days-ahead", args->days_ahead, "Number of last days left upcoming (no results)")
      ->transform(decimal_integer(0, 3650))->capture_default_str();
  cmd->callback([args, &action] { action = [args] { return run_demo(*args); }; });
}

}  // namespace paddock::cli
