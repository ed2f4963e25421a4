// The market's view of a race, kept apart from the fundamental features: normalised implied
// probabilities (1/odds, scaled to sum to 1 to remove the pari-mutuel take) and odds ranks.
// Stage 2 of the model combines log p_market with log p_fundamental.
#pragma once

#include <optional>
#include <vector>

#include "store/records.h"

namespace paddock {

enum class OddsSource { kFinal, kMorning };

struct MarketView {
  OddsSource source = OddsSource::kFinal;
  std::vector<double> probabilities;  // per starter, in the order of `starters`, sums to 1
  std::vector<int> odds_ranks;        // 1 = favourite (shortest odds)
  double overround = 0.0;             // sum of 1/odds before normalising
};

// Uses final odds when every starter has them, else morning odds when every starter has those;
// nullopt when neither is complete or an odds value is not a number >= 1.
std::optional<MarketView> market_view(const std::vector<const RunnerEntry*>& starters);

}  // namespace paddock
