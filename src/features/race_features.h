// Turns one race card into its stage-1 feature matrix: one row per starter (non-runners are not
// predicted), the columns of feature_set.h, missing values as NaN. A pure function of the card
// and the point-in-time history index, so a race's rows are the same whoever computes them,
// whenever, in whatever order; thread-safe.
//
// A race whose data cannot be turned into features fails with a reason naming the runner or
// field: no starters, the same horse twice, a distance outside 800-8000 m, a non-finite value.
#pragma once

#include <vector>

#include "core/error.h"
#include "features/feature_set.h"
#include "features/history_index.h"
#include "features/point_in_time_history.h"
#include "store/records.h"

namespace paddock {

struct RaceFeatures {
  RaceId race_id = 0;
  std::vector<int> numbers;   // saddle-cloth numbers of the starters, row order
  std::vector<float> values;  // row-major, numbers.size() x kFeatureCount

  std::size_t rows() const { return numbers.size(); }
  float at(std::size_t row, Feature feature) const {
    return values[row * kFeatureCount + static_cast<std::size_t>(feature)];
  }
};

Result<RaceFeatures> build_race_features(const RaceCard& card, const PointInTimeHistory& history);

// The starters of a card: runners that are not non-runners, in saddle-cloth order.
std::vector<const RunnerEntry*> starters_of(const RaceCard& card);

}  // namespace paddock
