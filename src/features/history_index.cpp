#include "features/history_index.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <cmath>
#include <limits>

namespace paddock {
namespace {

template <typename Run>
std::size_t first_on_or_after(const std::vector<Run>& runs, Day day) {
  return static_cast<std::size_t>(
      std::lower_bound(runs.begin(), runs.end(), day,
                       [](const Run& run, Day d) { return run.day < d; }) -
      runs.begin());
}

template <typename T>
T& slot(std::vector<T>& table, EntityId id) {
  const auto index = static_cast<std::size_t>(id);
  if (index >= table.size()) table.resize(index + 1 + index / 4);
  return table[index];
}

// Stalls are grouped by thirds of the field, per discipline family: at a given course, the
// inside third may be favoured on the flat and the front line behind the autostart at trot.
int draw_third(int draw, int field_size) {
  if (field_size <= 1) return 0;
  const double relative = static_cast<double>(draw - 1) / static_cast<double>(field_size - 1);
  return std::clamp(static_cast<int>(relative * 3.0), 0, 2);
}

int family_of(Discipline discipline) {
  if (is_trot(discipline)) return 0;
  return is_obstacle(discipline) ? 2 : 1;
}

}  // namespace

float HorseRun::normalised_position() const {
  if (position == 0 || field_size <= 1) return 1.0F;
  return std::min(1.0F, static_cast<float>(position - 1) / static_cast<float>(field_size - 1));
}

namespace {

// Races read from the database, on their way to the index builder.
struct RaceBatch {
  std::vector<RunRecord> runs;
  std::vector<std::size_t> race_ends;  // runs[race_ends[k-1] .. race_ends[k]) is race k
};

// A small bounded queue between the thread that reads (SQLite) and the one that builds.
class BatchQueue {
 public:
  void push(RaceBatch batch) {
    std::unique_lock<std::mutex> lock(mutex_);
    not_full_.wait(lock, [this] { return batches_.size() < kCapacity; });
    batches_.push_back(std::move(batch));
    not_empty_.notify_one();
  }
  void close() {
    const std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
    not_empty_.notify_one();
  }
  std::optional<RaceBatch> pop() {
    std::unique_lock<std::mutex> lock(mutex_);
    not_empty_.wait(lock, [this] { return !batches_.empty() || closed_; });
    if (batches_.empty()) return std::nullopt;
    RaceBatch batch = std::move(batches_.front());
    batches_.pop_front();
    not_full_.notify_one();
    return batch;
  }

 private:
  static constexpr std::size_t kCapacity = 4;
  std::mutex mutex_;
  std::condition_variable not_empty_;
  std::condition_variable not_full_;
  std::deque<RaceBatch> batches_;
  bool closed_ = false;
};

}  // namespace

// Reading the rows (SQLite) and building the index (ratings, vectors) take about the same time,
// so they run on two threads: this one reads, a builder thread adds the races in order.
Result<HistoryIndex> HistoryIndex::load(Database& db) {
  constexpr std::size_t kRacesPerBatch = 2000;
  HistoryIndex index;
  BatchQueue queue;
  std::thread builder([&] {
    while (std::optional<RaceBatch> batch = queue.pop()) {
      std::size_t begin = 0;
      for (std::size_t end : batch->race_ends) {
        index.add_race(std::span<const RunRecord>(batch->runs.data() + begin, end - begin));
        begin = end;
      }
    }
  });
  RaceBatch batch;
  const Status read = db.for_each_finished_race([&](std::span<const RunRecord> runs) {
    batch.runs.insert(batch.runs.end(), runs.begin(), runs.end());
    batch.race_ends.push_back(batch.runs.size());
    if (batch.race_ends.size() >= kRacesPerBatch) queue.push(std::exchange(batch, RaceBatch()));
  });
  if (!batch.race_ends.empty()) queue.push(std::move(batch));
  queue.close();
  builder.join();
  PADDOCK_TRY(read);
  index.finish();
  return index;
}

void HistoryIndex::add_race(std::span<const RunRecord> runs) {
  if (finished_) return;
  const std::vector<float> ratings = ratings_.rate(runs);
  for (std::size_t i = 0; i < runs.size(); ++i) add_run(runs[i], ratings[i]);
}

void HistoryIndex::add_run(const RunRecord& run, float rating_after) {
  last_day_ = std::max(last_day_, run.day);
  const int position = run.finish_position.value_or(0);
  HorseRun horse_run;
  horse_run.day = run.day;
  horse_run.jockey_id = static_cast<std::int32_t>(run.jockey_id);
  horse_run.distance_m = static_cast<std::uint16_t>(std::clamp(run.distance_m, 0, 65535));
  horse_run.position = static_cast<std::uint8_t>(std::clamp(position, 0, 255));
  horse_run.field_size = static_cast<std::uint8_t>(std::clamp(run.field_size, 0, 255));
  horse_run.incident = run.incident;
  horse_run.discipline = run.discipline;
  horse_run.prize_log = run.prize_eur ? static_cast<float>(std::log1p(static_cast<double>(*run.prize_eur)))
                                      : std::numeric_limits<float>::quiet_NaN();
  horse_run.rating_after = rating_after;
  slot(building_horses_, run.horse_id).push_back(horse_run);

  const bool won = position == 1;
  const bool top3 = position >= 1 && position <= 3;
  if (run.jockey_id > 0) add_person(building_jockeys_, run.jockey_id, run.day, won, top3);
  if (run.trainer_id > 0) add_person(building_trainers_, run.trainer_id, run.day, won, top3);
  if (run.draw && *run.draw > 0 && run.venue_id > 0 && run.field_size > 1) {
    std::vector<DrawRun>& runs = draws_[draw_key(run.venue_id, run.discipline, *run.draw, run.field_size)];
    DrawRun draw_run;
    draw_run.day = run.day;
    draw_run.wins = (runs.empty() ? 0.0F : runs.back().wins) + (won ? 1.0F : 0.0F);
    draw_run.expected = (runs.empty() ? 0.0F : runs.back().expected) +
                        1.0F / static_cast<float>(run.field_size);
    runs.push_back(draw_run);
  }
  ++run_count_;
}

void HistoryIndex::finish() {
  if (finished_) return;
  finished_ = true;
  ratings_.clear();
  horses_.assign(building_horses_);
  jockeys_.assign(building_jockeys_);
  trainers_.assign(building_trainers_);
  for (auto& [key, runs] : draws_) runs.shrink_to_fit();
}

template <typename Run>
std::span<const Run> HistoryIndex::FlatRuns<Run>::of(EntityId id) const {
  const auto index = static_cast<std::size_t>(id);
  if (id < 0 || index + 1 >= begin.size()) return {};
  return std::span<const Run>(runs.data() + begin[index], begin[index + 1] - begin[index]);
}

template <typename Run>
void HistoryIndex::FlatRuns<Run>::assign(std::vector<std::vector<Run>>& by_entity) {
  std::size_t total = 0;
  for (const std::vector<Run>& entity : by_entity) total += entity.size();
  begin.assign(1, 0);
  begin.reserve(by_entity.size() + 1);
  runs.clear();
  runs.reserve(total);
  for (std::vector<Run>& entity : by_entity) {
    runs.insert(runs.end(), entity.begin(), entity.end());
    begin.push_back(static_cast<std::uint32_t>(runs.size()));
    std::vector<Run>().swap(entity);  // copied: its memory goes back now
  }
  std::vector<std::vector<Run>>().swap(by_entity);
}

void HistoryIndex::PeopleTable::assign(std::vector<std::vector<PersonRun>>& by_person) {
  flat.assign(by_person);
  const std::size_t people = flat.begin.size() - 1;
  first_day.assign(people, 0);
  weeks_begin.assign(1, 0);
  weeks.clear();
  for (std::size_t p = 0; p < people; ++p) {
    const std::uint32_t lo = flat.begin[p];
    const std::uint32_t hi = flat.begin[p + 1];
    if (lo < hi) {
      first_day[p] = flat.runs[lo].day;
      const std::int64_t career_weeks = (flat.runs[hi - 1].day - first_day[p]) / 7 + 1;
      if (career_weeks <= static_cast<std::int64_t>(hi - lo)) {
        std::uint32_t i = lo;
        for (Day week_start = first_day[p]; week_start <= flat.runs[hi - 1].day; week_start += 7) {
          while (flat.runs[i].day < week_start) ++i;  // the last run's day ends the loop first
          weeks.push_back(i);
        }
      }
    }
    weeks_begin.push_back(static_cast<std::uint32_t>(weeks.size()));
  }
}

std::size_t HistoryIndex::PeopleTable::first_on_or_after(std::size_t person, Day day) const {
  const std::uint32_t lo = flat.begin[person];
  const std::uint32_t hi = flat.begin[person + 1];
  if (lo == hi || day <= first_day[person]) return lo;
  const std::size_t week_count = weeks_begin[person + 1] - weeks_begin[person];
  if (week_count == 0) {  // no weekly index: few runs
    const auto found = std::lower_bound(flat.runs.begin() + lo, flat.runs.begin() + hi, day,
                                        [](const PersonRun& run, Day d) { return run.day < d; });
    return static_cast<std::size_t>(found - flat.runs.begin());
  }
  const auto week = static_cast<std::size_t>((day - first_day[person]) / 7);
  if (week >= week_count) return hi;  // after the last run
  std::size_t i = weeks[weeks_begin[person] + week];
  while (i < hi && flat.runs[i].day < day) ++i;
  return i;
}

void HistoryIndex::add_person(std::vector<std::vector<PersonRun>>& people, EntityId id, Day day,
                              bool won, bool top3) {
  std::vector<PersonRun>& runs = slot(people, id);
  PersonRun run;
  run.day = day;
  run.wins = (runs.empty() ? 0 : runs.back().wins) + (won ? 1 : 0);
  run.top3 = (runs.empty() ? 0 : runs.back().top3) + (top3 ? 1 : 0);
  runs.push_back(run);
}

std::span<const HorseRun> HistoryIndex::horse_runs_before(EntityId horse_id, Day day) const {
  const std::span<const HorseRun> runs = horses_.of(horse_id);
  const auto end = std::lower_bound(runs.begin(), runs.end(), day,
                                    [](const HorseRun& run, Day d) { return run.day < d; });
  return runs.first(static_cast<std::size_t>(end - runs.begin()));
}

HistoryIndex::TwoWindows HistoryIndex::PeopleTable::windows(EntityId id, Day day, int long_days,
                                                            int short_days) const {
  const auto person = static_cast<std::size_t>(id);
  if (id <= 0 || person + 1 >= flat.begin.size()) return {};
  const std::size_t hi = first_on_or_after(person, day);
  const std::size_t lo_long = first_on_or_after(person, day - long_days);
  const std::size_t lo_short = first_on_or_after(person, day - short_days);
  const std::vector<PersonRun>& runs = flat.runs;
  auto counts = [&](std::size_t lo) {
    WindowCounts c;
    if (hi <= lo) return c;
    c.starts = static_cast<std::int64_t>(hi - lo);
    c.wins = runs[hi - 1].wins - (lo > flat.begin[person] ? runs[lo - 1].wins : 0);
    c.top3 = runs[hi - 1].top3 - (lo > flat.begin[person] ? runs[lo - 1].top3 : 0);
    return c;
  };
  return TwoWindows{counts(lo_long), counts(lo_short)};
}

HistoryIndex::TwoWindows HistoryIndex::jockey_windows(EntityId jockey_id, Day day, int long_days,
                                                      int short_days) const {
  return jockeys_.windows(jockey_id, day, long_days, short_days);
}

HistoryIndex::TwoWindows HistoryIndex::trainer_windows(EntityId trainer_id, Day day, int long_days,
                                                       int short_days) const {
  return trainers_.windows(trainer_id, day, long_days, short_days);
}

WindowCounts HistoryIndex::jockey_window(EntityId jockey_id, Day day, int window_days) const {
  return jockeys_.windows(jockey_id, day, window_days, window_days).long_window;
}

std::uint64_t HistoryIndex::draw_key(EntityId venue_id, Discipline discipline, int draw,
                                     int field_size) {
  return (static_cast<std::uint64_t>(venue_id) << 8) |
         static_cast<std::uint64_t>(family_of(discipline) * 4 + draw_third(draw, field_size));
}

DrawCounts HistoryIndex::draw_before(EntityId venue_id, Discipline discipline, int draw,
                                     int field_size, Day day) const {
  if (venue_id <= 0 || draw <= 0 || field_size <= 1) return {};
  const auto found = draws_.find(draw_key(venue_id, discipline, draw, field_size));
  if (found == draws_.end()) return {};
  const std::vector<DrawRun>& runs = found->second;
  const std::size_t hi = first_on_or_after(runs, day);
  if (hi == 0) return {};
  DrawCounts counts;
  counts.starts = static_cast<std::int64_t>(hi);
  counts.wins = runs[hi - 1].wins;
  counts.expected_wins = runs[hi - 1].expected;
  return counts;
}

}  // namespace paddock
