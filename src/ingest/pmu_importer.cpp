#include "ingest/pmu_importer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>

#include "ingest/row_writer.h"

namespace paddock {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr std::size_t kMaxListedBadRows = 20;
constexpr std::int64_t kMillisecondsPerDay = 86'400'000;

// One race of the programme with its runners, and what is wrong with it.
struct Course {
  Race race;
  std::vector<Runner> runners;
  bool stored = false;          // the slot already holds this race in the database
  std::vector<BadRow> faults;   // empty: good
};

Result<json> read_json(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return make_error(ErrorCode::kIo, fmt::format("cannot read '{}'", path.string()));
  try {
    return json::parse(in);
  } catch (const json::parse_error& error) {
    return make_error(ErrorCode::kInvalidArgument, fmt::format("{}: not valid JSON ({})", path.string(), error.what()));
  }
}

// Typed reads of one JSON object's fields. A field of the wrong type or out of range is a
// fault, recorded once per object with the file and the JSON path; a missing optional field
// is simply absent (the API leaves fields out freely).
class Fields {
 public:
  Fields(const json& object, std::string file, std::string path, std::vector<BadRow>& faults)
      : object_(object), file_(std::move(file)), path_(std::move(path)), faults_(faults) {}

  const json* find(const char* key) const {
    if (!object_.is_object()) return nullptr;
    const auto found = object_.find(key);
    return found == object_.end() || found->is_null() ? nullptr : &*found;
  }

  std::optional<std::int64_t> integer(const char* key, bool required, std::int64_t min) {
    const json* value = find(key);
    if (value == nullptr) {
      if (required) fault(key, "", "is missing");
      return std::nullopt;
    }
    if (!value->is_number_integer()) return fault(key, value->dump(), "is not an integer"), std::nullopt;
    const auto number = value->get<std::int64_t>();
    if (number < min) return fault(key, value->dump(), fmt::format("is below {}", min)), std::nullopt;
    return number;
  }

  std::optional<double> number(const char* key) {
    const json* value = find(key);
    if (value == nullptr) return std::nullopt;
    if (!value->is_number()) return fault(key, value->dump(), "is not a number"), std::nullopt;
    return value->get<double>();
  }

  std::string text(const char* key, bool required = false) {
    const json* value = find(key);
    if (value == nullptr || (value->is_string() && value->get<std::string>().empty())) {
      if (required) fault(key, "", "is missing");
      return "";
    }
    if (!value->is_string()) return fault(key, value->dump(), "is not a string"), "";
    return value->get<std::string>();
  }

  void fault(const char* key, const std::string& value, const std::string& problem) {
    const std::string column = path_.empty() ? key : path_ + "." + key;
    const std::string shown =
        value.empty() ? "" : fmt::format(" '{}'", value.size() > 40 ? value.substr(0, 40) + "..." : value);
    BadRow row;
    row.file = file_;
    row.column = column;
    row.value = value;
    row.message = fmt::format("{}, {}:{} {}", file_, column, shown, problem);
    faults_.push_back(std::move(row));
  }

 private:
  const json& object_;
  std::string file_;
  std::string path_;
  std::vector<BadRow>& faults_;
};

std::optional<int> as_int(std::optional<std::int64_t> value) {
  if (!value || *value > std::numeric_limits<int>::max()) return std::nullopt;
  return static_cast<int>(*value);
}

std::optional<Discipline> pmu_discipline(std::string_view text) {
  if (text == "PLAT") return Discipline::kPlat;
  if (text == "ATTELE") return Discipline::kAttele;
  if (text == "MONTE") return Discipline::kMonte;
  if (text == "HAIE" || text == "HAIES") return Discipline::kHaies;
  if (text == "STEEPLECHASE" || text == "STEEPLE") return Discipline::kSteeple;
  if (text == "CROSS" || text == "CROSS_COUNTRY") return Discipline::kCross;
  return std::nullopt;
}

std::optional<std::string> pmu_sex(std::string_view text) {
  if (text == "MALES" || text == "MALE") return std::string("M");
  if (text == "FEMELLES" || text == "FEMELLE") return std::string("F");
  if (text == "HONGRES" || text == "HONGRE") return std::string("H");
  return std::nullopt;
}

// PMU incident codes are long phrases (DISQUALIFIE_POUR_ALLURE_IRREGULIERE, ...): the stem says
// which of paddock's incidents it is.
std::optional<Incident> pmu_incident(std::string_view text) {
  if (text.find("DISQUALIFIE") != std::string_view::npos) return Incident::kDisqualified;
  if (text.find("DISTANCE") != std::string_view::npos || text.find("RETROGRADE") != std::string_view::npos) {
    return Incident::kDemoted;
  }
  if (text.find("TOMBE") != std::string_view::npos) return Incident::kFell;
  if (text.find("ARRETE") != std::string_view::npos || text.find("ABANDON") != std::string_view::npos) {
    return Incident::kPulledUp;
  }
  if (text.find("DESSELLE") != std::string_view::npos || text.find("DEROBE") != std::string_view::npos) {
    return Incident::kUnseated;
  }
  return std::nullopt;
}

std::string slot_name(const Race& race) {
  return fmt::format("{} R{}C{}", format_day(race.day), race.meeting_no, race.race_no);
}

// The programme's day: its `date` is local midnight in epoch milliseconds; the offset makes it
// the calendar day. Without it, the directory's DDMMYYYY name.
Result<Day> programme_day(const json& programme, const fs::path& day_dir, const std::string& file) {
  const auto date = programme.find("date");
  if (date != programme.end() && date->is_number_integer()) {
    const auto offset = programme.value("timezoneOffset", std::int64_t{0});
    const std::int64_t local = date->get<std::int64_t>() + offset;
    return static_cast<Day>((local - (((local % kMillisecondsPerDay) + kMillisecondsPerDay) % kMillisecondsPerDay)) /
                            kMillisecondsPerDay);
  }
  const std::string name = day_dir.filename().string();
  if (name.size() == 8 && std::all_of(name.begin(), name.end(), ::isdigit)) {
    Result<Day> day = parse_day(name.substr(4, 4) + "-" + name.substr(2, 2) + "-" + name.substr(0, 2));
    if (day.ok()) return day;
  }
  return make_error(ErrorCode::kInvalidArgument,
                    fmt::format("{}: programme.date is missing and the directory is not named DDMMYYYY", file));
}

// Finishing positions from ordreArrivee, [[7],[3,9],...]: each inner array is one rank (a dead
// heat shares it); the next rank counts the horses ahead.
std::map<int, int> arrival_positions(const json& order) {
  std::map<int, int> positions;
  if (!order.is_array()) return positions;
  int position = 1;
  for (const json& rank : order) {
    const json group = rank.is_array() ? rank : json::array({rank});
    int placed = 0;
    for (const json& number : group) {
      if (number.is_number_integer()) {
        positions.emplace(number.get<int>(), position);
        ++placed;
      }
    }
    position += std::max(placed, 1);
  }
  return positions;
}

Race read_race(const json& course, const json& reunion, Day day, const std::string& file, const std::string& path,
               std::vector<BadRow>& faults) {
  Fields fields(course, file, path, faults);
  Fields reunion_fields(reunion, file, "", faults);
  Race race;
  race.day = day;
  race.meeting_no = static_cast<int>(
      fields.integer("numReunion", false, 1).value_or(reunion_fields.integer("numOfficiel", false, 1).value_or(1)));
  race.race_no = static_cast<int>(fields.integer("numOrdre", true, 1).value_or(1));
  race.distance_m = static_cast<int>(fields.integer("distance", true, 1).value_or(0));
  const std::string discipline = fields.text("discipline", true);
  if (!discipline.empty()) {
    if (const std::optional<Discipline> parsed = pmu_discipline(discipline)) {
      race.discipline = *parsed;
    } else {
      fields.fault("discipline", discipline, "is not a discipline (PLAT, ATTELE, MONTE, HAIE, STEEPLECHASE, CROSS)");
    }
  }
  race.name = fields.text("libelle");
  race.prize_eur = fields.integer("montantPrix", false, 0);
  race.category = fields.text("categorieParticularite");
  if (const json* going = fields.find("penetrometre"); going != nullptr && going->is_object()) {
    race.going = going->value("intitule", "");
  }
  if (const json* hippodrome = reunion_fields.find("hippodrome"); hippodrome != nullptr && hippodrome->is_object()) {
    race.venue_code = hippodrome->value("code", "");
    race.venue_name = hippodrome->value("libelleCourt", "");
  }
  race.is_quinte = false;
  if (const json* bets = fields.find("paris"); bets != nullptr && bets->is_array()) {
    for (const json& bet : *bets) {
      const std::string code = bet.is_object() ? bet.value("codePari", "") : "";
      if (code == "QUINTE_PLUS" || code == "E_QUINTE_PLUS") race.is_quinte = true;
    }
  }
  const std::string status = fields.text("statut");
  const json* order = fields.find("ordreArrivee");
  if (status == "COURSE_ANNULEE") {
    race.status = RaceStatus::kCancelled;
  } else if (order != nullptr && order->is_array() && !order->empty()) {
    race.status = RaceStatus::kFinished;
  }
  return race;
}

Runner read_runner(const json& participant, RaceId race_id, const std::map<int, int>& arrival,
                   const std::string& file, const std::string& path, std::vector<BadRow>& faults,
                   std::vector<std::string>& warnings) {
  Fields fields(participant, file, path, faults);
  Runner runner;
  runner.race_id = race_id;
  runner.number = static_cast<int>(fields.integer("numPmu", true, 1).value_or(0));
  runner.horse_name = fields.text("nom", true);
  runner.horse_key = fields.text("idCheval");
  if (runner.horse_key.empty()) runner.horse_key = runner.horse_name;
  runner.age = as_int(fields.integer("age", false, 1));
  const std::string sex = fields.text("sexe");
  if (!sex.empty()) {
    if (const std::optional<std::string> parsed = pmu_sex(sex)) {
      runner.sex = *parsed;
    } else {
      fields.fault("sexe", sex, "is not a sex (MALES, FEMELLES, HONGRES)");
    }
  }
  runner.non_runner = fields.text("statut") == "NON_PARTANT";
  runner.blinkers = fields.text("oeilleres");
  runner.shoes = fields.text("deferre");
  runner.jockey = fields.text("driver");
  if (runner.jockey.empty()) runner.jockey = fields.text("jockey");
  runner.trainer = fields.text("entraineur");
  runner.musique = fields.text("musique");
  runner.career_starts = as_int(fields.integer("nombreCourses", false, 0));
  runner.career_wins = as_int(fields.integer("nombreVictoires", false, 0));
  runner.career_places = as_int(fields.integer("nombrePlaces", false, 0));
  if (const json* gains = fields.find("gainsParticipant"); gains != nullptr && gains->is_object()) {
    Fields gain_fields(*gains, file, path + ".gainsParticipant", faults);
    const std::optional<std::int64_t> centimes = gain_fields.integer("gainsCarriere", false, 0);
    if (centimes) runner.career_earnings_eur = *centimes / 100;
  }
  runner.handicap_distance_m = as_int(fields.integer("handicapDistance", false, 1));
  const std::optional<int> stall = as_int(fields.integer("placeCorde", false, 0));
  if (stall && *stall > 0) runner.draw = stall;
  std::optional<std::int64_t> hectograms = fields.integer("poidsConditionMonte", false, 1);
  if (!hectograms) hectograms = fields.integer("handicapPoids", false, 1);
  if (hectograms) runner.weight_kg = static_cast<double>(*hectograms) / 10.0;
  auto odds = [&](const char* key) -> std::optional<double> {
    const json* report = fields.find(key);
    if (report == nullptr || !report->is_object()) return std::nullopt;
    const auto rapport = report->find("rapport");
    if (rapport == report->end() || !rapport->is_number()) return std::nullopt;
    const double value = rapport->get<double>();
    return value >= 1.0 ? std::optional<double>(value) : std::nullopt;
  };
  runner.morning_odds = odds("dernierRapportReference");
  runner.final_odds = odds("dernierRapportDirect");
  runner.finish_position = as_int(fields.integer("ordreArrivee", false, 1));
  if (!runner.finish_position) {
    if (const auto found = arrival.find(runner.number); found != arrival.end()) runner.finish_position = found->second;
  }
  const std::string incident = fields.text("incident");
  if (!incident.empty()) {
    if (const std::optional<Incident> parsed = pmu_incident(incident)) {
      runner.incident = *parsed;
      if (runner.incident == Incident::kDisqualified) runner.finish_position.reset();
    } else {
      warnings.push_back(fmt::format("{}, {}.incident: '{}' is not a known incident; ignored", file, path, incident));
    }
  }
  return runner;
}

// The day directories named by `path`: itself when it holds programme.json, else its
// subdirectories that do, in name order.
Result<std::vector<fs::path>> day_directories(const fs::path& path) {
  if (!fs::exists(path)) return make_error(ErrorCode::kNotFound, fmt::format("'{}' does not exist", path.string()));
  if (fs::exists(path / "programme.json")) return std::vector<fs::path>{path};
  std::vector<fs::path> days;
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(path, ec)) {
    if (entry.is_directory() && fs::exists(entry.path() / "programme.json")) days.push_back(entry.path());
  }
  if (ec) return make_error(ErrorCode::kIo, fmt::format("cannot list '{}': {}", path.string(), ec.message()));
  if (days.empty()) {
    return make_error(ErrorCode::kNotFound,
                      fmt::format("no day directory (with programme.json) in '{}'", path.string()));
  }
  std::sort(days.begin(), days.end());
  return days;
}

// Every race of one day directory, good or with its faults.
Status read_day_files(Database& db, const fs::path& day_dir, std::vector<Course>& courses,
                      std::vector<std::string>& warnings) {
  const std::string file = (day_dir / "programme.json").string();
  PADDOCK_ASSIGN_OR_RETURN(const json document, read_json(day_dir / "programme.json"));
  const auto programme = document.find("programme");
  if (programme == document.end() || !programme->is_object()) {
    return make_error(ErrorCode::kInvalidArgument, fmt::format("{}: no 'programme' object; not a PMU programme", file));
  }
  PADDOCK_ASSIGN_OR_RETURN(const Day day, programme_day(*programme, day_dir, file));
  const json reunions = programme->value("reunions", json::array());
  for (std::size_t r = 0; r < reunions.size(); ++r) {
    const json courses_json = reunions[r].is_object() ? reunions[r].value("courses", json::array()) : json::array();
    for (std::size_t c = 0; c < courses_json.size(); ++c) {
      Course course;
      const std::string path = fmt::format("reunions[{}].courses[{}]", r, c);
      course.race = read_race(courses_json[c], reunions[r], day, file, path, course.faults);
      Race& race = course.race;
      PADDOCK_ASSIGN_OR_RETURN(const std::optional<RaceId> stored, db.race_at(race.day, race.meeting_no, race.race_no));
      course.stored = stored.has_value();
      race.id = stored.value_or(static_cast<RaceId>(yyyymmdd(race.day)) * 10000 + race.meeting_no * 100 + race.race_no);

      const fs::path participants_file =
          day_dir / fmt::format("R{}", race.meeting_no) / fmt::format("C{}", race.race_no) / "participants.json";
      if (!fs::exists(participants_file)) {
        if (course.faults.empty()) warnings.push_back(fmt::format("{}: no {}; race imported without runners", slot_name(race), participants_file.string()));
        courses.push_back(std::move(course));
        continue;
      }
      PADDOCK_ASSIGN_OR_RETURN(const json participants, read_json(participants_file));
      const auto list = participants.find("participants");
      Fields top(participants, participants_file.string(), "", course.faults);
      if (list == participants.end() || !list->is_array()) {
        top.fault("participants", "", "is missing or not an array");
      } else {
        const std::map<int, int> arrival = arrival_positions(courses_json[c].value("ordreArrivee", json::array()));
        std::set<int> numbers;
        for (std::size_t p = 0; p < list->size(); ++p) {
          const std::string where = fmt::format("participants[{}]", p);
          Runner runner = read_runner((*list)[p], race.id, arrival, participants_file.string(), where, course.faults, warnings);
          if (runner.number > 0 && !numbers.insert(runner.number).second) {
            Fields(participants, participants_file.string(), where, course.faults)
                .fault("numPmu", std::to_string(runner.number), "appears twice in the race");
          }
          if (runner.finish_position || runner.incident != Incident::kNone) race.status = RaceStatus::kFinished;
          course.runners.push_back(std::move(runner));
        }
      }
      courses.push_back(std::move(course));
    }
  }
  return ok_status();
}

// Fields are read with checks; a JSON shape the checks do not foresee (an object where a list
// should be, say) still ends as an error naming the day, never as an exception.
Status read_day(Database& db, const fs::path& day_dir, std::vector<Course>& courses, std::vector<std::string>& warnings) {
  try {
    return read_day_files(db, day_dir, courses, warnings);
  } catch (const json::exception& error) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{}: unexpected PMU JSON shape ({})", day_dir.string(), error.what()));
  }
}

std::string list_bad_rows(const std::vector<BadRow>& rows) {
  std::string text;
  const std::size_t listed = std::min(rows.size(), kMaxListedBadRows);
  for (std::size_t i = 0; i < listed; ++i) text += fmt::format("\n  {}", rows[i].message);
  if (rows.size() > listed) text += fmt::format("\n  ... and {} more", rows.size() - listed);
  return text;
}

}  // namespace

Result<ImportReport> import_pmu(Database& db, const PmuImportOptions& options) {
  ImportReport report;
  std::vector<fs::path> days;
  for (const fs::path& path : options.paths) {
    PADDOCK_ASSIGN_OR_RETURN(const std::vector<fs::path> found, day_directories(path));
    days.insert(days.end(), found.begin(), found.end());
  }

  // Hold the write lock while reading, so that the slots looked up stay as they are.
  PADDOCK_ASSIGN_OR_RETURN(WriteTransaction transaction, WriteTransaction::begin(db));
  std::vector<Course> courses;
  for (const fs::path& day : days) PADDOCK_TRY(read_day(db, day, courses, report.warnings));

  std::vector<BadRow> bad;
  for (const Course& course : courses) bad.insert(bad.end(), course.faults.begin(), course.faults.end());
  if (!bad.empty() && options.bad_rows == BadRowPolicy::kRejectAll) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{} bad field{} in the PMU files; nothing was imported (--skip-bad-rows imports "
                                  "the other races):{}", bad.size(), bad.size() == 1 ? "" : "s", list_bad_rows(bad)));
  }
  report.bad_rows = std::move(bad);

  RowWriter writer(db);
  for (Course& course : courses) {
    if (!course.faults.empty()) continue;
    PADDOCK_TRY(writer.write_race(course.race));
    for (const Runner& runner : course.runners) PADDOCK_TRY(writer.write_runner(runner));
    ++report.races;
    ++(course.stored ? report.updated_races : report.new_races);
    report.runners += static_cast<std::int64_t>(course.runners.size());
  }
  PADDOCK_TRY(transaction.commit());
  return report;
}

}  // namespace paddock
