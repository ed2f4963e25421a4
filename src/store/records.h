// The rows that cross the store's interface. Names mirror the tables in docs/schema.md.
// Optional columns are std::optional; text enums use the vocabulary of core/racing.h.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "core/date.h"
#include "core/racing.h"

namespace paddock {

using RaceId = std::int64_t;
using EntityId = std::int64_t;  // a horse, jockey, trainer or venue
using ModelId = std::int64_t;

enum class RaceStatus { kScheduled, kFinished, kCancelled };
std::string_view to_string(RaceStatus status);
std::optional<RaceStatus> parse_race_status(std::string_view text);

// A race as imported: what is known before the off, plus its status.
struct Race {
  RaceId id = 0;
  Day day = 0;
  int meeting_no = 1;  // the R of R1C3
  int race_no = 1;     // the C of R1C3
  std::string venue_code;
  std::string venue_name;
  std::string name;
  Discipline discipline = Discipline::kPlat;
  int distance_m = 0;
  std::optional<std::int64_t> prize_eur;
  std::string category;  // HANDICAP, COURSE_A_CONDITIONS, GROUPE_I, ... (PMU names)
  std::optional<bool> is_quinte;  // nullopt: keep what is stored (false for a new race)
  std::string going;     // terrain: BON, SOUPLE, LOURD, PSF, ...
  std::string post_time;  // HH:MM, local time at the venue; empty: unknown (keeps what is stored)
  std::optional<double> winning_time_s;  // the winner's time, once run
  RaceStatus status = RaceStatus::kScheduled;
};

// A runner as imported: identity by names, pre-race facts, and the result when known. An
// absent value (nullopt, empty text) never clears a stored one: a results file that carries
// only positions leaves the rest of the runner as it was.
struct Runner {
  RaceId race_id = 0;
  int number = 0;  // saddle-cloth number (numPmu); a scratched runner keeps its number
  std::string horse_key;  // stable identity, e.g. PMU's idCheval "NAME-DAM-SIRE"
  std::string horse_name;
  std::string jockey;
  std::string trainer;
  std::optional<int> age;
  std::string sex;  // M (males), F (femelles), H (hongres)
  std::optional<int> birth_year;
  std::optional<int> draw;
  std::optional<double> weight_kg;
  std::optional<int> handicap_distance_m;
  std::string blinkers;
  std::string shoes;
  std::string musique;
  std::optional<int> career_starts;
  std::optional<int> career_wins;
  std::optional<int> career_places;
  std::optional<std::int64_t> career_earnings_eur;
  std::optional<double> morning_odds;
  std::optional<double> final_odds;
  std::optional<bool> non_runner;  // nullopt: keep what is stored (false for a new runner)
  std::optional<int> finish_position;
  Incident incident = Incident::kNone;
  // After the off: the runner's time, its réduction kilométrique (trot: seconds per km) and
  // how far it was beaten by the winner, in lengths (0 for the winner).
  std::optional<double> finish_time_s;
  std::optional<double> reduction_km_s;
  std::optional<double> beaten_lengths;
  // Before the off: the handicapper's rating and the horse's body weight.
  std::optional<double> official_rating;
  std::optional<double> body_weight_kg;
};

// A runner as the prediction path reads it: ids instead of names, nothing it does not use.
struct RunnerEntry {
  int number = 0;
  EntityId horse_id = 0;
  EntityId jockey_id = 0;  // 0 when unknown
  EntityId trainer_id = 0;
  std::optional<int> age;
  char sex = '?';
  std::optional<int> draw;
  std::optional<double> weight_kg;
  std::optional<int> handicap_distance_m;
  bool blinkers = false;
  int shoes_off = 0;  // 0 shod, 1 front or hind bare, 2 all bare (trot "déferré")
  std::string musique;
  std::optional<int> career_starts;
  std::optional<int> career_wins;
  std::optional<int> career_places;
  std::optional<std::int64_t> career_earnings_eur;
  std::optional<double> morning_odds;
  std::optional<double> final_odds;
  bool non_runner = false;
  std::optional<int> finish_position;
  Incident incident = Incident::kNone;
  std::optional<double> official_rating;  // known before the off
  std::optional<double> body_weight_kg;
};

// One race with its runners, for features, prediction and evaluation.
struct RaceCard {
  RaceId id = 0;
  Day day = 0;
  int meeting_no = 0;
  int race_no = 0;
  EntityId venue_id = 0;
  Discipline discipline = Discipline::kPlat;
  int distance_m = 0;
  std::optional<std::int64_t> prize_eur;
  bool is_handicap = false;
  bool is_quinte = false;
  RaceStatus status = RaceStatus::kScheduled;
  std::vector<RunnerEntry> runners;  // in saddle-cloth order
};

// One past run of one horse, as the point-in-time history index needs it.
struct RunRecord {
  Day day = 0;
  int number = 0;
  RaceId race_id = 0;
  EntityId horse_id = 0;
  EntityId jockey_id = 0;
  EntityId trainer_id = 0;
  EntityId venue_id = 0;
  Discipline discipline = Discipline::kPlat;
  int distance_m = 0;
  std::optional<std::int64_t> prize_eur;
  int field_size = 0;  // runners that started
  std::optional<int> draw;
  std::optional<int> finish_position;  // nullopt: not classified (incident or unplaced)
  Incident incident = Incident::kNone;
  // Known before the off, read by later races: the handicapper's rating, the weight carried,
  // and the distance the runner set off from (a trotting handicap's recul), when published.
  std::optional<double> official_rating;
  std::optional<double> weight_kg;
  std::optional<int> handicap_distance_m;
  // What the race told after the off, for the speed figures of later races: the ground, the
  // race's official (winning) time, the runner's time, réduction kilométrique and margin.
  GoingClass going = GoingClass::kUnknown;
  std::optional<double> winning_time_s;
  std::optional<double> finish_time_s;
  std::optional<double> reduction_km_s;
  std::optional<double> beaten_lengths;
};

// A finished race's times, as the pars of the speed figures read them (features/pace_book.h):
// its official time and its winner's réduction kilométrique (the lowest-numbered winner's in
// a dead heat); a race without a classified winner has none.
struct RaceTimeRecord {
  Day day = 0;
  EntityId venue_id = 0;
  Discipline discipline = Discipline::kPlat;
  int distance_m = 0;
  GoingClass going = GoingClass::kUnknown;
  std::optional<double> winning_time_s;
  std::optional<double> winner_reduction_km_s;
};

// The pars' running sums of one comparison group (features/pace_book.h), over some races:
// winning times and distances, winners' réductions. Integers, so that sums of sums are exact.
struct PaceSums {
  std::uint64_t key = 0;  // the group: level, venue, discipline, distance band, going
  std::int64_t time_ms = 0;
  std::int64_t metres = 0;
  std::int64_t races = 0;
  std::int64_t reduction_ms = 0;
  std::int64_t reductions = 0;

  // Adds another's sums (its key aside).
  void add(const PaceSums& other) {
    time_ms += other.time_ms;
    metres += other.metres;
    races += other.races;
    reduction_ms += other.reduction_ms;
    reductions += other.reductions;
  }
};

// What one day's races add to one group's sums (the stored history's pace_days).
struct PaceDay {
  Day day = 0;
  PaceSums sums;
};

// A finished run as the stored history (run_history) keeps it: the run, the horse's rating
// after it, and the running totals of its stall group up to and including it.
struct StoredRun {
  RunRecord run;  // without the race's times: the figures below are what the history keeps of them
  float rating_after = 0.0F;
  // The run's speed figure and réduction figure (features/pace_book.h); NaN: none.
  float speed_figure = std::numeric_limits<float>::quiet_NaN();
  float reduction_figure = std::numeric_limits<float>::quiet_NaN();
  std::optional<std::int64_t> draw_key;  // none: no stall statistics for this run
  std::int64_t draw_starts = 0;
  float draw_wins = 0.0F;
  float draw_expected = 0.0F;
};

// Which stored runs to read: those of some entities within some days. Every field narrows.
struct StoredRunQuery {
  enum class By { kAll, kHorse, kJockey, kTrainer, kDrawKey };
  By by = By::kAll;
  std::vector<std::int64_t> ids;  // horse, jockey, trainer ids or draw keys
  std::optional<Day> from;        // inclusive
  std::optional<Day> before;      // exclusive
};

struct ModelRecord {
  ModelId id = 0;
  std::string name;
  std::string path;
  std::string created_at;
  std::string feature_set;  // a hash of the ordered feature names
  std::string metrics_json;
  bool active = false;
};

// One stored prediction: a runner's score, calibrated win probability and rank in its race.
struct PredictionRow {
  RaceId race_id = 0;
  int number = 0;
  double score = 0.0;
  double win_probability = 0.0;
  int predicted_rank = 0;
  std::optional<double> fundamental;  // the model's first stage alone (NULL in older rows)
};

}  // namespace paddock
