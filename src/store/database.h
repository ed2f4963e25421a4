// The store: the only code that talks SQL. `Database` is the one seam with virtual dispatch in
// paddock, so that SQLite (the embedded default, implemented in sqlite/) and PostgreSQL (shared
// by many hosts) can stand behind the same calls. A Database object is one connection: use it
// from one thread at a time; open one per thread.
//
// Writes happen inside `begin_write()` .. `commit()`; a `WriteTransaction` rolls back on scope
// exit unless committed, so a failed multi-step write leaves nothing behind.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/error.h"
#include "store/job_records.h"
#include "store/records.h"

namespace paddock {

// Which races to list. Every field narrows the selection; races come in date order, then id.
struct RaceQuery {
  std::optional<Day> from;  // inclusive
  std::optional<Day> to;    // inclusive
  bool finished_only = false;      // results known
  bool with_runners_only = true;   // at least one runner row
  std::optional<ModelId> without_prediction_from;  // no prediction by this model yet
  std::optional<std::int64_t> limit;
  std::vector<RaceId> race_ids;  // list_races only: these races (empty: any)
};

// A day with races, as a day picker shows it.
struct RaceDaySummary {
  std::string date;
  std::int64_t races = 0;
  std::int64_t finished = 0;
  std::int64_t predicted = 0;  // races the model has predictions for
};

// What to export: one job's races, or a day range, for one model.
struct ExportQuery {
  std::optional<std::string> job_id;
  std::optional<Day> from;
  std::optional<Day> to;
  std::vector<RaceId> race_ids;     // empty: any race
  std::optional<ModelId> model_id;  // default: the job's model, or the active model
};

// A race as a listing shows it: its card's head, without the runners.
struct RaceSummary {
  RaceId id = 0;
  std::string race_date;
  std::string venue;
  int meeting_no = 0;
  int race_no = 0;
  std::string name;
  std::string discipline;
  int distance_m = 0;
  std::optional<std::int64_t> prize_eur;
  bool is_quinte = false;
  std::string post_time;  // HH:MM, empty when unknown
  std::string status;
  int declared = 0;  // runners, non-runners included
  int starters = 0;
};

class Database {
 public:
  enum class Access { kReadWrite, kReadOnly };

  virtual ~Database() = default;

  // Where this database lives, for messages and for files kept beside it (logs).
  virtual std::string location() const = 0;

  // Transactions. begin_write takes the write lock at once (waiting up to the busy timeout);
  // begin_read pins one snapshot for the reads that follow, until commit() or rollback().
  virtual Status begin_write() = 0;
  virtual Status begin_read() = 0;
  virtual Status commit() = 0;
  virtual void rollback() = 0;

  // Reference entities, found by their natural key or created.
  virtual Result<EntityId> upsert_venue(const std::string& code, const std::string& name) = 0;
  virtual Result<EntityId> upsert_horse(const std::string& key, const std::string& name,
                                        const std::string& sex, std::optional<int> birth_year) = 0;
  virtual Result<EntityId> upsert_jockey(const std::string& name) = 0;
  virtual Result<EntityId> upsert_trainer(const std::string& name) = 0;

  // Races and runners. An upsert inserts the row, or updates the stored one with every value
  // the new row has; absent values (nullopt, empty text) keep what is stored.
  virtual Status upsert_race(const Race& race, EntityId venue_id) = 0;
  virtual Status upsert_runner(const Runner& runner, EntityId horse_id,
                               std::optional<EntityId> jockey_id,
                               std::optional<EntityId> trainer_id) = 0;
  // The race that already holds this (date, meeting, race number), if any.
  virtual Result<std::optional<RaceId>> race_at(Day day, int meeting_no, int race_no) = 0;
  // A scheduled race whose results have arrived becomes finished; other states are kept.
  virtual Status mark_race_finished(RaceId race_id) = 0;
  // Forgets the race's stored finishing positions and incidents, before an import writes a
  // result that replaces them (a corrected arrival, a disqualification).
  virtual Status clear_results(RaceId race_id) = 0;
  virtual Status upsert_truth(RaceId race_id, int number, double win_probability) = 0;

  // Reads.
  virtual Result<std::vector<RaceId>> find_races(const RaceQuery& query) = 0;
  // Of the given ids, those that name a race; order kept.
  virtual Result<std::vector<RaceId>> existing_races(const std::vector<RaceId>& ids) = 0;
  // Race cards in the order of `ids`; ids that do not exist are skipped.
  virtual Result<std::vector<RaceCard>> load_race_cards(const std::vector<RaceId>& ids) = 0;
  // Every finished race (from `from` on, when given) as its runs (non-runners excluded), in
  // date order, then race id, then saddle-cloth number.
  virtual Status for_each_finished_race(
      const std::function<void(std::span<const RunRecord>)>& visit) = 0;
  // The same over [from, before) (each bound optional).
  virtual Status for_each_finished_race_from(
      std::optional<Day> from, std::optional<Day> before,
      const std::function<void(std::span<const RunRecord>)>& visit) = 0;
  // The first and last day of these races (none when no id names a race).
  virtual Result<std::optional<std::pair<Day, Day>>> race_day_span(const std::vector<RaceId>& ids) = 0;
  // For each horse that runs in these races (non-runners included), the last of their days.
  virtual Result<std::vector<std::pair<EntityId, Day>>> last_days_of_horses(const std::vector<RaceId>& ids) = 0;
  // The day of each of these races that exists, as (race, day), in no particular order.
  virtual Result<std::vector<std::pair<RaceId, Day>>> days_of_races(const std::vector<RaceId>& ids) = 0;
  // Distinct days that have finished races, ascending (from `from`, at most `limit` of them).
  virtual Result<std::vector<Day>> finished_race_days() = 0;
  virtual Result<std::vector<Day>> finished_race_days_from(Day from, int limit) = 0;
  // demo_truth rows of one race, by runner number; empty when the race has none.
  virtual Result<std::vector<std::pair<int, double>>> load_truth(RaceId race_id) = 0;
  struct Counts {
    std::int64_t races = 0;
    std::int64_t runners = 0;
    std::int64_t finished_races = 0;
    std::int64_t predictions = 0;
  };
  virtual Result<Counts> counts() = 0;

  // Models.
  virtual Result<ModelId> insert_model(const ModelRecord& model) = 0;
  virtual Status activate_model(ModelId id) = 0;
  virtual Result<std::optional<ModelRecord>> active_model() = 0;
  virtual Result<std::optional<ModelRecord>> find_model(ModelId id) = 0;
  virtual Result<std::vector<ModelRecord>> list_models() = 0;

  // Jobs.
  virtual Status insert_job(const JobRow& job) = 0;
  // Writes every column of the row (by job_id) but the cancel flag, which only request_cancel
  // and clear_cancel change: a cancel request is never lost to a concurrent row update.
  virtual Status update_job(const JobRow& job) = 0;
  virtual Result<std::optional<JobRow>> find_job(const std::string& job_id) = 0;
  // Writes the whole row (as update_job) only if the stored row is still in `expected_status`
  // with `expected_pid`: the one conditional write by which a dispatcher claims a queued job,
  // a process takes over a claimed one, and the dead-job check fails a running one, so that
  // two of them racing never both win. False when the row had changed.
  virtual Result<bool> replace_job_if(const JobRow& job, JobStatus expected_status, long expected_pid) = 0;
  virtual Result<std::vector<JobRow>> list_jobs(const JobFilter& filter) = 0;
  // The queued jobs in queue order (kQueueOrder).
  virtual Result<std::vector<JobRow>> queued_jobs() = 0;
  // Deletes the row and its job_races; predictions stay (they name the job in job_id). A
  // running job is refused (kFailedPrecondition), in the same transaction as the delete.
  virtual Status delete_job(const std::string& job_id) = 0;
  virtual Status set_job_priority(const std::string& job_id, int priority) = 0;
  virtual Result<std::vector<JobRaceRow>> job_race_rows(const std::string& job_id,
                                                        std::optional<JobRaceState> state) = 0;
  virtual Status insert_job_races(const std::string& job_id, const std::vector<RaceId>& races) = 0;
  virtual Result<std::vector<RaceId>> job_races(const std::string& job_id,
                                                std::optional<JobRaceState> state) = 0;
  virtual Result<JobRaceCounts> job_race_counts(const std::string& job_id) = 0;
  // One chunk, atomically: the predictions of its done races (each race's set replaced whole),
  // its races' states, the job's progress. On failure nothing of it is written. The chunk's
  // model and races must exist (kNotFound otherwise, e.g. a race deleted during the job): the
  // commit checks them once a chunk, so it needs no row-by-row reference checks.
  virtual Status commit_chunk(const ChunkCommit& chunk) = 0;
  // Row-by-row reference checks (SQLite's foreign keys) of this connection's writes: on by
  // default. A job turns them off while it commits chunks, which check their references
  // themselves (a third of a chunk's write time). Outside a transaction only.
  virtual Status set_reference_checks(bool on) = 0;
  virtual Status heartbeat(const std::string& job_id, double memory_mb) = 0;
  virtual Result<bool> cancel_requested(const std::string& job_id) = 0;
  virtual Status request_cancel(const std::string& job_id) = 0;
  virtual Status clear_cancel(const std::string& job_id) = 0;

  // The stored history (run_history; features/history_store.h keeps it current).
  // The first day whose stored runs are out of date, none when every one is current; a day
  // before any race (Day's minimum) when they must all be computed.
  virtual Result<std::optional<Day>> history_dirty_from() = 0;
  // Deletes the stored runs and pace days from `day` on.
  virtual Status delete_stored_runs_from(Day day) = 0;
  virtual Status insert_stored_runs(std::span<const StoredRun> runs) = 0;
  virtual Status insert_pace_days(std::span<const PaceDay> days) = 0;
  // Per group, the sums of the stored pace days before `day`.
  virtual Result<std::vector<PaceSums>> pace_sums_before(Day day) = 0;
  virtual Status mark_history_current() = 0;
  // Records that the stored runs before `day` are current and those from it are not.
  virtual Status set_history_dirty_from(Day day) = 0;
  // The stored runs the query selects, by day then race id then number.
  virtual Status for_each_stored_run(const StoredRunQuery& query,
                                     const std::function<void(const StoredRun&)>& visit) = 0;
  // The runs of jockeys or trainers (`query.by`) as (person, day, finishing position), from
  // the person's index alone; each person's runs in day order.
  virtual Status for_each_person_run(const StoredRunQuery& query,
                                     const std::function<void(EntityId, Day, std::optional<int>)>& visit) = 0;
  // For each id of `by` (horse or draw key), its last stored run before `day`, if any.
  virtual Result<std::vector<StoredRun>> last_stored_runs_before(StoredRunQuery::By by,
                                                                 const std::vector<std::int64_t>& ids, Day day) = 0;

  // Settings of the database (e.g. "max_running_jobs"), as text.
  virtual Result<std::optional<std::string>> setting(const std::string& key) = 0;
  virtual Status set_setting(const std::string& key, const std::string& value) = 0;

  // The names on a race's card: saddle-cloth number -> (horse, jockey; empty when unknown).
  virtual Result<std::map<int, std::pair<std::string, std::string>>> runner_names(RaceId race_id) = 0;
  // The races a query selects, as summaries, in date order then id.
  virtual Result<std::vector<RaceSummary>> list_races(const RaceQuery& query) = 0;
  // The latest `limit` days with races, newest first, with how many of them `model` predicted.
  virtual Result<std::vector<RaceDaySummary>> race_days(ModelId model, int limit) = 0;
  // Schedules (src/schedule). kAlreadyExists for a name taken.
  virtual Result<std::int64_t> insert_schedule(const ScheduleRow& schedule) = 0;
  virtual Status update_schedule(const ScheduleRow& schedule) = 0;
  // By name, or by id when `key` is all digits.
  virtual Result<std::optional<ScheduleRow>> find_schedule(const std::string& key) = 0;
  virtual Result<std::vector<ScheduleRow>> list_schedules() = 0;
  virtual Status delete_schedule(std::int64_t id) = 0;
  // Moves checked_until forward only (two servers may check the same schedule).
  virtual Status advance_schedule(std::int64_t id, const std::string& checked_until) = 0;
  // Records a fire time; false when it is recorded already (another server took it).
  virtual Result<bool> claim_schedule_run(const ScheduleRunRow& run) = 0;
  virtual Status update_schedule_run(const ScheduleRunRow& run) = 0;
  // The latest runs of a schedule, newest first.
  virtual Result<std::vector<ScheduleRunRow>> schedule_runs(std::int64_t schedule_id, int limit) = 0;

  // The notifications outbox (src/notify): pending rows due at `now` (UTC text), oldest first.
  virtual Result<std::vector<OutboxRow>> due_notifications(const std::string& now, int limit) = 0;
  virtual Status update_notification(const OutboxRow& row) = 0;
  virtual Result<std::vector<OutboxRow>> job_notifications(const std::string& job_id) = 0;

  // A number that changes whenever another connection commits (SQLite's data_version): a
  // watcher polls it to learn, cheaply, that something changed.
  virtual Result<std::int64_t> data_version() = 0;

  // Predictions.
  // How many of these races each model predicted (models with none are left out), by model id.
  virtual Result<std::vector<std::pair<ModelId, std::int64_t>>> predicted_races_by_model(
      const std::vector<RaceId>& races) = 0;
  virtual Status for_each_export_row(const ExportQuery& query,
                                     const std::function<void(const ExportRow&)>& visit) = 0;
};

// Opens (and creates, in read-write mode) the database at `path` and brings its schema up to
// date. SQLite is the only backend so far; a "postgresql://" URL is refused with a clear error.
Result<std::unique_ptr<Database>> open_database(const std::string& path,
                                                Database::Access access = Database::Access::kReadWrite);

// Rolls back on scope exit unless `commit()` succeeded.
class WriteTransaction {
 public:
  static Result<WriteTransaction> begin(Database& db);
  WriteTransaction(WriteTransaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  WriteTransaction(const WriteTransaction&) = delete;
  WriteTransaction& operator=(const WriteTransaction&) = delete;
  WriteTransaction& operator=(WriteTransaction&& other) noexcept {
    if (this != &other) {
      if (db_ != nullptr) db_->rollback();
      db_ = other.db_;
      other.db_ = nullptr;
    }
    return *this;
  }
  ~WriteTransaction() {
    if (db_ != nullptr) db_->rollback();
  }
  Status commit();

 private:
  explicit WriteTransaction(Database* db) : db_(db) {}
  Database* db_;
};

}  // namespace paddock
