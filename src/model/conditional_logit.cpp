#include "model/conditional_logit.h"

#include <algorithm>
#include <cmath>

namespace paddock {
namespace {

struct Evaluation {
  double log_likelihood = 0.0;
  std::vector<double> gradient;
  std::vector<double> hessian;  // k x k, negative definite
};

Evaluation evaluate(const std::vector<ChoiceSet>& races, std::size_t k,
                    const std::vector<double>& theta, bool derivatives) {
  Evaluation e;
  e.gradient.assign(k, 0.0);
  e.hessian.assign(k * k, 0.0);
  std::vector<double> mean(k);
  for (const ChoiceSet& race : races) {
    const std::vector<double> p = choice_probabilities(race.x, race.rows, theta);
    e.log_likelihood += std::log(std::max(p[race.winner], 1e-300));
    if (!derivatives) continue;
    std::fill(mean.begin(), mean.end(), 0.0);
    for (std::size_t i = 0; i < race.rows; ++i) {
      for (std::size_t a = 0; a < k; ++a) mean[a] += p[i] * race.x[i * k + a];
    }
    for (std::size_t a = 0; a < k; ++a) e.gradient[a] += race.x[race.winner * k + a] - mean[a];
    for (std::size_t i = 0; i < race.rows; ++i) {
      for (std::size_t a = 0; a < k; ++a) {
        const double da = race.x[i * k + a] - mean[a];
        for (std::size_t b = 0; b < k; ++b) {
          e.hessian[a * k + b] -= p[i] * da * (race.x[i * k + b] - mean[b]);
        }
      }
    }
  }
  return e;
}

// Solves A d = g for small k by Gaussian elimination with partial pivoting; false if singular.
bool solve(std::vector<double> a, std::vector<double> g, std::size_t k, std::vector<double>& d) {
  for (std::size_t col = 0; col < k; ++col) {
    std::size_t pivot = col;
    for (std::size_t r = col + 1; r < k; ++r) {
      if (std::abs(a[r * k + col]) > std::abs(a[pivot * k + col])) pivot = r;
    }
    if (std::abs(a[pivot * k + col]) < 1e-12) return false;
    for (std::size_t c = 0; c < k; ++c) std::swap(a[col * k + c], a[pivot * k + c]);
    std::swap(g[col], g[pivot]);
    for (std::size_t r = col + 1; r < k; ++r) {
      const double factor = a[r * k + col] / a[col * k + col];
      for (std::size_t c = col; c < k; ++c) a[r * k + c] -= factor * a[col * k + c];
      g[r] -= factor * g[col];
    }
  }
  d.assign(k, 0.0);
  for (std::size_t i = k; i-- > 0;) {
    double sum = g[i];
    for (std::size_t c = i + 1; c < k; ++c) sum -= a[i * k + c] * d[c];
    d[i] = sum / a[i * k + i];
  }
  return true;
}

}  // namespace

void softmax_in_place(std::span<double> logits) {
  if (logits.empty()) return;
  const double top = *std::max_element(logits.begin(), logits.end());
  double sum = 0.0;
  for (double& v : logits) {
    v = std::exp(v - top);
    sum += v;
  }
  for (double& v : logits) v /= sum;
}

std::vector<double> choice_probabilities(std::span<const double> x, std::size_t rows,
                                         std::span<const double> theta) {
  const std::size_t k = theta.size();
  std::vector<double> logits(rows, 0.0);
  for (std::size_t i = 0; i < rows; ++i) {
    for (std::size_t a = 0; a < k; ++a) logits[i] += theta[a] * x[i * k + a];
  }
  softmax_in_place(logits);
  return logits;
}

LogitFit fit_conditional_logit(const std::vector<ChoiceSet>& races, std::size_t k,
                               std::vector<double> start) {
  LogitFit fit;
  fit.theta = std::move(start);
  fit.theta.resize(k, 0.0);
  Evaluation current = evaluate(races, k, fit.theta, true);
  for (fit.iterations = 0; fit.iterations < 100; ++fit.iterations) {
    std::vector<double> negative_hessian(k * k);
    for (std::size_t i = 0; i < k * k; ++i) negative_hessian[i] = -current.hessian[i];
    for (std::size_t a = 0; a < k; ++a) negative_hessian[a * k + a] += 1e-9;
    std::vector<double> step;
    if (!solve(negative_hessian, current.gradient, k, step)) step = current.gradient;
    double scale = 1.0;
    bool improved = false;
    std::vector<double> candidate(k);
    for (int halving = 0; halving < 40; ++halving, scale *= 0.5) {
      for (std::size_t a = 0; a < k; ++a) candidate[a] = fit.theta[a] + scale * step[a];
      const double ll = evaluate(races, k, candidate, false).log_likelihood;
      if (ll >= current.log_likelihood) {
        improved = true;
        break;
      }
    }
    if (!improved) {
      fit.converged = true;
      break;
    }
    double change = 0.0;
    for (std::size_t a = 0; a < k; ++a) change = std::max(change, std::abs(candidate[a] - fit.theta[a]));
    fit.theta = candidate;
    current = evaluate(races, k, fit.theta, true);
    if (change < 1e-8) {
      fit.converged = true;
      break;
    }
  }
  fit.log_likelihood = current.log_likelihood;
  return fit;
}

}  // namespace paddock
