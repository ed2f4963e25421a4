// The flat forest gives XGBoost's margins bit for bit: on every feature row of the demo
// database with its model, and on random rows (a tenth missing) with models of other depths,
// objectives and sizes trained here.
#include "model/flat_forest.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

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
  const std::vector<float> xgboost = *model->booster().predict(rows.data(), count, kFeatureCount);
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

}  // namespace
}  // namespace paddock
