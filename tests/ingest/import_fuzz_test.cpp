// Fuzzing both importers: valid files made here (fictional races, never real racing data) are
// mutated at random (bytes flipped, inserted and deleted, lines duplicated, dropped and cut,
// fields swapped, huge numbers, NUL bytes, unicode, deep nesting) and imported into a database
// that already holds the unmutated files. Every import must end as a success or as an Error:
// never a crash, an exception or a sanitizer report. A failed import must leave the database as
// it was (row counts and a checksum of every table an import writes), whatever the policy.
//
// The run is bounded in time: PADDOCK_FUZZ_SECONDS (default 24) split between the two tests.
// It is seeded from PADDOCK_FUZZ_SEED, else at random, and prints the seed; each iteration
// draws from its own generator seeded with (seed, iteration), so a failure report's seed and
// iteration reproduce it (PADDOCK_FUZZ_ITERATION runs that iteration alone). The inputs being
// imported are in the printed directory, which a crash leaves behind.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "ingest/csv_importer.h"
#include "ingest/pmu_importer.h"
#include "support/test_fixture.h"

namespace paddock {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Rng = std::mt19937_64;

constexpr double kDefaultSeconds = 24.0;
// Messages quote at most a few dozen bytes of each value; a longer message echoes input.
constexpr std::size_t kMaxMessageBytes = 16 * 1024;

// ---------------------------------------------------------------------------------------------
// Settings from the environment.

std::optional<std::uint64_t> env_number(const char* name) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return std::nullopt;
  return std::strtoull(text, nullptr, 10);
}

double seconds_per_test() {
  const char* text = std::getenv("PADDOCK_FUZZ_SECONDS");
  const double total = text != nullptr && *text != '\0' ? std::strtod(text, nullptr) : kDefaultSeconds;
  return total / 2.0;  // two tests share the budget
}

std::uint64_t run_seed() {
  static const std::uint64_t seed = env_number("PADDOCK_FUZZ_SEED").value_or(std::random_device{}() * 0x100000001ULL ^
                                                                             std::random_device{}());
  return seed;
}

// ---------------------------------------------------------------------------------------------
// Random choices.

std::size_t below(Rng& rng, std::size_t n) { return n == 0 ? 0 : std::uniform_int_distribution<std::size_t>(0, n - 1)(rng); }
bool chance(Rng& rng, int percent) { return static_cast<int>(below(rng, 100)) < percent; }

template <typename T>
const T& pick(Rng& rng, const std::vector<T>& items) {
  return items[below(rng, items.size())];
}

// Bytes and words that parsers trip on.
const std::vector<std::string>& interesting_texts() {
  static const std::vector<std::string> texts = {
      ",", "\"", "\"\"", "\n", "\r\n", "\r", std::string(1, '\0'), "\t", " ", "{", "}", "[", "]", ":", "\\",
      "\\u0000", "-", "0", "-1", "1e308", "-1e308", "1e-320", "9223372036854775807", "9223372036854775808",
      "-9223372036854775808", "18446744073709551615", "99999999999999999999999", "2147483648", "4294967296",
      "NaN", "inf", "null", "true", "false", "\xC3\xA9", "\xF0\x9F\x90\x8E", "\xE2\x80\xAE", "\xC3", "\xFF\xFE",
      "\xEF\xBB\xBF", "57,5", "1.5", "disqualified", "fell", "demoted", "DISQUALIFIE", "TOMBE", "NON_PARTANT",
      "2024-02-30", "0000-00-00", "9999-12-31", "%s%n{}", std::string(300, 'A'), std::string(70000, 'Z')};
  return texts;
}

std::string random_bytes(Rng& rng, std::size_t max) {
  std::string bytes(1 + below(rng, max), '\0');
  for (char& c : bytes) c = static_cast<char>(below(rng, 256));
  return bytes;
}

std::string nested(Rng& rng) {
  // Mostly around the PMU importer's limit of 64 (the value itself sits a few levels down),
  // sometimes far beyond it.
  const std::size_t depth = chance(rng, 70) ? 45 + below(rng, 30) : 1 + below(rng, 100000);
  const bool close = chance(rng, 80);
  const char open = chance(rng, 50) ? '[' : '{';
  if (open == '{') {
    std::string text;
    for (std::size_t i = 0; i < depth; ++i) text += "{\"a\":";
    text += "1";
    if (close) text += std::string(depth, '}');
    return text;
  }
  return std::string(depth, '[') + (close ? std::string(depth, ']') : "");
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = text.find('\n', start);
    if (end == std::string::npos) {
      lines.push_back(text.substr(start));
      break;
    }
    lines.push_back(text.substr(start, end - start + 1));
    start = end + 1;
  }
  return lines;
}

std::string join(const std::vector<std::string>& parts) {
  std::string text;
  for (const std::string& part : parts) text += part;
  return text;
}

// One text-level mutation of `text`, any format.
void mutate_bytes(Rng& rng, std::string& text) {
  const std::size_t at = below(rng, text.size() + 1);
  switch (below(rng, 11)) {
    case 0:  // flip bits
      if (!text.empty()) text[below(rng, text.size())] ^= static_cast<char>(1 << below(rng, 8));
      break;
    case 1:
      text.insert(at, random_bytes(rng, 8));
      break;
    case 2:
      text.insert(at, pick(rng, interesting_texts()));
      break;
    case 3:  // delete a range
      text.erase(at, 1 + below(rng, 64));
      break;
    case 4:  // truncate
      text.resize(at);
      break;
    case 5:
      text.insert(at, nested(rng));
      break;
    case 6: {  // duplicate a line
      std::vector<std::string> lines = split_lines(text);
      const std::string& line = pick(rng, lines);
      lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(below(rng, lines.size() + 1)), line);
      text = join(lines);
      break;
    }
    case 7: {  // drop a line
      std::vector<std::string> lines = split_lines(text);
      lines.erase(lines.begin() + static_cast<std::ptrdiff_t>(below(rng, lines.size())));
      text = join(lines);
      break;
    }
    case 8: {  // swap two lines
      std::vector<std::string> lines = split_lines(text);
      std::swap(lines[below(rng, lines.size())], lines[below(rng, lines.size())]);
      text = join(lines);
      break;
    }
    case 9: {  // a number made huge, negative or fractional
      const std::size_t digit = text.find_first_of("0123456789", at);
      if (digit == std::string::npos) break;
      const std::size_t end = text.find_first_not_of("0123456789", digit);
      text.replace(digit, (end == std::string::npos ? text.size() : end) - digit,
                   pick(rng, std::vector<std::string>{"1e308", "99999999999999999999", "-0", "-5", "0", "3.75",
                                                      "2147483648", "9223372036854775808", "100000", "101"}));
      break;
    }
    default:  // copy a piece of the file elsewhere
      if (!text.empty()) {
        const std::size_t from = below(rng, text.size());
        text.insert(at > text.size() ? text.size() : at, text.substr(from, 1 + below(rng, 200)));
      }
      break;
  }
}

// ---------------------------------------------------------------------------------------------
// The database's state, to compare before and after a failed import.

std::string table_digest(const std::string& db_path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return "cannot open " + db_path;
  }
  sqlite3_busy_timeout(db, 10000);
  std::string digest;
  for (const char* table : {"venues", "horses", "jockeys", "trainers", "races", "runners"}) {
    sqlite3_stmt* statement = nullptr;
    const std::string sql = fmt::format("SELECT * FROM {} ORDER BY 1, 2", table);
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) != SQLITE_OK) {
      digest += fmt::format("{}: {}\n", table, sqlite3_errmsg(db));
      continue;
    }
    std::uint64_t hash = 14695981039346656037ULL;  // FNV-1a
    const auto mix = [&hash](const void* data, std::size_t size) {
      for (std::size_t i = 0; i < size; ++i) hash = (hash ^ static_cast<const unsigned char*>(data)[i]) * 1099511628211ULL;
    };
    std::int64_t rows = 0;
    while (sqlite3_step(statement) == SQLITE_ROW) {
      ++rows;
      for (int c = 0; c < sqlite3_column_count(statement); ++c) {
        const int type = sqlite3_column_type(statement, c);
        mix(&type, sizeof type);
        const unsigned char* text = sqlite3_column_text(statement, c);
        mix(text, text == nullptr ? 0 : static_cast<std::size_t>(sqlite3_column_bytes(statement, c)));
      }
    }
    sqlite3_finalize(statement);
    digest += fmt::format("{}: {} rows, {:016x}\n", table, rows, hash);
  }
  sqlite3_close(db);
  return digest;
}

void write_file(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

// ---------------------------------------------------------------------------------------------
// The fuzzing loop, shared by both formats.

// One format's inputs: writes the mutated files of an iteration, and imports them.
struct FuzzTarget {
  std::function<void(Rng&)> write_mutated;
  std::function<Result<ImportReport>(Database&, BadRowPolicy)> import;
  std::function<void()> write_original;
};

class ImportFuzz : public ::testing::Test {
 protected:
  // Imports the originals into a new database, whose copy each iteration starts from again
  // after an import that changed it.
  void prepare(const FuzzTarget& target) {
    target.write_original();
    {
      std::unique_ptr<Database> db = testing::open_or_die(pristine_);
      Result<ImportReport> report = target.import(*db, BadRowPolicy::kRejectAll);
      ASSERT_TRUE(report.ok()) << report.error().describe();
    }
    restore();
  }

  void restore() {
    db_.reset();
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(db_path_ + suffix);
    fs::copy_file(pristine_, db_path_);
    db_ = testing::open_or_die(db_path_);
    digest_ = table_digest(db_path_);
  }

  void run(const char* name, const FuzzTarget& target) {
    prepare(target);
    const std::uint64_t seed = run_seed();
    const std::optional<std::uint64_t> only = env_number("PADDOCK_FUZZ_ITERATION");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds_per_test());
    std::printf("%s: seed %llu (PADDOCK_FUZZ_SEED), inputs in %s\n", name, static_cast<unsigned long long>(seed),
                dir_.path().c_str());
    std::size_t imported = 0;
    std::size_t failed = 0;
    std::uint64_t iteration = only.value_or(0);
    for (; only ? iteration == *only : std::chrono::steady_clock::now() < deadline; ++iteration) {
      Rng rng(seed ^ (iteration * 0x9E3779B97F4A7C15ULL));
      target.write_mutated(rng);
      const BadRowPolicy policy = chance(rng, 70) ? BadRowPolicy::kRejectAll : BadRowPolicy::kSkip;
      const std::string where = fmt::format("{} seed {} iteration {}", name, seed, iteration);
      if (!check_one(target, policy, where, imported, failed)) return;
    }
    std::printf("%s: %llu iterations, %zu imported, %zu failed as errors\n", name,
                static_cast<unsigned long long>(iteration - only.value_or(0)), imported, failed);
    print_error_kinds(name);
  }

  // The most frequent kinds of error, to see how deep the mutations reach.
  void print_error_kinds(const char* name) const {
    std::vector<std::pair<std::size_t, std::string>> kinds;
    for (const auto& [kind, count] : error_kinds_) kinds.emplace_back(count, kind);
    std::sort(kinds.rbegin(), kinds.rend());
    for (std::size_t i = 0; i < kinds.size() && i < 12; ++i) {
      std::printf("%s:   %6zu x %s\n", name, kinds[i].first, kinds[i].second.c_str());
    }
  }

  // An error's kind: its first bad row's problem, or its message, without file names and values.
  static std::string error_kind(const Error& error) {
    std::string message = error.message;
    const std::size_t listed = message.find("\n  ");
    if (listed != std::string::npos) message = message.substr(listed + 3);
    message = message.substr(0, message.find('\n'));
    std::string kind;
    bool quoted = false;
    for (const char c : message) {
      if (c == '\'') {
        quoted = !quoted;
        kind += quoted ? "'" : "V'";
      } else if (!quoted && !(c >= '0' && c <= '9')) {
        kind += c;
      }
    }
    const std::size_t slash = kind.rfind('/');
    return kind.substr(slash == std::string::npos ? 0 : slash + 1, 90);
  }

  // Imports the current inputs; false after the first failure, so that its files are kept.
  bool check_one(const FuzzTarget& target, BadRowPolicy policy, const std::string& where, std::size_t& imported,
                 std::size_t& failed) {
    std::optional<Result<ImportReport>> report;
    try {
      report.emplace(target.import(*db_, policy));
    } catch (const std::exception& exception) {
      ADD_FAILURE() << where << ": the import threw " << exception.what() << "; inputs kept in " << keep_inputs();
      return false;
    }
    if (report->ok()) {
      ++imported;
      for (const std::string& warning : (*report)->warnings) {
        if (warning.size() > kMaxMessageBytes) {
          ADD_FAILURE() << where << ": a warning of " << warning.size() << " bytes; inputs in " << keep_inputs();
          return false;
        }
      }
      restore();
      return true;
    }
    ++failed;
    const Error& error = report->error();
    ++error_kinds_[error_kind(error)];
    if (error.message.size() > kMaxMessageBytes || error.code == ErrorCode::kInternal) {
      ADD_FAILURE() << where << ": " << error.describe().substr(0, 2000) << " (" << error.message.size()
                    << " bytes); inputs in " << keep_inputs();
      return false;
    }
    if (table_digest(db_path_) != digest_) {
      ADD_FAILURE() << where << ": the failed import changed the database: " << error.describe().substr(0, 2000)
                    << "; inputs in " << keep_inputs();
      return false;
    }
    return true;
  }

  // Copies the inputs out of the temporary directory, which the test removes.
  std::string keep_inputs() {
    const fs::path kept = fs::temp_directory_path() / fmt::format("paddock-fuzz-failure-{}", run_seed());
    std::error_code ignored;
    fs::remove_all(kept, ignored);
    fs::copy(inputs_, kept, fs::copy_options::recursive, ignored);
    return kept.string();
  }

  testing::TempDir dir_{"import-fuzz"};
  fs::path inputs_ = fs::path(dir_.path()) / "inputs";
  std::string pristine_ = dir_.file("pristine.db");
  std::string db_path_ = dir_.file("fuzz.db");
  std::unique_ptr<Database> db_;
  std::string digest_;
  std::map<std::string, std::size_t> error_kinds_;
};

// ---------------------------------------------------------------------------------------------
// CSV: two files of every column, several races with results, incidents and non-runners.

std::string csv_races() {
  std::string text =
      "race_id,race_date,meeting_no,race_no,venue_code,venue_name,name,discipline,distance_m,prize_eur,category,"
      "is_quinte,going,status\n";
  const std::vector<std::string> disciplines = {"attele", "MONTE", "plat", "HAIE", "steeple", "cross"};
  for (int r = 0; r < 6; ++r) {
    text += fmt::format("{},2024-0{}-1{},{},{},V{},\"Hippodrome {}\",\"Prix \"\"Fictif\"\" {}, é\",{},{},{},{},{},{},{}\n",
                        7001 + r, 3 + r % 2, r % 3, 1 + r / 3, 1 + r % 3, r % 2, r % 2, r, disciplines[r % 6],
                        1600 + 300 * r, 20000 + 1000 * r, r % 2 == 0 ? "HANDICAP" : "GROUPE_I", r == 2 ? 1 : 0,
                        r % 2 == 0 ? "BON" : "SOUPLE", r == 5 ? "cancelled" : "");
  }
  return text;
}

std::string csv_runners() {
  std::string text =
      "race_id,number,horse,horse_key,jockey,trainer,age,sex,birth_year,draw,weight_kg,handicap_distance_m,"
      "blinkers,shoes,musique,career_starts,career_wins,career_places,career_earnings_eur,morning_odds,final_odds,"
      "non_runner,finish_position,incident\n";
  const std::vector<std::string> sexes = {"M", "F", "H", "HONGRES"};
  for (int r = 0; r < 6; ++r) {
    for (int n = 1; n <= 5; ++n) {
      const bool finished = r < 4;
      const std::string incident = finished && n == 5 ? (r % 2 == 0 ? "fell" : "disqualified") : "";
      const std::string position = finished && n < 5 ? std::to_string(n == 4 && r == 1 ? 3 : n) : "";
      text += fmt::format("{},{},Cheval Fictif {}{},KEY-{}-{},J. Essai {},T. Modele {},{},{},{},{},\"{},5\",{},"
                          "SANS_OEILLERES,,1a2a(23)Da,{},{},{},{},{},{},{},{},{}\n",
                          7001 + r, n, r, n, n, r % 3, n % 3, r % 2, 3 + n, sexes[n % 4], 2024 - 3 - n, n, 55 + n,
                          r == 0 ? "2725" : "", 10 + n, n % 3, n % 4, 10000 * n, 2.5 * n, 2.0 * n + 0.5,
                          n == 3 && r == 4 ? 1 : 0, position, n == 2 && r == 3 ? "demoted" : incident);  // keeps its place
    }
  }
  return text;
}

// Either file, mutated 1 to 4 times; sometimes only a cell is replaced or two swapped.
void mutate_csv(Rng& rng, std::string& text) {
  const std::size_t rounds = 1 + below(rng, 4);
  for (std::size_t i = 0; i < rounds; ++i) {
    if (chance(rng, 60)) {
      mutate_bytes(rng, text);
      continue;
    }
    std::vector<std::string> lines = split_lines(text);
    std::string& line = lines[below(rng, lines.size())];
    std::vector<std::string> cells;
    std::size_t start = 0;
    for (std::size_t comma = line.find(','); comma != std::string::npos; comma = line.find(',', start)) {
      cells.push_back(line.substr(start, comma - start));
      start = comma + 1;
    }
    cells.push_back(line.substr(start));
    if (chance(rng, 50)) {
      std::swap(cells[below(rng, cells.size())], cells[below(rng, cells.size())]);
    } else {
      cells[below(rng, cells.size())] = pick(rng, interesting_texts());
    }
    line.clear();
    for (std::size_t c = 0; c < cells.size(); ++c) line += (c == 0 ? "" : ",") + cells[c];
    text = join(lines);
  }
}

TEST_F(ImportFuzz, CsvImportEndsInAnImportOrAnError) {
  const std::string races = csv_races();
  const std::string runners = csv_runners();
  const fs::path races_file = inputs_ / "races.csv";
  const fs::path runners_file = inputs_ / "runners.csv";
  FuzzTarget target;
  target.write_original = [&] {
    write_file(races_file, races);
    write_file(runners_file, runners);
  };
  target.write_mutated = [&](Rng& rng) {
    std::string mutated_races = races;
    std::string mutated_runners = runners;
    const std::size_t which = below(rng, 3);  // races, runners, or both
    if (which != 1) mutate_csv(rng, mutated_races);
    if (which != 0) mutate_csv(rng, mutated_runners);
    write_file(races_file, mutated_races);
    write_file(runners_file, mutated_runners);
  };
  target.import = [&](Database& db, BadRowPolicy policy) {
    ImportOptions options;
    options.races_csv = races_file;
    options.runners_csv = runners_file;
    options.bad_rows = policy;
    return import_csv(db, options);
  };
  run("csv", target);
}

// ---------------------------------------------------------------------------------------------
// PMU JSON: a day of two reunions in the API's shapes, with arrivals and incidents.

json pmu_programme() {
  json reunions = json::array();
  for (int r = 1; r <= 2; ++r) {
    json courses = json::array();
    for (int c = 1; c <= 3; ++c) {
      json course = {{"numReunion", r}, {"numOrdre", c}, {"libelle", fmt::format("PRIX FICTIF {}{}", r, c)},
                     {"distance", 2100 + 100 * c}, {"discipline", c == 3 ? "PLAT" : "ATTELE"},
                     {"montantPrix", 30000 + c}, {"categorieParticularite", "HANDICAP"},
                     {"statut", c == 2 ? "ARRIVEE_DEFINITIVE_COMPLETE" : "PROGRAMMEE"},
                     {"penetrometre", {{"intitule", "Bon"}}},
                     {"paris", json::array({{{"codePari", r == 1 && c == 1 ? "QUINTE_PLUS" : "SIMPLE_GAGNANT"}}})}};
      if (c == 2) course["ordreArrivee"] = json::array({json::array({3}), json::array({1, 4}), json::array({2})});
      courses.push_back(course);
    }
    reunions.push_back({{"numOfficiel", r}, {"hippodrome", {{"code", fmt::format("H{}", r)}, {"libelleCourt", "FICTIF"}}},
                        {"courses", courses}});
  }
  return {{"programme", {{"date", 1628546400000}, {"timezoneOffset", 7200000}, {"reunions", reunions}}}};
}

json pmu_participants(int reunion, int course) {
  json runners = json::array();
  for (int n = 1; n <= 5; ++n) {
    json p = {{"numPmu", n}, {"nom", fmt::format("CHEVAL {}{}{}", reunion, course, n)},
              {"idCheval", fmt::format("CHEVAL-{}-{}", n, reunion)}, {"age", 4 + n}, {"sexe", "HONGRES"},
              {"statut", n == 5 ? "NON_PARTANT" : "PARTANT"}, {"oeilleres", "SANS_OEILLERES"},
              {"driver", fmt::format("D. ESSAI {}", n)}, {"entraineur", "E. MODELE"}, {"musique", "1a2aDa"},
              {"nombreCourses", 10 + n}, {"nombreVictoires", n}, {"nombrePlaces", n + 1},
              {"gainsParticipant", {{"gainsCarriere", 1234500 * n}}}, {"handicapDistance", 2200},
              {"placeCorde", n}, {"poidsConditionMonte", 560 + n},
              {"dernierRapportReference", {{"rapport", 3.0 + n}}}, {"dernierRapportDirect", {{"rapport", 2.5 + n}}}};
    if (course == 3 && n == 1) p["ordreArrivee"] = 1;
    if (course == 2 && n == 4) p["incident"] = "DISTANCE_PAR_RAPPORT";
    if (course == 1 && n == 2) p["incident"] = "DISQUALIFIE_POUR_ALLURE_IRREGULIERE";
    runners.push_back(p);
  }
  return {{"participants", runners}};
}

// A JSON value somewhere in `document`, chosen by walking down from the top: mostly a field of
// a race or a runner, so that the importer's checks rather than its first test see the change.
json& random_node(Rng& rng, json& document) {
  json* node = &document;
  for (int depth = 0; (node->is_object() || node->is_array()) && !node->empty() && (depth < 2 || chance(rng, 85));
       ++depth) {
    const std::size_t index = below(rng, node->size());
    if (node->is_array()) {
      node = &(*node)[index];
    } else {
      auto item = node->begin();
      std::advance(item, static_cast<std::ptrdiff_t>(index));
      node = &item.value();
    }
  }
  return *node;
}

const std::vector<json>& interesting_values() {
  static const std::vector<json> values = {
      nullptr, true, 0, -1, 1, 99, 100, 2147483648LL, std::int64_t{1} << 62, INT64_MIN, UINT64_MAX, 1e308, -1e308,
      0.5, 4.9e-324, "", "1", "\xF0\x9F\x90\x8E", std::string("NUL\0IN", 6), std::string(5000, 'x'),
      json::array(), json::object(), json::array({json::array({1}), 2, "3", nullptr}), "TOMBE", "DISQUALIFIE",
      "NON_PARTANT", "COURSE_ANNULEE", "MALES", "PLAT"};
  return values;
}

// Structural changes keep the JSON valid, so that the importer's checks, not the parser, see
// them; byte changes, rarer, exercise the parser. A deep nesting goes in as text.
std::string mutate_pmu(Rng& rng, json document) {
  const std::string kRaw = "@RAW@";
  std::optional<std::string> raw;
  const std::size_t rounds = 1 + below(rng, 4);
  for (std::size_t i = 0; i < rounds; ++i) {
    json& node = random_node(rng, document);
    switch (below(rng, 6)) {
      case 0: node = pick(rng, interesting_values()); break;
      case 1: node = random_node(rng, document); break;  // a value swapped in from elsewhere
      case 2:
        if (node.is_object() && !node.empty()) node.erase(node.begin());
        if (node.is_array() && !node.empty()) node.erase(node.begin() + static_cast<std::ptrdiff_t>(below(rng, node.size())));
        break;
      case 3:
        if (node.is_array() && !node.empty()) node.push_back(node[below(rng, node.size())]);
        break;
      case 4:
        if (!raw) {
          raw = nested(rng);
          node = kRaw;
        }
        break;
      default: node = std::string(pick(rng, interesting_texts())); break;
    }
  }
  std::string text = document.dump(-1, ' ', false, json::error_handler_t::replace);
  if (raw) {
    const std::size_t at = text.find("\"" + kRaw + "\"");
    if (at != std::string::npos) text.replace(at, kRaw.size() + 2, *raw);
  }
  if (chance(rng, 25)) mutate_bytes(rng, text);
  return text;
}

TEST_F(ImportFuzz, PmuImportEndsInAnImportOrAnError) {
  const fs::path day = inputs_ / "pmu" / "10082021";
  const json programme = pmu_programme();
  std::vector<std::pair<fs::path, json>> files = {{day / "programme.json", programme}};
  for (int r = 1; r <= 2; ++r) {
    for (int c = 1; c <= 3; ++c) {
      if (r == 2 && c == 3) continue;  // a race whose card comes later
      files.emplace_back(day / fmt::format("R{}", r) / fmt::format("C{}", c) / "participants.json", pmu_participants(r, c));
    }
  }
  FuzzTarget target;
  target.write_original = [&] {
    for (const auto& [path, document] : files) write_file(path, document.dump());
  };
  target.write_mutated = [&](Rng& rng) {
    target.write_original();
    const std::size_t mutated = 1 + below(rng, 2);
    for (std::size_t i = 0; i < mutated; ++i) {
      const auto& [path, document] = files[chance(rng, 40) ? 0 : below(rng, files.size())];
      write_file(path, mutate_pmu(rng, document));
    }
  };
  target.import = [&](Database& db, BadRowPolicy policy) {
    PmuImportOptions options;
    options.paths = {day.parent_path()};
    options.bad_rows = policy;
    return import_pmu(db, options);
  };
  run("pmu", target);
}

}  // namespace
}  // namespace paddock
