#include "engine/history_feed.h"

#include <fmt/format.h>

#include <algorithm>
#include <condition_variable>
#include <chrono>
#include <deque>
#include <future>
#include <limits>
#include <mutex>
#include <optional>
#include <thread>

#include "store/database.h"

namespace paddock {
namespace {

// Days per read: a read holds a snapshot (WAL readers keep the writer's log from being reset)
// and a stop waits for the read in hand, so reads are short.
constexpr Day kDaysPerRead = 28;
// Runs per batch, and runs read ahead (16 MB of them): more than a window holds (the engine's
// windows are of 4,000 races), so that the reader reads the next window's runs while the
// workers predict this one's races, and moving the history on only applies runs already read.
constexpr std::size_t kRunsPerBatch = 16384;
constexpr std::size_t kRunsAhead = 4 * kRunsPerBatch;
// Runs the history may take before it knows which horses the job needs (it keeps them all
// meanwhile, 10 MB of runs at most): the first windows', so that their races need not wait
// for the horses (0.3 s at 100,000 races, about a window's predictions).
constexpr std::size_t kRunsBeforeHorses = 16 * kRunsPerBatch;

// Runs on their way from the reader to the history. A batch with `complete_before` set marks
// that every run before that day was in the batches before it.
struct FeedBatch {
  std::vector<StoredRun> stored;
  std::vector<RunRecord> races;            // computed: the races' runs, race after race
  std::vector<std::uint32_t> race_ends;    // races[race_ends[k-1] .. race_ends[k]) is race k
  std::optional<Day> complete_before;
  std::optional<Error> error;
  std::optional<std::vector<Day>> horses_until;  // by horse id: the last day of its job races
  std::optional<PaceBook> paces;  // the pars before the first computed race after stored runs

  std::size_t size() const { return stored.size() + races.size(); }
};

}  // namespace

struct HistoryFeed::Reader {
  std::string db_path;
  Source source = Source::kStored;
  std::vector<Window> windows;
  std::vector<RaceId> races;

  std::mutex mutex;
  std::condition_variable changed;
  std::deque<FeedBatch> batches;
  std::size_t runs_ahead = 0;  // in `batches`
  std::size_t runs_pushed = 0;
  bool stop = false;
  std::string note;
  std::thread thread;

  // False once the feed is stopping.
  bool push(FeedBatch batch) {
    std::unique_lock<std::mutex> lock(mutex);
    changed.wait(lock, [&] { return stop || batches.empty() || runs_ahead + batch.size() <= kRunsAhead; });
    if (stop) return false;
    runs_ahead += batch.size();
    batches.push_back(std::move(batch));
    changed.notify_all();
    return true;
  }

  FeedBatch pop() {
    std::unique_lock<std::mutex> lock(mutex);
    changed.wait(lock, [&] { return !batches.empty(); });
    FeedBatch batch = std::move(batches.front());
    batches.pop_front();
    runs_ahead -= batch.size();
    changed.notify_all();
    return batch;
  }

  bool stopping() {
    const std::lock_guard<std::mutex> lock(mutex);
    return stop;
  }

  void run() {
    Status status = read_all();
    if (!status.ok()) {
      FeedBatch failed;
      failed.error = status.error();
      push(std::move(failed));
    }
  }

  // The last day of each horse's job races, by horse id; on a connection of its own.
  static Result<std::vector<Day>> horses_until_of(const std::string& db_path, const std::vector<RaceId>& races) {
    PADDOCK_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, open_database(db_path, Database::Access::kReadOnly));
    PADDOCK_ASSIGN_OR_RETURN(const auto horse_days, db->last_days_of_horses(races));
    std::vector<Day> until;
    for (const auto& [horse, day] : horse_days) {
      if (horse < 0) continue;
      const auto index = static_cast<std::size_t>(horse);
      if (index >= until.size()) until.resize(index + 1, std::numeric_limits<Day>::min());
      until[index] = day;
    }
    return until;
  }

  // Pushes the horses to keep once they are known, or waits for them once kRunsBeforeHorses
  // runs have gone without them (the history keeps every horse until then, a bounded excess)
  // or when `wait`.
  Status push_horses_if_due(std::future<Result<std::vector<Day>>>& horses, bool& open, bool wait = false) {
    if (!horses.valid()) return ok_status();
    if (!wait && runs_pushed < kRunsBeforeHorses &&
        horses.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
      return ok_status();
    }
    Result<std::vector<Day>> until = horses.get();
    PADDOCK_TRY(until);
    FeedBatch batch;
    batch.horses_until = std::move(*until);
    open = push(std::move(batch));
    return ok_status();
  }

  Status read_all() {
    // The horses of the job's races are found on another thread meanwhile (a pass over every
    // runner of those races: 0.4 s for 100,000 races), so that the first window's runs come
    // at once; until they are known, the history keeps every horse it reads.
    std::future<Result<std::vector<Day>>> horses =
        std::async(std::launch::async, horses_until_of, db_path, std::move(races));
    PADDOCK_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, open_database(db_path, Database::Access::kReadOnly));
    PADDOCK_ASSIGN_OR_RETURN(const std::vector<Day> first, db->finished_race_days_from(std::numeric_limits<Day>::min(), 1));
    Day position = first.empty() ? std::numeric_limits<Day>::max() : first.front();
    bool open = true;
    for (const Window& window : windows) {
      while (position < window.last_day) {
        PADDOCK_TRY(push_horses_if_due(horses, open));
        if (!open) return ok_status();
        const Day end = std::min<Day>(window.last_day, position + kDaysPerRead);
        PADDOCK_TRY(read_days(*db, position, end));
        position = end;
      }
      PADDOCK_TRY(push_horses_if_due(horses, open));
      FeedBatch marker;
      marker.complete_before = window.last_day;
      if (!open || !push(std::move(marker))) return ok_status();
    }
    PADDOCK_TRY(push_horses_if_due(horses, open, /*wait=*/true));
    return ok_status();
  }

  // The pars before `from` for the computed races that follow stored runs: the stored pace days
  // are current before `changed` (the first changed day), the races from it on are read.
  static Status seed_paces(Database& db, Day changed, Day from, FeedBatch& batch) {
    PADDOCK_ASSIGN_OR_RETURN(PaceBook paces, PaceBook::load_before(db, changed));
    PADDOCK_TRY(db.for_each_finished_race_from(changed, from, [&](std::span<const RunRecord> runs) {
      paces.add_race(PaceBook::race_time_of(runs));
    }));
    batch.paces = std::move(paces);
    return ok_status();
  }

  // The runs of [from, before), in one snapshot, in batches.
  Status read_days(Database& db, Day from, Day before) {
    if (stopping()) return ok_status();
    PADDOCK_TRY(db.begin_read());
    FeedBatch batch;
    if (source == Source::kStored) {
      Result<std::optional<Day>> dirty = db.history_dirty_from();
      if (!dirty.ok()) {
        db.rollback();
        return dirty.error();
      }
      if (*dirty && **dirty < before) {
        Status seeded = seed_paces(db, std::min(from, **dirty), from, batch);
        if (!seeded.ok()) {
          db.rollback();
          return seeded;
        }
        source = Source::kComputed;
        const std::lock_guard<std::mutex> lock(mutex);
        note = fmt::format("the stored history changed during the job (from {}): the runs from {} on are computed "
                           "from the races", format_day(**dirty), format_day(from));
      }
    }
    bool open = true;
    auto flush = [&] {
      if (!open || (batch.size() == 0 && !batch.paces)) return;
      runs_pushed += batch.size();
      open = push(std::exchange(batch, FeedBatch()));
    };
    Status read = ok_status();
    if (source == Source::kStored) {
      StoredRunQuery query;
      query.from = from;
      query.before = before;
      read = db.for_each_stored_run(query, [&](const StoredRun& stored) {
        if (!open) return;
        batch.stored.push_back(stored);
        if (batch.size() >= kRunsPerBatch) flush();
      });
    } else {
      read = db.for_each_finished_race_from(from, before, [&](std::span<const RunRecord> runs) {
        if (!open) return;
        batch.races.insert(batch.races.end(), runs.begin(), runs.end());
        batch.race_ends.push_back(static_cast<std::uint32_t>(batch.races.size()));
        if (batch.size() >= kRunsPerBatch) flush();
      });
    }
    db.rollback();  // a read transaction: nothing to keep
    PADDOCK_TRY(read);
    flush();
    return ok_status();
  }
};

HistoryFeed::HistoryFeed(const std::string& db_path, Source source, std::vector<Window> windows,
                         std::vector<RaceId> races)
    : windows_(windows), complete_before_(std::numeric_limits<Day>::min()), reader_(std::make_unique<Reader>()) {
  Reader& reader = *reader_;
  reader.db_path = db_path;
  reader.source = source;
  reader.windows = std::move(windows);
  reader.races = std::move(races);
  reader.thread = std::thread([&reader] { reader.run(); });
}

HistoryFeed::~HistoryFeed() {
  if (!reader_) return;
  {
    const std::lock_guard<std::mutex> lock(reader_->mutex);
    reader_->stop = true;
  }
  reader_->changed.notify_all();
  reader_->thread.join();
}

Status HistoryFeed::advance_to(std::size_t window) {
  if (window >= windows_.size()) return make_error(ErrorCode::kInternal, "no such history window");
  const Window& target = windows_[window];
  history_.start_window(target.first_day);
  while (complete_before_ < target.last_day) {
    FeedBatch batch = reader_->pop();
    if (batch.error) return *batch.error;
    if (batch.horses_until) {
      history_.keep_horses_until(std::move(*batch.horses_until));
      history_.start_window(target.first_day);  // drops what the job no longer needs
    }
    history_.add_stored(batch.stored);
    if (batch.paces) history_.seed_paces(std::move(*batch.paces));
    std::size_t begin = 0;
    for (std::uint32_t end : batch.race_ends) {
      history_.add_race(std::span<const RunRecord>(batch.races.data() + begin, end - begin));
      begin = end;
    }
    if (batch.complete_before) complete_before_ = std::max(complete_before_, *batch.complete_before);
  }
  return ok_status();
}

std::string HistoryFeed::note() const {
  const std::lock_guard<std::mutex> lock(reader_->mutex);
  return reader_->note;
}

}  // namespace paddock
