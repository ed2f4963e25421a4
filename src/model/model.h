// A trained paddock model: Benter's two stages, stored as a directory.
//
//   <dir>/model.json  the stage-1 XGBoost ranker (XGBoost's JSON format; Python's xgboost reads
//                     and writes the same file)
//   <dir>/meta.json   feature names and order, softmax temperature, stage-2 alpha and beta,
//                     training and validation windows, metrics, XGBoost version, and for a
//                     tuned model the cross-validation that chose its depth and trees
//
// Prediction: s_i = ranker score; p_fund = softmax(s / temperature) within the race;
// with market odds p = softmax(alpha * log p_fund + beta * log p_market), else p = p_fund.
// Loading refuses a model whose feature list differs from this build's (feature_set.h).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/error.h"
#include "features/market.h"
#include "features/race_features.h"
#include "model/booster.h"
#include "model/flat_forest.h"
#include "model/tuning.h"

namespace paddock {

struct ModelMeta {
  std::string format = "paddock-model-v1";
  std::string feature_set;
  std::vector<std::string> features;
  double temperature = 1.0;
  double alpha = 1.0;
  double beta = 0.0;
  std::string objective;
  std::string stage1_source;  // the XGBoost file stage 1 came from, when not trained by paddock
  int trees = 0;
  int depth = 0;
  double learning_rate = 0.0;
  std::string train_from;
  std::string train_to;
  std::string validation_from;
  std::string validation_to;
  std::int64_t train_races = 0;
  std::int64_t train_rows = 0;
  std::int64_t validation_races = 0;
  std::string metrics_json = "{}";  // a JSON object
  // `train --tune`: how depth and trees were chosen (meta.json's "tuned": true and "tuning").
  // Absent for a model trained without it, and in files written before it existed.
  std::optional<TuningSummary> tuning;
  std::string xgboost_version;
  std::string created_at;
};

struct RacePrediction {
  RaceId race_id = 0;
  std::vector<int> numbers;
  std::vector<double> scores;         // stage-1 ranker scores
  std::vector<double> fundamental;    // stage-1 probabilities
  std::vector<double> probabilities;  // final win probabilities, sum to 1
  std::vector<int> ranks;             // 1 = highest probability; ties by saddle-cloth number
  bool used_market = false;
};

class Model {
 public:
  static Result<Model> load(const std::string& directory);
  // Writes a new model directory; refuses one that exists (kAlreadyExists): a registered
  // model's files never change.
  static Model from_parts(Booster booster, ModelMeta meta);
  Status save(const std::string& directory) const;

  const ModelMeta& meta() const { return meta_; }
  // XGBoost's booster of the model: loaded from model.json on first use when the model was
  // loaded with its cached flat forest (then XGBoost is not needed to predict). Not safe to
  // call from several threads at once.
  Result<Booster*> booster();
  // Which evaluator scores rows: "paddock's flat forest (checked against XGBoost)", or
  // "XGBoost" with the reason the flat forest is not used.
  const std::string& evaluator() const { return evaluator_; }
  bool uses_flat_forest() const { return forest_.has_value(); }
  // The flat forest, when it scores rows (for tests and benchmarks that compare kernels).
  const std::optional<FlatForest>& flat_forest() const { return forest_; }

  // Stage-1 scores of rows (row-major, kFeatureCount columns): the flat forest when it holds,
  // else XGBoost; the two give the same floats.
  Result<std::vector<float>> score_rows(const float* values, std::size_t rows);

  // Predicts a batch of races with one scoring call. `markets[i]` belongs to `races[i]`. With
  // the flat forest (uses_flat_forest()) it only reads the model, and several threads may call
  // it at once; with XGBoost, one thread at a time.
  Result<std::vector<RacePrediction>> predict(std::span<const RaceFeatures> races,
                                              std::span<const std::optional<MarketView>> markets);

 private:
  Model(std::optional<Booster> booster, ModelMeta meta) : booster_(std::move(booster)), meta_(std::move(meta)) {}
  // Flattens the booster's trees and keeps them if they give XGBoost's scores on sample rows.
  void attach_flat_forest();

  std::optional<Booster> booster_;  // empty until needed when the cached forest was loaded
  std::string directory_;           // the model's directory, when loaded from one
  ModelMeta meta_;
  std::optional<FlatForest> forest_;
  std::string evaluator_ = "XGBoost";
};

// The stages as pure functions, shared by training, evaluation and prediction.
std::vector<double> fundamental_probabilities(std::span<const double> scores, double temperature);
std::vector<double> combine_with_market(std::span<const double> fundamental,
                                        std::span<const double> market, double alpha, double beta);
std::vector<int> ranks_by_probability(std::span<const double> probabilities,
                                      std::span<const int> numbers);

// Checks that an XGBoost model takes this build's features: their number and, when the file
// names them (paddock and Python's xgboost do), their names in order. `what` starts the message.
Status check_booster_features(const Booster& booster, const std::string& what);

// Bounds of a model's calibration numbers, checked on load and on save; a real fit gives a
// temperature near 1 and coefficients near 1.
inline constexpr double kMinTemperature = 1e-6;
inline constexpr double kMaxTemperature = 1e6;
inline constexpr double kMaxCoefficient = 1e3;
inline constexpr std::size_t kMaxMetaBytes = 16 << 20;

// Reads and writes meta.json; both refuse numbers outside the bounds above.
Result<ModelMeta> read_model_meta(const std::string& path);
Status write_model_meta(const ModelMeta& meta, const std::string& path);

}  // namespace paddock
