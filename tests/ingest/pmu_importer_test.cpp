// The PMU JSON importer on files this test writes in the API's shapes (pmu-format.md): what
// lands in races and runners, re-imports, bad fields, broken files, and a job predicting an
// imported day.
#include "ingest/pmu_importer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/test_fixture.h"

namespace paddock {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::query_int;
using testing::query_text;

// 2021-08-10 00:00 in Paris (CEST), as epoch milliseconds of local midnight.
constexpr std::int64_t kDayMs = 1628546400000;
constexpr std::int64_t kOffsetMs = 7200000;

json course(int reunion, int number, const std::string& discipline, int distance) {
  return {{"numReunion", reunion}, {"numOrdre", number}, {"libelle", "PRIX " + std::to_string(number)},
          {"distance", distance}, {"discipline", discipline}, {"montantPrix", 19000},
          {"categorieParticularite", "HANDICAP"}, {"statut", "PROGRAMMEE"},
          {"paris", json::array({{{"codePari", "SIMPLE_GAGNANT"}}})}};
}

json participant(int number, const std::string& name) {
  return {{"numPmu", number}, {"nom", name}, {"idCheval", name + "-DAM-SIRE"}, {"age", 5}, {"sexe", "HONGRES"},
          {"statut", "PARTANT"}, {"oeilleres", "SANS_OEILLERES"}, {"driver", "J. DRIVER " + std::to_string(number % 3)},
          {"entraineur", "T. TRAINER"}, {"musique", "1a3a(20)Da"}, {"nombreCourses", 12}, {"nombreVictoires", 2},
          {"nombrePlaces", 6}, {"gainsParticipant", {{"gainsCarriere", 1403500}}}, {"handicapDistance", 2850},
          {"dernierRapportReference", {{"rapport", 4.0 + number}}},
          {"dernierRapportDirect", {{"rapport", 3.5 + number}}}};
}

class PmuImport : public ::testing::Test {
 protected:
  void SetUp() override {
    day_ = fs::path(dir_.path()) / "pmu" / "10082021";
    json first = course(1, 1, "ATTELE", 2850);
    first["statut"] = "ARRIVEE_DEFINITIVE_COMPLETE";
    first["ordreArrivee"] = json::array({json::array({3}), json::array({1, 4}), json::array({5})});
    first["paris"].push_back({{"codePari", "QUINTE_PLUS"}});
    first["penetrometre"] = {{"intitule", "Bon"}};
    json second = course(1, 2, "PLAT", 1600);
    json third = course(2, 1, "STEEPLECHASE", 3900);
    third["statut"] = "COURSE_ANNULEE";
    programme_ = {{"programme",
                   {{"date", kDayMs}, {"timezoneOffset", kOffsetMs},
                    {"reunions", json::array({{{"numOfficiel", 1}, {"hippodrome", {{"code", "VIN"}, {"libelleCourt", "VINCENNES"}}},
                                               {"courses", json::array({first, second})}},
                                              {{"numOfficiel", 2}, {"hippodrome", {{"code", "AUT"}, {"libelleCourt", "AUTEUIL"}}},
                                               {"courses", json::array({third})}}})}}}};
    json runners = json::array();
    for (int n = 1; n <= 6; ++n) runners.push_back(participant(n, "HORSE " + std::to_string(n)));
    runners[1]["statut"] = "NON_PARTANT";
    runners[5]["incident"] = "DISQUALIFIE_POUR_ALLURE_IRREGULIERE";
    participants_ = {{"participants", runners}};
    json flat = json::array();
    for (int n = 1; n <= 4; ++n) {
      json p = participant(n, "GALOPER " + std::to_string(n));
      p["placeCorde"] = n + 1;
      p["poidsConditionMonte"] = 570 + n;
      p.erase("handicapDistance");
      flat.push_back(p);
    }
    flat[0]["ordreArrivee"] = 2;  // results in the participants themselves
    second_participants_ = {{"participants", flat}};
    write_all();
  }

  void write_all() {
    write(day_ / "programme.json", programme_.dump());
    write(day_ / "R1" / "C1" / "participants.json", participants_.dump());
    write(day_ / "R1" / "C2" / "participants.json", second_participants_.dump());
  }
  static void write(const fs::path& file, const std::string& text) {
    fs::create_directories(file.parent_path());
    std::ofstream(file) << text;
  }
  Result<ImportReport> import(BadRowPolicy policy = BadRowPolicy::kRejectAll) {
    std::unique_ptr<Database> db = testing::open_or_die(db_);
    PmuImportOptions options;
    options.paths = {day_.parent_path()};
    options.bad_rows = policy;
    return import_pmu(*db, options);
  }

  testing::TempDir dir_{"pmu-import"};
  std::string db_ = dir_.file("pmu.db");
  fs::path day_;
  json programme_;
  json participants_;
  json second_participants_;
};

TEST_F(PmuImport, RacesAndRunnersLandWithPaddocksUnitsAndResults) {
  Result<ImportReport> report = import();
  ASSERT_TRUE(report.ok()) << report.error().describe();
  EXPECT_EQ(report->races, 3);
  EXPECT_EQ(report->new_races, 3);
  EXPECT_EQ(report->runners, 10);
  ASSERT_EQ(report->warnings.size(), 1U);  // R2C1 has no participants file
  EXPECT_NE(report->warnings[0].find("2021-08-10 R2C1"), std::string::npos) << report->warnings[0];

  EXPECT_EQ(query_text(db_, "SELECT race_date || ' ' || discipline || ' ' || distance_m || ' ' || prize_eur || ' ' || "
                            "is_quinte || ' ' || status || ' ' || going || ' ' || category FROM races WHERE id = 202108100101"),
            "2021-08-10 attele 2850 19000 1 finished Bon HANDICAP");
  EXPECT_EQ(query_text(db_, "SELECT v.code FROM races r JOIN venues v ON v.id = r.venue_id WHERE r.id = 202108100101"), "VIN");
  EXPECT_EQ(query_text(db_, "SELECT discipline || ' ' || status FROM races WHERE id = 202108100102"), "plat finished");
  EXPECT_EQ(query_text(db_, "SELECT discipline || ' ' || status FROM races WHERE id = 202108100201"), "steeple cancelled");

  // Results from the programme's ordreArrivee: 3 first, 1 and 4 dead-heat second, 5 fourth.
  EXPECT_EQ(query_text(db_, "SELECT group_concat(number || ':' || COALESCE(finish_position, '-'), ' ') FROM "
                            "(SELECT * FROM runners WHERE race_id = 202108100101 ORDER BY number)"),
            "1:2 2:- 3:1 4:2 5:4 6:-");
  EXPECT_EQ(query_int(db_, "SELECT non_runner FROM runners WHERE race_id = 202108100101 AND number = 2"), 1);
  EXPECT_EQ(query_text(db_, "SELECT incident FROM runners WHERE race_id = 202108100101 AND number = 6"), "disqualified");
  // Centimes to euros, the horse's key, odds, people.
  EXPECT_EQ(query_text(db_, "SELECT r.career_earnings_eur || ' ' || h.key || ' ' || r.morning_odds || ' ' || "
                            "r.final_odds || ' ' || r.handicap_distance_m || ' ' || j.name FROM runners r "
                            "JOIN horses h ON h.id = r.horse_id JOIN jockeys j ON j.id = r.jockey_id "
                            "WHERE race_id = 202108100101 AND number = 1"),
            "14035 HORSE 1-DAM-SIRE 5.0 4.5 2850 J. DRIVER 1");
  // Hectograms to kilograms, stalls, and a result from the participants file.
  EXPECT_EQ(query_text(db_, "SELECT weight_kg || ' ' || draw || ' ' || finish_position FROM runners "
                            "WHERE race_id = 202108100102 AND number = 1"),
            "57.1 2 2");
}

TEST_F(PmuImport, ThePostTimeIsTheOffInTheVenuesLocalTime) {
  constexpr std::int64_t kMinuteMs = 60'000;
  json& courses = programme_["programme"]["reunions"][0]["courses"];
  courses[0]["heureDepart"] = kDayMs + (13 * 60 + 50) * kMinuteMs;  // 13:50 in Paris, 11:50 UTC
  courses[0]["timezoneOffset"] = kOffsetMs;
  courses[1]["heureDepart"] = kDayMs + (14 * 60 + 25) * kMinuteMs;  // no offset given: UTC
  write_all();
  ASSERT_TRUE(import().ok());
  EXPECT_EQ(query_text(db_, "SELECT post_time FROM races WHERE id = 202108100101"), "13:50");
  EXPECT_EQ(query_text(db_, "SELECT post_time FROM races WHERE id = 202108100102"), "12:25");
  EXPECT_EQ(query_int(db_, "SELECT post_time IS NULL FROM races WHERE id = 202108100201"), 1);
}

TEST_F(PmuImport, TimesAndRatingsAreReadInSeconds) {
  programme_["programme"]["reunions"][0]["courses"][0]["dureeCourse"] = 228770;
  participants_["participants"][2]["tempsObtenu"] = 228770;
  participants_["participants"][2]["reductionKilometrique"] = 80300;
  second_participants_["participants"][0]["handicapValeur"] = 32.5;
  write_all();
  ASSERT_TRUE(import().ok());
  EXPECT_EQ(query_text(db_, "SELECT winning_time_s FROM races WHERE id = 202108100101"), "228.77");
  EXPECT_EQ(query_text(db_, "SELECT finish_time_s || ' ' || reduction_km_s FROM runners WHERE race_id = 202108100101 AND number = 3"),
            "228.77 80.3");
  EXPECT_EQ(query_text(db_, "SELECT official_rating FROM runners WHERE race_id = 202108100102 AND number = 1"), "32.5");

  // Out of range: a bad field named by file and path.
  participants_["participants"][2]["reductionKilometrique"] = -5;
  write_all();
  Result<ImportReport> bad = import();
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("reductionKilometrique"), std::string::npos) << bad.error().message;
}

TEST_F(PmuImport, ImportingADayAgainUpdatesInPlaceAndKeepsStoredIds) {
  ASSERT_TRUE(import().ok());
  // Another id already holds R1C2's slot: the import must update that race, not add one.
  testing::exec_sql(db_, "UPDATE runners SET race_id = 777 WHERE race_id = 202108100102; "
                         "UPDATE races SET id = 777 WHERE id = 202108100102;");
  participants_["participants"][0]["nom"] = "HORSE 1";
  participants_["participants"][0]["musique"] = "2a1a";
  write_all();
  Result<ImportReport> again = import();
  ASSERT_TRUE(again.ok()) << again.error().describe();
  EXPECT_EQ(again->updated_races, 3);
  EXPECT_EQ(again->new_races, 0);
  EXPECT_EQ(query_int(db_, "SELECT COUNT(*) FROM races"), 3);
  EXPECT_EQ(query_int(db_, "SELECT COUNT(*) FROM runners"), 10);
  EXPECT_EQ(query_int(db_, "SELECT COUNT(*) FROM runners WHERE race_id = 777"), 4);
  EXPECT_EQ(query_text(db_, "SELECT musique FROM runners WHERE race_id = 202108100101 AND number = 1"), "2a1a");
}

TEST_F(PmuImport, ABadFieldImportsNothingAndIsNamedByFileAndPath) {
  programme_["programme"]["reunions"][0]["courses"][1].erase("distance");
  participants_["participants"][3]["sexe"] = "LICORNE";
  write_all();
  Result<ImportReport> report = import();
  ASSERT_FALSE(report.ok());
  const std::string message = report.error().message;
  EXPECT_NE(message.find("programme.json, reunions[0].courses[1].distance: is missing"), std::string::npos) << message;
  EXPECT_NE(message.find("participants.json, participants[3].sexe: 'LICORNE' is not a sex"), std::string::npos) << message;
  EXPECT_NE(message.find("nothing was imported"), std::string::npos) << message;
  EXPECT_EQ(query_int(db_, "SELECT COUNT(*) FROM races"), 0);

  Result<ImportReport> skipped = import(BadRowPolicy::kSkip);
  ASSERT_TRUE(skipped.ok()) << skipped.error().describe();
  EXPECT_EQ(skipped->races, 1);  // R2C1 only: R1C1 and R1C2 each have a bad field
  EXPECT_EQ(skipped->bad_rows.size(), 2U);
  EXPECT_EQ(query_int(db_, "SELECT COUNT(*) FROM races"), 1);
}

TEST_F(PmuImport, AFileThatIsNotJsonFailsNamingIt) {
  write(day_ / "R1" / "C2" / "participants.json", "{\"participants\": [ {\"numPmu\": 1,");
  Result<ImportReport> report = import(BadRowPolicy::kSkip);
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.error().message.find("C2/participants.json: not valid JSON"), std::string::npos) << report.error().message;
  EXPECT_EQ(query_int(db_, "SELECT COUNT(*) FROM races"), 0);

  write(day_ / "programme.json", "{\"programme\": {\"reunions\": {\"oops\": 1}}}");
  report = import(BadRowPolicy::kSkip);
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.error().message.find("10082021"), std::string::npos) << report.error().message;

  PmuImportOptions nowhere;
  nowhere.paths = {fs::path(dir_.path()) / "absent"};
  std::unique_ptr<Database> db = testing::open_or_die(db_);
  EXPECT_EQ(import_pmu(*db, nowhere).error().code, ErrorCode::kNotFound);
}

TEST_F(PmuImport, NullsAndAMissingOffsetAreAbsentValuesNotFailures) {
  json& programme = programme_["programme"];
  programme.erase("timezoneOffset");  // local midnight is 22:00 UTC the day before: still 2021-08-10
  programme["reunions"][0]["hippodrome"]["libelleCourt"] = nullptr;
  programme["reunions"][0]["courses"][0]["penetrometre"]["intitule"] = nullptr;
  programme["reunions"][0]["courses"][0]["paris"].push_back({{"codePari", nullptr}});
  programme["reunions"][0]["courses"][1]["montantPrix"] = nullptr;
  participants_["participants"][0]["musique"] = nullptr;
  write_all();
  Result<ImportReport> report = import();
  ASSERT_TRUE(report.ok()) << report.error().describe();
  EXPECT_EQ(report->races, 3);
  EXPECT_EQ(query_int(db_, "SELECT COUNT(*) FROM races WHERE race_date = '2021-08-10'"), 3);
  EXPECT_EQ(query_text(db_, "SELECT COALESCE(prize_eur, 'none') FROM races WHERE id = 202108100102"), "none");
}

TEST_F(PmuImport, ClashesAreBadRacesNotOverwrites) {
  // The id R1C1 would get belongs to a race of another day.
  testing::open_or_die(db_).reset();  // creates the schema
  testing::exec_sql(db_, "INSERT INTO venues(code, name) VALUES ('XX', 'ELSEWHERE');"
                         "INSERT INTO races(id, race_date, meeting_no, race_no, venue_id, discipline, distance_m) "
                         "VALUES (202108100101, '2021-08-11', 3, 4, 1, 'plat', 1600);");
  // A course without any meeting number, and the same day given twice.
  programme_["programme"]["reunions"][1].erase("numOfficiel");
  programme_["programme"]["reunions"][1]["courses"][0].erase("numReunion");
  write_all();
  std::unique_ptr<Database> db = testing::open_or_die(db_);
  PmuImportOptions options;
  options.paths = {day_, day_};
  Result<ImportReport> report = import_pmu(*db, options);
  ASSERT_FALSE(report.ok());
  const std::string message = report.error().message;
  EXPECT_NE(message.find("race id 202108100101 (2021-08-10 R1C1) is already another race"), std::string::npos) << message;
  EXPECT_NE(message.find("reunions[1].numOfficiel: is missing"), std::string::npos) << message;
  EXPECT_NE(message.find("2021-08-10 R1C2 appears again"), std::string::npos) << message;
  EXPECT_EQ(query_text(db_, "SELECT race_date FROM races WHERE id = 202108100101"), "2021-08-11");
}

TEST_F(PmuImport, ALaterFileWithoutResultsOrStatusesKeepsWhatIsStored) {
  ASSERT_TRUE(import().ok());
  // The morning's files again: no arrival, no statut, no bets listed.
  json& first = programme_["programme"]["reunions"][0]["courses"][0];
  first.erase("ordreArrivee");
  first.erase("paris");
  first["statut"] = "PROGRAMMEE";
  for (json& p : participants_["participants"]) {
    p.erase("statut");
    p.erase("incident");
  }
  write_all();
  ASSERT_TRUE(import().ok());
  EXPECT_EQ(query_text(db_, "SELECT status || ' ' || is_quinte FROM races WHERE id = 202108100101"), "finished 1");
  EXPECT_EQ(query_int(db_, "SELECT non_runner FROM runners WHERE race_id = 202108100101 AND number = 2"), 1);
  EXPECT_EQ(query_int(db_, "SELECT finish_position FROM runners WHERE race_id = 202108100101 AND number = 3"), 1);
}

TEST_F(PmuImport, ACorrectedArrivalLeavesNoTwoHorsesOnOnePlace) {
  programme_["programme"]["reunions"][0]["courses"][0]["ordreArrivee"] =
      json::array({json::array({1}), json::array({2}), json::array({3})});
  write_all();
  ASSERT_TRUE(import().ok());
  // The stewards disqualify number 2: 3 moves up to second.
  programme_["programme"]["reunions"][0]["courses"][0]["ordreArrivee"] = json::array({json::array({1}), json::array({3})});
  participants_["participants"][1]["statut"] = "PARTANT";
  participants_["participants"][1]["incident"] = "DISQUALIFIE_POUR_ALLURE_IRREGULIERE";
  write_all();
  ASSERT_TRUE(import().ok());
  EXPECT_EQ(query_text(db_, "SELECT group_concat(number || ':' || COALESCE(finish_position, '-') || ':' || "
                            "COALESCE(incident, ''), ' ') FROM (SELECT * FROM runners WHERE race_id = 202108100101 "
                            "ORDER BY number)"),
            "1:1: 2:-:disqualified 3:2: 4:-: 5:-: 6:-:disqualified");
}

// The document's text with the string "@RAW@" replaced by `raw`, for shapes json cannot build
// without recursing (a value nested 70,000 deep).
std::string with_raw(const json& document, const std::string& raw) {
  std::string text = document.dump();
  const std::string placeholder = "\"@RAW@\"";
  const std::size_t at = text.find(placeholder);
  if (at == std::string::npos) ADD_FAILURE() << "no placeholder in " << text;
  return at == std::string::npos ? text : text.replace(at, placeholder.size(), raw);
}

TEST_F(PmuImport, JsonNestedTooDeepIsAnErrorNamingTheFile) {
  const std::string deep = std::string(70000, '[') + std::string(70000, ']');
  const json pristine_programme = programme_;
  const json pristine_participants = participants_;
  for (const char* field : {"libelle", "ordreArrivee", "numPmu"}) {
    SCOPED_TRACE(field);
    programme_ = pristine_programme;
    participants_ = pristine_participants;
    const bool in_participants = std::string(field) == "numPmu";
    if (in_participants) {
      participants_["participants"][2][field] = "@RAW@";
    } else {
      programme_["programme"]["reunions"][0]["courses"][0][field] = "@RAW@";
    }
    write_all();
    const fs::path file = in_participants ? day_ / "R1" / "C1" / "participants.json" : day_ / "programme.json";
    write(file, with_raw(in_participants ? participants_ : programme_, deep));
    for (BadRowPolicy policy : {BadRowPolicy::kRejectAll, BadRowPolicy::kSkip}) {
      Result<ImportReport> report = import(policy);
      ASSERT_FALSE(report.ok());
      EXPECT_EQ(report.error().code, ErrorCode::kInvalidArgument);
      EXPECT_NE(report.error().message.find(file.string() + ": JSON nested deeper than 64 levels"), std::string::npos)
          << report.error().message;
    }
    EXPECT_EQ(query_int(db_, "SELECT COUNT(*) FROM races"), 0);
  }
}

TEST_F(PmuImport, NestingWithinTheLimitIsABadFieldShownShortly) {
  json nested = "X";
  for (int i = 0; i < 50; ++i) nested = json::array({nested, std::string(1000, 'Y')});  // 56 deep in the file
  programme_["programme"]["reunions"][0]["courses"][0]["libelle"] = nested;
  write_all();
  Result<ImportReport> report = import();
  ASSERT_FALSE(report.ok());
  const std::string& message = report.error().message;
  EXPECT_NE(message.find("reunions[0].courses[0].libelle: '[...]' is not a string"), std::string::npos) << message;
  EXPECT_LT(message.size(), 1000u) << message;
}

TEST_F(PmuImport, ADirectoryWhereAFileIsExpectedIsAnErrorNamingIt) {
  const fs::path participants = day_ / "R1" / "C2" / "participants.json";
  fs::remove(participants);
  fs::create_directories(participants);
  Result<ImportReport> report = import(BadRowPolicy::kSkip);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(report.error().message.find(participants.string() + "' is a directory"), std::string::npos)
      << report.error().message;

  fs::remove(day_ / "programme.json");
  fs::create_directories(day_ / "programme.json");
  report = import(BadRowPolicy::kSkip);
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.error().message.find("programme.json' is a directory"), std::string::npos) << report.error().message;
  EXPECT_EQ(query_int(db_, "SELECT COUNT(*) FROM races"), 0);
}

TEST_F(PmuImport, NumbersBeyondTheLimitsTheCsvImporterKeepsAreBadFields) {
  // On the race without participants: a race with a bad field is not read further.
  programme_["programme"]["reunions"][1]["courses"][0]["montantPrix"] = 100'000'000'000'000;  // euros
  json& p = participants_["participants"];
  p[0]["dernierRapportDirect"]["rapport"] = 1e308;
  p[1]["poidsConditionMonte"] = std::int64_t{1} << 62;
  p[2]["age"] = 31;
  p[3]["nombreCourses"] = 1001;
  p[4]["gainsParticipant"]["gainsCarriere"] = 100'000'000'001;  // centimes: a billion euros and a centime
  p[5]["placeCorde"] = 100;
  json& q = second_participants_["participants"];
  q[0]["ordreArrivee"] = 100;
  q[1]["handicapDistance"] = 100'001;
  q[2]["dernierRapportReference"]["rapport"] = 10000.5;
  q[3].erase("poidsConditionMonte");
  q[3]["handicapPoids"] = 2001;
  write_all();
  Result<ImportReport> report = import();
  ASSERT_FALSE(report.ok());
  const std::string& message = report.error().message;
  for (const char* expected : {
           "reunions[1].courses[0].montantPrix: '100000000000000' is not between 0 and 1000000000",
           "participants[0].dernierRapportDirect.rapport: '1e+308' is not between 1 and 10000",
           "participants[1].poidsConditionMonte: '4611686018427387904' is not between 1 and 2000",
           "participants[2].age: '31' is not between 1 and 30",
           "participants[3].nombreCourses: '1001' is not between 0 and 1000",
           "participants[4].gainsParticipant.gainsCarriere: '100000000001' is not between 0 and 100000000000",
           "participants[5].placeCorde: '100' is not between 0 and 99",
           "participants[0].ordreArrivee: '100' is not between 1 and 99",
           "participants[1].handicapDistance: '100001' is not between 1 and 100000",
           "participants[2].dernierRapportReference.rapport: '10000.5' is not between 1 and 10000",
           "participants[3].handicapPoids: '2001' is not between 1 and 2000",
       }) {
    EXPECT_NE(message.find(expected), std::string::npos) << expected << "\n" << message;
  }
  EXPECT_EQ(query_int(db_, "SELECT COUNT(*) FROM races"), 0);
}

TEST_F(PmuImport, ANulInATextIsABadFieldAsInCsv) {
  participants_["participants"][0]["nom"] = std::string("ZINC\0FICTIF", 11);
  write_all();
  Result<ImportReport> report = import();
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.error().message.find("participants[0].nom: 'ZINC\\x00FICTIF' contains a NUL byte"), std::string::npos)
      << report.error().message;
  EXPECT_EQ(query_int(db_, "SELECT COUNT(*) FROM races"), 0);
}

TEST_F(PmuImport, AHorseThatDidNotFinishHasNoPosition) {
  // Its own ordreArrivee and an incident that says it fell: the incident wins, as in CSV a
  // position and such an incident never go together.
  json& flat = second_participants_["participants"];
  flat[0]["incident"] = "TOMBE";
  flat[1]["ordreArrivee"] = 3;
  flat[1]["incident"] = "DISTANCE";  // demoted: placed behind, keeps its place
  write_all();
  ASSERT_TRUE(import().ok());
  EXPECT_EQ(query_text(db_, "SELECT COALESCE(finish_position, '-') || ':' || incident FROM runners "
                            "WHERE race_id = 202108100102 AND number = 1"),
            "-:fell");
  EXPECT_EQ(query_text(db_, "SELECT finish_position || ':' || incident FROM runners "
                            "WHERE race_id = 202108100102 AND number = 2"),
            "3:demoted");
}

TEST_F(PmuImport, LongValuesAreShortenedInMessages) {
  const std::string huge(1 << 20, 'X');
  participants_["participants"][0]["incident"] = huge;
  participants_["participants"][1]["sexe"] = huge;
  programme_["programme"]["reunions"][0]["courses"][1]["discipline"] = huge;
  write_all();
  Result<ImportReport> report = import(BadRowPolicy::kSkip);
  ASSERT_TRUE(report.ok()) << report.error().describe().substr(0, 1000);
  for (const std::string& warning : report->warnings) EXPECT_LT(warning.size(), 400u) << warning.substr(0, 400);
  for (const BadRow& row : report->bad_rows) {
    EXPECT_LT(row.message.size(), 400u) << row.message.substr(0, 400);
    EXPECT_LT(row.value.size(), 100u);
  }
  ASSERT_EQ(report->bad_rows.size(), 2u);
  const std::string& discipline = report->bad_rows[1].message;
  EXPECT_NE(discipline.find("courses[1].discipline: 'XXXXXXXXXX"), std::string::npos) << discipline;
  EXPECT_NE(discipline.find("XXX...' is not a discipline"), std::string::npos) << discipline;

  // A parse error quotes the token it stopped in: a string of a megabyte with a control byte.
  write(day_ / "R1" / "C1" / "participants.json", "{\"participants\": \"" + huge + "\x01\"}");
  report = import(BadRowPolicy::kSkip);
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.error().message.find("participants.json: not valid JSON"), std::string::npos)
      << report.error().message.substr(0, 1000);
  EXPECT_LT(report.error().message.size(), 1000u) << report.error().message.substr(0, 1000);
}

TEST_F(PmuImport, AnImportedDayIsPredicted) {
  // The demo database's model predicts the imported races like any others.
  const std::string demo = testing::demo_database_copy(dir_.path());
  std::unique_ptr<Database> db = testing::open_or_die(demo);
  PmuImportOptions options;
  options.paths = {day_};
  ASSERT_TRUE(import_pmu(*db, options).ok());
  db.reset();
  const auto job = testing::run_paddock({"predict", "--db", demo, "--date", "2021-08-10", "-q"});
  ASSERT_EQ(job.exit_code, 0) << job.output;
  EXPECT_EQ(query_int(demo, "SELECT COUNT(DISTINCT race_id) FROM predictions WHERE race_id > 202108100000"), 2);
  EXPECT_NEAR(std::stod(query_text(demo, "SELECT SUM(win_probability) FROM predictions WHERE race_id = 202108100101")),
              1.0, 1e-9);
  EXPECT_EQ(query_int(demo, "SELECT COUNT(*) FROM predictions WHERE race_id = 202108100101"), 5);  // not the non-runner
}

}  // namespace
}  // namespace paddock
