// paddock import: load races and runners from the canonical CSV files, or from the PMU's JSON
// (docs/data-formats.md). An import that fails leaves no trace: the input files are checked
// before the database is opened, and a database file this run created is removed again.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "cli_support.h"
#include "core/file_reader.h"
#include "ingest/csv_importer.h"
#include "ingest/pmu_importer.h"

namespace paddock::cli {
namespace {

struct ImportArgs {
  std::string db;
  std::string races;
  std::string runners;
  std::vector<std::string> pmu;
  bool skip_bad_rows = false;
};

// 1432 -> "1,432".
std::string with_thousands(std::int64_t value) {
  std::string digits = std::to_string(value < 0 ? -value : value);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(static_cast<std::size_t>(i), ",");
  return value < 0 ? "-" + digits : digits;
}

void print_summary(const std::string& sources, const ImportReport& report) {
  fmt::print("Imported {} race{} and {} runner{} from {}\n", with_thousands(report.races),
             report.races == 1 ? "" : "s", with_thousands(report.runners), report.runners == 1 ? "" : "s",
             sources);
  fmt::print("  {} new race{}, {} updated\n", with_thousands(report.new_races), report.new_races == 1 ? "" : "s",
             with_thousands(report.updated_races));
  for (const std::string& warning : report.warnings) fmt::print(stderr, "paddock: warning: {}\n", warning);
  if (report.bad_rows.empty()) return;
  fmt::print(stderr, "Skipped {} bad row{}:\n", report.bad_rows.size(), report.bad_rows.size() == 1 ? "" : "s");
  for (const BadRow& row : report.bad_rows) fmt::print(stderr, "  {}\n", row.message);
}

// The CSV files exist and are regular files (CLI11 checks that each --pmu is a directory).
Status check_inputs(const ImportArgs& args) {
  if (!args.pmu.empty()) return ok_status();
  PADDOCK_TRY(check_regular_file(args.races));
  return check_regular_file(args.runners);
}

// In doubt (the path cannot be examined), the file is taken to exist: it is never removed.
bool database_exists(const std::string& path) {
  std::error_code ec;
  const bool exists = std::filesystem::exists(path, ec);
  return exists || ec;
}

// The database file and the files SQLite keeps beside it.
void remove_database_files(const std::string& path) {
  std::error_code ignored;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) std::filesystem::remove(path + suffix, ignored);
}

// Opens (or creates) the database, imports, and closes it again on return.
Result<ImportReport> open_and_import(const ImportArgs& args) {
  PADDOCK_ASSIGN_OR_RETURN(const std::unique_ptr<Database> db, open_or_create_db(args.db));
  const BadRowPolicy policy = args.skip_bad_rows ? BadRowPolicy::kSkip : BadRowPolicy::kRejectAll;
  if (!args.pmu.empty()) {
    PmuImportOptions pmu;
    pmu.paths.assign(args.pmu.begin(), args.pmu.end());
    pmu.bad_rows = policy;
    return import_pmu(*db, pmu);
  }
  ImportOptions options;
  options.races_csv = args.races;
  options.runners_csv = args.runners;
  options.bad_rows = policy;
  return import_csv(*db, options);
}

int run_import(const ImportArgs& args) {
  if (args.pmu.empty() && (args.races.empty() || args.runners.empty())) {
    return report(make_error(ErrorCode::kInvalidArgument, "give --races and --runners (CSV), or --pmu DIR (PMU JSON)"));
  }
  // Check the inputs before the database exists: a mistyped path must not create an empty one.
  if (Status inputs = check_inputs(args); !inputs.ok()) return report(inputs.error());

  // Import, and if that fails, remove the database again when this run created it: it would
  // hold an empty schema at best.
  const bool created = !database_exists(args.db);
  Result<ImportReport> imported = open_and_import(args);
  if (!imported.ok()) {
    if (created) remove_database_files(args.db);
    return report(imported.error());
  }
  print_summary(args.pmu.empty() ? args.races + ", " + args.runners : fmt::format("{}", fmt::join(args.pmu, ", ")),
                *imported);
  return kExitOk;
}

}  // namespace

void add_import_command(CLI::App& app, Action& action) {
  auto args = std::make_shared<ImportArgs>();
  CLI::App* cmd = app.add_subcommand("import", "Import races and runners from CSV files or PMU JSON (docs/data-formats.md)");
  cmd->add_option("--db", args->db, "SQLite database file to create or fill")->envname("PADDOCK_DB")->required();
  CLI::Option* races = cmd->add_option("--races", args->races, "races.csv: one row per race");
  CLI::Option* runners = cmd->add_option("--runners", args->runners, "runners.csv: one row per runner");
  cmd->add_option("--pmu", args->pmu,
                  "PMU JSON: day directories DDMMYYYY (programme.json, R<r>/C<c>/participants.json), or "
                  "directories holding them")
      ->check(CLI::ExistingDirectory)
      ->excludes(races)
      ->excludes(runners);
  cmd->add_flag("--skip-bad-rows", args->skip_bad_rows,
                "Import the good rows (races, for --pmu) and list the bad ones, instead of importing nothing");
  cmd->callback([args, &action] { action = [args] { return run_import(*args); }; });
}

}  // namespace paddock::cli
