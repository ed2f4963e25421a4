// Walks a list of races in batches: loads their cards and builds their feature rows, handing
// each race (or the reason it has no features) to a visitor. Training and evaluation use it;
// the batch engine has its own chunked, parallel version of the same steps.
#pragma once

#include <functional>
#include <vector>

#include "features/race_features.h"
#include "store/database.h"

namespace paddock {

using RaceVisitor = std::function<void(const RaceCard& card, const Result<RaceFeatures>& features)>;

Status for_each_race_features(Database& db, const HistoryIndex& history,
                              const std::vector<RaceId>& race_ids, const RaceVisitor& visit,
                              std::size_t batch_size = 1000);

// Finishing positions of a card's starters, in starters_of() order.
std::vector<std::optional<int>> starter_positions(const RaceCard& card);

}  // namespace paddock
