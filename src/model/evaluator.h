// `paddock evaluate`: scores finished races with a model (no batch job needed) and measures,
// side by side on the same races, the combined model, its fundamental stage alone, the market
// (normalised 1/odds, favourite = shortest odds) and, on a demo database, the true win
// probabilities the generator used; and a betting backtest (model/backtest.h). Only races that every compared predictor can rank count:
// finished, with a winner, with complete odds.
#pragma once

#include <optional>
#include <vector>

#include "core/error.h"
#include "model/backtest.h"
#include "model/model.h"
#include "model/race_metrics.h"
#include "store/database.h"

namespace paddock {

struct EvaluateOptions {
  std::optional<Day> from;
  std::optional<Day> to;
  BacktestOptions backtest;
};

struct EvaluationReport {
  std::string from;  // the days actually covered
  std::string to;
  std::int64_t races_considered = 0;  // finished races in the window
  std::int64_t races_scored = 0;      // of those, the ones every predictor ranks
  std::int64_t races_without_features = 0;
  std::int64_t races_without_odds = 0;
  bool has_truth = false;
  std::vector<MetricsSummary> predictors;  // combined, fundamental, market[, truth]
  // The betting backtest of the combined model, on the scored races with final odds.
  BacktestResult backtest;
  std::int64_t races_without_final_odds = 0;  // scored on morning odds: not in the backtest
};

Result<EvaluationReport> evaluate_model(Database& db, Model& model, const HistoryIndex& history,
                                        const EvaluateOptions& options);

}  // namespace paddock
