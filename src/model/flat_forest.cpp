#include "model/flat_forest.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <utility>

namespace paddock {
namespace {

using detail::kDefaultRight;
using detail::kFeatureMask;
// Rows scored together, tree by tree: 128 rows of 79 features (40 KB) stay in a core's L1
// cache while they go through the trees; 64 (four groups of 16 instead of eight) measured
// 15% slower with AVX-512 (bench/inference_floor).
constexpr std::size_t kBlock = 128;

Error unsupported(const std::string& what) {
  return make_error(ErrorCode::kModel, "the flat forest does not support " + what);
}

// One tree as XGBoost's JSON holds it: node arrays indexed by node id; a leaf has left = -1
// and its value in split_conditions.
struct JsonTree {
  std::vector<int> left;
  std::vector<int> right;
  std::vector<int> feature;
  std::vector<float> condition;
  std::vector<int> default_left;

  bool is_leaf(int node) const { return left[static_cast<std::size_t>(node)] == -1; }
};

Result<JsonTree> read_tree(const nlohmann::json& tree) {
  JsonTree t;
  t.left = tree.at("left_children").get<std::vector<int>>();
  t.right = tree.at("right_children").get<std::vector<int>>();
  t.feature = tree.at("split_indices").get<std::vector<int>>();
  t.condition = tree.at("split_conditions").get<std::vector<float>>();
  t.default_left = tree.at("default_left").get<std::vector<int>>();
  const std::size_t n = t.left.size();
  if (n == 0 || t.right.size() != n || t.feature.size() != n || t.condition.size() != n || t.default_left.size() != n) {
    return make_error(ErrorCode::kModel, "a tree of the model has node arrays of different lengths");
  }
  if (tree.contains("split_type")) {
    for (int type : tree.at("split_type").get<std::vector<int>>()) {
      if (type != 0) return unsupported("categorical splits");
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    const bool leaf = t.left[i] == -1;
    if (!leaf && (t.left[i] <= 0 || t.right[i] <= 0 || static_cast<std::size_t>(t.left[i]) >= n ||
                  static_cast<std::size_t>(t.right[i]) >= n || t.feature[i] < 0)) {
      return make_error(ErrorCode::kModel, "a tree of the model has a node with an invalid child or feature");
    }
  }
  return t;
}

// Depth of the subtree under `node` (a leaf has depth 0); -1 when deeper than the limit or
// when the children do not form a tree.
int depth_of(const JsonTree& tree, int node, int level) {
  if (level > FlatForest::kMaxDepth) return -1;
  if (tree.is_leaf(node)) return 0;
  const int l = depth_of(tree, tree.left[static_cast<std::size_t>(node)], level + 1);
  const int r = depth_of(tree, tree.right[static_cast<std::size_t>(node)], level + 1);
  if (l < 0 || r < 0) return -1;
  return 1 + std::max(l, r);
}

// The margin XGBoost starts every row from: base_score through the objective's ProbToMargin,
// in float as XGBoost computes it.
Result<float> initial_margin(const nlohmann::json& learner) {
  const std::string text = learner.at("learner_model_param").at("base_score").get<std::string>();
  const float base = std::stof(text);
  const std::string objective = learner.at("objective").at("name").get<std::string>();
  if (objective.starts_with("rank:") || objective == "reg:squarederror" || objective == "reg:linear" ||
      objective == "reg:pseudohubererror" || objective == "reg:absoluteerror" || objective == "binary:logitraw") {
    return base;
  }
  if (objective == "binary:logistic" || objective == "reg:logistic") return -std::log(1.0F / base - 1.0F);
  return unsupported(fmt::format("the objective '{}'", objective));
}

}  // namespace

Result<FlatForest> FlatForest::from_json(std::string_view model_json) {
  try {
    return from_document(nlohmann::json::parse(model_json));
  } catch (const std::exception& error) {
    return make_error(ErrorCode::kModel, fmt::format("cannot read the model's JSON: {}", error.what()));
  }
}

Result<FlatForest> FlatForest::from_ubjson(const std::vector<std::uint8_t>& model_ubjson) {
  try {
    return from_document(nlohmann::json::from_ubjson(model_ubjson));
  } catch (const std::exception& error) {
    return make_error(ErrorCode::kModel, fmt::format("cannot read the model's UBJSON: {}", error.what()));
  }
}

Result<FlatForest> FlatForest::from_document(const nlohmann::json& root) {
  try {
    const nlohmann::json& learner = root.at("learner");
    const nlohmann::json& booster = learner.at("gradient_booster");
    if (booster.at("name").get<std::string>() != "gbtree") {
      return unsupported(fmt::format("the booster '{}'", booster.at("name").get<std::string>()));
    }
    const nlohmann::json& param = learner.at("learner_model_param");
    const int classes = std::stoi(param.at("num_class").get<std::string>());
    const int targets = param.contains("num_target") ? std::stoi(param.at("num_target").get<std::string>()) : 1;
    if (classes > 1 || targets > 1) return unsupported("a model with several outputs a row");
    FlatForest forest;
    PADDOCK_ASSIGN_OR_RETURN(forest.base_margin_, initial_margin(learner));
    forest.feature_count_ = static_cast<std::size_t>(std::stoul(param.at("num_feature").get<std::string>()));

    std::vector<JsonTree> trees;
    for (const nlohmann::json& tree : booster.at("model").at("trees")) {
      PADDOCK_ASSIGN_OR_RETURN(JsonTree t, read_tree(tree));
      const int depth = depth_of(t, 0, 0);
      if (depth < 0) return unsupported(fmt::format("trees deeper than {}", kMaxDepth));
      forest.depth_ = std::max(forest.depth_, depth);
      trees.push_back(std::move(t));
    }
    forest.tree_count_ = trees.size();
    forest.internal_per_tree_ = (std::size_t{1} << forest.depth_) - 1;
    forest.leaves_per_tree_ = std::size_t{1} << forest.depth_;
    forest.feature_.assign(forest.tree_count_ * forest.internal_per_tree_ + detail::kForestPadding, 0);
    forest.threshold_.assign(forest.tree_count_ * forest.internal_per_tree_ + detail::kForestPadding, 0.0F);
    forest.leaf_.assign(forest.tree_count_ * forest.leaves_per_tree_ + detail::kForestPadding, 0.0F);

    for (std::size_t t = 0; t < trees.size(); ++t) {
      const JsonTree& tree = trees[t];
      std::uint32_t* feature = forest.feature_.data() + t * forest.internal_per_tree_;
      float* threshold = forest.threshold_.data() + t * forest.internal_per_tree_;
      float* leaf = forest.leaf_.data() + t * forest.leaves_per_tree_;
      // Walk the tree, placing each node at its level-order slot of the complete tree.
      struct Item {
        int node;
        std::size_t slot;
        int level;
      };
      std::vector<Item> stack{{0, 0, 0}};
      while (!stack.empty()) {
        const Item item = stack.back();
        stack.pop_back();
        const auto n = static_cast<std::size_t>(item.node);
        if (tree.is_leaf(item.node)) {
          // Every padded leaf under this slot is this leaf.
          const int below = forest.depth_ - item.level;
          const std::size_t first = ((item.slot + 1) << below) - 1 - forest.internal_per_tree_;
          std::fill(leaf + first, leaf + first + (std::size_t{1} << below), tree.condition[n]);
          continue;
        }
        if (static_cast<std::size_t>(tree.feature[n]) >= forest.feature_count_) {
          return make_error(ErrorCode::kModel, "a tree of the model splits on a feature beyond num_feature");
        }
        feature[item.slot] = static_cast<std::uint32_t>(tree.feature[n]) | (tree.default_left[n] != 0 ? 0U : kDefaultRight);
        threshold[item.slot] = tree.condition[n];
        stack.push_back({tree.left[n], 2 * item.slot + 1, item.level + 1});
        stack.push_back({tree.right[n], 2 * item.slot + 2, item.level + 1});
      }
    }
    return forest;
  } catch (const std::exception& error) {
    return make_error(ErrorCode::kModel, fmt::format("cannot read the model's trees: {}", error.what()));
  }
}

namespace {

constexpr std::string_view kBytesMagic = "PDKFRST1";  // paddock flat forest, layout 1

// FNV-1a, 64 bits: a checksum of the bytes, not a defence against a forged file.
std::uint64_t fnv1a(std::string_view bytes) {
  std::uint64_t hash = 0xCBF29CE484222325ULL;
  for (const char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001B3ULL;
  }
  return hash;
}

struct BytesHeader {
  std::uint64_t source = 0;
  std::int32_t depth = 0;
  float base_margin = 0.0F;
  std::uint64_t trees = 0;
  std::uint64_t features = 0;
};

}  // namespace

std::uint64_t forest_source_hash(std::string_view model_file) { return fnv1a(model_file); }

std::vector<std::uint8_t> FlatForest::to_bytes(std::uint64_t source) const {
  const BytesHeader header{source, depth_, base_margin_, tree_count_, feature_count_};
  std::string bytes(kBytesMagic);
  auto append = [&bytes](const void* data, std::size_t size) {
    bytes.append(static_cast<const char*>(data), size);
  };
  append(&header, sizeof header);
  append(feature_.data(), feature_.size() * sizeof(std::uint32_t));
  append(threshold_.data(), threshold_.size() * sizeof(float));
  append(leaf_.data(), leaf_.size() * sizeof(float));
  const std::uint64_t checksum = fnv1a(bytes);
  append(&checksum, sizeof checksum);
  return {bytes.begin(), bytes.end()};
}

Result<FlatForest> FlatForest::from_bytes(std::string_view bytes, std::uint64_t source) {
  auto refused = [](std::string_view why) {
    return make_error(ErrorCode::kModel, fmt::format("the cached forest is not usable: {}", why));
  };
  BytesHeader header;
  if (bytes.size() < kBytesMagic.size() + sizeof header + sizeof(std::uint64_t) || !bytes.starts_with(kBytesMagic)) {
    return refused("not a paddock forest of this version");
  }
  std::uint64_t checksum = 0;
  std::memcpy(&checksum, bytes.data() + bytes.size() - sizeof checksum, sizeof checksum);
  if (fnv1a(bytes.substr(0, bytes.size() - sizeof checksum)) != checksum) return refused("its checksum differs");
  std::memcpy(&header, bytes.data() + kBytesMagic.size(), sizeof header);
  if (header.source != source) return refused("it was flattened from another model file");
  if (header.depth < 1 || header.depth > kMaxDepth) return refused("its depth is out of range");
  FlatForest forest;
  forest.depth_ = header.depth;
  forest.base_margin_ = header.base_margin;
  forest.tree_count_ = header.trees;
  forest.feature_count_ = header.features;
  forest.internal_per_tree_ = (std::size_t{1} << forest.depth_) - 1;
  forest.leaves_per_tree_ = std::size_t{1} << forest.depth_;
  const std::size_t internal = forest.tree_count_ * forest.internal_per_tree_ + detail::kForestPadding;
  const std::size_t leaves = forest.tree_count_ * forest.leaves_per_tree_ + detail::kForestPadding;
  const std::size_t expected = kBytesMagic.size() + sizeof header + internal * (sizeof(std::uint32_t) + sizeof(float)) +
                               leaves * sizeof(float) + sizeof checksum;
  if (forest.tree_count_ > (std::size_t{1} << 24) || bytes.size() != expected) return refused("its size differs");
  const char* at = bytes.data() + kBytesMagic.size() + sizeof header;
  auto take = [&at](auto& values, std::size_t count) {
    values.resize(count);
    std::memcpy(values.data(), at, count * sizeof(values[0]));
    at += count * sizeof(values[0]);
  };
  take(forest.feature_, internal);
  take(forest.threshold_, internal);
  take(forest.leaf_, leaves);
  for (std::size_t i = 0; i < forest.tree_count_ * forest.internal_per_tree_; ++i) {
    if ((forest.feature_[i] & kFeatureMask) >= forest.feature_count_) return refused("a split names a feature beyond the model's");
  }
  return forest;
}

Status FlatForest::use_kernel(ForestKernel kernel) {
  if (!forest_kernel_supported(kernel)) {
    return make_error(ErrorCode::kFailedPrecondition,
                      fmt::format("this CPU cannot run the flat forest's {} kernel", forest_kernel_name(kernel)));
  }
  kernel_ = kernel;
  return ok_status();
}

void FlatForest::predict(const float* values, std::size_t rows, std::size_t columns, float* out) const {
  const detail::ForestArrays arrays{feature_.data(), threshold_.data(), leaf_.data(), tree_count_, depth_};
  for (std::size_t begin = 0; begin < rows; begin += kBlock) {
    const std::size_t count = std::min(kBlock, rows - begin);
    std::fill(out + begin, out + begin + count, base_margin_);
    detail::score_block(kernel_, arrays, values + begin * columns, count, columns, out + begin);
  }
}

std::vector<std::vector<float>> FlatForest::thresholds_by_feature() const {
  std::vector<std::vector<float>> by_feature(feature_count_);
  for (std::size_t i = 0; i < tree_count_ * internal_per_tree_; ++i) by_feature[feature_[i] & kFeatureMask].push_back(threshold_[i]);
  for (std::vector<float>& values : by_feature) {
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
  }
  return by_feature;
}

}  // namespace paddock
