// Speed figures: how fast a run was against the par of its race, in seconds per kilometre
// (positive: faster than par). A par is the mean pace of the winners of comparable races run
// before the day of the race being figured: the same venue, discipline, 200 m band of distance
// and class of going when there are at least kMinRaces of them, else the same discipline, band
// and going over every venue, else the same discipline and band. So the figure takes out the
// distance, the discipline, the going and the venue as far as the past allows, and never uses
// a race of its own day or later.
//
// A run's time is its finish time, else (the winner) the race's time, else the race's time plus
// its margin (beaten lengths x 2.4 m at the winner's mean speed); its pace is that time over the
// distance it ran (a trotting handicap's recul included). Trotters also get a réduction figure:
// the par réduction kilométrique of the winners minus the runner's.
//
// The pars are integer sums (milliseconds and metres), so they do not depend on the order
// races are added in: the computed history, the stored history's refresh (which stores each
// day's additions, pace_days, and sums those before the day it starts from: load_before) and a
// job's rolling history all make the same figures, bit for bit.
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <unordered_map>
#include <vector>

#include "core/error.h"
#include "store/database.h"

namespace paddock {

struct RunFigures {
  float speed = std::numeric_limits<float>::quiet_NaN();
  float reduction = std::numeric_limits<float>::quiet_NaN();
};

class PaceBook {
 public:
  static constexpr std::int32_t kMinRaces = 20;

  // The pars of every finished race before `day`, from the stored history's pace days (which
  // must be current before that day).
  static Result<PaceBook> load_before(Database& db, Day day);

  // The figures of a race's runs (a finished race's starters, in number order, all of one
  // day), from the pars of earlier days; the race then counts for later days' races. Races
  // come in non-decreasing day order.
  std::vector<RunFigures> figure(std::span<const RunRecord> runs);
  // Sums of races, or a race, of days before any race figured so far count from now on.
  void add(const PaceSums& sums);
  void add_race(const RaceTimeRecord& race);

  // The times of a finished race's starters as the pars read them.
  static RaceTimeRecord race_time_of(std::span<const RunRecord> runs);
  // What a race adds to the sums of each group it belongs to (none: no usable time).
  static std::vector<PaceSums> contributions(const RaceTimeRecord& race);

 private:
  struct Pars {
    double pace = std::numeric_limits<double>::quiet_NaN();       // seconds per km
    double reduction = std::numeric_limits<double>::quiet_NaN();  // seconds per km
  };

  Pars pars_of(const RaceTimeRecord& race) const;
  void settle_before(Day day);

  std::unordered_map<std::uint64_t, PaceSums> sums_;  // by (level, venue, discipline, band, going)
  std::vector<RaceTimeRecord> pending_;           // the races of the day being figured
};

}  // namespace paddock
