// The SQLite implementation of Database: one connection, WAL mode so that readers (the engine's
// workers, the dashboard) never block the single writer, and prepared statements cached per
// connection so that the hot paths (chunk commits, race-card loads) do not re-parse SQL.
#pragma once

#include <memory>
#include <string>

#include "store/database.h"
#include "store/sqlite/sqlite_handle.h"

namespace paddock::sqlite {

class SqliteDatabase final : public Database {
 public:
  static Result<std::unique_ptr<Database>> open(const std::string& path, Access access);

  std::string location() const override { return connection_->path(); }

  Status begin_write() override;
  Status begin_read() override;
  Status commit() override;
  void rollback() override;

  Result<EntityId> upsert_venue(const std::string& code, const std::string& name) override;
  Result<EntityId> upsert_horse(const std::string& key, const std::string& name,
                                const std::string& sex, std::optional<int> birth_year) override;
  Result<EntityId> upsert_jockey(const std::string& name) override;
  Result<EntityId> upsert_trainer(const std::string& name) override;

  Status upsert_race(const Race& race, EntityId venue_id) override;
  Status upsert_runner(const Runner& runner, EntityId horse_id, std::optional<EntityId> jockey_id,
                       std::optional<EntityId> trainer_id) override;
  Result<std::optional<RaceId>> race_at(Day day, int meeting_no, int race_no) override;
  Status mark_race_finished(RaceId race_id) override;
  Status clear_results(RaceId race_id) override;
  Status upsert_truth(RaceId race_id, int number, double win_probability) override;

  Result<std::vector<RaceId>> find_races(const RaceQuery& query) override;
  Result<std::vector<RaceId>> existing_races(const std::vector<RaceId>& ids) override;
  Result<std::vector<RaceCard>> load_race_cards(const std::vector<RaceId>& ids) override;
  Status for_each_finished_race(const std::function<void(std::span<const RunRecord>)>& visit) override;
  Status for_each_finished_race_from(std::optional<Day> from, std::optional<Day> before,
                                     const std::function<void(std::span<const RunRecord>)>& visit) override;
  Result<std::optional<std::pair<Day, Day>>> race_day_span(const std::vector<RaceId>& ids) override;
  Result<std::vector<std::pair<RaceId, Day>>> days_of_races(const std::vector<RaceId>& ids) override;
  Result<std::vector<std::pair<EntityId, Day>>> last_days_of_horses(const std::vector<RaceId>& ids) override;
  Status set_history_dirty_from(Day day) override;
  Result<std::optional<Day>> history_dirty_from() override;
  Status delete_stored_runs_from(Day day) override;
  Status insert_stored_runs(std::span<const StoredRun> runs) override;
  Status insert_pace_days(std::span<const PaceDay> days) override;
  Result<std::vector<PaceSums>> pace_sums_before(Day day) override;
  Status mark_history_current() override;
  Status for_each_stored_run(const StoredRunQuery& query,
                             const std::function<void(const StoredRun&)>& visit) override;
  Status for_each_person_run(const StoredRunQuery& query,
                             const std::function<void(EntityId, Day, std::optional<int>)>& visit) override;
  Result<std::vector<StoredRun>> last_stored_runs_before(StoredRunQuery::By by, const std::vector<std::int64_t>& ids,
                                                         Day day) override;
  Result<std::vector<Day>> finished_race_days() override;
  Result<std::vector<Day>> finished_race_days_from(Day from, int limit) override;
  Result<std::vector<std::pair<int, double>>> load_truth(RaceId race_id) override;
  Result<Counts> counts() override;

  Result<ModelId> insert_model(const ModelRecord& model) override;
  Status activate_model(ModelId id) override;
  Result<std::optional<ModelRecord>> active_model() override;
  Result<std::optional<ModelRecord>> find_model(ModelId id) override;
  Result<std::vector<ModelRecord>> list_models() override;

  Status insert_job(const JobRow& job) override;
  Status update_job(const JobRow& job) override;
  Result<std::optional<JobRow>> find_job(const std::string& job_id) override;
  Result<bool> replace_job_if(const JobRow& job, JobStatus expected_status, long expected_pid) override;
  Result<std::vector<JobRow>> list_jobs(const JobFilter& filter) override;
  Result<std::vector<JobRow>> queued_jobs() override;
  Status delete_job(const std::string& job_id) override;
  Status set_job_priority(const std::string& job_id, int priority) override;
  Result<std::vector<JobRaceRow>> job_race_rows(const std::string& job_id,
                                                std::optional<JobRaceState> state) override;
  Result<std::optional<std::string>> setting(const std::string& key) override;
  Status set_setting(const std::string& key, const std::string& value) override;
  Status insert_job_races(const std::string& job_id, const std::vector<RaceId>& races) override;
  Result<std::vector<RaceId>> job_races(const std::string& job_id,
                                        std::optional<JobRaceState> state) override;
  Result<JobRaceCounts> job_race_counts(const std::string& job_id) override;
  Status commit_chunk(const ChunkCommit& chunk) override;
  Status set_reference_checks(bool on) override;
  Status heartbeat(const std::string& job_id, double memory_mb) override;
  Result<bool> cancel_requested(const std::string& job_id) override;
  Status request_cancel(const std::string& job_id) override;
  Status clear_cancel(const std::string& job_id) override;

  Result<std::vector<RaceSummary>> list_races(const RaceQuery& query) override;
  Result<std::vector<RaceDaySummary>> race_days(ModelId model, int limit) override;
  Result<std::int64_t> data_version() override;
  Result<std::int64_t> insert_schedule(const ScheduleRow& schedule) override;
  Status update_schedule(const ScheduleRow& schedule) override;
  Result<std::optional<ScheduleRow>> find_schedule(const std::string& key) override;
  Result<std::vector<ScheduleRow>> list_schedules() override;
  Status delete_schedule(std::int64_t id) override;
  Status advance_schedule(std::int64_t id, const std::string& checked_until) override;
  Result<bool> claim_schedule_run(const ScheduleRunRow& run) override;
  Status update_schedule_run(const ScheduleRunRow& run) override;
  Result<std::vector<ScheduleRunRow>> schedule_runs(std::int64_t schedule_id, int limit) override;
  Result<std::vector<OutboxRow>> due_notifications(const std::string& now, int limit) override;
  Status update_notification(const OutboxRow& row) override;
  Result<std::vector<OutboxRow>> job_notifications(const std::string& job_id) override;
  Result<std::map<int, std::pair<std::string, std::string>>> runner_names(RaceId race_id) override;
  Result<std::vector<std::pair<ModelId, std::int64_t>>> predicted_races_by_model(
      const std::vector<RaceId>& races) override;
  Status for_each_export_row(const ExportQuery& query,
                             const std::function<void(const ExportRow&)>& visit) override;

 private:
  explicit SqliteDatabase(std::unique_ptr<Connection> connection)
      : connection_(std::move(connection)) {}

  Result<EntityId> upsert_named(const char* insert_sql, const char* select_sql,
                                const std::string& name);
  Result<std::optional<ModelRecord>> read_model(Statement& statement);
  Status check_references(const ChunkCommit& chunk);
  Status write_chunk(const ChunkCommit& chunk);
  Result<std::vector<JobRow>> read_jobs(Statement& statement);

  std::unique_ptr<Connection> connection_;
};

}  // namespace paddock::sqlite
