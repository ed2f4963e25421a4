// One race predicted now, in process: the same features, model and combination as a batch
// job, for a program that needs a race's probabilities at once (the Python module, a card),
// optionally with odds given by the caller, as they move before the off. Nothing is written.
//
// The model is loaded once per predictor; each call reads the race's card and the history its
// runners need (from the stored history when it is current, else computed from the races and
// kept for the next calls). Not thread-safe: one predictor per thread.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "features/history_index.h"
#include "model/model.h"
#include "store/database.h"

namespace paddock {

struct RunnerForecast {
  int number = 0;
  std::string horse;
  std::string jockey;
  double win_probability = 0.0;  // the combined probability (fundamental alone without odds)
  double fundamental = 0.0;      // stage 1 alone
  double score = 0.0;            // the ranker's score
  int rank = 0;                  // 1 = most likely winner
  std::optional<double> odds;    // the odds used, when the market was used
};

struct RaceForecast {
  RaceId race_id = 0;
  ModelId model_id = 0;
  bool used_market = false;
  std::vector<RunnerForecast> runners;  // by rank
};

class RacePredictor {
 public:
  // The model `model_id`, else the active one. Errors: the database or the model.
  static Result<RacePredictor> open(const std::string& db_path, std::optional<ModelId> model_id);
  RacePredictor(RacePredictor&&) noexcept;
  RacePredictor& operator=(RacePredictor&&) noexcept;
  ~RacePredictor();

  // `odds` (saddle-cloth number -> decimal odds) replaces the stored odds: every starter's, or
  // none (kInvalidArgument naming the missing numbers). kNotFound for an unknown race.
  Result<RaceForecast> predict(RaceId race_id, const std::map<int, double>* odds = nullptr);

  ModelId model_id() const { return model_id_; }

 private:
  RacePredictor(std::unique_ptr<Database> db, Model model, ModelId model_id);
  Result<const HistoryIndex*> history_for(const RaceCard& card);

  std::unique_ptr<Database> db_;
  std::unique_ptr<Model> model_;
  ModelId model_id_ = 0;
  std::optional<HistoryIndex> subset_;    // the last race's, from the stored history
  std::optional<HistoryIndex> computed_;  // the whole history, when the stored one is not current
};

}  // namespace paddock
