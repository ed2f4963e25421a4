// An XGBoost tree ensemble flattened for fast scoring, with exactly XGBoost's results.
//
// At load time every tree is padded to a complete binary tree of the forest's depth D: its
// internal nodes in level order (the children of node i are 2i+1 and 2i+2), each a feature, a
// threshold and a default direction, and its 2^D leaves in one array. A leaf that XGBoost
// reaches at a smaller depth fills every padded leaf beneath it, so the padded splits under it
// cannot change the result. Scoring a row is then D steps of "go right if not (x < threshold),
// or the default direction when x is missing (NaN)", the same test XGBoost makes, without the
// loads of child indices or branches on leaf checks; rows are scored a block at a time (128),
// tree by tree, so that the block stays in the cache while the trees go through it.
// The descent is vectorised where the CPU allows it: 16 rows at a time with AVX-512, 8 with
// AVX2, else one by one (flat_forest_kernels.h); all three give the same floats.
//
// The sum is XGBoost's: the base margin, then each tree's leaf in tree order, in float. So a
// margin equals XGBoost's PredictFromDense (output_margin) bit for bit; Model checks that on
// sample rows when it loads a model, and keeps XGBoost when it does not hold (or when the
// model is outside what is reproduced here: not gbtree, categorical splits, several outputs,
// an objective whose base margin is not known, a tree deeper than kMaxDepth).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/error.h"
#include "model/flat_forest_kernels.h"

namespace paddock {

// The hash of a model file that a forest's bytes name as their source (FlatForest::to_bytes).
std::uint64_t forest_source_hash(std::string_view model_file);

class FlatForest {
 public:
  static constexpr int kMaxDepth = 12;

  // From the model as XGBoost saves it: JSON text, or UBJSON bytes (XGBoost's binary JSON,
  // whose floats are the model's float32 values exactly; JSON text holds them as decimals).
  // kModel naming what is not supported.
  static Result<FlatForest> from_json(std::string_view model_json);
  static Result<FlatForest> from_ubjson(const std::vector<std::uint8_t>& model_ubjson);

  // The forest as bytes and back, for a model's cached forest (Model::load): this machine's
  // byte order, a checksum over the whole, and `source`, a hash of the model file it was
  // flattened from, which from_bytes must find (kModel when anything differs).
  std::vector<std::uint8_t> to_bytes(std::uint64_t source) const;
  static Result<FlatForest> from_bytes(std::string_view bytes, std::uint64_t source);

  // Margins of `rows` rows of `columns` floats each, row-major, NaN for missing: `out` gets
  // one float a row. `columns` must be at least feature_count(). Reads the forest only:
  // several threads may call it at once.
  void predict(const float* values, std::size_t rows, std::size_t columns, float* out) const;

  // The instruction set of the descent: the widest the CPU supports unless set. Every kernel
  // gives the same floats; kFailedPrecondition when this CPU (or build) cannot run it.
  ForestKernel kernel() const { return kernel_; }
  Status use_kernel(ForestKernel kernel);

  std::size_t feature_count() const { return feature_count_; }
  std::size_t tree_count() const { return tree_count_; }
  int depth() const { return depth_; }
  float base_margin() const { return base_margin_; }
  // The thresholds the forest tests, by feature: sample rows built from them reach every side
  // of every split (Model's load-time check).
  std::vector<std::vector<float>> thresholds_by_feature() const;

 private:
  static Result<FlatForest> from_document(const nlohmann::json& root);
  int depth_ = 0;
  std::size_t tree_count_ = 0;
  std::size_t feature_count_ = 0;
  float base_margin_ = 0.0F;
  std::size_t internal_per_tree_ = 0;  // 2^D - 1
  std::size_t leaves_per_tree_ = 0;    // 2^D
  ForestKernel kernel_ = best_forest_kernel();
  // Per internal node, tree after tree: the feature (its top bit set when missing goes right)
  // and the threshold. Each array ends with detail::kForestPadding zeros for the vector loads.
  std::vector<std::uint32_t> feature_;
  std::vector<float> threshold_;
  std::vector<float> leaf_;  // per leaf, tree after tree
};

}  // namespace paddock
