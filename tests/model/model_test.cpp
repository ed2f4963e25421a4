#include "model/model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "features/race_stream.h"
#include "model/conditional_logit.h"
#include "model/race_metrics.h"
#include "support/test_fixture.h"

namespace paddock {
namespace {

TEST(ConditionalLogit, RecoversTheCoefficientsThatGeneratedTheData) {
  std::mt19937_64 random(3);
  std::normal_distribution<double> normal;
  std::uniform_real_distribution<double> uniform;
  const std::vector<double> truth{0.8, 1.5};
  std::vector<ChoiceSet> races;
  for (int r = 0; r < 4000; ++r) {
    ChoiceSet race;
    race.rows = 10;
    for (std::size_t i = 0; i < race.rows * 2; ++i) race.x.push_back(normal(random));
    const std::vector<double> p = choice_probabilities(race.x, race.rows, truth);
    double u = uniform(random);
    race.winner = race.rows - 1;
    for (std::size_t i = 0; i < race.rows; ++i) {
      u -= p[i];
      if (u <= 0) {
        race.winner = i;
        break;
      }
    }
    races.push_back(std::move(race));
  }
  const LogitFit fit = fit_conditional_logit(races, 2, {0.0, 0.0});
  EXPECT_TRUE(fit.converged);
  EXPECT_NEAR(fit.theta[0], 0.8, 0.08);
  EXPECT_NEAR(fit.theta[1], 1.5, 0.1);
}

TEST(TwoStages, CombinationFallsBackToTheFundamentalWithoutOdds) {
  const std::vector<double> scores{2.0, 1.0, 0.0};
  const std::vector<double> fundamental = fundamental_probabilities(scores, 0.5);
  EXPECT_NEAR(fundamental[0] / fundamental[1], std::exp(2.0), 1e-9);
  const std::vector<double> market{0.2, 0.3, 0.5};
  const std::vector<double> only_market = combine_with_market(fundamental, market, 0.0, 1.0);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_NEAR(only_market[i], market[i], 1e-12);
  EXPECT_EQ(ranks_by_probability(std::vector<double>{0.2, 0.5, 0.2}, std::vector<int>{4, 2, 1}),
            (std::vector<int>{3, 1, 2}));
}

TEST(RaceMetrics, CountsHitsOverlapsAndQuinteIndicators) {
  RaceMetrics metrics("m");
  // Picks by probability: 1, 2, 3, 4, 5, 6. Arrival: 2, 1, 3, 4, 6, 5.
  const std::vector<double> p{0.30, 0.25, 0.15, 0.12, 0.10, 0.08};
  const std::vector<int> numbers{1, 2, 3, 4, 5, 6};
  const std::vector<std::optional<int>> positions{2, 1, 3, 4, 6, 5};
  metrics.add(p, numbers, positions, true);
  const MetricsSummary s = metrics.summary();
  EXPECT_EQ(s.races, 1);
  EXPECT_EQ(s.winner_hit, 0.0);
  EXPECT_EQ(s.winner_in_top3, 1.0);
  EXPECT_EQ(s.top5_overlap, 4.0);  // 6 finished 5th, picked 6th
  EXPECT_NEAR(s.log_loss, -std::log(0.25), 1e-12);
  EXPECT_NEAR(s.pseudo_r2, 1.0 + std::log(0.25) / std::log(6.0), 1e-12);
  EXPECT_EQ(s.quinte_races, 1);
  EXPECT_EQ(s.quinte_ordre, 0.0);
  EXPECT_EQ(s.quinte_desordre, 0.0);
  EXPECT_EQ(s.quinte_bonus4, 1.0);      // the first four are in the ticket
  EXPECT_EQ(s.quinte_bonus4sur5, 1.0);  // four of the first five
  EXPECT_EQ(s.quinte_bonus3, 1.0);
}

TEST(RaceMetrics, ExactOrderCountsAsEveryQuinteRankAndRacesWithoutWinnerAreIgnored) {
  RaceMetrics metrics("m");
  const std::vector<double> p{0.3, 0.25, 0.2, 0.15, 0.1};
  const std::vector<int> numbers{1, 2, 3, 4, 5};
  metrics.add(p, numbers, std::vector<std::optional<int>>{1, 2, 3, 4, 5}, true);
  metrics.add(p, numbers, std::vector<std::optional<int>>{std::nullopt, std::nullopt, 2, 3, 4}, true);
  const MetricsSummary s = metrics.summary();
  EXPECT_EQ(s.races, 1);
  EXPECT_EQ(s.quinte_ordre, 1.0);
  EXPECT_EQ(s.quinte_desordre, 1.0);
  EXPECT_EQ(s.quinte_bonus3, 1.0);
  EXPECT_NEAR(s.ndcg5, 1.0, 1e-12);
}

TEST(RaceMetrics, CalibrationBucketsCountRunnersPredictionsAndWins) {
  RaceMetrics metrics("m");
  const std::vector<int> numbers{1, 2, 3, 4};
  // Two races: the 0.55 runner wins one of two, the 0.25s never, the 0.01s once.
  metrics.add(std::vector<double>{0.55, 0.25, 0.19, 0.01}, numbers, std::vector<std::optional<int>>{1, 2, 3, 4}, false);
  metrics.add(std::vector<double>{0.55, 0.25, 0.19, 0.01}, numbers, std::vector<std::optional<int>>{2, 3, 4, 1}, false);
  const std::vector<CalibrationBucket> buckets = metrics.summary().calibration;
  ASSERT_EQ(buckets.size(), 4U);  // [0, 0.02), [0.15, 0.2), [0.2, 0.3), [0.5, 0.7)
  EXPECT_EQ(buckets[0].low, 0.0);
  EXPECT_EQ(buckets[0].runners, 2);
  EXPECT_DOUBLE_EQ(buckets[0].win_rate, 0.5);
  EXPECT_DOUBLE_EQ(buckets[0].mean_probability, 0.01);
  EXPECT_EQ(buckets[1].low, 0.15);
  EXPECT_EQ(buckets[1].win_rate, 0.0);
  EXPECT_EQ(buckets[3].low, 0.5);
  EXPECT_EQ(buckets[3].high, 0.7);
  EXPECT_DOUBLE_EQ(buckets[3].win_rate, 0.5);
  std::int64_t runners = 0;
  for (const CalibrationBucket& b : buckets) runners += b.runners;
  EXPECT_EQ(runners, 8);
}

class ModelDirectory : public ::testing::Test {
 protected:
  void SetUp() override {
    db_path_ = testing::demo_database_copy(dir_.path());
    model_dir_ = testing::query_text(db_path_, "SELECT path FROM models WHERE is_active = 1");
  }
  std::string copy_model() {
    const std::string copy = dir_.file("model-copy");
    std::filesystem::copy(model_dir_, copy);
    return copy;
  }
  void edit_meta(const std::string& dir, const std::string& from, const std::string& to) {
    std::ifstream in(dir + "/meta.json");
    std::string meta((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto at = meta.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    meta.replace(at, from.size(), to);
    std::ofstream(dir + "/meta.json") << meta;
  }
  testing::TempDir dir_{"model"};
  std::string db_path_;
  std::string model_dir_;
};

TEST_F(ModelDirectory, SavedAndReloadedModelPredictsTheSame) {
  Result<Model> model = Model::load(model_dir_);
  ASSERT_TRUE(model.ok()) << model.error().describe();
  EXPECT_EQ(model->meta().features.size(), static_cast<std::size_t>(kFeatureCount));
  EXPECT_EQ(*(*model->booster())->feature_names(), model->meta().features);  // names in model.json too
  EXPECT_GT(model->meta().temperature, 0.0);
  ASSERT_TRUE(model->save(dir_.file("saved")).ok());
  Result<Model> reloaded = Model::load(dir_.file("saved"));
  ASSERT_TRUE(reloaded.ok());

  std::unique_ptr<Database> db = testing::open_or_die(db_path_);
  Result<HistoryIndex> history = HistoryIndex::load(*db);
  ASSERT_TRUE(history.ok());
  RaceQuery query;
  query.limit = 50;
  std::vector<RaceFeatures> races;
  std::vector<std::optional<MarketView>> markets;
  ASSERT_TRUE(for_each_race_features(*db, *history, *db->find_races(query),
                                     [&](const RaceCard& card, const Result<RaceFeatures>& features) {
                                       races.push_back(*features);
                                       markets.push_back(market_view(starters_of(card)));
                                     }).ok());
  Result<std::vector<RacePrediction>> a = model->predict(races, markets);
  Result<std::vector<RacePrediction>> b = reloaded->predict(races, markets);
  ASSERT_TRUE(a.ok() && b.ok());
  for (std::size_t r = 0; r < races.size(); ++r) {
    EXPECT_EQ((*a)[r].scores, (*b)[r].scores);
    double sum = 0.0;
    for (double p : (*a)[r].probabilities) sum += p;
    EXPECT_NEAR(sum, 1.0, 1e-12);
  }
}

TEST_F(ModelDirectory, AModelOfAnotherFeatureListIsRefused) {
  const std::string renamed = copy_model();
  edit_meta(renamed, "\"draw_edge\"", "\"stall_edge\"");
  Result<Model> model = Model::load(renamed);
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.error().code, ErrorCode::kModel);
  EXPECT_NE(model.error().message.find("another feature set"), std::string::npos);
  EXPECT_NE(model.error().message.find("'stall_edge' in the model but 'draw_edge'"), std::string::npos)
      << model.error().message;
}

TEST_F(ModelDirectory, AModelWithFewerFeaturesIsRefused) {
  const std::string shorter = dir_.file("shorter");
  std::filesystem::copy(model_dir_, shorter);
  std::ifstream in(shorter + "/meta.json");
  nlohmann::json meta = nlohmann::json::parse(in);
  meta["features"].erase(meta["features"].size() - 1);
  std::ofstream(shorter + "/meta.json") << meta.dump(2);
  Result<Model> model = Model::load(shorter);
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.error().message.find("the model has"), std::string::npos) << model.error().message;
}

TEST_F(ModelDirectory, MissingOrCorruptFilesGiveClearErrors) {
  EXPECT_EQ(Model::load(dir_.file("absent")).error().code, ErrorCode::kNotFound);
  const std::string corrupt = copy_model();
  std::ofstream(corrupt + "/meta.json") << "{ not json";
  Result<Model> model = Model::load(corrupt);
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.error().message.find("meta.json"), std::string::npos);
  const std::string no_booster = dir_.file("no-booster");
  std::filesystem::copy(model_dir_, no_booster);
  std::filesystem::remove(no_booster + "/model.json");
  Result<Model> missing = Model::load(no_booster);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("model.json"), std::string::npos) << missing.error().message;
}

// A directory where a model file should be is an error naming it, never an exception from a
// stream (meta.json) or XGBoost's "basic_string::_M_replace_aux" (model.json).
TEST_F(ModelDirectory, ADirectoryInPlaceOfAModelFileIsNamed) {
  for (const char* file : {"meta.json", "model.json"}) {
    const std::string broken = dir_.file(std::string("dir-") + file);
    std::filesystem::copy(model_dir_, broken);
    std::filesystem::remove(broken + "/" + file);
    std::filesystem::create_directory(broken + "/" + file);
    Result<Model> model = Model::load(broken);
    ASSERT_FALSE(model.ok()) << file;
    EXPECT_NE(model.error().message.find(std::string(file) + "' is a directory"), std::string::npos)
        << model.error().message;
    EXPECT_EQ(model.error().message.find("basic_string"), std::string::npos) << model.error().message;
  }
}

// alpha = beta = 1e308 turned every probability into NaN, which the database refused as NULL.
TEST_F(ModelDirectory, CalibrationNumbersOutOfBoundsAreRefusedOnLoad) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"alpha", "1e308"}, {"beta", "-1e308"}, {"alpha", "5000"}, {"temperature", "1e-300"}, {"temperature", "0"},
      {"temperature", "1e300"}};
  for (const auto& [key, value] : cases) {
    const std::string extreme = dir_.file("extreme-" + key + value);
    std::filesystem::copy(model_dir_, extreme);
    std::ifstream in(extreme + "/meta.json");
    nlohmann::json meta = nlohmann::json::parse(in);
    meta[key] = std::stod(value);
    std::ofstream(extreme + "/meta.json") << meta.dump(2);
    Result<Model> model = Model::load(extreme);
    ASSERT_FALSE(model.ok()) << key << " " << value;
    EXPECT_EQ(model.error().code, ErrorCode::kModel);
    EXPECT_NE(model.error().message.find(key), std::string::npos) << model.error().message;
  }
}

// A registered model's files never change: saving over an existing directory is refused and
// leaves the directory as it was, and a failed save leaves no half-written directory.
TEST_F(ModelDirectory, SavingOverAnExistingModelIsRefused) {
  Result<Model> model = Model::load(model_dir_);
  ASSERT_TRUE(model.ok());
  const std::string target = dir_.file("taken");
  ASSERT_TRUE(model->save(target).ok());
  std::ofstream(target + "/meta.json", std::ios::app) << " ";
  const auto size_before = std::filesystem::file_size(target + "/meta.json");
  Status again = model->save(target);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(std::filesystem::file_size(target + "/meta.json"), size_before);
  for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
    EXPECT_EQ(entry.path().filename().string().find(".partial"), std::string::npos) << entry.path();
  }
}

}  // namespace
}  // namespace paddock
