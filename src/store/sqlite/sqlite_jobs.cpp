// The jobs family of the SQLite store: prediction_jobs, job_races, settings, and the chunk
// commit that writes a chunk's predictions with its races' states and the job's progress.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "store/sqlite/sqlite_database.h"

namespace paddock::sqlite {
namespace {

constexpr int kRowsPerInsert = 16;
constexpr int kPredictionColumns = 8;

// INSERT of `rows` predictions (numbered parameters, 8 a row), replacing the stored ones.
std::string prediction_insert_sql(int rows) {
  std::string sql =
      "INSERT INTO predictions(model_id, race_id, number, score, win_probability, predicted_rank, "
      "job_id, fundamental_probability) VALUES ";
  for (int row = 0; row < rows; ++row) {
    const int p = row * kPredictionColumns;
    sql += fmt::format("{}(?{}, ?{}, ?{}, ?{}, ?{}, ?{}, ?{}, ?{})", row == 0 ? "" : ", ", p + 1, p + 2, p + 3,
                       p + 4, p + 5, p + 6, p + 7, p + 8);
  }
  return sql +
         " ON CONFLICT(model_id, race_id, number) DO UPDATE SET score = excluded.score, "
         "win_probability = excluded.win_probability, predicted_rank = excluded.predicted_rank, "
         "job_id = excluded.job_id, fundamental_probability = excluded.fundamental_probability";
}

constexpr const char* kJobColumns =
    "job_id, status, progress, message, total_races, processed_races, successful_races, "
    "failed_races, start_time, end_time, error, config, pid, host, heartbeat_at, throughput, "
    "eta_seconds, memory_mb, peak_memory_mb, model_id, cancel_requested, log_path, priority, "
    "attempt, pid_start, retry_of";
// Read, never written by an update: set once, when the row is inserted.
constexpr const char* kJobReadColumns = "created_at";

void bind_job(Statement& s, const JobRow& job) {
  s.bind(1, job.job_id)
      .bind(2, to_string(job.status))
      .bind(3, job.progress)
      .bind_text_or_null(4, job.message)
      .bind(5, job.total_races)
      .bind(6, job.processed_races)
      .bind(7, job.successful_races)
      .bind(8, job.failed_races)
      .bind_text_or_null(9, job.start_time)
      .bind_text_or_null(10, job.end_time)
      .bind_text_or_null(11, job.error)
      .bind_text_or_null(12, job.config)
      .bind(13, static_cast<std::int64_t>(job.pid))
      .bind_text_or_null(14, job.host)
      .bind_text_or_null(15, job.heartbeat_at)
      .bind(16, job.throughput)
      .bind(17, job.eta_seconds)
      .bind(18, job.memory_mb)
      .bind(19, job.peak_memory_mb)
      .bind(20, job.model_id)
      .bind(21, job.cancel_requested ? 1 : 0)
      .bind_text_or_null(22, job.log_path)
      .bind(23, job.priority)
      .bind(24, job.attempt)
      .bind(25, static_cast<std::int64_t>(job.pid_start))
      .bind_text_or_null(26, job.retry_of);
}

JobRow read_job(const Statement& s) {
  JobRow job;
  job.job_id = s.text(0);
  job.status = parse_job_status(s.text(1)).value_or(JobStatus::kFailed);
  job.progress = s.int32(2);
  job.message = s.text(3);
  job.total_races = s.int64(4);
  job.processed_races = s.int64(5);
  job.successful_races = s.int64(6);
  job.failed_races = s.int64(7);
  job.start_time = s.text(8);
  job.end_time = s.text(9);
  job.error = s.text(10);
  job.config = s.text(11);
  job.pid = static_cast<long>(s.int64(12));
  job.host = s.text(13);
  job.heartbeat_at = s.text(14);
  job.throughput = s.real(15);
  job.eta_seconds = s.optional_real(16);
  job.memory_mb = s.real(17);
  job.peak_memory_mb = s.real(18);
  job.model_id = s.optional_int64(19);
  job.cancel_requested = s.int64(20) != 0;
  job.log_path = s.text(21);
  job.priority = s.int32(22);
  job.attempt = s.int32(23);
  job.pid_start = static_cast<std::uint64_t>(s.int64(24));
  job.retry_of = s.text(25);
  job.created_at = s.text(26);
  return job;
}

}  // namespace

Status SqliteDatabase::insert_job(const JobRow& job) {
  PADDOCK_ASSIGN_OR_RETURN(Statement s, connection_->prepare(fmt::format(
      "INSERT INTO prediction_jobs({}, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
      "?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27)",
      kJobColumns)));
  bind_job(s, job);
  s.bind(27, job.created_at.empty() ? utc_timestamp_now() : job.created_at);
  Status inserted = s.run();
  if (!inserted.ok() && inserted.error().message.find("UNIQUE") != std::string::npos) {
    return make_error(ErrorCode::kAlreadyExists, fmt::format("a job with id '{}' already exists", job.job_id));
  }
  return inserted;
}

// Every column but job_id, created_at and the cancel flag (only request_cancel and
// clear_cancel change it: a cancel request is never lost to a concurrent row update).
constexpr const char* kJobUpdateSet =
    "UPDATE prediction_jobs SET status = ?2, progress = ?3, message = ?4, total_races = ?5, "
    "processed_races = ?6, successful_races = ?7, failed_races = ?8, start_time = ?9, "
    "end_time = ?10, error = ?11, config = ?12, pid = ?13, host = ?14, heartbeat_at = ?15, "
    "throughput = ?16, eta_seconds = ?17, memory_mb = ?18, peak_memory_mb = ?19, "
    "model_id = ?20, log_path = ?22, priority = ?23, attempt = ?24, pid_start = ?25, retry_of = ?26 "
    "WHERE job_id = ?1";

Status SqliteDatabase::update_job(const JobRow& job) {
  PADDOCK_ASSIGN_OR_RETURN(Statement s, connection_->prepare(kJobUpdateSet));
  bind_job(s, job);
  PADDOCK_TRY(s.run());
  if (connection_->changes() == 0) {
    return make_error(ErrorCode::kNotFound, fmt::format("no job with id '{}'", job.job_id));
  }
  return ok_status();
}

Result<bool> SqliteDatabase::replace_job_if(const JobRow& job, JobStatus expected_status, long expected_pid) {
  PADDOCK_ASSIGN_OR_RETURN(Statement s,
                           connection_->prepare(std::string(kJobUpdateSet) + " AND status = ?27 AND COALESCE(pid, 0) = ?28"));
  bind_job(s, job);
  s.bind(27, to_string(expected_status)).bind(28, static_cast<std::int64_t>(expected_pid));
  PADDOCK_TRY(s.run());
  return connection_->changes() == 1;
}

Result<std::vector<JobRow>> SqliteDatabase::read_jobs(Statement& s) {
  std::vector<JobRow> jobs;
  while (true) {
    PADDOCK_ASSIGN_OR_RETURN(bool row, s.step());
    if (!row) break;
    jobs.push_back(read_job(s));
  }
  return jobs;
}

Result<std::vector<JobRow>> SqliteDatabase::list_jobs(const JobFilter& filter) {
  std::string sql = fmt::format("SELECT {}, {} FROM prediction_jobs WHERE 1 = 1", kJobColumns, kJobReadColumns);
  if (!filter.statuses.empty()) {
    std::vector<std::string> quoted;
    for (JobStatus status : filter.statuses) quoted.push_back(fmt::format("'{}'", to_string(status)));
    sql += fmt::format(" AND status IN ({})", fmt::join(quoted, ", "));
  }
  if (filter.finished_before) sql += " AND end_time IS NOT NULL AND end_time <= ?1";
  sql += " ORDER BY created_at DESC, rowid DESC";
  if (filter.limit) sql += " LIMIT ?2";
  PADDOCK_ASSIGN_OR_RETURN(Statement s, connection_->prepare(sql));
  if (filter.finished_before) s.bind(1, *filter.finished_before);
  if (filter.limit) s.bind(2, *filter.limit);
  return read_jobs(s);
}

Result<std::vector<JobRow>> SqliteDatabase::queued_jobs() {
  PADDOCK_ASSIGN_OR_RETURN(Statement s, connection_->prepare(fmt::format(
      "SELECT {}, {} FROM prediction_jobs WHERE status = 'queued' ORDER BY {}", kJobColumns, kJobReadColumns,
      kQueueOrder)));
  return read_jobs(s);
}

Status SqliteDatabase::delete_job(const std::string& job_id) {
  PADDOCK_ASSIGN_OR_RETURN(WriteTransaction transaction, WriteTransaction::begin(*this));
  PADDOCK_ASSIGN_OR_RETURN(Statement running, connection_->prepare(
      "SELECT status FROM prediction_jobs WHERE job_id = ?1"));
  running.bind(1, job_id);
  PADDOCK_ASSIGN_OR_RETURN(const bool exists, running.step());
  if (!exists) return make_error(ErrorCode::kNotFound, fmt::format("no job with id '{}'", job_id));
  if (running.text_view(0) == "running") {
    return make_error(ErrorCode::kFailedPrecondition,
                      fmt::format("job '{}' is running; cancel it first, then delete it", job_id));
  }
  running.reset();
  PADDOCK_ASSIGN_OR_RETURN(Statement races, connection_->prepare("DELETE FROM job_races WHERE job_id = ?1"));
  races.bind(1, job_id);
  PADDOCK_TRY(races.run());
  PADDOCK_ASSIGN_OR_RETURN(Statement job, connection_->prepare("DELETE FROM prediction_jobs WHERE job_id = ?1"));
  job.bind(1, job_id);
  PADDOCK_TRY(job.run());
  if (connection_->changes() == 0) return make_error(ErrorCode::kNotFound, fmt::format("no job with id '{}'", job_id));
  return transaction.commit();
}

Status SqliteDatabase::set_job_priority(const std::string& job_id, int priority) {
  PADDOCK_ASSIGN_OR_RETURN(Statement s, connection_->prepare("UPDATE prediction_jobs SET priority = ?2 WHERE job_id = ?1"));
  s.bind(1, job_id).bind(2, priority);
  PADDOCK_TRY(s.run());
  if (connection_->changes() == 0) return make_error(ErrorCode::kNotFound, fmt::format("no job with id '{}'", job_id));
  return ok_status();
}

Result<std::vector<JobRaceRow>> SqliteDatabase::job_race_rows(const std::string& job_id,
                                                              std::optional<JobRaceState> state) {
  PADDOCK_ASSIGN_OR_RETURN(Statement s, connection_->prepare(
      "SELECT race_id, state, attempts, reason FROM job_races WHERE job_id = ?1 AND (?2 IS NULL OR state = ?2) "
      "ORDER BY seq"));
  s.bind(1, job_id);
  if (state) s.bind(2, to_string(*state));
  std::vector<JobRaceRow> rows;
  while (true) {
    PADDOCK_ASSIGN_OR_RETURN(bool row, s.step());
    if (!row) break;
    JobRaceRow r;
    r.race_id = s.int64(0);
    const std::string_view text = s.text_view(1);
    r.state = text == "done" ? JobRaceState::kDone : text == "failed" ? JobRaceState::kFailed : JobRaceState::kPending;
    r.attempts = s.int32(2);
    r.reason = s.text(3);
    rows.push_back(std::move(r));
  }
  return rows;
}

Result<std::optional<std::string>> SqliteDatabase::setting(const std::string& key) {
  PADDOCK_ASSIGN_OR_RETURN(Statement s, connection_->prepare("SELECT value FROM settings WHERE key = ?1"));
  s.bind(1, key);
  PADDOCK_ASSIGN_OR_RETURN(bool row, s.step());
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(s.text(0));
}

Status SqliteDatabase::set_setting(const std::string& key, const std::string& value) {
  PADDOCK_ASSIGN_OR_RETURN(Statement s, connection_->prepare(
      "INSERT INTO settings(key, value, updated_at) VALUES (?1, ?2, ?3) "
      "ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at"));
  s.bind(1, key).bind(2, value).bind(3, utc_timestamp_now());
  return s.run();
}

Result<std::optional<JobRow>> SqliteDatabase::find_job(const std::string& job_id) {
  PADDOCK_ASSIGN_OR_RETURN(Statement s, connection_->prepare(
      fmt::format("SELECT {}, {} FROM prediction_jobs WHERE job_id = ?1", kJobColumns, kJobReadColumns)));
  s.bind(1, job_id);
  PADDOCK_ASSIGN_OR_RETURN(bool row, s.step());
  if (!row) return std::optional<JobRow>();
  return std::optional<JobRow>(read_job(s));
}

// One statement for the whole list: its position in the JSON array is the race's seq.
Status SqliteDatabase::insert_job_races(const std::string& job_id, const std::vector<RaceId>& races) {
  PADDOCK_ASSIGN_OR_RETURN(Statement * s, connection_->cached(
      "INSERT INTO job_races(job_id, race_id, seq, state) "
      "SELECT ?1, value, key, 'pending' FROM json_each(?2) WHERE true "
      "ON CONFLICT(job_id, race_id) DO NOTHING"));
  s->bind(1, job_id).bind(2, fmt::format("[{}]", fmt::join(races, ",")));
  return s->run();
}

Result<std::vector<RaceId>> SqliteDatabase::job_races(const std::string& job_id,
                                                      std::optional<JobRaceState> state) {
  PADDOCK_ASSIGN_OR_RETURN(Statement s, connection_->prepare(
      "SELECT race_id FROM job_races WHERE job_id = ?1 AND (?2 IS NULL OR state = ?2) ORDER BY seq"));
  s.bind(1, job_id);
  if (state) s.bind(2, to_string(*state));
  std::vector<RaceId> ids;
  while (true) {
    PADDOCK_ASSIGN_OR_RETURN(bool row, s.step());
    if (!row) break;
    ids.push_back(s.int64(0));
  }
  return ids;
}

Result<JobRaceCounts> SqliteDatabase::job_race_counts(const std::string& job_id) {
  PADDOCK_ASSIGN_OR_RETURN(Statement s, connection_->prepare(
      "SELECT state, COUNT(*) FROM job_races WHERE job_id = ?1 GROUP BY state"));
  s.bind(1, job_id);
  JobRaceCounts counts;
  while (true) {
    PADDOCK_ASSIGN_OR_RETURN(bool row, s.step());
    if (!row) break;
    const std::string_view state = s.text_view(0);
    const std::int64_t n = s.int64(1);
    if (state == "pending") counts.pending = n;
    if (state == "done") counts.done = n;
    if (state == "failed") counts.failed = n;
  }
  return counts;
}

// The chunk's model and the races of its predictions exist: one lookup per race instead of
// two per row (the foreign keys' checks, which a job turns off while it writes chunks).
Status SqliteDatabase::check_references(const ChunkCommit& chunk) {
  PADDOCK_ASSIGN_OR_RETURN(Statement * model, connection_->cached("SELECT 1 FROM models WHERE id = ?1"));
  model->bind(1, chunk.model_id);
  PADDOCK_ASSIGN_OR_RETURN(const bool model_found, model->step());
  model->reset();
  if (!model_found) {
    return make_error(ErrorCode::kNotFound,
                      fmt::format("model {} no longer exists (deleted during the job?): its predictions are not written",
                                  chunk.model_id));
  }
  std::vector<RaceId> races;
  for (const PredictionRow& row : chunk.predictions) {
    if (races.empty() || races.back() != row.race_id) races.push_back(row.race_id);
  }
  if (races.empty()) return ok_status();
  PADDOCK_ASSIGN_OR_RETURN(Statement * missing, connection_->cached(
      "SELECT j.value FROM json_each(?1) j WHERE NOT EXISTS (SELECT 1 FROM races r WHERE r.id = j.value) LIMIT 1"));
  missing->bind(1, fmt::format("[{}]", fmt::join(races, ",")));
  PADDOCK_ASSIGN_OR_RETURN(const bool race_missing, missing->step());
  const RaceId race = race_missing ? missing->int64(0) : 0;
  missing->reset();
  if (race_missing) {
    return make_error(ErrorCode::kNotFound,
                      fmt::format("race {} no longer exists (deleted during the job?): the chunk holding it is not written",
                                  race));
  }
  return ok_status();
}

Status SqliteDatabase::set_reference_checks(bool on) {
  return connection_->exec(on ? "PRAGMA foreign_keys=ON" : "PRAGMA foreign_keys=OFF");
}

Status SqliteDatabase::write_chunk(const ChunkCommit& chunk) {
  // A race's set is replaced whole, always: another job may have written a set for it since
  // this job chose it (from a card with another field), and an upsert alone would leave that
  // set's rows for runners this one does not have.
  PADDOCK_ASSIGN_OR_RETURN(Statement * clear, connection_->cached(
      "DELETE FROM predictions WHERE model_id = ?1 AND race_id IN (SELECT value FROM json_each(?2))"));
  // Rows go in kRowsPerInsert at a time: one statement step per row costs about as much as
  // the row's insert itself (measured: 1.7 us a row one by one, 1.15 us sixteen at a time).
  static const std::string insert_many = prediction_insert_sql(kRowsPerInsert);
  static const std::string insert_one = prediction_insert_sql(1);
  PADDOCK_ASSIGN_OR_RETURN(Statement * many, connection_->cached(insert_many.c_str()));
  PADDOCK_ASSIGN_OR_RETURN(Statement * one, connection_->cached(insert_one.c_str()));
  PADDOCK_ASSIGN_OR_RETURN(Statement * state, connection_->cached(
      "UPDATE job_races SET state = ?3, reason = ?4, attempts = attempts + 1 WHERE job_id = ?1 AND race_id = ?2"));
  PADDOCK_ASSIGN_OR_RETURN(Statement * all_done, connection_->cached(
      "UPDATE job_races SET state = 'done', attempts = attempts + 1 WHERE job_id = ?1 AND race_id IN "
      "(SELECT value FROM json_each(?2))"));
  PADDOCK_ASSIGN_OR_RETURN(Statement * progress, connection_->cached(
      "UPDATE prediction_jobs SET processed_races = ?2, successful_races = ?3, failed_races = ?4, "
      "progress = ?5, message = ?6, throughput = ?7, eta_seconds = ?8, memory_mb = ?9, "
      "peak_memory_mb = MAX(peak_memory_mb, ?10), heartbeat_at = ?11 WHERE job_id = ?1"));
  PADDOCK_TRY(check_references(chunk));
  const std::string now = utc_timestamp_now();
  std::vector<RaceId> done;
  for (const JobRaceOutcome& outcome : chunk.outcomes) {
    if (outcome.state == JobRaceState::kDone) done.push_back(outcome.race_id);
  }
  const std::string done_list = fmt::format("[{}]", fmt::join(done, ","));
  if (!done.empty()) {
    clear->bind(1, chunk.model_id).bind_static(2, done_list);
    PADDOCK_TRY(clear->run());
  }
  auto bind_row = [&](Statement& insert, int row, const PredictionRow& p) {
    const int first = row * kPredictionColumns;
    insert.bind(first + 1, chunk.model_id)
        .bind(first + 2, p.race_id)
        .bind(first + 3, p.number)
        .bind(first + 4, p.score)
        .bind(first + 5, p.win_probability)
        .bind(first + 6, p.predicted_rank)
        .bind_static(first + 7, chunk.job_id)
        .bind(first + 8, p.fundamental);
  };
  const std::vector<PredictionRow>& rows = chunk.predictions;
  std::size_t next = 0;
  for (; next + kRowsPerInsert <= rows.size(); next += kRowsPerInsert) {
    for (int row = 0; row < kRowsPerInsert; ++row) bind_row(*many, row, rows[next + static_cast<std::size_t>(row)]);
    PADDOCK_TRY(many->run());
  }
  for (; next < rows.size(); ++next) {
    bind_row(*one, 0, rows[next]);
    PADDOCK_TRY(one->run());
  }
  // The races done, in one statement; failed ones each with their reason.
  for (const JobRaceOutcome& outcome : chunk.outcomes) {
    if (outcome.state == JobRaceState::kDone) continue;
    state->bind(1, chunk.job_id).bind(2, outcome.race_id).bind(3, to_string(outcome.state))
        .bind_text_or_null(4, outcome.reason);
    PADDOCK_TRY(state->run());
  }
  if (!done.empty()) {
    all_done->bind(1, chunk.job_id).bind_static(2, done_list);
    PADDOCK_TRY(all_done->run());
  }
  progress->bind(1, chunk.job_id)
      .bind(2, chunk.processed_races)
      .bind(3, chunk.successful_races)
      .bind(4, chunk.failed_races)
      .bind(5, chunk.progress)
      .bind_text_or_null(6, chunk.message)
      .bind(7, chunk.throughput)
      .bind(8, chunk.eta_seconds)
      .bind(9, chunk.memory_mb)
      .bind(10, chunk.peak_memory_mb)
      .bind(11, now);
  return progress->run();
}

Status SqliteDatabase::commit_chunk(const ChunkCommit& chunk) {
  PADDOCK_ASSIGN_OR_RETURN(WriteTransaction transaction, WriteTransaction::begin(*this));
  PADDOCK_TRY(write_chunk(chunk));
  return transaction.commit();
}

Status SqliteDatabase::heartbeat(const std::string& job_id, double memory_mb) {
  PADDOCK_ASSIGN_OR_RETURN(Statement * s, connection_->cached(
      "UPDATE prediction_jobs SET heartbeat_at = ?2, memory_mb = ?3, "
      "peak_memory_mb = MAX(peak_memory_mb, ?3) WHERE job_id = ?1"));
  s->bind(1, job_id).bind(2, utc_timestamp_now()).bind(3, memory_mb);
  return s->run();
}

Result<bool> SqliteDatabase::cancel_requested(const std::string& job_id) {
  PADDOCK_ASSIGN_OR_RETURN(Statement * s, connection_->cached(
      "SELECT cancel_requested FROM prediction_jobs WHERE job_id = ?1"));
  s->bind(1, job_id);
  PADDOCK_ASSIGN_OR_RETURN(bool row, s->step());
  const bool requested = row && s->int64(0) != 0;
  s->reset();
  return requested;
}

Status SqliteDatabase::clear_cancel(const std::string& job_id) {
  PADDOCK_ASSIGN_OR_RETURN(Statement s, connection_->prepare(
      "UPDATE prediction_jobs SET cancel_requested = 0 WHERE job_id = ?1"));
  s.bind(1, job_id);
  return s.run();
}

Status SqliteDatabase::request_cancel(const std::string& job_id) {
  PADDOCK_ASSIGN_OR_RETURN(Statement s, connection_->prepare(
      "UPDATE prediction_jobs SET cancel_requested = 1 WHERE job_id = ?1"));
  s.bind(1, job_id);
  PADDOCK_TRY(s.run());
  if (connection_->changes() == 0) {
    return make_error(ErrorCode::kNotFound, fmt::format("no job with id '{}'", job_id));
  }
  return ok_status();
}

}  // namespace paddock::sqlite
