#include "features/race_features.h"

#include <gtest/gtest.h>

#include <cmath>

#include "features/market.h"

namespace paddock {
namespace {

RunnerEntry runner(int number, EntityId horse) {
  RunnerEntry r;
  r.number = number;
  r.horse_id = horse;
  r.jockey_id = 100 + horse;
  r.trainer_id = 200 + horse;
  r.age = 5;
  r.sex = 'M';
  r.musique = "1a2a3a";
  r.career_starts = 10;
  r.career_wins = 2;
  r.career_places = 5;
  r.career_earnings_eur = 50000;
  return r;
}

RaceCard card_with(std::vector<RunnerEntry> runners) {
  RaceCard card;
  card.id = 1;
  card.day = *parse_day("2021-05-05");
  card.discipline = Discipline::kAttele;
  card.distance_m = 2700;
  card.runners = std::move(runners);
  return card;
}

TEST(RaceFeatures, OneRowPerStarterInSaddleClothOrder) {
  RaceCard card = card_with({runner(1, 1), runner(2, 2), runner(3, 3)});
  card.runners[1].non_runner = true;
  HistoryIndex history;
  history.finish();
  Result<RaceFeatures> features = build_race_features(card, history);
  ASSERT_TRUE(features.ok());
  EXPECT_EQ(features->numbers, (std::vector<int>{1, 3}));
  EXPECT_EQ(features->values.size(), 2U * kFeatureCount);
  EXPECT_EQ(features->at(0, kRaceFieldSize), 2.0F);
  EXPECT_EQ(features->at(0, kMusRuns), 3.0F);
  EXPECT_EQ(features->at(0, kMusWins), 1.0F);
  EXPECT_TRUE(std::isnan(features->at(0, kHistDaysSinceLast)));  // no history
}

TEST(RaceFeatures, HistoryCountsOnlyEarlierDays) {
  HistoryIndex history;
  const Day day = *parse_day("2021-05-05");
  auto race = [&](Day d, RaceId id, int position_of_horse_1) {
    std::vector<RunRecord> runs(2);
    for (int i = 0; i < 2; ++i) {
      runs[static_cast<std::size_t>(i)].day = d;
      runs[static_cast<std::size_t>(i)].race_id = id;
      runs[static_cast<std::size_t>(i)].horse_id = i + 1;
      runs[static_cast<std::size_t>(i)].jockey_id = 101 + i;
      runs[static_cast<std::size_t>(i)].discipline = Discipline::kAttele;
      runs[static_cast<std::size_t>(i)].distance_m = 2700;
      runs[static_cast<std::size_t>(i)].field_size = 2;
    }
    runs[0].finish_position = position_of_horse_1;
    runs[1].finish_position = 3 - position_of_horse_1;
    history.add_race(runs);
  };
  race(day - 30, 1, 1);
  race(day - 10, 2, 2);
  race(day, 3, 1);      // the race day itself: must not count
  race(day + 5, 4, 1);  // later: must not count
  history.finish();
  Result<RaceFeatures> features = build_race_features(card_with({runner(1, 1), runner(2, 2)}), history);
  ASSERT_TRUE(features.ok());
  EXPECT_EQ(features->at(0, kHistRuns), 2.0F);
  EXPECT_EQ(features->at(0, kHistDaysSinceLast), 10.0F);
  EXPECT_EQ(features->at(0, kHistLastPosition), 1.0F);  // second of two
  EXPECT_EQ(features->at(0, kHistSameJockey), 1.0F);
  EXPECT_EQ(features->at(1, kHistLastPosition), 0.0F);  // horse 2 won the last one
  EXPECT_GT(features->at(1, kHistRating), features->at(0, kHistRating) - 1.0F);
  EXPECT_EQ(history.jockey_window(101, day, 365).starts, 2);
  EXPECT_EQ(history.jockey_window(101, day, 365).wins, 1);
  EXPECT_EQ(history.jockey_window(101, day, 20).starts, 1);
}

TEST(RaceFeatures, RacesThatCannotBeFeaturedSayWhy) {
  HistoryIndex history;
  history.finish();
  Result<RaceFeatures> empty = build_race_features(card_with({}), history);
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().message, "race has no runners");

  RaceCard scratched = card_with({runner(1, 1), runner(2, 2)});
  for (RunnerEntry& r : scratched.runners) r.non_runner = true;
  Result<RaceFeatures> no_starters = build_race_features(scratched, history);
  ASSERT_FALSE(no_starters.ok());
  EXPECT_EQ(no_starters.error().message, "no starters: all 2 runners are non-runners");

  Result<RaceFeatures> twice = build_race_features(card_with({runner(1, 7), runner(4, 7)}), history);
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().message, "runners 1 and 4 are the same horse (id 7)");

  RaceCard short_race = card_with({runner(1, 1)});
  short_race.distance_m = 50;
  Result<RaceFeatures> too_short = build_race_features(short_race, history);
  ASSERT_FALSE(too_short.ok());
  EXPECT_EQ(too_short.error().message, "distance 50 m is outside 800-8000 m");
}

TEST(RaceFeatures, RelativeFeaturesRankAndStandardise) {
  RaceCard card = card_with({runner(1, 1), runner(2, 2), runner(3, 3)});
  card.discipline = Discipline::kPlat;
  card.runners[0].weight_kg = 60.0;
  card.runners[1].weight_kg = 55.0;
  card.runners[2].weight_kg = 50.0;
  HistoryIndex history;
  history.finish();
  Result<RaceFeatures> features = build_race_features(card, history);
  ASSERT_TRUE(features.ok());
  EXPECT_EQ(features->at(0, kRankWeight), 0.0F);
  EXPECT_EQ(features->at(1, kRankWeight), 0.5F);
  EXPECT_EQ(features->at(2, kRankWeight), 1.0F);
  EXPECT_NEAR(features->at(0, kZWeight), 1.2247F, 1e-3);
  EXPECT_NEAR(features->at(1, kWeightVsField), 0.0F, 1e-6);
}

TEST(Market, NormalisesImpliedProbabilitiesAndRanksTheFavourite) {
  RaceCard card = card_with({runner(1, 1), runner(2, 2), runner(3, 3)});
  card.runners[0].final_odds = 2.0;
  card.runners[1].final_odds = 4.0;
  card.runners[2].final_odds = 4.0;
  const std::optional<MarketView> view = market_view(starters_of(card));
  ASSERT_TRUE(view.has_value());
  EXPECT_EQ(view->source, OddsSource::kFinal);
  EXPECT_NEAR(view->overround, 1.0, 1e-12);
  EXPECT_NEAR(view->probabilities[0], 0.5, 1e-12);
  EXPECT_EQ(view->odds_ranks, (std::vector<int>{1, 2, 3}));

  card.runners[2].final_odds.reset();  // incomplete final odds: morning odds if complete
  for (RunnerEntry& r : card.runners) r.morning_odds = 3.0;
  const std::optional<MarketView> morning = market_view(starters_of(card));
  ASSERT_TRUE(morning.has_value());
  EXPECT_EQ(morning->source, OddsSource::kMorning);
  card.runners[1].morning_odds.reset();
  EXPECT_FALSE(market_view(starters_of(card)).has_value());
}

}  // namespace
}  // namespace paddock
