#include "model/backtest.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace paddock {
namespace {

// The index of the largest value, ties to the lowest saddle-cloth number.
std::size_t best_of(std::span<const double> values, std::span<const int> numbers, bool smallest) {
  std::size_t best = 0;
  for (std::size_t i = 1; i < values.size(); ++i) {
    const bool better = smallest ? values[i] < values[best] : values[i] > values[best];
    if (better || (values[i] == values[best] && numbers[i] < numbers[best])) best = i;
  }
  return best;
}

}  // namespace

Backtest::Backtest(BacktestOptions options) : options_(options) {
  top_pick_.result.name = "top pick";
  top_pick_.result.rule = "1 unit on the model's most likely winner";
  value_.result.name = fmt::format("value >= {:g}", options_.value_threshold);
  value_.result.rule = fmt::format("1 unit on each runner with p x odds >= {:g} and p >= {:g}",
                                   options_.value_threshold, options_.min_probability);
  kelly_.result.name = fmt::format("Kelly x{:g}", options_.kelly_fraction);
  kelly_.result.rule = fmt::format(
      "{:g} of the Kelly stake on each runner with p x odds > 1, from a bankroll of {:g} units; at most "
      "{:g}% of it on a runner and {:g}% on a race",
      options_.kelly_fraction, options_.kelly_bankroll, options_.kelly_runner_cap * 100, options_.kelly_race_cap * 100);
  favourite_.result.name = "market favourite";
  favourite_.result.rule = "1 unit on the shortest-odds runner (the baseline)";
}

bool Backtest::add(const BacktestRace& race) {
  const std::size_t n = race.numbers.size();
  if (n == 0 || race.probabilities.size() != n || race.odds.size() != n || race.won.size() != n) return false;
  if (std::none_of(race.won.begin(), race.won.end(), [](bool w) { return w; })) return false;
  if (std::any_of(race.odds.begin(), race.odds.end(), [](double o) { return !(o >= 1.0) || !std::isfinite(o); })) {
    return false;
  }
  ++races_;
  std::vector<double> stakes(n, 0.0);

  stakes[best_of(race.probabilities, race.numbers, false)] = 1.0;
  settle(top_pick_, race, stakes);

  std::fill(stakes.begin(), stakes.end(), 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    const double p = race.probabilities[i];
    if (p >= options_.min_probability && p * race.odds[i] >= options_.value_threshold) stakes[i] = 1.0;
  }
  settle(value_, race, stakes);

  std::fill(stakes.begin(), stakes.end(), 0.0);
  const double bankroll = options_.kelly_bankroll + kelly_.result.profit;
  if (bankroll > 0) {
    double total = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      const double p = race.probabilities[i];
      const double odds = race.odds[i];
      const double edge = p * odds - 1.0;
      if (edge <= 0 || odds <= 1.0) continue;
      const double kelly = options_.kelly_fraction * edge / (odds - 1.0);
      stakes[i] = bankroll * std::min(kelly, options_.kelly_runner_cap);
      total += stakes[i];
    }
    const double race_cap = bankroll * options_.kelly_race_cap;
    if (total > race_cap) {
      for (double& stake : stakes) stake *= race_cap / total;
    }
  }
  settle(kelly_, race, stakes);

  std::fill(stakes.begin(), stakes.end(), 0.0);
  stakes[best_of(race.odds, race.numbers, true)] = 1.0;
  settle(favourite_, race, stakes);
  return true;
}

void Backtest::settle(Account& account, const BacktestRace& race, std::span<const double> stakes) {
  StrategyResult& r = account.result;
  bool any = false;
  for (std::size_t i = 0; i < stakes.size(); ++i) {
    if (stakes[i] <= 0) continue;
    any = true;
    ++r.bets;
    r.staked += stakes[i];
    if (race.won[i]) {
      ++r.winning_bets;
      r.returned += stakes[i] * race.odds[i];
      account.losing_run = 0;
    } else {
      ++account.losing_run;
      r.longest_losing_run = std::max(r.longest_losing_run, account.losing_run);
    }
  }
  if (any) ++r.races_bet;
  r.profit = r.returned - r.staked;
  account.peak = std::max(account.peak, r.profit);
  r.max_drawdown = std::max(r.max_drawdown, account.peak - r.profit);
  r.cumulative.push_back(r.profit);
}

BacktestResult Backtest::result() const {
  BacktestResult result;
  result.races = races_;
  for (const Account* account : {&top_pick_, &value_, &kelly_, &favourite_}) {
    StrategyResult r = account->result;
    r.roi = r.staked > 0 ? r.profit / r.staked : 0.0;
    r.hit_rate = r.bets > 0 ? static_cast<double>(r.winning_bets) / static_cast<double>(r.bets) : 0.0;
    result.strategies.push_back(std::move(r));
  }
  result.limits =
      "Final pari-mutuel win odds, known only after the off; one's own stakes would have lowered them (not "
      "modelled); the take-out is inside the odds; a dead heat pays each winner its full odds.";
  return result;
}

}  // namespace paddock
