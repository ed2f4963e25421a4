// What the features read of the past: a horse's runs, a jockey's or trainer's starts in windows
// of days, a stall group's totals, each as it stood before a race's day. Two histories answer
// these questions: HistoryIndex (every run of the job's entities, loaded once, for small jobs
// and for computing from the races) and RollingHistory (a bounded state that a large job moves
// forward through the days). The features read either through this one interface, so there is
// one feature code path; both answer every query bit for bit alike.
//
// The leakage rule holds for every implementation: a query for day D sees runs of earlier days
// only. Queries are const and may run on many threads at once.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "features/pace_book.h"
#include "store/records.h"

namespace paddock {

// One run of a horse, compact.
struct HorseRun {
  Day day = 0;
  std::int32_t jockey_id = 0;
  std::uint16_t distance_m = 0;
  std::uint8_t position = 0;    // 0: not classified (incident or no position)
  std::uint8_t field_size = 0;
  Incident incident = Incident::kNone;
  Discipline discipline = Discipline::kPlat;
  float prize_log = 0.0F;     // log(1 + prize in euros) of the race; NaN when unknown
  float rating_after = 0.0F;  // the horse's rating once this run's result is known
  // Its speed and réduction figures (features/pace_book.h), the handicapper's rating and the
  // weight carried; NaN when unknown.
  float speed_figure = std::numeric_limits<float>::quiet_NaN();
  float reduction_figure = std::numeric_limits<float>::quiet_NaN();
  float official_rating = std::numeric_limits<float>::quiet_NaN();
  float weight_kg = std::numeric_limits<float>::quiet_NaN();

  bool won() const { return position == 1; }
  bool top3() const { return position >= 1 && position <= 3; }
  // 0 for the winner .. 1 for the last or an unclassified runner.
  float normalised_position() const;
};

// A run as the histories keep it.
HorseRun make_horse_run(const RunRecord& run, float rating_after, const RunFigures& figures);

// What a history keeps of a horse's runs older than those it keeps whole: per discipline,
// how many there were and the normalised positions of the latest five, most recent first
// (the features use the five latest runs of today's discipline over the whole career).
struct EarlierRuns {
  static constexpr int kLatest = 5;
  struct OfDiscipline {
    Discipline discipline = Discipline::kPlat;
    std::int32_t count = 0;
    std::int32_t latest_count = 0;  // 0..kLatest
    std::array<float, kLatest> latest{};
  };
  std::int64_t count = 0;
  std::vector<OfDiscipline> by_discipline;  // the disciplines the horse ran in, only

  // Adds a run older than every run kept whole, newer than every run already here.
  void add(const HorseRun& run);
  // None when the horse has no earlier run in this discipline.
  const OfDiscipline* of(Discipline discipline) const;
};

// A horse's past before a day: its latest runs whole (oldest first) and what is known of the
// runs before them. `recent` holds at least its last 10 runs (all of them, if fewer) and every
// run of the 90 days before the day.
struct HorseHistory {
  std::span<const HorseRun> recent;
  const EarlierRuns* earlier = nullptr;  // null: `recent` is the whole career

  std::int64_t runs() const { return static_cast<std::int64_t>(recent.size()) + (earlier ? earlier->count : 0); }
};

// Starts, wins and top-3 finishes in a window of days.
struct WindowCounts {
  std::int64_t starts = 0;
  std::int64_t wins = 0;
  std::int64_t top3 = 0;
};

// Counts over a long and a short window ending the same day.
struct TwoWindows {
  WindowCounts long_window;
  WindowCounts short_window;
};

// Wins against the wins a uniform field would give (sum of 1/field size), for a stall.
struct DrawCounts {
  std::int64_t starts = 0;
  double wins = 0.0;
  double expected_wins = 0.0;
};

class PointInTimeHistory {
 public:
  virtual ~PointInTimeHistory() = default;

  // The horse's runs strictly before `day`.
  virtual HorseHistory horse_before(EntityId horse_id, Day day) const = 0;
  // Counts over [day - long_days, day) and [day - short_days, day); long_days at most 365.
  virtual TwoWindows jockey_windows(EntityId jockey_id, Day day, int long_days, int short_days) const = 0;
  virtual TwoWindows trainer_windows(EntityId trainer_id, Day day, int long_days, int short_days) const = 0;
  // Stall statistics at this venue, discipline family and stall third, before `day`.
  virtual DrawCounts draw_before(EntityId venue_id, Discipline discipline, int draw, int field_size,
                                 Day day) const = 0;
};

}  // namespace paddock
