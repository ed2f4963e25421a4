#include "engine/race_selection.h"

#include <unordered_set>

namespace paddock {
namespace {

Result<RaceSelection> select_listed(Database& db, const PredictOptions& options) {
  std::vector<RaceId> ids;
  std::unordered_set<RaceId> seen;
  for (RaceId id : options.race_ids) {
    if (seen.insert(id).second) ids.push_back(id);
  }
  if (options.limit && static_cast<std::int64_t>(ids.size()) > *options.limit) {
    ids.resize(static_cast<std::size_t>(*options.limit));
  }
  PADDOCK_ASSIGN_OR_RETURN(const std::vector<RaceId> existing, db.existing_races(ids));
  const std::unordered_set<RaceId> known(existing.begin(), existing.end());
  RaceSelection selection;
  for (RaceId id : ids) (known.count(id) ? selection.races : selection.unknown).push_back(id);
  return selection;
}

}  // namespace

Result<RaceSelection> select_races(Database& db, const PredictOptions& options, ModelId model_id) {
  if (!options.race_ids.empty()) return select_listed(db, options);
  RaceQuery query;
  query.from = options.date ? options.date : options.from;
  query.to = options.date ? options.date : options.to;
  query.with_runners_only = true;
  if (!options.include_predicted()) query.without_prediction_from = model_id;
  query.limit = options.limit;
  RaceSelection selection;
  PADDOCK_ASSIGN_OR_RETURN(selection.races, db.find_races(query));
  return selection;
}

}  // namespace paddock
