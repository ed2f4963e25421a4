#include "engine/race_predictor.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "features/market.h"
#include "features/race_features.h"

namespace paddock {

RacePredictor::RacePredictor(std::unique_ptr<Database> db, Model model, ModelId model_id)
    : db_(std::move(db)), model_(std::make_unique<Model>(std::move(model))), model_id_(model_id) {}
RacePredictor::RacePredictor(RacePredictor&&) noexcept = default;
RacePredictor& RacePredictor::operator=(RacePredictor&&) noexcept = default;
RacePredictor::~RacePredictor() = default;

Result<RacePredictor> RacePredictor::open(const std::string& db_path, std::optional<ModelId> model_id) {
  PADDOCK_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, open_database(db_path, Database::Access::kReadOnly));
  std::optional<ModelRecord> record;
  if (model_id) {
    PADDOCK_ASSIGN_OR_RETURN(record, db->find_model(*model_id));
    if (!record) return make_error(ErrorCode::kNotFound, fmt::format("no model with id {} in '{}'", *model_id, db_path));
  } else {
    PADDOCK_ASSIGN_OR_RETURN(record, db->active_model());
    if (!record) {
      return make_error(ErrorCode::kFailedPrecondition,
                        fmt::format("no active model in '{}'; train one with `paddock train`", db_path));
    }
  }
  PADDOCK_ASSIGN_OR_RETURN(Model model, Model::load(record->path));
  return RacePredictor(std::move(db), std::move(model), record->id);
}

// The stored history, read for this race alone in one snapshot when it is current; else the
// whole history computed from the races once, kept for the next calls.
Result<const HistoryIndex*> RacePredictor::history_for(const RaceCard& card) {
  if (!computed_) {
    PADDOCK_TRY(db_->begin_read());
    Result<std::optional<Day>> dirty = db_->history_dirty_from();
    if (dirty.ok() && !dirty->has_value()) {
      const HistoryNeeds needs = HistoryNeeds::of(std::span<const RaceCard>(&card, 1));
      Result<HistoryIndex> subset = HistoryIndex::load_stored(*db_, &needs);
      db_->rollback();
      if (!subset.ok()) return subset.error();
      subset_.emplace(std::move(*subset));
      return &*subset_;
    }
    db_->rollback();
    PADDOCK_ASSIGN_OR_RETURN(HistoryIndex computed, HistoryIndex::load(*db_));
    computed_.emplace(std::move(computed));
  }
  return &*computed_;
}

Result<RaceForecast> RacePredictor::predict(RaceId race_id, const std::map<int, double>* odds) {
  PADDOCK_ASSIGN_OR_RETURN(std::vector<RaceCard> cards, db_->load_race_cards({race_id}));
  if (cards.empty()) return make_error(ErrorCode::kNotFound, fmt::format("no race {}", race_id));
  RaceCard& card = cards.front();
  if (odds != nullptr) {
    std::vector<int> missing;
    for (RunnerEntry& runner : card.runners) {
      if (runner.non_runner) continue;
      const auto found = odds->find(runner.number);
      if (found == odds->end()) {
        missing.push_back(runner.number);
        continue;
      }
      if (!(found->second >= 1.0)) {
        return make_error(ErrorCode::kInvalidArgument,
                          fmt::format("odds of runner {}: {} is not decimal odds of 1 or more", runner.number, found->second));
      }
      runner.final_odds = found->second;
    }
    if (!missing.empty()) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("odds are given for some starters but not for {}: give every starter's or none",
                                    fmt::join(missing, ", ")));
    }
  }
  PADDOCK_ASSIGN_OR_RETURN(const HistoryIndex* history, history_for(card));
  PADDOCK_ASSIGN_OR_RETURN(RaceFeatures features, build_race_features(card, *history));
  const std::vector<const RunnerEntry*> starters = starters_of(card);
  const std::optional<MarketView> markets[] = {market_view(starters)};
  PADDOCK_ASSIGN_OR_RETURN(std::vector<RacePrediction> predicted,
                           model_->predict(std::span<const RaceFeatures>(&features, 1), markets));
  const RacePrediction& p = predicted.front();
  PADDOCK_ASSIGN_OR_RETURN(const auto names, db_->runner_names(race_id));
  RaceForecast forecast;
  forecast.race_id = race_id;
  forecast.model_id = model_id_;
  forecast.used_market = p.used_market;
  for (std::size_t i = 0; i < p.numbers.size(); ++i) {
    const auto runner = std::find_if(starters.begin(), starters.end(),
                                     [&](const RunnerEntry* r) { return r->number == p.numbers[i]; });
    RunnerForecast f;
    f.number = p.numbers[i];
    f.win_probability = p.probabilities[i];
    f.fundamental = p.fundamental[i];
    f.score = p.scores[i];
    f.rank = p.ranks[i];
    if (const auto name = names.find(f.number); name != names.end()) {
      f.horse = name->second.first;
      f.jockey = name->second.second;
    }
    if (runner != starters.end() && p.used_market) {
      f.odds = markets[0]->source == OddsSource::kFinal ? (*runner)->final_odds : (*runner)->morning_odds;
    }
    forecast.runners.push_back(f);
  }
  std::sort(forecast.runners.begin(), forecast.runners.end(),
            [](const RunnerForecast& a, const RunnerForecast& b) { return a.rank < b.rank; });
  return forecast;
}

}  // namespace paddock
