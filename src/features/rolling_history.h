// The point-in-time history of a large job, kept as a rolling state instead of every run of the
// database: the job predicts its races in day order, in windows of consecutive days, and before
// each window the state moves forward over the runs of the days up to the window's last day.
// It keeps only what a query from the window's first day on can need:
//   - per horse: its runs of the last 90 days and at least its last 10 (HorseHistory::recent),
//     and for the older ones their count and, per discipline, the count and the latest five
//     positions (EarlierRuns);
//   - per jockey and trainer: their runs of the last 365 days (the longest window);
//   - per stall group: its running totals from its last run before the window on.
// Memory therefore follows the number of horses and the window, not the length of the history;
// every query answers bit for bit as HistoryIndex's over the same runs.
//
// Runs come in day order, either as stored (run_history: the rating after each run and the
// stall totals are read) or as races to compute (the ratings and totals are computed here with
// the code HistoryIndex::load uses). A stream may go from stored to computed runs at a day
// boundary (the stored history changed during a job), never back.
//
// Thread safety: queries are const and may run on many threads, but never while the state
// moves: the caller advances it between windows, when no query is running.
#pragma once

#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

#include "features/pace_book.h"
#include "features/point_in_time_history.h"
#include "features/rating_book.h"
#include "store/records.h"

namespace paddock {

class RollingHistory final : public PointInTimeHistory {
 public:
  // Queries will ask for horse h on days up to last_days[h] at most (the job's races): a horse
  // is dropped once they are past, and one not in it is never kept. Without this, every horse
  // is kept. Call before adding runs.
  void keep_horses_until(std::vector<Day> last_days);
  // From now on, queries are for `day` or later: what only earlier queries need may go.
  // Non-decreasing from call to call.
  void start_window(Day first_day);
  // Adds one stored run, or several (the horses on this thread, the people and stall groups
  // on a second one). Runs come in the stored order (day, race, number).
  void add_stored(const StoredRun& stored);
  void add_stored(std::span<const StoredRun> runs);
  // Adds one finished race (its starters, in number order), rating and figuring it from the
  // state.
  void add_race(std::span<const RunRecord> runs);
  // The pars of every race before the first computed race that follows stored runs (stored
  // runs carry their figures, not the races' times): PaceBook::load_before that day.
  void seed_paces(PaceBook paces);

  HorseHistory horse_before(EntityId horse_id, Day day) const override;
  TwoWindows jockey_windows(EntityId jockey_id, Day day, int long_days, int short_days) const override;
  TwoWindows trainer_windows(EntityId trainer_id, Day day, int long_days, int short_days) const override;
  DrawCounts draw_before(EntityId venue_id, Discipline discipline, int draw, int field_size,
                         Day day) const override;

  // Runs added since the start.
  std::int64_t runs_added() const { return runs_added_; }
  // Runs held now (the state's size, for the log).
  std::int64_t runs_held() const;

 private:
  // The longest look-backs of the features: runs in the last 90 days, the last 10 runs, the
  // 365-day windows of people.
  static constexpr Day kHorseDays = 90;
  static constexpr std::size_t kHorseRuns = 10;
  static constexpr Day kPersonDays = 365;

  struct HorseState {
    std::vector<HorseRun> recent;  // day order
    EarlierRuns earlier;
  };
  // A person's runs with counts accumulated since the start of the stream.
  struct PersonRun {
    Day day = 0;
    std::int32_t wins = 0;
    std::int32_t top3 = 0;
  };
  struct PersonState {
    std::vector<PersonRun> runs;  // day order; those before `head` are gone
    std::size_t head = 0;
    std::int32_t wins_before = 0;  // accumulated counts of the runs gone
    std::int32_t top3_before = 0;
  };
  struct DrawRun {
    Day day = 0;
    std::int64_t starts = 0;  // running totals of the stall group, this run included
    float wins = 0.0F;
    float expected = 0.0F;
  };

  void add_horse_run(const RunRecord& run, float rating_after, const RunFigures& figures);
  void add_stored_horse(const StoredRun& stored);   // touches horses_, last_ratings_ only
  void add_stored_people(const StoredRun& stored);  // touches jockeys_, trainers_, draws_ only
  bool horse_needed(EntityId horse_id) const;
  void add_person(std::vector<PersonState>& people, EntityId id, Day day, int position);
  void add_draw_run(std::uint64_t key, const DrawRun& run);
  static TwoWindows windows(const std::vector<PersonState>& people, EntityId id, Day day, int long_days,
                            int short_days);
  // Before the first computed race after stored runs: the book takes each horse's last rating.
  void seed_ratings();

  Day first_day_ = 0;  // of the current window
  std::vector<HorseState> horses_;  // by horse id
  std::vector<Day> horses_until_;   // by horse id (keep_horses_until); empty: all kept
  bool horses_limited_ = false;
  std::vector<float> last_ratings_;  // by horse id, every horse's latest rating
  std::vector<PersonState> jockeys_;
  std::vector<PersonState> trainers_;
  std::unordered_map<std::uint64_t, std::vector<DrawRun>> draws_;
  RatingBook ratings_;  // computed races only
  PaceBook paces_;      // computed races only
  bool ratings_seeded_ = true;  // false once stored runs came without their races' ratings
  std::int64_t runs_added_ = 0;
};

}  // namespace paddock
