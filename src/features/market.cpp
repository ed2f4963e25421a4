#include "features/market.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace paddock {
namespace {

std::optional<MarketView> view_from(const std::vector<const RunnerEntry*>& starters,
                                    OddsSource source) {
  MarketView view;
  view.source = source;
  view.probabilities.reserve(starters.size());
  for (const RunnerEntry* runner : starters) {
    const std::optional<double>& odds =
        source == OddsSource::kFinal ? runner->final_odds : runner->morning_odds;
    if (!odds || !std::isfinite(*odds) || *odds < 1.0) return std::nullopt;
    view.probabilities.push_back(1.0 / *odds);
  }
  view.overround = std::accumulate(view.probabilities.begin(), view.probabilities.end(), 0.0);
  for (double& p : view.probabilities) p /= view.overround;
  std::vector<std::size_t> order(starters.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return view.probabilities[a] > view.probabilities[b];
  });
  view.odds_ranks.assign(starters.size(), 0);
  for (std::size_t rank = 0; rank < order.size(); ++rank) {
    view.odds_ranks[order[rank]] = static_cast<int>(rank) + 1;
  }
  return view;
}

}  // namespace

std::optional<MarketView> market_view(const std::vector<const RunnerEntry*>& starters) {
  if (starters.empty()) return std::nullopt;
  if (std::optional<MarketView> final_view = view_from(starters, OddsSource::kFinal)) return final_view;
  return view_from(starters, OddsSource::kMorning);
}

}  // namespace paddock
