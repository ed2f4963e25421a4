// Exact win probabilities when each runner may fail to finish. Runner i finishes with
// probability 1 - q_i (independently); among the finishers the winner is drawn with
// probability w_i / sum of finishers' w (the first step of Plackett-Luce). Then
//
//   P(i wins) = (1 - q_i) * integral_0^inf w_i e^{-t w_i} prod_{j != i} (q_j + (1 - q_j) e^{-t w_j}) dt
//
// (from 1/x = integral e^{-tx} dt and independence). The integral is taken in log t with the
// trapezoid rule, which converges very fast here because the integrand decays doubly
// exponentially at both ends. With every q = 0 it reduces to w_i / sum w.
#pragma once

#include <span>
#include <vector>

namespace paddock::demo {

// Probabilities conditional on the race having a winner (they sum to 1).
std::vector<double> win_probabilities(std::span<const double> strengths,
                                      std::span<const double> fail_probabilities);

}  // namespace paddock::demo
