// paddock: batch predictions for horse races. One program with subcommands; called under the
// name `batch_predict` it is the batch prediction guide's script, taking the guide's flags.
#include <CLI/CLI.hpp>

#include <filesystem>
#include <string>
#include <string_view>

#include "cli_support.h"
#include "config_file.h"

namespace {

bool asks_for_help(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h" || arg == "--help-all" || arg == "--version") return true;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string called_as = std::filesystem::path(argv[0]).filename().string();
  paddock::cli::Action action;
  // paddock.toml, if there is one, gives the defaults of the flags (flags and PADDOCK_DB win).
  paddock::Result<paddock::cli::ConfigFile> config = paddock::cli::load_config_file();
  if (config.ok()) {
    paddock::cli::set_current_config(std::move(*config));
  } else if (!asks_for_help(argc, argv)) {  // help and the version need no configuration
    return paddock::cli::report(config.error());
  }
  if (called_as == "batch_predict") {
    CLI::App app{"batch_predict: predict races in a background-friendly batch job (paddock predict)"};
    paddock::cli::add_predict_options(app, action);
    paddock::cli::apply_config_defaults(app, paddock::cli::current_config());
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
  paddock::cli::add_card_command(app, action);
  paddock::cli::add_models_command(app, action);
  paddock::cli::add_features_command(app, action);
  paddock::cli::add_jobs_command(app, action);
  paddock::cli::add_schedules_command(app, action);
  paddock::cli::add_notify_command(app, action);
  paddock::cli::add_serve_command(app, action);
  paddock::cli::add_config_command(app, action);
  paddock::cli::apply_config_defaults(app, paddock::cli::current_config());
  return paddock::cli::run_cli(app, argc, argv, action);
}
