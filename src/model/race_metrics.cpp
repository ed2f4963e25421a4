#include "model/race_metrics.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace paddock {
namespace {

std::vector<std::size_t> predicted_order(std::span<const double> p, std::span<const int> numbers) {
  std::vector<std::size_t> order(p.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (p[a] != p[b]) return p[a] > p[b];
    return numbers[a] < numbers[b];
  });
  return order;
}

std::vector<std::size_t> finishing_order(std::span<const std::optional<int>> positions) {
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < positions.size(); ++i) {
    if (positions[i]) order.push_back(i);
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return *positions[a] < *positions[b]; });
  return order;
}

double gain(const std::optional<int>& position) {
  return position ? std::max(0, 6 - *position) : 0.0;
}

bool contains(std::span<const std::size_t> set, std::size_t value) {
  return std::find(set.begin(), set.end(), value) != set.end();
}

}  // namespace

std::string quinte_claim(std::span<const int> ticket, std::span<const int> arrival) {
  if (ticket.size() < 5 || arrival.size() < 5) return "";
  const std::span<const int> pick = ticket.first(5);
  auto first_in_pick = [&](std::size_t count) {
    return std::all_of(arrival.begin(), arrival.begin() + static_cast<std::ptrdiff_t>(count),
                       [&](int number) { return std::find(pick.begin(), pick.end(), number) != pick.end(); });
  };
  if (std::equal(pick.begin(), pick.end(), arrival.begin())) return "ordre";
  if (first_in_pick(5)) return "désordre";
  if (first_in_pick(4)) return "bonus 4";
  if (first_in_pick(3)) return "bonus 3";
  return "";
}

void RaceMetrics::add(std::span<const double> probabilities, std::span<const int> numbers,
                      std::span<const std::optional<int>> positions, bool is_quinte) {
  const std::size_t n = probabilities.size();
  double winner_probability = 0.0;
  bool has_winner = false;
  for (std::size_t i = 0; i < n; ++i) {
    if (positions[i] == 1) {
      winner_probability += probabilities[i];
      has_winner = true;
    }
  }
  if (!has_winner || n < 2) return;
  ++races_;
  const std::vector<std::size_t> picks = predicted_order(probabilities, numbers);
  const std::vector<std::size_t> home = finishing_order(positions);

  winner_hits_ += positions[picks[0]] == 1 ? 1.0 : 0.0;
  bool winner_top3 = false;
  for (std::size_t k = 0; k < std::min<std::size_t>(3, n); ++k) winner_top3 |= positions[picks[k]] == 1;
  winner_top3_ += winner_top3 ? 1.0 : 0.0;

  const std::size_t top = std::min<std::size_t>(5, n);
  const std::span<const std::size_t> pick5(picks.data(), top);
  const std::span<const std::size_t> home5(home.data(), std::min<std::size_t>(5, home.size()));
  std::size_t overlap = 0;
  for (std::size_t i : home5) overlap += contains(pick5, i) ? 1 : 0;
  overlap_ += static_cast<double>(overlap);

  double dcg = 0.0, ideal = 0.0;
  for (std::size_t k = 0; k < top; ++k) {
    const double discount = 1.0 / std::log2(static_cast<double>(k) + 2.0);
    dcg += gain(positions[picks[k]]) * discount;
    if (k < home.size()) ideal += gain(positions[home[k]]) * discount;
  }
  ndcg_ += ideal > 0 ? dcg / ideal : 0.0;

  log_loss_ += -std::log(std::max(winner_probability, 1e-15));
  uniform_ += std::log(static_cast<double>(n));

  for (std::size_t i = 0; i < n; ++i) {
    const auto edge = std::upper_bound(kCalibrationEdges.begin(), kCalibrationEdges.end(), probabilities[i]);
    const auto index = std::clamp<std::ptrdiff_t>(edge - kCalibrationEdges.begin() - 1, 0,
                                                  static_cast<std::ptrdiff_t>(buckets_.size()) - 1);
    Bucket& bucket = buckets_[static_cast<std::size_t>(index)];
    ++bucket.runners;
    bucket.probability += probabilities[i];
    bucket.wins += positions[i] == 1 ? 1 : 0;
  }

  if (!is_quinte || home.size() < 5 || n < 5) return;
  ++quinte_races_;
  const bool ordre = std::equal(home5.begin(), home5.end(), pick5.begin());
  auto all_in_pick = [&](std::size_t count) {
    for (std::size_t k = 0; k < count; ++k) {
      if (!contains(pick5, home[k])) return false;
    }
    return true;
  };
  ordre_ += ordre ? 1.0 : 0.0;
  desordre_ += overlap == 5 ? 1.0 : 0.0;
  bonus4_ += all_in_pick(4) ? 1.0 : 0.0;
  bonus4sur5_ += overlap >= 4 ? 1.0 : 0.0;
  bonus3_ += all_in_pick(3) ? 1.0 : 0.0;
}

MetricsSummary RaceMetrics::summary() const {
  MetricsSummary s;
  s.name = name_;
  s.races = races_;
  if (races_ > 0) {
    const double n = static_cast<double>(races_);
    s.winner_hit = winner_hits_ / n;
    s.winner_in_top3 = winner_top3_ / n;
    s.top5_overlap = overlap_ / n;
    s.ndcg5 = ndcg_ / n;
    s.log_loss = log_loss_ / n;
    s.uniform_log_loss = uniform_ / n;
    s.pseudo_r2 = uniform_ > 0 ? 1.0 - log_loss_ / uniform_ : 0.0;
  }
  s.quinte_races = quinte_races_;
  if (quinte_races_ > 0) {
    const double q = static_cast<double>(quinte_races_);
    s.quinte_ordre = ordre_ / q;
    s.quinte_desordre = desordre_ / q;
    s.quinte_bonus4 = bonus4_ / q;
    s.quinte_bonus4sur5 = bonus4sur5_ / q;
    s.quinte_bonus3 = bonus3_ / q;
  }
  for (std::size_t b = 0; b < buckets_.size(); ++b) {
    if (buckets_[b].runners == 0) continue;
    const double runners = static_cast<double>(buckets_[b].runners);
    s.calibration.push_back({kCalibrationEdges[b], std::min(1.0, kCalibrationEdges[b + 1]), buckets_[b].runners,
                             buckets_[b].probability / runners, static_cast<double>(buckets_[b].wins) / runners});
  }
  return s;
}

}  // namespace paddock
