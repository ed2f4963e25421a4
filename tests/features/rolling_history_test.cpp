// The rolling history of a streaming job answers exactly as the full index: every feature of
// every race, to the bit, whatever the windows, for races on the first and last day of a
// window and in between; fed with stored runs, with races to compute, or both in turn.
#include "features/rolling_history.h"

#include <gtest/gtest.h>

#include <cstring>
#include <limits>
#include <random>

#include "features/history_index.h"
#include "features/history_store.h"
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

// A finished race as its card and its runs.
struct SyntheticRace {
  RaceCard card;
  std::vector<RunRecord> runs;
};

// Three years of races among 60 horses that run often (far more than 10 runs, many older than
// 90 days), in every discipline, with people riding for years (365-day windows that trim),
// unclassified runners, races without a prize, and days without races.
std::vector<SyntheticRace> synthetic_races(unsigned seed) {
  std::mt19937 random(seed);
  const Day start = *parse_day("2019-01-01");
  std::vector<SyntheticRace> races;
  RaceId race_id = 1;
  for (Day day = start; day < start + 3 * 365; ++day) {
    if ((day - start) % 50 < 8) continue;  // a week or so off every fifty days
    const int count = static_cast<int>(random() % 3);
    std::vector<EntityId> used;
    for (int r = 0; r < count; ++r) {
      SyntheticRace race;
      RaceCard& card = race.card;
      card.id = race_id++;
      card.day = day;
      card.venue_id = 1 + static_cast<EntityId>(random() % 3);
      card.discipline = static_cast<Discipline>(random() % kDisciplineCount);
      card.distance_m = 1600 + static_cast<int>(random() % 12) * 200;
      if (random() % 4 != 0) card.prize_eur = 10000 + static_cast<std::int64_t>(random() % 50000);
      card.status = RaceStatus::kFinished;
      const int field = 2 + static_cast<int>(random() % 9);
      std::vector<int> places(static_cast<std::size_t>(field));
      for (int i = 0; i < field; ++i) places[static_cast<std::size_t>(i)] = i + 1;
      std::shuffle(places.begin(), places.end(), random);
      for (int i = 0; i < field; ++i) {
        EntityId horse = 1 + static_cast<EntityId>(random() % 60);
        while (std::find(used.begin(), used.end(), horse) != used.end()) horse = 1 + static_cast<EntityId>(random() % 60);
        used.push_back(horse);
        RunnerEntry runner;
        runner.number = i + 1;
        runner.horse_id = horse;
        runner.jockey_id = static_cast<EntityId>(random() % 16);  // 0: none
        runner.trainer_id = static_cast<EntityId>(random() % 10);
        runner.draw = i + 1;
        const int place = places[static_cast<std::size_t>(i)];
        if (place <= field - 2 || random() % 2 == 0) runner.finish_position = place;
        if (!runner.finish_position && random() % 2 == 0) runner.incident = Incident::kFell;
        card.runners.push_back(runner);
        RunRecord run;
        run.day = day;
        run.number = runner.number;
        run.race_id = card.id;
        run.horse_id = horse;
        run.jockey_id = runner.jockey_id;
        run.trainer_id = runner.trainer_id;
        run.venue_id = card.venue_id;
        run.discipline = card.discipline;
        run.distance_m = card.distance_m;
        run.prize_eur = card.prize_eur;
        run.field_size = field;
        run.draw = runner.draw;
        run.finish_position = runner.finish_position;
        run.incident = runner.incident;
        race.runs.push_back(run);
      }
      races.push_back(std::move(race));
    }
  }
  return races;
}

TEST(RollingHistory, ComputedRacesAnswerAsTheFullIndexAcrossWindows) {
  for (unsigned seed : {1U, 2U}) {
    const std::vector<SyntheticRace> races = synthetic_races(seed);
    HistoryIndex full;
    for (const SyntheticRace& race : races) full.add_race(race.runs);
    full.finish();

    std::mt19937 random(seed);
    RollingHistory rolling;
    if (seed == 2) {  // as a job does: each horse kept until its last race
      std::vector<Day> last_days(61, std::numeric_limits<Day>::min());
      for (const SyntheticRace& race : races) {
        for (const RunRecord& run : race.runs) last_days[static_cast<std::size_t>(run.horse_id)] = run.day;
      }
      rolling.keep_horses_until(last_days);
    }
    std::size_t added = 0;  // races added to the rolling history
    std::size_t checked = 0;
    std::size_t first = 0;  // the window's first race
    int windows = 0;
    while (first < races.size()) {
      // A window of 1 to 40 days of races.
      const Day first_day = races[first].card.day;
      const Day last_day = first_day + static_cast<Day>(random() % 40);
      rolling.start_window(first_day);
      while (added < races.size() && races[added].card.day < last_day) rolling.add_race(races[added++].runs);
      std::size_t end = first;
      while (end < races.size() && races[end].card.day <= last_day) {
        const RaceCard& card = races[end].card;
        ASSERT_EQ(bits_of(build_race_features(card, rolling)), bits_of(build_race_features(card, full)))
            << "seed " << seed << ", race " << card.id << " on " << format_day(card.day) << ", window from "
            << format_day(first_day) << " to " << format_day(last_day);
        ++end;
        ++checked;
      }
      first = end;
      ++windows;
    }
    EXPECT_EQ(checked, races.size());
    EXPECT_GT(windows, 30);
    // The state holds a fraction of the runs (the full index holds each run three times: for
    // the horse, the people and the stall group); the rest is summed up or gone.
    EXPECT_LT(rolling.runs_held(), rolling.runs_added());
  }
}

class RollingHistoryDbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_path_ = testing::demo_database_copy(dir_.path());
    db_ = testing::open_or_die(db_path_);
    ASSERT_TRUE(refresh_stored_history(*db_).ok());
  }

  testing::TempDir dir_{"rolling-history"};
  std::string db_path_;
  std::unique_ptr<Database> db_;
};

// Windows of 4 days over the demo database, fed from the stored history; then the same with
// the second half computed from the races (as when the stored history changes during a job).
TEST_F(RollingHistoryDbTest, StoredAndComputedRunsAnswerAsTheFullIndex) {
  const HistoryIndex full = *HistoryIndex::load(*db_);
  const std::vector<RaceCard> cards = *db_->load_race_cards(*db_->find_races(RaceQuery{}));
  ASSERT_GT(cards.size(), 2000U);
  const Day switch_day = *parse_day("2020-03-01");
  for (bool computed_later : {false, true}) {
    RollingHistory rolling;
    bool seeded = false;
    std::optional<Day> fed;  // runs before this day are in
    std::size_t i = 0;
    int windows = 0;
    while (i < cards.size()) {
      const Day first_day = cards[i].day;
      const Day last_day = first_day + 3;
      rolling.start_window(first_day);
      const Day stored_until = computed_later ? std::min(last_day, switch_day) : last_day;
      if (!fed || *fed < stored_until) {
        StoredRunQuery query;
        query.from = fed;
        query.before = stored_until;
        ASSERT_TRUE(db_->for_each_stored_run(query, [&](const StoredRun& run) { rolling.add_stored(run); }).ok());
        fed = stored_until;
      }
      if (*fed < last_day) {
        // Stored runs carry figures, not times: the first computed race needs the pars before it.
        if (!seeded) rolling.seed_paces(*PaceBook::load_before(*db_, *fed));
        seeded = true;
        ASSERT_TRUE(db_->for_each_finished_race_from(fed, last_day, [&](std::span<const RunRecord> runs) {
                         rolling.add_race(runs);
                       }).ok());
        fed = last_day;
      }
      for (; i < cards.size() && cards[i].day <= last_day; ++i) {
        ASSERT_EQ(bits_of(build_race_features(cards[i], rolling)), bits_of(build_race_features(cards[i], full)))
            << "race " << cards[i].id << " on " << format_day(cards[i].day) << (computed_later ? ", computed later" : "");
      }
      ++windows;
    }
    EXPECT_GT(windows, 15);
  }
}

}  // namespace
}  // namespace paddock
