#include "features/musique.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace paddock {
namespace {

TEST(Musique, ReadsRecentFirstWithYearMarkers) {
  // The real example of pmu-format.md: 3m and 4m this season, then 2024, then 2023.
  const Musique m = parse_musique("3m4m(24)7m5m2m1mDm(23)8m");
  ASSERT_EQ(m.runs.size(), 8U);
  EXPECT_EQ(m.skipped_characters, 0);
  EXPECT_EQ(m.runs[0].place, 3);
  EXPECT_EQ(m.runs[0].discipline, Discipline::kMonte);
  EXPECT_EQ(m.runs[0].seasons_back, 0);
  EXPECT_FALSE(m.runs[0].year.has_value());
  EXPECT_EQ(m.runs[2].place, 7);
  EXPECT_EQ(m.runs[2].year, 24);
  EXPECT_EQ(m.runs[2].seasons_back, 1);
  EXPECT_EQ(m.runs[6].result, MusiqueResult::kDisqualified);
  EXPECT_EQ(m.runs[7].year, 23);
  EXPECT_EQ(m.runs[7].seasons_back, 2);
}

TEST(Musique, ZeroIsUnplacedAndLettersAreIncidents) {
  const Musique m = parse_musique("0aDaTsAhRp");
  ASSERT_EQ(m.runs.size(), 5U);
  EXPECT_EQ(m.runs[0].result, MusiqueResult::kUnplaced);
  EXPECT_EQ(m.runs[0].place, 0);
  EXPECT_EQ(m.runs[1].result, MusiqueResult::kDisqualified);
  EXPECT_EQ(m.runs[2].result, MusiqueResult::kFell);
  EXPECT_EQ(m.runs[2].discipline, Discipline::kSteeple);
  EXPECT_EQ(m.runs[3].result, MusiqueResult::kPulledUp);
  EXPECT_EQ(m.runs[3].discipline, Discipline::kHaies);
  EXPECT_EQ(m.runs[4].result, MusiqueResult::kDemoted);
  EXPECT_EQ(m.runs[4].discipline, Discipline::kPlat);
}

TEST(Musique, MarkerFirstWhenNoRunThisYear) {
  const Musique m = parse_musique("(25)0a0a5a(24)7a3a1a4a2a");
  ASSERT_EQ(m.runs.size(), 8U);
  EXPECT_EQ(m.runs[0].year, 25);
  EXPECT_EQ(m.runs[0].seasons_back, 1);
  EXPECT_EQ(m.runs[5].place, 1);
  EXPECT_EQ(m.runs[5].year, 24);
}

TEST(Musique, ToleratesSpacesLowercaseIncidentsAndLongForms) {
  const Musique m = parse_musique(" (23) 3m 7m Da da Reta Dpaga 1c 2o");
  ASSERT_EQ(m.runs.size(), 8U);
  EXPECT_EQ(m.runs[0].place, 3);
  EXPECT_EQ(m.runs[2].result, MusiqueResult::kDisqualified);
  EXPECT_EQ(m.runs[3].result, MusiqueResult::kDisqualified);  // lowercase d
  EXPECT_EQ(m.runs[4].result, MusiqueResult::kDemoted);        // "Ret"
  EXPECT_EQ(m.runs[4].discipline, Discipline::kAttele);
  EXPECT_EQ(m.runs[5].result, MusiqueResult::kDisqualified);  // "Dpag" + a
  EXPECT_EQ(m.runs[5].discipline, Discipline::kAttele);
  EXPECT_EQ(m.runs[6].discipline, Discipline::kCross);
  EXPECT_EQ(m.runs[7].discipline_letter, 'o');  // generic obstacle: known letter, no discipline
  EXPECT_FALSE(m.runs[7].discipline.has_value());
  EXPECT_EQ(m.skipped_characters, 0);
}

TEST(Musique, KeepsUnknownDisciplineLettersAndSkipsGarbage) {
  const Musique m = parse_musique("1x#2a?!(9)3");
  ASSERT_EQ(m.runs.size(), 4U);
  EXPECT_EQ(m.runs[0].discipline_letter, 'x');
  EXPECT_FALSE(m.runs[0].discipline.has_value());
  EXPECT_EQ(m.runs[1].place, 2);
  // "(9)" is not a two-digit year marker: its brackets are skipped and the 9 is a place.
  EXPECT_EQ(m.runs[2].place, 9);
  EXPECT_EQ(m.runs[2].discipline_letter, '\0');
  EXPECT_EQ(m.runs[3].place, 3);
  EXPECT_EQ(m.skipped_characters, 5);  // '#', '?', '!', '(', ')'
  EXPECT_FALSE(m.runs[3].year.has_value());
}

TEST(Musique, EmptyAndWhitespaceGiveNoRuns) {
  EXPECT_TRUE(parse_musique("").runs.empty());
  EXPECT_TRUE(parse_musique("   \t ").runs.empty());
}

TEST(Musique, NeverCrashesOnArbitraryBytes) {
  std::mt19937 random(12345);
  for (int i = 0; i < 20000; ++i) {
    std::string text(static_cast<std::size_t>(random() % 40), '\0');
    for (char& c : text) c = static_cast<char>(random() % 256);
    const Musique m = parse_musique(text);
    EXPECT_LE(m.runs.size(), text.size());
    for (const MusiqueRun& run : m.runs) {
      EXPECT_GE(run.place, 0);
      EXPECT_LE(run.place, 9);
    }
  }
  // Truncated constructs at the very end.
  for (const char* text : {"(", "(2", "(24", "R", "Re", "D", "Dp", "Dpa", "1", "("}) {
    (void)parse_musique(text);
  }
}

}  // namespace
}  // namespace paddock
