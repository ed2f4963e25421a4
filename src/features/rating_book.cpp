#include "features/rating_book.h"

#include <cmath>

namespace paddock {

float RatingBook::rating(EntityId horse_id) const {
  const auto index = static_cast<std::size_t>(horse_id);
  return horse_id >= 0 && index < ratings_.size() ? ratings_[index] : 0.0F;
}

void RatingBook::set(EntityId horse_id, float rating) {
  if (horse_id < 0) return;
  const auto index = static_cast<std::size_t>(horse_id);
  if (index >= ratings_.size()) ratings_.resize(index + 1 + index / 4, 0.0F);
  ratings_[index] = rating;
}

// Every pair of starters is a duel: the one placed ahead (an unclassified runner is behind
// every classified one; two unclassified runners tie) scores 1. Each rating moves by
// kStep / (n - 1) times the sum of (score - expected score) over its duels.
std::vector<float> RatingBook::rate(std::span<const RunRecord> runs) {
  constexpr double kStep = 0.9;
  const std::size_t n = runs.size();
  std::vector<double> before(n, 0.0);
  for (std::size_t i = 0; i < n; ++i) before[i] = rating(runs[i].horse_id);
  auto place = [](const RunRecord& run) { return run.finish_position.value_or(1000); };
  std::vector<float> after(n);
  for (std::size_t i = 0; i < n; ++i) {
    double surprise = 0.0;
    for (std::size_t j = 0; j < n; ++j) {
      if (i == j) continue;
      const double expected = 1.0 / (1.0 + std::exp(before[j] - before[i]));
      const int pi = place(runs[i]);
      const int pj = place(runs[j]);
      const double score = pi < pj ? 1.0 : (pi > pj ? 0.0 : 0.5);
      surprise += score - expected;
    }
    after[i] = static_cast<float>(before[i] + (n > 1 ? kStep * surprise / static_cast<double>(n - 1) : 0.0));
  }
  for (std::size_t i = 0; i < n; ++i) set(runs[i].horse_id, after[i]);
  return after;
}

void RatingBook::clear() { std::vector<float>().swap(ratings_); }

}  // namespace paddock
