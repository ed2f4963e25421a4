// paddock evaluate: the model, its fundamental stage, the market and (demo) the truth, side by side.
#include <fmt/format.h>

#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli_support.h"
#include "features/history_index.h"
#include "model/evaluation_plot.h"
#include "model/evaluator.h"

namespace paddock::cli {
namespace {

struct EvaluateArgs {
  std::string db;
  std::string from;
  std::string to;
  std::optional<ModelId> model;
  bool json = false;
  BacktestOptions backtest;
  std::string plot;
};

nlohmann::json calibration_json(const std::vector<CalibrationBucket>& buckets) {
  nlohmann::json out = nlohmann::json::array();
  for (const CalibrationBucket& b : buckets) {
    out.push_back({{"low", b.low}, {"high", b.high}, {"runners", b.runners},
                   {"mean_probability", b.mean_probability}, {"win_rate", b.win_rate}});
  }
  return out;
}

nlohmann::json to_json(const MetricsSummary& m) {
  return {{"name", m.name},
          {"races", m.races},
          {"winner_hit", m.winner_hit},
          {"winner_in_top3", m.winner_in_top3},
          {"top5_overlap", m.top5_overlap},
          {"ndcg5", m.ndcg5},
          {"log_loss", m.log_loss},
          {"uniform_log_loss", m.uniform_log_loss},
          {"pseudo_r2", m.pseudo_r2},
          {"quinte", {{"races", m.quinte_races},
                      {"ordre", m.quinte_ordre},
                      {"desordre", m.quinte_desordre},
                      {"bonus4", m.quinte_bonus4},
                      {"bonus4sur5", m.quinte_bonus4sur5},
                      {"bonus3", m.quinte_bonus3}}},
          {"calibration", calibration_json(m.calibration)}};
}

nlohmann::json to_json(const BacktestResult& b, const BacktestOptions& options, std::int64_t without_final_odds) {
  nlohmann::json strategies = nlohmann::json::array();
  for (const StrategyResult& s : b.strategies) {
    strategies.push_back({{"name", s.name}, {"rule", s.rule}, {"races_bet", s.races_bet}, {"bets", s.bets},
                          {"winning_bets", s.winning_bets}, {"hit_rate", s.hit_rate}, {"staked", s.staked},
                          {"returned", s.returned}, {"profit", s.profit}, {"roi", s.roi},
                          {"longest_losing_run", s.longest_losing_run}, {"max_drawdown", s.max_drawdown}});
  }
  return {{"races", b.races},
          {"races_without_final_odds", without_final_odds},
          {"value_threshold", options.value_threshold},
          {"min_probability", options.min_probability},
          {"kelly_fraction", options.kelly_fraction},
          {"strategies", strategies},
          {"limits", b.limits}};
}

void print_backtest(const EvaluationReport& r) {
  const BacktestResult& b = r.backtest;
  if (b.races == 0) {
    fmt::print("\nBetting backtest: no race with final odds for every starter.\n");
    return;
  }
  fmt::print("\nBetting backtest at the win odds ({} races in date order{})\n", b.races,
             r.races_without_final_odds > 0
                 ? fmt::format("; {} races with morning odds only left out", r.races_without_final_odds)
                 : "");
  fmt::print("{:<18} {:>6} {:>7} {:>7} {:>9} {:>9} {:>8} {:>8} {:>9}\n", "strategy", "races", "bets", "hit",
             "staked", "profit", "ROI", "lose-run", "drawdown");
  for (const StrategyResult& s : b.strategies) {
    fmt::print("{:<18} {:>6} {:>7} {:>6.1f}% {:>9.1f} {:>+9.1f} {:>+7.1f}% {:>8} {:>9.1f}\n", s.name, s.races_bet,
               s.bets, s.hit_rate * 100, s.staked, s.profit, s.roi * 100, s.longest_losing_run, s.max_drawdown);
  }
  for (const StrategyResult& s : b.strategies) fmt::print("  {}: {}\n", s.name, s.rule);
  fmt::print("Limits: {}\n", b.limits);
}

void print_table(const EvaluationReport& r, const LoadedModel& model) {
  fmt::print("Evaluation of model {} ({}) on {} finished races, {} .. {}\n", model.record.id,
             model.record.name, r.races_scored, r.from, r.to);
  fmt::print("({} races in the window; {} without usable features, {} without complete odds)\n\n",
             r.races_considered, r.races_without_features, r.races_without_odds);
  const MetricsSummary* truth = r.has_truth ? &r.predictors.back() : nullptr;
  fmt::print("{:<18} {:>7} {:>7} {:>8} {:>9} {:>7} {:>8} {:>9} {:>10}\n", "predictor", "races",
             "winner", "win-top3", "top5-ovl", "NDCG@5", "logloss", "pseudo-R2",
             truth ? "LL-truth" : "");
  for (const MetricsSummary& m : r.predictors) {
    const std::string gap = truth ? fmt::format("{:+.4f}", m.log_loss - truth->log_loss) : "";
    fmt::print("{:<18} {:>7} {:>7.3f} {:>8.3f} {:>9.3f} {:>7.3f} {:>8.4f} {:>9.4f} {:>10}\n", m.name,
               m.races, m.winner_hit, m.winner_in_top3, m.top5_overlap, m.ndcg5, m.log_loss,
               m.pseudo_r2, gap);
  }
  if (r.predictors.empty() || r.predictors.front().quinte_races == 0) return;
  fmt::print("\nQuinté+ ({} races; top 5 picks as the ticket; indicators are inclusive)\n",
             r.predictors.front().quinte_races);
  fmt::print("{:<18} {:>7} {:>9} {:>8} {:>10} {:>8}\n", "predictor", "ordre", "désordre", "bonus 4",
             "bonus 4/5", "bonus 3");
  for (const MetricsSummary& m : r.predictors) {
    fmt::print("{:<18} {:>7.3f} {:>9.3f} {:>8.3f} {:>10.3f} {:>8.3f}\n", m.name, m.quinte_ordre,
               m.quinte_desordre, m.quinte_bonus4, m.quinte_bonus4sur5, m.quinte_bonus3);
  }
}

int run_evaluate(const EvaluateArgs& args) {
  Result<std::optional<Day>> from = optional_day(args.from, "--from");
  if (!from.ok()) return report(from.error());
  Result<std::optional<Day>> to = optional_day(args.to, "--to");
  if (!to.ok()) return report(to.error());
  Result<std::unique_ptr<Database>> db = open_db(args.db, Database::Access::kReadOnly);
  if (!db.ok()) return report(db.error());
  Result<LoadedModel> model = load_model(**db, args.model);
  if (!model.ok()) return report(model.error());
  Result<HistoryIndex> history = HistoryIndex::load(**db);
  if (!history.ok()) return report(history.error());
  Result<EvaluationReport> result = evaluate_model(**db, model->model, *history, EvaluateOptions{*from, *to, args.backtest});
  if (!result.ok()) return report(result.error());
  if (result->races_scored == 0) {
    return report(make_error(ErrorCode::kFailedPrecondition, "no finished race with complete odds in the window"));
  }
  if (args.json) {
    nlohmann::json j;
    j["model_id"] = model->record.id;
    j["model_name"] = model->record.name;
    j["from"] = result->from;
    j["to"] = result->to;
    j["races_considered"] = result->races_considered;
    j["races_scored"] = result->races_scored;
    j["races_without_features"] = result->races_without_features;
    j["races_without_odds"] = result->races_without_odds;
    j["predictors"] = nlohmann::json::array();
    for (const MetricsSummary& m : result->predictors) j["predictors"].push_back(to_json(m));
    j["backtest"] = to_json(result->backtest, args.backtest, result->races_without_final_odds);
    fmt::print("{}\n", j.dump(2));
  } else {
    print_table(*result, *model);
    print_backtest(*result);
  }
  if (!args.plot.empty()) {
    const std::string title = fmt::format("paddock: model {} ({}), {} races, {} .. {}", model->record.id,
                                          model->record.name, result->races_scored, result->from, result->to);
    std::ofstream file(args.plot, std::ios::binary);
    file << evaluation_plot_svg(*result, title);
    file.close();
    if (!file) return report(make_error(ErrorCode::kIo, fmt::format("cannot write the plot '{}'", args.plot)));
    std::fflush(stdout);  // the report first, then where the plot went
    std::fprintf(stderr, "Wrote the plot to %s\n", args.plot.c_str());
  }
  return kExitOk;
}

}  // namespace

void add_evaluate_command(CLI::App& app, Action& action) {
  auto args = std::make_shared<EvaluateArgs>();
  CLI::App* cmd = app.add_subcommand("evaluate", "Measure a model on finished races against the market");
  add_db_option(*cmd, args->db, "SQLite database file");
  cmd->add_option("--from", args->from, "First race day, YYYY-MM-DD");
  cmd->add_option("--to", args->to, "Last race day, YYYY-MM-DD");
  cmd->add_option("--model", args->model, "Model id (default: the active model)")->transform(decimal_integer(1));
  cmd->add_flag("--json", args->json, "Print JSON instead of a table");
  cmd->add_option("--value-threshold", args->backtest.value_threshold,
                  "Backtest: bet runners whose p x odds reaches this (default 1.2)")
      ->check(CLI::Range(1.0, 100.0));
  cmd->add_option("--min-probability", args->backtest.min_probability,
                  "Backtest: ... and whose probability reaches this (default 0.02)")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--kelly-fraction", args->backtest.kelly_fraction,
                  "Backtest: the fraction of the Kelly stake (default 0.25)")
      ->check(CLI::Range(0.01, 1.0));
  cmd->add_option("--plot", args->plot, "Also draw the backtest's cumulative profit and the calibration curve (SVG)")
      ->check([](const std::string& path) {
        return path.size() > 4 && path.compare(path.size() - 4, 4, ".svg") == 0
                   ? std::string()
                   : std::string("the plot is an SVG file: give a name ending in .svg");
      });
  cmd->callback([args, &action] { action = [args] { return run_evaluate(*args); }; });
}

}  // namespace paddock::cli
