// paddock card, evaluate's backtest and plot, and export's no-rows errors, as a user runs them.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/test_fixture.h"

namespace paddock {
namespace {

using testing::query_int;
using testing::query_text;
using testing::run_paddock;

class CardCommand : public ::testing::Test {
 protected:
  void SetUp() override { db_ = testing::demo_database_copy(dir_.path()); }
  testing::TempDir dir_{"card-command"};
  std::string db_;
};

TEST_F(CardCommand, ACardInAPipeIsPlainAndColoursAreOnRequest) {
  const std::string day = query_text(db_, "SELECT MIN(race_date) FROM races WHERE status = 'scheduled'");
  const auto plain = run_paddock({"card", "--db", db_, "--date", day});
  ASSERT_EQ(plain.exit_code, 0) << plain.output;
  EXPECT_EQ(plain.output.find('\x1b'), std::string::npos);  // no escape codes in a pipe
  EXPECT_NE(plain.output.find("Quinté+"), std::string::npos);
  EXPECT_NE(plain.output.find(" Q1 "), std::string::npos) << plain.output;
  EXPECT_NE(plain.output.find("predicted now"), std::string::npos);
  const auto coloured = run_paddock({"card", "--db", db_, "--date", day, "--color", "always"});
  ASSERT_EQ(coloured.exit_code, 0);
  EXPECT_NE(coloured.output.find("\x1b["), std::string::npos);
  // Nothing is stored by showing a card.
  EXPECT_EQ(query_int(db_, "SELECT COUNT(*) FROM predictions"), 0);
}

TEST_F(CardCommand, ARaceAloneFindsItsDayAndJsonIsForPrograms) {
  const std::string race = query_text(db_, "SELECT id FROM races WHERE is_quinte = 1 AND status = 'finished' ORDER BY race_date DESC LIMIT 1");
  const auto result = run_paddock({"card", "--db", db_, "--race", race, "--json"});
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const nlohmann::json card = nlohmann::json::parse(result.output);
  ASSERT_EQ(card["races"].size(), 1U);
  const nlohmann::json& r = card["races"][0];
  EXPECT_EQ(std::to_string(r["race_id"].get<std::int64_t>()), race);
  EXPECT_TRUE(r["is_quinte"].get<bool>());
  EXPECT_FALSE(r["hits"].is_null());
  EXPECT_EQ(r["hits"]["arrival"].size(), 5U);
  EXPECT_EQ(r["runners"][0]["quinte_pick"], 1);
  EXPECT_EQ(r["runners"][0]["rank"], 1);
}

TEST_F(CardCommand, BadRequestsAreNamed) {
  auto result = run_paddock({"card", "--db", db_, "--date", "2019-06-01"});
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.output.find("no race on 2019-06-01"), std::string::npos) << result.output;
  result = run_paddock({"card", "--db", db_});
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.output.find("give --date"), std::string::npos) << result.output;
  result = run_paddock({"card", "--db", db_, "--race", "77"});
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.output.find("no race 77"), std::string::npos) << result.output;
  result = run_paddock({"card", "--db", db_, "--date", "2020-01-20", "--json", "--csv"});
  EXPECT_NE(result.exit_code, 0);
  result = run_paddock({"card", "--db", db_, "--date", "2020-01-20", "--color", "sometimes"});
  EXPECT_EQ(result.exit_code, 2);
}

TEST_F(CardCommand, ExportOfNothingSaysWhyAndFails) {
  auto result = run_paddock({"export", "--db", db_, "--date", "2020-01-20"});
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.output.find("no predictions to export: no model has predicted the races of 2020-01-20"),
            std::string::npos)
      << result.output;
  result = run_paddock({"export", "--db", db_, "--date", "2019-01-20"});
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.output.find("there is no race on 2019-01-20"), std::string::npos) << result.output;
}

TEST_F(CardCommand, EvaluateRunsTheBacktestAndDrawsThePlot) {
  const std::string plot = dir_.file("evaluation.svg");
  auto result = run_paddock({"evaluate", "--db", db_, "--from", "2020-03-01", "--json", "--plot", plot,
                             "--value-threshold", "1.3"});
  ASSERT_EQ(result.exit_code, 0) << result.output;
  // stdout and stderr come together: the JSON without the line that names the plot.
  std::string json_text = result.output;
  const std::string wrote = "Wrote the plot to " + plot + "\n";
  ASSERT_NE(json_text.find(wrote), std::string::npos) << json_text;
  json_text.erase(json_text.find(wrote), wrote.size());
  const nlohmann::json report = nlohmann::json::parse(json_text);
  const nlohmann::json& backtest = report["backtest"];
  EXPECT_GT(backtest["races"].get<int>(), 0);
  ASSERT_EQ(backtest["strategies"].size(), 4U);
  EXPECT_EQ(backtest["strategies"][1]["name"], "value >= 1.3");
  EXPECT_EQ(backtest["strategies"][3]["name"], "market favourite");
  EXPECT_EQ(backtest["strategies"][0]["bets"], backtest["races"]);  // a top pick every race
  EXPECT_FALSE(report["predictors"][0]["calibration"].empty());
  std::ifstream file(plot);
  std::stringstream svg;
  svg << file.rdbuf();
  EXPECT_EQ(svg.str().rfind("<svg", 0), 0U);
  EXPECT_NE(svg.str().find("Cumulative profit"), std::string::npos);
  EXPECT_NE(svg.str().find("Calibration"), std::string::npos);
  EXPECT_NE(svg.str().find("</svg>"), std::string::npos);

  result = run_paddock({"evaluate", "--db", db_, "--plot", dir_.file("evaluation.png")});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.output.find("SVG"), std::string::npos) << result.output;
}

}  // namespace
}  // namespace paddock
