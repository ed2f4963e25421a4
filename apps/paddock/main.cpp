// paddock: batch predictions for horse races. One program with subcommands; called under the
// name `batch_predict` it is the batch prediction guide's script, taking the guide's flags.
#include <CLI/CLI.hpp>

#include <filesystem>
#include <string>

#include "cli_support.h"

int main(int argc, char** argv) {
  const std::string called_as = std::filesystem::path(argv[0]).filename().string();
  paddock::cli::Action action;
  if (called_as == "batch_predict") {
    CLI::App app{"batch_predict: predict races in a background-friendly batch job (paddock predict)"};
    paddock::cli::add_predict_options(app, action);
    return paddock::cli::run_cli(app, argc, argv, action);
  }
  CLI::App app{"paddock: batch predictions for horse races (French PMU racing, Quinté+)"};
  app.set_version_flag("--version", std::string("paddock 0.1.0"));
  app.require_subcommand(0, 1);
  paddock::cli::add_demo_command(app, action);
  paddock::cli::add_import_command(app, action);
  paddock::cli::add_train_command(app, action);
  paddock::cli::add_evaluate_command(app, action);
  paddock::cli::add_predict_command(app, action);
  paddock::cli::add_export_command(app, action);
  paddock::cli::add_models_command(app, action);
  paddock::cli::add_features_command(app, action);
  return paddock::cli::run_cli(app, argc, argv, action);
}
