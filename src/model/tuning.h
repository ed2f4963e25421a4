// `paddock train --tune`: stage 1's tree depth and number of trees, chosen by time-ordered
// cross-validation on the training window, never on the calibration window.
//
// The days of the training window are cut into folds + 1 blocks of consecutive days. Fold k
// (1..folds) trains on blocks 0..k-1 and is scored on block k, so a fold is never scored on a
// day before one it trained on. For each candidate depth the folds' boosters grow one tree at a
// time, in step. After every round each fold's races are scored by the fundamental log loss as
// `train` reports it: the winner's mean -log p under the softmax of the scores, with the softmax
// temperature fitted on those races. The mean over the folds is the depth's validation curve; a
// depth stops when its curve has not improved for `early_stopping_rounds` rounds, or at the cap
// (`--trees`). The depth with the lowest best mean wins (the shallower one on a tie), and the
// round of that best is the number of trees of the final fit on the whole training window.
//
// The final fit also records the same curve on the calibration window, round by round. It is
// recorded only: the calibration window chooses nothing, so the temperature, alpha and beta
// fitted on it afterwards are fitted as without tuning.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/date.h"
#include "core/error.h"
#include "model/booster.h"

namespace paddock {

struct TuningOptions {
  std::vector<int> depths{4, 6, 8};  // the candidates; the cap on trees is BoosterParams::trees
  int folds = 3;
  int early_stopping_rounds = 30;
};

inline constexpr int kMaxTuningDepths = 8;
inline constexpr int kMinTuningFolds = 2;
inline constexpr int kMaxTuningFolds = 10;

// Depths 1-16, distinct, 1 to kMaxTuningDepths of them; folds 2-10; early stopping 1-5000
// rounds. kInvalidArgument names the value at fault.
Status validate_tuning_options(const TuningOptions& options);

// "4,6,8" to {4, 6, 8}, sorted; spaces around the numbers are allowed. kInvalidArgument for
// anything but distinct whole numbers from 1 to 16.
Result<std::vector<int>> parse_depth_list(std::string_view text);

// One point of a validation curve: the fundamental log loss after `round` trees.
struct CurvePoint {
  int round = 0;
  double log_loss = 0.0;
};

// One fold's days (YYYY-MM-DD, inclusive) and usable races.
struct TuningFold {
  std::string train_from;
  std::string train_to;
  std::string validation_from;
  std::string validation_to;
  std::int64_t train_races = 0;
  std::int64_t validation_races = 0;
};

// A fold's own best round and its log loss there.
struct FoldBest {
  int round = 0;
  double log_loss = 0.0;
};

// One candidate depth, boosted on every fold.
struct DepthTrial {
  int depth = 0;
  int rounds = 0;              // trees grown before stopping
  bool stopped_early = false;  // false: stopped at the cap
  int best_round = 0;          // the best of the mean curve
  double log_loss = 0.0;       // the mean curve there
  std::vector<FoldBest> folds;
  std::vector<CurvePoint> curve;  // the mean over the folds, thinned (see thin_curve)
};

struct TuningSummary {
  std::vector<int> depths;
  int max_trees = 0;
  int early_stopping_rounds = 0;
  std::vector<TuningFold> folds;
  std::vector<DepthTrial> trials;  // in the order of `depths`
  int chosen_depth = 0;
  int chosen_trees = 0;
  double chosen_log_loss = 0.0;
  // The final fit's curve on the calibration window, thinned, and its best round: recorded,
  // never used to choose.
  std::vector<CurvePoint> calibration_curve;
  int calibration_best_round = 0;
};

// meta.json's "tuning" object (nlohmann's conventions; reading throws on a malformed one).
void to_json(nlohmann::json& j, const TuningSummary& summary);
void from_json(const nlohmann::json& j, TuningSummary& summary);

// Keeps at most about 100 points of a curve given for rounds 1..n: every k-th round, the first,
// the last and `best_round`.
std::vector<CurvePoint> thin_curve(std::span<const double> curve, int best_round);

// Runs the cross-validation. `data` holds the training window's rows, one group per race;
// `race_days[i]` is the day of group i. `params.trees` is the cap; `params.depth` is ignored.
// kFailedPrecondition when a fold would have too few races (50 to train, 20 to score).
Result<TuningSummary> tune_stage1(const RankingData& data, std::span<const Day> race_days,
                                  const BoosterParams& params, const TuningOptions& options,
                                  const std::function<void(std::string_view)>& say);

// The final fit: `params.trees` rounds on `data`, scoring the races of `watch` after each round.
// The trees are params.trees whatever the curve shows; the model is the one Booster::train gives.
struct WatchedFit {
  Booster booster;
  std::vector<double> curve;  // log loss after rounds 1..trees
};
Result<WatchedFit> train_watching(const RankingData& data, const RankingData& watch, const BoosterParams& params,
                                  const std::function<void(int, int)>& on_tree);

}  // namespace paddock
