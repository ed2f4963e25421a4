#include "features/history_store.h"

#include <chrono>
#include <limits>
#include <unordered_map>
#include <unordered_set>

#include "features/history_index.h"
#include "features/rating_book.h"

namespace paddock {
namespace {

constexpr std::size_t kRunsPerInsert = 4096;

// A stall group's running totals, as HistoryIndex adds them up.
struct StallTotals {
  std::int64_t starts = 0;
  float wins = 0.0F;
  float expected = 0.0F;
};

// The state before the first day to recompute, fetched from the stored runs as each horse or
// stall group first appears (none before the first day when everything is recomputed).
class StartingState {
 public:
  StartingState(Database& db, Day from, bool from_scratch) : db_(db), from_(from), from_scratch_(from_scratch) {}

  Status load_horse(EntityId horse_id, RatingBook& book) {
    if (from_scratch_ || horse_id < 0 || !seen_horses_.insert(horse_id).second) return ok_status();
    PADDOCK_ASSIGN_OR_RETURN(const std::vector<StoredRun> last,
                             db_.last_stored_runs_before(StoredRunQuery::By::kHorse, {horse_id}, from_));
    if (!last.empty()) book.set(horse_id, last.front().rating_after);
    return ok_status();
  }

  Result<StallTotals*> totals(std::uint64_t key) {
    const auto found = totals_.find(key);
    if (found != totals_.end()) return &found->second;
    StallTotals start;
    if (!from_scratch_) {
      PADDOCK_ASSIGN_OR_RETURN(const std::vector<StoredRun> last,
                               db_.last_stored_runs_before(StoredRunQuery::By::kDrawKey,
                                                           {static_cast<std::int64_t>(key)}, from_));
      if (!last.empty()) start = StallTotals{last.front().draw_starts, last.front().draw_wins, last.front().draw_expected};
    }
    return &totals_.emplace(key, start).first->second;
  }

 private:
  Database& db_;
  Day from_;
  bool from_scratch_;
  std::unordered_set<EntityId> seen_horses_;
  std::unordered_map<std::uint64_t, StallTotals> totals_;
};

}  // namespace

Result<HistoryRefresh> refresh_stored_history(Database& db) {
  const auto started = std::chrono::steady_clock::now();
  HistoryRefresh refresh;
  PADDOCK_ASSIGN_OR_RETURN(WriteTransaction transaction, WriteTransaction::begin(db));
  PADDOCK_ASSIGN_OR_RETURN(const std::optional<Day> dirty, db.history_dirty_from());
  if (!dirty) return refresh;  // the transaction rolls back: nothing was written
  refresh.was_current = false;
  const bool from_scratch = *dirty == std::numeric_limits<Day>::min();
  PADDOCK_TRY(db.delete_stored_runs_from(*dirty));
  StartingState state(db, *dirty, from_scratch);
  RatingBook book;
  std::vector<StoredRun> pending;
  Status failure = ok_status();
  auto flush = [&] {
    if (failure.ok() && !pending.empty()) failure = db.insert_stored_runs(pending);
    pending.clear();
  };
  PADDOCK_TRY(db.for_each_finished_race_from(from_scratch ? std::nullopt : std::optional<Day>(*dirty),
                                             [&](std::span<const RunRecord> runs) {
    if (!failure.ok()) return;
    for (const RunRecord& run : runs) {
      if (Status loaded = state.load_horse(run.horse_id, book); !loaded.ok()) failure = loaded;
    }
    const std::vector<float> ratings = book.rate(runs);
    for (std::size_t i = 0; i < runs.size(); ++i) {
      const RunRecord& run = runs[i];
      StoredRun stored;
      stored.run = run;
      stored.rating_after = ratings[i];
      if (const std::optional<std::uint64_t> key = stall_group_key(run.venue_id, run.discipline, run.draw, run.field_size)) {
        Result<StallTotals*> totals = state.totals(*key);
        if (!totals.ok()) {
          failure = totals.error();
          return;
        }
        StallTotals& t = **totals;
        t.starts += 1;
        t.wins += run.finish_position.value_or(0) == 1 ? 1.0F : 0.0F;
        t.expected += 1.0F / static_cast<float>(run.field_size);
        stored.draw_key = static_cast<std::int64_t>(*key);
        stored.draw_starts = t.starts;
        stored.draw_wins = t.wins;
        stored.draw_expected = t.expected;
      }
      pending.push_back(stored);
      ++refresh.runs_written;
    }
    if (pending.size() >= kRunsPerInsert) flush();
  }));
  flush();
  PADDOCK_TRY(failure);
  PADDOCK_TRY(db.mark_history_current());
  PADDOCK_TRY(transaction.commit());
  refresh.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return refresh;
}

}  // namespace paddock
