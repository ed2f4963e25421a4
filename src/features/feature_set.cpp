#include "features/feature_set.h"

#include <fmt/format.h>

namespace paddock {

const std::array<FeatureInfo, kFeatureCount>& feature_infos() {
  static const std::array<FeatureInfo, kFeatureCount> kInfos{{
      {"race_distance_m", "race", "Race distance in metres."},
      {"race_field_size", "race", "Number of starters (non-runners excluded)."},
      {"race_discipline", "race", "Discipline code: 0 attelé, 1 monté, 2 plat, 3 haies, 4 steeple, 5 cross."},
      {"race_is_handicap", "race", "1 when the race category starts with HANDICAP."},
      {"race_prize_log", "race", "log(1 + prize in euros); missing when unknown."},
      {"race_is_quinte", "race", "1 for the day's Quinté+ race."},
      {"age", "runner", "Age in years."},
      {"sex", "runner", "0 male, 1 female, 2 gelding; missing when unknown."},
      {"weight_kg", "runner", "Weight carried in kg (galop); missing at trot."},
      {"weight_vs_field", "runner", "Weight minus the mean weight of the race's starters."},
      {"draw", "runner", "Stall or autostart position."},
      {"draw_relative", "runner", "(draw - 1) / (field size - 1): 0 inside, 1 outside."},
      {"handicap_extra_m", "runner", "Trot handicap: metres behind the race distance (the recul)."},
      {"blinkers", "runner", "1 when the runner wears blinkers (oeillères)."},
      {"shoes_off", "runner", "Trot: 0 shod, 1 front or hind feet bare, 2 all four bare (déferré)."},
      {"career_starts", "career", "Career starts before the race (from the runner row)."},
      {"career_win_rate", "career", "Career wins / starts, shrunk towards 1/10 by 3 pseudo-starts."},
      {"career_place_rate", "career", "Career places / starts, shrunk towards 3/10 by 3 pseudo-starts."},
      {"career_earnings_log", "career", "log(1 + career earnings in euros)."},
      {"earnings_per_start_log", "career", "log(1 + career earnings / career starts)."},
      {"official_rating", "runner", "The handicapper's rating (valeur) before the race; missing when not published (trot)."},
      {"body_weight_kg", "runner", "The horse's own weight in kg, where published; missing otherwise."},
      {"mus_runs", "musique", "Runs listed in the musique."},
      {"mus_mean_place", "musique", "Mean place over the musique's classified runs (0 counts as 10)."},
      {"mus_recent3_place", "musique", "Mean place over the three most recent runs (incidents count as 12)."},
      {"mus_last_place", "musique", "Place of the most recent run (0 as 10, incidents as 12)."},
      {"mus_wins", "musique", "Wins in the musique."},
      {"mus_top3_rate", "musique", "Share of the musique's runs placed 1-3."},
      {"mus_incident_rate", "musique", "Share of the musique's runs ended by D, T, A or R."},
      {"mus_same_discipline_place", "musique", "Mean place over the musique's runs in today's discipline."},
      {"mus_same_discipline_runs", "musique", "Runs in today's discipline in the musique."},
      {"mus_season_runs", "musique", "Runs before the first year marker (this season)."},
      {"hist_runs", "history", "Runs of the horse in the database before the race day."},
      {"hist_days_since_last", "history", "Days since the horse's previous run."},
      {"hist_last_position", "history", "Normalised position of the previous run (0 won .. 1 last or unplaced)."},
      {"hist_mean_position_3", "history", "Mean normalised position over the last 3 runs."},
      {"hist_mean_position_10", "history", "Mean normalised position over the last 10 runs."},
      {"hist_best_position_5", "history", "Best normalised position over the last 5 runs."},
      {"hist_win_rate_10", "history", "Wins over the last 10 runs, shrunk towards 1/10 by 2 pseudo-runs."},
      {"hist_top3_rate_10", "history", "Top-3 finishes over the last 10 runs, shrunk towards 3/10."},
      {"hist_incident_rate_10", "history", "Share of the last 10 runs ended by an incident."},
      {"hist_runs_90d", "history", "Runs in the 90 days before the race."},
      {"hist_same_discipline_runs", "history", "Past runs in today's discipline."},
      {"hist_same_discipline_position", "history", "Mean normalised position over the last 5 runs in today's discipline."},
      {"hist_distance_position", "history", "Mean normalised position over the last 10 runs within 12.5% of today's distance."},
      {"hist_distance_change", "history", "log(today's distance / mean distance of the last 5 runs)."},
      {"hist_same_jockey", "history", "1 when the previous run had the same jockey or driver."},
      {"hist_rating", "history", "The horse's rating before the race day: a multi-runner Elo on the log-odds scale, updated after each past race from its result against every other starter."},
      {"hist_rating_trend", "history", "Rating now minus the rating three runs ago (improving or declining)."},
      {"hist_class", "history", "Mean log(1 + prize) of the last 5 races run: the class the horse has been racing in."},
      {"hist_class_change", "history", "log(1 + today's prize) minus hist_class: up (> 0) or down in class."},
      {"hist_speed_last", "history", "Speed figure of the latest run that has one (of the last 10): the par pace of its race minus its pace, in seconds per km (> 0 faster than par); pars from races before that run's day only."},
      {"hist_speed_best_5", "history", "Best speed figure of the latest 5 runs with one (of the last 10)."},
      {"hist_speed_mean_5", "history", "Mean speed figure of the latest 5 runs with one (of the last 10)."},
      {"hist_speed_trend", "history", "Latest speed figure minus the mean of the (up to 4) figures before it: improving (> 0) or declining."},
      {"hist_reduction_last", "history", "Trot: réduction figure of the latest run with one (of the last 10): the par réduction kilométrique minus the horse's, in seconds per km."},
      {"hist_reduction_best_5", "history", "Trot: best réduction figure of the latest 5 runs with one."},
      {"hist_reduction_mean_5", "history", "Trot: mean réduction figure of the latest 5 runs with one."},
      {"hist_reduction_trend", "history", "Trot: latest réduction figure minus the mean of the (up to 4) before it."},
      {"hist_official_rating_change", "history", "Today's official rating minus the one it ran off in its latest rated run (of the last 10): raised (> 0) or dropped by the handicapper."},
      {"hist_weight_change", "history", "Weight carried today minus the weight carried in its latest run with one (of the last 10), in kg."},
      {"jockey_starts_365", "jockey", "Jockey or driver starts in the 365 days before the race day."},
      {"jockey_win_rate_365", "jockey", "Jockey wins / starts over 365 days, shrunk towards 1/10 by 20 starts."},
      {"jockey_top3_rate_365", "jockey", "Jockey top-3 finishes / starts over 365 days, shrunk towards 3/10."},
      {"jockey_win_rate_60", "jockey", "Jockey win rate over 60 days, shrunk towards 1/10 by 10 starts."},
      {"trainer_starts_365", "trainer", "Trainer starts in the 365 days before the race day."},
      {"trainer_win_rate_365", "trainer", "Trainer win rate over 365 days, shrunk towards 1/10 by 20 starts."},
      {"trainer_top3_rate_365", "trainer", "Trainer top-3 rate over 365 days, shrunk towards 3/10."},
      {"trainer_win_rate_60", "trainer", "Trainer win rate over 60 days, shrunk towards 1/10 by 10 starts."},
      {"draw_edge", "venue", "Wins / expected wins (sum of 1/field size) of this stall third at this venue and discipline family, before the race day, shrunk towards 1 by 20 expected wins."},
      {"rank_hist_mean_position_10", "in-race", "Rank of hist_mean_position_10 in the race, scaled 0 (best) .. 1."},
      {"z_hist_mean_position_10", "in-race", "z-score of hist_mean_position_10 within the race."},
      {"rank_career_win_rate", "in-race", "Rank of career_win_rate, 0 (best) .. 1."},
      {"z_career_win_rate", "in-race", "z-score of career_win_rate within the race."},
      {"rank_jockey_win_rate", "in-race", "Rank of jockey_win_rate_365, 0 (best) .. 1."},
      {"z_jockey_win_rate", "in-race", "z-score of jockey_win_rate_365 within the race."},
      {"rank_trainer_win_rate", "in-race", "Rank of trainer_win_rate_365, 0 (best) .. 1."},
      {"z_trainer_win_rate", "in-race", "z-score of trainer_win_rate_365 within the race."},
      {"rank_earnings_per_start", "in-race", "Rank of earnings_per_start_log, 0 (best) .. 1."},
      {"z_earnings_per_start", "in-race", "z-score of earnings_per_start_log within the race."},
      {"rank_mus_mean_place", "in-race", "Rank of mus_mean_place, 0 (best) .. 1."},
      {"z_mus_mean_place", "in-race", "z-score of mus_mean_place within the race."},
      {"rank_weight", "in-race", "Rank of weight_kg, 0 (heaviest) .. 1."},
      {"z_weight", "in-race", "z-score of weight_kg within the race."},
      {"rank_rating", "in-race", "Rank of hist_rating, 0 (best) .. 1."},
      {"z_rating", "in-race", "z-score of hist_rating within the race."},
      {"rank_official_rating", "in-race", "Rank of official_rating, 0 (best) .. 1."},
      {"z_official_rating", "in-race", "z-score of official_rating within the race: the rating against the field."},
      {"rank_speed_best_5", "in-race", "Rank of hist_speed_best_5, 0 (best) .. 1."},
      {"z_speed_best_5", "in-race", "z-score of hist_speed_best_5 within the race: the fastest recent run against the field's."},
  }};
  return kInfos;
}

std::string feature_set_id() {
  // FNV-1a over the ordered names: stable across runs, platforms and compilers.
  std::uint64_t hash = 1469598103934665603ULL;
  for (const FeatureInfo& info : feature_infos()) {
    for (char c : info.name) {
      hash ^= static_cast<unsigned char>(c);
      hash *= 1099511628211ULL;
    }
    hash ^= 0xFF;
    hash *= 1099511628211ULL;
  }
  return fmt::format("paddock-fundamental-v1:{:016x}", hash);
}

}  // namespace paddock
