#include "ingest/csv_importer.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "support/test_fixture.h"

namespace paddock {
namespace {

namespace fs = std::filesystem;

fs::path fixture(const std::string& name) { return fs::path(PADDOCK_TEST_DATA_DIR) / "import" / name; }

// A fresh directory under the system's temp dir, removed with everything in it on scope exit.
class TempDir {
 public:
  TempDir() {
    std::random_device random;
    path_ = fs::temp_directory_path() / fmt::format("paddock-ingest-test-{:08x}{:08x}", random(), random());
    fs::create_directories(path_);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }

  const fs::path& path() const { return path_; }

  fs::path write(const std::string& name, const std::string& text) const {
    const fs::path file = path_ / name;
    std::ofstream(file, std::ios::binary) << text;
    return file;
  }

 private:
  fs::path path_;
};

std::unique_ptr<Database> open_temp_db(const TempDir& dir) {
  Result<std::unique_ptr<Database>> db = open_database((dir.path() / "paddock.db").string());
  EXPECT_TRUE(db.ok()) << db.error().describe();
  return std::move(db).value();
}

Result<ImportReport> import_files(Database& db, const fs::path& races, const fs::path& runners,
                                  BadRowPolicy policy = BadRowPolicy::kRejectAll) {
  ImportOptions options;
  options.races_csv = races;
  options.runners_csv = runners;
  options.bad_rows = policy;
  return import_csv(db, options);
}

Database::Counts counts_of(Database& db) {
  Result<Database::Counts> counts = db.counts();
  EXPECT_TRUE(counts.ok());
  return counts.ok() ? *counts : Database::Counts{};
}

std::map<RaceId, RaceCard> cards_of(Database& db) {
  RaceQuery query;
  query.with_runners_only = false;
  Result<std::vector<RaceId>> ids = db.find_races(query);
  EXPECT_TRUE(ids.ok());
  Result<std::vector<RaceCard>> cards = db.load_race_cards(*ids);
  EXPECT_TRUE(cards.ok());
  std::map<RaceId, RaceCard> by_id;
  for (RaceCard& card : *cards) by_id.emplace(card.id, std::move(card));
  return by_id;
}

// Everything the import can change, as text, to compare a database before and after.
std::string snapshot(Database& db) {
  std::string text;
  for (const auto& [id, card] : cards_of(db)) {
    text += fmt::format("race {} {} R{}C{} venue {} {} {}m status {} quinte {}\n", id, format_day(card.day),
                        card.meeting_no, card.race_no, card.venue_id, to_string(card.discipline), card.distance_m,
                        to_string(card.status), card.is_quinte);
    for (const RunnerEntry& r : card.runners) {
      text += fmt::format("  {} horse {} jockey {} trainer {} odds {} pos {} incident {} nr {}\n", r.number,
                          r.horse_id, r.jockey_id, r.trainer_id, r.final_odds.value_or(0),
                          r.finish_position.value_or(0), to_string(r.incident), r.non_runner);
    }
  }
  return text;
}

const RunnerEntry& runner(const RaceCard& card, int number) {
  for (const RunnerEntry& entry : card.runners) {
    if (entry.number == number) return entry;
  }
  ADD_FAILURE() << "race " << card.id << " has no runner " << number;
  static const RunnerEntry kMissing;
  return kMissing;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// A database holding the good fixture, to try bad imports against.
class ImportedFixture {
 public:
  ImportedFixture() : db_(open_temp_db(dir_)) {
    Result<ImportReport> report = import_files(*db_, fixture("races.csv"), fixture("runners.csv"));
    EXPECT_TRUE(report.ok()) << report.error().describe();
  }
  Database& db() { return *db_; }
  const TempDir& dir() const { return dir_; }

 private:
  TempDir dir_;
  std::unique_ptr<Database> db_;
};

constexpr const char* kRacesHeader = "race_id,race_date,meeting_no,race_no,discipline,distance_m\n";
constexpr const char* kRunnersHeader = "race_id,number,horse,final_odds\n";

TEST(CsvImporter, ImportsGoodFilesAndReadsThemBack) {
  TempDir dir;
  std::unique_ptr<Database> db = open_temp_db(dir);
  Result<ImportReport> report = import_files(*db, fixture("races.csv"), fixture("runners.csv"));
  ASSERT_TRUE(report.ok()) << report.error().describe();
  EXPECT_EQ(report->races, 5);
  EXPECT_EQ(report->new_races, 5);
  EXPECT_EQ(report->updated_races, 0);
  EXPECT_EQ(report->runners, 16);
  EXPECT_TRUE(report->bad_rows.empty());
  EXPECT_TRUE(report->warnings.empty());

  const Database::Counts counts = counts_of(*db);
  EXPECT_EQ(counts.races, 5);
  EXPECT_EQ(counts.runners, 16);
  EXPECT_EQ(counts.finished_races, 3);  // 1001-1003 have results; 1004 is upcoming, 1005 cancelled

  std::map<RaceId, RaceCard> cards = cards_of(*db);
  ASSERT_EQ(cards.size(), 5u);
  const RaceCard& trot = cards.at(1001);
  EXPECT_EQ(format_day(trot.day), "2024-03-01");
  EXPECT_EQ(trot.discipline, Discipline::kAttele);
  EXPECT_EQ(trot.distance_m, 2700);
  EXPECT_EQ(trot.prize_eur, 45000);
  EXPECT_EQ(trot.status, RaceStatus::kFinished);
  ASSERT_EQ(trot.runners.size(), 4u);
  EXPECT_EQ(runner(trot, 2).finish_position, 1);
  EXPECT_EQ(runner(trot, 3).incident, Incident::kDisqualified);
  EXPECT_EQ(runner(trot, 2).sex, 'F');  // FEMELLES
  EXPECT_EQ(runner(trot, 3).sex, 'H');  // HONGRES
  EXPECT_EQ(runner(trot, 2).handicap_distance_m, 25);
  EXPECT_EQ(runner(trot, 1).career_earnings_eur, 120500);
  EXPECT_EQ(runner(trot, 1).shoes_off, 2);

  EXPECT_EQ(cards.at(1002).discipline, Discipline::kMonte);  // MONTE, upper case
  EXPECT_DOUBLE_EQ(*runner(cards.at(1002), 3).weight_kg, 63.5);  // written "63,5"
  EXPECT_EQ(cards.at(1002).venue_id, trot.venue_id);

  const RaceCard& flat = cards.at(1003);
  EXPECT_TRUE(flat.is_quinte);
  EXPECT_TRUE(flat.is_handicap);
  EXPECT_TRUE(runner(flat, 3).non_runner);
  EXPECT_EQ(runner(flat, 1).draw, 3);
  // One horse, found by its key in two races.
  EXPECT_EQ(runner(flat, 4).horse_id, runner(cards.at(1004), 2).horse_id);

  EXPECT_EQ(cards.at(1004).discipline, Discipline::kHaies);  // HAIE
  EXPECT_EQ(cards.at(1004).status, RaceStatus::kScheduled);
  EXPECT_EQ(cards.at(1005).status, RaceStatus::kCancelled);
  EXPECT_EQ(cards.at(1005).prize_eur, std::nullopt);
  EXPECT_NE(cards.at(1004).venue_id, cards.at(1005).venue_id);  // by name; "UNKNOWN"
}

TEST(CsvImporter, OptionalColumnsMayBeAbsentAndColumnsInAnyOrder) {
  TempDir dir;
  std::unique_ptr<Database> db = open_temp_db(dir);
  Result<ImportReport> report = import_files(*db, fixture("races_minimal.csv"), fixture("runners_minimal.csv"));
  ASSERT_TRUE(report.ok()) << report.error().describe();
  EXPECT_EQ(report->races, 2);
  EXPECT_EQ(report->runners, 3);

  std::map<RaceId, RaceCard> cards = cards_of(*db);
  ASSERT_EQ(cards.size(), 2u);
  const RaceCard& race = cards.at(3001);
  EXPECT_EQ(race.distance_m, 1800);
  EXPECT_EQ(race.status, RaceStatus::kScheduled);
  EXPECT_FALSE(race.is_quinte);
  EXPECT_EQ(race.prize_eur, std::nullopt);
  ASSERT_EQ(race.runners.size(), 2u);
  const RunnerEntry& first = runner(race, 1);
  EXPECT_EQ(first.jockey_id, 0);
  EXPECT_EQ(first.age, std::nullopt);
  EXPECT_EQ(first.final_odds, std::nullopt);
  EXPECT_EQ(first.finish_position, std::nullopt);
  EXPECT_FALSE(first.non_runner);
  EXPECT_EQ(cards.at(3002).discipline, Discipline::kAttele);
}

TEST(CsvImporter, ReimportFillsInResultsWithoutDuplicating) {
  ImportedFixture fixture_db;
  Database& db = fixture_db.db();
  const std::string first = snapshot(db);

  // The same files again change nothing.
  Result<ImportReport> again = import_files(db, fixture("races.csv"), fixture("runners.csv"));
  ASSERT_TRUE(again.ok()) << again.error().describe();
  EXPECT_EQ(again->new_races, 0);
  EXPECT_EQ(again->updated_races, 5);
  EXPECT_EQ(snapshot(db), first);

  // Results for race 1004 arrive later, in a file with only some columns.
  const RaceCard stored = cards_of(db).at(1004);
  Result<ImportReport> results = import_files(db, fixture("races.csv"), fixture("runners_results.csv"));
  ASSERT_TRUE(results.ok()) << results.error().describe();
  EXPECT_EQ(results->runners, 3);
  EXPECT_TRUE(results->warnings.empty());
  const Database::Counts counts = counts_of(db);
  EXPECT_EQ(counts.races, 5);
  EXPECT_EQ(counts.runners, 16);
  EXPECT_EQ(counts.finished_races, 4);

  std::map<RaceId, RaceCard> cards = cards_of(db);
  const RaceCard& hurdle = cards.at(1004);
  EXPECT_EQ(hurdle.status, RaceStatus::kFinished);
  EXPECT_EQ(runner(hurdle, 1).finish_position, 2);
  EXPECT_EQ(runner(hurdle, 2).incident, Incident::kFell);
  EXPECT_EQ(runner(hurdle, 3).finish_position, 1);
  EXPECT_DOUBLE_EQ(*runner(hurdle, 1).final_odds, 3.8);
  EXPECT_DOUBLE_EQ(*runner(hurdle, 1).morning_odds, 4.0);  // kept: an empty cell erases no odds
  // Columns the results file lacks keep their stored values.
  const RunnerEntry& before = runner(stored, 1);
  EXPECT_EQ(runner(hurdle, 1).weight_kg, before.weight_kg);
  EXPECT_EQ(runner(hurdle, 1).age, before.age);
  EXPECT_EQ(runner(hurdle, 1).musique, before.musique);
  EXPECT_EQ(runner(hurdle, 1).non_runner, before.non_runner);
  EXPECT_EQ(runner(hurdle, 2).horse_id, runner(cards.at(1003), 4).horse_id);  // same horse_key
  // Races whose runners were not in the file keep their stored status and results.
  EXPECT_EQ(cards.at(1001).status, RaceStatus::kFinished);
  EXPECT_EQ(runner(cards.at(1001), 2).finish_position, 1);
  EXPECT_EQ(cards.at(1005).status, RaceStatus::kCancelled);
}

TEST(CsvImporter, ACorrectedArrivalReplacesTheStoredResult) {
  ImportedFixture fixture_db;
  Database& db = fixture_db.db();
  const RaceCard before = cards_of(db).at(1001);
  ASSERT_EQ(runner(before, 2).finish_position, 1);
  // The winner is disqualified after the provisional arrival; the file says so for race 1001.
  const fs::path races = fixture_db.dir().write("none.csv", kRacesHeader);
  const fs::path corrected = fixture_db.dir().write(
      "corrected.csv", "race_id,number,horse,finish_position,incident\n1001,2,x,,disqualified\n");
  Result<ImportReport> report = import_files(db, races, corrected);
  ASSERT_TRUE(report.ok()) << report.error().describe();
  const RaceCard after = cards_of(db).at(1001);
  EXPECT_FALSE(runner(after, 2).finish_position.has_value());
  EXPECT_EQ(runner(after, 2).incident, Incident::kDisqualified);
  for (const RunnerEntry& entry : after.runners) {
    if (entry.number != 2) {
      EXPECT_FALSE(entry.finish_position.has_value()) << entry.number;  // the file's result is whole
    }
  }
}

TEST(CsvImporter, RunnersMayJoinRacesAlreadyInTheDatabase) {
  ImportedFixture fixture_db;
  Database& db = fixture_db.db();
  const fs::path races = fixture_db.dir().write("races.csv", kRacesHeader);
  Result<ImportReport> report = import_files(db, races, fixture("runners_results.csv"));
  ASSERT_TRUE(report.ok()) << report.error().describe();
  EXPECT_EQ(report->races, 0);
  EXPECT_EQ(report->runners, 3);
  EXPECT_TRUE(report->warnings.empty());
  const RaceCard race = cards_of(db).at(1004);
  EXPECT_EQ(runner(race, 3).finish_position, 1);
  EXPECT_EQ(race.status, RaceStatus::kFinished);  // its results arrived
}

struct BadCase {
  const char* what;
  std::string races;
  std::string runners;
  std::string expected;  // part of the error message
};

// Imports the case's files over the good fixture: the import must fail naming the fault, and
// the database must be as it was.
void expect_refused(const BadCase& bad) {
  SCOPED_TRACE(bad.what);
  ImportedFixture fixture_db;
  Database& db = fixture_db.db();
  const std::string before = snapshot(db);
  const Database::Counts counts_before = counts_of(db);
  const fs::path races = fixture_db.dir().write("races.csv", bad.races);
  const fs::path runners = fixture_db.dir().write("runners.csv", bad.runners);

  Result<ImportReport> report = import_files(db, races, runners);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(contains(report.error().message, bad.expected)) << report.error().message;
  EXPECT_TRUE(contains(report.error().message, "nothing was imported")) << report.error().message;
  const Database::Counts counts_after = counts_of(db);
  EXPECT_EQ(counts_after.races, counts_before.races);
  EXPECT_EQ(counts_after.runners, counts_before.runners);
  EXPECT_EQ(snapshot(db), before);
}

TEST(CsvImporter, APostTimeIsReadAsHoursAndMinutes) {
  TempDir dir;
  std::unique_ptr<Database> db = open_temp_db(dir);
  const fs::path races = fs::path(dir.path()) / "races.csv";
  const fs::path runners = fs::path(dir.path()) / "runners.csv";
  std::ofstream(races) << "race_id,race_date,meeting_no,race_no,discipline,distance_m,post_time\n"
                          "5001,2024-06-01,1,1,plat,1600,9:05\n5002,2024-06-01,1,2,plat,1600,\n";
  std::ofstream(runners) << std::string(kRunnersHeader) << "5001,1,Zephyr Fictif,2.5\n5002,1,Alizé Fictif,2.5\n";
  ASSERT_TRUE(import_files(*db, races, runners).ok());
  RaceQuery all;
  Result<std::vector<RaceSummary>> listed = db->list_races(all);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2U);
  EXPECT_EQ(listed->at(0).post_time, "09:05");
  EXPECT_EQ(listed->at(1).post_time, "");

  std::ofstream(races) << "race_id,race_date,meeting_no,race_no,discipline,distance_m,post_time\n"
                          "5003,2024-06-02,1,1,plat,1600,24:10\n";
  Result<ImportReport> bad = import_files(*db, races, runners);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("races.csv line 2, column post_time: '24:10' is not a time of day HH:MM"),
            std::string::npos)
      << bad.error().message;
}

TEST(CsvImporter, TimesBeatenDistancesRatingsAndBodyWeightsAreStored) {
  TempDir dir;
  std::unique_ptr<Database> db = open_temp_db(dir);
  const fs::path races = fs::path(dir.path()) / "races.csv";
  const fs::path runners = fs::path(dir.path()) / "runners.csv";
  std::ofstream(races) << "race_id,race_date,meeting_no,race_no,discipline,distance_m,winning_time_s\n"
                          "5001,2024-06-01,1,1,attele,2700,197.3\n";
  std::ofstream(runners) << "race_id,number,horse,finish_position,finish_time_s,reduction_km_s,beaten_lengths,"
                            "official_rating,body_weight_kg\n"
                            "5001,1,Zephyr Fictif,1,197.3,73.1,0,41.5,482\n"
                            "5001,2,Alizé Fictif,2,\"197,6\",73.2,1.25,,\n";
  ASSERT_TRUE(import_files(*db, races, runners).ok());
  const std::string path = (fs::path(dir.path()) / "paddock.db").string();
  EXPECT_EQ(testing::query_text(path, "SELECT winning_time_s FROM races WHERE id = 5001"), "197.3");
  EXPECT_EQ(testing::query_text(path, "SELECT group_concat(number || ':' || finish_time_s || '/' || reduction_km_s || '/' || "
                                      "beaten_lengths || '/' || COALESCE(official_rating, '-') || '/' || "
                                      "COALESCE(body_weight_kg, '-'), ' ') FROM (SELECT * FROM runners ORDER BY number)"),
            "1:197.3/73.1/0.0/41.5/482.0 2:197.6/73.2/1.25/-/-");
  // A later file without them keeps what is stored.
  std::ofstream(runners) << "race_id,number,horse,finish_position\n5001,1,Zephyr Fictif,1\n";
  ASSERT_TRUE(import_files(*db, races, runners).ok());
  EXPECT_EQ(testing::query_text(path, "SELECT finish_time_s || '/' || official_rating FROM runners WHERE number = 1"),
            "197.3/41.5");

  // A value out of its range is a bad row that names the column.
  std::ofstream(runners) << "race_id,number,horse,finish_time_s\n5001,3,Brise Fictive,-2\n";
  Result<ImportReport> bad = import_files(*db, races, runners);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("runners.csv line 2, column finish_time_s: '-2'"), std::string::npos)
      << bad.error().message;
}

TEST(CsvImporter, EachBadInputNamesFileLineColumnValueAndChangesNothing) {
  const std::string races_ok = std::string(kRacesHeader) + "5001,2024-06-01,1,1,plat,1600\n";
  const std::string runners_ok = std::string(kRunnersHeader) + "5001,1,Zephyr Fictif,2.5\n";
  const std::vector<BadCase> cases = {
      {"a day that does not exist", std::string(kRacesHeader) + "5001,2024-02-30,1,1,plat,1600\n", runners_ok,
       "races.csv line 2, column race_date: '2024-02-30' is not a date in the form YYYY-MM-DD"},
      {"a negative distance", std::string(kRacesHeader) + "5001,2024-06-01,1,1,plat,-1200\n", runners_ok,
       "races.csv line 2, column distance_m: '-1200' is not a positive integer"},
      {"a zero distance", std::string(kRacesHeader) + "5001,2024-06-01,1,1,plat,0\n", runners_ok,
       "races.csv line 2, column distance_m: '0' is not a positive integer"},
      {"a race id that is not a number", std::string(kRacesHeader) + "R1C1,2024-06-01,1,1,plat,1600\n", runners_ok,
       "races.csv line 2, column race_id: 'R1C1' is not a positive integer"},
      {"an unknown discipline", std::string(kRacesHeader) + "5001,2024-06-01,1,1,trot,1600\n", runners_ok,
       "races.csv line 2, column discipline: 'trot' is not a discipline"},
      {"a race id twice in races.csv", races_ok + "5001,2024-06-01,1,2,plat,1800\n", runners_ok,
       "races.csv line 3, column race_id: '5001' appears again (first on line 2)"},
      {"two race ids for one race slot", races_ok + "5002,2024-06-01,1,1,plat,1800\n", runners_ok,
       "races.csv line 3, column race_no: '1' clashes: 2024-06-01 R1C1 is already race 5001 on line 2"},
      {"a race slot held by another race in the database",
       std::string(kRacesHeader) + "5001,2024-03-01,1,2,plat,1600\n", runners_ok,
       "races.csv line 2, column race_no: '2' clashes: 2024-03-01 R1C2 is already race 1002 in the database"},
      {"an empty required cell", std::string(kRacesHeader) + "5001,,1,1,plat,1600\n", runners_ok,
       "races.csv line 2, column race_date: '' is empty, but the column is required"},
      {"a row with too few fields", std::string(kRacesHeader) + "5001,2024-06-01,1,1,plat\n", runners_ok,
       "races.csv line 2: 5 fields, but the header has 6 columns"},
      {"odds that are not a number", races_ok, runners_ok + "5001,2,Zinc Fictif,abc\n",
       "runners.csv line 3, column final_odds: 'abc' is not a number"},
      {"odds below 1", races_ok, runners_ok + "5001,2,Zinc Fictif,0.8\n",
       "runners.csv line 3, column final_odds: '0.8' is not a number >= 1"},
      {"a runner number twice in one race", races_ok, runners_ok + "5001,1,Zinc Fictif,4\n",
       "runners.csv line 3, column number: '1' appears twice in race 5001 (first on line 2)"},
      {"a zero runner number", races_ok, runners_ok + "5001,0,Zinc Fictif,4\n",
       "runners.csv line 3, column number: '0' is not a positive integer"},
      {"a runner of a race that is nowhere", races_ok, runners_ok + "4242,1,Zinc Fictif,4\n",
       "runners.csv line 3, column race_id: '4242' is not a race in races.csv or in the database"},
      {"a runner without a horse", races_ok, runners_ok + "5001,2,,4\n",
       "runners.csv line 3, column horse: '' is empty, but the column is required"},
      {"an age out of range", races_ok, "race_id,number,horse,age\n5001,1,Zinc Fictif,31\n",
       "runners.csv line 2, column age: '31' is not an integer from 1 to 30"},
      {"an unknown sex", races_ok, "race_id,number,horse,sex\n5001,1,Zinc Fictif,X\n",
       "runners.csv line 2, column sex: 'X' is not a sex"},
      {"an unknown incident", races_ok, "race_id,number,horse,incident\n5001,1,Zinc Fictif,vanished\n",
       "runners.csv line 2, column incident: 'vanished' is not an incident"},
      {"a flag that is not 0/1/true/false", races_ok, "race_id,number,horse,non_runner\n5001,1,Zinc Fictif,maybe\n",
       "runners.csv line 2, column non_runner: 'maybe' is not 0, 1, true or false"},
      {"a weight of zero", races_ok, "race_id,number,horse,weight_kg\n5001,1,Zinc Fictif,0\n",
       "runners.csv line 2, column weight_kg: '0' is not a number > 0"},
  };
  for (const BadCase& bad : cases) expect_refused(bad);
}

TEST(CsvImporter, ListsTwentyBadRowsThenCountsTheRest) {
  TempDir dir;
  std::unique_ptr<Database> db = open_temp_db(dir);
  std::string races = kRacesHeader;
  for (int i = 0; i < 25; ++i) races += fmt::format("{},2024-06-01,1,{},plat,abc\n", 6000 + i, i + 1);
  Result<ImportReport> report =
      import_files(*db, dir.write("races.csv", races), dir.write("runners.csv", kRunnersHeader));
  ASSERT_FALSE(report.ok());
  const std::string& message = report.error().message;
  EXPECT_TRUE(contains(message, "25 bad rows")) << message;
  EXPECT_TRUE(contains(message, "races.csv line 21, column distance_m: 'abc'")) << message;
  EXPECT_FALSE(contains(message, "races.csv line 22,")) << message;
  EXPECT_TRUE(contains(message, "... and 5 more")) << message;
  EXPECT_EQ(counts_of(*db).races, 0);
}

TEST(CsvImporter, SkipBadRowsImportsTheGoodRowsAndListsTheBadOnes) {
  TempDir dir;
  std::unique_ptr<Database> db = open_temp_db(dir);

  // Without the option nothing is imported.
  Result<ImportReport> strict = import_files(*db, fixture("bad_races.csv"), fixture("bad_runners.csv"));
  ASSERT_FALSE(strict.ok());
  EXPECT_TRUE(contains(strict.error().message, "7 bad rows")) << strict.error().message;
  EXPECT_EQ(counts_of(*db).races, 0);
  EXPECT_EQ(counts_of(*db).runners, 0);

  Result<ImportReport> report =
      import_files(*db, fixture("bad_races.csv"), fixture("bad_runners.csv"), BadRowPolicy::kSkip);
  ASSERT_TRUE(report.ok()) << report.error().describe();
  EXPECT_EQ(report->races, 2);    // 2001 and 2005
  EXPECT_EQ(report->runners, 3);  // 2001 #1, 2005 #1 and #2
  EXPECT_EQ(counts_of(*db).races, 2);
  EXPECT_EQ(counts_of(*db).runners, 3);

  std::vector<std::string> messages;
  for (const BadRow& row : report->bad_rows) messages.push_back(row.message);
  const std::vector<std::string> expected = {
      "bad_races.csv line 3, column race_date: '2024-04-31' is not a date in the form YYYY-MM-DD",
      "bad_races.csv line 4, column distance_m: '-1200' is not a positive integer",
      "bad_races.csv line 5, column race_id: '2001' appears again (first on line 2)",
      "bad_races.csv line 6, column discipline: 'trot' is not a discipline "
      "(attele, monte, plat, haies, steeple, cross)",
      "bad_runners.csv line 3, column final_odds: 'abc' is not a number",
      "bad_runners.csv line 4, column number: '1' appears twice in race 2001 (first on line 2)",
      "bad_runners.csv line 5, column race_id: '2002' skipped: its race was rejected (bad_races.csv line 3)",
      "bad_runners.csv line 6, column race_id: '9999' is not a race in bad_races.csv or in the database",
  };
  EXPECT_EQ(messages, expected);
  ASSERT_FALSE(report->bad_rows.empty());
  const BadRow& first = report->bad_rows.front();
  EXPECT_EQ(first.file, "bad_races.csv");
  EXPECT_EQ(first.line, 3u);
  EXPECT_EQ(first.column, "race_date");
  EXPECT_EQ(first.value, "2024-04-31");
}

TEST(CsvImporter, MissingFileIsNotFoundAndNamesTheFile) {
  TempDir dir;
  std::unique_ptr<Database> db = open_temp_db(dir);
  const fs::path missing = dir.path() / "no-such-runners.csv";
  Result<ImportReport> report = import_files(*db, fixture("races.csv"), missing);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(contains(report.error().message, missing.string())) << report.error().message;
  EXPECT_EQ(counts_of(*db).races, 0);
}

TEST(CsvImporter, MissingRequiredColumnNamesTheFileAndTheColumn) {
  TempDir dir;
  std::unique_ptr<Database> db = open_temp_db(dir);
  const fs::path races = dir.write("races.csv", "race_id,race_date,meeting_no,race_no,discipline\n"
                                                "5001,2024-06-01,1,1,plat\n");
  Result<ImportReport> report = import_files(*db, races, fixture("runners_minimal.csv"));
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(contains(report.error().message, "races.csv lacks the required column distance_m"))
      << report.error().message;
  EXPECT_EQ(counts_of(*db).races, 0);
}

TEST(CsvImporter, RepeatedHeaderColumnIsAnError) {
  TempDir dir;
  std::unique_ptr<Database> db = open_temp_db(dir);
  const fs::path runners = dir.write("runners.csv", "race_id,number,horse,Horse\n");
  Result<ImportReport> report = import_files(*db, fixture("races_minimal.csv"), runners);
  ASSERT_FALSE(report.ok());
  EXPECT_TRUE(contains(report.error().message, "runners.csv line 1: column 'horse' appears twice"))
      << report.error().message;
}

TEST(CsvImporter, UnknownColumnsAreIgnoredWithOneWarning) {
  TempDir dir;
  std::unique_ptr<Database> db = open_temp_db(dir);
  const fs::path races = dir.write("races.csv", "race_id,race_date,meeting_no,race_no,discipline,distance_m,weather\n"
                                                "5001,2024-06-01,1,1,plat,1600,sunny\n"
                                                "5002,2024-06-01,1,2,plat,1800,rain\n");
  const fs::path runners = dir.write("runners.csv", "race_id,number,horse,colour\n5001,1,Zinc Fictif,bay\n");
  Result<ImportReport> report = import_files(*db, races, runners);
  ASSERT_TRUE(report.ok()) << report.error().describe();
  EXPECT_EQ(report->races, 2);
  const std::vector<std::string> expected = {"races.csv: ignored unknown column 'weather'",
                                             "runners.csv: ignored unknown column 'colour'"};
  EXPECT_EQ(report->warnings, expected);
}

// `text` with each '@' made a NUL byte.
std::string with_nul(std::string text) {
  std::replace(text.begin(), text.end(), '@', '\0');
  return text;
}

TEST(CsvImporter, ANulByteInAValueIsABadRow) {
  const std::string races_ok = std::string(kRacesHeader) + "5001,2024-06-01,1,1,plat,1600\n";
  const std::vector<BadCase> cases = {
      {"a NUL in a name", races_ok, with_nul("race_id,number,horse\n5001,1,Zinc@Fictif\n"),
       "runners.csv line 2, column horse: 'Zinc\\x00Fictif' contains a NUL byte"},
      {"a NUL in a quoted race name", with_nul("race_id,race_date,meeting_no,race_no,discipline,distance_m,name\n"
                "5001,2024-06-01,1,1,plat,1600,\"Prix@Fictif\"\n"),
       "race_id,number,horse\n",
       "races.csv line 2, column name: 'Prix\\x00Fictif' contains a NUL byte"},
      {"a NUL after a number", races_ok, with_nul("race_id,number,horse,age\n5001,1,Zinc,5@\n"),
       "runners.csv line 2, column age: '5\\x00' contains a NUL byte"},
  };
  for (const BadCase& bad : cases) expect_refused(bad);
}

TEST(CsvImporter, APositionWithAnIncidentThatRemovesItIsABadRow) {
  const std::string races_ok = std::string(kRacesHeader) + "5001,2024-06-01,1,1,plat,1600\n";
  const std::string header = "race_id,number,horse,finish_position,incident\n";
  for (const char* incident : {"disqualified", "fell", "pulled_up", "unseated", "FELL"}) {
    expect_refused({incident, races_ok, header + "5001,1,Zinc Fictif,1," + incident + "\n",
                    fmt::format("runners.csv line 2, column finish_position: '1' cannot go with the incident {}",
                                std::string(incident) == "FELL" ? "fell" : incident)});
  }

  // A demoted horse (distancé, rétrogradé) is placed behind: it keeps its position.
  TempDir dir;
  std::unique_ptr<Database> db = open_temp_db(dir);
  Result<ImportReport> report =
      import_files(*db, dir.write("races.csv", races_ok),
                   dir.write("runners.csv", header + "5001,1,Zinc Fictif,4,demoted\n5001,2,Quartz Fictif,1,\n"));
  ASSERT_TRUE(report.ok()) << report.error().describe();
  const RaceCard card = cards_of(*db).at(5001);
  EXPECT_EQ(runner(card, 1).finish_position, 4);
  EXPECT_EQ(runner(card, 1).incident, Incident::kDemoted);
}

TEST(CsvImporter, EachNumberBeyondItsColumnsLimitIsABadRow) {
  const std::string races_ok = std::string(kRacesHeader) + "5001,2024-06-01,1,1,plat,1600\n";
  const std::string race_header = "race_id,race_date,meeting_no,race_no,discipline,distance_m,prize_eur\n";
  auto runner_with = [](const std::string& column, const std::string& value) {
    return fmt::format("race_id,number,horse,{}\n5001,1,Zinc Fictif,{}\n", column, value);
  };
  const std::vector<BadCase> cases = {
      {"a weight of 1e308", races_ok, runner_with("weight_kg", "1e308"),
       "runners.csv line 2, column weight_kg: '1e308' is not a number > 0 and <= 200"},
      {"a weight above 200 kg", races_ok, runner_with("weight_kg", "\"200,5\""),
       "column weight_kg: '200,5' is not a number > 0 and <= 200"},
      {"final odds above 10000", races_ok, runner_with("final_odds", "10000.01"),
       "column final_odds: '10000.01' is not a number from 1 to 10000"},
      {"morning odds of 1e300", races_ok, runner_with("morning_odds", "1e300"),
       "column morning_odds: '1e300' is not a number from 1 to 10000"},
      {"a distance above 100 km", race_header + "5001,2024-06-01,1,1,plat,100001,\n", "race_id,number,horse\n",
       "races.csv line 2, column distance_m: '100001' is not an integer from 1 to 100000"},
      {"a meeting number of 100", race_header + "5001,2024-06-01,100,1,plat,1600,\n", "race_id,number,horse\n",
       "column meeting_no: '100' is not an integer from 1 to 99"},
      {"a race number of 100", race_header + "5001,2024-06-01,1,100,plat,1600,\n", "race_id,number,horse\n",
       "column race_no: '100' is not an integer from 1 to 99"},
      {"a prize above a billion euros", race_header + "5001,2024-06-01,1,1,plat,1600,1000000001\n",
       "race_id,number,horse\n", "column prize_eur: '1000000001' is not an integer from 0 to 1000000000"},
      {"a prize beyond int64", race_header + "5001,2024-06-01,1,1,plat,1600,99999999999999999999\n",
       "race_id,number,horse\n", "column prize_eur: '99999999999999999999' is not a non-negative integer"},
      {"a saddle-cloth number of 100", races_ok, "race_id,number,horse\n5001,100,Zinc Fictif\n",
       "column number: '100' is not an integer from 1 to 99"},
      {"a draw of 100", races_ok, runner_with("draw", "100"), "column draw: '100' is not an integer from 0 to 99"},
      {"a handicap distance above 100 km", races_ok, runner_with("handicap_distance_m", "100001"),
       "column handicap_distance_m: '100001' is not an integer from 1 to 100000"},
      {"career starts above 1000", races_ok, runner_with("career_starts", "1001"),
       "column career_starts: '1001' is not an integer from 0 to 1000"},
      {"career wins above 1000", races_ok, runner_with("career_wins", "2147483648"),
       "column career_wins: '2147483648' is not an integer from 0 to 1000"},
      {"career places above 1000", races_ok, runner_with("career_places", "1001"),
       "column career_places: '1001' is not an integer from 0 to 1000"},
      {"career earnings above a billion euros", races_ok, runner_with("career_earnings_eur", "9223372036854775807"),
       "column career_earnings_eur: '9223372036854775807' is not an integer from 0 to 1000000000"},
      {"a finishing position of 100", races_ok, runner_with("finish_position", "100"),
       "column finish_position: '100' is not an integer from 1 to 99"},
  };
  for (const BadCase& bad : cases) expect_refused(bad);
}

TEST(CsvImporter, ADirectoryWhereAFileIsExpectedIsAnErrorNamingIt) {
  TempDir dir;
  std::unique_ptr<Database> db = open_temp_db(dir);
  fs::create_directory(dir.path() / "races.csv");
  Result<ImportReport> report = import_files(*db, dir.path() / "races.csv", fixture("runners.csv"));
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(contains(report.error().message, "races.csv' is a directory")) << report.error().message;
  EXPECT_EQ(counts_of(*db).races, 0);
}

TEST(CsvImporter, UnknownColumnNamesAreShortenedAndCountedInTheWarning) {
  TempDir dir;
  std::unique_ptr<Database> db = open_temp_db(dir);
  std::string header = std::string("race_id,race_date,meeting_no,race_no,discipline,distance_m,") +
                       std::string(1 << 20, 'w');
  std::string row = "5001,2024-06-01,1,1,plat,1600,x";
  for (int i = 0; i < 30; ++i) {
    header += fmt::format(",extra{}", i);
    row += ",y";
  }
  Result<ImportReport> report = import_files(*db, dir.write("races.csv", header + "\n" + row + "\n"),
                                             dir.write("runners.csv", kRunnersHeader));
  ASSERT_TRUE(report.ok()) << report.error().describe();
  ASSERT_EQ(report->warnings.size(), 1u);
  const std::string& warning = report->warnings[0];
  EXPECT_LT(warning.size(), 400u) << warning.substr(0, 400);
  EXPECT_TRUE(contains(warning, "races.csv: ignored unknown columns 'wwwww")) << warning.substr(0, 400);
  EXPECT_TRUE(contains(warning, "www...', 'extra0'")) << warning.substr(0, 400);
  EXPECT_TRUE(contains(warning, "and 21 more")) << warning.substr(0, 400);
}

TEST(CsvImporter, FailureWhileWritingLeavesNothingBehind) {
  ImportedFixture fixture_db;
  Database& db = fixture_db.db();
  const std::string before = snapshot(db);
  // A trigger makes the database refuse the last runner, after every race and the other
  // runners were written in the same transaction.
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open((fixture_db.dir().path() / "paddock.db").string().c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw,
                         "CREATE TRIGGER refuse_runner BEFORE INSERT ON runners "
                         "WHEN NEW.race_id = 3002 BEGIN SELECT RAISE(ABORT, 'refused by test'); END",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(raw);

  Result<ImportReport> report = import_files(db, fixture("races_minimal.csv"), fixture("runners_minimal.csv"));
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().code, ErrorCode::kDatabase);
  EXPECT_TRUE(contains(report.error().message, "runners_minimal.csv line 4")) << report.error().message;
  EXPECT_EQ(snapshot(db), before);
  EXPECT_EQ(counts_of(db).races, 5);
}

}  // namespace
}  // namespace paddock
