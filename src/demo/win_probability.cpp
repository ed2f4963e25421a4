#include "demo/win_probability.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace paddock::demo {

std::vector<double> win_probabilities(std::span<const double> strengths,
                                      std::span<const double> fail_probabilities) {
  const std::size_t n = strengths.size();
  std::vector<double> p(n, 0.0);
  if (n == 0) return p;
  const double total = std::accumulate(strengths.begin(), strengths.end(), 0.0);
  std::vector<double> w(n);
  for (std::size_t i = 0; i < n; ++i) w[i] = strengths[i] / total;
  const bool any_failure = std::any_of(fail_probabilities.begin(), fail_probabilities.end(),
                                       [](double q) { return q > 0.0; });
  if (!any_failure) return w;

  const double w_min = std::max(*std::min_element(w.begin(), w.end()), 1e-9);
  const double x_low = std::log(1e-8);
  const double x_high = std::log(60.0 / w_min);
  constexpr double kStep = 0.08;
  std::vector<double> log_terms(n);
  for (double x = x_low; x <= x_high; x += kStep) {
    const double t = std::exp(x);
    double log_product = 0.0;
    for (std::size_t j = 0; j < n; ++j) {
      const double q = fail_probabilities[j];
      log_terms[j] = q > 0.0 ? std::log(q + (1.0 - q) * std::exp(-t * w[j])) : -t * w[j];
      log_product += log_terms[j];
    }
    for (std::size_t i = 0; i < n; ++i) {
      // dt = t dx in log space.
      p[i] += w[i] * t * std::exp(-t * w[i] + log_product - log_terms[i]) * kStep;
    }
  }
  double sum = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    p[i] *= 1.0 - fail_probabilities[i];
    sum += p[i];
  }
  for (double& v : p) v /= sum;
  return p;
}

}  // namespace paddock::demo
