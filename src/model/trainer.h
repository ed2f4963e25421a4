// `paddock train`: fits both stages on finished races and registers the model.
//
//   1. Split the finished race days of [from, to] in time: the first 80% fit stage 1, the
//      last 20% (the validation window) calibrate it.
//   2. Build point-in-time features for every race and fit the XGBoost ranker (one group per
//      race, relevance 3/2/1 for the first three home). With `tuning`, its depth and number of
//      trees are first chosen by time-ordered cross-validation inside the training window
//      (model/tuning.h); the calibration window only records its validation curve.
//   3. On the validation window: fit the softmax temperature of the ranker's scores, then
//      alpha and beta of the stage-2 conditional logit on (log p_fund, log p_market).
//   4. Write the model directory, register it in `models`, activate it unless asked not to.
//
// With `stage1_file`, stage 1 is an XGBoost model trained elsewhere (Python's xgboost, say) on
// paddock's features in paddock's order (`paddock features --rows` writes them): step 2 only
// checks its features, and steps 3 and 4 are the same. Train it on days before the validation
// window, or the calibration flatters it.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"
#include "model/booster.h"
#include "model/model.h"
#include "model/tuning.h"
#include "store/database.h"

namespace paddock {

struct TrainOptions {
  std::optional<Day> from;
  std::optional<Day> to;
  std::string out_dir;  // empty: <database directory>/models/<name>
  std::string name;     // empty: model-<UTC timestamp>
  BoosterParams booster;
  std::string stage1_file;  // an XGBoost model file to use as stage 1 instead of training one
  // Chooses booster.depth and booster.trees (then the cap) by cross-validation; not with
  // stage1_file (kInvalidArgument).
  std::optional<TuningOptions> tuning;
  double validation_fraction = 0.2;
  bool activate = true;
};

struct TrainReport {
  ModelId model_id = 0;
  std::string directory;
  ModelMeta meta;
  std::int64_t skipped_races = 0;
  double seconds_history = 0.0;
  double seconds_features = 0.0;
  double seconds_tuning = 0.0;
  double seconds_boosting = 0.0;
  double seconds_calibration = 0.0;
};

using ProgressLine = std::function<void(std::string_view)>;

Result<TrainReport> train_model(Database& db, const TrainOptions& options, const ProgressLine& say);

}  // namespace paddock
