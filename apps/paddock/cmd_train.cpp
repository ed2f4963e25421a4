// paddock train: fit Benter's two stages on finished races and register the model.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <memory>

#include "cli_support.h"
#include "core/identifier.h"
#include "model/trainer.h"

namespace paddock::cli {
namespace {

struct TrainArgs {
  std::string db;
  std::string from;
  std::string to;
  std::string out;
  std::string name;
  int trees = 300;
  int depth = 6;
  double learning_rate = 0.05;
  std::string objective = "rank:pairwise";
  double validation_fraction = 0.2;
  int threads = 0;
  bool no_activate = false;
  std::string stage1;
  bool tune = false;
  std::string tune_depths = "4,6,8";
  int tune_folds = 3;
  int early_stopping_rounds = 30;
};

std::string joined(const std::vector<int>& values) {
  return fmt::format("{}", fmt::join(values, ", "));
}

int run_train(const TrainArgs& args) {
  Result<std::optional<Day>> from = optional_day(args.from, "--from");
  if (!from.ok()) return report(from.error());
  Result<std::optional<Day>> to = optional_day(args.to, "--to");
  if (!to.ok()) return report(to.error());
  if (!args.name.empty()) {
    if (Status name = validate_identifier(args.name, "model name (--name)"); !name.ok()) return report(name.error());
  }
  TrainOptions options;
  options.from = *from;
  options.to = *to;
  options.out_dir = args.out;
  options.name = args.name;
  options.booster.trees = args.trees;
  options.booster.depth = args.depth;
  options.booster.learning_rate = args.learning_rate;
  options.booster.objective = args.objective;
  options.booster.threads = args.threads;
  options.validation_fraction = args.validation_fraction;
  options.activate = !args.no_activate;
  options.stage1_file = args.stage1;
  Result<std::unique_ptr<Database>> db = open_db(args.db);
  if (!db.ok()) return report(db.error());
  if (args.tune) {
    Result<std::vector<int>> depths = parse_depth_list(args.tune_depths);
    if (!depths.ok()) return report(make_error(depths.error().code, "--tune-depths: " + depths.error().message));
    options.tuning = TuningOptions{*depths, args.tune_folds, args.early_stopping_rounds};
  }
  if (options.tuning) {
    fmt::print("Training on {} (tuning: depths {}, up to {} trees, {} folds, {})\n", args.db,
               joined(options.tuning->depths), args.trees, args.tune_folds, args.objective);
  } else if (args.stage1.empty()) {
    fmt::print("Training on {} ({} trees, depth {}, {})\n", args.db, args.trees, args.depth, args.objective);
  } else {
    fmt::print("Calibrating {} on {}\n", args.stage1, args.db);
  }
  Result<TrainReport> result = train_model(**db, options, [](std::string_view line) {
    fmt::print("{}\n", line);
    std::fflush(stdout);
  });
  if (!result.ok()) return report(result.error());
  const TrainReport& r = *result;
  fmt::print("Model {} saved to {}{}\n", r.model_id, r.directory, options.activate ? " (active)" : "");
  if (r.meta.tuning) {
    fmt::print("Chosen by tuning: depth {}, {} trees (of up to {})\n", r.meta.depth, r.meta.trees, args.trees);
    fmt::print("Time: history {:.1f}s, features {:.1f}s, tuning {:.1f}s, boosting {:.1f}s, calibration {:.1f}s\n",
               r.seconds_history, r.seconds_features, r.seconds_tuning, r.seconds_boosting, r.seconds_calibration);
    return kExitOk;
  }
  fmt::print("Time: history {:.1f}s, features {:.1f}s, boosting {:.1f}s, calibration {:.1f}s\n",
             r.seconds_history, r.seconds_features, r.seconds_boosting, r.seconds_calibration);
  return kExitOk;
}

}  // namespace

void add_train_command(CLI::App& app, Action& action) {
  auto args = std::make_shared<TrainArgs>();
  CLI::App* cmd = app.add_subcommand("train", "Train a two-stage model (XGBoost ranker + market combination)");
  add_db_option(*cmd, args->db, "SQLite database file");
  cmd->add_option("--from", args->from, "First race day used, YYYY-MM-DD (default: the first)");
  cmd->add_option("--to", args->to, "Last race day used, YYYY-MM-DD (default: the last)");
  cmd->add_option("--out", args->out, "Model directory (default: models/<name> beside the database)");
  cmd->add_option("--name", args->name, "Model name (default: model-<UTC time>)");
  cmd->add_option("--trees", args->trees, "Boosting rounds")->transform(decimal_integer(1, 5000))->capture_default_str();
  cmd->add_option("--depth", args->depth, "Maximum tree depth")->transform(decimal_integer(1, 16))->capture_default_str();
  cmd->add_option("--learning-rate", args->learning_rate, "XGBoost eta")->check(CLI::Range(0.001, 1.0))->capture_default_str();
  cmd->add_option("--objective", args->objective, "XGBoost ranking objective: rank:pairwise, rank:ndcg or rank:map")
      ->check(CLI::IsMember({"rank:pairwise", "rank:ndcg", "rank:map"}))->capture_default_str();
  cmd->add_option("--validation-fraction", args->validation_fraction,
                  "Share of the latest days kept to calibrate (temperature, alpha, beta)")
      ->check(CLI::Range(0.05, 0.5))->capture_default_str();
  cmd->add_option("--threads", args->threads, "XGBoost threads (0 = all cores)")->transform(decimal_integer(0, 1024));
  cmd->add_flag("--no-activate", args->no_activate, "Register the model without making it the active one");
  cmd->add_option("--stage1", args->stage1,
                  "Use this XGBoost model file (trained elsewhere, e.g. in Python, on the rows of "
                  "`paddock features --rows`) as stage 1 instead of training one; only the calibration is fitted")
      ->excludes(cmd->get_option("--trees"))
      ->excludes(cmd->get_option("--depth"))
      ->excludes(cmd->get_option("--learning-rate"))
      ->excludes(cmd->get_option("--objective"));
  CLI::Option* tune = cmd->add_flag("--tune", args->tune,
                                    "Choose the depth and number of trees (up to --trees) by cross-validation in "
                                    "day order on the training window")
                          ->excludes(cmd->get_option("--stage1"))
                          ->excludes(cmd->get_option("--depth"));
  cmd->add_option("--tune-depths", args->tune_depths, "Candidate depths for --tune, e.g. 4,6,8")
      ->needs(tune)->capture_default_str();
  cmd->add_option("--tune-folds", args->tune_folds, "Folds of --tune's cross-validation")
      ->transform(decimal_integer(kMinTuningFolds, kMaxTuningFolds))->needs(tune)->capture_default_str();
  cmd->add_option("--early-stopping-rounds", args->early_stopping_rounds,
                  "--tune stops a depth when its validation curve has not improved for this many rounds")
      ->transform(decimal_integer(1, 5000))->needs(tune)->capture_default_str();
  cmd->callback([args, &action] { action = [args] { return run_train(*args); }; });
}

}  // namespace paddock::cli
