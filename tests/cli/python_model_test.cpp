// A stage 1 trained in Python's xgboost (Debian's python3-xgboost) on the rows of
// `paddock features --rows` comes back through `paddock train --stage1` and predicts exactly
// what Python predicts. Refused, each with its reason: a model of other columns, one trained on
// the calibration days, one that does not give one score a row, a missing file.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include "support/test_fixture.h"

namespace paddock {
namespace {

using testing::query_int;
using testing::query_text;
using testing::run_command;
using testing::run_paddock;

const std::string kPython = "/usr/bin/python3";
const std::string kTrainScript = std::string(PADDOCK_SOURCE_DIR) + "/scripts/train_stage1.py";

// race_id,number,score rows of a CSV, keyed by "race/number".
std::map<std::string, double> read_scores(const std::string& path) {
  std::map<std::string, double> scores;
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::stringstream cells(line);
    std::string race, number, score;
    std::getline(cells, race, ',');
    std::getline(cells, number, ',');
    std::getline(cells, score, ',');
    scores[race + "/" + number] = std::stod(score);
  }
  return scores;
}

class PythonModel : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = testing::demo_database_copy(dir_.path());
    const auto rows = run_paddock({"features", "--db", db_, "--rows", dir_.file("rows.csv")});
    ASSERT_EQ(rows.exit_code, 0) << rows.output;
  }
  // By default, trains on the first two months, before the days paddock calibrates on.
  testing::CommandResult train_in_python(const std::string& rows, const std::string& model,
                                         const std::string& to = "2020-02-29") {
    return run_command(kPython, {kTrainScript, rows, model, "--to", to, "--trees", "30", "--depth", "4",
                                 "--scores", dir_.file("python-scores.csv")});
  }
  testing::TempDir dir_{"python-model"};
  std::string db_;
};

TEST_F(PythonModel, PredictsExactlyWhatPythonPredicts) {
  const auto trained = train_in_python(dir_.file("rows.csv"), dir_.file("stage1.json"));
  ASSERT_EQ(trained.exit_code, 0) << trained.output;
  const auto calibrated = run_paddock({"train", "--db", db_, "--stage1", dir_.file("stage1.json"), "--name", "py",
                                       "--no-activate"});
  ASSERT_EQ(calibrated.exit_code, 0) << calibrated.output;
  const std::int64_t model = query_int(db_, "SELECT id FROM models WHERE name = 'py'");
  const std::string meta = query_text(db_, "SELECT path FROM models WHERE name = 'py'") + "/meta.json";
  std::ifstream meta_file(meta);
  const std::string meta_text((std::istreambuf_iterator<char>(meta_file)), std::istreambuf_iterator<char>());
  EXPECT_NE(meta_text.find("\"stage1_source\""), std::string::npos) << meta_text;
  EXPECT_NE(meta_text.find("\"objective\": \"rank:pairwise\""), std::string::npos) << meta_text;

  const auto predicted = run_paddock({"predict", "--db", db_, "--model", std::to_string(model), "-q"});
  ASSERT_EQ(predicted.exit_code, 0) << predicted.output;
  const auto python = read_scores(dir_.file("python-scores.csv"));
  const auto exported = run_command("sqlite3", {"-csv", "-header", db_,
      "SELECT race_id, number, score FROM predictions WHERE model_id = " + std::to_string(model)});
  std::ofstream(dir_.file("paddock-scores.csv")) << exported.output;
  const auto ours = read_scores(dir_.file("paddock-scores.csv"));
  ASSERT_EQ(ours.size(), python.size());
  ASSERT_GT(ours.size(), 1000U);
  double worst = 0.0;
  for (const auto& [key, score] : ours) {
    ASSERT_TRUE(python.count(key)) << key;
    worst = std::max(worst, std::abs(score - python.at(key)));
  }
  EXPECT_LT(worst, 1e-6);
}

TEST_F(PythonModel, AModelOfOtherColumnsIsRefusedByName) {
  // The same rows with one column renamed, as if Python had engineered its own feature.
  std::ifstream in(dir_.file("rows.csv"));
  std::string header;
  std::getline(in, header);
  const std::string renamed = "hist_rating";
  header.replace(header.find(renamed), renamed.size(), "my_rating");
  std::ofstream out(dir_.file("renamed.csv"));
  out << header << '\n' << in.rdbuf();
  out.close();
  const auto trained = train_in_python(dir_.file("renamed.csv"), dir_.file("other.json"));
  ASSERT_EQ(trained.exit_code, 0) << trained.output;
  const std::int64_t models_before = query_int(db_, "SELECT COUNT(*) FROM models");
  const auto refused = run_paddock({"train", "--db", db_, "--stage1", dir_.file("other.json")});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.output.find("'my_rating' in the model but 'hist_rating'"), std::string::npos) << refused.output;
  EXPECT_EQ(query_int(db_, "SELECT COUNT(*) FROM models"), models_before);
}

TEST_F(PythonModel, ARankerThatSawTheCalibrationDaysIsRefused) {
  const auto trained = train_in_python(dir_.file("rows.csv"), dir_.file("leaky.json"), "2030-01-01");
  ASSERT_EQ(trained.exit_code, 0) << trained.output;
  const auto refused = run_paddock({"train", "--db", db_, "--stage1", dir_.file("leaky.json")});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.output.find("was trained on days up to 2030-01-01, but calibration starts on"), std::string::npos)
      << refused.output;
}

TEST_F(PythonModel, AModelThatDoesNotScoreRunnersIsRefused) {
  // Three classes of probabilities per row: not one score a row.
  const std::string script =
      "import numpy as np, xgboost as xgb, csv, sys\n"
      "names = next(csv.reader(open(sys.argv[1])))[4:]\n"
      "x = np.random.default_rng(1).random((60, len(names)), dtype=np.float32)\n"
      "d = xgb.DMatrix(x, label=np.arange(60) % 3, feature_names=names)\n"
      "b = xgb.train({'objective': 'multi:softprob', 'num_class': 3}, d, 3)\n"
      "b.set_attr(paddock_train_to='2020-01-31')\n"
      "b.save_model(sys.argv[2])\n";
  const auto trained = run_command(kPython, {"-c", script, dir_.file("rows.csv"), dir_.file("classes.json")});
  ASSERT_EQ(trained.exit_code, 0) << trained.output;
  const auto refused = run_paddock({"train", "--db", db_, "--stage1", dir_.file("classes.json")});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.output.find("has the objective 'multi:softprob'"), std::string::npos) << refused.output;
}

TEST_F(PythonModel, MissingStage1FileIsNamed) {
  const auto missing = run_paddock({"train", "--db", db_, "--stage1", dir_.file("absent.json")});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.output.find("absent.json' does not exist"), std::string::npos) << missing.output;
}

}  // namespace
}  // namespace paddock
