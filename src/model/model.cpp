#include "model/model.h"

#include <fmt/format.h>

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <limits>
#include <cstdio>
#include <cstring>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <string_view>
#include <nlohmann/json.hpp>

#include "core/file_reader.h"
#include "features/feature_set.h"
#include "model/conditional_logit.h"

namespace paddock {
namespace {

constexpr double kFloorProbability = 1e-12;

std::vector<std::string> expected_feature_names() {
  std::vector<std::string> names;
  for (const FeatureInfo& info : feature_infos()) names.emplace_back(info.name);
  return names;
}

// Explains the first difference between two feature lists.
std::string describe_mismatch(const std::vector<std::string>& model,
                              const std::vector<std::string>& expected) {
  const std::size_t common = std::min(model.size(), expected.size());
  for (std::size_t i = 0; i < common; ++i) {
    if (model[i] != expected[i]) {
      return fmt::format("feature {} is '{}' in the model but '{}' in this paddock", i, model[i],
                         expected[i]);
    }
  }
  return fmt::format("the model has {} features, this paddock computes {}", model.size(),
                     expected.size());
}

}  // namespace

std::vector<double> fundamental_probabilities(std::span<const double> scores, double temperature) {
  std::vector<double> p(scores.begin(), scores.end());
  const double inverse = temperature > 0 ? 1.0 / temperature : 1.0;
  for (double& v : p) v *= inverse;
  softmax_in_place(p);
  return p;
}

std::vector<double> combine_with_market(std::span<const double> fundamental,
                                        std::span<const double> market, double alpha, double beta) {
  std::vector<double> logits(fundamental.size());
  for (std::size_t i = 0; i < logits.size(); ++i) {
    logits[i] = alpha * std::log(std::max(fundamental[i], kFloorProbability)) +
                beta * std::log(std::max(market[i], kFloorProbability));
  }
  softmax_in_place(logits);
  return logits;
}

std::vector<int> ranks_by_probability(std::span<const double> probabilities,
                                      std::span<const int> numbers) {
  std::vector<std::size_t> order(probabilities.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (probabilities[a] != probabilities[b]) return probabilities[a] > probabilities[b];
    return numbers[a] < numbers[b];
  });
  std::vector<int> ranks(probabilities.size());
  for (std::size_t r = 0; r < order.size(); ++r) ranks[order[r]] = static_cast<int>(r) + 1;
  return ranks;
}

// The numbers a model's predictions are made of, within bounds that no real fit reaches but
// that keep every softmax finite: 1e308 would turn probabilities into NaN.
Status check_model_numbers(const ModelMeta& meta, const std::string& path) {
  if (!std::isfinite(meta.temperature) || meta.temperature < kMinTemperature || meta.temperature > kMaxTemperature) {
    return make_error(ErrorCode::kModel, fmt::format("'{}': temperature {} is not between {:g} and {:g}", path,
                                                     meta.temperature, kMinTemperature, kMaxTemperature));
  }
  for (const auto& [name, value] : {std::pair{"alpha", meta.alpha}, std::pair{"beta", meta.beta}}) {
    if (!std::isfinite(value) || std::abs(value) > kMaxCoefficient) {
      return make_error(ErrorCode::kModel, fmt::format("'{}': {} {} is not a number between -{:g} and {:g}", path, name,
                                                       value, kMaxCoefficient, kMaxCoefficient));
    }
  }
  return ok_status();
}

Result<ModelMeta> read_model_meta(const std::string& path) {
  PADDOCK_ASSIGN_OR_RETURN(const std::string text, read_file(path, kMaxMetaBytes));
  try {
    const nlohmann::json j = nlohmann::json::parse(text);
    ModelMeta meta;
    meta.format = j.value("format", "");
    meta.feature_set = j.value("feature_set", "");
    meta.features = j.at("features").get<std::vector<std::string>>();
    meta.temperature = j.at("temperature").get<double>();
    meta.alpha = j.at("alpha").get<double>();
    meta.beta = j.at("beta").get<double>();
    meta.objective = j.value("objective", "");
    meta.stage1_source = j.value("stage1_source", "");
    meta.trees = j.value("trees", 0);
    meta.depth = j.value("depth", 0);
    meta.learning_rate = j.value("learning_rate", 0.0);
    const nlohmann::json train = j.value("train_window", nlohmann::json::object());
    meta.train_from = train.value("from", "");
    meta.train_to = train.value("to", "");
    meta.train_races = train.value("races", std::int64_t{0});
    meta.train_rows = train.value("rows", std::int64_t{0});
    const nlohmann::json validation = j.value("validation_window", nlohmann::json::object());
    meta.validation_from = validation.value("from", "");
    meta.validation_to = validation.value("to", "");
    meta.validation_races = validation.value("races", std::int64_t{0});
    meta.metrics_json = j.value("metrics", nlohmann::json::object()).dump();
    meta.xgboost_version = j.value("xgboost_version", "");
    meta.created_at = j.value("created_at", "");
    if (j.value("tuned", false)) meta.tuning = j.at("tuning").get<TuningSummary>();
    if (meta.format != "paddock-model-v1") {
      return make_error(ErrorCode::kModel, fmt::format("'{}': format '{}' is not paddock-model-v1",
                                                       path, meta.format));
    }
    PADDOCK_TRY(check_model_numbers(meta, path));
    return meta;
  } catch (const nlohmann::json::exception& e) {
    return make_error(ErrorCode::kModel, fmt::format("'{}' is not a valid meta.json: {}", path, e.what()));
  }
}

Status write_model_meta(const ModelMeta& meta, const std::string& path) {
  PADDOCK_TRY(check_model_numbers(meta, path));
  nlohmann::json j;
  j["format"] = meta.format;
  j["feature_set"] = meta.feature_set;
  j["features"] = meta.features;
  j["temperature"] = meta.temperature;
  j["alpha"] = meta.alpha;
  j["beta"] = meta.beta;
  j["objective"] = meta.objective;
  if (!meta.stage1_source.empty()) j["stage1_source"] = meta.stage1_source;
  j["trees"] = meta.trees;
  j["depth"] = meta.depth;
  j["learning_rate"] = meta.learning_rate;
  j["train_window"] = {{"from", meta.train_from}, {"to", meta.train_to},
                       {"races", meta.train_races}, {"rows", meta.train_rows}};
  j["validation_window"] = {{"from", meta.validation_from}, {"to", meta.validation_to},
                            {"races", meta.validation_races}};
  j["metrics"] = nlohmann::json::parse(meta.metrics_json.empty() ? "{}" : meta.metrics_json);
  j["xgboost_version"] = meta.xgboost_version;
  j["created_at"] = meta.created_at;
  if (meta.tuning) {
    j["tuned"] = true;
    j["tuning"] = *meta.tuning;
  }
  std::ofstream out(path);
  out << j.dump(2) << '\n';
  if (!out) return make_error(ErrorCode::kIo, fmt::format("cannot write '{}'", path));
  return ok_status();
}

Status check_booster_features(const Booster& booster, const std::string& what) {
  const std::vector<std::string> expected = expected_feature_names();
  PADDOCK_ASSIGN_OR_RETURN(std::size_t columns, booster.feature_count());
  if (columns != expected.size()) {
    return make_error(ErrorCode::kModel, fmt::format("{}: the XGBoost model takes {} features, this paddock computes {}",
                                                     what, columns, expected.size()));
  }
  PADDOCK_ASSIGN_OR_RETURN(std::vector<std::string> stored_names, booster.feature_names());
  if (!stored_names.empty() && stored_names != expected) {
    return make_error(ErrorCode::kModel, fmt::format("{}: the XGBoost model's feature names differ ({})", what,
                                                     describe_mismatch(stored_names, expected)));
  }
  return ok_status();
}

namespace {

// The kernel PADDOCK_TREE_EVALUATOR asks for (scalar, avx2, avx512), or the widest one; never
// one wider than asked, nor one this CPU cannot run.
ForestKernel chosen_kernel(std::string_view choice) {
  ForestKernel asked = best_forest_kernel();
  if (choice == "scalar") asked = ForestKernel::kScalar;
  if (choice == "avx2" && asked == ForestKernel::kAvx512) asked = ForestKernel::kAvx2;
  return asked;
}

// What PADDOCK_TREE_EVALUATOR asks for: "xgboost", a kernel, or nothing.
std::string_view evaluator_choice() {
  const char* env = std::getenv("PADDOCK_TREE_EVALUATOR");
  return env != nullptr ? std::string_view(env) : std::string_view();
}

// The log's `Trees:` words for a flat forest; `checked` says when it was checked against XGBoost.
std::string flat_forest_label(const FlatForest& forest, std::string_view checked) {
  return fmt::format("paddock's flat forest ({} trees of depth {}, {}, checked against XGBoost{})",
                     forest.tree_count(), forest.depth(), forest_kernel_name(forest.kernel()), checked);
}

constexpr std::string_view kForestCacheFile = "forest.bin";

// Best effort: a model directory this user may not write keeps working without the cache.
// Written whole to a file of this process, then renamed: a reader sees no half-written one.
void write_forest_cache(const FlatForest& forest, std::uint64_t source, const std::string& path) {
  const std::vector<std::uint8_t> bytes = forest.to_bytes(source);
  const std::string partial = fmt::format("{}.partial-{}", path, ::getpid());
  {
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!out.good()) {
      out.close();
      std::remove(partial.c_str());
      return;
    }
  }
  if (std::rename(partial.c_str(), path.c_str()) != 0) std::remove(partial.c_str());
}

}  // namespace

Result<Model> Model::load(const std::string& directory) {
  if (!std::filesystem::is_directory(directory)) {
    return make_error(ErrorCode::kNotFound, fmt::format("model directory '{}' does not exist", directory));
  }
  PADDOCK_ASSIGN_OR_RETURN(ModelMeta meta, read_model_meta(directory + "/meta.json"));
  const std::vector<std::string> expected = expected_feature_names();
  if (meta.features != expected) {
    return make_error(ErrorCode::kModel,
                      fmt::format("model '{}' was trained on another feature set ({}); retrain it "
                                  "with this paddock (`paddock train`)",
                                  directory, describe_mismatch(meta.features, expected)));
  }
  const std::string model_file = directory + "/model.json";
  PADDOCK_TRY(check_regular_file(model_file));  // XGBoost's own message is cryptic
  // The flat forest is cached beside model.json once it has been checked against XGBoost
  // (forest.bin, naming model.json's hash): a later load reads it instead of parsing the
  // model twice (XGBoost's JSON, then the trees), two thirds of a one-day job's time.
  PADDOCK_ASSIGN_OR_RETURN(const std::string model_bytes, read_file(model_file));
  const std::uint64_t source = forest_source_hash(model_bytes);
  const std::string cache_file = directory + "/" + std::string(kForestCacheFile);
  const std::string_view choice = evaluator_choice();
  if (choice != "xgboost" && std::filesystem::exists(cache_file)) {
    Result<std::string> cached = read_file(cache_file);
    Result<FlatForest> forest = cached.ok() ? FlatForest::from_bytes(*cached, source) : Result<FlatForest>(cached.error());
    if (forest.ok() && forest->feature_count() == static_cast<std::size_t>(kFeatureCount)) {
      (void)forest->use_kernel(chosen_kernel(choice));
      Model model(std::nullopt, std::move(meta));
      model.directory_ = directory;
      model.forest_.emplace(std::move(*forest));
      model.evaluator_ = flat_forest_label(*model.forest_, " when first loaded");
      return model;
    }
  }
  PADDOCK_ASSIGN_OR_RETURN(Booster booster, Booster::load(model_file));
  PADDOCK_TRY(check_booster_features(booster, fmt::format("model '{}'", directory)));
  Model model(std::move(booster), std::move(meta));
  model.directory_ = directory;
  model.attach_flat_forest();
  if (model.forest_) write_forest_cache(*model.forest_, source, cache_file);
  return model;
}

Result<Booster*> Model::booster() {
  if (!booster_) {
    const std::string model_file = directory_ + "/model.json";
    PADDOCK_ASSIGN_OR_RETURN(Booster booster, Booster::load(model_file));
    PADDOCK_TRY(check_booster_features(booster, fmt::format("model '{}'", directory_)));
    booster_.emplace(std::move(booster));
  }
  return &*booster_;
}

Model Model::from_parts(Booster booster, ModelMeta meta) {
  Model model(std::move(booster), std::move(meta));
  model.attach_flat_forest();
  return model;
}

namespace {

// Rows that reach both sides of every split of the forest: each value a threshold itself
// (x < t is false), the float just below it (true), or missing; and the forest's scores of them
// must be XGBoost's, bit for bit.
Status check_against_booster(const FlatForest& forest, Booster& booster) {
  constexpr std::size_t kRows = 512;
  const std::vector<std::vector<float>> thresholds = forest.thresholds_by_feature();
  const std::size_t columns = forest.feature_count();
  std::vector<float> rows(kRows * columns);
  std::uint64_t state = 0x9E3779B97F4A7C15ULL;
  auto next = [&state] {  // splitmix64: deterministic, no <random> engine state to carry
    state += 0x9E3779B97F4A7C15ULL;
    std::uint64_t z = state;
    z = (z ^ (z >> 30U)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27U)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31U);
  };
  for (std::size_t r = 0; r < kRows; ++r) {
    for (std::size_t c = 0; c < columns; ++c) {
      const std::vector<float>& cuts = thresholds[c];
      const std::uint64_t pick = next();
      float value = std::numeric_limits<float>::quiet_NaN();
      if (!cuts.empty() && pick % 10 != 0) {
        const float cut = cuts[(pick >> 8U) % cuts.size()];
        value = (pick >> 4U) % 2 == 0 ? cut : std::nextafter(cut, -std::numeric_limits<float>::infinity());
      } else if (cuts.empty() && pick % 10 != 0) {
        value = static_cast<float>(pick % 1000) / 10.0F;
      }
      rows[r * columns + c] = value;
    }
  }
  PADDOCK_ASSIGN_OR_RETURN(const std::vector<float> expected, booster.predict(rows.data(), kRows, columns));
  std::vector<float> got(kRows);
  forest.predict(rows.data(), kRows, columns, got.data());
  for (std::size_t r = 0; r < kRows; ++r) {
    if (std::memcmp(&got[r], &expected[r], sizeof(float)) != 0) {
      return make_error(ErrorCode::kModel, fmt::format("its score of a sample row differs from XGBoost's ({} vs {})",
                                                       got[r], expected[r]));
    }
  }
  return ok_status();
}

}  // namespace


void Model::attach_flat_forest() {
  const std::string_view choice = evaluator_choice();
  if (choice == "xgboost") {
    evaluator_ = "XGBoost (PADDOCK_TREE_EVALUATOR=xgboost)";
    return;
  }
  Result<std::vector<std::uint8_t>> bytes = booster_->serialize("ubj");
  Result<FlatForest> forest = bytes.ok() ? FlatForest::from_ubjson(*bytes) : Result<FlatForest>(bytes.error());
  if (forest.ok()) (void)forest->use_kernel(chosen_kernel(choice));  // chosen_kernel gives a supported one
  Status same = forest.ok() && forest->feature_count() == static_cast<std::size_t>(kFeatureCount)
                    ? check_against_booster(*forest, *booster_)
                    : Status(forest.ok() ? make_error(ErrorCode::kModel, "the model's feature count differs")
                                         : forest.error());
  if (!same.ok()) {
    evaluator_ = "XGBoost (the flat forest is not used: " + same.error().message + ")";
    return;
  }
  forest_.emplace(std::move(*forest));
  evaluator_ = flat_forest_label(*forest_, "");
}

Result<std::vector<float>> Model::score_rows(const float* values, std::size_t rows) {
  if (!forest_) return booster_->predict(values, rows, kFeatureCount);  // loaded: no forest without it
  std::vector<float> scores(rows);
  forest_->predict(values, rows, kFeatureCount, scores.data());
  return scores;
}

// A registered model's directory never changes: predictions made with it must be made again
// the same way. The files are written to a fresh directory beside the target, then renamed to
// it in one step; a target that exists is refused, and a save that fails leaves nothing.
Status Model::save(const std::string& directory) const {
  namespace fs = std::filesystem;
  const fs::path target = fs::path(directory).lexically_normal();
  std::error_code ec;
  if (fs::exists(target, ec) || ec) {
    return make_error(ErrorCode::kAlreadyExists,
                      fmt::format("model directory '{}' already exists; a model's files are never replaced "
                                  "(choose another --name or --out)", target.string()));
  }
  const fs::path parent = target.has_parent_path() ? target.parent_path() : fs::path(".");
  fs::create_directories(parent, ec);
  if (ec) return make_error(ErrorCode::kIo, fmt::format("cannot create '{}': {}", parent.string(), ec.message()));
  const fs::path staging = parent / fmt::format(".{}.partial-{}", target.filename().string(), ::getpid());
  fs::remove_all(staging, ec);
  fs::create_directory(staging, ec);
  if (ec) return make_error(ErrorCode::kIo, fmt::format("cannot create '{}': {}", staging.string(), ec.message()));
  // A model loaded with its cached forest has not parsed model.json: its file is the model.
  Status written = ok_status();
  if (booster_) {
    written = booster_->save((staging / "model.json").string());
  } else {
    fs::copy_file(fs::path(directory_) / "model.json", staging / "model.json", ec);
    if (ec) written = make_error(ErrorCode::kIo, fmt::format("cannot copy the model: {}", ec.message()));
  }
  if (written.ok()) written = write_model_meta(meta_, (staging / "meta.json").string());
  // rename(2) of a directory fails when the target exists: two trainers cannot both win.
  if (written.ok() && ::rename(staging.c_str(), target.c_str()) != 0) {
    written = make_error(errno == EEXIST || errno == ENOTEMPTY ? ErrorCode::kAlreadyExists : ErrorCode::kIo,
                         fmt::format("cannot create model directory '{}': {}", target.string(), std::strerror(errno)));
  }
  if (!written.ok()) fs::remove_all(staging, ec);
  return written;
}

Result<std::vector<RacePrediction>> Model::predict(std::span<const RaceFeatures> races,
                                                   std::span<const std::optional<MarketView>> markets) {
  std::size_t rows = 0;
  for (const RaceFeatures& race : races) rows += race.rows();
  std::vector<float> matrix;
  matrix.reserve(rows * kFeatureCount);
  for (const RaceFeatures& race : races) matrix.insert(matrix.end(), race.values.begin(), race.values.end());
  PADDOCK_ASSIGN_OR_RETURN(std::vector<float> scores, score_rows(matrix.data(), rows));

  std::vector<RacePrediction> predictions;
  predictions.reserve(races.size());
  std::size_t offset = 0;
  for (std::size_t r = 0; r < races.size(); ++r) {
    const RaceFeatures& race = races[r];
    RacePrediction prediction;
    prediction.race_id = race.race_id;
    prediction.numbers = race.numbers;
    prediction.scores.assign(scores.begin() + static_cast<std::ptrdiff_t>(offset),
                             scores.begin() + static_cast<std::ptrdiff_t>(offset + race.rows()));
    offset += race.rows();
    prediction.fundamental = fundamental_probabilities(prediction.scores, meta_.temperature);
    const std::optional<MarketView>& market = markets[r];
    prediction.used_market = market.has_value() && market->probabilities.size() == race.rows();
    prediction.probabilities =
        prediction.used_market
            ? combine_with_market(prediction.fundamental, market->probabilities, meta_.alpha, meta_.beta)
            : prediction.fundamental;
    prediction.ranks = ranks_by_probability(prediction.probabilities, prediction.numbers);
    predictions.push_back(std::move(prediction));
  }
  return predictions;
}

}  // namespace paddock
