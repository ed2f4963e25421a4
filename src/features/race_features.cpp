#include "features/race_features.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numeric>
#include <unordered_map>

#include "features/musique.h"

namespace paddock {
namespace {

constexpr float kMissing = std::numeric_limits<float>::quiet_NaN();
constexpr int kMinDistance = 800;
constexpr int kMaxDistance = 8000;

float f(double value) { return static_cast<float>(value); }
float opt(const std::optional<int>& value) { return value ? f(*value) : kMissing; }
float opt(const std::optional<double>& value) { return value ? f(*value) : kMissing; }

// (successes + prior * strength) / (trials + strength): a rate that a few lucky starts cannot
// push to 0 or 1.
float shrunk_rate(double successes, double trials, double prior, double strength) {
  return f((successes + prior * strength) / (trials + strength));
}

float log1p_or_missing(const std::optional<std::int64_t>& value) {
  return value ? f(std::log1p(static_cast<double>(std::max<std::int64_t>(*value, 0)))) : kMissing;
}

float discipline_code(Discipline discipline) { return f(static_cast<int>(discipline)); }

float sex_code(char sex) {
  switch (sex) {
    case 'M': return 0.0F;
    case 'F': return 1.0F;
    case 'H': return 2.0F;
    default: return kMissing;
  }
}

// Place value of a musique run: the place, 10 for "0", 12 for an incident.
double place_value(const MusiqueRun& run) {
  switch (run.result) {
    case MusiqueResult::kPlace: return run.place;
    case MusiqueResult::kUnplaced: return 10.0;
    default: return 12.0;
  }
}

void musique_features(std::string_view text, Discipline today, Musique& musique, float* row) {
  parse_musique(text, musique);
  const std::vector<MusiqueRun>& runs = musique.runs;
  row[kMusRuns] = f(static_cast<double>(runs.size()));
  if (runs.empty()) {
    for (int feature : {kMusMeanPlace, kMusRecent3Place, kMusLastPlace, kMusWins, kMusTop3Rate,
                        kMusIncidentRate, kMusSameDisciplinePlace}) {
      row[feature] = kMissing;
    }
    row[kMusSameDisciplineRuns] = 0.0F;
    row[kMusSeasonRuns] = 0.0F;
    return;
  }
  double classified_sum = 0.0;
  int classified = 0;
  int wins = 0;
  int top3 = 0;
  int incidents = 0;
  double same_sum = 0.0;
  int same = 0;
  int season = 0;
  double recent_sum = 0.0;
  const std::size_t recent = std::min<std::size_t>(3, runs.size());
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const MusiqueRun& run = runs[i];
    const bool is_incident = run.result != MusiqueResult::kPlace && run.result != MusiqueResult::kUnplaced;
    if (is_incident) {
      ++incidents;
    } else {
      classified_sum += place_value(run);
      ++classified;
    }
    if (run.result == MusiqueResult::kPlace && run.place == 1) ++wins;
    if (run.result == MusiqueResult::kPlace && run.place <= 3) ++top3;
    if (run.discipline == today) {
      same_sum += place_value(run);
      ++same;
    }
    if (run.seasons_back == 0) ++season;
    if (i < recent) recent_sum += place_value(run);
  }
  const double n = static_cast<double>(runs.size());
  row[kMusMeanPlace] = classified > 0 ? f(classified_sum / classified) : kMissing;
  row[kMusRecent3Place] = f(recent_sum / static_cast<double>(recent));
  row[kMusLastPlace] = f(place_value(runs.front()));
  row[kMusWins] = f(wins);
  row[kMusTop3Rate] = f(top3 / n);
  row[kMusIncidentRate] = f(incidents / n);
  row[kMusSameDisciplinePlace] = same > 0 ? f(same_sum / same) : kMissing;
  row[kMusSameDisciplineRuns] = f(same);
  row[kMusSeasonRuns] = f(season);
}

// The latest (up to 5) figures among the last 10 runs, most recent first: last, best, mean and
// trend (the latest minus the mean of the others). Only the last 10 runs are read, which every
// history keeps whole.
void figure_summary(std::span<const HorseRun> runs, float HorseRun::*figure, float* last, float* best,
                    float* mean, float* trend) {
  std::array<double, 5> latest{};
  std::size_t count = 0;
  const std::size_t n = runs.size();
  for (std::size_t k = 0; k < std::min<std::size_t>(n, 10) && count < latest.size(); ++k) {
    const float value = runs[n - 1 - k].*figure;
    if (!std::isnan(value)) latest[count++] = value;
  }
  if (count == 0) {
    *last = *best = *mean = *trend = kMissing;
    return;
  }
  const double sum = std::accumulate(latest.begin(), latest.begin() + static_cast<std::ptrdiff_t>(count), 0.0);
  *last = f(latest[0]);
  *best = f(*std::max_element(latest.begin(), latest.begin() + static_cast<std::ptrdiff_t>(count)));
  *mean = f(sum / static_cast<double>(count));
  *trend = count > 1 ? f(latest[0] - (sum - latest[0]) / static_cast<double>(count - 1)) : kMissing;
}

void figure_features(std::span<const HorseRun> runs, float* row) {
  figure_summary(runs, &HorseRun::speed_figure, &row[kHistSpeedLast], &row[kHistSpeedBest5], &row[kHistSpeedMean5],
                 &row[kHistSpeedTrend]);
  figure_summary(runs, &HorseRun::reduction_figure, &row[kHistReductionLast], &row[kHistReductionBest5],
                 &row[kHistReductionMean5], &row[kHistReductionTrend]);
}

// Today's value minus the one of the latest run (of the last 10) that had it.
float change_since_last(std::span<const HorseRun> runs, float HorseRun::*field, const std::optional<double>& today) {
  if (!today) return kMissing;
  const std::size_t n = runs.size();
  for (std::size_t k = 0; k < std::min<std::size_t>(n, 10); ++k) {
    const float before = runs[n - 1 - k].*field;
    if (!std::isnan(before)) return f(*today - static_cast<double>(before));
  }
  return kMissing;
}

void rating_and_weight_changes(std::span<const HorseRun> runs, const RunnerEntry& runner, float* row) {
  row[kHistOfficialRatingChange] = change_since_last(runs, &HorseRun::official_rating, runner.official_rating);
  row[kHistWeightChange] = change_since_last(runs, &HorseRun::weight_kg, runner.weight_kg);
}

// Reads the horse's latest runs (HorseHistory::recent: at least the last 10 and all of the last
// 90 days) and, for the career counts and the same-discipline form, what is known of the
// earlier ones: the same values whether the history keeps the whole career or not.
void history_features(const RaceCard& card, const RunnerEntry& runner, const PointInTimeHistory& history,
                      float* row) {
  const HorseHistory horse = history.horse_before(runner.horse_id, card.day);
  const std::span<const HorseRun> runs = horse.recent;
  const std::size_t n = runs.size();
  const std::int64_t career = horse.runs();
  row[kHistRuns] = f(static_cast<double>(career));
  row[kHistSameDisciplineRuns] = 0.0F;
  row[kHistRuns90d] = 0.0F;
  if (career == 0) {
    for (int feature : {kHistDaysSinceLast, kHistLastPosition, kHistMeanPosition3,
                        kHistMeanPosition10, kHistBestPosition5, kHistWinRate10, kHistTop3Rate10,
                        kHistIncidentRate10, kHistSameDisciplinePosition, kHistDistancePosition,
                        kHistDistanceChange, kHistSameJockey, kHistRating, kHistRatingTrend,
                        kHistClass, kHistClassChange, kHistSpeedLast, kHistSpeedBest5, kHistSpeedMean5,
                        kHistSpeedTrend, kHistReductionLast, kHistReductionBest5, kHistReductionMean5,
                        kHistReductionTrend, kHistOfficialRatingChange, kHistWeightChange}) {
      row[feature] = kMissing;
    }
    return;
  }
  const HorseRun& last = runs[n - 1];
  row[kHistDaysSinceLast] = f(card.day - last.day);
  row[kHistLastPosition] = last.normalised_position();
  row[kHistSameJockey] = runner.jockey_id > 0 && last.jockey_id == runner.jockey_id ? 1.0F : 0.0F;
  row[kHistRating] = last.rating_after;
  row[kHistRatingTrend] = n > 3 ? last.rating_after - runs[n - 4].rating_after : kMissing;

  double sum3 = 0.0, sum10 = 0.0, best5 = 1.0, distance_sum5 = 0.0, class_sum5 = 0.0;
  int class_count5 = 0;
  int wins10 = 0, top3_10 = 0, incidents10 = 0, count3 = 0, count10 = 0, count5 = 0;
  double same_sum = 0.0, near_sum = 0.0;
  int same_count = 0, near_count = 0, runs90 = 0;
  std::int64_t same_total = 0;
  const double low = card.distance_m * 0.875;
  const double high = card.distance_m * 1.125;
  for (std::size_t k = 0; k < n; ++k) {
    const HorseRun& run = runs[n - 1 - k];  // most recent first
    const double position = run.normalised_position();
    if (card.day - run.day <= 90) ++runs90;
    if (run.discipline == card.discipline) {
      ++same_total;
      if (same_count < 5) {
        same_sum += position;
        ++same_count;
      }
    }
    if (k < 10) {
      sum10 += position;
      ++count10;
      wins10 += run.won() ? 1 : 0;
      top3_10 += run.top3() ? 1 : 0;
      incidents10 += run.incident != Incident::kNone ? 1 : 0;
      if (run.distance_m >= low && run.distance_m <= high) {
        near_sum += position;
        ++near_count;
      }
    }
    if (k < 5) {
      best5 = std::min(best5, position);
      distance_sum5 += run.distance_m;
      ++count5;
      if (!std::isnan(run.prize_log)) {
        class_sum5 += run.prize_log;
        ++class_count5;
      }
    }
    if (k < 3) {
      sum3 += position;
      ++count3;
    }
  }
  if (const EarlierRuns::OfDiscipline* earlier = horse.earlier ? horse.earlier->of(card.discipline) : nullptr) {
    same_total += earlier->count;
    for (int k = 0; k < earlier->latest_count && same_count < 5; ++k) {
      same_sum += earlier->latest[static_cast<std::size_t>(k)];
      ++same_count;
    }
  }
  row[kHistMeanPosition3] = f(sum3 / count3);
  row[kHistMeanPosition10] = f(sum10 / count10);
  row[kHistBestPosition5] = f(best5);
  row[kHistWinRate10] = shrunk_rate(wins10, count10, 0.1, 2.0);
  row[kHistTop3Rate10] = shrunk_rate(top3_10, count10, 0.3, 2.0);
  row[kHistIncidentRate10] = f(static_cast<double>(incidents10) / count10);
  row[kHistRuns90d] = f(runs90);
  row[kHistSameDisciplineRuns] = f(static_cast<double>(same_total));
  row[kHistSameDisciplinePosition] = same_count > 0 ? f(same_sum / same_count) : kMissing;
  row[kHistDistancePosition] = near_count > 0 ? f(near_sum / near_count) : kMissing;
  row[kHistClass] = class_count5 > 0 ? f(class_sum5 / class_count5) : kMissing;
  row[kHistClassChange] = class_count5 > 0 && card.prize_eur
                              ? f(std::log1p(static_cast<double>(*card.prize_eur)) - class_sum5 / class_count5)
                              : kMissing;
  const double mean_distance = distance_sum5 / count5;
  row[kHistDistanceChange] = mean_distance > 0 ? f(std::log(card.distance_m / mean_distance)) : kMissing;
  figure_features(runs, row);
  rating_and_weight_changes(runs, runner, row);
}

void people_features(const RaceCard& card, const RunnerEntry& runner, const PointInTimeHistory& history,
                     int field_size, float* row) {
  const auto [jockey_year, jockey_recent] = history.jockey_windows(runner.jockey_id, card.day, 365, 60);
  row[kJockeyStarts365] = f(static_cast<double>(jockey_year.starts));
  row[kJockeyWinRate365] = shrunk_rate(jockey_year.wins, jockey_year.starts, 0.1, 20.0);
  row[kJockeyTop3Rate365] = shrunk_rate(jockey_year.top3, jockey_year.starts, 0.3, 20.0);
  row[kJockeyWinRate60] = shrunk_rate(jockey_recent.wins, jockey_recent.starts, 0.1, 10.0);

  const auto [trainer_year, trainer_recent] = history.trainer_windows(runner.trainer_id, card.day, 365, 60);
  row[kTrainerStarts365] = f(static_cast<double>(trainer_year.starts));
  row[kTrainerWinRate365] = shrunk_rate(trainer_year.wins, trainer_year.starts, 0.1, 20.0);
  row[kTrainerTop3Rate365] = shrunk_rate(trainer_year.top3, trainer_year.starts, 0.3, 20.0);
  row[kTrainerWinRate60] = shrunk_rate(trainer_recent.wins, trainer_recent.starts, 0.1, 10.0);

  if (runner.draw && *runner.draw > 0) {
    const DrawCounts draw = history.draw_before(card.venue_id, card.discipline, *runner.draw,
                                                field_size, card.day);
    row[kDrawEdge] = f((draw.wins + 20.0) / (draw.expected_wins + 20.0));
  } else {
    row[kDrawEdge] = kMissing;
  }
}

void runner_features(const RaceCard& card, const RunnerEntry& runner, int field_size, float* row) {
  row[kRaceDistance] = f(card.distance_m);
  row[kRaceFieldSize] = f(field_size);
  row[kRaceDiscipline] = discipline_code(card.discipline);
  row[kRaceIsHandicap] = card.is_handicap ? 1.0F : 0.0F;
  row[kRacePrizeLog] = log1p_or_missing(card.prize_eur);
  row[kRaceIsQuinte] = card.is_quinte ? 1.0F : 0.0F;

  row[kAge] = opt(runner.age);
  row[kSex] = sex_code(runner.sex);
  row[kWeight] = opt(runner.weight_kg);
  row[kDraw] = opt(runner.draw);
  row[kDrawRelative] = runner.draw && field_size > 1
                           ? f(std::clamp((*runner.draw - 1.0) / (field_size - 1.0), 0.0, 1.0))
                           : kMissing;
  row[kHandicapExtra] = runner.handicap_distance_m
                            ? f(std::max(0, *runner.handicap_distance_m - card.distance_m))
                            : kMissing;
  row[kBlinkers] = runner.blinkers ? 1.0F : 0.0F;
  row[kShoesOff] = f(runner.shoes_off);

  const double starts = runner.career_starts.value_or(0);
  row[kCareerStarts] = opt(runner.career_starts);
  row[kCareerWinRate] = runner.career_starts
                            ? shrunk_rate(runner.career_wins.value_or(0), starts, 0.1, 3.0)
                            : kMissing;
  row[kCareerPlaceRate] = runner.career_starts
                              ? shrunk_rate(runner.career_places.value_or(0), starts, 0.3, 3.0)
                              : kMissing;
  row[kCareerEarningsLog] = log1p_or_missing(runner.career_earnings_eur);
  row[kOfficialRating] = opt(runner.official_rating);
  row[kBodyWeight] = opt(runner.body_weight_kg);
  row[kEarningsPerStartLog] =
      runner.career_earnings_eur && starts > 0
          ? f(std::log1p(static_cast<double>(*runner.career_earnings_eur) / starts))
          : kMissing;
}

// Rank (0 best .. 1 worst; ties share the better rank) and z-score of one column across the
// race's rows. Missing values get neither.
void relative_feature(std::vector<float>& values, std::size_t rows, Feature source,
                      bool higher_is_better, Feature rank_out, Feature z_out) {
  auto cell = [&](std::size_t r, Feature feature) -> float& {
    return values[r * kFeatureCount + static_cast<std::size_t>(feature)];
  };
  std::array<std::pair<float, std::size_t>, 64> present_buffer{};
  std::vector<std::pair<float, std::size_t>> present_heap;
  std::pair<float, std::size_t>* present = present_buffer.data();
  if (rows > present_buffer.size()) {
    present_heap.resize(rows);
    present = present_heap.data();
  }
  std::size_t count = 0;
  double sum = 0.0, sum_sq = 0.0;
  for (std::size_t r = 0; r < rows; ++r) {
    const float x = cell(r, source);
    if (std::isnan(x)) {
      cell(r, rank_out) = kMissing;
      cell(r, z_out) = kMissing;
      continue;
    }
    present[count++] = {higher_is_better ? -x : x, r};
    sum += x;
    sum_sq += static_cast<double>(x) * x;
  }
  if (count == 0) return;
  const double mean = sum / static_cast<double>(count);
  const double variance = sum_sq / static_cast<double>(count) - mean * mean;
  const double sd = variance > 1e-12 ? std::sqrt(variance) : 0.0;
  std::sort(present, present + count);
  std::size_t better = 0;
  for (std::size_t k = 0; k < count; ++k) {
    if (k > 0 && present[k].first != present[k - 1].first) better = k;
    const std::size_t r = present[k].second;
    cell(r, rank_out) = count > 1 ? f(static_cast<double>(better) / static_cast<double>(count - 1)) : 0.0F;
    cell(r, z_out) = sd > 0.0 ? f((cell(r, source) - mean) / sd) : 0.0F;
  }
}

Status check_card(const RaceCard& card, const std::vector<const RunnerEntry*>& starters) {
  if (card.runners.empty()) return make_error(ErrorCode::kInvalidArgument, "race has no runners");
  if (starters.empty()) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("no starters: all {} runners are non-runners", card.runners.size()));
  }
  if (card.distance_m < kMinDistance || card.distance_m > kMaxDistance) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("distance {} m is outside {}-{} m", card.distance_m, kMinDistance,
                                  kMaxDistance));
  }
  std::unordered_map<EntityId, int> number_of_horse;
  for (const RunnerEntry* runner : starters) {
    auto [it, inserted] = number_of_horse.emplace(runner->horse_id, runner->number);
    if (!inserted) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("runners {} and {} are the same horse (id {})", it->second,
                                    runner->number, runner->horse_id));
    }
  }
  return ok_status();
}

}  // namespace

std::vector<const RunnerEntry*> starters_of(const RaceCard& card) {
  std::vector<const RunnerEntry*> starters;
  starters.reserve(card.runners.size());
  for (const RunnerEntry& runner : card.runners) {
    if (!runner.non_runner) starters.push_back(&runner);
  }
  return starters;
}

Result<RaceFeatures> build_race_features(const RaceCard& card, const PointInTimeHistory& history) {
  const std::vector<const RunnerEntry*> starters = starters_of(card);
  PADDOCK_TRY(check_card(card, starters));

  RaceFeatures features;
  features.race_id = card.id;
  const std::size_t rows = starters.size();
  const int field_size = static_cast<int>(rows);
  features.values.assign(rows * kFeatureCount, kMissing);
  double weight_sum = 0.0;
  int weights = 0;
  Musique musique;  // parsed into, runner after runner
  for (std::size_t r = 0; r < rows; ++r) {
    const RunnerEntry& runner = *starters[r];
    features.numbers.push_back(runner.number);
    float* row = &features.values[r * kFeatureCount];
    runner_features(card, runner, field_size, row);
    musique_features(runner.musique, card.discipline, musique, row);
    history_features(card, runner, history, row);
    people_features(card, runner, history, field_size, row);
    if (runner.weight_kg) {
      weight_sum += *runner.weight_kg;
      ++weights;
    }
  }
  for (std::size_t r = 0; r < rows; ++r) {
    float* row = &features.values[r * kFeatureCount];
    row[kWeightVsField] = std::isnan(row[kWeight]) || weights == 0
                              ? kMissing
                              : f(row[kWeight] - weight_sum / weights);
  }
  relative_feature(features.values, rows, kHistMeanPosition10, false, kRankHistMeanPosition10, kZHistMeanPosition10);
  relative_feature(features.values, rows, kCareerWinRate, true, kRankCareerWinRate, kZCareerWinRate);
  relative_feature(features.values, rows, kJockeyWinRate365, true, kRankJockeyWinRate, kZJockeyWinRate);
  relative_feature(features.values, rows, kTrainerWinRate365, true, kRankTrainerWinRate, kZTrainerWinRate);
  relative_feature(features.values, rows, kEarningsPerStartLog, true, kRankEarningsPerStart, kZEarningsPerStart);
  relative_feature(features.values, rows, kMusMeanPlace, false, kRankMusMeanPlace, kZMusMeanPlace);
  relative_feature(features.values, rows, kWeight, true, kRankWeight, kZWeight);
  relative_feature(features.values, rows, kHistRating, true, kRankRating, kZRating);
  relative_feature(features.values, rows, kOfficialRating, true, kRankOfficialRating, kZOfficialRating);
  relative_feature(features.values, rows, kHistSpeedBest5, true, kRankSpeedBest5, kZSpeedBest5);

  for (std::size_t i = 0; i < features.values.size(); ++i) {
    if (std::isinf(features.values[i])) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("feature {} of runner {} is not finite",
                                    feature_infos()[i % kFeatureCount].name,
                                    features.numbers[i / kFeatureCount]));
    }
  }
  return features;
}

}  // namespace paddock
