// `paddock train --tune` as a process: it says what it tried and what it chose, and the model's
// meta.json records the same.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "support/test_fixture.h"

namespace paddock {
namespace {

using testing::run_paddock;

TEST(TrainCommand, TuneSaysTheChosenDepthAndTreesAndRecordsThem) {
  testing::TempDir dir("train-tune");
  const std::string db = testing::demo_database_copy(dir.path());
  const auto result = run_paddock({"train", "--db", db, "--tune", "--tune-depths", "3,2", "--tune-folds", "2",
                                   "--early-stopping-rounds", "5", "--trees", "30", "--learning-rate", "0.1",
                                   "--name", "tuned", "--no-activate"});
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("tuning: depths 2, 3, up to 30 trees, 2 folds"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("  fold 2: train "), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("Tuned: depth "), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("recorded, not used to choose"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find(", tuning "), std::string::npos) << result.output;

  const std::string path = testing::query_text(db, "SELECT path FROM models WHERE name = 'tuned'");
  ASSERT_FALSE(path.empty());
  EXPECT_EQ(testing::query_int(db, "SELECT is_active FROM models WHERE name = 'tuned'"), 0);
  std::ifstream in(path + "/meta.json");
  const nlohmann::json meta = nlohmann::json::parse(in);
  EXPECT_EQ(meta.at("tuned"), true);
  const nlohmann::json& tuning = meta.at("tuning");
  EXPECT_EQ(tuning.at("candidate_depths"), nlohmann::json::array({2, 3}));
  EXPECT_EQ(tuning.at("folds").size(), 2U);
  EXPECT_EQ(meta.at("depth"), tuning.at("chosen").at("depth"));
  EXPECT_EQ(meta.at("trees"), tuning.at("chosen").at("trees"));
  EXPECT_LE(meta.at("trees").get<int>(), 30);
  const std::string chosen = fmt::format("Chosen by tuning: depth {}, {} trees (of up to 30)",
                                         meta.at("depth").get<int>(), meta.at("trees").get<int>());
  EXPECT_NE(result.output.find(chosen), std::string::npos) << result.output;
}

}  // namespace
}  // namespace paddock
