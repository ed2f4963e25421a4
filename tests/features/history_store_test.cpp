// The stored history answers exactly as the computed one: every feature of every race, to the
// bit, whether read whole or only for the races of a job, and again after the history changes
// (an old result corrected, a race deleted, a day imported late): the triggers mark the first
// changed day and the refresh recomputes from it.
#include "features/history_store.h"

#include <gtest/gtest.h>

#include <cstring>
#include <map>

#include "features/history_index.h"
#include "features/race_features.h"
#include "support/test_fixture.h"

namespace paddock {
namespace {

using Bits = std::vector<std::uint32_t>;

Bits bits_of(const Result<RaceFeatures>& features) {
  if (!features.ok()) return {0xDEADU};
  Bits bits(features->values.size());
  std::memcpy(bits.data(), features->values.data(), bits.size() * sizeof(float));
  return bits;
}

// Every race's feature rows with `history`.
std::map<RaceId, Bits> features_of(const std::vector<RaceCard>& cards, const HistoryIndex& history) {
  std::map<RaceId, Bits> rows;
  for (const RaceCard& card : cards) rows[card.id] = bits_of(build_race_features(card, history));
  return rows;
}

class HistoryStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_path_ = testing::demo_database_copy(dir_.path());
    db_ = testing::open_or_die(db_path_);
  }

  std::vector<RaceCard> cards(const std::string& from, const std::string& to) {
    RaceQuery query;
    query.from = *parse_day(from);
    query.to = *parse_day(to);
    return *db_->load_race_cards(*db_->find_races(query));
  }

  // The computed history's features of these races equal the stored history's, read whole and
  // read for these races only.
  void expect_same_features(const std::vector<RaceCard>& races) {
    ASSERT_FALSE(races.empty());
    const HistoryIndex computed = *HistoryIndex::load(*db_);
    const HistoryIndex whole = *HistoryIndex::load_stored(*db_, nullptr);
    const HistoryNeeds needs = HistoryNeeds::of(races);
    const HistoryIndex subset = *HistoryIndex::load_stored(*db_, &needs);
    const std::map<RaceId, Bits> expected = features_of(races, computed);
    EXPECT_EQ(features_of(races, whole), expected);
    EXPECT_EQ(features_of(races, subset), expected);
    EXPECT_EQ(whole.run_count(), computed.run_count());
    // A job of a few days reads a fraction of the runs (run_count counts the horses' runs).
    if (races.size() < 500) {
      EXPECT_LT(subset.run_count(), computed.run_count() / 2);
    }
  }

  testing::TempDir dir_{"history-store"};
  std::string db_path_;
  std::unique_ptr<Database> db_;
};

TEST_F(HistoryStoreTest, StoredAndComputedHistoriesGiveTheSameFeatures) {
  const HistoryRefresh first = *refresh_stored_history(*db_);
  EXPECT_FALSE(first.was_current);
  EXPECT_GT(first.runs_written, 30000);
  EXPECT_TRUE(refresh_stored_history(*db_)->was_current);
  expect_same_features(cards("2020-03-10", "2020-03-10"));  // a day's card
  expect_same_features(cards("2020-02-01", "2020-02-14"));  // two weeks
  expect_same_features(cards("2020-01-01", "2020-04-30"));  // everything, upcoming days included
}

TEST_F(HistoryStoreTest, AChangedOldResultIsRecomputedFromItsDay) {
  ASSERT_TRUE(refresh_stored_history(*db_).ok());
  // Swap the first two of a race early in the history: every later rating changes.
  const RaceId race = testing::query_int(db_path_, "SELECT MIN(id) FROM races WHERE race_date = '2020-01-20' AND status = 'finished'");
  testing::exec_sql(db_path_, "UPDATE runners SET finish_position = CASE finish_position WHEN 1 THEN 2 ELSE 1 END "
                              "WHERE race_id = " + std::to_string(race) + " AND finish_position IN (1, 2)");
  EXPECT_EQ(testing::query_text(db_path_, "SELECT dirty_from FROM history_state"), "2020-01-20");
  const HistoryRefresh refresh = *refresh_stored_history(*db_);
  EXPECT_FALSE(refresh.was_current);
  EXPECT_LT(refresh.runs_written, testing::query_int(db_path_, "SELECT COUNT(*) FROM run_history"));
  expect_same_features(cards("2020-03-10", "2020-03-12"));
  expect_same_features(cards("2020-01-20", "2020-01-22"));
}

TEST_F(HistoryStoreTest, AChangedTimeOrRatingIsRecomputedFromItsDay) {
  ASSERT_TRUE(refresh_stored_history(*db_).ok());
  EXPECT_GT(testing::query_int(db_path_, "SELECT COUNT(*) FROM run_history WHERE speed_figure IS NOT NULL"), 10000);
  EXPECT_GT(testing::query_int(db_path_, "SELECT COUNT(*) FROM run_history WHERE reduction_figure IS NOT NULL"), 1000);
  // A corrected official time: the pars of every later day move, and the runs of that day.
  testing::exec_sql(db_path_, "UPDATE races SET winning_time_s = winning_time_s + 3 WHERE id = "
                              "(SELECT MIN(id) FROM races WHERE race_date = '2020-01-20' AND status = 'finished')");
  EXPECT_EQ(testing::query_text(db_path_, "SELECT dirty_from FROM history_state"), "2020-01-20");
  ASSERT_TRUE(refresh_stored_history(*db_).ok());
  // A runner's réduction and a rating the day after: the refresh starts from the pars before it.
  testing::exec_sql(db_path_, "UPDATE runners SET reduction_km_s = reduction_km_s + 1, official_rating = 30 "
                              "WHERE race_id IN (SELECT id FROM races WHERE race_date = '2020-02-03')");
  EXPECT_EQ(testing::query_text(db_path_, "SELECT dirty_from FROM history_state"), "2020-02-03");
  const HistoryRefresh refresh = *refresh_stored_history(*db_);
  EXPECT_LT(refresh.runs_written, testing::query_int(db_path_, "SELECT COUNT(*) FROM run_history"));
  expect_same_features(cards("2020-02-03", "2020-02-06"));
  expect_same_features(cards("2020-03-10", "2020-03-12"));
}

TEST_F(HistoryStoreTest, DeletedRacesAndLateImportsAreRecomputed) {
  ASSERT_TRUE(refresh_stored_history(*db_).ok());
  const RaceId race = testing::query_int(db_path_, "SELECT MIN(id) FROM races WHERE race_date = '2020-02-05'");
  testing::exec_sql(db_path_, "DELETE FROM races WHERE id = " + std::to_string(race));
  EXPECT_EQ(testing::query_text(db_path_, "SELECT dirty_from FROM history_state"), "2020-02-05");
  // Another result arrives for an earlier day (a late import): the earlier day wins.
  testing::exec_sql(db_path_, "UPDATE runners SET incident = 'fell', finish_position = NULL WHERE race_id = "
                              "(SELECT MIN(id) FROM races WHERE race_date = '2020-01-31' AND status = 'finished') "
                              "AND number = 3");
  EXPECT_EQ(testing::query_text(db_path_, "SELECT dirty_from FROM history_state"), "2020-01-31");
  ASSERT_TRUE(refresh_stored_history(*db_).ok());
  EXPECT_TRUE(testing::query_text(db_path_, "SELECT dirty_from FROM history_state").empty());
  EXPECT_EQ(testing::query_int(db_path_, "SELECT COUNT(*) FROM run_history WHERE race_id = " + std::to_string(race)), 0);
  expect_same_features(cards("2020-02-05", "2020-02-20"));
}

TEST_F(HistoryStoreTest, AStaleStoredHistoryIsNeverReadAsCurrent) {
  EXPECT_TRUE(db_->history_dirty_from()->has_value());  // a new database: never computed
  ASSERT_TRUE(refresh_stored_history(*db_).ok());
  EXPECT_FALSE(db_->history_dirty_from()->has_value());
  testing::exec_sql(db_path_, "UPDATE races SET distance_m = distance_m + 100 WHERE race_date = '2020-03-01'");
  EXPECT_EQ(format_day(**db_->history_dirty_from()), "2020-03-01");
}

TEST_F(HistoryStoreTest, ARaceWrittenAgainUnchangedLeavesTheHistoryCurrent) {
  ASSERT_TRUE(refresh_stored_history(*db_).ok());
  // What an import of the same file again does: every value written as it was.
  testing::exec_sql(db_path_, "UPDATE runners SET finish_position = finish_position, draw = draw, number = number");
  testing::exec_sql(db_path_, "UPDATE races SET status = status, distance_m = distance_m");
  EXPECT_FALSE(db_->history_dirty_from()->has_value());
  // A saddle-cloth number orders a race's runs: changing one is a change.
  testing::exec_sql(db_path_, "UPDATE runners SET number = number + 100 WHERE race_id = "
                              "(SELECT MIN(id) FROM races WHERE race_date = '2020-02-10') AND number = 1");
  EXPECT_EQ(format_day(**db_->history_dirty_from()), "2020-02-10");
}

TEST_F(HistoryStoreTest, ARefreshLeftPartWayGoesOnFromWhereItStopped) {
  ASSERT_TRUE(refresh_stored_history(*db_).ok());
  // What a refresh interrupted after its first month leaves: the runs before the marker, and
  // stale ones after it (here: deleted, as a crash of the next transaction would not leave).
  ASSERT_TRUE(db_->set_history_dirty_from(*parse_day("2020-02-01")).ok());
  const HistoryRefresh refresh = *refresh_stored_history(*db_);
  EXPECT_FALSE(refresh.was_current);
  EXPECT_EQ(refresh.runs_written, testing::query_int(db_path_, "SELECT COUNT(*) FROM run_history h JOIN races r ON r.id = h.race_id WHERE r.race_date >= '2020-02-01'"));
  EXPECT_LT(refresh.runs_written, testing::query_int(db_path_, "SELECT COUNT(*) FROM run_history"));
  expect_same_features(cards("2020-03-10", "2020-03-12"));
}

}  // namespace
}  // namespace paddock
