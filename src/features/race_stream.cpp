#include "features/race_stream.h"

#include <algorithm>

namespace paddock {

Status for_each_race_features(Database& db, const HistoryIndex& history,
                              const std::vector<RaceId>& race_ids, const RaceVisitor& visit,
                              std::size_t batch_size) {
  for (std::size_t begin = 0; begin < race_ids.size(); begin += batch_size) {
    const std::size_t end = std::min(race_ids.size(), begin + batch_size);
    const std::vector<RaceId> batch(race_ids.begin() + static_cast<std::ptrdiff_t>(begin),
                                    race_ids.begin() + static_cast<std::ptrdiff_t>(end));
    PADDOCK_ASSIGN_OR_RETURN(std::vector<RaceCard> cards, db.load_race_cards(batch));
    for (const RaceCard& card : cards) visit(card, build_race_features(card, history));
  }
  return ok_status();
}

std::vector<std::optional<int>> starter_positions(const RaceCard& card) {
  std::vector<std::optional<int>> positions;
  for (const RunnerEntry* runner : starters_of(card)) positions.push_back(runner->finish_position);
  return positions;
}

}  // namespace paddock
