#include "features/history_store.h"

#include <chrono>
#include <limits>
#include <map>
#include <utility>
#include <unordered_map>
#include <unordered_set>

#include "features/history_index.h"
#include "features/pace_book.h"
#include "features/rating_book.h"

namespace paddock {
namespace {

constexpr std::size_t kRunsPerInsert = 4096;
// Days of races computed per write transaction: the write lock is held for a fraction of a
// second at a time, so jobs' commits, imports and heartbeats go on during a long refresh.
constexpr int kDaysPerTransaction = 30;

// A stall group's running totals, as HistoryIndex adds them up.
struct StallTotals {
  std::int64_t starts = 0;
  float wins = 0.0F;
  float expected = 0.0F;
};

// The state the refresh carries from one day to the next: each horse's rating and each stall
// group's totals. A horse or group first met is read from the stored runs before the day the
// refresh started from (none when it starts from scratch); the state then follows the races.
class RunningState {
 public:
  RunningState(Database& db, Day start, bool from_scratch) : db_(db), start_(start), from_scratch_(from_scratch) {}

  // The pars of the races before the start (none from scratch).
  Status load_paces() {
    if (from_scratch_) return ok_status();
    PADDOCK_ASSIGN_OR_RETURN(paces_, PaceBook::load_before(db_, start_));
    return ok_status();
  }

  Day start() const { return start_; }

  Status load_horse(EntityId horse_id) {
    if (from_scratch_ || horse_id < 0 || !seen_horses_.insert(horse_id).second) return ok_status();
    PADDOCK_ASSIGN_OR_RETURN(const std::vector<StoredRun> last,
                             db_.last_stored_runs_before(StoredRunQuery::By::kHorse, {horse_id}, start_));
    if (!last.empty()) book_.set(horse_id, last.front().rating_after);
    return ok_status();
  }

  RatingBook& book() { return book_; }
  PaceBook& paces() { return paces_; }
  // What the races computed since the last take add to the pars, by day and group.
  void add_pace_day(const RaceTimeRecord& race) {
    for (const PaceSums& sums : PaceBook::contributions(race)) {
      PaceSums& day = pace_days_[{race.day, sums.key}];
      day.key = sums.key;
      day.add(sums);
    }
  }
  std::vector<PaceDay> take_pace_days() {
    std::vector<PaceDay> days;
    days.reserve(pace_days_.size());
    for (const auto& [day_key, sums] : pace_days_) days.push_back(PaceDay{day_key.first, sums});
    pace_days_.clear();
    return days;
  }

  Result<StallTotals*> totals(std::uint64_t key) {
    const auto found = totals_.find(key);
    if (found != totals_.end()) return &found->second;
    StallTotals start;
    if (!from_scratch_) {
      PADDOCK_ASSIGN_OR_RETURN(const std::vector<StoredRun> last,
                               db_.last_stored_runs_before(StoredRunQuery::By::kDrawKey,
                                                           {static_cast<std::int64_t>(key)}, start_));
      if (!last.empty()) start = StallTotals{last.front().draw_starts, last.front().draw_wins, last.front().draw_expected};
    }
    return &totals_.emplace(key, start).first->second;
  }

 private:
  Database& db_;
  Day start_;
  bool from_scratch_;
  RatingBook book_;
  PaceBook paces_;
  std::map<std::pair<Day, std::uint64_t>, PaceSums> pace_days_;
  std::unordered_set<EntityId> seen_horses_;
  std::unordered_map<std::uint64_t, StallTotals> totals_;
};

// The stored runs of one race, computed from the state before it; the state moves past it.
Result<std::vector<StoredRun>> compute_race(std::span<const RunRecord> runs, RunningState& state) {
  for (const RunRecord& run : runs) PADDOCK_TRY(state.load_horse(run.horse_id));
  const std::vector<float> ratings = state.book().rate(runs);
  const std::vector<RunFigures> figures = state.paces().figure(runs);
  state.add_pace_day(PaceBook::race_time_of(runs));
  std::vector<StoredRun> stored(runs.size());
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const RunRecord& run = runs[i];
    stored[i].run = run;
    stored[i].rating_after = ratings[i];
    stored[i].speed_figure = figures[i].speed;
    stored[i].reduction_figure = figures[i].reduction;
    const std::optional<std::uint64_t> key = stall_group_key(run.venue_id, run.discipline, run.draw, run.field_size);
    if (!key) continue;
    PADDOCK_ASSIGN_OR_RETURN(StallTotals* totals, state.totals(*key));
    totals->starts += 1;
    totals->wins += run.finish_position.value_or(0) == 1 ? 1.0F : 0.0F;
    totals->expected += 1.0F / static_cast<float>(run.field_size);
    stored[i].draw_key = static_cast<std::int64_t>(*key);
    stored[i].draw_starts = totals->starts;
    stored[i].draw_wins = totals->wins;
    stored[i].draw_expected = totals->expected;
  }
  return stored;
}

// One write transaction: the runs of the next days from history_state.dirty_from, and the
// marker moved past them. Returns false when the stored history is current.
Result<bool> refresh_some_days(Database& db, std::unique_ptr<RunningState>& state, HistoryRefresh& refresh) {
  PADDOCK_ASSIGN_OR_RETURN(WriteTransaction transaction, WriteTransaction::begin(db));
  PADDOCK_ASSIGN_OR_RETURN(const std::optional<Day> dirty, db.history_dirty_from());
  if (!dirty) return false;  // the transaction rolls back: nothing was written
  // A marker that moved back (another writer changed an earlier day meanwhile) starts over
  // from it, with the state read afresh from the runs stored before it.
  if (!state || state->start() > *dirty || refresh.next_day != *dirty) {
    state = std::make_unique<RunningState>(db, *dirty, *dirty == std::numeric_limits<Day>::min());
    PADDOCK_TRY(state->load_paces());
    PADDOCK_TRY(db.delete_stored_runs_from(*dirty));
  }
  PADDOCK_ASSIGN_OR_RETURN(const std::vector<Day> days, db.finished_race_days_from(*dirty, kDaysPerTransaction + 1));
  const std::optional<Day> end =
      days.size() > static_cast<std::size_t>(kDaysPerTransaction) ? std::optional<Day>(days.back()) : std::nullopt;
  std::vector<StoredRun> pending;
  Status failure = ok_status();
  PADDOCK_TRY(db.for_each_finished_race_from(*dirty, end, [&](std::span<const RunRecord> runs) {
    if (!failure.ok()) return;
    Result<std::vector<StoredRun>> race = compute_race(runs, *state);
    if (!race.ok()) {
      failure = race.error();
      return;
    }
    pending.insert(pending.end(), race->begin(), race->end());
    refresh.runs_written += static_cast<std::int64_t>(race->size());
    if (pending.size() >= kRunsPerInsert) {
      failure = db.insert_stored_runs(pending);
      pending.clear();
    }
  }));
  PADDOCK_TRY(failure);
  PADDOCK_TRY(db.insert_stored_runs(pending));
  PADDOCK_TRY(db.insert_pace_days(state->take_pace_days()));
  if (end) {
    PADDOCK_TRY(db.set_history_dirty_from(*end));
    refresh.next_day = *end;
  } else {
    PADDOCK_TRY(db.mark_history_current());
  }
  PADDOCK_TRY(transaction.commit());
  refresh.was_current = false;
  return end.has_value();
}

}  // namespace

Result<HistoryRefresh> refresh_stored_history(Database& db) {
  const auto started = std::chrono::steady_clock::now();
  HistoryRefresh refresh;
  std::unique_ptr<RunningState> state;
  while (true) {
    PADDOCK_ASSIGN_OR_RETURN(const bool more, refresh_some_days(db, state, refresh));
    if (!more) break;
  }
  refresh.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return refresh;
}

}  // namespace paddock
