// The CSV import in steps: read and check each file on its own, check the rows against each
// other and against the database, apply the bad-row policy, then write everything in one
// transaction. The column vocabulary and the messages are documented in docs/data-formats.md.
#include "ingest/csv_importer.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <functional>
#include <initializer_list>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "ingest/csv_reader.h"
#include "ingest/import_messages.h"
#include "ingest/import_rules.h"
#include "ingest/row_writer.h"

namespace paddock {
namespace {

namespace limits = import_rules;

constexpr std::size_t kMaxListedBadRows = 20;
// A header of a thousand unknown columns gives a warning of ten names and a count.
constexpr std::size_t kMaxListedUnknownColumns = 10;
constexpr std::int64_t kNoMax = std::numeric_limits<std::int64_t>::max();

enum class Presence { kRequired, kOptional };

struct ColumnSpec {
  std::string_view name;
  Presence presence;
};

constexpr std::array kRaceColumns{
    ColumnSpec{"race_id", Presence::kRequired},    ColumnSpec{"race_date", Presence::kRequired},
    ColumnSpec{"meeting_no", Presence::kRequired}, ColumnSpec{"race_no", Presence::kRequired},
    ColumnSpec{"discipline", Presence::kRequired}, ColumnSpec{"distance_m", Presence::kRequired},
    ColumnSpec{"venue_code", Presence::kOptional}, ColumnSpec{"venue_name", Presence::kOptional},
    ColumnSpec{"name", Presence::kOptional},       ColumnSpec{"prize_eur", Presence::kOptional},
    ColumnSpec{"category", Presence::kOptional},   ColumnSpec{"is_quinte", Presence::kOptional},
    ColumnSpec{"going", Presence::kOptional},      ColumnSpec{"status", Presence::kOptional},
    ColumnSpec{"post_time", Presence::kOptional}, ColumnSpec{"winning_time_s", Presence::kOptional},
};

constexpr std::array kRunnerColumns{
    ColumnSpec{"race_id", Presence::kRequired},
    ColumnSpec{"number", Presence::kRequired},
    ColumnSpec{"horse", Presence::kRequired},
    ColumnSpec{"horse_key", Presence::kOptional},
    ColumnSpec{"jockey", Presence::kOptional},
    ColumnSpec{"trainer", Presence::kOptional},
    ColumnSpec{"age", Presence::kOptional},
    ColumnSpec{"sex", Presence::kOptional},
    ColumnSpec{"birth_year", Presence::kOptional},
    ColumnSpec{"draw", Presence::kOptional},
    ColumnSpec{"weight_kg", Presence::kOptional},
    ColumnSpec{"handicap_distance_m", Presence::kOptional},
    ColumnSpec{"blinkers", Presence::kOptional},
    ColumnSpec{"shoes", Presence::kOptional},
    ColumnSpec{"musique", Presence::kOptional},
    ColumnSpec{"career_starts", Presence::kOptional},
    ColumnSpec{"career_wins", Presence::kOptional},
    ColumnSpec{"career_places", Presence::kOptional},
    ColumnSpec{"career_earnings_eur", Presence::kOptional},
    ColumnSpec{"morning_odds", Presence::kOptional},
    ColumnSpec{"final_odds", Presence::kOptional},
    ColumnSpec{"non_runner", Presence::kOptional},
    ColumnSpec{"finish_position", Presence::kOptional},
    ColumnSpec{"incident", Presence::kOptional},
    ColumnSpec{"finish_time_s", Presence::kOptional},
    ColumnSpec{"reduction_km_s", Presence::kOptional},
    ColumnSpec{"beaten_lengths", Presence::kOptional},
    ColumnSpec{"official_rating", Presence::kOptional},
    ColumnSpec{"body_weight_kg", Presence::kOptional},
};

// ---------------------------------------------------------------------------------------------
// Text helpers.

std::string_view trim(std::string_view text) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t'; };
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

BadRow make_bad_row(const std::string& file, std::size_t line, std::string_view column,
                    std::string_view value, std::string_view problem) {
  BadRow row{file, line, std::string(column), shown_text(value), {}};
  if (column.empty()) {
    row.message = fmt::format("{} line {}: {}", file, line, problem);
  } else {
    row.message = fmt::format("{} line {}, column {}: '{}' {}", file, line, column, row.value, problem);
  }
  return row;
}

std::optional<std::int64_t> parse_integer(std::string_view text) {
  std::int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

// A decimal number with a point or a comma ("57,5" is how French sources write 57.5).
std::optional<double> parse_decimal(std::string_view text) {
  std::string normalised(text);
  std::replace(normalised.begin(), normalised.end(), ',', '.');
  double value = 0.0;
  const char* end = normalised.data() + normalised.size();
  auto [ptr, ec] = std::from_chars(normalised.data(), end, value);
  if (ec != std::errc() || ptr != end || !std::isfinite(value)) return std::nullopt;
  return value;
}

std::optional<bool> parse_flag(std::string_view text) {
  const std::string word = lower(text);
  if (word == "1" || word == "true") return true;
  if (word == "0" || word == "false") return false;
  return std::nullopt;
}

// The stored one-letter sex, from itself or from the PMU word (MALES, FEMELLES, HONGRES).
std::optional<std::string> parse_sex(std::string_view text) {
  const std::string word = lower(text);
  if (word == "m" || word == "male" || word == "males") return std::string("M");
  if (word == "f" || word == "femelle" || word == "femelles") return std::string("F");
  if (word == "h" || word == "hongre" || word == "hongres") return std::string("H");
  return std::nullopt;
}

// What a value is not: a value that is no integer, or one below `min`, is told the column's
// kind ("is not a positive integer"); one above `max` is told the whole range.
std::string integer_expectation(std::int64_t min, std::int64_t max) {
  if (max == kNoMax) {
    if (min == 1) return "is not a positive integer";
    if (min == 0) return "is not a non-negative integer";
    return fmt::format("is not an integer >= {}", min);
  }
  return fmt::format("is not an integer from {} to {}", min, max);
}

enum class Bound { kExclusive, kInclusive };

// The same for decimals: "is not a number > 0", or with the limit "... and <= 200".
std::string decimal_expectation(double min, Bound bound, std::optional<double> max) {
  if (bound == Bound::kExclusive) {
    if (!max) return fmt::format("is not a number > {:g}", min);
    return fmt::format("is not a number > {:g} and <= {:g}", min, *max);
  }
  if (!max) return fmt::format("is not a number >= {:g}", min);
  return fmt::format("is not a number from {:g} to {:g}", min, *max);
}

// Heterogeneous lookup, so that a column name as string_view finds its std::string key.
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
};

// ---------------------------------------------------------------------------------------------
// Files and cells.

// Where each known column of one file sits, read from its header.
struct ColumnIndex {
  std::string file;  // the file's name, for messages
  std::unordered_map<std::string, std::size_t, StringHash, std::equal_to<>> positions;
  std::size_t width = 0;  // fields in the header
};

// Maps the header's names (trimmed, any case) to positions; a missing required column or a
// repeated one is an error, an unknown one a warning.
Result<ColumnIndex> index_columns(const CsvReader& reader, std::span<const ColumnSpec> specs,
                                  std::vector<std::string>& warnings) {
  ColumnIndex index;
  index.file = reader.source();
  index.width = reader.header().size();
  std::vector<std::string> unknown;
  std::size_t unknown_count = 0;
  for (std::size_t i = 0; i < reader.header().size(); ++i) {
    const std::string name = lower(trim(reader.header()[i]));
    const bool known = std::any_of(specs.begin(), specs.end(),
                                   [&](const ColumnSpec& spec) { return spec.name == name; });
    if (!known) {
      if (++unknown_count <= kMaxListedUnknownColumns) unknown.push_back(fmt::format("'{}'", shown_text(name)));
      continue;
    }
    if (!index.positions.emplace(name, i).second) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("{} line 1: column '{}' appears twice in the header", index.file, name));
    }
  }
  std::vector<std::string> missing;
  for (const ColumnSpec& spec : specs) {
    if (!index.positions.contains(spec.name) && spec.presence == Presence::kRequired) missing.emplace_back(spec.name);
  }
  if (!missing.empty()) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{} lacks the required column{} {}", index.file,
                                  missing.size() == 1 ? "" : "s", fmt::join(missing, ", ")));
  }
  if (unknown_count > unknown.size()) unknown.push_back(fmt::format("and {} more", unknown_count - unknown.size()));
  if (!unknown.empty()) {
    warnings.push_back(fmt::format("{}: ignored unknown column{} {}", index.file,
                                   unknown_count == 1 ? "" : "s", fmt::join(unknown, ", ")));
  }
  return index;
}

// The cells of one record, read by column name and type. The first bad value becomes the row's
// fault; after it every read returns nothing, so a parser reads on and checks `failed()` once.
class RowCells {
 public:
  RowCells(const ColumnIndex& columns, const CsvRecord& record) : columns_(columns), record_(record) {}

  bool failed() const { return fault_.has_value(); }
  BadRow take_fault() { return std::move(*fault_); }

  // Records the row's fault unless it already has one.
  void fail(std::string_view column, std::string_view value, std::string_view problem) {
    if (!fault_) fault_ = make_bad_row(columns_.file, record_.line, column, value, problem);
  }

  // The trimmed cell; empty when the column is absent from the file.
  std::string_view cell(std::string_view column) const {
    auto found = columns_.positions.find(column);
    if (found == columns_.positions.end()) return {};
    return trim(record_.fields[found->second]);
  }

  // The cell's text; empty when the row already failed or the cell holds a NUL byte.
  std::string text(std::string_view column) {
    if (failed()) return {};
    std::string_view value = cell(column);
    if (!has_no_nul(column, value)) return {};
    return std::string(value);
  }

  std::string required_text(std::string_view column) {
    std::optional<std::string_view> value = present(column, Presence::kRequired);
    return value ? std::string(*value) : std::string();
  }

  std::optional<std::int64_t> integer(std::string_view column, Presence presence, std::int64_t min,
                                      std::int64_t max = kNoMax) {
    std::optional<std::string_view> value = present(column, presence);
    if (!value) return std::nullopt;
    std::optional<std::int64_t> number = parse_integer(*value);
    if (!number || *number < min) {
      fail(column, *value, integer_expectation(min, kNoMax));
      return std::nullopt;
    }
    if (*number > max) {
      fail(column, *value, integer_expectation(min, max));
      return std::nullopt;
    }
    return number;
  }

  // An integer of a column whose limit fits an int.
  std::optional<int> small_integer(std::string_view column, Presence presence, int min, int max) {
    std::optional<std::int64_t> number = integer(column, presence, min, max);
    if (!number) return std::nullopt;
    return static_cast<int>(*number);
  }

  std::optional<double> decimal(std::string_view column, double min, Bound bound, double max) {
    std::optional<std::string_view> value = present(column, Presence::kOptional);
    if (!value) return std::nullopt;
    std::optional<double> number = parse_decimal(*value);
    if (!number) {
      fail(column, *value, "is not a number");
      return std::nullopt;
    }
    const bool above_min = bound == Bound::kExclusive ? *number > min : *number >= min;
    if (!above_min) {
      fail(column, *value, decimal_expectation(min, bound, std::nullopt));
      return std::nullopt;
    }
    if (*number > max) {
      fail(column, *value, decimal_expectation(min, bound, max));
      return std::nullopt;
    }
    return number;
  }

  std::optional<Day> day(std::string_view column) {
    std::optional<std::string_view> value = present(column, Presence::kRequired);
    if (!value) return std::nullopt;
    Result<Day> parsed = parse_day(*value);
    if (!parsed.ok()) {
      fail(column, *value, "is not a date in the form YYYY-MM-DD");
      return std::nullopt;
    }
    return *parsed;
  }

  // A word of a fixed vocabulary: `parse` returns std::optional<T>, `expectation` completes
  // "'value' ..." when it returns nothing.
  template <typename Parse>
  auto word(std::string_view column, Presence presence, Parse parse, std::string_view expectation)
      -> decltype(parse(std::string_view())) {
    std::optional<std::string_view> value = present(column, presence);
    if (!value) return std::nullopt;
    auto parsed = parse(*value);
    if (!parsed) fail(column, *value, expectation);
    return parsed;
  }

 private:
  // The cell when it holds something to parse; nothing when the row already failed, when an
  // optional cell is empty, or (recording the fault) when a required cell is empty.
  std::optional<std::string_view> present(std::string_view column, Presence presence) {
    if (failed()) return std::nullopt;
    std::string_view value = cell(column);
    if (!has_no_nul(column, value)) return std::nullopt;
    if (!value.empty()) return value;
    if (presence == Presence::kRequired) {
      fault_ = make_bad_row(columns_.file, record_.line, column, value, "is empty, but the column is required");
    }
    return std::nullopt;
  }

  // A NUL byte is no character of any name or number: it marks a broken file, and text stored
  // with one reads differently in C strings ("Zinc" for "Zinc\0Fictif").
  bool has_no_nul(std::string_view column, std::string_view value) {
    if (value.find('\0') == std::string_view::npos) return true;
    fail(column, value, "contains a NUL byte");
    return false;
  }

  const ColumnIndex& columns_;
  const CsvRecord& record_;
  std::optional<BadRow> fault_;
};

// ---------------------------------------------------------------------------------------------
// Rows.

struct RaceRow {
  std::size_t line = 0;
  Race race;
  bool has_status = false;  // given in the file; otherwise settled from the runners
};

struct RunnerRow {
  std::size_t line = 0;
  Runner runner;
};

RaceRow parse_race_row(RowCells& cells, std::size_t line) {
  RaceRow row;
  row.line = line;
  Race& race = row.race;
  race.id = cells.integer("race_id", Presence::kRequired, 1).value_or(0);
  race.day = cells.day("race_date").value_or(0);
  race.meeting_no = cells.small_integer("meeting_no", Presence::kRequired, 1, limits::kMaxMeetingNo).value_or(1);
  race.race_no = cells.small_integer("race_no", Presence::kRequired, 1, limits::kMaxRaceNo).value_or(1);
  race.discipline = cells.word("discipline", Presence::kRequired, parse_discipline,
                               "is not a discipline (attele, monte, plat, haies, steeple, cross)")
                        .value_or(Discipline::kPlat);
  race.distance_m = cells.small_integer("distance_m", Presence::kRequired, 1, limits::kMaxDistanceM).value_or(0);
  race.venue_code = cells.text("venue_code");
  race.venue_name = cells.text("venue_name");
  race.name = cells.text("name");
  race.prize_eur = cells.integer("prize_eur", Presence::kOptional, 0, limits::kMaxEuros);
  race.category = cells.text("category");
  race.is_quinte = cells.word("is_quinte", Presence::kOptional, parse_flag, "is not 0, 1, true or false");
  race.going = cells.text("going");
  race.post_time = cells.word("post_time", Presence::kOptional, parse_time_of_day, "is not a time of day HH:MM")
                       .value_or("");
  race.winning_time_s = cells.decimal("winning_time_s", 0.0, Bound::kExclusive, limits::kMaxRaceSeconds);
  const std::optional<RaceStatus> status =
      cells.word("status", Presence::kOptional,
                 [](std::string_view text) { return parse_race_status(lower(text)); },
                 "is not a race status (scheduled, finished, cancelled)");
  row.has_status = status.has_value();
  race.status = status.value_or(RaceStatus::kScheduled);
  return row;
}

RunnerRow parse_runner_row(RowCells& cells, std::size_t line) {
  RunnerRow row;
  row.line = line;
  Runner& runner = row.runner;
  runner.race_id = cells.integer("race_id", Presence::kRequired, 1).value_or(0);
  runner.number = cells.small_integer("number", Presence::kRequired, 1, limits::kMaxRunnerNumber).value_or(0);
  runner.horse_name = cells.required_text("horse");
  runner.horse_key = cells.text("horse_key");
  if (runner.horse_key.empty()) runner.horse_key = runner.horse_name;
  runner.jockey = cells.text("jockey");
  runner.trainer = cells.text("trainer");
  runner.age = cells.small_integer("age", Presence::kOptional, limits::kMinAge, limits::kMaxAge);
  runner.sex = cells.word("sex", Presence::kOptional, parse_sex, "is not a sex (M, F, H, MALES, FEMELLES, HONGRES)")
                   .value_or("");
  runner.birth_year =
      cells.small_integer("birth_year", Presence::kOptional, limits::kMinBirthYear, limits::kMaxBirthYear);
  runner.draw = cells.small_integer("draw", Presence::kOptional, 0, limits::kMaxDraw);
  runner.weight_kg = cells.decimal("weight_kg", 0.0, Bound::kExclusive, limits::kMaxWeightKg);
  runner.handicap_distance_m =
      cells.small_integer("handicap_distance_m", Presence::kOptional, 1, limits::kMaxDistanceM);
  runner.blinkers = cells.text("blinkers");
  runner.shoes = cells.text("shoes");
  runner.musique = cells.text("musique");
  runner.career_starts = cells.small_integer("career_starts", Presence::kOptional, 0, limits::kMaxCareerCount);
  runner.career_wins = cells.small_integer("career_wins", Presence::kOptional, 0, limits::kMaxCareerCount);
  runner.career_places = cells.small_integer("career_places", Presence::kOptional, 0, limits::kMaxCareerCount);
  runner.career_earnings_eur = cells.integer("career_earnings_eur", Presence::kOptional, 0, limits::kMaxEuros);
  runner.morning_odds = cells.decimal("morning_odds", limits::kMinOdds, Bound::kInclusive, limits::kMaxOdds);
  runner.final_odds = cells.decimal("final_odds", limits::kMinOdds, Bound::kInclusive, limits::kMaxOdds);
  runner.non_runner = cells.word("non_runner", Presence::kOptional, parse_flag, "is not 0, 1, true or false");
  runner.finish_position =
      cells.small_integer("finish_position", Presence::kOptional, 1, limits::kMaxFinishPosition);
  runner.incident = cells.word("incident", Presence::kOptional, parse_incident,
                               "is not an incident (disqualified, fell, pulled_up, unseated, demoted)")
                        .value_or(Incident::kNone);
  runner.finish_time_s = cells.decimal("finish_time_s", 0.0, Bound::kExclusive, limits::kMaxRaceSeconds);
  runner.reduction_km_s = cells.decimal("reduction_km_s", 0.0, Bound::kExclusive, limits::kMaxReductionSecondsPerKm);
  runner.beaten_lengths = cells.decimal("beaten_lengths", 0.0, Bound::kInclusive, limits::kMaxBeatenLengths);
  runner.official_rating = cells.decimal("official_rating", 0.0, Bound::kInclusive, limits::kMaxOfficialRating);
  runner.body_weight_kg = cells.decimal("body_weight_kg", 0.0, Bound::kExclusive, limits::kMaxBodyWeightKg);
  // Which of the two is wrong cannot be told; the row is refused rather than one dropped.
  if (runner.finish_position && limits::leaves_no_place(runner.incident)) {
    cells.fail("finish_position", cells.cell("finish_position"),
               fmt::format("cannot go with the incident {}: the horse has no finishing place",
                           to_string(runner.incident)));
  }
  return row;
}

bool has_result(const Runner& runner) {
  return runner.finish_position.has_value() || runner.incident != Incident::kNone;
}

std::string slot_name(const Race& race) {
  return fmt::format("{} R{}C{}", format_day(race.day), race.meeting_no, race.race_no);
}

// ---------------------------------------------------------------------------------------------
// The import's context, passed from step to step.

struct ImportContext {
  ImportContext(Database& database, const ImportOptions& import_options)
      : db(database), options(import_options) {}

  Database& db;
  const ImportOptions& options;
  std::string races_file;    // file names, for messages
  std::string runners_file;
  std::vector<RaceRow> races;      // good so far
  std::vector<RunnerRow> runners;  // good so far
  std::unordered_map<RaceId, std::size_t> rejected_races;  // race id -> line of its bad row
  std::unordered_set<RaceId> stored_races;  // of `races`, those already in the database
  std::vector<BadRow> bad_rows;      // rows that are bad in themselves
  std::vector<BadRow> dropped_rows;  // good runners whose race was rejected
  ImportReport report;
};

// Reads every record of one file, checking its width, and hands each to `take`.
template <typename Take>
Status for_each_row(CsvReader& reader, const ColumnIndex& columns, std::vector<BadRow>& bad_rows, Take take) {
  CsvRecord record;
  while (true) {
    PADDOCK_ASSIGN_OR_RETURN(const bool more, reader.next(record));
    if (!more) return ok_status();
    if (record.fields.size() != columns.width) {
      bad_rows.push_back(make_bad_row(columns.file, record.line, "", "",
                                      fmt::format("{} fields, but the header has {} columns",
                                                  record.fields.size(), columns.width)));
      continue;
    }
    RowCells cells(columns, record);
    take(cells, record.line);
  }
}

// Step: races.csv, each row on its own, then against the rows before it (a race id or a race
// slot seen twice).
Status read_races(ImportContext& ctx) {
  PADDOCK_ASSIGN_OR_RETURN(CsvReader reader, CsvReader::open(ctx.options.races_csv));
  PADDOCK_ASSIGN_OR_RETURN(const ColumnIndex columns, index_columns(reader, kRaceColumns, ctx.report.warnings));
  ctx.races_file = columns.file;
  std::unordered_map<RaceId, std::size_t> id_lines;
  std::map<std::tuple<Day, int, int>, std::pair<RaceId, std::size_t>> slots;  // -> race id, line
  return for_each_row(reader, columns, ctx.bad_rows, [&](RowCells& cells, std::size_t line) {
    RaceRow row = parse_race_row(cells, line);
    const Race& race = row.race;
    if (race.id > 0) {
      auto [first, inserted] = id_lines.emplace(race.id, line);
      if (!inserted) {
        cells.fail("race_id", std::to_string(race.id), fmt::format("appears again (first on line {})", first->second));
      }
    }
    if (!cells.failed()) {
      auto [first, inserted] =
          slots.emplace(std::make_tuple(race.day, race.meeting_no, race.race_no), std::make_pair(race.id, line));
      if (!inserted) {
        cells.fail("race_no", std::to_string(race.race_no),
                   fmt::format("clashes: {} is already race {} on line {}", slot_name(race),
                               first->second.first, first->second.second));
      }
    }
    if (cells.failed()) {
      ctx.bad_rows.push_back(cells.take_fault());
      if (race.id > 0) ctx.rejected_races.emplace(race.id, line);
      return;
    }
    ctx.races.push_back(std::move(row));
  });
}

// Step: runners.csv, each row on its own, then against the rows before it (a number seen twice
// in the same race).
Status read_runners(ImportContext& ctx) {
  PADDOCK_ASSIGN_OR_RETURN(CsvReader reader, CsvReader::open(ctx.options.runners_csv));
  PADDOCK_ASSIGN_OR_RETURN(const ColumnIndex columns, index_columns(reader, kRunnerColumns, ctx.report.warnings));
  ctx.runners_file = columns.file;
  std::map<std::pair<RaceId, int>, std::size_t> number_lines;
  return for_each_row(reader, columns, ctx.bad_rows, [&](RowCells& cells, std::size_t line) {
    RunnerRow row = parse_runner_row(cells, line);
    const Runner& runner = row.runner;
    if (runner.race_id > 0 && runner.number > 0) {
      auto [first, inserted] = number_lines.emplace(std::make_pair(runner.race_id, runner.number), line);
      if (!inserted) {
        cells.fail("number", std::to_string(runner.number),
                   fmt::format("appears twice in race {} (first on line {})", runner.race_id, first->second));
      }
    }
    if (cells.failed()) {
      ctx.bad_rows.push_back(cells.take_fault());
      return;
    }
    ctx.runners.push_back(std::move(row));
  });
}

// Step: a race whose (day, meeting, race number) belongs to another race id in the database
// cannot be stored; it is rejected, and so are its runners later.
Status reject_taken_race_slots(ImportContext& ctx) {
  std::vector<RaceRow> kept;
  kept.reserve(ctx.races.size());
  for (RaceRow& row : ctx.races) {
    const Race& race = row.race;
    PADDOCK_ASSIGN_OR_RETURN(const std::optional<RaceId> holder, ctx.db.race_at(race.day, race.meeting_no, race.race_no));
    if (holder && *holder != race.id) {
      ctx.bad_rows.push_back(make_bad_row(ctx.races_file, row.line, "race_no", std::to_string(race.race_no),
                                          fmt::format("clashes: {} is already race {} in the database",
                                                      slot_name(race), *holder)));
      ctx.rejected_races.emplace(race.id, row.line);
      continue;
    }
    kept.push_back(std::move(row));
  }
  ctx.races = std::move(kept);
  return ok_status();
}

// Step: every runner needs its race, from races.csv or from the database. Runners of a race
// row that was rejected are dropped with it.
Status check_runner_races(ImportContext& ctx) {
  std::unordered_set<RaceId> imported;
  for (const RaceRow& row : ctx.races) imported.insert(row.race.id);

  std::vector<RaceId> elsewhere;
  for (const RunnerRow& row : ctx.runners) {
    const RaceId id = row.runner.race_id;
    if (!imported.contains(id) && !ctx.rejected_races.contains(id)) elsewhere.push_back(id);
  }
  std::sort(elsewhere.begin(), elsewhere.end());
  elsewhere.erase(std::unique(elsewhere.begin(), elsewhere.end()), elsewhere.end());
  PADDOCK_ASSIGN_OR_RETURN(const std::vector<RaceId> stored, ctx.db.existing_races(elsewhere));
  const std::unordered_set<RaceId> stored_set(stored.begin(), stored.end());

  std::vector<RunnerRow> kept;
  kept.reserve(ctx.runners.size());
  for (RunnerRow& row : ctx.runners) {
    const RaceId id = row.runner.race_id;
    const std::string value = std::to_string(id);
    if (imported.contains(id) || stored_set.contains(id)) {
      kept.push_back(std::move(row));
    } else if (auto rejected = ctx.rejected_races.find(id); rejected != ctx.rejected_races.end()) {
      ctx.dropped_rows.push_back(make_bad_row(ctx.runners_file, row.line, "race_id", value,
                                              fmt::format("skipped: its race was rejected ({} line {})",
                                                          ctx.races_file, rejected->second)));
    } else {
      ctx.bad_rows.push_back(make_bad_row(ctx.runners_file, row.line, "race_id", value,
                                          fmt::format("is not a race in {} or in the database", ctx.races_file)));
    }
  }
  ctx.runners = std::move(kept);
  return ok_status();
}

void sort_in_file_order(const ImportContext& ctx, std::vector<BadRow>& rows) {
  std::stable_sort(rows.begin(), rows.end(), [&](const BadRow& a, const BadRow& b) {
    const bool a_runner = a.file == ctx.runners_file && a.file != ctx.races_file;
    const bool b_runner = b.file == ctx.runners_file && b.file != ctx.races_file;
    return std::tie(a_runner, a.line) < std::tie(b_runner, b.line);
  });
}

// Step: with bad rows, fail (the default) or carry on with the good ones and report the rest.
Status apply_bad_row_policy(ImportContext& ctx) {
  sort_in_file_order(ctx, ctx.bad_rows);
  if (ctx.bad_rows.empty()) return ok_status();
  if (ctx.options.bad_rows == BadRowPolicy::kRejectAll) {
    const std::size_t count = ctx.bad_rows.size();
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{} bad row{} in {}, {}; nothing was imported (--skip-bad-rows imports the good rows):{}", count, count == 1 ? "" : "s",
                                  ctx.races_file, ctx.runners_file, list_bad_rows(ctx.bad_rows)));
  }
  ctx.report.bad_rows = ctx.bad_rows;
  ctx.report.bad_rows.insert(ctx.report.bad_rows.end(), ctx.dropped_rows.begin(), ctx.dropped_rows.end());
  sort_in_file_order(ctx, ctx.report.bad_rows);
  return ok_status();
}

// Step: note which races are already stored (updates, not inserts), and give each race row
// without a status one: finished when one of its runners in the file has a result, else the
// status stored for it, else scheduled.
Status settle_race_statuses(ImportContext& ctx) {
  std::vector<RaceId> ids;
  ids.reserve(ctx.races.size());
  for (const RaceRow& row : ctx.races) ids.push_back(row.race.id);
  PADDOCK_ASSIGN_OR_RETURN(const std::vector<RaceId> stored, ctx.db.existing_races(ids));
  ctx.stored_races.insert(stored.begin(), stored.end());

  std::unordered_set<RaceId> with_results;
  for (const RunnerRow& row : ctx.runners) {
    if (has_result(row.runner)) with_results.insert(row.runner.race_id);
  }
  std::vector<RaceId> keep_stored_status;
  for (RaceRow& row : ctx.races) {
    if (row.has_status) continue;
    if (with_results.contains(row.race.id)) {
      row.race.status = RaceStatus::kFinished;
    } else if (ctx.stored_races.contains(row.race.id)) {
      keep_stored_status.push_back(row.race.id);
    }
  }
  if (keep_stored_status.empty()) return ok_status();
  PADDOCK_ASSIGN_OR_RETURN(const std::vector<RaceCard> cards, ctx.db.load_race_cards(keep_stored_status));
  std::unordered_map<RaceId, RaceStatus> stored_status;
  for (const RaceCard& card : cards) stored_status.emplace(card.id, card.status);
  for (RaceRow& row : ctx.races) {
    auto found = stored_status.find(row.race.id);
    if (!row.has_status && found != stored_status.end()) row.race.status = found->second;
  }
  return ok_status();
}

// Results for races that are only in the database (no row in the races file) mark them finished.
Status finish_races_with_results(ImportContext& ctx) {
  std::unordered_set<RaceId> imported;
  for (const RaceRow& row : ctx.races) imported.insert(row.race.id);
  std::unordered_set<RaceId> finished;
  for (const RunnerRow& row : ctx.runners) {
    if (has_result(row.runner) && !imported.contains(row.runner.race_id) && finished.insert(row.runner.race_id).second) {
      PADDOCK_TRY(ctx.db.mark_race_finished(row.runner.race_id));
    }
  }
  return ok_status();
}

// Adds the file and line to a database error, so that a refused row can be found.
Error at_row(const Error& error, const std::string& file, std::size_t line) {
  return make_error(error.code, fmt::format("{} line {}: {}", file, line, error.message));
}

Status write_race(ImportContext& ctx, RowWriter& writer, RaceRow& row) {
  Status written = writer.write_race(row.race);
  if (!written.ok()) return at_row(written.error(), ctx.races_file, row.line);
  return ok_status();
}

Status write_runner(ImportContext& ctx, RowWriter& writer, const RunnerRow& row) {
  Status written = writer.write_runner(row.runner);
  if (!written.ok()) return at_row(written.error(), ctx.runners_file, row.line);
  return ok_status();
}

// Step: races first (runners refer to them), then runners; inside the caller's transaction.
Status write_rows(ImportContext& ctx) {
  RowWriter writer(ctx.db);
  for (RaceRow& row : ctx.races) PADDOCK_TRY(write_race(ctx, writer, row));
  // The results in the file are a race's whole result: a corrected arrival (a horse
  // disqualified, say) replaces the stored positions and incidents instead of mixing with them.
  std::unordered_set<RaceId> with_results;
  for (const RunnerRow& row : ctx.runners) {
    if (has_result(row.runner) && with_results.insert(row.runner.race_id).second) {
      PADDOCK_TRY(ctx.db.clear_results(row.runner.race_id));
    }
  }
  for (const RunnerRow& row : ctx.runners) PADDOCK_TRY(write_runner(ctx, writer, row));
  ImportReport& report = ctx.report;
  report.races = static_cast<std::int64_t>(ctx.races.size());
  report.updated_races = static_cast<std::int64_t>(ctx.stored_races.size());
  report.new_races = report.races - report.updated_races;
  report.runners = static_cast<std::int64_t>(ctx.runners.size());
  return ok_status();
}

}  // namespace

std::string list_bad_rows(const std::vector<BadRow>& rows) {
  std::string text;
  const std::size_t listed = std::min(rows.size(), kMaxListedBadRows);
  for (std::size_t i = 0; i < listed; ++i) text += fmt::format("\n  {}", rows[i].message);
  if (rows.size() > listed) text += fmt::format("\n  ... and {} more", rows.size() - listed);
  return text;
}

namespace {

Result<ImportReport> import_csv_steps(Database& db, const ImportOptions& options) {
  ImportContext ctx(db, options);

  // Read and check each file on its own; nothing touches the database yet.
  PADDOCK_TRY(read_races(ctx));
  PADDOCK_TRY(read_runners(ctx));

  // Hold the write lock from here on, so that what is checked against the database stays true
  // until the rows are written; any return before the commit rolls back.
  PADDOCK_ASSIGN_OR_RETURN(WriteTransaction transaction, WriteTransaction::begin(db));

  // Check the rows against the database and against each other's files.
  PADDOCK_TRY(reject_taken_race_slots(ctx));
  PADDOCK_TRY(check_runner_races(ctx));

  // All or nothing, unless told to skip bad rows.
  PADDOCK_TRY(apply_bad_row_policy(ctx));

  // Complete the rows, write them, and commit.
  PADDOCK_TRY(settle_race_statuses(ctx));
  PADDOCK_TRY(write_rows(ctx));
  PADDOCK_TRY(finish_races_with_results(ctx));
  PADDOCK_TRY(transaction.commit());
  return std::move(ctx.report);
}

}  // namespace

Result<ImportReport> import_csv(Database& db, const ImportOptions& options) {
  // Nothing here throws by design, but memory can run out on a huge file: that ends the import
  // (the transaction, if begun, rolls back as the stack unwinds), not the process.
  try {
    return import_csv_steps(db, options);
  } catch (const std::exception& exception) {
    return exception_error(exception, fmt::format("importing {}, {}", options.races_csv.filename().string(),
                                                  options.runners_csv.filename().string()));
  }
}

}  // namespace paddock
