#include "model/evaluator.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "features/market.h"
#include "features/race_stream.h"

namespace paddock {
namespace {

// The truth for the starters of a card, in starters_of() order; empty if incomplete.
Result<std::vector<double>> truth_for(Database& db, const RaceCard& card,
                                      const std::vector<int>& numbers) {
  PADDOCK_ASSIGN_OR_RETURN(auto rows, db.load_truth(card.id));
  std::vector<double> truth;
  for (int number : numbers) {
    const auto found = std::find_if(rows.begin(), rows.end(),
                                    [number](const auto& row) { return row.first == number; });
    if (found == rows.end()) return std::vector<double>();
    truth.push_back(found->second);
  }
  return truth;
}

}  // namespace

Result<EvaluationReport> evaluate_model(Database& db, Model& model, const HistoryIndex& history,
                                        const EvaluateOptions& options) {
  RaceQuery query;
  query.from = options.from;
  query.to = options.to;
  query.finished_only = true;
  PADDOCK_ASSIGN_OR_RETURN(std::vector<RaceId> ids, db.find_races(query));

  EvaluationReport report;
  report.races_considered = static_cast<std::int64_t>(ids.size());
  RaceMetrics combined("combined model"), fundamental("fundamental only"), market("market (1/odds)"),
      truth("truth (demo)");
  Backtest backtest(options.backtest);
  Day first = 0, last = 0;
  Status failure = ok_status();
  PADDOCK_TRY(for_each_race_features(db, history, ids,
      [&](const RaceCard& card, const Result<RaceFeatures>& features) {
        if (!failure.ok()) return;
        if (!features.ok()) {
          ++report.races_without_features;
          return;
        }
        const std::vector<const RunnerEntry*> starters = starters_of(card);
        const std::optional<MarketView> view = market_view(starters);
        if (!view) {
          ++report.races_without_odds;
          return;
        }
        const std::vector<std::optional<int>> positions = starter_positions(card);
        if (std::none_of(positions.begin(), positions.end(), [](const auto& p) { return p == 1; })) return;
        const RaceFeatures* one = &*features;
        const std::optional<MarketView> markets[] = {view};
        Result<std::vector<RacePrediction>> predicted =
            model.predict(std::span<const RaceFeatures>(one, 1), markets);
        if (!predicted.ok()) {
          failure = predicted.error();
          return;
        }
        const RacePrediction& p = predicted->front();
        const auto finite = [](const std::vector<double>& values) {
          return std::all_of(values.begin(), values.end(), [](double v) { return std::isfinite(v); });
        };
        if (!finite(p.probabilities) || !finite(p.fundamental)) {  // never a log loss of NaN
          failure = make_error(ErrorCode::kModel,
                               fmt::format("the model gave a probability that is not a finite number for race {}", card.id));
          return;
        }
        combined.add(p.probabilities, p.numbers, positions, card.is_quinte);
        fundamental.add(p.fundamental, p.numbers, positions, card.is_quinte);
        market.add(view->probabilities, p.numbers, positions, card.is_quinte);
        Result<std::vector<double>> true_p = truth_for(db, card, p.numbers);
        if (view->source == OddsSource::kFinal) {
          BacktestRace bet{card.day, p.numbers, p.probabilities, {}, {}};
          for (std::size_t i = 0; i < starters.size(); ++i) {
            bet.odds.push_back(starters[i]->final_odds.value_or(0.0));
            bet.won.push_back(positions[i] == 1);
          }
          backtest.add(bet);
        } else {
          ++report.races_without_final_odds;
        }
        if (true_p.ok() && !true_p->empty()) {
          truth.add(*true_p, p.numbers, positions, card.is_quinte);
          report.has_truth = true;
        }
        if (report.races_scored == 0) first = card.day;
        last = card.day;
        ++report.races_scored;
      }, 500));
  PADDOCK_TRY(failure);
  if (report.races_scored > 0) {
    report.from = format_day(first);
    report.to = format_day(last);
  }
  report.predictors = {combined.summary(), fundamental.summary(), market.summary()};
  if (report.has_truth) report.predictors.push_back(truth.summary());
  report.backtest = backtest.result();
  return report;
}

}  // namespace paddock
