// A betting backtest: what the model's probabilities would have won or lost at the win
// (simple gagnant) odds, race after race in date order, next to the market's favourite.
//
// Strategies, each over the same races:
//   - top pick: one unit on the model's most likely winner of every race;
//   - value: one unit on every runner whose value ratio p × odds reaches a threshold (and whose
//     probability is not negligible);
//   - fractional Kelly: a bankroll of 100 units, staking on every runner with an edge
//     (p × odds > 1) the chosen fraction of the Kelly stake (p × odds - 1) / (odds - 1) of the
//     bankroll before the race, at most a cap per runner and per race;
//   - market favourite (the baseline): one unit on the shortest-odds runner of every race.
//
// Limits, stated wherever the figures are shown: the odds are the final pari-mutuel odds, known
// only after the off; one's own stake would have lowered them (not modelled); the take-out is
// inside those odds. A dead heat pays each winner its full odds (the PMU splits the pool).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/date.h"

namespace paddock {

struct BacktestOptions {
  double value_threshold = 1.2;   // bet a runner when p × odds >= this
  double min_probability = 0.02;  // ... and p >= this (a long shot's p is the least reliable)
  double kelly_fraction = 0.25;   // a quarter Kelly
  double kelly_runner_cap = 0.05;  // of the bankroll, on one runner
  double kelly_race_cap = 0.10;    // of the bankroll, on one race
  double kelly_bankroll = 100.0;   // units at the start
};

// One race of the backtest: its starters' model probabilities, final odds and whether each won.
struct BacktestRace {
  Day day = 0;
  std::vector<int> numbers;
  std::vector<double> probabilities;
  std::vector<double> odds;  // decimal, stake included (a 1-unit winning bet returns `odds`)
  std::vector<bool> won;
};

struct StrategyResult {
  std::string name;
  std::string rule;            // the strategy in words
  std::int64_t races_bet = 0;  // races with at least one bet
  std::int64_t bets = 0;
  std::int64_t winning_bets = 0;
  double staked = 0.0;
  double returned = 0.0;
  double profit = 0.0;
  double roi = 0.0;       // profit / staked
  double hit_rate = 0.0;  // winning_bets / bets
  std::int64_t longest_losing_run = 0;  // losing bets in a row, in date order
  double max_drawdown = 0.0;            // largest fall of the cumulative profit from a peak, in units
  std::vector<double> cumulative;       // the profit so far after each race of the backtest
};

struct BacktestResult {
  std::int64_t races = 0;
  std::vector<StrategyResult> strategies;  // top pick, value, Kelly, market favourite
  std::string limits;                      // the caveats, in words
};

class Backtest {
 public:
  explicit Backtest(BacktestOptions options);

  // Races must come in date order. A race without a winner or with an odds value below 1 is
  // ignored (returns false).
  bool add(const BacktestRace& race);
  BacktestResult result() const;
  const BacktestOptions& options() const { return options_; }

 private:
  struct Account {
    StrategyResult result;
    std::int64_t losing_run = 0;
    double peak = 0.0;
  };
  // Settles one race's bets (stakes by runner index) for one strategy.
  static void settle(Account& account, const BacktestRace& race, std::span<const double> stakes);

  BacktestOptions options_;
  std::int64_t races_ = 0;
  Account top_pick_, value_, kelly_, favourite_;
};

}  // namespace paddock
