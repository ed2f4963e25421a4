// Point-in-time history: every finished run in the database, indexed so that "what was known
// about this horse, jockey, trainer or stall before day D" is a search among its runs. Queries take the
// race's day and only ever see runs on earlier days; runs on the same day or later do not exist
// for them. That is paddock's leakage rule (docs/architecture.md), enforced here in one place.
//
// Built once (from Database::for_each_finished_race, which streams races in date order) and then
// read by any number of threads: every query is const and the index never changes after
// `finish()`. Memory is about 60 bytes per run: 70 MB for 100,000 races of 12 runners.
//
// Each horse also carries a rating, updated after each of its races from the result against
// every other starter (a multi-runner Elo on the log-odds scale): the rating after a run uses
// that run's result and earlier ones only, so the rating before day D is point-in-time too.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include "core/error.h"
#include "features/pace_book.h"
#include "features/point_in_time_history.h"
#include "features/rating_book.h"
#include "store/database.h"

namespace paddock {

// The stall group of a run: venue, discipline family and third of the field, as one key; none
// for a run that gives no stall statistics (no draw, no venue, a field of one).
std::optional<std::uint64_t> stall_group_key(EntityId venue_id, Discipline discipline, std::optional<int> draw,
                                             int field_size);

// What a job's races need of the history: the runs of their horses before their last day, of
// their jockeys and trainers in the year before their first day and since, and of the stall
// groups of their venues (history_store.h reads them).
struct HistoryNeeds {
  std::vector<std::int64_t> horses;
  std::vector<std::int64_t> jockeys;
  std::vector<std::int64_t> trainers;
  std::vector<std::int64_t> stall_groups;
  Day first_day = 0;
  Day last_day = 0;

  static HistoryNeeds of(std::span<const RaceCard> cards);
};

class HistoryIndex final : public PointInTimeHistory {
 public:
  using TwoWindows = paddock::TwoWindows;

  // The jockey and trainer windows reach this far back (people_features: 365 and 60 days).
  static constexpr int kLongestWindowDays = 365;

  // Computes the history from every finished race of the database (ratings included).
  static Result<HistoryIndex> load(Database& db);
  // Reads it from the stored history (run_history), which must be current: every run, or
  // only what `needs` asks for. The queries of races that `needs` was made for answer exactly
  // as the computed index's.
  static Result<HistoryIndex> load_stored(Database& db, const HistoryNeeds* needs);

  // Building by hand (tests): add races in non-decreasing day order, then finish(), before
  // any query. The runs of one race come together, so that the ratings can be updated from
  // its result. Once finished, the index is read-only: add_race and finish do nothing more.
  void add_race(std::span<const RunRecord> runs);
  void finish();

  // The horse's runs strictly before `day`, oldest first.
  std::span<const HorseRun> horse_runs_before(EntityId horse_id, Day day) const;
  // Its whole career before `day`, as `recent`.
  HorseHistory horse_before(EntityId horse_id, Day day) const override;
  // Counts over [day - window_days, day).
  WindowCounts jockey_window(EntityId jockey_id, Day day, int window_days) const;
  // Counts over a long and a short window ending the same day, in one lookup of the day.
  TwoWindows jockey_windows(EntityId jockey_id, Day day, int long_days, int short_days) const override;
  TwoWindows trainer_windows(EntityId trainer_id, Day day, int long_days, int short_days) const override;
  DrawCounts draw_before(EntityId venue_id, Discipline discipline, int draw, int field_size,
                         Day day) const override;

  std::size_t run_count() const { return run_count_; }

 private:
  // A person's runs with counts accumulated up to and including each run.
  struct PersonRun {
    Day day = 0;
    std::int32_t wins = 0;
    std::int32_t top3 = 0;
  };
  struct DrawRun {
    Day day = 0;
    std::int64_t starts = 0;  // running totals of the stall group, this run included
    float wins = 0.0F;
    float expected = 0.0F;
  };

  // The runs of every entity in one array, entity after entity, each in day order: entity e's
  // runs are runs[begin[e] .. begin[e + 1]). A lookup touches a small offsets array and then
  // the entity's runs, instead of a vector header and then its heap block: features are
  // bound by these cache misses.
  template <typename Run>
  struct FlatRuns {
    std::vector<std::uint32_t> begin;  // one more than the number of entities
    std::vector<Run> runs;

    std::span<const Run> of(EntityId id) const;
    void assign(std::vector<std::vector<Run>>& by_entity);  // empties by_entity
  };

  // Jockeys or trainers: their runs, and for each person the first run on or after each week
  // of their career, so that "runs before day D" is one index load and a short scan (a busy
  // jockey rides a few races a week) rather than a binary search over thousands of runs. A
  // person with fewer runs than weeks in their career has no weekly index (a binary search
  // over few runs is cheap): the index never has more entries than there are runs.
  struct PeopleTable {
    FlatRuns<PersonRun> flat;
    std::vector<Day> first_day;               // by person: the day of their first run
    std::vector<std::uint32_t> weeks_begin;   // by person: their entries in `weeks`
    std::vector<std::uint32_t> weeks;         // index in flat.runs of the week's first run

    void assign(std::vector<std::vector<PersonRun>>& by_person);
    // Index in flat.runs of the person's first run on or after `day`.
    std::size_t first_on_or_after(std::size_t person, Day day) const;
    TwoWindows windows(EntityId id, Day day, int long_days, int short_days) const;
  };

  static void add_person(std::vector<std::vector<PersonRun>>& people, EntityId id, Day day,
                         bool won, bool top3);
  void add_run(const RunRecord& run, float rating_after, const RunFigures& figures);
  // The parts of a stored run, each added alone: a subset load reads each part's runs apart.
  void add_horse_run(const RunRecord& run, float rating_after, const RunFigures& figures);
  void add_stored_draw_run(const StoredRun& stored);

  // While building (add_race), runs go to per-entity vectors; finish() moves them to the flat
  // tables that the queries read.
  std::vector<std::vector<HorseRun>> building_horses_;
  std::vector<std::vector<PersonRun>> building_jockeys_;
  std::vector<std::vector<PersonRun>> building_trainers_;
  RatingBook ratings_;  // current ratings, during the build
  PaceBook paces_;      // the pars of the days built so far, during the build

  FlatRuns<HorseRun> horses_;  // by horse id
  PeopleTable jockeys_;
  PeopleTable trainers_;
  std::unordered_map<std::uint64_t, std::vector<DrawRun>> draws_;
  std::size_t run_count_ = 0;
  Day last_day_ = 0;
  bool finished_ = false;
};

}  // namespace paddock
