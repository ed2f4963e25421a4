// The point-in-time rule: a race's features use only what was known before its day. Wiping or
// deleting every result from the race's day onward must not change a single bit of its rows;
// changing an earlier result must.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "features/race_features.h"
#include "support/test_fixture.h"

namespace paddock {
namespace {

constexpr const char* kDay = "2020-03-10";

std::vector<std::uint32_t> bits_of(const RaceFeatures& features) {
  std::vector<std::uint32_t> bits(features.values.size());
  std::memcpy(bits.data(), features.values.data(), bits.size() * sizeof(float));
  return bits;
}

// Feature rows of every race of kDay, as bit patterns (NaN == NaN).
std::vector<std::vector<std::uint32_t>> rows_of_day(const std::string& db_path) {
  std::unique_ptr<Database> db = testing::open_or_die(db_path);
  Result<HistoryIndex> history = HistoryIndex::load(*db);
  EXPECT_TRUE(history.ok());
  RaceQuery query;
  query.from = query.to = *parse_day(kDay);
  const std::vector<RaceId> ids = *db->find_races(query);
  EXPECT_GT(ids.size(), 20U);
  std::vector<std::vector<std::uint32_t>> rows;
  const std::vector<RaceCard> cards = *db->load_race_cards(ids);
  for (const RaceCard& card : cards) {
    Result<RaceFeatures> features = build_race_features(card, *history);
    EXPECT_TRUE(features.ok());
    rows.push_back(bits_of(*features));
  }
  return rows;
}

TEST(Leakage, WipingResultsFromTheRaceDayOnwardChangesNothing) {
  testing::TempDir dir("leakage");
  const std::string db = testing::demo_database_copy(dir.path());
  const auto before = rows_of_day(db);
  testing::exec_sql(db, std::string("UPDATE runners SET finish_position = NULL, incident = NULL WHERE race_id IN "
                                    "(SELECT id FROM races WHERE race_date >= '") + kDay + "');"
                        "UPDATE races SET status = 'scheduled' WHERE race_date >= '" + kDay + "';");
  EXPECT_EQ(rows_of_day(db), before);
}

TEST(Leakage, TimesOnTheRaceDayAndRatingsOfLaterRacesChangeNothing) {
  // What a race tells after the off (times, réductions, beaten lengths) from the day onward, and
  // what later races' runners are rated or weigh, never reach a feature of the day's races.
  testing::TempDir dir("leakage-times");
  const std::string db = testing::demo_database_copy(dir.path());
  const auto before = rows_of_day(db);
  ASSERT_GT(testing::query_int(db, std::string("SELECT COUNT(*) FROM runners ru JOIN races r ON r.id = ru.race_id WHERE "
                                               "r.race_date >= '") + kDay + "' AND ru.finish_time_s IS NOT NULL"), 0);
  testing::exec_sql(db, std::string("UPDATE runners SET finish_time_s = finish_time_s * 2, reduction_km_s = NULL, "
                                    "beaten_lengths = 99 WHERE race_id IN (SELECT id FROM races WHERE race_date >= '") +
                            kDay + "');"
                            "UPDATE races SET winning_time_s = 1 WHERE race_date >= '" + kDay + "';"
                            "UPDATE runners SET official_rating = 99, body_weight_kg = 300 WHERE race_id IN "
                            "(SELECT id FROM races WHERE race_date > '" + kDay + "');");
  EXPECT_EQ(rows_of_day(db), before);
}

TEST(Leakage, TheDaysOwnRatingsAreReadBeforeTheOff) {
  // The control of the test above: the handicapper's ratings of the day's runners are known
  // before the off, and they are features.
  testing::TempDir dir("leakage-ratings");
  const std::string db = testing::demo_database_copy(dir.path());
  const auto before = rows_of_day(db);
  testing::exec_sql(db, std::string("UPDATE runners SET official_rating = official_rating + number WHERE race_id IN "
                                    "(SELECT id FROM races WHERE race_date = '") + kDay + "')");
  EXPECT_NE(rows_of_day(db), before);
}

TEST(Leakage, TimesAndWeightsOfEarlierDaysAreRead) {
  // The control of the times test: the day before's times make speed figures, and the weights
  // and ratings of earlier runs make the changes since the last run.
  for (const char* change :
       {"UPDATE races SET winning_time_s = winning_time_s - 2 WHERE race_date < '2020-03-10' AND race_date >= '2020-02-20'",
        "UPDATE runners SET reduction_km_s = reduction_km_s - 1 WHERE race_id IN "
        "(SELECT id FROM races WHERE race_date < '2020-03-10' AND race_date >= '2020-02-20')",
        "UPDATE runners SET weight_kg = weight_kg + 1 WHERE race_id IN "
        "(SELECT id FROM races WHERE race_date < '2020-03-10' AND race_date >= '2020-02-20')",
        "UPDATE runners SET official_rating = official_rating + 1 WHERE race_id IN "
        "(SELECT id FROM races WHERE race_date < '2020-03-10' AND race_date >= '2020-02-20')"}) {
    testing::TempDir dir("leakage-earlier-times");
    const std::string db = testing::demo_database_copy(dir.path());
    const auto before = rows_of_day(db);
    testing::exec_sql(db, change);
    EXPECT_NE(rows_of_day(db), before) << change;
  }
}

TEST(Leakage, DeletingLaterRacesChangesNothing) {
  testing::TempDir dir("leakage-delete");
  const std::string db = testing::demo_database_copy(dir.path());
  const auto before = rows_of_day(db);
  testing::exec_sql(db, std::string("DELETE FROM races WHERE race_date > '") + kDay + "'");
  EXPECT_EQ(rows_of_day(db), before);
}

TEST(Leakage, ChangingAnEarlierResultDoesChangeTheRows) {
  testing::TempDir dir("leakage-control");
  const std::string db = testing::demo_database_copy(dir.path());
  const auto before = rows_of_day(db);
  // The day before: every winner becomes last and the runner-up wins.
  testing::exec_sql(db, "UPDATE runners SET finish_position = CASE finish_position WHEN 1 THEN 2 WHEN 2 THEN 1 END "
                        "WHERE finish_position IN (1, 2) AND race_id IN "
                        "(SELECT id FROM races WHERE race_date = date('" + std::string(kDay) + "', '-1 day'))");
  EXPECT_NE(rows_of_day(db), before);
}

}  // namespace
}  // namespace paddock
