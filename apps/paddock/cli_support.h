// What every subcommand shares: printing errors the same way, opening the database, finding
// the model to use, and parsing dates given on the command line.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>

#include "core/error.h"
#include "model/model.h"
#include "store/database.h"

namespace paddock::cli {

// The action a parsed subcommand leaves behind; returns the process exit code.
using Action = std::function<int()>;

// Integers on the command line are decimal. CLI11 reads integers with strtoll's base 0, so
// that "0100" is 64 and "0x10" 16, and it clamps what does not fit: this transform accepts
// only an optional '-' and digits, checks that the value is between `min` and `max`, and
// hands CLI11 the plain decimal form. Messages name the value and the limits in a few words.
CLI::Validator decimal_integer(std::int64_t min = std::numeric_limits<std::int64_t>::min(),
                               std::int64_t max = std::numeric_limits<std::int64_t>::max());

// The --db option every subcommand takes, read from PADDOCK_DB when absent.
CLI::Option* add_db_option(CLI::App& app, std::string& target, const std::string& help);

// Parses the command line and runs the chosen action, turning every way it can go wrong into
// one "paddock: error: ..." line and an exit code: an unknown flag or subcommand (with the
// closest known one), a missing --db (with PADDOCK_DB), and an exception that escaped a
// subcommand (an internal error, never an abort).
int run_cli(CLI::App& app, int argc, char** argv, Action& action);

// "paddock: error: <description>" on stderr, and the exit code for the error.
int report(const Error& error);

// Opens a database that must exist already (every command but demo and import, which create).
Result<std::unique_ptr<Database>> open_db(const std::string& path,
                                          Database::Access access = Database::Access::kReadWrite);
// Opens or creates.
Result<std::unique_ptr<Database>> open_or_create_db(const std::string& path);
Result<std::optional<Day>> optional_day(const std::string& text, const char* flag);

struct LoadedModel {
  ModelRecord record;
  Model model;
};
// The model with this id, or the active one; a clear error when there is none.
Result<LoadedModel> load_model(Database& db, std::optional<ModelId> id);

// Registration of each subcommand; each sets `action` when its subcommand is chosen.
void add_demo_command(CLI::App& app, Action& action);
void add_import_command(CLI::App& app, Action& action);
void add_train_command(CLI::App& app, Action& action);
void add_evaluate_command(CLI::App& app, Action& action);
void add_predict_command(CLI::App& app, Action& action);
void add_export_command(CLI::App& app, Action& action);
void add_card_command(CLI::App& app, Action& action);
void add_models_command(CLI::App& app, Action& action);
void add_features_command(CLI::App& app, Action& action);
void add_jobs_command(CLI::App& app, Action& action);
void add_serve_command(CLI::App& app, Action& action);
void add_schedules_command(CLI::App& app, Action& action);
void add_notify_command(CLI::App& app, Action& action);
// The batch prediction guide's `batch_predict`: the predict options on the top-level app.
void add_predict_options(CLI::App& app, Action& action);

}  // namespace paddock::cli
