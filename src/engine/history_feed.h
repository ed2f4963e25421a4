// Feeds a large job's rolling history (features/rolling_history.h) from the database, window
// by window. The job's races are predicted in day order, in windows of consecutive days; before
// the first chunk of a window, a worker calls advance_to(window), which applies every run of the
// days before the window's last day (a race on day D then sees the runs before D only: the
// queries filter by day). A reader thread of its own, on its own read-only connection, reads
// the runs ahead of the workers into a small bounded queue, so that reading overlaps the
// predictions and the memory of the job follows the window, not the database.
//
// Runs are read from the stored history (run_history) a few weeks at a time, each read in a
// snapshot where it is current; if another writer changed the history since the job's refresh,
// the runs from there on are computed from the races instead (the same floats, slower), and
// note() says so. A feed made with Source::kComputed computes them all (a read-only database).
//
// Thread safety: advance_to is called by one thread at a time, while no query of history()
// runs; history() is then read by any number of threads.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "features/rolling_history.h"

namespace paddock {

class HistoryFeed {
 public:
  enum class Source { kStored, kComputed };
  struct Window {
    Day first_day = 0;
    Day last_day = 0;
  };

  // Starts reading at once; `windows` in day order, disjoint, holding the days of `races`.
  // The history keeps a horse only while a race of the job still runs it.
  HistoryFeed(const std::string& db_path, Source source, std::vector<Window> windows, std::vector<RaceId> races);
  ~HistoryFeed();  // stops the reader and waits for it
  HistoryFeed(const HistoryFeed&) = delete;
  HistoryFeed& operator=(const HistoryFeed&) = delete;

  // Brings the history to the start of window `window`'s days: errors as the store's, or the
  // reader's (the database could not be opened).
  [[nodiscard]] Status advance_to(std::size_t window);
  const PointInTimeHistory& history() const { return history_; }
  const RollingHistory& rolling() const { return history_; }
  // What changed on the way (the stored history found changed), in words; empty when nothing.
  std::string note() const;

 private:
  struct Reader;

  std::vector<Window> windows_;
  RollingHistory history_;
  Day complete_before_;  // every run before this day is applied
  std::unique_ptr<Reader> reader_;
};

}  // namespace paddock
