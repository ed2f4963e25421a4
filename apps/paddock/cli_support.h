// What every subcommand shares: printing errors the same way, opening the database, finding
// the model to use, and parsing dates given on the command line.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/error.h"
#include "model/model.h"
#include "store/database.h"

namespace paddock::cli {

// The action a parsed subcommand leaves behind; returns the process exit code.
using Action = std::function<int()>;

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
void add_models_command(CLI::App& app, Action& action);
void add_features_command(CLI::App& app, Action& action);
// The seed's `batch_predict`: the predict options on the top-level app.
void add_predict_options(CLI::App& app, Action& action);

}  // namespace paddock::cli
