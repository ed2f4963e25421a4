#include "features/rolling_history.h"

#include <algorithm>
#include <future>

#include "features/history_index.h"

namespace paddock {
namespace {

template <typename T>
T& slot(std::vector<T>& table, EntityId id) {
  const auto index = static_cast<std::size_t>(id);
  if (index >= table.size()) table.resize(index + 1 + index / 4);
  return table[index];
}

template <typename Run>
std::size_t first_on_or_after(const std::vector<Run>& runs, std::size_t from, Day day) {
  return static_cast<std::size_t>(std::lower_bound(runs.begin() + static_cast<std::ptrdiff_t>(from), runs.end(), day,
                                                   [](const Run& run, Day d) { return run.day < d; }) -
                                  runs.begin());
}

}  // namespace

void RollingHistory::keep_horses_until(std::vector<Day> last_days) {
  horses_until_ = std::move(last_days);
  horses_limited_ = true;
}

bool RollingHistory::horse_needed(EntityId horse_id) const {
  if (!horses_limited_) return true;
  const auto index = static_cast<std::size_t>(horse_id);
  return index < horses_until_.size() && horses_until_[index] >= first_day_;
}

// Horses no query will ask for again go, whole.
void RollingHistory::start_window(Day first_day) {
  first_day_ = std::max(first_day_, first_day);
  if (!horses_limited_) return;
  for (std::size_t id = 0; id < horses_.size(); ++id) {
    if (!horses_[id].recent.empty() && !horse_needed(static_cast<EntityId>(id))) horses_[id] = HorseState();
  }
}

void RollingHistory::add_stored(const StoredRun& stored) {
  ratings_seeded_ = false;
  add_stored_horse(stored);
  add_stored_people(stored);
  ++runs_added_;
}

// The horses on this thread, the people and stall groups on another: they share no state, and
// the workers wait meanwhile, so a second core would otherwise idle.
void RollingHistory::add_stored(std::span<const StoredRun> runs) {
  if (runs.empty()) return;
  ratings_seeded_ = false;
  std::future<void> people = std::async(std::launch::async, [this, runs] {
    for (const StoredRun& stored : runs) add_stored_people(stored);
  });
  // The horses' states are scattered over memory, one per horse: each run would wait for two
  // cache misses (its horse's state, then that horse's runs). Fetched ahead, two steps apart.
  constexpr std::size_t kAhead = 8;
  auto horse_at = [&](std::size_t i) -> const HorseState* {
    const auto index = static_cast<std::size_t>(runs[i].run.horse_id);
    return runs[i].run.horse_id >= 0 && index < horses_.size() ? &horses_[index] : nullptr;
  };
  for (std::size_t i = 0; i < runs.size(); ++i) {
    if (i + 2 * kAhead < runs.size()) {
      if (const HorseState* horse = horse_at(i + 2 * kAhead)) __builtin_prefetch(horse);
    }
    if (i + kAhead < runs.size()) {
      if (const HorseState* horse = horse_at(i + kAhead); horse != nullptr && !horse->recent.empty()) {
        __builtin_prefetch(&horse->recent.back());
      }
    }
    add_stored_horse(runs[i]);
  }
  people.get();
  runs_added_ += static_cast<std::int64_t>(runs.size());
}

void RollingHistory::add_stored_horse(const StoredRun& stored) {
  add_horse_run(stored.run, stored.rating_after, RunFigures{stored.speed_figure, stored.reduction_figure});
}

void RollingHistory::add_stored_people(const StoredRun& stored) {
  const int position = stored.run.finish_position.value_or(0);
  if (stored.run.jockey_id > 0) add_person(jockeys_, stored.run.jockey_id, stored.run.day, position);
  if (stored.run.trainer_id > 0) add_person(trainers_, stored.run.trainer_id, stored.run.day, position);
  if (stored.draw_key) {
    add_draw_run(static_cast<std::uint64_t>(*stored.draw_key),
                 DrawRun{stored.run.day, stored.draw_starts, stored.draw_wins, stored.draw_expected});
  }
}

// As HistoryIndex::add_race and the stored history's refresh: the same ratings, the same
// running totals, in the same order.
void RollingHistory::add_race(std::span<const RunRecord> runs) {
  if (!ratings_seeded_) seed_ratings();
  const std::vector<float> ratings = ratings_.rate(runs);
  const std::vector<RunFigures> figures = paces_.figure(runs);
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const RunRecord& run = runs[i];
    add_horse_run(run, ratings[i], figures[i]);
    const int position = run.finish_position.value_or(0);
    if (run.jockey_id > 0) add_person(jockeys_, run.jockey_id, run.day, position);
    if (run.trainer_id > 0) add_person(trainers_, run.trainer_id, run.day, position);
    if (const std::optional<std::uint64_t> key = stall_group_key(run.venue_id, run.discipline, run.draw, run.field_size)) {
      const auto found = draws_.find(*key);
      const DrawRun* last = found == draws_.end() || found->second.empty() ? nullptr : &found->second.back();
      DrawRun draw_run;
      draw_run.day = run.day;
      draw_run.starts = (last ? last->starts : 0) + 1;
      draw_run.wins = (last ? last->wins : 0.0F) + (position == 1 ? 1.0F : 0.0F);
      draw_run.expected = (last ? last->expected : 0.0F) + 1.0F / static_cast<float>(run.field_size);
      add_draw_run(*key, draw_run);
    }
    ++runs_added_;
  }
}

void RollingHistory::seed_ratings() {
  for (std::size_t id = 0; id < last_ratings_.size(); ++id) ratings_.set(static_cast<EntityId>(id), last_ratings_[id]);
  ratings_seeded_ = true;
}

// A run leaves `recent` once no query from the window's first day on reads it whole: it is
// older than 90 days before that day, and ten later runs come before that day.
void RollingHistory::seed_paces(PaceBook paces) { paces_ = std::move(paces); }

void RollingHistory::add_horse_run(const RunRecord& run, float rating_after, const RunFigures& figures) {
  if (run.horse_id < 0) return;
  slot(last_ratings_, run.horse_id) = rating_after;
  if (!horse_needed(run.horse_id)) return;
  HorseState& horse = slot(horses_, run.horse_id);
  std::vector<HorseRun>& recent = horse.recent;
  std::size_t gone = 0;
  while (recent.size() - gone > kHorseRuns && recent[gone].day < first_day_ - kHorseDays &&
         recent[gone + kHorseRuns].day < first_day_) {
    horse.earlier.add(recent[gone]);
    ++gone;
  }
  recent.erase(recent.begin(), recent.begin() + static_cast<std::ptrdiff_t>(gone));
  recent.push_back(make_horse_run(run, rating_after, figures));
}

// A person's run leaves once it is more than 365 days before the window's first day; the
// vector is compacted when half of it is gone.
void RollingHistory::add_person(std::vector<PersonState>& people, EntityId id, Day day, int position) {
  PersonState& person = slot(people, id);
  std::vector<PersonRun>& runs = person.runs;
  // The runs are in day order and the cut-off never goes back: a step at a time from the head
  // costs each run one step in all (a binary search here was a tenth of moving the history on).
  const Day cutoff = first_day_ - kPersonDays;
  std::size_t head = person.head;
  while (head < runs.size() && runs[head].day < cutoff) ++head;
  if (head > person.head) {
    person.wins_before = runs[head - 1].wins;
    person.top3_before = runs[head - 1].top3;
    person.head = head;
  }
  if (person.head > 64 && person.head * 2 > runs.size()) {
    runs.erase(runs.begin(), runs.begin() + static_cast<std::ptrdiff_t>(person.head));
    person.head = 0;
  }
  PersonRun run;
  run.day = day;
  run.wins = (runs.empty() ? person.wins_before : runs.back().wins) + (position == 1 ? 1 : 0);
  run.top3 = (runs.empty() ? person.top3_before : runs.back().top3) + (position >= 1 && position <= 3 ? 1 : 0);
  runs.push_back(run);
}

// A stall group keeps its last run before the window's first day (the totals a query of that
// day reads) and every later one.
void RollingHistory::add_draw_run(std::uint64_t key, const DrawRun& run) {
  std::vector<DrawRun>& runs = draws_[key];
  std::size_t gone = 0;
  while (runs.size() - gone >= 2 && runs[gone + 1].day < first_day_) ++gone;
  runs.erase(runs.begin(), runs.begin() + static_cast<std::ptrdiff_t>(gone));
  runs.push_back(run);
}

HorseHistory RollingHistory::horse_before(EntityId horse_id, Day day) const {
  const auto index = static_cast<std::size_t>(horse_id);
  if (horse_id < 0 || index >= horses_.size()) return {};
  const HorseState& horse = horses_[index];
  const std::size_t end = first_on_or_after(horse.recent, 0, day);
  return HorseHistory{std::span<const HorseRun>(horse.recent.data(), end),
                      horse.earlier.count > 0 ? &horse.earlier : nullptr};
}

TwoWindows RollingHistory::windows(const std::vector<PersonState>& people, EntityId id, Day day, int long_days,
                                   int short_days) {
  const auto index = static_cast<std::size_t>(id);
  if (id <= 0 || index >= people.size()) return {};
  const PersonState& person = people[index];
  const std::vector<PersonRun>& runs = person.runs;
  const std::size_t hi = first_on_or_after(runs, person.head, day);
  auto counts = [&](std::size_t lo) {
    WindowCounts c;
    if (hi <= lo) return c;
    c.starts = static_cast<std::int64_t>(hi - lo);
    c.wins = runs[hi - 1].wins - (lo > person.head ? runs[lo - 1].wins : person.wins_before);
    c.top3 = runs[hi - 1].top3 - (lo > person.head ? runs[lo - 1].top3 : person.top3_before);
    return c;
  };
  return TwoWindows{counts(first_on_or_after(runs, person.head, day - long_days)),
                    counts(first_on_or_after(runs, person.head, day - short_days))};
}

TwoWindows RollingHistory::jockey_windows(EntityId jockey_id, Day day, int long_days, int short_days) const {
  return windows(jockeys_, jockey_id, day, long_days, short_days);
}

TwoWindows RollingHistory::trainer_windows(EntityId trainer_id, Day day, int long_days, int short_days) const {
  return windows(trainers_, trainer_id, day, long_days, short_days);
}

DrawCounts RollingHistory::draw_before(EntityId venue_id, Discipline discipline, int draw, int field_size,
                                       Day day) const {
  const std::optional<std::uint64_t> key = stall_group_key(venue_id, discipline, draw, field_size);
  if (!key) return {};
  const auto found = draws_.find(*key);
  if (found == draws_.end()) return {};
  const std::vector<DrawRun>& runs = found->second;
  const std::size_t hi = first_on_or_after(runs, 0, day);
  if (hi == 0) return {};
  DrawCounts counts;
  counts.starts = runs[hi - 1].starts;
  counts.wins = runs[hi - 1].wins;
  counts.expected_wins = runs[hi - 1].expected;
  return counts;
}

std::int64_t RollingHistory::runs_held() const {
  std::size_t held = 0;
  for (const HorseState& horse : horses_) held += horse.recent.size();
  for (const std::vector<PersonState>* people : {&jockeys_, &trainers_}) {
    for (const PersonState& person : *people) held += person.runs.size() - person.head;
  }
  for (const auto& [key, runs] : draws_) held += runs.size();
  return static_cast<std::int64_t>(held);
}

}  // namespace paddock
