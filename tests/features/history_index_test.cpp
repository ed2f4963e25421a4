#include "features/history_index.h"

#include <gtest/gtest.h>

#include <random>

namespace paddock {
namespace {

// Random races over two years with gaps of several weeks, a few people riding several races a
// day, a few who ride rarely (fewer runs than weeks: no weekly index), and some runs without a
// jockey or trainer: the lookups must count exactly what a scan of all runs counts, on every
// day including before the first run, inside gaps and after the last run.
struct RandomHistory {
  std::vector<RunRecord> runs;
  HistoryIndex index;

  explicit RandomHistory(unsigned seed) {
    std::mt19937 random(seed);
    const Day start = *parse_day("2020-01-01");
    RaceId race_id = 1;
    for (Day day = start; day < start + 730; ++day) {
      if ((day - start) % 100 < 25) continue;  // a month off every hundred days
      const int races = static_cast<int>(random() % 4);
      for (int r = 0; r < races; ++r) {
        const int field = 2 + static_cast<int>(random() % 8);
        std::vector<RunRecord> race;
        for (int i = 0; i < field; ++i) {
          RunRecord run;
          run.day = day;
          run.race_id = race_id;
          run.horse_id = 1 + static_cast<EntityId>(random() % 40);
          run.jockey_id = static_cast<EntityId>(random() % 12);  // 0: none
          run.trainer_id = static_cast<EntityId>(random() % 9);
          if (random() % 60 == 0) run.jockey_id = 20 + static_cast<EntityId>(random() % 3);  // rare
          if (random() % 60 == 0) run.trainer_id = 20 + static_cast<EntityId>(random() % 3);
          run.venue_id = 1;
          run.distance_m = 2000;
          run.field_size = field;
          run.draw = i + 1;
          run.finish_position = i + 1;
          race.push_back(run);
        }
        ++race_id;
        index.add_race(race);
        runs.insert(runs.end(), race.begin(), race.end());
      }
    }
    index.finish();
  }

  WindowCounts scan(EntityId RunRecord::*person, EntityId id, Day from, Day to) const {
    WindowCounts counts;
    for (const RunRecord& run : runs) {
      if (run.*person != id || run.day < from || run.day >= to) continue;
      ++counts.starts;
      counts.wins += run.finish_position == 1 ? 1 : 0;
      counts.top3 += *run.finish_position <= 3 ? 1 : 0;
    }
    return counts;
  }
};

void expect_counts(const WindowCounts& got, const WindowCounts& want, const std::string& what) {
  EXPECT_EQ(got.starts, want.starts) << what;
  EXPECT_EQ(got.wins, want.wins) << what;
  EXPECT_EQ(got.top3, want.top3) << what;
}

TEST(HistoryIndex, PersonWindowsCountExactlyTheRunsOfEarlierDays) {
  const RandomHistory history(7);
  const Day start = *parse_day("2020-01-01");
  for (Day day = start - 10; day < start + 760; day += 3) {
    for (EntityId id = 0; id < 25; ++id) {  // 0, 12..19 and 23, 24: nobody, or nobody with runs
      const auto jockey = history.index.jockey_windows(id, day, 365, 60);
      const auto trainer = history.index.trainer_windows(id, day, 90, 7);
      const std::string at = "person " + std::to_string(id) + " day " + format_day(day);
      if (id == 0) {
        expect_counts(jockey.long_window, {}, at);
        continue;
      }
      expect_counts(jockey.long_window, history.scan(&RunRecord::jockey_id, id, day - 365, day), "jockey 365 " + at);
      expect_counts(jockey.short_window, history.scan(&RunRecord::jockey_id, id, day - 60, day), "jockey 60 " + at);
      expect_counts(trainer.long_window, history.scan(&RunRecord::trainer_id, id, day - 90, day), "trainer 90 " + at);
      expect_counts(trainer.short_window, history.scan(&RunRecord::trainer_id, id, day - 7, day), "trainer 7 " + at);
    }
  }
}

TEST(HistoryIndex, HorseRunsBeforeADayAreItsEarlierRunsInOrder) {
  const RandomHistory history(11);
  const Day start = *parse_day("2020-01-01");
  for (Day day = start - 1; day < start + 740; day += 5) {
    for (EntityId horse = -1; horse < 45; ++horse) {
      std::vector<Day> want;
      for (const RunRecord& run : history.runs) {
        if (run.horse_id == horse && run.day < day) want.push_back(run.day);
      }
      std::vector<Day> got;
      for (const HorseRun& run : history.index.horse_runs_before(horse, day)) got.push_back(run.day);
      EXPECT_EQ(got, want) << "horse " << horse << " day " << format_day(day);
    }
  }
}

TEST(HistoryIndex, AFinishedIndexIgnoresLaterRaces) {
  RandomHistory history(3);
  const Day day = *parse_day("2022-06-01");
  const auto before = history.index.jockey_windows(1, day, 365, 60);
  RunRecord late;
  late.day = day - 1;
  late.race_id = 999999;
  late.horse_id = 1;
  late.jockey_id = 1;
  late.field_size = 1;
  late.finish_position = 1;
  history.index.add_race(std::vector<RunRecord>{late});
  history.index.finish();
  const auto after = history.index.jockey_windows(1, day, 365, 60);
  EXPECT_EQ(after.long_window.starts, before.long_window.starts);
  EXPECT_EQ(after.long_window.wins, before.long_window.wins);
}

TEST(HistoryIndex, EmptyIndexAnswersNothing) {
  HistoryIndex index;
  index.finish();
  EXPECT_TRUE(index.horse_runs_before(1, 100).empty());
  EXPECT_EQ(index.jockey_windows(1, 100, 365, 60).long_window.starts, 0);
  EXPECT_EQ(index.trainer_windows(5, 100, 365, 60).short_window.starts, 0);
  EXPECT_EQ(index.run_count(), 0U);
}

}  // namespace
}  // namespace paddock
