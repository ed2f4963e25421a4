// `train --tune` on the shared small demo database: the depth and trees come from the
// candidates and the cap, the folds keep to day order inside the training window, meta.json
// records the curves, and the final model is the one `train` fits with the chosen values.
#include "model/tuning.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "model/model.h"
#include "model/trainer.h"
#include "support/test_fixture.h"

namespace paddock {
namespace {

std::string file_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

Day day(const std::string& text) { return *parse_day(text); }

class Tuning : public ::testing::Test {
 protected:
  void SetUp() override { db_path_ = testing::demo_database_copy(dir_.path()); }

  // Small enough for a test: two shallow candidates, a cap of 16 trees.
  TrainOptions tuned_options(const std::string& name) const {
    TrainOptions options;
    options.booster.trees = 16;
    options.booster.learning_rate = 0.3;
    options.out_dir = dir_.file(name);
    options.name = name;
    options.activate = false;
    options.tuning = TuningOptions{{2, 3}, 3, 4};
    return options;
  }

  Result<TrainReport> train(const TrainOptions& options) {
    std::unique_ptr<Database> db = testing::open_or_die(db_path_);
    return train_model(*db, options, [](std::string_view) {});
  }

  testing::TempDir dir_{"tuning"};
  std::string db_path_;
};

TEST_F(Tuning, PicksTheDepthAndTreesFromTheCandidatesAndRecordsTheCurves) {
  const Result<TrainReport> trained = train(tuned_options("tuned"));
  ASSERT_TRUE(trained.ok()) << trained.error().describe();
  const Result<ModelMeta> meta = read_model_meta(dir_.file("tuned") + "/meta.json");
  ASSERT_TRUE(meta.ok()) << meta.error().describe();
  ASSERT_TRUE(meta->tuning.has_value());
  const TuningSummary& tuning = *meta->tuning;
  EXPECT_EQ(tuning.depths, (std::vector<int>{2, 3}));
  EXPECT_EQ(tuning.max_trees, 16);
  EXPECT_EQ(tuning.early_stopping_rounds, 4);
  EXPECT_TRUE(tuning.chosen_depth == 2 || tuning.chosen_depth == 3) << tuning.chosen_depth;
  EXPECT_EQ(meta->depth, tuning.chosen_depth);
  EXPECT_EQ(meta->trees, tuning.chosen_trees);
  EXPECT_GE(meta->trees, 1);
  EXPECT_LE(meta->trees, 16);

  ASSERT_EQ(tuning.trials.size(), 2U);
  for (const DepthTrial& trial : tuning.trials) {
    SCOPED_TRACE(trial.depth);
    EXPECT_LE(trial.rounds, 16);
    EXPECT_GE(trial.rounds, trial.best_round);
    // A depth stops once its curve has not improved for 4 rounds, or at the cap.
    EXPECT_EQ(trial.rounds, trial.stopped_early ? trial.best_round + 4 : 16);
    EXPECT_GE(tuning.chosen_log_loss, 0.0);
    EXPECT_LE(tuning.chosen_log_loss, trial.log_loss);  // the chosen depth is the best one
    if (trial.depth == tuning.chosen_depth) {
      EXPECT_EQ(trial.best_round, tuning.chosen_trees);
      EXPECT_EQ(trial.log_loss, tuning.chosen_log_loss);
    }
    ASSERT_EQ(trial.folds.size(), 3U);
    for (const FoldBest& fold : trial.folds) {
      EXPECT_GE(fold.round, 1);
      EXPECT_LE(fold.round, trial.rounds);
      EXPECT_TRUE(std::isfinite(fold.log_loss));
    }
    // The curve runs from round 1 to the last round grown, through the best, which is its lowest.
    ASSERT_FALSE(trial.curve.empty());
    EXPECT_EQ(trial.curve.front().round, 1);
    EXPECT_EQ(trial.curve.back().round, trial.rounds);
    bool has_best = false;
    for (std::size_t i = 0; i < trial.curve.size(); ++i) {
      if (i > 0) {
        EXPECT_GT(trial.curve[i].round, trial.curve[i - 1].round);
      }
      EXPECT_GE(trial.curve[i].log_loss, trial.log_loss);
      has_best = has_best || (trial.curve[i].round == trial.best_round && trial.curve[i].log_loss == trial.log_loss);
    }
    EXPECT_TRUE(has_best);
  }
  // The calibration window's curve is recorded for every tree of the final fit.
  ASSERT_FALSE(tuning.calibration_curve.empty());
  EXPECT_EQ(tuning.calibration_curve.back().round, meta->trees);
  EXPECT_GE(tuning.calibration_best_round, 1);
  EXPECT_LE(tuning.calibration_best_round, meta->trees);

  const nlohmann::json raw = nlohmann::json::parse(file_text(dir_.file("tuned") + "/meta.json"));
  EXPECT_EQ(raw.at("tuned"), true);
  EXPECT_EQ(raw.at("tuning").at("chosen").at("trees"), meta->trees);
  EXPECT_EQ(raw.at("tuning").at("metric"), "fundamental_log_loss");
}

TEST_F(Tuning, FoldsAreInDayOrderAndNeverReachTheCalibrationWindow) {
  const Result<TrainReport> trained = train(tuned_options("tuned"));
  ASSERT_TRUE(trained.ok()) << trained.error().describe();
  const ModelMeta& meta = trained->meta;
  ASSERT_TRUE(meta.tuning.has_value());
  const std::vector<TuningFold>& folds = meta.tuning->folds;
  ASSERT_EQ(folds.size(), 3U);
  std::int64_t scored = 0;
  for (std::size_t k = 0; k < folds.size(); ++k) {
    SCOPED_TRACE(k);
    const TuningFold& fold = folds[k];
    // Expanding windows: every fold trains from the first day, on the days before its own.
    EXPECT_EQ(fold.train_from, meta.train_from);
    EXPECT_LT(day(fold.train_to), day(fold.validation_from));
    EXPECT_LE(day(fold.validation_from), day(fold.validation_to));
    EXPECT_LT(day(fold.validation_to), day(meta.validation_from));
    EXPECT_LE(day(fold.validation_to), day(meta.train_to));
    EXPECT_GE(fold.train_races, 50);
    EXPECT_GE(fold.validation_races, 20);
    if (k > 0) {
      // The next fold's days follow this one's, and it trains on everything before them.
      EXPECT_GT(day(fold.validation_from), day(folds[k - 1].validation_to));
      EXPECT_EQ(fold.train_to, folds[k - 1].validation_to);
      EXPECT_EQ(fold.train_races, folds[k - 1].train_races + folds[k - 1].validation_races);
    }
    scored += fold.validation_races;
  }
  EXPECT_EQ(folds.back().validation_to, meta.train_to);
  EXPECT_EQ(folds.front().train_races + scored, meta.train_races);
}

TEST_F(Tuning, TheFinalModelIsTheOneTrainFitsWithTheChosenDepthAndTrees) {
  const Result<TrainReport> tuned = train(tuned_options("tuned"));
  ASSERT_TRUE(tuned.ok()) << tuned.error().describe();
  TrainOptions plain = tuned_options("plain");
  plain.tuning.reset();
  plain.booster.depth = tuned->meta.depth;
  plain.booster.trees = tuned->meta.trees;
  const Result<TrainReport> fitted = train(plain);
  ASSERT_TRUE(fitted.ok()) << fitted.error().describe();
  EXPECT_FALSE(fitted->meta.tuning.has_value());
  EXPECT_EQ(file_text(dir_.file("tuned") + "/model.json"), file_text(dir_.file("plain") + "/model.json"));
  EXPECT_EQ(tuned->meta.temperature, fitted->meta.temperature);
  EXPECT_EQ(tuned->meta.alpha, fitted->meta.alpha);
  EXPECT_EQ(tuned->meta.beta, fitted->meta.beta);
}

// Without --tune meta.json is as before: no "tuned", no "tuning"; and such a file loads.
TEST_F(Tuning, AModelTrainedWithoutTuningRecordsNone) {
  const std::string model_dir = testing::query_text(db_path_, "SELECT path FROM models WHERE is_active = 1");
  const nlohmann::json raw = nlohmann::json::parse(file_text(model_dir + "/meta.json"));
  EXPECT_FALSE(raw.contains("tuned"));
  EXPECT_FALSE(raw.contains("tuning"));
  const Result<ModelMeta> meta = read_model_meta(model_dir + "/meta.json");
  ASSERT_TRUE(meta.ok()) << meta.error().describe();
  EXPECT_FALSE(meta->tuning.has_value());
}

TEST_F(Tuning, TooManyFoldsForTheRacesIsAClearError) {
  TrainOptions options = tuned_options("too-many");
  options.to = day("2020-01-25");
  options.tuning->folds = 10;
  const Result<TrainReport> trained = train(options);
  ASSERT_FALSE(trained.ok());
  EXPECT_EQ(trained.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(trained.error().message.find("--tune-folds"), std::string::npos) << trained.error().message;
  EXPECT_FALSE(std::filesystem::exists(dir_.file("too-many")));
}

TEST_F(Tuning, BadOptionsAreRefusedBeforeAnyWork) {
  TrainOptions with_file = tuned_options("with-file");
  with_file.stage1_file = dir_.file("stage1.json");
  const Result<TrainReport> refused = train(with_file);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(refused.error().message.find("--stage1"), std::string::npos) << refused.error().message;

  for (const TuningOptions& bad : {TuningOptions{{}, 3, 30}, TuningOptions{{0}, 3, 30}, TuningOptions{{17}, 3, 30},
                                   TuningOptions{{4, 4}, 3, 30}, TuningOptions{{4}, 1, 30},
                                   TuningOptions{{4}, 11, 30}, TuningOptions{{4}, 3, 0}}) {
    TrainOptions options = tuned_options("bad");
    options.tuning = bad;
    const Result<TrainReport> result = train(options);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument) << result.error().message;
  }
  EXPECT_EQ(testing::query_int(db_path_, "SELECT COUNT(*) FROM models"), 1);
}

TEST(TuningOptions, DepthListsAreParsedOrRefusedWithTheReason) {
  EXPECT_EQ(*parse_depth_list("4,6,8"), (std::vector<int>{4, 6, 8}));
  EXPECT_EQ(*parse_depth_list(" 8, 4 "), (std::vector<int>{4, 8}));
  EXPECT_EQ(*parse_depth_list("16"), (std::vector<int>{16}));
  const std::vector<std::pair<std::string, std::string>> refused = {
      {"0", "candidate depth 0 is not between 1 and 16"},
      {"17", "candidate depth 17 is not between 1 and 16"},
      {"-2", "candidate depth -2"},
      {"abc", "'abc' is not a depth"},
      {"", "'' is not a depth"},
      {"4,,6", "'' is not a depth"},
      {"4.5", "'4.5' is not a depth"},
      {"+4", "'+4' is not a depth"},
      {"4,4", "candidate depth 4 is given twice"},
      {"1,2,3,4,5,6,7,8,9", "1 to 8 candidate depths, not 9"}};
  for (const auto& [text, message] : refused) {
    const Result<std::vector<int>> parsed = parse_depth_list(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(parsed.error().message.find(message), std::string::npos) << text << ": " << parsed.error().message;
  }
}

TEST(TuningCurve, ThinningKeepsTheEndsTheBestAndAboutAHundredPoints) {
  std::vector<double> curve;
  for (int round = 1; round <= 1000; ++round) curve.push_back(1.0 + std::abs(round - 437) / 1000.0);
  const std::vector<CurvePoint> thinned = thin_curve(curve, 437);
  EXPECT_LE(thinned.size(), 103U);
  EXPECT_EQ(thinned.front().round, 1);
  EXPECT_EQ(thinned.back().round, 1000);
  EXPECT_EQ(thinned[1].round, 10);
  bool has_best = false;
  for (const CurvePoint& point : thinned) {
    EXPECT_EQ(point.log_loss, curve[static_cast<std::size_t>(point.round - 1)]);
    has_best = has_best || point.round == 437;
  }
  EXPECT_TRUE(has_best);
  EXPECT_EQ(thin_curve(std::vector<double>{3.0, 2.0, 2.5}, 2).size(), 3U);
}

TEST(TuningCurve, MetaJsonKeepsTheTuningAndOlderFilesLoadWithout) {
  testing::TempDir dir("tuning-meta");
  ModelMeta meta;
  meta.features = {"a", "b"};
  TuningSummary tuning;
  tuning.depths = {4, 6};
  tuning.max_trees = 300;
  tuning.early_stopping_rounds = 30;
  tuning.folds = {TuningFold{"2020-01-01", "2020-03-01", "2020-03-02", "2020-04-30", 900, 400}};
  tuning.trials = {DepthTrial{4, 250, true, 220, 2.1, {FoldBest{210, 2.09}}, {{1, 2.4}, {220, 2.1}, {250, 2.11}}},
                   DepthTrial{6, 300, false, 290, 2.05, {FoldBest{300, 2.04}}, {{1, 2.4}, {290, 2.05}, {300, 2.06}}}};
  tuning.chosen_depth = 6;
  tuning.chosen_trees = 290;
  tuning.chosen_log_loss = 2.05;
  tuning.calibration_curve = {{1, 2.41}, {290, 2.07}};
  tuning.calibration_best_round = 280;
  meta.tuning = tuning;
  ASSERT_TRUE(write_model_meta(meta, dir.file("meta.json")).ok());
  const Result<ModelMeta> read = read_model_meta(dir.file("meta.json"));
  ASSERT_TRUE(read.ok()) << read.error().describe();
  ASSERT_TRUE(read->tuning.has_value());
  const nlohmann::json written = *meta.tuning;
  const nlohmann::json again = *read->tuning;
  EXPECT_EQ(written, again);
  EXPECT_EQ(read->tuning->trials[0].folds[0].round, 210);
  EXPECT_EQ(read->tuning->calibration_curve[1].round, 290);

  meta.tuning.reset();
  ASSERT_TRUE(write_model_meta(meta, dir.file("plain.json")).ok());
  const Result<ModelMeta> plain = read_model_meta(dir.file("plain.json"));
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->tuning.has_value());
}

}  // namespace
}  // namespace paddock
