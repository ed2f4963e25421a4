// A day's race card as an analyst reads it (`paddock card`): each race's head, its runners
// ranked by the model's win probability with fair odds, the market's odds and probability, the
// value ratio p × odds, the fundamental probability and the musique; the Quinté+ pick (the top
// five, in order) and the value runners marked; once the race is run, where each runner
// finished and what the picks hit.
//
// The probabilities are the model's stored predictions when it predicted every starter of the
// race (a batch job); otherwise the race is predicted now, in process, by the same code as a
// job (RacePredictor): a card always shows, and the two agree to the last bit.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "core/error.h"
#include "store/database.h"

namespace paddock {

struct CardOptions {
  std::string db_path;
  Day day = 0;
  std::optional<RaceId> race;       // one race of the day, else all of them
  std::optional<ModelId> model;     // default: the active model
  double value_threshold = 1.2;     // a value runner: p × odds >= this
};

struct CardRunner {
  int number = 0;
  std::string horse;
  std::string jockey;
  std::string musique;
  int rank = 0;  // 1 = the model's most likely winner
  double probability = 0.0;  // combined with the market when the race had odds
  std::optional<double> fundamental;  // the model's first stage alone; unknown in older predictions
  double fair_odds = 0.0;             // 1 / probability
  std::optional<double> odds;         // the market's: final once known, else the morning odds
  bool final_odds = false;
  std::optional<double> market_probability;  // 1/odds normalised over the starters
  std::optional<double> value;               // probability × odds
  bool value_runner = false;                 // value >= the threshold
  int pick = 0;  // 1..5: place in the Quinté+ pick (Quinté+ races only); 0 otherwise
  std::optional<int> finish_position;
  std::string incident;
};

// What the picks hit, once a race is run.
struct CardHits {
  bool top_pick_won = false;
  bool top_pick_placed = false;     // first three
  std::string quinte;               // Quinté+ races: "ordre", "désordre", "bonus 4", "bonus 3" or ""
  std::vector<int> value_winners;   // value runners that won
  std::vector<int> arrival;         // the first five home, by number
};

struct CardRace {
  RaceSummary head;
  std::string source;  // "job <id>", "stored" or "predicted now"
  std::string unavailable;  // why the race has no probabilities (then `runners` is empty)
  std::vector<CardRunner> runners;  // by rank
  std::vector<int> non_runners;
  std::optional<CardHits> hits;     // finished races
  // How sure the model is, from its probabilities: 1 - entropy / log(field) (0: a uniform field).
  double confidence = 0.0;
};

struct DayCard {
  Day day = 0;
  ModelRecord model;
  double value_threshold = 0.0;
  std::vector<CardRace> races;  // in post order: meeting, race
  int predicted_now = 0;        // races not stored, predicted for this card
};

// kNotFound when the day has no race (naming the nearest day that has) or the race is not on it.
Result<DayCard> build_day_card(const CardOptions& options);

// For programs: the card as JSON (docs/cli.md, `paddock card --json`), and as CSV, one row per
// runner with its race's fields (`--csv`).
std::string card_json(const DayCard& card);
void write_card_csv(const DayCard& card, std::ostream& out);

}  // namespace paddock
