// paddock demo: create a realistic synthetic racing database.
#include <fmt/format.h>

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

int run_demo(const DemoArgs& args) {
  Result<Day> start = parse_day(args.start);
  if (!start.ok()) return report(make_error(ErrorCode::kInvalidArgument, "--start: " + start.error().message));
  Result<std::unique_ptr<Database>> db = open_or_create_db(args.db);
  if (!db.ok()) return report(db.error());
  DemoOptions options;
  options.races = args.races;
  options.seed = args.seed;
  options.start = *start;
  options.days_ahead = args.days_ahead;
  fmt::print("Generating {} races into {} (seed {}, from {})\n", args.races, args.db, args.seed, args.start);
  Result<DemoReport> result = generate_demo(**db, options, [](std::string_view line) {
    fmt::print("{}\n", line);
    std::fflush(stdout);
  });
  if (!result.ok()) return report(result.error());
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
  cmd->add_option("--db", args->db, "SQLite database file to create or fill (must hold no races)")->envname("PADDOCK_DB")->required();
  cmd->add_option("--races", args->races, "Number of races to generate")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--seed", args->seed, "Random seed: the same seed gives the same data")->capture_default_str();
  cmd->add_option("--start", args->start, "First race day, YYYY-MM-DD")->capture_default_str();
  cmd->add_option("--days-ahead", args->days_ahead, "Number of last days left upcoming (no results)")
      ->check(CLI::NonNegativeNumber)->capture_default_str();
  cmd->callback([args, &action] { action = [args] { return run_demo(*args); }; });
}

}  // namespace paddock::cli
