// Speed figures against pars of earlier days: what a par is made of, where it falls back to,
// how a runner's time is found, and that a race never figures against itself or its day.
#include "features/pace_book.h"

#include <gtest/gtest.h>

#include <cmath>

namespace paddock {
namespace {

constexpr Day kDay = 20000;

// A finished race of `field` starters at `venue`: the winner (number 1) in `winning_time_s`,
// the others classified behind with no time of their own.
std::vector<RunRecord> race(Day day, EntityId venue, double winning_time_s, int field = 4,
                            Discipline discipline = Discipline::kPlat, int distance_m = 2000) {
  std::vector<RunRecord> runs(static_cast<std::size_t>(field));
  for (int i = 0; i < field; ++i) {
    RunRecord& run = runs[static_cast<std::size_t>(i)];
    run.day = day;
    run.number = i + 1;
    run.horse_id = 100 + i;
    run.venue_id = venue;
    run.discipline = discipline;
    run.distance_m = distance_m;
    run.field_size = field;
    run.finish_position = i + 1;
    run.going = GoingClass::kGood;
    run.winning_time_s = winning_time_s;
  }
  return runs;
}

void figure_many(PaceBook& book, Day day, EntityId venue, double winning_time_s, int count) {
  for (int i = 0; i < count; ++i) book.figure(race(day, venue, winning_time_s));
}

TEST(PaceBook, NoParBeforeEnoughRacesOfEarlierDays) {
  PaceBook book;
  figure_many(book, kDay, 1, 120.0, 30);  // 30 races, all on one day
  // The day's own races never count for it: still no par.
  const std::vector<RunFigures> same_day = book.figure(race(kDay, 1, 120.0));
  EXPECT_TRUE(std::isnan(same_day[0].speed));
  // The next day they do (all 31 in 120 s): par 60 s/km, the winner ran 59 s/km.
  const std::vector<RunFigures> next_day = book.figure(race(kDay + 1, 1, 118.0));
  EXPECT_FLOAT_EQ(next_day[0].speed, 1.0F);
  EXPECT_TRUE(std::isnan(next_day[0].reduction));  // no réductions: no réduction figure
  // A very slow race earlier the same day leaves the pars of that day alone.
  PaceBook other;
  figure_many(other, kDay, 1, 120.0, 30);
  other.figure(race(kDay + 1, 1, 140.0));
  EXPECT_FLOAT_EQ(other.figure(race(kDay + 1, 1, 118.0))[0].speed, 1.0F);
}

TEST(PaceBook, TheVenueParIsUsedOnceItHasEnoughRaces) {
  PaceBook book;
  figure_many(book, kDay, 1, 120.0, PaceBook::kMinRaces);  // venue 1: 60 s/km
  figure_many(book, kDay, 2, 124.0, PaceBook::kMinRaces - 1);  // venue 2: 62 s/km, too few
  // Venue 2 falls back to every venue's par for the discipline, band and going.
  const double all_venues = (120.0 * 20 + 124.0 * 19) * 1000.0 / (2000.0 * 39) / 1.0;
  EXPECT_FLOAT_EQ(book.figure(race(kDay + 1, 2, 120.0))[0].speed, static_cast<float>(all_venues - 60.0));
  // Venue 1 has its own.
  EXPECT_FLOAT_EQ(book.figure(race(kDay + 1, 1, 122.0))[0].speed, -1.0F);
  // A race at an unknown distance band has no par at all.
  EXPECT_TRUE(std::isnan(book.figure(race(kDay + 1, 1, 200.0, 4, Discipline::kPlat, 3200))[0].speed));
}

TEST(PaceBook, RunnersTimesComeFromTheirOwnTimeTheirMarginOrTheRace) {
  PaceBook book;
  figure_many(book, kDay, 1, 120.0, 25);
  std::vector<RunRecord> runs = race(kDay + 1, 1, 120.0, 4);
  runs[1].finish_time_s = 121.0;    // its own time: 60.5 s/km
  runs[2].beaten_lengths = 5.0;     // 5 lengths of 2.4 m at 2000/120 m/s: 0.72 s behind
  // runs[3]: neither, so no figure.
  const std::vector<RunFigures> figures = book.figure(runs);
  EXPECT_FLOAT_EQ(figures[0].speed, 0.0F);
  EXPECT_FLOAT_EQ(figures[1].speed, -0.5F);
  EXPECT_FLOAT_EQ(figures[2].speed, static_cast<float>(60.0 - 120.72 / 2.0));
  EXPECT_TRUE(std::isnan(figures[3].speed));
}

TEST(PaceBook, TrottersGetAReductionFigureAndTheirReculCounts) {
  PaceBook book;
  for (int i = 0; i < 25; ++i) {
    std::vector<RunRecord> runs = race(kDay, 1, 150.0, 4, Discipline::kAttele, 2100);
    runs[0].reduction_km_s = 72.0;
    book.figure(runs);
  }
  std::vector<RunRecord> runs = race(kDay + 1, 1, 150.0, 4, Discipline::kAttele, 2100);
  runs[1].handicap_distance_m = 2125;  // 25 m behind
  runs[1].finish_time_s = 151.0;
  runs[1].reduction_km_s = 71.5;
  const std::vector<RunFigures> figures = book.figure(runs);
  EXPECT_FLOAT_EQ(figures[1].speed, static_cast<float>(150.0 * 1000.0 / 2100.0 - 151.0 * 1000.0 / 2125.0));
  EXPECT_FLOAT_EQ(figures[1].reduction, 0.5F);
  EXPECT_TRUE(std::isnan(figures[0].reduction));  // the winner's réduction is unknown today
}

TEST(PaceBook, ImplausibleTimesNeitherMakeParsNorFigures) {
  PaceBook book;
  figure_many(book, kDay, 1, 120.0, 25);
  figure_many(book, kDay + 1, 1, 1.0, 25);  // a typing error: 0.5 s/km
  std::vector<RunRecord> runs = race(kDay + 2, 1, 120.0);
  runs[1].finish_time_s = 12100.0;
  const std::vector<RunFigures> figures = book.figure(runs);
  EXPECT_FLOAT_EQ(figures[0].speed, 0.0F);  // the par is still 60 s/km
  EXPECT_TRUE(std::isnan(figures[1].speed));
}

TEST(PaceBook, ARaceWithoutAWinnerAddsNothing) {
  PaceBook book;
  for (int i = 0; i < 25; ++i) {
    std::vector<RunRecord> runs = race(kDay, 1, 120.0);
    for (RunRecord& run : runs) run.finish_position.reset();
    book.figure(runs);
  }
  EXPECT_TRUE(std::isnan(book.figure(race(kDay + 1, 1, 120.0))[0].speed));
}

TEST(PaceBook, GoingIsReadFromStoredAndPmuLabels) {
  EXPECT_EQ(going_class_of("BON"), GoingClass::kGood);
  EXPECT_EQ(going_class_of("Bon léger"), GoingClass::kGood);
  EXPECT_EQ(going_class_of("Bon souple"), GoingClass::kSoft);
  EXPECT_EQ(going_class_of("SOUPLE"), GoingClass::kSoft);
  EXPECT_EQ(going_class_of("Très souple"), GoingClass::kHeavy);
  EXPECT_EQ(going_class_of("LOURD"), GoingClass::kHeavy);
  EXPECT_EQ(going_class_of("PSF STANDARD"), GoingClass::kAllWeather);
  EXPECT_EQ(going_class_of(""), GoingClass::kUnknown);
  EXPECT_EQ(going_class_of("?"), GoingClass::kUnknown);
}

}  // namespace
}  // namespace paddock
