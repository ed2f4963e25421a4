#include "model/booster.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <xgboost/c_api.h>

#include <mutex>
#include <utility>

namespace paddock {
namespace {

Error xgboost_error(const char* call) {
  return make_error(ErrorCode::kModel, fmt::format("XGBoost {} failed: {}", call, XGBGetLastError()));
}

#define PADDOCK_XGB(call)                                 \
  do {                                                    \
    if ((call) != 0) return xgboost_error(#call);         \
  } while (false)

// A DMatrix owned until a BoostingRun takes it.
class Matrix {
 public:
  ~Matrix() {
    if (handle_ != nullptr) XGDMatrixFree(handle_);
  }
  DMatrixHandle* out() { return &handle_; }
  DMatrixHandle get() const { return handle_; }
  DMatrixHandle release() { return std::exchange(handle_, nullptr); }

 private:
  DMatrixHandle handle_ = nullptr;
};

// Feature names and types as the C arrays XGBoost takes; every feature is a float.
struct FeatureInfo {
  explicit FeatureInfo(const std::vector<std::string>& feature_names) {
    for (const std::string& name : feature_names) {
      names.push_back(name.c_str());
      types.push_back("float");
    }
  }
  std::vector<const char*> names;
  std::vector<const char*> types;
};

}  // namespace

Booster::Booster(Booster&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}

Booster& Booster::operator=(Booster&& other) noexcept {
  if (this != &other) {
    if (handle_ != nullptr) XGBoosterFree(handle_);
    handle_ = std::exchange(other.handle_, nullptr);
  }
  return *this;
}

Booster::~Booster() {
  if (handle_ != nullptr) XGBoosterFree(handle_);
}

Result<Booster> Booster::train(const RankingData& data, const BoosterParams& params,
                               const std::function<void(int, int)>& on_tree) {
  PADDOCK_ASSIGN_OR_RETURN(BoostingRun run, BoostingRun::start(data, params));
  for (int tree = 0; tree < params.trees; ++tree) {
    PADDOCK_TRY(run.add_round());
    if (on_tree) on_tree(tree + 1, params.trees);
  }
  return run.finish();
}

Result<BoostingRun> BoostingRun::start(const RankingData& data, const BoosterParams& params) {
  if (data.rows() == 0 || data.columns == 0) {
    return make_error(ErrorCode::kFailedPrecondition, "no training rows");
  }
  Matrix matrix;
  PADDOCK_XGB(XGDMatrixCreateFromMat(data.values.data(), data.rows(), data.columns,
                                     std::numeric_limits<float>::quiet_NaN(), matrix.out()));
  PADDOCK_XGB(XGDMatrixSetFloatInfo(matrix.get(), "label", data.labels.data(), data.rows()));
  PADDOCK_XGB(XGDMatrixSetUIntInfo(matrix.get(), "group", data.groups.data(), data.groups.size()));
  FeatureInfo info(data.feature_names);  // XGBoost takes non-const arrays
  if (!info.names.empty()) {
    PADDOCK_XGB(XGDMatrixSetStrFeatureInfo(matrix.get(), "feature_name", info.names.data(), info.names.size()));
    PADDOCK_XGB(XGDMatrixSetStrFeatureInfo(matrix.get(), "feature_type", info.types.data(), info.types.size()));
  }
  BoosterHandle handle = nullptr;
  DMatrixHandle matrices[] = {matrix.get()};
  PADDOCK_XGB(XGBoosterCreate(matrices, 1, &handle));
  Booster booster(handle);
  const std::pair<const char*, std::string> settings[] = {
      {"objective", params.objective},
      {"tree_method", "hist"},
      {"max_depth", std::to_string(params.depth)},
      {"eta", fmt::format("{}", params.learning_rate)},
      {"min_child_weight", fmt::format("{}", params.min_child_weight)},
      {"subsample", fmt::format("{}", params.subsample)},
      {"colsample_bytree", fmt::format("{}", params.colsample_bytree)},
      {"nthread", std::to_string(params.threads)},
      {"seed", std::to_string(params.seed)},
      {"verbosity", "0"},
  };
  for (const auto& [name, value] : settings) {
    PADDOCK_XGB(XGBoosterSetParam(handle, name, value.c_str()));
  }
  return BoostingRun(matrix.release(), std::move(booster), data.feature_names);
}

BoostingRun::BoostingRun(BoostingRun&& other) noexcept
    : matrix_(std::exchange(other.matrix_, nullptr)),
      booster_(std::move(other.booster_)),
      feature_names_(std::move(other.feature_names_)),
      rounds_(std::exchange(other.rounds_, 0)) {}

BoostingRun& BoostingRun::operator=(BoostingRun&& other) noexcept {
  if (this != &other) {
    if (matrix_ != nullptr) XGDMatrixFree(matrix_);
    matrix_ = std::exchange(other.matrix_, nullptr);
    booster_ = std::move(other.booster_);
    feature_names_ = std::move(other.feature_names_);
    rounds_ = std::exchange(other.rounds_, 0);
  }
  return *this;
}

BoostingRun::~BoostingRun() {
  if (matrix_ != nullptr) XGDMatrixFree(matrix_);
}

Status BoostingRun::add_round() {
  if (matrix_ == nullptr) return make_error(ErrorCode::kInternal, "boosting run already finished");
  PADDOCK_XGB(XGBoosterUpdateOneIter(booster_.handle_, rounds_, matrix_));
  ++rounds_;
  return ok_status();
}

Result<Booster> BoostingRun::finish() {
  if (matrix_ == nullptr) return make_error(ErrorCode::kInternal, "boosting run already finished");
  // Stored in model.json, so that a loader (paddock, or Python) can check the columns by name.
  FeatureInfo info(feature_names_);
  if (!info.names.empty()) {
    PADDOCK_XGB(XGBoosterSetStrFeatureInfo(booster_.handle_, "feature_name", info.names.data(), info.names.size()));
    PADDOCK_XGB(XGBoosterSetStrFeatureInfo(booster_.handle_, "feature_type", info.types.data(), info.types.size()));
  }
  XGDMatrixFree(std::exchange(matrix_, nullptr));
  return std::move(booster_);
}

Result<Booster> Booster::load(const std::string& path) {
  // XGBoost does not document its model loader as safe to run from several threads at once
  // (it parses trees on its own OpenMP threads), and each engine worker loads its own copy:
  // loads are serialised. Prediction on distinct boosters runs in parallel.
  static std::mutex load_mutex;
  const std::lock_guard<std::mutex> lock(load_mutex);
  BoosterHandle handle = nullptr;
  PADDOCK_XGB(XGBoosterCreate(nullptr, 0, &handle));
  Booster booster(handle);
  if (XGBoosterLoadModel(handle, path.c_str()) != 0) {
    return make_error(ErrorCode::kModel,
                      fmt::format("cannot load XGBoost model '{}': {}", path, XGBGetLastError()));
  }
  PADDOCK_TRY(booster.set_threads(1));
  return booster;
}

Status Booster::save(const std::string& path) const {
  PADDOCK_XGB(XGBoosterSaveModel(handle_, path.c_str()));
  return ok_status();
}

Result<std::vector<std::uint8_t>> Booster::serialize(const std::string& format) const {
  const std::string config = fmt::format(R"({{"format": "{}"}})", format);
  bst_ulong length = 0;
  const char* bytes = nullptr;
  PADDOCK_XGB(XGBoosterSaveModelToBuffer(handle_, config.c_str(), &length, &bytes));
  return std::vector<std::uint8_t>(reinterpret_cast<const std::uint8_t*>(bytes),
                                   reinterpret_cast<const std::uint8_t*>(bytes) + length);
}

Status Booster::set_threads(int threads) {
  PADDOCK_XGB(XGBoosterSetParam(handle_, "nthread", std::to_string(threads).c_str()));
  return ok_status();
}

Result<std::vector<float>> Booster::predict(const float* values, std::size_t rows, std::size_t columns) {
  return predict_range(values, rows, columns, 0, 0);
}

Result<std::vector<float>> Booster::predict_rounds(const float* values, std::size_t rows, std::size_t columns,
                                                   int begin, int end) {
  if (begin < 0 || end <= begin) {
    return make_error(ErrorCode::kInternal, fmt::format("rounds [{}, {}) are not a range of trees", begin, end));
  }
  return predict_range(values, rows, columns, begin, end);
}

// [0, 0) is every tree.
Result<std::vector<float>> Booster::predict_range(const float* values, std::size_t rows, std::size_t columns,
                                                  int begin, int end) {
  if (rows == 0) return std::vector<float>();
  const std::string array = fmt::format(
      R"({{"data": [{}, true], "shape": [{}, {}], "typestr": "<f4", "version": 3}})",
      reinterpret_cast<std::uintptr_t>(values), rows, columns);
  const std::string config = fmt::format(
      R"({{"type": 1, "training": false, "iteration_begin": {}, "iteration_end": {}, )"
      R"("strict_shape": false, "cache_id": 0, "missing": NaN}})", begin, end);
  const bst_ulong* shape = nullptr;
  bst_ulong dimensions = 0;
  const float* result = nullptr;
  PADDOCK_XGB(XGBoosterPredictFromDense(handle_, array.c_str(), config.c_str(), nullptr, &shape,
                                        &dimensions, &result));
  bst_ulong outputs = 1;
  for (bst_ulong d = 0; d < dimensions; ++d) outputs *= shape[d];
  if (outputs != rows) {
    return make_error(ErrorCode::kModel, fmt::format("the XGBoost model gives {} outputs for {} rows; a ranker gives "
                                                     "one score a row", outputs, rows));
  }
  return std::vector<float>(result, result + rows);
}

Result<std::size_t> Booster::feature_count() const {
  bst_ulong count = 0;
  PADDOCK_XGB(XGBoosterGetNumFeature(handle_, &count));
  return static_cast<std::size_t>(count);
}

Result<std::vector<std::string>> Booster::feature_names() const {
  bst_ulong count = 0;
  const char** names = nullptr;
  PADDOCK_XGB(XGBoosterGetStrFeatureInfo(handle_, "feature_name", &count, &names));
  return std::vector<std::string>(names, names + count);
}

Result<Booster::Description> Booster::describe() const {
  bst_ulong length = 0;
  const char* config = nullptr;
  PADDOCK_XGB(XGBoosterSaveJsonConfig(handle_, &length, &config));
  Description description;
  try {
    const nlohmann::json learner = nlohmann::json::parse(config, config + length).at("learner");
    description.objective = learner.at("objective").at("name").get<std::string>();
    // gbtree keeps its trees' count at gradient_booster.gbtree_model_param, dart one level
    // down (gradient_booster.gbtree); gblinear has none.
    const nlohmann::json& booster = learner.at("gradient_booster");
    const nlohmann::json& tree_owner = booster.contains("gbtree") ? booster.at("gbtree") : booster;
    if (tree_owner.contains("gbtree_model_param")) {
      description.trees = std::stoi(tree_owner.at("gbtree_model_param").at("num_trees").get<std::string>());
    }
  } catch (const std::exception& error) {
    return make_error(ErrorCode::kModel, fmt::format("unexpected XGBoost configuration: {}", error.what()));
  }
  return description;
}

Result<std::optional<std::string>> Booster::attribute(const std::string& key) const {
  const char* value = nullptr;
  int found = 0;
  PADDOCK_XGB(XGBoosterGetAttr(handle_, key.c_str(), &value, &found));
  if (found == 0 || value == nullptr) return std::optional<std::string>();
  return std::optional<std::string>(value);
}

std::string Booster::library_version() {
  int major = 0, minor = 0, patch = 0;
  XGBoostVersion(&major, &minor, &patch);
  return fmt::format("{}.{}.{}", major, minor, patch);
}

}  // namespace paddock
