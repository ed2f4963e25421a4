// McFadden's conditional logit, the calibration tool of both of Benter's stages: in each race
// one runner is chosen (the winner) with probability p_i = exp(theta . x_i) / sum_j exp(theta . x_j).
// Stage 1 fits a single coefficient on the XGBoost score (1/theta is the softmax temperature);
// stage 2 fits (alpha, beta) on (log p_fundamental, log p_market). The log-likelihood is concave,
// so Newton's method with a backtracking line search finds the maximum.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace paddock {

// One race: `rows` runners with `k` covariates each (row-major), and the winner's row.
struct ChoiceSet {
  std::vector<double> x;
  std::size_t rows = 0;
  std::size_t winner = 0;
};

struct LogitFit {
  std::vector<double> theta;
  double log_likelihood = 0.0;  // summed over races, at theta
  int iterations = 0;
  bool converged = false;
};

LogitFit fit_conditional_logit(const std::vector<ChoiceSet>& races, std::size_t k,
                               std::vector<double> start);

// Softmax of theta . x_i over the rows of one race; numerically safe for large scores.
std::vector<double> choice_probabilities(std::span<const double> x, std::size_t rows,
                                         std::span<const double> theta);

// Softmax of `logits`, in place.
void softmax_in_place(std::span<double> logits);

}  // namespace paddock
