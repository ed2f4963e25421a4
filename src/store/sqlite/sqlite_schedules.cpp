// The schedules family of the SQLite store: schedules and their runs (migration 6), and the
// notifications outbox of job ends (migration 7).
#include <fmt/format.h>

#include <algorithm>

#include "core/date.h"
#include "store/sqlite/sqlite_database.h"

namespace paddock::sqlite {
namespace {

constexpr const char* kScheduleColumns =
    "id, name, cron, time_zone, template, paused, grace_seconds, created_at, checked_until";

ScheduleRow read_schedule(const Statement& s) {
  ScheduleRow row;
  row.id = s.int64(0);
  row.name = s.text(1);
  row.cron = s.text(2);
  row.time_zone = s.text(3);
  row.template_json = s.text(4);
  row.paused = s.int64(5) != 0;
  row.grace_seconds = s.int64(6);
  row.created_at = s.text(7);
  row.checked_until = s.text(8);
  return row;
}

}  // namespace

Result<std::int64_t> SqliteDatabase::insert_schedule(const ScheduleRow& schedule) {
  PADDOCK_ASSIGN_OR_RETURN(Statement s, connection_->prepare(
      "INSERT INTO schedules (name, cron, time_zone, template, paused, grace_seconds, created_at, checked_until) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"));
  s.bind(1, schedule.name).bind(2, schedule.cron).bind(3, schedule.time_zone).bind(4, schedule.template_json);
  s.bind(5, schedule.paused ? 1 : 0).bind(6, schedule.grace_seconds).bind(7, schedule.created_at);
  s.bind(8, schedule.checked_until);
  const Status inserted = s.run();
  if (!inserted.ok() && inserted.error().message.find("UNIQUE") != std::string::npos) {
    return make_error(ErrorCode::kAlreadyExists, fmt::format("a schedule named '{}' already exists", schedule.name));
  }
  PADDOCK_TRY(inserted);
  return connection_->last_insert_rowid();
}

Status SqliteDatabase::update_schedule(const ScheduleRow& schedule) {
  PADDOCK_ASSIGN_OR_RETURN(Statement s, connection_->prepare(
      "UPDATE schedules SET cron = ?2, time_zone = ?3, template = ?4, paused = ?5, grace_seconds = ?6, "
      "checked_until = ?7 WHERE id = ?1"));
  s.bind(1, schedule.id).bind(2, schedule.cron).bind(3, schedule.time_zone).bind(4, schedule.template_json);
  s.bind(5, schedule.paused ? 1 : 0).bind(6, schedule.grace_seconds).bind(7, schedule.checked_until);
  return s.run();
}

Result<std::optional<ScheduleRow>> SqliteDatabase::find_schedule(const std::string& key) {
  const bool by_id = !key.empty() && key.size() < 19 && std::all_of(key.begin(), key.end(), ::isdigit);
  PADDOCK_ASSIGN_OR_RETURN(Statement s, connection_->prepare(
      fmt::format("SELECT {} FROM schedules WHERE {}", kScheduleColumns, by_id ? "id = ?1" : "name = ?1")));
  if (by_id) {
    s.bind(1, static_cast<std::int64_t>(std::stoll(key)));
  } else {
    s.bind(1, key);
  }
  PADDOCK_ASSIGN_OR_RETURN(const bool row, s.step());
  if (!row) return std::optional<ScheduleRow>();
  return std::optional<ScheduleRow>(read_schedule(s));
}

Result<std::vector<ScheduleRow>> SqliteDatabase::list_schedules() {
  PADDOCK_ASSIGN_OR_RETURN(Statement s,
                           connection_->prepare(fmt::format("SELECT {} FROM schedules ORDER BY name", kScheduleColumns)));
  std::vector<ScheduleRow> rows;
  while (true) {
    PADDOCK_ASSIGN_OR_RETURN(const bool row, s.step());
    if (!row) break;
    rows.push_back(read_schedule(s));
  }
  return rows;
}

Status SqliteDatabase::delete_schedule(std::int64_t id) {
  PADDOCK_ASSIGN_OR_RETURN(Statement runs, connection_->prepare("DELETE FROM schedule_runs WHERE schedule_id = ?1"));
  runs.bind(1, id);
  PADDOCK_TRY(runs.run());
  PADDOCK_ASSIGN_OR_RETURN(Statement s, connection_->prepare("DELETE FROM schedules WHERE id = ?1"));
  s.bind(1, id);
  return s.run();
}

Status SqliteDatabase::advance_schedule(std::int64_t id, const std::string& checked_until) {
  PADDOCK_ASSIGN_OR_RETURN(Statement s, connection_->prepare(
      "UPDATE schedules SET checked_until = ?2 WHERE id = ?1 AND checked_until < ?2"));
  s.bind(1, id).bind(2, checked_until);
  return s.run();
}

Result<bool> SqliteDatabase::claim_schedule_run(const ScheduleRunRow& run) {
  PADDOCK_ASSIGN_OR_RETURN(Statement s, connection_->prepare(
      "INSERT OR IGNORE INTO schedule_runs (schedule_id, fire_time, status, job_id, reason, recorded_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
  s.bind(1, run.schedule_id).bind(2, run.fire_time).bind(3, run.status);
  s.bind_text_or_null(4, run.job_id).bind_text_or_null(5, run.reason);
  s.bind(6, run.recorded_at.empty() ? utc_timestamp_now() : run.recorded_at);
  PADDOCK_TRY(s.run());
  return connection_->changes() == 1;
}

Status SqliteDatabase::update_schedule_run(const ScheduleRunRow& run) {
  PADDOCK_ASSIGN_OR_RETURN(Statement s, connection_->prepare(
      "UPDATE schedule_runs SET status = ?3, job_id = ?4, reason = ?5, recorded_at = ?6 "
      "WHERE schedule_id = ?1 AND fire_time = ?2"));
  s.bind(1, run.schedule_id).bind(2, run.fire_time).bind(3, run.status);
  s.bind_text_or_null(4, run.job_id).bind_text_or_null(5, run.reason);
  s.bind(6, run.recorded_at.empty() ? utc_timestamp_now() : run.recorded_at);
  return s.run();
}

Result<std::vector<ScheduleRunRow>> SqliteDatabase::schedule_runs(std::int64_t schedule_id, int limit) {
  PADDOCK_ASSIGN_OR_RETURN(Statement s, connection_->prepare(
      "SELECT schedule_id, fire_time, status, COALESCE(job_id, ''), COALESCE(reason, ''), recorded_at "
      "FROM schedule_runs WHERE schedule_id = ?1 ORDER BY fire_time DESC LIMIT ?2"));
  s.bind(1, schedule_id).bind(2, limit);
  std::vector<ScheduleRunRow> runs;
  while (true) {
    PADDOCK_ASSIGN_OR_RETURN(const bool row, s.step());
    if (!row) break;
    runs.push_back({s.int64(0), s.text(1), s.text(2), s.text(3), s.text(4), s.text(5)});
  }
  return runs;
}

namespace {

constexpr const char* kOutboxColumns =
    "id, job_id, channel, job_status, status, attempts, next_attempt_at, COALESCE(last_error, ''), created_at, "
    "COALESCE(delivered_at, '')";

Result<std::vector<OutboxRow>> read_outbox(Statement& s) {
  std::vector<OutboxRow> rows;
  while (true) {
    PADDOCK_ASSIGN_OR_RETURN(const bool row, s.step());
    if (!row) break;
    rows.push_back({s.int64(0), s.text(1), s.text(2), s.text(3), s.text(4), s.int32(5), s.text(6), s.text(7),
                    s.text(8), s.text(9)});
  }
  return rows;
}

}  // namespace

Result<std::vector<OutboxRow>> SqliteDatabase::due_notifications(const std::string& now, int limit) {
  PADDOCK_ASSIGN_OR_RETURN(Statement s, connection_->prepare(fmt::format(
      "SELECT {} FROM notification_outbox WHERE status = 'pending' AND next_attempt_at <= ?1 ORDER BY id LIMIT ?2",
      kOutboxColumns)));
  s.bind(1, now).bind(2, limit);
  return read_outbox(s);
}

Status SqliteDatabase::update_notification(const OutboxRow& row) {
  PADDOCK_ASSIGN_OR_RETURN(Statement s, connection_->prepare(
      "UPDATE notification_outbox SET status = ?2, attempts = ?3, next_attempt_at = ?4, last_error = ?5, "
      "delivered_at = ?6 WHERE id = ?1"));
  s.bind(1, row.id).bind(2, row.status).bind(3, row.attempts).bind(4, row.next_attempt_at);
  s.bind_text_or_null(5, row.last_error).bind_text_or_null(6, row.delivered_at);
  return s.run();
}

Result<std::vector<OutboxRow>> SqliteDatabase::job_notifications(const std::string& job_id) {
  PADDOCK_ASSIGN_OR_RETURN(Statement s, connection_->prepare(fmt::format(
      "SELECT {} FROM notification_outbox WHERE job_id = ?1 ORDER BY id", kOutboxColumns)));
  s.bind(1, job_id);
  return read_outbox(s);
}

}  // namespace paddock::sqlite
