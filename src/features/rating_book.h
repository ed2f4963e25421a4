// Horse ratings: a multi-runner Elo on the log-odds scale, updated after each race from its
// result against every other starter. The rating after a run uses that run's result and
// earlier ones only, so the rating before day D is point-in-time.
//
// One implementation for the two places ratings are made: HistoryIndex, when it computes the
// history from the races, and the stored history (run_history), which keeps each run's rating
// so that a job can read the runs of its own horses without rating every race ever run. Both
// rate races in the same order (day, then race id, runners as Database::for_each_finished_race
// gives them) with this code, so their ratings are the same floats.
#pragma once

#include <span>
#include <vector>

#include "store/records.h"

namespace paddock {

class RatingBook {
 public:
  // The horse's current rating (0 for a horse never rated).
  float rating(EntityId horse_id) const;
  void set(EntityId horse_id, float rating);
  // The ratings of a race's starters after it, in the order of `runs`; each horse's current
  // rating becomes its new one.
  std::vector<float> rate(std::span<const RunRecord> runs);
  void clear();

 private:
  std::vector<float> ratings_;  // by horse id
};

}  // namespace paddock
