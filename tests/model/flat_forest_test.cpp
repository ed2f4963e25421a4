// The flat forest gives XGBoost's margins bit for bit: on every feature row of the demo
// database with its model, and on random rows (a tenth missing) with models of other depths,
// objectives and sizes trained here. Each of its kernels (scalar, AVX2, AVX-512, those this CPU
// runs) gives the same floats as the scalar one and XGBoost, on those rows, on rows made of the
// thresholds themselves and the floats beside them, on rows mostly missing, and on every count
// of rows around the vector widths (the tails of the blocks).
#include "model/flat_forest.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "core/file_reader.h"
#include "features/race_stream.h"
#include "model/model.h"
#include "support/test_fixture.h"

namespace paddock {
namespace {

// Counts the rows whose two scores are not the same float.
std::size_t differences(const std::vector<float>& a, const std::vector<float>& b) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < a.size(); ++i) count += std::memcmp(&a[i], &b[i], sizeof(float)) != 0 ? 1 : 0;
  return count;
}

std::vector<float> random_rows(std::size_t rows, std::size_t columns, std::mt19937& random) {
  std::normal_distribution<float> value(0.0F, 3.0F);
  std::uniform_int_distribution<int> tenth(0, 9);
  std::vector<float> values(rows * columns);
  for (float& v : values) v = tenth(random) == 0 ? std::numeric_limits<float>::quiet_NaN() : value(random);
  return values;
}

std::vector<ForestKernel> supported_kernels() {
  std::vector<ForestKernel> kernels;
  for (ForestKernel k : {ForestKernel::kScalar, ForestKernel::kAvx2, ForestKernel::kAvx512}) {
    if (forest_kernel_supported(k)) kernels.push_back(k);
  }
  return kernels;
}

std::vector<float> predict_with(FlatForest forest, ForestKernel kernel, const std::vector<float>& values,
                                std::size_t rows, std::size_t columns) {
  EXPECT_TRUE(forest.use_kernel(kernel).ok());
  std::vector<float> out(rows);
  forest.predict(values.data(), rows, columns, out.data());
  return out;
}

// Rows whose values sit on the forest's split points: a threshold itself (x < t is false), the
// float just below or above it, an infinity, or missing with probability `missing`.
std::vector<float> threshold_rows(const FlatForest& forest, std::size_t rows, double missing, std::mt19937& random) {
  const std::vector<std::vector<float>> cuts = forest.thresholds_by_feature();
  const std::size_t columns = forest.feature_count();
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::uniform_int_distribution<int> kind(0, 5);
  std::vector<float> values(rows * columns);
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t c = 0; c < columns; ++c) {
      float& v = values[r * columns + c];
      v = std::numeric_limits<float>::quiet_NaN();
      if (unit(random) < missing) continue;
      const int k = kind(random);
      if (cuts[c].empty() || k == 5) {
        v = k % 2 == 0 ? std::numeric_limits<float>::infinity() : -std::numeric_limits<float>::infinity();
        continue;
      }
      const float cut = cuts[c][std::uniform_int_distribution<std::size_t>(0, cuts[c].size() - 1)(random)];
      if (k <= 1) v = cut;
      if (k == 2 || k == 3) v = std::nextafter(cut, -std::numeric_limits<float>::infinity());
      if (k == 4) v = std::nextafter(cut, std::numeric_limits<float>::infinity());
    }
  }
  return values;
}

Booster train(const std::string& objective, int depth, int trees, std::mt19937& random) {
  RankingData data;
  data.columns = 6;
  std::uniform_real_distribution<float> uniform(0.0F, 1.0F);
  for (int race = 0; race < 300; ++race) {
    const int runners = 8;
    for (int r = 0; r < runners; ++r) {
      float signal = 0.0F;
      for (std::size_t c = 0; c < data.columns; ++c) {
        const float v = uniform(random) < 0.1F ? std::numeric_limits<float>::quiet_NaN() : uniform(random);
        data.values.push_back(v);
        if (c < 2 && !std::isnan(v)) signal += v;
      }
      const bool binary = objective.starts_with("binary") || objective == "reg:logistic";
      data.labels.push_back(binary ? (signal > 1.0F ? 1.0F : 0.0F) : std::floor(signal * 2.0F));
    }
    data.groups.push_back(runners);
  }
  BoosterParams params;
  params.objective = objective;
  params.depth = depth;
  params.trees = trees;
  params.threads = 1;
  Result<Booster> booster = Booster::train(data, params, {});
  if (!booster.ok()) throw std::runtime_error(booster.error().describe());
  return std::move(*booster);
}

TEST(FlatForest, MatchesXGBoostOnEveryRowOfTheDemoDatabase) {
  testing::TempDir dir("flat-demo");
  const std::string db_path = testing::demo_database_copy(dir.path());
  std::unique_ptr<Database> db = testing::open_or_die(db_path);
  Result<Model> model = Model::load(testing::query_text(db_path, "SELECT path FROM models WHERE is_active = 1"));
  ASSERT_TRUE(model.ok()) << model.error().describe();
  EXPECT_TRUE(model->uses_flat_forest()) << model->evaluator();
  Result<HistoryIndex> history = HistoryIndex::load(*db);
  ASSERT_TRUE(history.ok());
  std::vector<float> rows;
  ASSERT_TRUE(for_each_race_features(*db, *history, *db->find_races({}),
                                     [&](const RaceCard&, const Result<RaceFeatures>& features) {
                                       if (features.ok()) rows.insert(rows.end(), features->values.begin(), features->values.end());
                                     }).ok());
  const std::size_t count = rows.size() / kFeatureCount;
  ASSERT_GT(count, 30000U);
  const std::vector<float> xgboost = *(*model->booster())->predict(rows.data(), count, kFeatureCount);
  const std::vector<float> flat = *model->score_rows(rows.data(), count);
  EXPECT_EQ(differences(flat, xgboost), 0U) << "of " << count << " rows";
}

TEST(FlatForest, MatchesXGBoostForOtherDepthsObjectivesAndSizes) {
  std::mt19937 random(11);
  struct Case {
    std::string objective;
    int depth;
    int trees;
  };
  for (const Case& c : {Case{"rank:pairwise", 1, 5}, Case{"rank:pairwise", 8, 40}, Case{"rank:ndcg", 6, 60},
                        Case{"reg:squarederror", 4, 30}, Case{"binary:logistic", 5, 20}, Case{"rank:map", 3, 1}}) {
    Booster booster = train(c.objective, c.depth, c.trees, random);
    Result<FlatForest> forest = FlatForest::from_ubjson(*booster.serialize("ubj"));
    ASSERT_TRUE(forest.ok()) << c.objective << ": " << forest.error().describe();
    EXPECT_LE(forest->depth(), c.depth);
    EXPECT_EQ(forest->tree_count(), static_cast<std::size_t>(c.trees));
    const std::size_t rows = 3001;  // not a multiple of the block or of the lanes
    const std::vector<float> values = random_rows(rows, 6, random);
    const std::vector<float> expected = *booster.predict(values.data(), rows, 6);
    std::vector<float> got(rows);
    forest->predict(values.data(), rows, 6, got.data());
    EXPECT_EQ(differences(got, expected), 0U) << c.objective << " depth " << c.depth;
  }
}

TEST(FlatForest, EveryKernelGivesTheScalarFloatsOnEveryRowOfTheDemoDatabase) {
  testing::TempDir dir("flat-kernels");
  const std::string db_path = testing::demo_database_copy(dir.path());
  std::unique_ptr<Database> db = testing::open_or_die(db_path);
  Result<Model> model = Model::load(testing::query_text(db_path, "SELECT path FROM models WHERE is_active = 1"));
  ASSERT_TRUE(model.ok()) << model.error().describe();
  ASSERT_TRUE(model->flat_forest().has_value()) << model->evaluator();
  const FlatForest& forest = *model->flat_forest();
  EXPECT_EQ(forest.kernel(), best_forest_kernel());
  EXPECT_NE(model->evaluator().find(forest_kernel_name(forest.kernel())), std::string::npos) << model->evaluator();
  Result<HistoryIndex> history = HistoryIndex::load(*db);
  ASSERT_TRUE(history.ok());
  std::vector<float> rows;
  ASSERT_TRUE(for_each_race_features(*db, *history, *db->find_races({}),
                                     [&](const RaceCard&, const Result<RaceFeatures>& features) {
                                       if (features.ok()) rows.insert(rows.end(), features->values.begin(), features->values.end());
                                     }).ok());
  const std::size_t count = rows.size() / kFeatureCount;
  const std::vector<float> xgboost = *(*model->booster())->predict(rows.data(), count, kFeatureCount);
  const std::vector<float> scalar = predict_with(forest, ForestKernel::kScalar, rows, count, kFeatureCount);
  EXPECT_EQ(differences(scalar, xgboost), 0U) << "of " << count << " rows";
  for (ForestKernel kernel : supported_kernels()) {
    EXPECT_EQ(differences(predict_with(forest, kernel, rows, count, kFeatureCount), scalar), 0U)
        << forest_kernel_name(kernel) << ", of " << count << " rows";
  }
}

TEST(FlatForest, EveryKernelMatchesXGBoostOnThresholdsMissingValuesAndBlockTails) {
  std::mt19937 random(29);
  struct Case {
    std::string objective;
    int depth;
    int trees;
  };
  // Depths around the kernels' changes of method: permutes up to 4 (AVX2) or 5 and 6 (AVX-512)
  // levels and leaves, gathers below.
  for (const Case& c : {Case{"rank:pairwise", 1, 7}, Case{"rank:pairwise", 3, 20}, Case{"rank:ndcg", 4, 25},
                        Case{"reg:squarederror", 5, 30}, Case{"rank:pairwise", 6, 40}, Case{"binary:logistic", 7, 15},
                        Case{"rank:pairwise", 9, 10}}) {
    Booster booster = train(c.objective, c.depth, c.trees, random);
    Result<FlatForest> forest = FlatForest::from_ubjson(*booster.serialize("ubj"));
    ASSERT_TRUE(forest.ok()) << forest.error().describe();
    for (double missing : {0.0, 0.1, 0.6, 1.0}) {
      const std::size_t rows = 1000 + 37;  // neither a multiple of 8, 16 nor of the block
      const std::vector<float> values = threshold_rows(*forest, rows, missing, random);
      const std::vector<float> expected = *booster.predict(values.data(), rows, 6);
      for (ForestKernel kernel : supported_kernels()) {
        EXPECT_EQ(differences(predict_with(*forest, kernel, values, rows, 6), expected), 0U)
            << forest_kernel_name(kernel) << ", " << c.objective << " depth " << c.depth << ", missing " << missing;
      }
      // Every count of rows from 1 to 140: every tail of a group (8 or 16 rows), of a set of
      // groups (64 or 128) and of a block (128).
      for (std::size_t n = 1; n <= 140; ++n) {
        const std::vector<float> head(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(n * 6));
        const std::vector<float> want(expected.begin(), expected.begin() + static_cast<std::ptrdiff_t>(n));
        for (ForestKernel kernel : supported_kernels()) {
          ASSERT_EQ(differences(predict_with(*forest, kernel, head, n, 6), want), 0U)
              << forest_kernel_name(kernel) << ", depth " << c.depth << ", " << n << " rows";
        }
      }
    }
  }
}

TEST(FlatForest, WiderRowsThanTheForestReadOnlyItsColumns) {
  std::mt19937 random(5);
  Booster booster = train("rank:pairwise", 6, 20, random);
  Result<FlatForest> forest = FlatForest::from_ubjson(*booster.serialize("ubj"));
  ASSERT_TRUE(forest.ok());
  const std::size_t rows = 203;
  const std::vector<float> narrow = threshold_rows(*forest, rows, 0.2, random);
  std::vector<float> wide(rows * 11, 12345.0F);  // 5 columns more, which no tree reads
  for (std::size_t r = 0; r < rows; ++r) std::copy_n(narrow.begin() + static_cast<std::ptrdiff_t>(r * 6), 6, wide.begin() + static_cast<std::ptrdiff_t>(r * 11));
  const std::vector<float> expected = *booster.predict(narrow.data(), rows, 6);
  for (ForestKernel kernel : supported_kernels()) {
    EXPECT_EQ(differences(predict_with(*forest, kernel, wide, rows, 11), expected), 0U) << forest_kernel_name(kernel);
  }
}

TEST(FlatForest, TheScalarKernelCanBeForcedAndAlwaysRuns) {
  EXPECT_TRUE(forest_kernel_supported(ForestKernel::kScalar));
  EXPECT_TRUE(forest_kernel_supported(best_forest_kernel()));
  testing::TempDir dir("flat-scalar");
  const std::string db_path = testing::demo_database_copy(dir.path());
  const std::string model_path = testing::query_text(db_path, "SELECT path FROM models WHERE is_active = 1");
  setenv("PADDOCK_TREE_EVALUATOR", "scalar", 1);
  Result<Model> scalar = Model::load(model_path);
  setenv("PADDOCK_TREE_EVALUATOR", "avx2", 1);
  Result<Model> avx2 = Model::load(model_path);
  unsetenv("PADDOCK_TREE_EVALUATOR");
  ASSERT_TRUE(scalar.ok() && avx2.ok());
  ASSERT_TRUE(scalar->flat_forest().has_value()) << scalar->evaluator();
  EXPECT_EQ(scalar->flat_forest()->kernel(), ForestKernel::kScalar);
  EXPECT_NE(scalar->evaluator().find(", scalar, checked"), std::string::npos) << scalar->evaluator();
  ASSERT_TRUE(avx2->flat_forest().has_value());
  EXPECT_NE(avx2->flat_forest()->kernel(), ForestKernel::kAvx512);  // never wider than asked
}

TEST(FlatForest, WhatItCannotReproduceIsRefusedWithTheReason) {
  std::mt19937 random(3);
  Booster booster = train("rank:pairwise", 3, 3, random);
  const std::vector<std::uint8_t> json_bytes = *booster.serialize("json");
  std::string json(json_bytes.begin(), json_bytes.end());
  auto refused = [](const std::string& text) {
    Result<FlatForest> forest = FlatForest::from_json(text);
    return forest.ok() ? std::string() : forest.error().message;
  };
  EXPECT_EQ(refused(json), "");
  std::string linear = json;
  linear.replace(linear.find("\"gbtree\""), 8, "\"gblinear\"");
  EXPECT_NE(refused(linear).find("booster 'gblinear'"), std::string::npos);
  std::string categorical = json;
  const auto at = categorical.find("\"split_type\":[0");
  ASSERT_NE(at, std::string::npos);
  categorical.replace(at, 15, "\"split_type\":[1");
  EXPECT_NE(refused(categorical).find("categorical"), std::string::npos);
  std::string classes = json;
  classes.replace(classes.find("\"num_class\":\"0\""), 15, "\"num_class\":\"3\"");
  EXPECT_NE(refused(classes).find("several outputs"), std::string::npos);
  EXPECT_NE(refused("{not json").find("cannot read"), std::string::npos);
}

// A model's flat forest is cached beside its model.json once checked against XGBoost; the next
// load reads it instead of parsing the model (and gives the same floats), and a cache that is
// damaged, or flattened from another model file, is refused and made again.
TEST(FlatForest, AModelsCachedForestGivesItsFloatsAndADamagedOneIsMadeAgain) {
  testing::TempDir dir("flat-cache");
  const std::string db_path = testing::demo_database_copy(dir.path());
  const std::filesystem::path source = testing::query_text(db_path, "SELECT path FROM models WHERE is_active = 1");
  const std::filesystem::path model_dir = dir.file("model");
  std::filesystem::create_directory(model_dir);
  for (const char* file : {"model.json", "meta.json"}) std::filesystem::copy_file(source / file, model_dir / file);
  const std::filesystem::path cache = model_dir / "forest.bin";

  Result<Model> first = Model::load(model_dir);
  ASSERT_TRUE(first.ok()) << first.error().describe();
  ASSERT_TRUE(first->uses_flat_forest()) << first->evaluator();
  EXPECT_EQ(first->evaluator().find("when first loaded"), std::string::npos) << first->evaluator();
  ASSERT_TRUE(std::filesystem::exists(cache));

  std::mt19937 random(5);
  const std::size_t rows = 2049;
  const std::vector<float> values = threshold_rows(*first->flat_forest(), rows, 0.1, random);
  const std::vector<float> expected = *first->score_rows(values.data(), rows);
  Result<Model> cached = Model::load(model_dir);
  ASSERT_TRUE(cached.ok()) << cached.error().describe();
  EXPECT_NE(cached->evaluator().find("checked against XGBoost when first loaded"), std::string::npos)
      << cached->evaluator();
  EXPECT_EQ(differences(*cached->score_rows(values.data(), rows), expected), 0U);
  // XGBoost's booster is still there when asked for (read from model.json then), and agrees.
  Result<Booster*> booster = cached->booster();
  ASSERT_TRUE(booster.ok()) << booster.error().describe();
  EXPECT_EQ(differences(*(*booster)->predict(values.data(), rows, kFeatureCount), expected), 0U);
  // Saved elsewhere, a model loaded from its cache keeps its model file.
  ASSERT_TRUE(cached->save(dir.file("saved")).ok());
  EXPECT_EQ(*read_file(dir.file("saved") + "/model.json"), *read_file(model_dir / "model.json"));

  // One byte changed: refused, XGBoost's model read and checked again, the cache written again.
  std::string bytes = *read_file(cache);
  const std::string good = bytes;
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x10);
  std::ofstream(cache, std::ios::binary | std::ios::trunc) << bytes;
  Result<Model> repaired = Model::load(model_dir);
  ASSERT_TRUE(repaired.ok()) << repaired.error().describe();
  EXPECT_EQ(repaired->evaluator().find("when first loaded"), std::string::npos) << repaired->evaluator();
  EXPECT_EQ(differences(*repaired->score_rows(values.data(), rows), expected), 0U);
  EXPECT_EQ(*read_file(cache), good);

  // The bytes name the model file they come from, and their length.
  const std::uint64_t hash = forest_source_hash(*read_file(model_dir / "model.json"));
  EXPECT_TRUE(FlatForest::from_bytes(good, hash).ok());
  auto refusal = [](const Result<FlatForest>& forest) { return forest.ok() ? std::string() : forest.error().message; };
  EXPECT_NE(refusal(FlatForest::from_bytes(good, hash + 1)).find("another model file"), std::string::npos);
  EXPECT_NE(refusal(FlatForest::from_bytes(good.substr(0, good.size() - 9), hash)).find("checksum"), std::string::npos);
  EXPECT_NE(refusal(FlatForest::from_bytes("PDKFRST0", hash)).find("not a paddock forest"), std::string::npos);
}

}  // namespace
}  // namespace paddock
