// Which races a new job predicts, from its options:
//   default            races with runners and no prediction from the job's model
//   --date / --from --to   restricted to those days
//   --all / --force-reprediction   already predicted races too
//   --race-ids         exactly those ids, in the order given; ids that name no race are kept
//                      apart so that the job records them as failed ("race not found")
//   --limit N          at most N races, in every mode
#pragma once

#include <vector>

#include "core/error.h"
#include "options/predict_options.h"
#include "store/database.h"

namespace paddock {

struct RaceSelection {
  std::vector<RaceId> races;    // in prediction order: date, then id (or as given)
  std::vector<RaceId> unknown;  // --race-ids that name no race
  std::size_t total() const { return races.size() + unknown.size(); }
};

Result<RaceSelection> select_races(Database& db, const PredictOptions& options, ModelId model_id);

}  // namespace paddock
