// The XGBoost C API behind small RAII types: the only code in paddock that includes
// xgboost/c_api.h. Every XGBoost failure becomes an Error of code kModel carrying
// XGBGetLastError(). A Booster is not shared between threads: each engine worker loads its own.
// A BoostingRun grows a Booster one round at a time, for callers that score it between rounds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"

namespace paddock {

// Rows for learning to rank: features row-major, one label per row, one group per race
// (rows of a race are contiguous, groups give their counts in row order).
struct RankingData {
  std::vector<float> values;
  std::size_t columns = 0;
  std::vector<float> labels;
  std::vector<unsigned> groups;
  std::vector<std::string> feature_names;

  std::size_t rows() const { return labels.size(); }
};

struct BoosterParams {
  std::string objective = "rank:pairwise";
  int trees = 300;
  int depth = 6;
  double learning_rate = 0.05;
  double min_child_weight = 1.0;
  double subsample = 0.8;
  double colsample_bytree = 0.8;
  int threads = 0;  // 0: all cores
  int seed = 7;
};

class Booster {
 public:
  Booster() = default;
  Booster(Booster&& other) noexcept;
  Booster& operator=(Booster&& other) noexcept;
  Booster(const Booster&) = delete;
  Booster& operator=(const Booster&) = delete;
  ~Booster();

  // Trains; `on_tree(done, total)` is called after every tree (for progress output).
  static Result<Booster> train(const RankingData& data, const BoosterParams& params,
                               const std::function<void(int, int)>& on_tree);
  // Reads an XGBoost model file (JSON or binary, as XGBoost itself decides from the name).
  static Result<Booster> load(const std::string& path);

  Status save(const std::string& path) const;
  // The model as XGBoost serialises it in memory: "json" text or "ubj" (binary JSON) bytes.
  Result<std::vector<std::uint8_t>> serialize(const std::string& format) const;
  Status set_threads(int threads);
  // Raw margin scores (before any objective's transform, as Python's output_margin=True), one
  // per row; a model giving more than one output a row is an error. `values` holds rows x columns floats, NaN for missing.
  Result<std::vector<float>> predict(const float* values, std::size_t rows, std::size_t columns);
  // The same with the trees of rounds [begin, end) only (XGBoost's iteration_range): the base
  // score plus those trees' sum. end > begin >= 0.
  Result<std::vector<float>> predict_rounds(const float* values, std::size_t rows, std::size_t columns, int begin,
                                            int end);
  Result<std::size_t> feature_count() const;
  // Feature names stored in the model file, empty when it has none.
  Result<std::vector<std::string>> feature_names() const;
  // What the model file says of its training: objective ("rank:pairwise") and number of trees.
  struct Description {
    std::string objective;
    int trees = 0;
  };
  Result<Description> describe() const;
  // A string attribute stored in the model file (Python: Booster.set_attr), if any.
  Result<std::optional<std::string>> attribute(const std::string& key) const;

  // "1.7.4"
  static std::string library_version();

 private:
  friend class BoostingRun;
  explicit Booster(void* handle) : handle_(handle) {}
  Result<std::vector<float>> predict_range(const float* values, std::size_t rows, std::size_t columns, int begin,
                                           int end);
  void* handle_ = nullptr;  // BoosterHandle
};

// Training one round at a time. It owns the training matrix while rounds are added; between
// rounds, booster() predicts with the trees so far. Booster::train is a run taken to its end,
// so a run of N rounds, finished, is the model Booster::train gives for N trees.
class BoostingRun {
 public:
  static Result<BoostingRun> start(const RankingData& data, const BoosterParams& params);
  BoostingRun(BoostingRun&& other) noexcept;
  BoostingRun& operator=(BoostingRun&& other) noexcept;
  BoostingRun(const BoostingRun&) = delete;
  BoostingRun& operator=(const BoostingRun&) = delete;
  ~BoostingRun();

  // Grows one more round of trees.
  Status add_round();
  int rounds() const { return rounds_; }
  Booster& booster() { return booster_; }
  // Stores the feature names in the model and hands it over; the run is left empty.
  Result<Booster> finish();

 private:
  BoostingRun(void* matrix, Booster booster, std::vector<std::string> feature_names)
      : matrix_(matrix), booster_(std::move(booster)), feature_names_(std::move(feature_names)) {}
  void* matrix_ = nullptr;  // DMatrixHandle
  Booster booster_;
  std::vector<std::string> feature_names_;
  int rounds_ = 0;
};

}  // namespace paddock
