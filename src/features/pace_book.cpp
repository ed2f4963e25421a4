#include "features/pace_book.h"

#include <algorithm>
#include <cmath>

namespace paddock {
namespace {

// Paces outside this range (seconds per km) are typing errors, not races: the slowest
// cross-country runs about 90 s/km and the fastest sprint about 55.
constexpr double kSlowestPace = 150.0;
constexpr double kFastestPace = 40.0;
constexpr double kMetresPerLength = 2.4;
constexpr int kLevels = 3;

bool plausible(double pace) { return pace >= kFastestPace && pace <= kSlowestPace; }

std::int64_t milliseconds(double seconds) { return std::llround(seconds * 1000.0); }

// Level 0: venue, discipline, band, going; 1: discipline, band, going; 2: discipline, band.
std::uint64_t key_of(int level, const RaceTimeRecord& race) {
  const auto band = static_cast<std::uint64_t>(std::clamp(race.distance_m / 200, 0, 255));
  const auto discipline = static_cast<std::uint64_t>(race.discipline);
  const std::uint64_t going = level < 2 ? static_cast<std::uint64_t>(race.going) : 0;
  const std::uint64_t venue = level == 0 ? static_cast<std::uint64_t>(std::max<EntityId>(race.venue_id, 0)) : 0;
  return (static_cast<std::uint64_t>(level) << 60) | (venue << 14) | (discipline << 11) | (band << 3) | going;
}

}  // namespace

Result<PaceBook> PaceBook::load_before(Database& db, Day day) {
  PaceBook book;
  PADDOCK_ASSIGN_OR_RETURN(const std::vector<PaceSums> groups, db.pace_sums_before(day));
  for (const PaceSums& sums : groups) book.add(sums);
  return book;
}

RaceTimeRecord PaceBook::race_time_of(std::span<const RunRecord> runs) {
  RaceTimeRecord race;
  if (runs.empty()) return race;
  const RunRecord& first = runs.front();
  race.day = first.day;
  race.venue_id = first.venue_id;
  race.discipline = first.discipline;
  race.distance_m = first.distance_m;
  race.going = first.going;
  const auto winner = std::find_if(runs.begin(), runs.end(),
                                   [](const RunRecord& run) { return run.finish_position.value_or(0) == 1; });
  if (winner == runs.end()) return race;  // no winner: no times for the pars
  race.winning_time_s = first.winning_time_s;
  race.winner_reduction_km_s = winner->reduction_km_s;
  return race;
}

std::vector<PaceSums> PaceBook::contributions(const RaceTimeRecord& race) {
  std::vector<PaceSums> groups;
  if (race.distance_m <= 0) return groups;
  const bool timed = race.winning_time_s && plausible(*race.winning_time_s * 1000.0 / race.distance_m);
  const bool reduced = race.winner_reduction_km_s && plausible(*race.winner_reduction_km_s);
  if (!timed && !reduced) return groups;
  for (int level = 0; level < kLevels; ++level) {
    PaceSums sums;
    sums.key = key_of(level, race);
    if (timed) {
      sums.time_ms = milliseconds(*race.winning_time_s);
      sums.metres = race.distance_m;
      sums.races = 1;
    }
    if (reduced) {
      sums.reduction_ms = milliseconds(*race.winner_reduction_km_s);
      sums.reductions = 1;
    }
    groups.push_back(sums);
  }
  return groups;
}

void PaceBook::add(const PaceSums& sums) { sums_[sums.key].add(sums); }

void PaceBook::add_race(const RaceTimeRecord& race) {
  for (const PaceSums& sums : contributions(race)) add(sums);
}

PaceBook::Pars PaceBook::pars_of(const RaceTimeRecord& race) const {
  Pars pars;
  bool need_pace = true, need_reduction = true;
  for (int level = 0; level < kLevels && (need_pace || need_reduction); ++level) {
    const auto found = sums_.find(key_of(level, race));
    if (found == sums_.end()) continue;
    const PaceSums& sums = found->second;
    if (need_pace && sums.races >= kMinRaces) {
      pars.pace = static_cast<double>(sums.time_ms) / static_cast<double>(sums.metres);  // ms/m = s/km
      need_pace = false;
    }
    if (need_reduction && sums.reductions >= kMinRaces) {
      pars.reduction = static_cast<double>(sums.reduction_ms) / 1000.0 / static_cast<double>(sums.reductions);
      need_reduction = false;
    }
  }
  return pars;
}

void PaceBook::settle_before(Day day) {
  if (pending_.empty() || pending_.front().day >= day) return;
  for (const RaceTimeRecord& race : pending_) add_race(race);
  pending_.clear();
}

std::vector<RunFigures> PaceBook::figure(std::span<const RunRecord> runs) {
  std::vector<RunFigures> figures(runs.size());
  if (runs.empty()) return figures;
  const RaceTimeRecord race = race_time_of(runs);
  settle_before(race.day);
  const Pars pars = pars_of(race);
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const RunRecord& run = runs[i];
    if (!std::isnan(pars.pace) && run.distance_m > 0) {
      std::optional<double> time = run.finish_time_s;
      if (!time && race.winning_time_s) {
        if (run.finish_position.value_or(0) == 1) {
          time = race.winning_time_s;
        } else if (run.beaten_lengths) {
          time = *race.winning_time_s + *run.beaten_lengths * kMetresPerLength * *race.winning_time_s / run.distance_m;
        }
      }
      const int ran_m = std::max(run.distance_m, run.handicap_distance_m.value_or(0));
      if (time) {
        const double pace = *time * 1000.0 / ran_m;
        if (plausible(pace)) figures[i].speed = static_cast<float>(pars.pace - pace);
      }
    }
    if (!std::isnan(pars.reduction) && run.reduction_km_s && plausible(*run.reduction_km_s)) {
      figures[i].reduction = static_cast<float>(pars.reduction - *run.reduction_km_s);
    }
  }
  pending_.push_back(race);
  return figures;
}

}  // namespace paddock
