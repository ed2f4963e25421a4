#include "engine/race_card.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <sstream>

#include "engine/batch_engine.h"
#include "engine/prediction_export.h"
#include "model/race_metrics.h"
#include "support/test_fixture.h"

namespace paddock {
namespace {

using testing::query_int;
using testing::query_text;

class RaceCardTest : public ::testing::Test {
 protected:
  void SetUp() override { db_path_ = testing::demo_database_copy(dir_.path()); }

  JobOutcome predict_day(const std::string& day) {
    PredictOptions o;
    o.db_path = db_path_;
    o.quiet = true;
    o.workers = 2;
    o.date = *parse_day(day);
    BatchEngine engine(o, nullptr);
    Result<JobOutcome> outcome = engine.run();
    EXPECT_TRUE(outcome.ok()) << (outcome.ok() ? "" : outcome.error().describe());
    return outcome.ok() ? *outcome : JobOutcome{};
  }

  DayCard card(const std::string& day, std::optional<RaceId> race = std::nullopt) {
    CardOptions options;
    options.db_path = db_path_;
    options.day = *parse_day(day);
    options.race = race;
    Result<DayCard> built = build_day_card(options);
    EXPECT_TRUE(built.ok()) << (built.ok() ? "" : built.error().describe());
    return built.ok() ? *built : DayCard{};
  }

  testing::TempDir dir_{"card"};
  std::string db_path_;
};

TEST_F(RaceCardTest, AStoredDayIsRankedAndMarkedFromItsPredictions) {
  const JobOutcome job = predict_day("2020-01-20");
  const DayCard day = card("2020-01-20");
  ASSERT_EQ(static_cast<std::int64_t>(day.races.size()),
            query_int(db_path_, "SELECT COUNT(*) FROM races WHERE race_date = '2020-01-20'"));
  EXPECT_EQ(day.predicted_now, 0);
  int quinte_races = 0;
  for (const CardRace& race : day.races) {
    ASSERT_TRUE(race.unavailable.empty()) << race.unavailable;
    EXPECT_EQ(race.source, "job " + job.job_id);
    EXPECT_FALSE(race.head.post_time.empty());
    ASSERT_EQ(static_cast<std::int64_t>(race.runners.size()),
              query_int(db_path_, fmt::format("SELECT COUNT(*) FROM predictions WHERE race_id = {}", race.head.id)));
    double market_sum = 0.0;
    for (std::size_t k = 0; k < race.runners.size(); ++k) {
      const CardRunner& r = race.runners[k];
      // The stored prediction, row for row.
      const std::string where = fmt::format(" FROM predictions WHERE race_id = {} AND number = {}", race.head.id, r.number);
      EXPECT_EQ(r.rank, static_cast<int>(k) + 1);
      EXPECT_EQ(r.rank, query_int(db_path_, "SELECT predicted_rank" + where));
      EXPECT_EQ(fmt::format("{:.12f}", r.probability),
                fmt::format("{:.12f}", std::stod(query_text(db_path_, "SELECT win_probability" + where))));
      ASSERT_TRUE(r.fundamental.has_value());
      EXPECT_GT(*r.fundamental, 0.0);
      if (k > 0) {
        EXPECT_GE(race.runners[k - 1].probability, r.probability);
      }
      EXPECT_DOUBLE_EQ(r.fair_odds, 1.0 / r.probability);
      ASSERT_TRUE(r.odds.has_value());
      EXPECT_TRUE(r.final_odds);  // a finished day: final odds
      ASSERT_TRUE(r.value.has_value());
      EXPECT_DOUBLE_EQ(*r.value, r.probability * *r.odds);
      EXPECT_EQ(r.value_runner, *r.value >= 1.2);
      EXPECT_EQ(r.pick, race.head.is_quinte && r.rank <= 5 ? r.rank : 0);
      market_sum += r.market_probability.value_or(0.0);
      EXPECT_EQ(r.finish_position.has_value() ? *r.finish_position : 0,
                query_int(db_path_, fmt::format("SELECT COALESCE(finish_position, 0) FROM runners WHERE race_id = {} AND "
                                                "number = {}", race.head.id, r.number)));
    }
    EXPECT_NEAR(market_sum, 1.0, 1e-9);
    ASSERT_TRUE(race.hits.has_value());
    const std::string winner = query_text(db_path_, fmt::format(
        "SELECT number FROM runners WHERE race_id = {} AND finish_position = 1 ORDER BY number LIMIT 1", race.head.id));
    ASSERT_FALSE(race.hits->arrival.empty());
    EXPECT_EQ(std::to_string(race.hits->arrival.front()), winner);
    EXPECT_EQ(race.hits->top_pick_won, std::to_string(race.runners.front().number) == winner);
    if (race.head.is_quinte) {
      ++quinte_races;
      std::vector<int> ticket;
      for (const CardRunner& r : race.runners) ticket.push_back(r.number);
      EXPECT_EQ(race.hits->quinte, quinte_claim(ticket, race.hits->arrival));
    }
    EXPECT_GE(race.confidence, 0.0);
    EXPECT_LE(race.confidence, 1.0);
  }
  EXPECT_EQ(quinte_races, 1);
}

TEST_F(RaceCardTest, ARaceNotStoredIsPredictedNowExactlyAsAJobWould) {
  const std::string day = "2020-01-21";
  const DayCard now = card(day);
  ASSERT_FALSE(now.races.empty());
  EXPECT_EQ(now.predicted_now, static_cast<int>(now.races.size()));
  std::map<std::pair<RaceId, int>, std::pair<double, double>> on_the_fly;
  for (const CardRace& race : now.races) {
    EXPECT_EQ(race.source, "predicted now");
    for (const CardRunner& r : race.runners) on_the_fly[{race.head.id, r.number}] = {r.probability, *r.fundamental};
  }
  EXPECT_EQ(query_int(db_path_, "SELECT COUNT(*) FROM predictions"), 0);  // the card writes nothing

  predict_day(day);
  const DayCard stored = card(day);
  EXPECT_EQ(stored.predicted_now, 0);
  std::size_t compared = 0;
  for (const CardRace& race : stored.races) {
    for (const CardRunner& r : race.runners) {
      const auto found = on_the_fly.find({race.head.id, r.number});
      ASSERT_NE(found, on_the_fly.end());
      EXPECT_NEAR(r.probability, found->second.first, 1e-12);
      EXPECT_NEAR(*r.fundamental, found->second.second, 1e-12);
      ++compared;
    }
  }
  EXPECT_EQ(compared, on_the_fly.size());
}

TEST_F(RaceCardTest, AnUpcomingQuinteShowsItsPickOnMorningOddsWithoutResults) {
  const std::string day = query_text(db_path_, "SELECT MIN(race_date) FROM races WHERE status = 'scheduled'");
  const RaceId quinte = query_int(db_path_, "SELECT id FROM races WHERE race_date = '" + day + "' AND is_quinte = 1");
  const DayCard one = card(day, quinte);
  ASSERT_EQ(one.races.size(), 1U);
  const CardRace& race = one.races.front();
  EXPECT_TRUE(race.head.is_quinte);
  EXPECT_FALSE(race.hits.has_value());
  ASSERT_GE(race.runners.size(), 5U);
  for (const CardRunner& r : race.runners) {
    EXPECT_EQ(r.pick, r.rank <= 5 ? r.rank : 0);
    EXPECT_FALSE(r.finish_position.has_value());
    if (r.odds) {
      EXPECT_FALSE(r.final_odds);
    }
  }
}

TEST_F(RaceCardTest, ADayWithoutRacesOrARaceOfAnotherDayIsNamed) {
  CardOptions options;
  options.db_path = db_path_;
  options.day = *parse_day("2019-06-01");
  Result<DayCard> none = build_day_card(options);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, ErrorCode::kNotFound);
  EXPECT_NE(none.error().message.find("no race on 2019-06-01"), std::string::npos) << none.error().message;
  EXPECT_NE(none.error().message.find("the next day with races is 2020-01-01"), std::string::npos) << none.error().message;

  options.day = *parse_day("2020-01-20");
  options.race = query_int(db_path_, "SELECT MIN(id) FROM races WHERE race_date = '2020-01-21'");
  Result<DayCard> elsewhere = build_day_card(options);
  ASSERT_FALSE(elsewhere.ok());
  EXPECT_NE(elsewhere.error().message.find("is not on 2020-01-20"), std::string::npos) << elsewhere.error().message;

  options.race.reset();
  options.model = 99;
  Result<DayCard> no_model = build_day_card(options);
  ASSERT_FALSE(no_model.ok());
  EXPECT_NE(no_model.error().message.find("no model 99"), std::string::npos);
}

TEST_F(RaceCardTest, JsonAndCsvCarryEveryRunner) {
  const std::string day = "2020-01-20";
  const DayCard day_card = card(day);
  std::size_t runners = 0;
  for (const CardRace& race : day_card.races) runners += race.runners.size();
  std::ostringstream csv;
  write_card_csv(day_card, csv);
  std::istringstream lines(csv.str());
  std::string line;
  std::size_t rows = 0;
  std::getline(lines, line);
  EXPECT_EQ(line.rfind("race_date,race_id,post_time,venue,", 0), 0U);
  while (std::getline(lines, line)) ++rows;
  EXPECT_EQ(rows, runners);
  const std::string json = card_json(day_card);
  EXPECT_NE(json.find("\"date\": \"2020-01-20\""), std::string::npos);
  EXPECT_NE(json.find("\"quinte_pick\": 1"), std::string::npos);
}

}  // namespace
}  // namespace paddock
