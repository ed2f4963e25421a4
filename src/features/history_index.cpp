#include "features/history_index.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <tuple>
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

void EarlierRuns::add(const HorseRun& run) {
  ++count;
  auto found = std::find_if(by_discipline.begin(), by_discipline.end(),
                            [&](const OfDiscipline& d) { return d.discipline == run.discipline; });
  if (found == by_discipline.end()) {
    by_discipline.push_back(OfDiscipline{run.discipline, 0, 0, {}});
    found = by_discipline.end() - 1;
  }
  ++found->count;
  // The newest first: the others move back one place, the oldest of five drops out.
  std::copy_backward(found->latest.begin(), found->latest.end() - 1, found->latest.end());
  found->latest[0] = run.normalised_position();
  found->latest_count = std::min(found->latest_count + 1, kLatest);
}

const EarlierRuns::OfDiscipline* EarlierRuns::of(Discipline discipline) const {
  for (const OfDiscipline& d : by_discipline) {
    if (d.discipline == discipline) return &d;
  }
  return nullptr;
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
  const std::vector<RunFigures> figures = paces_.figure(runs);
  for (std::size_t i = 0; i < runs.size(); ++i) add_run(runs[i], ratings[i], figures[i]);
}

HorseRun make_horse_run(const RunRecord& run, float rating_after, const RunFigures& figures) {
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
  horse_run.speed_figure = figures.speed;
  horse_run.reduction_figure = figures.reduction;
  constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
  horse_run.official_rating = run.official_rating ? static_cast<float>(*run.official_rating) : kNaN;
  horse_run.weight_kg = run.weight_kg ? static_cast<float>(*run.weight_kg) : kNaN;
  return horse_run;
}

void HistoryIndex::add_horse_run(const RunRecord& run, float rating_after, const RunFigures& figures) {
  last_day_ = std::max(last_day_, run.day);
  slot(building_horses_, run.horse_id).push_back(make_horse_run(run, rating_after, figures));
}

void HistoryIndex::add_run(const RunRecord& run, float rating_after, const RunFigures& figures) {
  add_horse_run(run, rating_after, figures);
  const int position = run.finish_position.value_or(0);
  const bool won = position == 1;
  const bool top3 = position >= 1 && position <= 3;
  if (run.jockey_id > 0) add_person(building_jockeys_, run.jockey_id, run.day, won, top3);
  if (run.trainer_id > 0) add_person(building_trainers_, run.trainer_id, run.day, won, top3);
  if (const std::optional<std::uint64_t> key = stall_group_key(run.venue_id, run.discipline, run.draw, run.field_size)) {
    std::vector<DrawRun>& runs = draws_[*key];
    DrawRun draw_run;
    draw_run.day = run.day;
    draw_run.starts = (runs.empty() ? 0 : runs.back().starts) + 1;
    draw_run.wins = (runs.empty() ? 0.0F : runs.back().wins) + (won ? 1.0F : 0.0F);
    draw_run.expected = (runs.empty() ? 0.0F : runs.back().expected) +
                        1.0F / static_cast<float>(run.field_size);
    runs.push_back(draw_run);
  }
  ++run_count_;
}

void HistoryIndex::add_stored_draw_run(const StoredRun& stored) {
  if (!stored.draw_key) return;
  DrawRun draw_run;
  draw_run.day = stored.run.day;
  draw_run.starts = stored.draw_starts;
  draw_run.wins = stored.draw_wins;
  draw_run.expected = stored.draw_expected;
  draws_[static_cast<std::uint64_t>(*stored.draw_key)].push_back(draw_run);
}

Result<HistoryIndex> HistoryIndex::load_stored(Database& db, const HistoryNeeds* needs) {
  HistoryIndex index;
  if (needs == nullptr) {
    PADDOCK_TRY(db.for_each_stored_run(StoredRunQuery{}, [&](const StoredRun& stored) {
      index.add_horse_run(stored.run, stored.rating_after, RunFigures{stored.speed_figure, stored.reduction_figure});
      const int position = stored.run.finish_position.value_or(0);
      if (stored.run.jockey_id > 0) add_person(index.building_jockeys_, stored.run.jockey_id, stored.run.day, position == 1, position >= 1 && position <= 3);
      if (stored.run.trainer_id > 0) add_person(index.building_trainers_, stored.run.trainer_id, stored.run.day, position == 1, position >= 1 && position <= 3);
      index.add_stored_draw_run(stored);
      ++index.run_count_;
    }));
    index.finish();
    return index;
  }
  // Each part of the history from its own index: a horse's runs from its first, a person's
  // from a year before the first race day (the longest window), a stall group's running totals
  // from its last run before the first day.
  StoredRunQuery horses{StoredRunQuery::By::kHorse, needs->horses, std::nullopt, needs->last_day};
  PADDOCK_TRY(db.for_each_stored_run(horses, [&](const StoredRun& stored) {
    index.add_horse_run(stored.run, stored.rating_after, RunFigures{stored.speed_figure, stored.reduction_figure});
    ++index.run_count_;
  }));
  const Day people_from = needs->first_day - kLongestWindowDays;
  for (const auto& [by, ids, people] :
       {std::tuple{StoredRunQuery::By::kJockey, &needs->jockeys, &index.building_jockeys_},
        std::tuple{StoredRunQuery::By::kTrainer, &needs->trainers, &index.building_trainers_}}) {
    StoredRunQuery query{by, *ids, people_from, needs->last_day};
    PADDOCK_TRY(db.for_each_person_run(query, [&](EntityId id, Day day, std::optional<int> place) {
      const int position = place.value_or(0);
      add_person(*people, id, day, position == 1, position >= 1 && position <= 3);
    }));
  }
  PADDOCK_ASSIGN_OR_RETURN(const std::vector<StoredRun> before,
                           db.last_stored_runs_before(StoredRunQuery::By::kDrawKey, needs->stall_groups, needs->first_day));
  for (const StoredRun& stored : before) index.add_stored_draw_run(stored);
  StoredRunQuery draws{StoredRunQuery::By::kDrawKey, needs->stall_groups, needs->first_day, needs->last_day};
  PADDOCK_TRY(db.for_each_stored_run(draws, [&](const StoredRun& stored) { index.add_stored_draw_run(stored); }));
  index.finish();
  return index;
}

HistoryNeeds HistoryNeeds::of(std::span<const RaceCard> cards) {
  HistoryNeeds needs;
  auto add = [](std::vector<std::int64_t>& ids, std::int64_t id) {
    if (id > 0) ids.push_back(id);
  };
  bool first = true;
  for (const RaceCard& card : cards) {
    needs.first_day = first ? card.day : std::min(needs.first_day, card.day);
    needs.last_day = first ? card.day : std::max(needs.last_day, card.day);
    first = false;
    for (const RunnerEntry& runner : card.runners) {
      add(needs.horses, runner.horse_id);
      add(needs.jockeys, runner.jockey_id);
      add(needs.trainers, runner.trainer_id);
    }
    // Every third of the field at this venue and discipline family: which third a runner
    // draws depends on the field it ends up in.
    const int field = std::max<int>(3, static_cast<int>(card.runners.size()));
    for (int draw = 1; draw <= field; ++draw) {
      if (const auto key = stall_group_key(card.venue_id, card.discipline, draw, field)) {
        needs.stall_groups.push_back(static_cast<std::int64_t>(*key));
      }
    }
  }
  for (std::vector<std::int64_t>* ids : {&needs.horses, &needs.jockeys, &needs.trainers, &needs.stall_groups}) {
    std::sort(ids->begin(), ids->end());
    ids->erase(std::unique(ids->begin(), ids->end()), ids->end());
  }
  return needs;
}

void HistoryIndex::finish() {
  if (finished_) return;
  finished_ = true;
  ratings_.clear();
  paces_ = PaceBook();
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

HorseHistory HistoryIndex::horse_before(EntityId horse_id, Day day) const {
  return HorseHistory{horse_runs_before(horse_id, day), nullptr};
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

std::optional<std::uint64_t> stall_group_key(EntityId venue_id, Discipline discipline, std::optional<int> draw,
                                             int field_size) {
  if (!draw || *draw <= 0 || venue_id <= 0 || field_size <= 1) return std::nullopt;
  return (static_cast<std::uint64_t>(venue_id) << 8) |
         static_cast<std::uint64_t>(family_of(discipline) * 4 + draw_third(*draw, field_size));
}

DrawCounts HistoryIndex::draw_before(EntityId venue_id, Discipline discipline, int draw,
                                     int field_size, Day day) const {
  const std::optional<std::uint64_t> key = stall_group_key(venue_id, discipline, draw, field_size);
  if (!key) return {};
  const auto found = draws_.find(*key);
  if (found == draws_.end()) return {};
  const std::vector<DrawRun>& runs = found->second;
  const std::size_t hi = first_on_or_after(runs, day);
  if (hi == 0) return {};
  DrawCounts counts;
  counts.starts = runs[hi - 1].starts;
  counts.wins = runs[hi - 1].wins;
  counts.expected_wins = runs[hi - 1].expected;
  return counts;
}

}  // namespace paddock
