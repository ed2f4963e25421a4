#include "demo/demo_generator.h"

#include <gtest/gtest.h>

#include <tuple>

#include <cmath>

#include "demo/win_probability.h"
#include "support/test_fixture.h"

namespace paddock {
namespace {

using testing::query_int;
using testing::query_text;

std::string make_demo(const testing::TempDir& dir, const std::string& name, std::uint64_t seed, int races) {
  const std::string path = dir.file(name);
  std::unique_ptr<Database> db = testing::open_or_die(path);
  DemoOptions options;
  options.races = races;
  options.seed = seed;
  options.start = *parse_day("2021-06-01");
  options.days_ahead = 1;
  Result<DemoReport> report = generate_demo(*db, options, [](std::string_view) {});
  EXPECT_TRUE(report.ok());
  EXPECT_EQ(report->races, races);
  return path;
}

TEST(DemoGenerator, SameSeedGivesTheSameDataDifferentSeedDoesNot) {
  testing::TempDir dir("demo-determinism");
  const std::string a = make_demo(dir, "a.db", 11, 400);
  const std::string b = make_demo(dir, "b.db", 11, 400);
  const std::string c = make_demo(dir, "c.db", 12, 400);
  // Compare every column of every row through SQLite's own text form.
  auto table_text = [](const std::string& db, const char* select) { return query_text(db, select); };
  for (const char* select :
       {"SELECT group_concat(id || race_date || meeting_no || race_no || venue_id || name || discipline || "
        "distance_m || prize_eur || category || is_quinte || coalesce(going, '') || status, '|') FROM races",
        "SELECT group_concat(race_id || number || horse_id || jockey_id || trainer_id || age || sex || "
        "coalesce(draw, '') || coalesce(weight_kg, '') || coalesce(handicap_distance_m, '') || "
        "coalesce(musique, '') || career_starts || career_wins || career_places || career_earnings_eur || "
        "coalesce(morning_odds, '') || coalesce(final_odds, '') || non_runner || "
        "coalesce(finish_position, '') || coalesce(incident, ''), '|') FROM runners",
        "SELECT group_concat(race_id || number || printf('%.17g', win_probability), '|') FROM demo_truth",
        "SELECT group_concat(id || key || name || sex || birth_year, '|') FROM horses"}) {
    EXPECT_EQ(table_text(a, select), table_text(b, select)) << select;
    EXPECT_NE(table_text(a, select), table_text(c, select)) << select;
  }
}

class DemoRealism : public ::testing::Test {
 protected:
  void SetUp() override { db_ = testing::demo_database_copy(dir_.path()); }
  double real(const std::string& sql) const { return std::stod(query_text(db_, sql)); }
  testing::TempDir dir_{"demo-realism"};
  std::string db_;
};

TEST_F(DemoRealism, TheFavouriteWinsAboutAThirdWithAParimutuelOverround) {
  const double favourite = real(
      "SELECT AVG(won) FROM (SELECT r.id, (SELECT finish_position = 1 FROM runners x WHERE x.race_id = r.id AND "
      "x.final_odds IS NOT NULL ORDER BY x.final_odds, x.number LIMIT 1) AS won FROM races r WHERE r.status = 'finished')");
  EXPECT_GT(favourite, 0.26);
  EXPECT_LT(favourite, 0.38);
  const double overround = real(
      "SELECT AVG(s) FROM (SELECT SUM(1.0 / final_odds) s FROM runners WHERE non_runner = 0 AND final_odds "
      "IS NOT NULL GROUP BY race_id)");
  EXPECT_GT(overround, 1.15);
  EXPECT_LT(overround, 1.30);
}

TEST_F(DemoRealism, FieldsDisciplinesAndOneQuintePerDay) {
  EXPECT_GE(query_int(db_, "SELECT MIN(n) FROM (SELECT COUNT(*) n FROM runners GROUP BY race_id)"), 5);
  EXPECT_LE(query_int(db_, "SELECT MAX(n) FROM (SELECT COUNT(*) n FROM runners GROUP BY race_id)"), 20);
  EXPECT_EQ(query_int(db_, "SELECT COUNT(DISTINCT discipline) FROM races"), 6);
  EXPECT_EQ(query_int(db_, "SELECT COUNT(*) FROM (SELECT race_date FROM races GROUP BY race_date HAVING SUM(is_quinte) != 1)"), 0);
  EXPECT_GE(query_int(db_, "SELECT MIN(n) FROM (SELECT COUNT(*) n FROM runners ru JOIN races r ON r.id = ru.race_id "
                           "WHERE r.is_quinte = 1 GROUP BY r.id)"), 14);
  EXPECT_LE(query_int(db_, "SELECT MAX(n) FROM (SELECT COUNT(*) n FROM runners ru JOIN races r ON r.id = ru.race_id "
                           "WHERE r.is_quinte = 1 GROUP BY r.id)"), 18);
  EXPECT_GT(query_int(db_, "SELECT COUNT(*) FROM runners WHERE non_runner = 1"), 0);
  EXPECT_GT(query_int(db_, "SELECT COUNT(*) FROM runners WHERE incident = 'disqualified'"), 0);
  EXPECT_GT(query_int(db_, "SELECT COUNT(*) FROM runners WHERE incident = 'fell'"), 0);
}

TEST_F(DemoRealism, UpcomingDaysHaveRunnersAndMorningOddsButNoResults) {
  const std::string last = query_text(db_, "SELECT MAX(race_date) FROM races");
  EXPECT_EQ(query_text(db_, "SELECT DISTINCT status FROM races WHERE race_date = '" + last + "'"), "scheduled");
  EXPECT_EQ(query_int(db_, "SELECT COUNT(*) FROM runners ru JOIN races r ON r.id = ru.race_id WHERE r.status = "
                           "'scheduled' AND (ru.finish_position IS NOT NULL OR ru.final_odds IS NOT NULL)"), 0);
  EXPECT_EQ(query_int(db_, "SELECT COUNT(*) FROM runners ru JOIN races r ON r.id = ru.race_id WHERE r.status = "
                           "'scheduled' AND ru.morning_odds IS NULL"), 0);
  EXPECT_EQ(query_int(db_, "SELECT COUNT(*) FROM runners WHERE non_runner = 1 AND finish_position IS NOT NULL"), 0);
}

TEST_F(DemoRealism, TimesFollowTheFinishingOrderAndStayWithinRealPaces) {
  // Every finisher of a run race has a time and a beaten distance, the winner 0 lengths; a
  // runner without a place, a non-runner and an upcoming race have none.
  EXPECT_EQ(query_int(db_, "SELECT COUNT(*) FROM runners ru JOIN races r ON r.id = ru.race_id WHERE r.status = 'finished' "
                           "AND ru.finish_position IS NOT NULL AND (ru.finish_time_s IS NULL OR ru.beaten_lengths IS NULL)"), 0);
  EXPECT_EQ(query_int(db_, "SELECT COUNT(*) FROM runners WHERE finish_position IS NULL AND "
                           "(finish_time_s IS NOT NULL OR beaten_lengths IS NOT NULL OR reduction_km_s IS NOT NULL)"), 0);
  EXPECT_EQ(query_int(db_, "SELECT COUNT(*) FROM runners WHERE finish_position = 1 AND beaten_lengths != 0"), 0);
  EXPECT_EQ(query_int(db_, "SELECT COUNT(*) FROM races WHERE status = 'finished' AND winning_time_s IS NULL"), 0);
  EXPECT_EQ(query_int(db_, "SELECT COUNT(*) FROM races WHERE status = 'scheduled' AND winning_time_s IS NOT NULL"), 0);
  EXPECT_EQ(query_int(db_, "SELECT COUNT(*) FROM races r JOIN runners ru ON ru.race_id = r.id AND ru.finish_position = 1 "
                           "WHERE ABS(ru.finish_time_s - r.winning_time_s) > 1e-9"), 0);
  // Further back, further beaten; at one distance (no trot handicap), slower.
  EXPECT_EQ(query_int(db_, "SELECT COUNT(*) FROM runners a JOIN runners b ON a.race_id = b.race_id AND "
                           "b.finish_position = a.finish_position + 1 WHERE b.beaten_lengths < a.beaten_lengths"), 0);
  EXPECT_EQ(query_int(db_, "SELECT COUNT(*) FROM runners a JOIN runners b ON a.race_id = b.race_id AND "
                           "b.finish_position = a.finish_position + 1 JOIN races r ON r.id = a.race_id "
                           "WHERE r.discipline IN ('plat', 'haies', 'steeple', 'cross') AND b.finish_time_s < a.finish_time_s"), 0);
  // Winners' speeds (m/s) as races are run: flat about 15-18, trot about 13-15.5, jumps 11.5-16.
  for (const auto& [disciplines, low, high] :
       {std::tuple{"'plat'", 14.5, 18.5}, std::tuple{"'attele', 'monte'", 12.5, 15.5},
        std::tuple{"'haies', 'steeple', 'cross'", 11.0, 16.5}}) {
    const std::string where = std::string(" FROM races WHERE winning_time_s IS NOT NULL AND discipline IN (") + disciplines + ")";
    EXPECT_GT(real("SELECT MIN(distance_m / winning_time_s)" + where), low) << disciplines;
    EXPECT_LT(real("SELECT MAX(distance_m / winning_time_s)" + where), high) << disciplines;
  }
  // The réduction kilométrique is the trotters' time per km of the distance each one raced.
  EXPECT_EQ(query_int(db_, "SELECT COUNT(*) FROM runners ru JOIN races r ON r.id = ru.race_id WHERE "
                           "r.discipline IN ('attele', 'monte') AND ru.finish_time_s IS NOT NULL AND "
                           "ABS(ru.reduction_km_s - ru.finish_time_s / (ru.handicap_distance_m / 1000.0)) > 0.051"), 0);
  EXPECT_EQ(query_int(db_, "SELECT COUNT(*) FROM runners ru JOIN races r ON r.id = ru.race_id WHERE "
                           "r.discipline NOT IN ('attele', 'monte') AND ru.reduction_km_s IS NOT NULL"), 0);
  // Flat and jump runners have the handicapper's rating, trotters none; the better rated win more.
  EXPECT_EQ(query_int(db_, "SELECT COUNT(*) FROM runners ru JOIN races r ON r.id = ru.race_id WHERE "
                           "(r.discipline IN ('attele', 'monte')) = (ru.official_rating IS NOT NULL)"), 0);
  EXPECT_GT(real("SELECT AVG(won) FROM (SELECT ru.finish_position = 1 AS won FROM runners ru JOIN races r ON r.id = ru.race_id "
                 "WHERE r.status = 'finished' AND ru.non_runner = 0 AND ru.official_rating = (SELECT MAX(x.official_rating) "
                 "FROM runners x WHERE x.race_id = ru.race_id AND x.non_runner = 0))"),
            real("SELECT AVG(finish_position = 1) FROM runners ru JOIN races r ON r.id = ru.race_id WHERE "
                 "r.status = 'finished' AND ru.non_runner = 0 AND ru.official_rating IS NOT NULL") * 1.5);
  EXPECT_GT(real("SELECT MIN(body_weight_kg) FROM runners"), 380.0);
  EXPECT_LT(real("SELECT MAX(body_weight_kg) FROM runners"), 560.0);
}

TEST_F(DemoRealism, CareerFiguresAndMusiqueFollowTheGeneratedHistory) {
  // Between two consecutive runs of a horse in the database, career starts rise by one, and the
  // later musique starts with the earlier run's result and discipline letter.
  const std::string pairs =
      "WITH runs AS (SELECT ru.horse_id, r.race_date, r.id, ru.career_starts, ru.career_wins, ru.musique, "
      "ru.finish_position, ru.incident, r.discipline, ROW_NUMBER() OVER (PARTITION BY ru.horse_id ORDER BY "
      "r.race_date, r.id) AS k FROM runners ru JOIN races r ON r.id = ru.race_id WHERE ru.non_runner = 0 AND "
      "r.status = 'finished') SELECT a.career_starts AS s0, b.career_starts AS s1, a.career_wins AS w0, "
      "b.career_wins AS w1, a.finish_position AS p, a.incident AS inc, b.musique AS m, "
      "substr(a.discipline, 1, 1) AS letter FROM runs a JOIN runs b ON a.horse_id = b.horse_id AND b.k = a.k + 1";
  EXPECT_GT(query_int(db_, "SELECT COUNT(*) FROM (" + pairs + ")"), 5000);
  EXPECT_EQ(query_int(db_, "SELECT COUNT(*) FROM (" + pairs + ") WHERE s1 != s0 + 1"), 0);
  EXPECT_EQ(query_int(db_, "SELECT COUNT(*) FROM (" + pairs + ") WHERE w1 != w0 + (p = 1)"), 0);
  // "(YY)" may open the musique when the year changed; skip it.
  const std::string head = "CASE WHEN substr(m, 1, 1) = '(' THEN substr(m, 5, 2) ELSE substr(m, 1, 2) END";
  EXPECT_EQ(query_int(db_, "SELECT COUNT(*) FROM (" + pairs + ") WHERE " + head + " != "
                           "(CASE WHEN inc = 'disqualified' THEN 'D' WHEN inc = 'pulled_up' THEN 'A' "
                           "WHEN inc IS NOT NULL THEN 'T' WHEN p <= 9 THEN CAST(p AS TEXT) ELSE '0' END) || letter"),
            0);
}

TEST_F(DemoRealism, TrueProbabilitiesSumToOneOverStarters) {
  EXPECT_EQ(query_int(db_, "SELECT COUNT(*) FROM (SELECT race_id, SUM(win_probability) s FROM demo_truth GROUP BY "
                           "race_id HAVING ABS(s - 1) > 1e-9)"), 0);
  EXPECT_EQ(query_int(db_, "SELECT COUNT(*) FROM demo_truth t JOIN runners r ON r.race_id = t.race_id AND "
                           "r.number = t.number WHERE r.non_runner = 1"), 0);
}

TEST(WinProbability, WithoutIncidentsItIsTheShareOfStrength) {
  const std::vector<double> w{1.0, 2.0, 5.0};
  const std::vector<double> q{0.0, 0.0, 0.0};
  const std::vector<double> p = demo::win_probabilities(w, q);
  EXPECT_NEAR(p[0], 0.125, 1e-12);
  EXPECT_NEAR(p[2], 0.625, 1e-12);
}

TEST(WinProbability, MatchesSimulationWhenRunnersMayNotFinish) {
  const std::vector<double> w{3.0, 1.0, 0.5, 0.2, 2.0};
  const std::vector<double> q{0.3, 0.05, 0.0, 0.1, 0.5};
  const std::vector<double> p = demo::win_probabilities(w, q);
  double sum = 0.0;
  for (double v : p) sum += v;
  EXPECT_NEAR(sum, 1.0, 1e-9);
  // Exact enumeration over the 2^5 incident patterns.
  std::vector<double> exact(w.size(), 0.0);
  double no_winner = 0.0;
  for (unsigned mask = 0; mask < (1U << w.size()); ++mask) {
    double probability = 1.0, total = 0.0;
    for (std::size_t i = 0; i < w.size(); ++i) {
      const bool finishes = (mask >> i) & 1U;
      probability *= finishes ? 1.0 - q[i] : q[i];
      if (finishes) total += w[i];
    }
    if (total == 0.0) {
      no_winner += probability;
      continue;
    }
    for (std::size_t i = 0; i < w.size(); ++i) {
      if ((mask >> i) & 1U) exact[i] += probability * w[i] / total;
    }
  }
  for (std::size_t i = 0; i < w.size(); ++i) EXPECT_NEAR(p[i], exact[i] / (1.0 - no_winner), 1e-6) << i;
}

}  // namespace
}  // namespace paddock
