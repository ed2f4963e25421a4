// How good a set of win probabilities was, race by race, in the measures racing analysts use
// (docs/features.md): winner hit, winner in the top 3, top-5 overlap, NDCG@5,
// race-level log loss and Benter's pseudo-R² (1 - LL_model / LL_uniform), and on Quinté+ races
// the bet's indicators. Quinté+ indicators are inclusive: an exact-order ticket also counts as
// désordre, bonus 4, bonus 4 sur 5 and bonus 3.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace paddock {

// One bucket of a calibration curve: the runners whose predicted win probability fell in
// [low, high), their mean prediction and how often they won.
struct CalibrationBucket {
  double low = 0.0;
  double high = 0.0;
  std::int64_t runners = 0;
  double mean_probability = 0.0;
  double win_rate = 0.0;
};

// The edges of the calibration buckets: fine where most runners are (a field of 8 to 16 puts
// most probabilities under 0.2), coarse above.
inline constexpr std::array<double, 13> kCalibrationEdges{0.0, 0.02, 0.04, 0.06, 0.08, 0.10, 0.15,
                                                          0.20, 0.30, 0.40, 0.50, 0.70, 1.0000001};

struct MetricsSummary {
  std::string name;
  std::int64_t races = 0;
  double winner_hit = 0.0;      // share of races whose top pick won
  double winner_in_top3 = 0.0;  // share of races whose winner was among the top 3 picks
  double top5_overlap = 0.0;    // mean |top 5 picks ∩ first 5 home|, 0-5
  double ndcg5 = 0.0;           // mean NDCG@5 with gain max(0, 6 - position)
  double log_loss = 0.0;        // mean -log p(winner)
  double uniform_log_loss = 0.0;  // mean log(field size)
  double pseudo_r2 = 0.0;       // 1 - log_loss / uniform_log_loss
  std::int64_t quinte_races = 0;
  double quinte_ordre = 0.0;
  double quinte_desordre = 0.0;
  double quinte_bonus4 = 0.0;
  double quinte_bonus4sur5 = 0.0;
  double quinte_bonus3 = 0.0;
  std::vector<CalibrationBucket> calibration;  // the buckets that hold runners
};

// The best PMU Quinté+ claim of a five-horse ticket (numbers, in pick order) against the first
// five home (numbers, in order): "ordre", "désordre", "bonus 4" (the first four in the ticket),
// "bonus 3" (the first three), or "" (nothing, or fewer than five on either side).
std::string quinte_claim(std::span<const int> ticket, std::span<const int> arrival);

class RaceMetrics {
 public:
  explicit RaceMetrics(std::string name) : name_(std::move(name)) {}

  // One race: the predictor's probabilities, saddle-cloth numbers (for ties) and finishing
  // positions (nullopt: not classified), all in the same runner order. Races without a winner
  // are ignored.
  void add(std::span<const double> probabilities, std::span<const int> numbers,
           std::span<const std::optional<int>> positions, bool is_quinte);
  MetricsSummary summary() const;

 private:
  std::string name_;
  std::int64_t races_ = 0;
  double winner_hits_ = 0, winner_top3_ = 0, overlap_ = 0, ndcg_ = 0, log_loss_ = 0, uniform_ = 0;
  std::int64_t quinte_races_ = 0;
  double ordre_ = 0, desordre_ = 0, bonus4_ = 0, bonus4sur5_ = 0, bonus3_ = 0;
  struct Bucket {
    std::int64_t runners = 0;
    double probability = 0.0;
    std::int64_t wins = 0;
  };
  std::array<Bucket, kCalibrationEdges.size() - 1> buckets_{};
};

}  // namespace paddock
