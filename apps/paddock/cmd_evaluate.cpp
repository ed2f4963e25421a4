// paddock evaluate: the model, its fundamental stage, the market and (demo) the truth, side by side.
#include <fmt/format.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "cli_support.h"
#include "features/history_index.h"
#include "model/evaluator.h"

namespace paddock::cli {
namespace {

struct EvaluateArgs {
  std::string db;
  std::string from;
  std::string to;
  std::optional<ModelId> model;
  bool json = false;
};

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
                      {"bonus3", m.quinte_bonus3}}}};
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
  Result<EvaluationReport> result = evaluate_model(**db, model->model, *history, EvaluateOptions{*from, *to});
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
    fmt::print("{}\n", j.dump(2));
  } else {
    print_table(*result, *model);
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
  cmd->callback([args, &action] { action = [args] { return run_evaluate(*args); }; });
}

}  // namespace paddock::cli
