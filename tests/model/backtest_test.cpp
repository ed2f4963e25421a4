#include "model/backtest.h"
#include "model/race_metrics.h"

#include <gtest/gtest.h>

namespace paddock {
namespace {

BacktestRace race(std::vector<double> p, std::vector<double> odds, int winner) {
  BacktestRace r;
  for (std::size_t i = 0; i < p.size(); ++i) {
    r.numbers.push_back(static_cast<int>(i) + 1);
    r.won.push_back(static_cast<int>(i) + 1 == winner);
  }
  r.probabilities = std::move(p);
  r.odds = std::move(odds);
  return r;
}

const StrategyResult& strategy(const BacktestResult& result, std::size_t index) { return result.strategies.at(index); }

// Three races worked by hand (value threshold 1.2, min p 0.02, quarter Kelly from 100 units,
// caps 5% a runner and 10% a race):
//   race 1: p .5 .3 .2, odds 1.8 5 7, #2 wins. Top pick #1 loses; value bets #2 (1.5) and #3
//           (1.4), #2 returns 5; Kelly stakes 100 x .25 x .5/4 = 3.125 on #2 and
//           100 x .25 x .4/6 = 1.6667 on #3, returns 15.625; the favourite #1 (1.8) loses.
//   race 2: p .4 .3 .2 .1, odds 3.5 2.5 4 8, #1 wins. Top pick and value (#1 only, 1.4) win
//           3.5; Kelly stakes 110.8333 x .25 x .4/2.5 = 4.4333 on #1, returns 15.5167; the
//           favourite #2 (2.5) loses.
//   race 3: p .6 .4, odds 1.4 3.5, #2 wins. Top pick #1 loses; value #2 (1.4) returns 3.5;
//           Kelly stakes 121.9167 x .04 = 4.8767 on #2, returns 17.0683; the favourite loses.
TEST(Backtest, ThreeRacesByHand) {
  Backtest backtest{BacktestOptions{}};
  ASSERT_TRUE(backtest.add(race({0.5, 0.3, 0.2}, {1.8, 5.0, 7.0}, 2)));
  ASSERT_TRUE(backtest.add(race({0.4, 0.3, 0.2, 0.1}, {3.5, 2.5, 4.0, 8.0}, 1)));
  ASSERT_TRUE(backtest.add(race({0.6, 0.4}, {1.4, 3.5}, 2)));
  const BacktestResult result = backtest.result();
  EXPECT_EQ(result.races, 3);
  ASSERT_EQ(result.strategies.size(), 4U);

  const StrategyResult& top = strategy(result, 0);
  EXPECT_EQ(top.name, "top pick");
  EXPECT_EQ(top.bets, 3);
  EXPECT_EQ(top.winning_bets, 1);
  EXPECT_DOUBLE_EQ(top.staked, 3.0);
  EXPECT_DOUBLE_EQ(top.returned, 3.5);
  EXPECT_DOUBLE_EQ(top.profit, 0.5);
  EXPECT_NEAR(top.roi, 0.5 / 3, 1e-12);
  EXPECT_NEAR(top.hit_rate, 1.0 / 3, 1e-12);
  EXPECT_EQ(top.longest_losing_run, 1);
  EXPECT_DOUBLE_EQ(top.max_drawdown, 1.0);
  EXPECT_EQ(top.cumulative, (std::vector<double>{-1.0, 1.5, 0.5}));

  const StrategyResult& value = strategy(result, 1);
  EXPECT_EQ(value.name, "value >= 1.2");
  EXPECT_EQ(value.races_bet, 3);
  EXPECT_EQ(value.bets, 4);
  EXPECT_EQ(value.winning_bets, 3);
  EXPECT_DOUBLE_EQ(value.returned, 12.0);
  EXPECT_DOUBLE_EQ(value.profit, 8.0);
  EXPECT_DOUBLE_EQ(value.roi, 2.0);
  EXPECT_EQ(value.longest_losing_run, 1);
  EXPECT_DOUBLE_EQ(value.max_drawdown, 0.0);
  EXPECT_EQ(value.cumulative, (std::vector<double>{3.0, 5.5, 8.0}));

  const StrategyResult& kelly = strategy(result, 2);
  EXPECT_EQ(kelly.bets, 4);
  EXPECT_EQ(kelly.winning_bets, 3);
  const double stake1 = 3.125 + 100 * 0.25 * 0.4 / 6;
  const double profit1 = 15.625 - stake1;
  const double stake2 = (100 + profit1) * 0.04;
  const double profit2 = profit1 + stake2 * 2.5;
  const double stake3 = (100 + profit2) * 0.04;
  const double profit3 = profit2 + stake3 * 2.5;
  EXPECT_NEAR(kelly.staked, stake1 + stake2 + stake3, 1e-9);
  EXPECT_NEAR(kelly.profit, profit3, 1e-9);
  EXPECT_NEAR(profit3, 34.108333333, 1e-6);
  EXPECT_NEAR(kelly.roi, profit3 / (stake1 + stake2 + stake3), 1e-9);
  ASSERT_EQ(kelly.cumulative.size(), 3U);
  EXPECT_NEAR(kelly.cumulative[0], profit1, 1e-9);
  EXPECT_DOUBLE_EQ(kelly.max_drawdown, 0.0);

  const StrategyResult& favourite = strategy(result, 3);
  EXPECT_EQ(favourite.name, "market favourite");
  EXPECT_EQ(favourite.bets, 3);
  EXPECT_EQ(favourite.winning_bets, 0);
  EXPECT_DOUBLE_EQ(favourite.profit, -3.0);
  EXPECT_DOUBLE_EQ(favourite.roi, -1.0);
  EXPECT_EQ(favourite.longest_losing_run, 3);
  EXPECT_DOUBLE_EQ(favourite.max_drawdown, 3.0);
}

TEST(Backtest, KellyStakesAreCappedPerRunnerAndPerRace) {
  // Edges so large that the quarter Kelly of each runner passes 5%: each is cut to 5, and
  // three of them (15) to the race's 10.
  Backtest backtest{BacktestOptions{}};
  ASSERT_TRUE(backtest.add(race({0.3, 0.3, 0.3, 0.1}, {10.0, 10.0, 10.0, 1.5}, 1)));
  const StrategyResult kelly = backtest.result().strategies.at(2);
  EXPECT_EQ(kelly.bets, 3);
  EXPECT_NEAR(kelly.staked, 10.0, 1e-12);
  EXPECT_NEAR(kelly.returned, 10.0 / 3 * 10.0, 1e-12);
}

TEST(Backtest, RacesWithoutAWinnerOrWithBadOddsAreLeftOut) {
  Backtest backtest{BacktestOptions{}};
  EXPECT_FALSE(backtest.add(race({0.5, 0.5}, {2.0, 2.0}, 0)));      // no winner
  EXPECT_FALSE(backtest.add(race({0.5, 0.5}, {0.5, 2.0}, 1)));      // odds below 1
  EXPECT_FALSE(backtest.add(race({0.5, 0.5}, {2.0}, 1)));           // sizes differ
  EXPECT_EQ(backtest.result().races, 0);
  EXPECT_EQ(backtest.result().strategies.at(0).bets, 0);
  EXPECT_DOUBLE_EQ(backtest.result().strategies.at(0).roi, 0.0);
}

TEST(Backtest, ATiedTopPickGoesToTheLowerNumberAndTheOptionsNameTheStrategies) {
  BacktestOptions options;
  options.value_threshold = 1.5;
  options.kelly_fraction = 0.5;
  Backtest backtest(options);
  ASSERT_TRUE(backtest.add(race({0.4, 0.4, 0.2}, {2.0, 2.0, 5.0}, 2)));
  const BacktestResult result = backtest.result();
  EXPECT_EQ(result.strategies.at(0).winning_bets, 0);  // #1 picked, #2 won
  EXPECT_EQ(result.strategies.at(3).winning_bets, 0);  // the favourite: #1 too
  EXPECT_EQ(result.strategies.at(1).name, "value >= 1.5");
  EXPECT_EQ(result.strategies.at(2).name, "Kelly x0.5");
  EXPECT_NE(result.limits.find("pari-mutuel"), std::string::npos);
}

TEST(QuinteClaim, TheBestClaimOfATicket) {
  const std::vector<int> ticket{7, 3, 12, 1, 9};
  EXPECT_EQ(quinte_claim(ticket, std::vector<int>{7, 3, 12, 1, 9}), "ordre");
  EXPECT_EQ(quinte_claim(ticket, std::vector<int>{3, 7, 12, 9, 1}), "désordre");
  EXPECT_EQ(quinte_claim(ticket, std::vector<int>{1, 12, 3, 7, 5}), "bonus 4");
  EXPECT_EQ(quinte_claim(ticket, std::vector<int>{9, 1, 12, 5, 3}), "bonus 3");
  EXPECT_EQ(quinte_claim(ticket, std::vector<int>{9, 5, 12, 1, 3}), "");
  EXPECT_EQ(quinte_claim(ticket, std::vector<int>{7, 3, 12, 1}), "");  // fewer than five home
  EXPECT_EQ(quinte_claim(std::vector<int>{7, 3, 12, 1}, std::vector<int>{7, 3, 12, 1, 9}), "");
}

}  // namespace
}  // namespace paddock
