#include "ingest/pmu_importer.h"

#include <fmt/format.h>

#include <algorithm>
#include <exception>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>

#include "core/file_reader.h"
#include "ingest/import_messages.h"
#include "ingest/import_rules.h"
#include "ingest/row_writer.h"

namespace paddock {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;
namespace limits = import_rules;

constexpr std::int64_t kMillisecondsPerDay = 86'400'000;
constexpr std::int64_t kCentimesPerEuro = 100;
constexpr std::int64_t kHectogramsPerKg = 10;
// PMU files are never nested deeper than ~8 levels. Past this depth a file is refused while it
// is parsed, so that nothing later (nlohmann's dump, copies, comparisons, destruction: all
// recursive) recurses deeper than this on any input.
constexpr int kMaxJsonDepth = 64;
// A day's programme is a few hundred kilobytes; a JSON document takes ~10 times its size in
// memory, so the 1 GiB any file may have would be too much here.
constexpr std::size_t kMaxJsonFileBytes = std::size_t{64} << 20;
constexpr std::size_t kMaxShownLibraryMessageBytes = 200;

// One race of the programme with its runners, and what is wrong with it.
struct Course {
  Race race;
  std::vector<Runner> runners;
  bool stored = false;          // the slot already holds this race in the database
  bool has_result = false;      // an arrival or a runner's result, in these files
  std::string where;            // file and JSON path, for messages
  std::vector<BadRow> faults;   // empty: good
};

// Thrown by the parser callback to stop at the depth limit: a callback can otherwise only
// discard a value, and the parser would still read the rest of the nesting. Caught in read_json.
class NestedTooDeep : public std::exception {
 public:
  const char* what() const noexcept override { return "JSON nested too deep"; }
};

// nlohmann's parse errors end with the token they stopped in ("...; last read: '<token>'"),
// which may be the whole of a string of megabytes: that part is shortened like a value.
std::string parse_error_text(std::string_view what) {
  constexpr std::string_view kLastRead = "last read: '";
  const std::size_t at = what.find(kLastRead);
  if (at == std::string_view::npos) return shown_text(what, kMaxShownLibraryMessageBytes);
  const std::size_t token = at + kLastRead.size();
  std::string_view rest = what.substr(token);
  if (!rest.empty() && rest.back() == '\'') rest.remove_suffix(1);
  return shown_text(what.substr(0, token), kMaxShownLibraryMessageBytes) + shown_text(rest) + "'";
}

// The file's JSON, read through read_file (a directory or a FIFO is an Error naming it, not an
// exception), and refused when nested deeper than kMaxJsonDepth.
Result<json> read_json(const fs::path& path) {
  PADDOCK_ASSIGN_OR_RETURN(const std::string text, read_file(path, kMaxJsonFileBytes));
  // `depth` counts the containers around the one that opens.
  const json::parser_callback_t limit_depth = [](int depth, json::parse_event_t event, json& /*parsed*/) {
    const bool opens = event == json::parse_event_t::object_start || event == json::parse_event_t::array_start;
    if (opens && depth >= kMaxJsonDepth) throw NestedTooDeep();
    return true;
  };
  try {
    return json::parse(text, limit_depth);
  } catch (const NestedTooDeep&) {
    return make_error(ErrorCode::kInvalidArgument, fmt::format("{}: JSON nested deeper than {} levels; not a PMU file",
                                                               path.string(), kMaxJsonDepth));
  } catch (const json::parse_error& error) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{}: not valid JSON ({})", path.string(), parse_error_text(error.what())));
  }
}

// A JSON value as a message shows it: a string or a number shortened like any value, but only
// the kind of a list or an object, whose dump could be megabytes.
std::string shown_json(const json& value) {
  if (value.is_string()) return "\"" + shown_text(value.get_ref<const std::string&>()) + "\"";
  if (value.is_array()) return "[...]";
  if (value.is_object()) return "{...}";
  return shown_text(value.dump());
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

  std::optional<std::int64_t> integer(const char* key, bool required, std::int64_t min,
                                      std::int64_t max = std::numeric_limits<std::int32_t>::max()) {
    const json* value = find(key);
    if (value == nullptr) {
      if (required) fault(key, "", "is missing");
      return std::nullopt;
    }
    if (!value->is_number_integer()) return bad_value(key, *value, "is not an integer"), std::nullopt;
    // Above INT64_MAX (an unsigned in the file) is out of range, not a wrapped negative number.
    const bool too_large = value->is_number_unsigned() && value->get<std::uint64_t>() > static_cast<std::uint64_t>(max);
    const auto number = value->get<std::int64_t>();
    if (too_large || number < min || number > max) {
      return bad_value(key, *value, fmt::format("is not between {} and {}", min, max)), std::nullopt;
    }
    return number;
  }

  // A number (integer or not) within [min, max]; absent when missing.
  std::optional<double> number(const char* key, double min, double max) {
    const json* value = find(key);
    if (value == nullptr) return std::nullopt;
    if (!value->is_number()) return bad_value(key, *value, "is not a number"), std::nullopt;
    const auto number = value->get<double>();
    if (!(number >= min && number <= max)) {
      return bad_value(key, *value, fmt::format("is not between {:g} and {:g}", min, max)), std::nullopt;
    }
    return number;
  }

  // A nested object, for reading its fields under this one's path; nullptr when absent.
  const json* object(const char* key) const {
    const json* value = find(key);
    return value != nullptr && value->is_object() ? value : nullptr;
  }
  std::string path_of(const char* key) const { return path_.empty() ? key : path_ + "." + key; }

  std::string text(const char* key, bool required = false) {
    const json* value = find(key);
    if (value == nullptr || (value->is_string() && value->get_ref<const std::string&>().empty())) {
      if (required) fault(key, "", "is missing");
      return "";
    }
    if (!value->is_string()) return bad_value(key, *value, "is not a string"), "";
    // JSON may escape a NUL ("\u0000"); no name holds one, and the CSV importer refuses it too.
    const std::string& text = value->get_ref<const std::string&>();
    if (text.find('\0') != std::string::npos) return fault(key, text, "contains a NUL byte"), "";
    return text;
  }

  // A fault about the field `key`, whose text (shortened in the message) is `value`.
  void fault(const char* key, std::string_view value, const std::string& problem) {
    record(key, shown_text(value), problem);
  }
  // A fault about the field `key`, shown as JSON (a string in quotes, a list as [...]).
  void bad_value(const char* key, const json& value, const std::string& problem) {
    record(key, shown_json(value), problem);
  }

 private:
  void record(const char* key, std::string shown, const std::string& problem) {
    BadRow row;
    row.file = file_;
    row.column = path_of(key);
    row.message = fmt::format("{}, {}:{}{}{} {}", file_, row.column, shown.empty() ? "" : " '", shown,
                              shown.empty() ? "" : "'", problem);
    row.value = std::move(shown);
    faults_.push_back(std::move(row));
  }

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

// The day named by a DDMMYYYY directory, if it is one.
std::optional<Day> directory_day(const fs::path& day_dir) {
  const std::string name = day_dir.filename().string();
  if (name.size() != 8 || !std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  Result<Day> day = parse_day(name.substr(4, 4) + "-" + name.substr(2, 2) + "-" + name.substr(0, 2));
  return day.ok() ? std::optional<Day>(*day) : std::nullopt;
}

// The programme's day. Its `date` is local midnight in epoch milliseconds: 22:00 or 23:00 UTC
// the evening before, for France. Adding the offset (when given) and rounding to the nearest
// UTC midnight gives the calendar day whether or not the offset is there. Without `date`, the
// directory's DDMMYYYY name.
Result<Day> programme_day(const json& programme, const fs::path& day_dir, const std::string& file,
                          std::vector<std::string>& warnings) {
  // Years 1900 .. 2200 in epoch milliseconds, and offsets within a day: anything else is not a
  // date the API gives.
  constexpr std::int64_t kEarliest = -2'208'988'800'000;
  constexpr std::int64_t kLatest = 7'258'118'400'000;
  const std::optional<Day> named = directory_day(day_dir);
  const auto date = programme.find("date");
  const auto offset = programme.find("timezoneOffset");
  const std::int64_t offset_ms =
      offset != programme.end() && offset->is_number_integer() ? offset->get<std::int64_t>() : 0;
  const bool usable = date != programme.end() && date->is_number_integer() && date->get<std::int64_t>() >= kEarliest &&
                      date->get<std::int64_t>() <= kLatest && offset_ms > -kMillisecondsPerDay &&
                      offset_ms < kMillisecondsPerDay;
  if (!usable) {
    if (named) return *named;
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{}: programme.date is missing or not a date in epoch milliseconds, and the "
                                  "directory is not named DDMMYYYY", file));
  }
  const std::int64_t local = date->get<std::int64_t>() + offset_ms;
  const std::int64_t shifted = local + kMillisecondsPerDay / 2;
  const auto day = static_cast<Day>((shifted - (((shifted % kMillisecondsPerDay) + kMillisecondsPerDay) % kMillisecondsPerDay)) /
                                    kMillisecondsPerDay);
  if (named && *named != day) {
    warnings.push_back(fmt::format("{}: programme.date is {} but the directory says {}; using {}", file, format_day(day),
                                   format_day(*named), format_day(day)));
  }
  return day;
}

// Finishing positions from ordreArrivee, [[7],[3,9],...]: each inner array is one rank (a dead
// heat shares it); the next rank counts the horses ahead. Numbers that no runner can have, and
// places beyond the last a race can have, are left out.
std::map<int, int> arrival_positions(const json& order) {
  std::map<int, int> positions;
  if (!order.is_array()) return positions;
  int position = 1;
  for (const json& rank : order) {
    if (position > limits::kMaxFinishPosition) break;
    int placed = 0;
    const auto place = [&](const json& number) {
      if (!number.is_number_integer()) return;
      ++placed;
      if (number.is_number_unsigned() && number.get<std::uint64_t>() > limits::kMaxRunnerNumber) return;
      const auto runner = number.get<std::int64_t>();
      if (runner >= 1 && runner <= limits::kMaxRunnerNumber) positions.emplace(static_cast<int>(runner), position);
    };
    if (rank.is_array()) {
      for (const json& number : rank) place(number);
    } else {
      place(rank);
    }
    position += std::max(placed, 1);
  }
  return positions;
}

// Odds from the report object `key` ({"rapport": 4.5, ...}). A rapport below 1 (0 before the
// betting opens) or that is not a number is no odds; one above the limit is a fault.
std::optional<double> read_odds(const Fields& runner, const char* key, const std::string& file,
                                std::vector<BadRow>& faults) {
  const json* report = runner.object(key);
  if (report == nullptr) return std::nullopt;
  Fields fields(*report, file, runner.path_of(key), faults);
  const json* rapport = fields.find("rapport");
  if (rapport == nullptr || !rapport->is_number()) return std::nullopt;
  const auto value = rapport->get<double>();
  if (value < limits::kMinOdds) return std::nullopt;
  if (value > limits::kMaxOdds) {
    fields.bad_value("rapport", *rapport, fmt::format("is not between {:g} and {:g}", limits::kMinOdds, limits::kMaxOdds));
    return std::nullopt;
  }
  return value;
}

Race read_race(const json& course, const json& reunion, Day day, const std::string& file, const std::string& path,
               const std::string& reunion_path, std::vector<BadRow>& faults) {
  Fields fields(course, file, path, faults);
  Fields reunion_fields(reunion, file, reunion_path, faults);
  Race race;
  race.day = day;
  // R and C of R1C3; both below 100, as the race id YYYYMMDDRRCC needs.
  std::optional<std::int64_t> meeting = fields.integer("numReunion", false, 1, limits::kMaxMeetingNo);
  if (!meeting && fields.find("numReunion") == nullptr) {
    meeting = reunion_fields.integer("numOfficiel", true, 1, limits::kMaxMeetingNo);
  }
  race.meeting_no = static_cast<int>(meeting.value_or(1));
  race.race_no = static_cast<int>(fields.integer("numOrdre", true, 1, limits::kMaxRaceNo).value_or(1));
  race.distance_m = static_cast<int>(fields.integer("distance", true, 1, limits::kMaxDistanceM).value_or(0));
  const std::string discipline = fields.text("discipline", true);
  if (!discipline.empty()) {
    if (const std::optional<Discipline> parsed = pmu_discipline(discipline)) {
      race.discipline = *parsed;
    } else {
      fields.fault("discipline", discipline, "is not a discipline (PLAT, ATTELE, MONTE, HAIE, STEEPLECHASE, CROSS)");
    }
  }
  race.name = fields.text("libelle");
  race.prize_eur = fields.integer("montantPrix", false, 0, limits::kMaxEuros);
  race.category = fields.text("categorieParticularite");
  // The winner's time, in milliseconds, once the race is run.
  if (const auto ms = fields.integer("dureeCourse", false, 1, static_cast<std::int64_t>(limits::kMaxRaceSeconds * 1000))) {
    race.winning_time_s = static_cast<double>(*ms) / 1000.0;
  }
  // The off, as epoch milliseconds (UTC) and the venue's offset from UTC: the local HH:MM.
  constexpr std::int64_t kMsPerMinute = 60'000;
  if (const std::optional<std::int64_t> off = fields.integer("heureDepart", false, 0, limits::kMaxEpochMs)) {
    const std::int64_t offset = fields.integer("timezoneOffset", false, -limits::kMaxUtcOffsetMs, limits::kMaxUtcOffsetMs).value_or(0);
    race.post_time = format_time_of_day((*off + offset) / kMsPerMinute);
  }
  if (const json* going = fields.object("penetrometre")) {
    race.going = Fields(*going, file, fields.path_of("penetrometre"), faults).text("intitule");
  }
  if (const json* hippodrome = reunion_fields.object("hippodrome")) {
    Fields venue(*hippodrome, file, reunion_fields.path_of("hippodrome"), faults);
    race.venue_code = venue.text("code");
    race.venue_name = venue.text("libelleCourt");
  }
  // The Quinté+ is known from the bets offered; without the list, nothing is known.
  if (const json* bets = fields.find("paris"); bets != nullptr && bets->is_array()) {
    race.is_quinte = false;
    for (const json& bet : *bets) {
      const std::string code = Fields(bet, file, fields.path_of("paris"), faults).text("codePari");
      if (code == "QUINTE_PLUS" || code == "E_QUINTE_PLUS") race.is_quinte = true;
    }
  }
  const json* order = fields.find("ordreArrivee");
  if (fields.text("statut") == "COURSE_ANNULEE") {
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
  runner.number = static_cast<int>(fields.integer("numPmu", true, 1, limits::kMaxRunnerNumber).value_or(0));
  runner.horse_name = fields.text("nom", true);
  runner.horse_key = fields.text("idCheval");
  if (runner.horse_key.empty()) runner.horse_key = runner.horse_name;
  runner.age = as_int(fields.integer("age", false, limits::kMinAge, limits::kMaxAge));
  const std::string sex = fields.text("sexe");
  if (!sex.empty()) {
    if (const std::optional<std::string> parsed = pmu_sex(sex)) {
      runner.sex = *parsed;
    } else {
      fields.fault("sexe", sex, "is not a sex (MALES, FEMELLES, HONGRES)");
    }
  }
  const std::string status = fields.text("statut");
  if (!status.empty()) runner.non_runner = status == "NON_PARTANT";  // absent: keep what is stored
  runner.blinkers = fields.text("oeilleres");
  runner.shoes = fields.text("deferre");
  runner.jockey = fields.text("driver");
  if (runner.jockey.empty()) runner.jockey = fields.text("jockey");
  runner.trainer = fields.text("entraineur");
  runner.musique = fields.text("musique");
  runner.career_starts = as_int(fields.integer("nombreCourses", false, 0, limits::kMaxCareerCount));
  runner.career_wins = as_int(fields.integer("nombreVictoires", false, 0, limits::kMaxCareerCount));
  runner.career_places = as_int(fields.integer("nombrePlaces", false, 0, limits::kMaxCareerCount));
  if (const json* gains = fields.object("gainsParticipant")) {
    Fields gain_fields(*gains, file, fields.path_of("gainsParticipant"), faults);
    const std::optional<std::int64_t> centimes =
        gain_fields.integer("gainsCarriere", false, 0, limits::kMaxEuros * kCentimesPerEuro);
    if (centimes) runner.career_earnings_eur = *centimes / kCentimesPerEuro;
  }
  runner.handicap_distance_m = as_int(fields.integer("handicapDistance", false, 1, limits::kMaxDistanceM));
  const std::optional<int> stall = as_int(fields.integer("placeCorde", false, 0, limits::kMaxDraw));
  if (stall && *stall > 0) runner.draw = stall;
  constexpr auto kMaxHectograms = static_cast<std::int64_t>(limits::kMaxWeightKg) * kHectogramsPerKg;
  std::optional<std::int64_t> hectograms = fields.integer("poidsConditionMonte", false, 1, kMaxHectograms);
  if (!hectograms) hectograms = fields.integer("handicapPoids", false, 1, kMaxHectograms);
  if (hectograms) runner.weight_kg = static_cast<double>(*hectograms) / kHectogramsPerKg;
  // After the off, in milliseconds: the runner's time and its réduction kilométrique (trot).
  constexpr double kMsPerSecond = 1000.0;
  if (const auto ms = fields.integer("tempsObtenu", false, 1, static_cast<std::int64_t>(limits::kMaxRaceSeconds * kMsPerSecond))) {
    runner.finish_time_s = static_cast<double>(*ms) / kMsPerSecond;
  }
  if (const auto ms = fields.integer("reductionKilometrique", false, 1,
                                     static_cast<std::int64_t>(limits::kMaxReductionSecondsPerKm * kMsPerSecond))) {
    runner.reduction_km_s = static_cast<double>(*ms) / kMsPerSecond;
  }
  runner.official_rating = fields.number("handicapValeur", 0.0, limits::kMaxOfficialRating);
  runner.morning_odds = read_odds(fields, "dernierRapportReference", file, faults);
  runner.final_odds = read_odds(fields, "dernierRapportDirect", file, faults);
  runner.finish_position = as_int(fields.integer("ordreArrivee", false, 1, limits::kMaxFinishPosition));
  if (!runner.finish_position) {
    if (const auto found = arrival.find(runner.number); found != arrival.end()) runner.finish_position = found->second;
  }
  const std::string incident = fields.text("incident");
  if (!incident.empty()) {
    if (const std::optional<Incident> parsed = pmu_incident(incident)) {
      runner.incident = *parsed;
      // The incident is the stewards' last word: a horse that did not finish or lost its place
      // has none, whatever an arrival order says (as in CSV, where the two together are refused).
      if (limits::leaves_no_place(runner.incident)) runner.finish_position.reset();
    } else {
      warnings.push_back(fmt::format("{}, {}.incident: '{}' is not a known incident; ignored", file, path,
                                     shown_text(incident)));
    }
  }
  return runner;
}

bool file_exists(const fs::path& path, std::error_code& ec) {
  const bool found = fs::exists(path, ec);
  return found && !ec;
}

// The day directories named by `path`: itself when it holds programme.json, else its
// subdirectories named DDMMYYYY that do, in name order.
Result<std::vector<fs::path>> day_directories(const fs::path& path) {
  std::error_code ec;
  if (!file_exists(path, ec)) {
    if (ec) return make_error(ErrorCode::kIo, fmt::format("cannot read '{}': {}", path.string(), ec.message()));
    return make_error(ErrorCode::kNotFound, fmt::format("'{}' does not exist", path.string()));
  }
  if (file_exists(path / "programme.json", ec)) return std::vector<fs::path>{path};
  std::vector<fs::path> days;
  for (fs::directory_iterator entry(path, ec), end; !ec && entry != end; entry.increment(ec)) {
    if (!directory_day(entry->path())) continue;
    std::error_code unreadable;
    const bool day = entry->is_directory(unreadable) && file_exists(entry->path() / "programme.json", unreadable);
    if (unreadable) {
      return make_error(ErrorCode::kIo, fmt::format("cannot read '{}': {}", entry->path().string(), unreadable.message()));
    }
    if (day) days.push_back(entry->path());
  }
  if (ec) return make_error(ErrorCode::kIo, fmt::format("cannot list '{}': {}", path.string(), ec.message()));
  if (days.empty()) {
    return make_error(ErrorCode::kNotFound,
                      fmt::format("no day directory (DDMMYYYY, with programme.json) in '{}'", path.string()));
  }
  std::sort(days.begin(), days.end());
  return days;
}

// The race's id: the one its slot already has, else YYYYMMDDRRCC unless another slot took it.
// Its runners follow.
Status assign_race_id(Database& db, Course& course) {
  Race& race = course.race;
  PADDOCK_ASSIGN_OR_RETURN(const std::optional<RaceId> stored, db.race_at(race.day, race.meeting_no, race.race_no));
  course.stored = stored.has_value();
  race.id = stored.value_or(static_cast<RaceId>(yyyymmdd(race.day)) * 10000 + race.meeting_no * 100 + race.race_no);
  for (Runner& runner : course.runners) runner.race_id = race.id;
  if (stored) return ok_status();
  PADDOCK_ASSIGN_OR_RETURN(const std::vector<RaceId> taken, db.existing_races({race.id}));
  if (!taken.empty()) {
    BadRow row;
    row.file = course.where;
    row.message = fmt::format("{}: cannot be stored: race id {} ({}) is already another race in the database",
                              course.where, race.id, slot_name(race));
    course.faults.push_back(std::move(row));
  }
  return ok_status();
}

// The race's runners from R<r>/C<c>/participants.json; a race without the file has none yet.
Status read_participants(const fs::path& day_dir, const json& course_json, Course& course,
                         std::vector<std::string>& warnings) {
  Race& race = course.race;
  const fs::path participants_file =
      day_dir / fmt::format("R{}", race.meeting_no) / fmt::format("C{}", race.race_no) / "participants.json";
  std::error_code ec;
  if (!file_exists(participants_file, ec)) {
    if (ec) return make_error(ErrorCode::kIo, fmt::format("cannot read '{}': {}", participants_file.string(), ec.message()));
    warnings.push_back(fmt::format("{}: no {}; race imported without runners", slot_name(race), participants_file.string()));
    return ok_status();
  }
  const std::string file = participants_file.string();
  PADDOCK_ASSIGN_OR_RETURN(const json participants, read_json(participants_file));
  Fields top(participants, file, "", course.faults);
  const json* list = top.find("participants");
  if (list == nullptr || !list->is_array()) {
    top.fault("participants", "", "is missing or not an array");
    return ok_status();
  }
  const json* order = course_json.is_object() && course_json.contains("ordreArrivee") ? &course_json["ordreArrivee"] : nullptr;
  const std::map<int, int> arrival = order != nullptr ? arrival_positions(*order) : std::map<int, int>();
  std::set<int> numbers;
  for (std::size_t p = 0; p < list->size(); ++p) {
    const std::string where = fmt::format("participants[{}]", p);
    Runner runner = read_runner((*list)[p], race.id, arrival, file, where, course.faults, warnings);
    if (runner.number > 0 && !numbers.insert(runner.number).second) {
      Fields(json::object(), file, where, course.faults).fault("numPmu", std::to_string(runner.number), "appears twice in the race");
    }
    if (runner.finish_position || runner.incident != Incident::kNone) course.has_result = true;
    course.runners.push_back(std::move(runner));
  }
  if (course.has_result && race.status != RaceStatus::kCancelled) race.status = RaceStatus::kFinished;
  return ok_status();
}

// Every race of one day directory, good or with its faults.
Status read_day_files(const fs::path& day_dir, std::vector<Course>& courses,
                      std::vector<std::string>& warnings) {
  const std::string file = (day_dir / "programme.json").string();
  PADDOCK_ASSIGN_OR_RETURN(const json document, read_json(day_dir / "programme.json"));
  const auto programme = document.find("programme");
  if (programme == document.end() || !programme->is_object()) {
    return make_error(ErrorCode::kInvalidArgument, fmt::format("{}: no 'programme' object; not a PMU programme", file));
  }
  PADDOCK_ASSIGN_OR_RETURN(const Day day, programme_day(*programme, day_dir, file, warnings));
  const auto reunions = programme->find("reunions");
  if (reunions != programme->end() && !reunions->is_null() && !reunions->is_array()) {
    return make_error(ErrorCode::kInvalidArgument, fmt::format("{}: programme.reunions is not a list", file));
  }
  if (reunions == programme->end() || reunions->is_null() || reunions->empty()) {
    warnings.push_back(fmt::format("{}: no reunions; nothing to import for {}", file, format_day(day)));
    return ok_status();
  }
  for (std::size_t r = 0; r < reunions->size(); ++r) {
    const json& reunion = (*reunions)[r];
    const std::string reunion_path = fmt::format("reunions[{}]", r);
    const auto races = reunion.is_object() ? reunion.find("courses") : reunion.end();
    if (!reunion.is_object() || races == reunion.end() || !races->is_array()) {
      warnings.push_back(fmt::format("{}, {}: no courses", file, reunion_path));
      continue;
    }
    for (std::size_t c = 0; c < races->size(); ++c) {
      const json& course_json = (*races)[c];
      Course course;
      const std::string path = fmt::format("{}.courses[{}]", reunion_path, c);
      course.race = read_race(course_json, reunion, day, file, path, reunion_path, course.faults);
      course.where = file + ", " + path;
      if (!course.faults.empty()) {
        courses.push_back(std::move(course));
        continue;
      }
      course.has_result = course.race.status == RaceStatus::kFinished;
      PADDOCK_TRY(read_participants(day_dir, course_json, course, warnings));
      courses.push_back(std::move(course));
    }
  }
  return ok_status();
}

// Fields are read with checks; a JSON shape the checks do not foresee (an object where a list
// should be, say) still ends as an error naming the day, never as an exception, and so does
// running out of memory.
Status read_day(const fs::path& day_dir, std::vector<Course>& courses, std::vector<std::string>& warnings) {
  try {
    return read_day_files(day_dir, courses, warnings);
  } catch (const json::exception& error) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{}: unexpected PMU JSON shape ({})", day_dir.string(),
                                  shown_text(error.what(), kMaxShownLibraryMessageBytes)));
  } catch (const std::exception& error) {
    return exception_error(error, day_dir.string());
  }
}

// A slot (day, R, C) twice in one import (the same day given twice, two reunions with one
// number) is a bad race the second time: which file wins would be an accident.
Status reject_repeated_slots(std::vector<Course>& courses) {
  std::map<std::tuple<Day, int, int>, std::string> seen;
  for (Course& course : courses) {
    if (!course.faults.empty()) continue;
    const Race& race = course.race;
    const auto [first, inserted] = seen.emplace(std::make_tuple(race.day, race.meeting_no, race.race_no), course.where);
    if (!inserted) {
      BadRow row;
      row.file = course.where;
      row.message = fmt::format("{}: {} appears again (first at {})", course.where, slot_name(race), first->second);
      course.faults.push_back(std::move(row));
    }
  }
  return ok_status();
}

// A stored race that these files give no result for (a card fetched before the off, say) keeps
// its stored status: an earlier import may have finished it.
Status keep_stored_statuses(Database& db, std::vector<Course>& courses) {
  std::vector<RaceId> ids;
  for (const Course& course : courses) {
    if (course.faults.empty() && course.stored && !course.has_result && course.race.status != RaceStatus::kCancelled) {
      ids.push_back(course.race.id);
    }
  }
  if (ids.empty()) return ok_status();
  PADDOCK_ASSIGN_OR_RETURN(const std::vector<RaceCard> cards, db.load_race_cards(ids));
  std::map<RaceId, RaceStatus> stored;
  for (const RaceCard& card : cards) stored.emplace(card.id, card.status);
  for (Course& course : courses) {
    const auto found = stored.find(course.race.id);
    if (found != stored.end() && !course.has_result && course.race.status != RaceStatus::kCancelled) {
      course.race.status = found->second;
    }
  }
  return ok_status();
}

Result<ImportReport> import_pmu_steps(Database& db, const PmuImportOptions& options) {
  ImportReport report;
  std::vector<fs::path> days;
  for (const fs::path& path : options.paths) {
    PADDOCK_ASSIGN_OR_RETURN(const std::vector<fs::path> found, day_directories(path));
    days.insert(days.end(), found.begin(), found.end());
  }

  // Read and check the files first: other writers (jobs) are not kept waiting meanwhile.
  std::vector<Course> courses;
  for (const fs::path& day : days) PADDOCK_TRY(read_day(day, courses, report.warnings));

  // Then, holding the write lock so that what is looked up stays true until the commit: the
  // ids, the checks against the database and against each other, and the writes.
  PADDOCK_ASSIGN_OR_RETURN(WriteTransaction transaction, WriteTransaction::begin(db));
  for (Course& course : courses) {
    if (course.faults.empty()) PADDOCK_TRY(assign_race_id(db, course));
  }
  PADDOCK_TRY(reject_repeated_slots(courses));
  PADDOCK_TRY(keep_stored_statuses(db, courses));

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
    // A result in these files is the whole result: a corrected arrival replaces the stored one.
    if (course.stored && course.has_result) PADDOCK_TRY(db.clear_results(course.race.id));
    for (const Runner& runner : course.runners) PADDOCK_TRY(writer.write_runner(runner));
    ++report.races;
    ++(course.stored ? report.updated_races : report.new_races);
    report.runners += static_cast<std::int64_t>(course.runners.size());
  }
  PADDOCK_TRY(transaction.commit());
  return report;
}

}  // namespace

Result<ImportReport> import_pmu(Database& db, const PmuImportOptions& options) {
  // read_day turns what reading throws into errors; this catches the rest (memory running out
  // while writing), so that the transaction rolls back and no exception leaves the importer.
  try {
    return import_pmu_steps(db, options);
  } catch (const std::exception& error) {
    std::vector<std::string> paths;
    for (const fs::path& path : options.paths) paths.push_back(path.string());
    return exception_error(error, fmt::format("importing {}", fmt::join(paths, ", ")));
  }
}

}  // namespace paddock
