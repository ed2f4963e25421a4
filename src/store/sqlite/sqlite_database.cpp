#include "store/sqlite/sqlite_database.h"

#include <fmt/format.h>

#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>
#include <limits>

#include "store/sqlite/migrations.h"

namespace paddock::sqlite {
namespace {

Discipline discipline_or_flat(std::string_view text) {
  return parse_discipline(text).value_or(Discipline::kPlat);
}

int shoes_off_from(std::string_view shoes) {
  if (shoes.empty()) return 0;
  const bool front = shoes.find("ANTERIEURS") != std::string::npos;
  const bool hind = shoes.find("POSTERIEURS") != std::string::npos;
  const bool bare = shoes.rfind("DEFERR", 0) == 0;
  if (!bare) return 0;
  return (front && hind) ? 2 : 1;
}

}  // namespace

// A read-only open never writes, but it must read the schema this paddock knows: a database
// of an older version is brought up to date first, through a short read-write connection,
// where the file can be written; otherwise the error says what to do.
static Status ensure_current_schema(const std::string& path, Connection& reader) {
  PADDOCK_ASSIGN_OR_RETURN(const int version, stored_schema_version(reader));
  if (version > latest_schema_version()) {
    return make_error(ErrorCode::kFailedPrecondition,
                      fmt::format("database '{}' has schema version {}, newer than this paddock (version {}); "
                                  "upgrade paddock", path, version, latest_schema_version()));
  }
  if (version == latest_schema_version()) return ok_status();
  Result<std::unique_ptr<Connection>> writer = Connection::open(path, Connection::Mode::kReadWrite);
  if (!writer.ok()) {
    return make_error(ErrorCode::kFailedPrecondition,
                      fmt::format("database '{}' has schema version {}, older than this paddock's {}, and cannot "
                                  "be upgraded here ({}); open it once with paddock where it can be written",
                                  path, version, latest_schema_version(), writer.error().message));
  }
  return apply_migrations(**writer);
}

Result<std::unique_ptr<Database>> SqliteDatabase::open(const std::string& path, Access access) {
  const bool read_only = access == Access::kReadOnly;
  if (read_only && !std::filesystem::exists(path)) {
    return make_error(ErrorCode::kNotFound, fmt::format("database '{}' does not exist", path));
  }
  const auto parent = std::filesystem::path(path).parent_path();
  if (!read_only && !parent.empty() && !std::filesystem::is_directory(parent)) {
    return make_error(ErrorCode::kNotFound,
                      fmt::format("cannot create database '{}': directory '{}' does not exist",
                                  path, parent.string()));
  }
  PADDOCK_ASSIGN_OR_RETURN(
      std::unique_ptr<Connection> connection,
      Connection::open(path, read_only ? Connection::Mode::kReadOnly : Connection::Mode::kReadWrite));
  if (!read_only) {
    PADDOCK_TRY(apply_migrations(*connection));
  } else {
    PADDOCK_TRY(ensure_current_schema(path, *connection));
  }
  return std::unique_ptr<Database>(new SqliteDatabase(std::move(connection)));
}

Status SqliteDatabase::begin_write() { return connection_->exec("BEGIN IMMEDIATE"); }
Status SqliteDatabase::begin_read() { return connection_->exec("BEGIN"); }
Status SqliteDatabase::commit() { return connection_->exec("COMMIT"); }
void SqliteDatabase::rollback() {
  if (sqlite3_get_autocommit(connection_->raw()) == 0) (void)connection_->exec("ROLLBACK");
}

Result<EntityId> SqliteDatabase::upsert_named(const char* insert_sql, const char* select_sql,
                                              const std::string& name) {
  PADDOCK_ASSIGN_OR_RETURN(Statement * select, connection_->cached(select_sql));
  select->bind(1, name);
  PADDOCK_ASSIGN_OR_RETURN(bool found, select->step());
  if (found) {
    const EntityId id = select->int64(0);
    select->reset();
    return id;
  }
  PADDOCK_ASSIGN_OR_RETURN(Statement * insert, connection_->cached(insert_sql));
  insert->bind(1, name);
  PADDOCK_TRY(insert->run());
  return connection_->last_insert_rowid();
}

Result<EntityId> SqliteDatabase::upsert_venue(const std::string& code, const std::string& name) {
  PADDOCK_ASSIGN_OR_RETURN(Statement * s, connection_->cached(
      "INSERT INTO venues(code, name) VALUES (?1, ?2) "
      "ON CONFLICT(code) DO UPDATE SET name = COALESCE(excluded.name, venues.name) RETURNING id"));
  s->bind(1, code).bind_text_or_null(2, name);
  PADDOCK_ASSIGN_OR_RETURN(bool row, s->step());
  if (!row) return make_error(ErrorCode::kInternal, "venue upsert returned no id");
  const EntityId id = s->int64(0);
  s->reset();
  return id;
}

Result<EntityId> SqliteDatabase::upsert_horse(const std::string& key, const std::string& name,
                                              const std::string& sex, std::optional<int> birth_year) {
  PADDOCK_ASSIGN_OR_RETURN(Statement * s, connection_->cached(
      "INSERT INTO horses(key, name, sex, birth_year) VALUES (?1, ?2, ?3, ?4) "
      "ON CONFLICT(key) DO UPDATE SET name = excluded.name, "
      "sex = COALESCE(excluded.sex, horses.sex), "
      "birth_year = COALESCE(excluded.birth_year, horses.birth_year) RETURNING id"));
  s->bind(1, key).bind(2, name.empty() ? key : name).bind_text_or_null(3, sex).bind(4, birth_year);
  PADDOCK_ASSIGN_OR_RETURN(bool row, s->step());
  if (!row) return make_error(ErrorCode::kInternal, "horse upsert returned no id");
  const EntityId id = s->int64(0);
  s->reset();
  return id;
}

Result<EntityId> SqliteDatabase::upsert_jockey(const std::string& name) {
  return upsert_named("INSERT INTO jockeys(name) VALUES (?1)",
                      "SELECT id FROM jockeys WHERE name = ?1", name);
}

Result<EntityId> SqliteDatabase::upsert_trainer(const std::string& name) {
  return upsert_named("INSERT INTO trainers(name) VALUES (?1)",
                      "SELECT id FROM trainers WHERE name = ?1", name);
}

Status SqliteDatabase::upsert_race(const Race& race, EntityId venue_id) {
  PADDOCK_ASSIGN_OR_RETURN(Statement * s, connection_->cached(
      "INSERT INTO races(id, race_date, meeting_no, race_no, venue_id, name, discipline, "
      "distance_m, prize_eur, category, is_quinte, going, status, post_time, winning_time_s) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, COALESCE(?11, 0), ?12, ?13, ?14, ?15) "
      "ON CONFLICT(id) DO UPDATE SET race_date = excluded.race_date, "
      "meeting_no = excluded.meeting_no, race_no = excluded.race_no, venue_id = excluded.venue_id, "
      "name = COALESCE(excluded.name, races.name), discipline = excluded.discipline, "
      "distance_m = excluded.distance_m, prize_eur = COALESCE(excluded.prize_eur, races.prize_eur), "
      "category = COALESCE(excluded.category, races.category), "
      "is_quinte = COALESCE(?11, races.is_quinte), going = COALESCE(excluded.going, races.going), "
      "status = excluded.status, post_time = COALESCE(excluded.post_time, races.post_time), "
      "winning_time_s = COALESCE(excluded.winning_time_s, races.winning_time_s)"));
  s->bind(1, race.id)
      .bind(2, format_day(race.day))
      .bind(3, race.meeting_no)
      .bind(4, race.race_no)
      .bind(5, venue_id)
      .bind_text_or_null(6, race.name)
      .bind(7, to_string(race.discipline))
      .bind(8, race.distance_m)
      .bind(9, race.prize_eur)
      .bind_text_or_null(10, race.category)
      .bind(11, race.is_quinte ? std::optional<int>(*race.is_quinte ? 1 : 0) : std::nullopt)
      .bind_text_or_null(12, race.going)
      .bind(13, to_string(race.status))
      .bind_text_or_null(14, race.post_time)
      .bind(15, race.winning_time_s);
  return s->run();
}

Status SqliteDatabase::upsert_runner(const Runner& runner, EntityId horse_id,
                                     std::optional<EntityId> jockey_id,
                                     std::optional<EntityId> trainer_id) {
  PADDOCK_ASSIGN_OR_RETURN(Statement * s, connection_->cached(
      "INSERT INTO runners(race_id, number, horse_id, jockey_id, trainer_id, age, sex, draw, "
      "weight_kg, handicap_distance_m, blinkers, shoes, musique, career_starts, career_wins, "
      "career_places, career_earnings_eur, morning_odds, final_odds, non_runner, "
      "finish_position, incident, finish_time_s, reduction_km_s, beaten_lengths, official_rating, "
      "body_weight_kg) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
      "?13, ?14, ?15, ?16, ?17, ?18, ?19, COALESCE(?20, 0), ?21, ?22, ?23, ?24, ?25, ?26, ?27) "
      "ON CONFLICT(race_id, number) DO UPDATE SET horse_id = excluded.horse_id, "
      "jockey_id = COALESCE(excluded.jockey_id, runners.jockey_id), "
      "trainer_id = COALESCE(excluded.trainer_id, runners.trainer_id), "
      "age = COALESCE(excluded.age, runners.age), sex = COALESCE(excluded.sex, runners.sex), "
      "draw = COALESCE(excluded.draw, runners.draw), "
      "weight_kg = COALESCE(excluded.weight_kg, runners.weight_kg), "
      "handicap_distance_m = COALESCE(excluded.handicap_distance_m, runners.handicap_distance_m), "
      "blinkers = COALESCE(excluded.blinkers, runners.blinkers), "
      "shoes = COALESCE(excluded.shoes, runners.shoes), "
      "musique = COALESCE(excluded.musique, runners.musique), "
      "career_starts = COALESCE(excluded.career_starts, runners.career_starts), "
      "career_wins = COALESCE(excluded.career_wins, runners.career_wins), "
      "career_places = COALESCE(excluded.career_places, runners.career_places), "
      "career_earnings_eur = COALESCE(excluded.career_earnings_eur, runners.career_earnings_eur), "
      "morning_odds = COALESCE(excluded.morning_odds, runners.morning_odds), "
      "final_odds = COALESCE(excluded.final_odds, runners.final_odds), "
      "non_runner = COALESCE(?20, runners.non_runner), "
      "finish_position = COALESCE(excluded.finish_position, runners.finish_position), "
      "incident = COALESCE(excluded.incident, runners.incident), "
      "finish_time_s = COALESCE(excluded.finish_time_s, runners.finish_time_s), "
      "reduction_km_s = COALESCE(excluded.reduction_km_s, runners.reduction_km_s), "
      "beaten_lengths = COALESCE(excluded.beaten_lengths, runners.beaten_lengths), "
      "official_rating = COALESCE(excluded.official_rating, runners.official_rating), "
      "body_weight_kg = COALESCE(excluded.body_weight_kg, runners.body_weight_kg)"));
  s->bind(1, runner.race_id)
      .bind(2, runner.number)
      .bind(3, horse_id)
      .bind(4, jockey_id)
      .bind(5, trainer_id)
      .bind(6, runner.age)
      .bind_text_or_null(7, runner.sex)
      .bind(8, runner.draw)
      .bind(9, runner.weight_kg)
      .bind(10, runner.handicap_distance_m)
      .bind_text_or_null(11, runner.blinkers)
      .bind_text_or_null(12, runner.shoes)
      .bind_text_or_null(13, runner.musique)
      .bind(14, runner.career_starts)
      .bind(15, runner.career_wins)
      .bind(16, runner.career_places)
      .bind(17, runner.career_earnings_eur)
      .bind(18, runner.morning_odds)
      .bind(19, runner.final_odds)
      .bind(20, runner.non_runner ? std::optional<int>(*runner.non_runner ? 1 : 0) : std::nullopt)
      .bind(21, runner.finish_position)
      .bind_text_or_null(22, to_string(runner.incident))
      .bind(23, runner.finish_time_s)
      .bind(24, runner.reduction_km_s)
      .bind(25, runner.beaten_lengths)
      .bind(26, runner.official_rating)
      .bind(27, runner.body_weight_kg);
  return s->run();
}

Result<std::optional<RaceId>> SqliteDatabase::race_at(Day day, int meeting_no, int race_no) {
  PADDOCK_ASSIGN_OR_RETURN(Statement * s, connection_->cached(
      "SELECT id FROM races WHERE race_date = ?1 AND meeting_no = ?2 AND race_no = ?3"));
  s->bind(1, format_day(day)).bind(2, meeting_no).bind(3, race_no);
  PADDOCK_ASSIGN_OR_RETURN(bool row, s->step());
  std::optional<RaceId> id;
  if (row) id = s->int64(0);
  s->reset();
  return id;
}

Status SqliteDatabase::mark_race_finished(RaceId race_id) {
  PADDOCK_ASSIGN_OR_RETURN(Statement * s, connection_->cached(
      "UPDATE races SET status = 'finished' WHERE id = ?1 AND status = 'scheduled'"));
  s->bind(1, race_id);
  return s->run();
}

Status SqliteDatabase::clear_results(RaceId race_id) {
  PADDOCK_ASSIGN_OR_RETURN(Statement * s, connection_->cached(
      "UPDATE runners SET finish_position = NULL, incident = NULL WHERE race_id = ?1"));
  s->bind(1, race_id);
  return s->run();
}

Status SqliteDatabase::upsert_truth(RaceId race_id, int number, double win_probability) {
  PADDOCK_ASSIGN_OR_RETURN(Statement * s, connection_->cached(
      "INSERT INTO demo_truth(race_id, number, win_probability) VALUES (?1, ?2, ?3) "
      "ON CONFLICT(race_id, number) DO UPDATE SET win_probability = excluded.win_probability"));
  s->bind(1, race_id).bind(2, number).bind(3, win_probability);
  return s->run();
}

Result<std::vector<RaceId>> SqliteDatabase::find_races(const RaceQuery& query) {
  std::string sql = "SELECT r.id FROM races r WHERE 1 = 1";
  if (query.from) sql += " AND r.race_date >= ?1";
  if (query.to) sql += " AND r.race_date <= ?2";
  if (query.finished_only) sql += " AND r.status = 'finished'";
  if (query.with_runners_only) sql += " AND EXISTS (SELECT 1 FROM runners x WHERE x.race_id = r.id)";
  if (query.without_prediction_from) {
    sql += " AND NOT EXISTS (SELECT 1 FROM predictions p WHERE p.model_id = ?3 AND p.race_id = r.id)";
  }
  sql += " ORDER BY r.race_date, r.id";
  if (query.limit) sql += " LIMIT ?4";
  PADDOCK_ASSIGN_OR_RETURN(Statement s, connection_->prepare(sql));
  if (query.from) s.bind(1, format_day(*query.from));
  if (query.to) s.bind(2, format_day(*query.to));
  if (query.without_prediction_from) s.bind(3, *query.without_prediction_from);
  if (query.limit) s.bind(4, *query.limit);
  std::vector<RaceId> ids;
  while (true) {
    PADDOCK_ASSIGN_OR_RETURN(bool row, s.step());
    if (!row) break;
    ids.push_back(s.int64(0));
  }
  return ids;
}

Result<std::vector<RaceId>> SqliteDatabase::existing_races(const std::vector<RaceId>& ids) {
  PADDOCK_ASSIGN_OR_RETURN(Statement * s, connection_->cached("SELECT 1 FROM races WHERE id = ?1"));
  std::vector<RaceId> existing;
  for (RaceId id : ids) {
    s->reset();
    s->bind(1, id);
    PADDOCK_ASSIGN_OR_RETURN(bool row, s->step());
    if (row) existing.push_back(id);
  }
  s->reset();
  return existing;
}

// Two queries for the whole list (races, then their runners in key order), whatever its
// length: the engine loads a chunk at a time, and per-race statements cost more than the rows.
Result<std::vector<RaceCard>> SqliteDatabase::load_race_cards(const std::vector<RaceId>& ids) {
  if (ids.empty()) return std::vector<RaceCard>();
  const std::string id_list = fmt::format("[{}]", fmt::join(ids, ","));
  PADDOCK_ASSIGN_OR_RETURN(Statement * race_query, connection_->cached(
      "SELECT id, race_date, meeting_no, race_no, COALESCE(venue_id, 0), discipline, distance_m, "
      "prize_eur, category, is_quinte, status FROM races "
      "WHERE id IN (SELECT value FROM json_each(?1)) ORDER BY id"));
  PADDOCK_ASSIGN_OR_RETURN(Statement * runner_query, connection_->cached(
      "SELECT race_id, number, horse_id, COALESCE(jockey_id, 0), COALESCE(trainer_id, 0), age, sex, "
      "draw, weight_kg, handicap_distance_m, blinkers, shoes, musique, career_starts, career_wins, "
      "career_places, career_earnings_eur, morning_odds, final_odds, non_runner, "
      "finish_position, incident, official_rating, body_weight_kg FROM runners "
      "WHERE race_id IN (SELECT value FROM json_each(?1)) ORDER BY race_id, number"));

  std::vector<RaceCard> by_id;  // in id order, as the queries return them
  race_query->bind(1, id_list);
  while (true) {
    PADDOCK_ASSIGN_OR_RETURN(bool found, race_query->step());
    if (!found) break;
    RaceCard card;
    card.id = race_query->int64(0);
    PADDOCK_ASSIGN_OR_RETURN(card.day, parse_day(race_query->text_view(1)));
    card.meeting_no = race_query->int32(2);
    card.race_no = race_query->int32(3);
    card.venue_id = race_query->int64(4);
    card.discipline = discipline_or_flat(race_query->text_view(5));
    card.distance_m = race_query->int32(6);
    card.prize_eur = race_query->optional_int64(7);
    card.is_handicap = race_query->text_view(8).starts_with("HANDICAP");
    card.is_quinte = race_query->int64(9) != 0;
    card.status = parse_race_status(race_query->text_view(10)).value_or(RaceStatus::kScheduled);
    by_id.push_back(std::move(card));
  }
  race_query->reset();

  runner_query->bind(1, id_list);
  std::size_t next = 0;
  while (true) {
    PADDOCK_ASSIGN_OR_RETURN(bool row, runner_query->step());
    if (!row) break;
    const Statement& r = *runner_query;
    const RaceId race_id = r.int64(0);
    while (next < by_id.size() && by_id[next].id < race_id) ++next;
    if (next == by_id.size() || by_id[next].id != race_id) continue;
    RunnerEntry entry;
    entry.number = r.int32(1);
    entry.horse_id = r.int64(2);
    entry.jockey_id = r.int64(3);
    entry.trainer_id = r.int64(4);
    entry.age = r.optional_int(5);
    const std::string_view sex = r.text_view(6);
    entry.sex = sex.empty() ? '?' : sex[0];
    entry.draw = r.optional_int(7);
    entry.weight_kg = r.optional_real(8);
    entry.handicap_distance_m = r.optional_int(9);
    const std::string_view blinkers = r.text_view(10);
    entry.blinkers = !blinkers.empty() && !blinkers.starts_with("SANS");
    entry.shoes_off = shoes_off_from(r.text_view(11));
    entry.musique = r.text(12);
    entry.career_starts = r.optional_int(13);
    entry.career_wins = r.optional_int(14);
    entry.career_places = r.optional_int(15);
    entry.career_earnings_eur = r.optional_int64(16);
    entry.morning_odds = r.optional_real(17);
    entry.final_odds = r.optional_real(18);
    entry.non_runner = r.int64(19) != 0;
    entry.finish_position = r.optional_int(20);
    entry.incident = parse_incident(r.text_view(21)).value_or(Incident::kNone);
    entry.official_rating = r.optional_real(22);
    entry.body_weight_kg = r.optional_real(23);
    by_id[next].runners.push_back(std::move(entry));
  }
  runner_query->reset();

  // Back to the caller's order.
  std::vector<RaceCard> cards;
  cards.reserve(by_id.size());
  for (RaceId id : ids) {
    const auto found = std::lower_bound(by_id.begin(), by_id.end(), id,
                                        [](const RaceCard& card, RaceId value) { return card.id < value; });
    if (found != by_id.end() && found->id == id && found->day != 0) {
      cards.push_back(std::move(*found));
      found->day = 0;  // moved: a repeated id yields the card once
    }
  }
  return cards;
}

Status SqliteDatabase::for_each_finished_race(const std::function<void(std::span<const RunRecord>)>& visit) {
  return for_each_finished_race_from(std::nullopt, std::nullopt, visit);
}

Result<std::optional<std::pair<Day, Day>>> SqliteDatabase::race_day_span(const std::vector<RaceId>& ids) {
  PADDOCK_ASSIGN_OR_RETURN(Statement s, connection_->prepare(
      "SELECT MIN(race_date), MAX(race_date) FROM races WHERE id IN (SELECT value FROM json_each(?1))"));
  s.bind(1, fmt::format("[{}]", fmt::join(ids, ",")));
  PADDOCK_ASSIGN_OR_RETURN(const bool row, s.step());
  if (!row || s.is_null(0)) return std::optional<std::pair<Day, Day>>();
  PADDOCK_ASSIGN_OR_RETURN(const Day first, parse_day(s.text_view(0)));
  PADDOCK_ASSIGN_OR_RETURN(const Day last, parse_day(s.text_view(1)));
  return std::optional<std::pair<Day, Day>>(std::make_pair(first, last));
}

Result<std::vector<std::pair<RaceId, Day>>> SqliteDatabase::days_of_races(const std::vector<RaceId>& ids) {
  PADDOCK_ASSIGN_OR_RETURN(Statement s, connection_->prepare(
      "SELECT id, race_date FROM races WHERE id IN (SELECT value FROM json_each(?1))"));
  s.bind(1, fmt::format("[{}]", fmt::join(ids, ",")));
  std::vector<std::pair<RaceId, Day>> days;
  days.reserve(ids.size());
  while (true) {
    PADDOCK_ASSIGN_OR_RETURN(const bool row, s.step());
    if (!row) break;
    PADDOCK_ASSIGN_OR_RETURN(const Day day, parse_day(s.text_view(1)));
    days.emplace_back(s.int64(0), day);
  }
  return days;
}

// Aggregated here rather than by GROUP BY: SQLite would sort every runner row in memory first
// (a gigabyte for a million races), where this keeps one day per horse.
Result<std::vector<std::pair<EntityId, Day>>> SqliteDatabase::last_days_of_horses(const std::vector<RaceId>& ids) {
  PADDOCK_ASSIGN_OR_RETURN(Statement s, connection_->prepare(
      "SELECT r.race_date, ru.horse_id FROM races r JOIN runners ru ON ru.race_id = r.id "
      "WHERE r.id IN (SELECT value FROM json_each(?1))"));
  s.bind(1, fmt::format("[{}]", fmt::join(ids, ",")));
  std::vector<Day> by_horse;
  std::string date;
  Day day = 0;
  while (true) {
    PADDOCK_ASSIGN_OR_RETURN(const bool row, s.step());
    if (!row) break;
    if (s.text_view(0) != date) {  // a race's runners come together
      date = s.text_view(0);
      PADDOCK_ASSIGN_OR_RETURN(day, parse_day(date));
    }
    const std::int64_t horse = s.int64(1);
    if (horse < 0) continue;
    const auto index = static_cast<std::size_t>(horse);
    if (index >= by_horse.size()) by_horse.resize(index + 1 + index / 4, std::numeric_limits<Day>::min());
    by_horse[index] = std::max(by_horse[index], day);
  }
  std::vector<std::pair<EntityId, Day>> days;
  for (std::size_t horse = 0; horse < by_horse.size(); ++horse) {
    if (by_horse[horse] != std::numeric_limits<Day>::min()) days.emplace_back(static_cast<EntityId>(horse), by_horse[horse]);
  }
  return days;
}

Status SqliteDatabase::for_each_finished_race_from(std::optional<Day> from, std::optional<Day> before,
                                                   const std::function<void(std::span<const RunRecord>)>& visit) {
  PADDOCK_ASSIGN_OR_RETURN(Statement s, connection_->prepare(
      "SELECT r.race_date, r.id, ru.horse_id, COALESCE(ru.jockey_id, 0), "
      "COALESCE(ru.trainer_id, 0), COALESCE(r.venue_id, 0), r.discipline, r.distance_m, ru.draw, "
      "ru.finish_position, ru.incident, r.prize_eur, ru.number, ru.official_rating, ru.weight_kg, "
      "ru.handicap_distance_m, r.going, r.winning_time_s, ru.finish_time_s, ru.reduction_km_s, ru.beaten_lengths "
      "FROM races r "
      "JOIN runners ru ON ru.race_id = r.id "
      "WHERE r.status = 'finished' AND ru.non_runner = 0 AND r.race_date >= ?1 AND r.race_date < ?2 "
      "ORDER BY r.race_date, r.id, ru.number"));
  s.bind(1, from ? format_day(*from) : std::string("0000-01-01"));
  s.bind(2, before ? format_day(*before) : std::string("9999-12-31"));
  // Field size is the number of starters, known only once a race's rows are all read.
  std::vector<RunRecord> race_runs;
  std::string last_date;
  Day day = 0;
  auto flush = [&] {
    for (RunRecord& run : race_runs) run.field_size = static_cast<int>(race_runs.size());
    if (!race_runs.empty()) visit(race_runs);
    race_runs.clear();
  };
  while (true) {
    PADDOCK_ASSIGN_OR_RETURN(bool row, s.step());
    if (!row) break;
    const RaceId race_id = s.int64(1);
    if (!race_runs.empty() && race_runs.front().race_id != race_id) flush();
    const std::string_view date = s.text_view(0);
    if (date != last_date) {
      PADDOCK_ASSIGN_OR_RETURN(day, parse_day(date));
      last_date = date;
    }
    RunRecord run;
    run.day = day;
    run.race_id = race_id;
    run.horse_id = s.int64(2);
    run.jockey_id = s.int64(3);
    run.trainer_id = s.int64(4);
    run.venue_id = s.int64(5);
    run.discipline = discipline_or_flat(s.text_view(6));
    run.distance_m = s.int32(7);
    run.draw = s.optional_int(8);
    run.finish_position = s.optional_int(9);
    run.incident = parse_incident(s.text_view(10)).value_or(Incident::kNone);
    run.prize_eur = s.optional_int64(11);
    run.number = s.int32(12);
    run.official_rating = s.optional_real(13);
    run.weight_kg = s.optional_real(14);
    run.handicap_distance_m = s.optional_int(15);
    if (!s.is_null(16)) run.going = going_class_of(s.text_view(16));
    run.winning_time_s = s.optional_real(17);
    run.finish_time_s = s.optional_real(18);
    run.reduction_km_s = s.optional_real(19);
    run.beaten_lengths = s.optional_real(20);
    race_runs.push_back(run);
  }
  flush();
  return ok_status();
}

Result<std::vector<Day>> SqliteDatabase::finished_race_days() {
  PADDOCK_ASSIGN_OR_RETURN(Statement s, connection_->prepare(
      "SELECT DISTINCT race_date FROM races WHERE status = 'finished' ORDER BY race_date"));
  std::vector<Day> days;
  while (true) {
    PADDOCK_ASSIGN_OR_RETURN(bool row, s.step());
    if (!row) break;
    PADDOCK_ASSIGN_OR_RETURN(Day day, parse_day(s.text(0)));
    days.push_back(day);
  }
  return days;
}

Result<std::vector<Day>> SqliteDatabase::finished_race_days_from(Day from, int limit) {
  PADDOCK_ASSIGN_OR_RETURN(Statement s, connection_->prepare(
      "SELECT DISTINCT race_date FROM races WHERE race_date >= ?1 AND status = 'finished' ORDER BY race_date LIMIT ?2"));
  s.bind(1, from == std::numeric_limits<Day>::min() ? std::string("0000-01-01") : format_day(from)).bind(2, limit);
  std::vector<Day> days;
  while (true) {
    PADDOCK_ASSIGN_OR_RETURN(bool row, s.step());
    if (!row) break;
    PADDOCK_ASSIGN_OR_RETURN(Day day, parse_day(s.text_view(0)));
    days.push_back(day);
  }
  return days;
}

Result<std::vector<std::pair<int, double>>> SqliteDatabase::load_truth(RaceId race_id) {
  PADDOCK_ASSIGN_OR_RETURN(Statement * s, connection_->cached(
      "SELECT number, win_probability FROM demo_truth WHERE race_id = ?1 ORDER BY number"));
  s->bind(1, race_id);
  std::vector<std::pair<int, double>> truth;
  while (true) {
    PADDOCK_ASSIGN_OR_RETURN(bool row, s->step());
    if (!row) break;
    truth.emplace_back(s->int32(0), s->real(1));
  }
  s->reset();
  return truth;
}

Result<Database::Counts> SqliteDatabase::counts() {
  PADDOCK_ASSIGN_OR_RETURN(Statement s, connection_->prepare(
      "SELECT (SELECT COUNT(*) FROM races), (SELECT COUNT(*) FROM runners), "
      "(SELECT COUNT(*) FROM races WHERE status = 'finished'), (SELECT COUNT(*) FROM predictions)"));
  PADDOCK_ASSIGN_OR_RETURN(bool row, s.step());
  Counts counts;
  if (row) {
    counts.races = s.int64(0);
    counts.runners = s.int64(1);
    counts.finished_races = s.int64(2);
    counts.predictions = s.int64(3);
  }
  return counts;
}

Result<ModelId> SqliteDatabase::insert_model(const ModelRecord& model) {
  PADDOCK_ASSIGN_OR_RETURN(Statement s, connection_->prepare(
      "INSERT INTO models(name, path, created_at, feature_set, metrics, is_active) "
      "VALUES (?1, ?2, ?3, ?4, ?5, 0)"));
  s.bind(1, model.name).bind(2, model.path).bind(3, model.created_at).bind(4, model.feature_set)
      .bind_text_or_null(5, model.metrics_json);
  PADDOCK_TRY(s.run());
  return connection_->last_insert_rowid();
}

Status SqliteDatabase::activate_model(ModelId id) {
  PADDOCK_ASSIGN_OR_RETURN(WriteTransaction transaction, WriteTransaction::begin(*this));
  PADDOCK_ASSIGN_OR_RETURN(Statement exists, connection_->prepare("SELECT 1 FROM models WHERE id = ?1"));
  exists.bind(1, id);
  PADDOCK_ASSIGN_OR_RETURN(bool found, exists.step());
  if (!found) return make_error(ErrorCode::kNotFound, fmt::format("no model with id {}", id));
  PADDOCK_TRY(connection_->exec("UPDATE models SET is_active = 0 WHERE is_active = 1"));
  PADDOCK_ASSIGN_OR_RETURN(Statement s, connection_->prepare("UPDATE models SET is_active = 1 WHERE id = ?1"));
  s.bind(1, id);
  PADDOCK_TRY(s.run());
  return transaction.commit();
}

Result<std::optional<ModelRecord>> SqliteDatabase::read_model(Statement& s) {
  PADDOCK_ASSIGN_OR_RETURN(bool row, s.step());
  if (!row) return std::optional<ModelRecord>();
  ModelRecord model;
  model.id = s.int64(0);
  model.name = s.text(1);
  model.path = s.text(2);
  model.created_at = s.text(3);
  model.feature_set = s.text(4);
  model.metrics_json = s.text(5);
  model.active = s.int64(6) != 0;
  return std::optional<ModelRecord>(std::move(model));
}

Result<std::optional<ModelRecord>> SqliteDatabase::active_model() {
  PADDOCK_ASSIGN_OR_RETURN(Statement s, connection_->prepare(
      "SELECT id, name, path, created_at, feature_set, metrics, is_active FROM models "
      "WHERE is_active = 1"));
  return read_model(s);
}

Result<std::optional<ModelRecord>> SqliteDatabase::find_model(ModelId id) {
  PADDOCK_ASSIGN_OR_RETURN(Statement s, connection_->prepare(
      "SELECT id, name, path, created_at, feature_set, metrics, is_active FROM models WHERE id = ?1"));
  s.bind(1, id);
  return read_model(s);
}

Result<std::vector<ModelRecord>> SqliteDatabase::list_models() {
  PADDOCK_ASSIGN_OR_RETURN(Statement s, connection_->prepare(
      "SELECT id, name, path, created_at, feature_set, metrics, is_active FROM models ORDER BY id"));
  std::vector<ModelRecord> models;
  while (true) {
    PADDOCK_ASSIGN_OR_RETURN(std::optional<ModelRecord> model, read_model(s));
    if (!model) break;
    models.push_back(std::move(*model));
  }
  return models;
}

Result<std::map<int, std::pair<std::string, std::string>>> SqliteDatabase::runner_names(RaceId race_id) {
  PADDOCK_ASSIGN_OR_RETURN(Statement s, connection_->prepare(
      "SELECT ru.number, h.name, COALESCE(j.name, '') FROM runners ru JOIN horses h ON h.id = ru.horse_id "
      "LEFT JOIN jockeys j ON j.id = ru.jockey_id WHERE ru.race_id = ?1"));
  s.bind(1, race_id);
  std::map<int, std::pair<std::string, std::string>> names;
  while (true) {
    PADDOCK_ASSIGN_OR_RETURN(const bool row, s.step());
    if (!row) break;
    names[s.int32(0)] = {s.text(1), s.text(2)};
  }
  return names;
}

Result<std::vector<RaceSummary>> SqliteDatabase::list_races(const RaceQuery& query) {
  std::string sql =
      "SELECT r.id, r.race_date, COALESCE(v.name, v.code, ''), r.meeting_no, r.race_no, COALESCE(r.name, ''), "
      "r.discipline, r.distance_m, r.prize_eur, r.is_quinte, r.status, COALESCE(r.post_time, ''), "
      "(SELECT COUNT(*) FROM runners x WHERE x.race_id = r.id), "
      "(SELECT COUNT(*) FROM runners x WHERE x.race_id = r.id AND x.non_runner = 0) "
      "FROM races r LEFT JOIN venues v ON v.id = r.venue_id WHERE 1 = 1";
  if (query.from) sql += " AND r.race_date >= ?1";
  if (query.to) sql += " AND r.race_date <= ?2";
  if (query.finished_only) sql += " AND r.status = 'finished'";
  if (!query.race_ids.empty()) sql += " AND r.id IN (SELECT value FROM json_each(?4))";
  sql += " ORDER BY r.race_date, r.meeting_no, r.race_no, r.id";
  if (query.limit) sql += " LIMIT ?3";
  PADDOCK_ASSIGN_OR_RETURN(Statement s, connection_->prepare(sql));
  if (query.from) s.bind(1, format_day(*query.from));
  if (query.to) s.bind(2, format_day(*query.to));
  if (query.limit) s.bind(3, *query.limit);
  if (!query.race_ids.empty()) s.bind(4, fmt::format("[{}]", fmt::join(query.race_ids, ",")));
  std::vector<RaceSummary> races;
  while (true) {
    PADDOCK_ASSIGN_OR_RETURN(const bool row, s.step());
    if (!row) break;
    RaceSummary race;
    race.id = s.int64(0);
    race.race_date = s.text(1);
    race.venue = s.text(2);
    race.meeting_no = s.int32(3);
    race.race_no = s.int32(4);
    race.name = s.text(5);
    race.discipline = s.text(6);
    race.distance_m = s.int32(7);
    race.prize_eur = s.optional_int64(8);
    race.is_quinte = s.int64(9) != 0;
    race.status = s.text(10);
    race.post_time = s.text(11);
    race.declared = s.int32(12);
    race.starters = s.int32(13);
    races.push_back(std::move(race));
  }
  return races;
}

Result<std::vector<RaceDaySummary>> SqliteDatabase::race_days(ModelId model, int limit) {
  PADDOCK_ASSIGN_OR_RETURN(Statement s, connection_->prepare(
      "SELECT r.race_date, COUNT(*), SUM(r.status = 'finished'), "
      "SUM(EXISTS (SELECT 1 FROM predictions p WHERE p.model_id = ?1 AND p.race_id = r.id)) "
      "FROM races r WHERE r.race_date IN (SELECT DISTINCT race_date FROM races ORDER BY race_date DESC LIMIT ?2) "
      "GROUP BY r.race_date ORDER BY r.race_date DESC"));
  s.bind(1, model).bind(2, limit);
  std::vector<RaceDaySummary> days;
  while (true) {
    PADDOCK_ASSIGN_OR_RETURN(const bool row, s.step());
    if (!row) break;
    days.push_back({s.text(0), s.int64(1), s.int64(2), s.int64(3)});
  }
  return days;
}

Result<std::int64_t> SqliteDatabase::data_version() {
  PADDOCK_ASSIGN_OR_RETURN(Statement * s, connection_->cached("PRAGMA data_version"));
  s->reset();
  PADDOCK_ASSIGN_OR_RETURN(const bool row, s->step());
  if (!row) return make_error(ErrorCode::kDatabase, "PRAGMA data_version returned no row");
  return s->int64(0);
}

Result<std::vector<std::pair<ModelId, std::int64_t>>> SqliteDatabase::predicted_races_by_model(
    const std::vector<RaceId>& races) {
  PADDOCK_ASSIGN_OR_RETURN(Statement s, connection_->prepare(
      "SELECT model_id, COUNT(DISTINCT race_id) FROM predictions "
      "WHERE race_id IN (SELECT value FROM json_each(?1)) GROUP BY model_id ORDER BY model_id"));
  s.bind(1, fmt::format("[{}]", fmt::join(races, ",")));
  std::vector<std::pair<ModelId, std::int64_t>> counts;
  while (true) {
    PADDOCK_ASSIGN_OR_RETURN(const bool row, s.step());
    if (!row) break;
    counts.emplace_back(s.int64(0), s.int64(1));
  }
  return counts;
}

Status SqliteDatabase::for_each_export_row(const ExportQuery& query,
                                           const std::function<void(const ExportRow&)>& visit) {
  if (!query.model_id) return make_error(ErrorCode::kInvalidArgument, "export needs a model id");
  std::string sql =
      "SELECT p.race_id, r.race_date, COALESCE(v.name, v.code, ''), r.meeting_no, r.race_no, "
      "p.number, h.name, p.score, p.win_probability, p.predicted_rank, "
      "COALESCE(ru.final_odds, ru.morning_odds), ru.finish_position, COALESCE(ru.incident, ''), "
      "p.model_id, COALESCE(p.job_id, ''), COALESCE(j.name, ''), COALESCE(r.name, ''), r.discipline, "
      "r.distance_m, r.is_quinte, COALESCE(r.post_time, ''), p.fundamental_probability, "
      "ru.final_odds IS NOT NULL "
      "FROM predictions p JOIN races r ON r.id = p.race_id "
      "JOIN runners ru ON ru.race_id = p.race_id AND ru.number = p.number "
      "JOIN horses h ON h.id = ru.horse_id LEFT JOIN venues v ON v.id = r.venue_id "
      "LEFT JOIN jockeys j ON j.id = ru.jockey_id "
      "WHERE p.model_id = ?1";
  if (query.job_id) sql += " AND p.race_id IN (SELECT race_id FROM job_races WHERE job_id = ?2)";
  if (query.from) sql += " AND r.race_date >= ?3";
  if (query.to) sql += " AND r.race_date <= ?4";
  if (!query.race_ids.empty()) sql += " AND p.race_id IN (SELECT value FROM json_each(?5))";
  sql += " ORDER BY r.race_date, r.meeting_no, r.race_no, p.predicted_rank";
  PADDOCK_ASSIGN_OR_RETURN(Statement s, connection_->prepare(sql));
  s.bind(1, *query.model_id);
  if (query.job_id) s.bind(2, *query.job_id);
  if (query.from) s.bind(3, format_day(*query.from));
  if (query.to) s.bind(4, format_day(*query.to));
  if (!query.race_ids.empty()) s.bind(5, fmt::format("[{}]", fmt::join(query.race_ids, ",")));
  while (true) {
    PADDOCK_ASSIGN_OR_RETURN(bool row, s.step());
    if (!row) break;
    ExportRow out;
    out.race_id = s.int64(0);
    out.race_date = s.text(1);
    out.venue = s.text(2);
    out.meeting_no = s.int32(3);
    out.race_no = s.int32(4);
    out.number = s.int32(5);
    out.horse = s.text(6);
    out.score = s.real(7);
    out.win_probability = s.real(8);
    out.predicted_rank = s.int32(9);
    out.odds = s.optional_real(10);
    out.finish_position = s.optional_int(11);
    out.incident = s.text(12);
    out.model_id = s.int64(13);
    out.job_id = s.text(14);
    out.jockey = s.text(15);
    out.race_name = s.text(16);
    out.discipline = s.text(17);
    out.distance_m = s.int32(18);
    out.is_quinte = s.int32(19) != 0;
    out.post_time = s.text(20);
    out.fundamental = s.optional_real(21);
    out.final_odds = s.int32(22) != 0;
    visit(out);
  }
  return ok_status();
}

}  // namespace paddock::sqlite
