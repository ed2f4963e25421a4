// The stored-history family of the SQLite store: run_history and history_state (migration 4).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <limits>
#include <optional>

#include "store/sqlite/sqlite_database.h"

namespace paddock::sqlite {
namespace {

constexpr const char* kStoredColumns =
    "race_id, number, day, horse_id, jockey_id, trainer_id, venue_id, discipline, distance_m, prize_eur, "
    "field_size, draw, position, incident, rating_after, draw_key, draw_starts, draw_wins, draw_expected, "
    "official_rating, weight_kg, speed_figure, reduction_figure";

float real_or_nan(const Statement& s, int column) {
  const std::optional<double> value = s.optional_real(column);
  return value ? static_cast<float>(*value) : std::numeric_limits<float>::quiet_NaN();
}

std::optional<double> present(float value) {
  return std::isnan(value) ? std::nullopt : std::optional<double>(value);
}

StoredRun read_stored(const Statement& s) {
  StoredRun stored;
  RunRecord& run = stored.run;
  run.race_id = s.int64(0);
  run.number = s.int32(1);
  run.day = static_cast<Day>(s.int64(2));
  run.horse_id = s.int64(3);
  run.jockey_id = s.int64(4);
  run.trainer_id = s.int64(5);
  run.venue_id = s.int64(6);
  run.discipline = static_cast<Discipline>(s.int32(7));
  run.distance_m = s.int32(8);
  run.prize_eur = s.optional_int64(9);
  run.field_size = s.int32(10);
  run.draw = s.optional_int(11);
  run.finish_position = s.optional_int(12);
  run.incident = static_cast<Incident>(s.int32(13));
  stored.rating_after = static_cast<float>(s.real(14));
  stored.draw_key = s.optional_int64(15);
  stored.draw_starts = s.int64(16);  // SQLite reads NULL as 0
  stored.draw_wins = static_cast<float>(s.real(17));
  stored.draw_expected = static_cast<float>(s.real(18));
  run.official_rating = s.optional_real(19);
  run.weight_kg = s.optional_real(20);
  stored.speed_figure = real_or_nan(s, 21);
  stored.reduction_figure = real_or_nan(s, 22);
  return stored;
}

const char* column_of(StoredRunQuery::By by) {
  switch (by) {
    case StoredRunQuery::By::kHorse: return "horse_id";
    case StoredRunQuery::By::kJockey: return "jockey_id";
    case StoredRunQuery::By::kTrainer: return "trainer_id";
    case StoredRunQuery::By::kDrawKey: return "draw_key";
    case StoredRunQuery::By::kAll: break;
  }
  return nullptr;
}

// The stored columns, each named as a column of run_history `h` ("h.race_id, h.number, ...").
std::string stored_columns_of_h() {
  std::string columns = "h.";
  for (const char* c = kStoredColumns; *c != '\0'; ++c) {
    columns += *c;
    if (*c == ' ') columns += "h.";
  }
  return columns;
}

}  // namespace

Result<std::optional<Day>> SqliteDatabase::history_dirty_from() {
  PADDOCK_ASSIGN_OR_RETURN(Statement s, connection_->prepare("SELECT dirty_from FROM history_state WHERE id = 1"));
  PADDOCK_ASSIGN_OR_RETURN(const bool row, s.step());
  if (!row || s.is_null(0)) return std::optional<Day>();
  const std::string text = s.text(0);
  Result<Day> day = parse_day(text);
  // "0000-01-01" (never computed) and anything unreadable: from the very beginning.
  return std::optional<Day>(day.ok() ? *day : std::numeric_limits<Day>::min());
}

Status SqliteDatabase::delete_stored_runs_from(Day day) {
  for (const char* sql : {"DELETE FROM run_history WHERE day >= ?1", "DELETE FROM pace_days WHERE day >= ?1"}) {
    PADDOCK_ASSIGN_OR_RETURN(Statement s, connection_->prepare(sql));
    s.bind(1, static_cast<std::int64_t>(day));
    PADDOCK_TRY(s.run());
  }
  return ok_status();
}

// Keys are unsigned 64-bit; SQLite stores them as the signed integer of the same bits.
Status SqliteDatabase::insert_pace_days(std::span<const PaceDay> days) {
  PADDOCK_ASSIGN_OR_RETURN(Statement * s, connection_->cached(
      "INSERT INTO pace_days(day, key, time_ms, metres, races, reduction_ms, reductions) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
  for (const PaceDay& day : days) {
    const PaceSums& sums = day.sums;
    s->bind(1, static_cast<std::int64_t>(day.day))
        .bind(2, static_cast<std::int64_t>(sums.key))
        .bind(3, sums.time_ms)
        .bind(4, sums.metres)
        .bind(5, sums.races)
        .bind(6, sums.reduction_ms)
        .bind(7, sums.reductions);
    PADDOCK_TRY(s->run());
  }
  return ok_status();
}

Result<std::vector<PaceSums>> SqliteDatabase::pace_sums_before(Day day) {
  PADDOCK_ASSIGN_OR_RETURN(Statement s, connection_->prepare(
      "SELECT key, SUM(time_ms), SUM(metres), SUM(races), SUM(reduction_ms), SUM(reductions) FROM pace_days "
      "WHERE day < ?1 GROUP BY key"));
  s.bind(1, static_cast<std::int64_t>(day));
  std::vector<PaceSums> groups;
  while (true) {
    PADDOCK_ASSIGN_OR_RETURN(const bool row, s.step());
    if (!row) break;
    PaceSums sums;
    sums.key = static_cast<std::uint64_t>(s.int64(0));
    sums.time_ms = s.int64(1);
    sums.metres = s.int64(2);
    sums.races = s.int64(3);
    sums.reduction_ms = s.int64(4);
    sums.reductions = s.int64(5);
    groups.push_back(sums);
  }
  return groups;
}

Status SqliteDatabase::insert_stored_runs(std::span<const StoredRun> runs) {
  static const std::string sql = fmt::format(
      "INSERT INTO run_history({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, "
      "?17, ?18, ?19, ?20, ?21, ?22, ?23)",
      kStoredColumns);
  PADDOCK_ASSIGN_OR_RETURN(Statement * s, connection_->cached(sql.c_str()));
  for (const StoredRun& stored : runs) {
    const RunRecord& run = stored.run;
    s->bind(1, run.race_id)
        .bind(2, run.number)
        .bind(3, static_cast<std::int64_t>(run.day))
        .bind(4, run.horse_id)
        .bind(5, run.jockey_id)
        .bind(6, run.trainer_id)
        .bind(7, run.venue_id)
        .bind(8, static_cast<int>(run.discipline))
        .bind(9, run.distance_m)
        .bind(10, run.prize_eur)
        .bind(11, run.field_size)
        .bind(12, run.draw)
        .bind(13, run.finish_position)
        .bind(14, static_cast<int>(run.incident))
        .bind(15, static_cast<double>(stored.rating_after))
        .bind(16, stored.draw_key)
        .bind(20, run.official_rating)
        .bind(21, run.weight_kg)
        .bind(22, present(stored.speed_figure))
        .bind(23, present(stored.reduction_figure));
    if (stored.draw_key) {
      s->bind(17, stored.draw_starts)
          .bind(18, static_cast<double>(stored.draw_wins))
          .bind(19, static_cast<double>(stored.draw_expected));
    }
    PADDOCK_TRY(s->run());
  }
  return ok_status();
}

Status SqliteDatabase::mark_history_current() {
  PADDOCK_ASSIGN_OR_RETURN(Statement s, connection_->prepare(
      "UPDATE history_state SET dirty_from = NULL, refreshed_at = ?1 WHERE id = 1"));
  s.bind(1, utc_timestamp_now());
  return s.run();
}

Status SqliteDatabase::set_history_dirty_from(Day day) {
  PADDOCK_ASSIGN_OR_RETURN(Statement s, connection_->prepare("UPDATE history_state SET dirty_from = ?1 WHERE id = 1"));
  s.bind(1, format_day(day));
  return s.run();
}

Status SqliteDatabase::for_each_stored_run(const StoredRunQuery& query,
                                           const std::function<void(const StoredRun&)>& visit) {
  const char* column = column_of(query.by);
  std::string sql;
  if (column == nullptr) {
    // Every run of some days: the days' races in date order (an index of races), each race's
    // runs by its key, so that the rows are read in the table's order. Through the index by day
    // instead, each row would be looked up in the table: twice the time.
    sql = fmt::format("SELECT {} FROM races r CROSS JOIN run_history h ON h.race_id = r.id WHERE 1 = 1",
                      stored_columns_of_h());
    if (query.from) sql += " AND r.race_date >= ?2";
    if (query.before) sql += " AND r.race_date < ?3";
    sql += " ORDER BY r.race_date, r.id, h.number";
  } else {
    sql = fmt::format("SELECT {} FROM run_history WHERE {} IN (SELECT value FROM json_each(?1))", kStoredColumns,
                      column);
    if (query.from) sql += " AND day >= ?2";
    if (query.before) sql += " AND day < ?3";
    sql += " ORDER BY day, race_id, number";
  }
  PADDOCK_ASSIGN_OR_RETURN(Statement s, connection_->prepare(sql));
  if (column != nullptr) s.bind(1, fmt::format("[{}]", fmt::join(query.ids, ",")));
  auto bind_day = [&](int index, Day day) {
    if (column == nullptr) {
      s.bind(index, format_day(day));
    } else {
      s.bind(index, static_cast<std::int64_t>(day));
    }
  };
  if (query.from) bind_day(2, *query.from);
  if (query.before) bind_day(3, *query.before);
  while (true) {
    PADDOCK_ASSIGN_OR_RETURN(const bool row, s.step());
    if (!row) break;
    visit(read_stored(s));
  }
  return ok_status();
}

Status SqliteDatabase::for_each_person_run(const StoredRunQuery& query,
                                           const std::function<void(EntityId, Day, std::optional<int>)>& visit) {
  if (query.by != StoredRunQuery::By::kJockey && query.by != StoredRunQuery::By::kTrainer) {
    return make_error(ErrorCode::kInternal, "for_each_person_run reads jockeys or trainers");
  }
  const char* column = column_of(query.by);
  // (person, day, position) is the index run_history_by_jockey (or _by_trainer): no table reads.
  PADDOCK_ASSIGN_OR_RETURN(Statement s, connection_->prepare(fmt::format(
      "SELECT {0}, day, position FROM run_history INDEXED BY run_history_by_{1} "
      "WHERE {0} IN (SELECT value FROM json_each(?1)) AND day >= ?2 AND day < ?3 ORDER BY {0}, day",
      column, query.by == StoredRunQuery::By::kJockey ? "jockey" : "trainer")));
  s.bind(1, fmt::format("[{}]", fmt::join(query.ids, ",")))
      .bind(2, static_cast<std::int64_t>(query.from.value_or(std::numeric_limits<Day>::min())))
      .bind(3, static_cast<std::int64_t>(query.before.value_or(std::numeric_limits<Day>::max())));
  while (true) {
    PADDOCK_ASSIGN_OR_RETURN(const bool row, s.step());
    if (!row) break;
    visit(s.int64(0), static_cast<Day>(s.int64(1)), s.optional_int(2));
  }
  return ok_status();
}

Result<std::vector<StoredRun>> SqliteDatabase::last_stored_runs_before(StoredRunQuery::By by,
                                                                       const std::vector<std::int64_t>& ids, Day day) {
  const char* column = column_of(by);
  if (column == nullptr) return make_error(ErrorCode::kInternal, "last_stored_runs_before needs an entity kind");
  PADDOCK_ASSIGN_OR_RETURN(Statement s, connection_->prepare(fmt::format(
      "SELECT {} FROM run_history WHERE {} = ?1 AND day < ?2 ORDER BY day DESC, race_id DESC, number DESC LIMIT 1",
      kStoredColumns, column)));
  std::vector<StoredRun> last;
  for (std::int64_t id : ids) {
    s.reset();
    s.bind(1, id).bind(2, static_cast<std::int64_t>(day));
    PADDOCK_ASSIGN_OR_RETURN(const bool row, s.step());
    if (row) last.push_back(read_stored(s));
  }
  return last;
}

}  // namespace paddock::sqlite
