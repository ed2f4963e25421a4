// paddock export: predictions as CSV, for a job or a range of days.
#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <memory>

#include "cli_support.h"
#include "engine/prediction_export.h"

namespace paddock::cli {
namespace {

struct ExportArgs {
  std::string db;
  std::string job;
  std::string date;
  std::string from;
  std::string to;
  std::optional<ModelId> model;
  std::string out;
};

Result<ExportQuery> build_query(Database& db, const ExportArgs& args) {
  ExportQuery query;
  PADDOCK_ASSIGN_OR_RETURN(const std::optional<Day> date, optional_day(args.date, "--date"));
  PADDOCK_ASSIGN_OR_RETURN(query.from, optional_day(args.from, "--from"));
  PADDOCK_ASSIGN_OR_RETURN(query.to, optional_day(args.to, "--to"));
  if (date) query.from = query.to = date;
  query.model_id = args.model;
  if (!args.job.empty()) {
    PADDOCK_ASSIGN_OR_RETURN(const std::optional<JobRow> job, db.find_job(args.job));
    if (!job) return make_error(ErrorCode::kNotFound, fmt::format("no job '{}' in '{}'", args.job, db.location()));
    query.job_id = args.job;
    if (!query.model_id) query.model_id = job->model_id;
  }
  if (query.model_id) {
    PADDOCK_ASSIGN_OR_RETURN(const std::optional<ModelRecord> model, db.find_model(*query.model_id));
    if (!model) return make_error(ErrorCode::kNotFound, fmt::format("no model {} in '{}'", *query.model_id, db.location()));
  } else {
    PADDOCK_ASSIGN_OR_RETURN(const std::optional<ModelRecord> active, db.active_model());
    if (!active) return make_error(ErrorCode::kFailedPrecondition, "no active model; pass --model");
    query.model_id = active->id;
  }
  return query;
}

int run_export(const ExportArgs& args) {
  if (args.job.empty() && args.date.empty() && args.from.empty() && args.to.empty()) {
    return report(make_error(ErrorCode::kInvalidArgument, "give --job, --date or --from/--to"));
  }
  Result<std::unique_ptr<Database>> db = open_db(args.db, Database::Access::kReadOnly);
  if (!db.ok()) return report(db.error());
  Result<ExportQuery> query = build_query(**db, args);
  if (!query.ok()) return report(query.error());
  std::ofstream file;
  if (!args.out.empty() && args.out != "-") {
    file.open(args.out);
    if (!file) return report(make_error(ErrorCode::kIo, fmt::format("cannot write '{}'", args.out)));
  }
  std::ostream& out = file.is_open() ? static_cast<std::ostream&>(file) : std::cout;
  Result<std::int64_t> rows = export_predictions_csv(**db, *query, out);
  if (!rows.ok()) return report(rows.error());
  if (*rows == 0) {
    // The header alone is written (a program reading the output still finds its columns).
    Result<std::string> why = explain_empty_export(**db, *query);
    return report(make_error(ErrorCode::kNotFound,
                             "no predictions to export: " + (why.ok() ? *why : first_line(why.error().message))));
  }
  if (file.is_open()) std::fprintf(stderr, "Wrote %lld predictions to %s\n", static_cast<long long>(*rows), args.out.c_str());
  return kExitOk;
}

}  // namespace

void add_export_command(CLI::App& app, Action& action) {
  auto args = std::make_shared<ExportArgs>();
  CLI::App* cmd = app.add_subcommand("export", "Write predictions as CSV");
  add_db_option(*cmd, args->db, "SQLite database file");
  CLI::Option* job = cmd->add_option("--job", args->job, "The races of this job");
  CLI::Option* date = cmd->add_option("--date", args->date, "The races of this day, YYYY-MM-DD");
  CLI::Option* from = cmd->add_option("--from", args->from, "First day, YYYY-MM-DD");
  CLI::Option* to = cmd->add_option("--to", args->to, "Last day, YYYY-MM-DD");
  cmd->add_option("--model", args->model, "Model id (default: the job's model, else the active one)")->transform(decimal_integer(1));
  cmd->add_option("--out", args->out, "Output file (default: standard output)");
  date->excludes(from)->excludes(to);
  (void)job;
  cmd->callback([args, &action] { action = [args] { return run_export(*args); }; });
}

}  // namespace paddock::cli
