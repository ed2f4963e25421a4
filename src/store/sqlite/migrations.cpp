#include "store/sqlite/migrations.h"

#include <fmt/format.h>

#include <array>

#include "core/date.h"

namespace paddock::sqlite {
namespace {

struct Migration {
  int version;
  const char* name;
  const char* sql;
};

constexpr const char* kInitialSchema = R"sql(
CREATE TABLE venues (
  id    INTEGER PRIMARY KEY,
  code  TEXT NOT NULL UNIQUE,
  name  TEXT
);

CREATE TABLE horses (
  id          INTEGER PRIMARY KEY,
  key         TEXT NOT NULL UNIQUE,
  name        TEXT NOT NULL,
  sex         TEXT,
  birth_year  INTEGER
);

CREATE TABLE jockeys (
  id    INTEGER PRIMARY KEY,
  name  TEXT NOT NULL UNIQUE
);

CREATE TABLE trainers (
  id    INTEGER PRIMARY KEY,
  name  TEXT NOT NULL UNIQUE
);

CREATE TABLE races (
  id          INTEGER PRIMARY KEY,
  race_date   TEXT NOT NULL CHECK (length(race_date) = 10),
  meeting_no  INTEGER NOT NULL CHECK (meeting_no > 0),
  race_no     INTEGER NOT NULL CHECK (race_no > 0),
  venue_id    INTEGER REFERENCES venues(id),
  name        TEXT,
  discipline  TEXT NOT NULL
              CHECK (discipline IN ('attele','monte','plat','haies','steeple','cross')),
  distance_m  INTEGER NOT NULL CHECK (distance_m > 0),
  prize_eur   INTEGER CHECK (prize_eur IS NULL OR prize_eur >= 0),
  category    TEXT,
  is_quinte   INTEGER NOT NULL DEFAULT 0 CHECK (is_quinte IN (0, 1)),
  going       TEXT,
  status      TEXT NOT NULL DEFAULT 'scheduled'
              CHECK (status IN ('scheduled','finished','cancelled')),
  UNIQUE (race_date, meeting_no, race_no)
);
CREATE INDEX races_by_date ON races(race_date, id);

CREATE TABLE runners (
  race_id              INTEGER NOT NULL REFERENCES races(id) ON DELETE CASCADE,
  number               INTEGER NOT NULL CHECK (number > 0),
  horse_id             INTEGER NOT NULL REFERENCES horses(id),
  jockey_id            INTEGER REFERENCES jockeys(id),
  trainer_id           INTEGER REFERENCES trainers(id),
  age                  INTEGER CHECK (age IS NULL OR age BETWEEN 1 AND 30),
  sex                  TEXT CHECK (sex IS NULL OR sex IN ('M','F','H')),
  draw                 INTEGER CHECK (draw IS NULL OR draw >= 0),
  weight_kg            REAL CHECK (weight_kg IS NULL OR weight_kg > 0),
  handicap_distance_m  INTEGER CHECK (handicap_distance_m IS NULL OR handicap_distance_m > 0),
  blinkers             TEXT,
  shoes                TEXT,
  musique              TEXT,
  career_starts        INTEGER CHECK (career_starts IS NULL OR career_starts >= 0),
  career_wins          INTEGER CHECK (career_wins IS NULL OR career_wins >= 0),
  career_places        INTEGER CHECK (career_places IS NULL OR career_places >= 0),
  career_earnings_eur  INTEGER CHECK (career_earnings_eur IS NULL OR career_earnings_eur >= 0),
  morning_odds         REAL CHECK (morning_odds IS NULL OR morning_odds >= 1),
  final_odds           REAL CHECK (final_odds IS NULL OR final_odds >= 1),
  non_runner           INTEGER NOT NULL DEFAULT 0 CHECK (non_runner IN (0, 1)),
  finish_position      INTEGER CHECK (finish_position IS NULL OR finish_position > 0),
  incident             TEXT CHECK (incident IS NULL OR
                       incident IN ('disqualified','fell','pulled_up','unseated','demoted')),
  PRIMARY KEY (race_id, number)
) WITHOUT ROWID;
CREATE INDEX runners_by_horse ON runners(horse_id);

CREATE TABLE demo_truth (
  race_id          INTEGER NOT NULL REFERENCES races(id) ON DELETE CASCADE,
  number           INTEGER NOT NULL,
  win_probability  REAL NOT NULL,
  PRIMARY KEY (race_id, number)
) WITHOUT ROWID;

CREATE TABLE models (
  id           INTEGER PRIMARY KEY,
  name         TEXT NOT NULL,
  path         TEXT NOT NULL,
  created_at   TEXT NOT NULL,
  feature_set  TEXT NOT NULL,
  metrics      TEXT,
  is_active    INTEGER NOT NULL DEFAULT 0 CHECK (is_active IN (0, 1))
);
CREATE UNIQUE INDEX models_one_active ON models(is_active) WHERE is_active = 1;

CREATE TABLE prediction_jobs (
  job_id            TEXT PRIMARY KEY,
  status            TEXT NOT NULL
                    CHECK (status IN ('queued','running','completed','failed','cancelled')),
  progress          INTEGER DEFAULT 0,
  message           TEXT,
  total_races       INTEGER,
  processed_races   INTEGER DEFAULT 0,
  successful_races  INTEGER DEFAULT 0,
  failed_races      INTEGER DEFAULT 0,
  start_time        TIMESTAMP,
  end_time          TIMESTAMP,
  error             TEXT,
  config            TEXT,
  pid               INTEGER,
  host              TEXT,
  heartbeat_at      TIMESTAMP,
  throughput        REAL DEFAULT 0,
  eta_seconds       REAL,
  memory_mb         REAL DEFAULT 0,
  peak_memory_mb    REAL DEFAULT 0,
  model_id          INTEGER REFERENCES models(id),
  cancel_requested  INTEGER NOT NULL DEFAULT 0,
  log_path          TEXT,
  priority          INTEGER NOT NULL DEFAULT 0,
  attempt           INTEGER NOT NULL DEFAULT 1,
  created_at        TIMESTAMP NOT NULL
);
CREATE INDEX prediction_jobs_by_status ON prediction_jobs(status, start_time);

CREATE TABLE job_races (
  job_id   TEXT NOT NULL REFERENCES prediction_jobs(job_id) ON DELETE CASCADE,
  race_id  INTEGER NOT NULL,
  seq      INTEGER NOT NULL,
  state    TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','done','failed')),
  reason   TEXT,
  PRIMARY KEY (job_id, race_id)
) WITHOUT ROWID;

CREATE TABLE predictions (
  model_id         INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
  race_id          INTEGER NOT NULL REFERENCES races(id) ON DELETE CASCADE,
  number           INTEGER NOT NULL,
  score            REAL NOT NULL,
  win_probability  REAL NOT NULL CHECK (win_probability >= 0 AND win_probability <= 1),
  predicted_rank   INTEGER NOT NULL CHECK (predicted_rank > 0),
  job_id           TEXT,
  PRIMARY KEY (model_id, race_id, number)
) WITHOUT ROWID;
)sql";

// The start time of a job's process, so that a pid reused by another program after a crash
// is not taken for the job's (see job_lifecycle.h).
constexpr const char* kJobProcessStart = R"sql(
ALTER TABLE prediction_jobs ADD COLUMN pid_start INTEGER NOT NULL DEFAULT 0;
)sql";

// The job manager: each race's attempts (automatic retries), a retry job's parent, the queue's
// order, and the settings of the database (the number of jobs that may run at once).
constexpr const char* kJobManager = R"sql(
ALTER TABLE job_races ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE prediction_jobs ADD COLUMN retry_of TEXT;
CREATE INDEX prediction_jobs_queue ON prediction_jobs(status, priority DESC, created_at);
CREATE TABLE settings (
  key         TEXT PRIMARY KEY,
  value       TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);
)sql";

// The stored history: each finished run with what later features need of it, the horse's
// rating after it and its stall group's running totals, so that a job reads the runs of its
// own horses, jockeys, trainers and stalls instead of rating every race ever run. Triggers
// record the first day whose runs changed (history_state.dirty_from), whoever changed them;
// the next job recomputes the stored runs from that day (features/history_store.h).
constexpr const char* kRunHistory = R"sql(
CREATE TABLE run_history (
  race_id        INTEGER NOT NULL,
  number         INTEGER NOT NULL,
  day            INTEGER NOT NULL,
  horse_id       INTEGER NOT NULL,
  jockey_id      INTEGER NOT NULL,
  trainer_id     INTEGER NOT NULL,
  venue_id       INTEGER NOT NULL,
  discipline     INTEGER NOT NULL,
  distance_m     INTEGER NOT NULL,
  prize_eur      INTEGER,
  field_size     INTEGER NOT NULL,
  draw           INTEGER,
  position       INTEGER,
  incident       INTEGER NOT NULL,
  rating_after   REAL NOT NULL,
  draw_key       INTEGER,
  draw_starts    INTEGER,
  draw_wins      REAL,
  draw_expected  REAL,
  PRIMARY KEY (race_id, number)
) WITHOUT ROWID;
CREATE INDEX run_history_by_day ON run_history(day);
CREATE INDEX run_history_by_horse ON run_history(horse_id, day);
CREATE INDEX run_history_by_jockey ON run_history(jockey_id, day, position);
CREATE INDEX run_history_by_trainer ON run_history(trainer_id, day, position);
CREATE INDEX run_history_by_draw ON run_history(draw_key, day);

CREATE TABLE history_state (
  id            INTEGER PRIMARY KEY CHECK (id = 1),
  dirty_from    TEXT,
  refreshed_at  TEXT
);
INSERT INTO history_state(id, dirty_from) VALUES (1, '0000-01-01');

CREATE TRIGGER history_dirty_runner_insert AFTER INSERT ON runners
WHEN (SELECT dirty_from FROM history_state) IS NULL
  OR (SELECT race_date FROM races WHERE id = NEW.race_id) < (SELECT dirty_from FROM history_state)
BEGIN
  UPDATE history_state SET dirty_from = (SELECT race_date FROM races WHERE id = NEW.race_id);
END;
CREATE TRIGGER history_dirty_runner_update
AFTER UPDATE OF race_id, horse_id, jockey_id, trainer_id, draw, non_runner, finish_position, incident ON runners
BEGIN
  UPDATE history_state SET dirty_from = MIN(COALESCE(dirty_from, '9999-12-31'),
    COALESCE((SELECT race_date FROM races WHERE id = OLD.race_id), '9999-12-31'),
    COALESCE((SELECT race_date FROM races WHERE id = NEW.race_id), '9999-12-31'));
END;
CREATE TRIGGER history_dirty_runner_delete AFTER DELETE ON runners
BEGIN
  UPDATE history_state SET dirty_from = MIN(COALESCE(dirty_from, '9999-12-31'),
    COALESCE((SELECT race_date FROM races WHERE id = OLD.race_id), '9999-12-31'));
END;
CREATE TRIGGER history_dirty_race_update
AFTER UPDATE OF race_date, status, venue_id, discipline, distance_m, prize_eur ON races
BEGIN
  UPDATE history_state SET dirty_from = MIN(COALESCE(dirty_from, '9999-12-31'), OLD.race_date, NEW.race_date);
END;
CREATE TRIGGER history_dirty_race_delete AFTER DELETE ON races
BEGIN
  UPDATE history_state SET dirty_from = MIN(COALESCE(dirty_from, '9999-12-31'), OLD.race_date);
END;
)sql";


// Migration 5: the update triggers fire only when a value the history reads really changes (an
// import that writes a race again unchanged no longer sends the refresh back to that day), and
// a runner's saddle-cloth number is one of those values (it orders a race's runs).
constexpr const char* kHistoryTriggersOnChange = R"sql(
DROP TRIGGER history_dirty_runner_update;
DROP TRIGGER history_dirty_race_update;
CREATE TRIGGER history_dirty_runner_update
AFTER UPDATE OF race_id, number, horse_id, jockey_id, trainer_id, draw, non_runner, finish_position, incident
ON runners
WHEN OLD.race_id IS NOT NEW.race_id OR OLD.number IS NOT NEW.number OR OLD.horse_id IS NOT NEW.horse_id
  OR OLD.jockey_id IS NOT NEW.jockey_id OR OLD.trainer_id IS NOT NEW.trainer_id OR OLD.draw IS NOT NEW.draw
  OR OLD.non_runner IS NOT NEW.non_runner OR OLD.finish_position IS NOT NEW.finish_position
  OR OLD.incident IS NOT NEW.incident
BEGIN
  UPDATE history_state SET dirty_from = MIN(COALESCE(dirty_from, '9999-12-31'),
    COALESCE((SELECT race_date FROM races WHERE id = OLD.race_id), '9999-12-31'),
    COALESCE((SELECT race_date FROM races WHERE id = NEW.race_id), '9999-12-31'));
END;
CREATE TRIGGER history_dirty_race_update
AFTER UPDATE OF race_date, status, venue_id, discipline, distance_m, prize_eur ON races
WHEN OLD.race_date IS NOT NEW.race_date OR OLD.status IS NOT NEW.status OR OLD.venue_id IS NOT NEW.venue_id
  OR OLD.discipline IS NOT NEW.discipline OR OLD.distance_m IS NOT NEW.distance_m
  OR OLD.prize_eur IS NOT NEW.prize_eur
BEGIN
  UPDATE history_state SET dirty_from = MIN(COALESCE(dirty_from, '9999-12-31'), OLD.race_date, NEW.race_date);
END;
)sql";

// Migration 6: schedules (a cron expression in a time zone, and the options of the jobs it
// makes) and their runs, one row per fire time: the primary key makes a fire time start one
// job however many servers fire schedules on the database.
constexpr const char* kSchedules = R"sql(
CREATE TABLE schedules (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  name           TEXT NOT NULL UNIQUE,
  cron           TEXT NOT NULL,
  time_zone      TEXT NOT NULL DEFAULT 'Europe/Paris',
  template       TEXT NOT NULL,
  paused         INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
  grace_seconds  INTEGER NOT NULL DEFAULT 3600 CHECK (grace_seconds >= 0),
  created_at     TEXT NOT NULL,
  checked_until  TEXT NOT NULL
);
CREATE TABLE schedule_runs (
  schedule_id  INTEGER NOT NULL REFERENCES schedules(id) ON DELETE CASCADE,
  fire_time    TEXT NOT NULL,
  status       TEXT NOT NULL CHECK (status IN ('launching', 'launched', 'skipped', 'failed')),
  job_id       TEXT,
  reason       TEXT,
  recorded_at  TEXT NOT NULL,
  PRIMARY KEY (schedule_id, fire_time)
) WITHOUT ROWID;
)sql";

// Migration 7: the notifications' outbox. A job's end (its status becoming completed, failed or
// cancelled, whoever writes it: the job, the dead-job check, a cancel) inserts one row per
// configured channel in the same transaction, by trigger; the server delivers them later, with
// retries, so no end is lost while no server runs.
constexpr const char* kNotificationOutbox = R"sql(
CREATE TABLE notification_outbox (
  id               INTEGER PRIMARY KEY,
  job_id           TEXT NOT NULL,
  channel          TEXT NOT NULL CHECK (channel IN ('webhook', 'email')),
  job_status       TEXT NOT NULL,
  status           TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts         INTEGER NOT NULL DEFAULT 0,
  next_attempt_at  TEXT NOT NULL,
  last_error       TEXT,
  created_at       TEXT NOT NULL,
  delivered_at     TEXT
);
CREATE INDEX notification_outbox_due ON notification_outbox(status, next_attempt_at);
CREATE INDEX notification_outbox_by_job ON notification_outbox(job_id);
CREATE TRIGGER notify_job_end AFTER UPDATE OF status ON prediction_jobs
WHEN NEW.status IN ('completed', 'failed', 'cancelled') AND OLD.status NOT IN ('completed', 'failed', 'cancelled')
BEGIN
  INSERT INTO notification_outbox (job_id, channel, job_status, next_attempt_at, created_at)
  SELECT NEW.job_id, channel, NEW.status, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
  FROM (
    -- Each configured channel with the wanted mode: the job's own "notify" option, else the
    -- channel's setting, else all.
    SELECT 'webhook' AS channel,
           COALESCE(NULLIF(CASE WHEN json_valid(NEW.config) THEN json_extract(NEW.config, '$.notify') END, ''),
                    (SELECT value FROM settings WHERE key = 'notify.webhook_on'), 'all') AS mode
    WHERE EXISTS (SELECT 1 FROM settings WHERE key = 'notify.webhook_url' AND value <> '')
    UNION ALL
    SELECT 'email',
           COALESCE(NULLIF(CASE WHEN json_valid(NEW.config) THEN json_extract(NEW.config, '$.notify') END, ''),
                    (SELECT value FROM settings WHERE key = 'notify.email_on'), 'all')
    WHERE EXISTS (SELECT 1 FROM settings WHERE key = 'notify.email_to' AND value <> '')
  )
  WHERE mode = 'all' OR (mode = 'failures' AND NEW.status <> 'completed');
END;
)sql";

// Migration 8: what a race card shows that the schema did not keep: a race's post time (local
// time at the venue, HH:MM) and, with each prediction, the model's fundamental probability (its
// first stage, before the market is combined in). Older predictions keep NULL: a card shows
// their fundamental probability as unknown.
//
// Columns added to existing tables (here and in migration 9) carry no CHECK: SQLite tests a new
// column's CHECK against every row already there, which is seconds per column at 100,000 races
// and minutes at a million. Their writers validate them instead (import_rules.h, the engine).
constexpr const char* kCardColumns = R"sql(
ALTER TABLE races ADD COLUMN post_time TEXT;
ALTER TABLE predictions ADD COLUMN fundamental_probability REAL;
)sql";

// Migration 9: what a race tells after the off, for the speed figures of later races (never for
// its own prediction), and two facts known before it: each runner's official rating (the
// handicapper's value) and body weight. docs/data-formats.md maps them from CSV and PMU files.
constexpr const char* kRaceTimes = R"sql(
ALTER TABLE races ADD COLUMN winning_time_s REAL;
ALTER TABLE runners ADD COLUMN finish_time_s REAL;
ALTER TABLE runners ADD COLUMN reduction_km_s REAL;
ALTER TABLE runners ADD COLUMN beaten_lengths REAL;
ALTER TABLE runners ADD COLUMN official_rating REAL;
ALTER TABLE runners ADD COLUMN body_weight_kg REAL;
)sql";

// Migration 10: the stored history keeps each run's speed and réduction figures and what later
// races compare with (the rating and weight carried), and each day's additions to the pars
// (pace_days: a refresh from any day sums those before it instead of reading every race); the
// values they are made of send the refresh back to their day when they change. Every stored
// run is recomputed once.
constexpr const char* kSpeedFigures = R"sql(
ALTER TABLE run_history ADD COLUMN official_rating REAL;
ALTER TABLE run_history ADD COLUMN weight_kg REAL;
ALTER TABLE run_history ADD COLUMN speed_figure REAL;
ALTER TABLE run_history ADD COLUMN reduction_figure REAL;
CREATE TABLE pace_days (
  day           INTEGER NOT NULL,
  key           INTEGER NOT NULL,
  time_ms       INTEGER NOT NULL,
  metres        INTEGER NOT NULL,
  races         INTEGER NOT NULL,
  reduction_ms  INTEGER NOT NULL,
  reductions    INTEGER NOT NULL,
  PRIMARY KEY (day, key)
) WITHOUT ROWID;
UPDATE history_state SET dirty_from = '0000-01-01';
DROP TRIGGER history_dirty_runner_update;
DROP TRIGGER history_dirty_race_update;
CREATE TRIGGER history_dirty_runner_update
AFTER UPDATE OF race_id, number, horse_id, jockey_id, trainer_id, draw, non_runner, finish_position, incident,
  official_rating, weight_kg, handicap_distance_m, finish_time_s, reduction_km_s, beaten_lengths
ON runners
WHEN OLD.race_id IS NOT NEW.race_id OR OLD.number IS NOT NEW.number OR OLD.horse_id IS NOT NEW.horse_id
  OR OLD.jockey_id IS NOT NEW.jockey_id OR OLD.trainer_id IS NOT NEW.trainer_id OR OLD.draw IS NOT NEW.draw
  OR OLD.non_runner IS NOT NEW.non_runner OR OLD.finish_position IS NOT NEW.finish_position
  OR OLD.incident IS NOT NEW.incident OR OLD.official_rating IS NOT NEW.official_rating
  OR OLD.weight_kg IS NOT NEW.weight_kg OR OLD.handicap_distance_m IS NOT NEW.handicap_distance_m
  OR OLD.finish_time_s IS NOT NEW.finish_time_s OR OLD.reduction_km_s IS NOT NEW.reduction_km_s
  OR OLD.beaten_lengths IS NOT NEW.beaten_lengths
BEGIN
  UPDATE history_state SET dirty_from = MIN(COALESCE(dirty_from, '9999-12-31'),
    COALESCE((SELECT race_date FROM races WHERE id = OLD.race_id), '9999-12-31'),
    COALESCE((SELECT race_date FROM races WHERE id = NEW.race_id), '9999-12-31'));
END;
CREATE TRIGGER history_dirty_race_update
AFTER UPDATE OF race_date, status, venue_id, discipline, distance_m, prize_eur, going, winning_time_s ON races
WHEN OLD.race_date IS NOT NEW.race_date OR OLD.status IS NOT NEW.status OR OLD.venue_id IS NOT NEW.venue_id
  OR OLD.discipline IS NOT NEW.discipline OR OLD.distance_m IS NOT NEW.distance_m
  OR OLD.prize_eur IS NOT NEW.prize_eur OR OLD.going IS NOT NEW.going
  OR OLD.winning_time_s IS NOT NEW.winning_time_s
BEGIN
  UPDATE history_state SET dirty_from = MIN(COALESCE(dirty_from, '9999-12-31'), OLD.race_date, NEW.race_date);
END;
)sql";

constexpr std::array<Migration, 10> kMigrations{{
    {1, "initial schema", kInitialSchema},
    {2, "job process start time", kJobProcessStart},
    {3, "job manager: attempts, retries, queue, settings", kJobManager},
    {4, "stored history with ratings, kept current by triggers", kRunHistory},
    {5, "history triggers fire on changed values only", kHistoryTriggersOnChange},
    {6, "schedules and their runs", kSchedules},
    {7, "notification outbox filled by the end of a job", kNotificationOutbox},
    {8, "post times and fundamental probabilities, for race cards", kCardColumns},
    {9, "times, beaten distances, official ratings and body weights", kRaceTimes},
    {10, "speed figures, ratings and weights in the stored history", kSpeedFigures},
}};

Result<int> current_version(Connection& connection) {
  PADDOCK_TRY(connection.exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"));
  PADDOCK_ASSIGN_OR_RETURN(Statement query,
                           connection.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
  PADDOCK_ASSIGN_OR_RETURN(bool has_row, query.step());
  return has_row ? query.int32(0) : 0;
}

}  // namespace

int latest_schema_version() { return kMigrations.back().version; }

Result<int> stored_schema_version(Connection& connection) {
  PADDOCK_ASSIGN_OR_RETURN(Statement table, connection.prepare(
      "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"));
  PADDOCK_ASSIGN_OR_RETURN(bool has_row, table.step());
  if (!has_row || table.int64(0) == 0) return 0;
  PADDOCK_ASSIGN_OR_RETURN(Statement query,
                           connection.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
  PADDOCK_ASSIGN_OR_RETURN(has_row, query.step());
  return has_row ? query.int32(0) : 0;
}

Status apply_migrations(Connection& connection) {
  PADDOCK_TRY(connection.exec("BEGIN IMMEDIATE"));
  Result<int> version = current_version(connection);
  if (!version.ok()) {
    (void)connection.exec("ROLLBACK");
    return version.error();
  }
  if (*version > latest_schema_version()) {
    (void)connection.exec("ROLLBACK");
    return make_error(ErrorCode::kFailedPrecondition,
                      fmt::format("database '{}' has schema version {}, newer than this paddock "
                                  "(version {}); upgrade paddock",
                                  connection.path(), *version, latest_schema_version()));
  }
  for (const Migration& migration : kMigrations) {
    if (migration.version <= *version) continue;
    Status applied = connection.exec(migration.sql);
    if (applied.ok()) {
      applied = connection.exec(fmt::format(
          "INSERT INTO schema_migrations(version, name, applied_at) VALUES ({}, '{}', '{}')",
          migration.version, migration.name, utc_timestamp_now()));
    }
    if (!applied.ok()) {
      (void)connection.exec("ROLLBACK");
      return make_error(ErrorCode::kDatabase, fmt::format("migration {} ({}) failed: {}",
                                                          migration.version, migration.name,
                                                          applied.error().message));
    }
  }
  return connection.exec("COMMIT");
}

}  // namespace paddock::sqlite
