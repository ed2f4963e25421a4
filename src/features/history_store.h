// The stored history (run_history): every finished run with the horse's rating after it and
// its stall group's running totals, so that a job reads the runs of its own horses, jockeys,
// trainers and stall groups (HistoryIndex::load_stored) instead of rating every race ever run.
//
// Triggers in the database record the first day whose runs changed (history_state.dirty_from),
// whatever wrote them: an import, a result, a hand edit. refresh_stored_history recomputes the
// stored runs from that day on, starting from each horse's rating and each stall group's
// totals before it, with the very code HistoryIndex::load uses (RatingBook, the same race
// order), so stored and computed histories are the same floats. After a day's results that is
// one day's races; after a backfill of old results, everything from the oldest.
#pragma once

#include <cstdint>

#include "core/error.h"
#include "store/database.h"

namespace paddock {

struct HistoryRefresh {
  bool was_current = true;     // nothing to do
  std::int64_t runs_written = 0;
  double seconds = 0.0;
  Day next_day = 0;  // where the last transaction left off (internal)
};

// Recomputes what is out of date, a month of race days per write transaction, moving the
// marker past each month as it commits: other writers (jobs, imports, heartbeats) wait a
// fraction of a second at a time, a refresh that is interrupted goes on from where it was, and
// two jobs starting together share the work. Errors as the store's (a lock held past the busy
// timeout, a full disk): then the caller computes the history instead (HistoryIndex::load).
Result<HistoryRefresh> refresh_stored_history(Database& db);

}  // namespace paddock
