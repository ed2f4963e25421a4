// paddock import: load races and runners from the canonical CSV files (docs/data-formats.md).
#include <fmt/format.h>

#include <memory>
#include <string>

#include "cli_support.h"
#include "ingest/csv_importer.h"

namespace paddock::cli {
namespace {

struct ImportArgs {
  std::string db;
  std::string races;
  std::string runners;
  bool skip_bad_rows = false;
};

// 1432 -> "1,432".
std::string with_thousands(std::int64_t value) {
  std::string digits = std::to_string(value < 0 ? -value : value);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(static_cast<std::size_t>(i), ",");
  return value < 0 ? "-" + digits : digits;
}

void print_summary(const ImportArgs& args, const ImportReport& report) {
  fmt::print("Imported {} race{} and {} runner{} from {}, {}\n", with_thousands(report.races),
             report.races == 1 ? "" : "s", with_thousands(report.runners), report.runners == 1 ? "" : "s",
             args.races, args.runners);
  fmt::print("  {} new race{}, {} updated\n", with_thousands(report.new_races), report.new_races == 1 ? "" : "s",
             with_thousands(report.updated_races));
  for (const std::string& warning : report.warnings) fmt::print(stderr, "paddock: warning: {}\n", warning);
  if (report.bad_rows.empty()) return;
  fmt::print(stderr, "Skipped {} bad row{}:\n", report.bad_rows.size(), report.bad_rows.size() == 1 ? "" : "s");
  for (const BadRow& row : report.bad_rows) fmt::print(stderr, "  {}\n", row.message);
}

int run_import(const ImportArgs& args) {
  Result<std::unique_ptr<Database>> db = open_or_create_db(args.db);
  if (!db.ok()) return report(db.error());
  ImportOptions options;
  options.races_csv = args.races;
  options.runners_csv = args.runners;
  options.bad_rows = args.skip_bad_rows ? BadRowPolicy::kSkip : BadRowPolicy::kRejectAll;
  Result<ImportReport> imported = import_csv(**db, options);
  if (!imported.ok()) return report(imported.error());
  print_summary(args, *imported);
  return kExitOk;
}

}  // namespace

void add_import_command(CLI::App& app, Action& action) {
  auto args = std::make_shared<ImportArgs>();
  CLI::App* cmd = app.add_subcommand("import", "Import races and runners from CSV files (docs/data-formats.md)");
  cmd->add_option("--db", args->db, "SQLite database file to create or fill")->envname("PADDOCK_DB")->required();
  cmd->add_option("--races", args->races, "races.csv: one row per race")->required();
  cmd->add_option("--runners", args->runners, "runners.csv: one row per runner")->required();
  cmd->add_flag("--skip-bad-rows", args->skip_bad_rows,
                "Import the good rows and list the bad ones, instead of importing nothing");
  cmd->callback([args, &action] { action = [args] { return run_import(*args); }; });
}

}  // namespace paddock::cli
