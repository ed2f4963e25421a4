#include "engine/race_card.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>

#include "core/racing.h"
#include "engine/prediction_export.h"
#include "engine/race_predictor.h"
#include "features/market.h"
#include "features/race_features.h"
#include "model/race_metrics.h"

namespace paddock {
namespace {

// A runner's stored prediction, as the export reads it.
struct Stored {
  double probability = 0.0;
  std::optional<double> fundamental;
  int rank = 0;
  std::string job_id;
};

Result<ModelRecord> card_model(Database& db, const CardOptions& options) {
  if (options.model) {
    PADDOCK_ASSIGN_OR_RETURN(std::optional<ModelRecord> model, db.find_model(*options.model));
    if (!model) return make_error(ErrorCode::kNotFound, fmt::format("no model {} in '{}'", *options.model, db.location()));
    return *model;
  }
  PADDOCK_ASSIGN_OR_RETURN(std::optional<ModelRecord> active, db.active_model());
  if (!active) {
    return make_error(ErrorCode::kFailedPrecondition,
                      fmt::format("no active model in '{}'; train one with `paddock train` or pass --model", db.location()));
  }
  return *active;
}

// "no race on D": with the nearest later day that has races, if any.
Error no_race_on(Database& db, Day day) {
  RaceQuery later;
  later.from = day + 1;
  later.limit = 1;
  later.with_runners_only = false;
  const Result<std::vector<RaceSummary>> next = db.list_races(later);
  std::string hint;
  if (next.ok() && !next->empty()) hint = fmt::format("; the next day with races is {}", next->front().race_date);
  return make_error(ErrorCode::kNotFound, fmt::format("no race on {} in '{}'{}", format_day(day), db.location(), hint));
}

// The stored predictions of `model` for these races: race -> number -> prediction.
Result<std::map<RaceId, std::map<int, Stored>>> stored_predictions(Database& db, ModelId model,
                                                                   const std::vector<RaceId>& races) {
  std::map<RaceId, std::map<int, Stored>> stored;
  ExportQuery query;
  query.model_id = model;
  query.race_ids = races;
  PADDOCK_TRY(db.for_each_export_row(query, [&](const ExportRow& row) {
    stored[row.race_id][row.number] = Stored{row.win_probability, row.fundamental, row.predicted_rank, row.job_id};
  }));
  return stored;
}

double confidence_of(const std::vector<CardRunner>& runners) {
  if (runners.size() < 2) return 0.0;
  double entropy = 0.0;
  for (const CardRunner& r : runners) {
    if (r.probability > 0) entropy -= r.probability * std::log(r.probability);
  }
  return std::clamp(1.0 - entropy / std::log(static_cast<double>(runners.size())), 0.0, 1.0);
}

// Marks, market figures and hits, once the runners' probabilities are known (ranked).
void complete_race(CardRace& race, const RaceCard& card, double value_threshold) {
  const std::vector<const RunnerEntry*> starters = starters_of(card);
  const std::optional<MarketView> market = market_view(starters);
  std::map<int, const RunnerEntry*> by_number;
  for (const RunnerEntry& entry : card.runners) by_number[entry.number] = &entry;
  for (std::size_t i = 0; i < starters.size(); ++i) {
    const RunnerEntry* entry = starters[i];
    const auto runner = std::find_if(race.runners.begin(), race.runners.end(),
                                     [&](const CardRunner& r) { return r.number == entry->number; });
    if (runner == race.runners.end()) continue;
    if (market) {
      runner->final_odds = market->source == OddsSource::kFinal;
      runner->odds = runner->final_odds ? entry->final_odds : entry->morning_odds;
      runner->market_probability = market->probabilities[i];
    } else {
      runner->odds = entry->final_odds ? entry->final_odds : entry->morning_odds;
      runner->final_odds = entry->final_odds.has_value();
    }
  }
  std::vector<int> ticket;
  for (CardRunner& runner : race.runners) {
    const RunnerEntry* entry = by_number.count(runner.number) ? by_number[runner.number] : nullptr;
    runner.fair_odds = runner.probability > 0 ? 1.0 / runner.probability : 0.0;
    if (runner.odds) {
      runner.value = runner.probability * *runner.odds;
      runner.value_runner = *runner.value >= value_threshold;
    }
    if (race.head.is_quinte && runner.rank >= 1 && runner.rank <= 5) runner.pick = runner.rank;
    if (entry != nullptr) {
      runner.musique = entry->musique;
      runner.finish_position = entry->finish_position;
      runner.incident = entry->incident == Incident::kNone ? "" : std::string(to_string(entry->incident));
    }
    ticket.push_back(runner.number);
  }
  race.confidence = confidence_of(race.runners);
  if (card.status != RaceStatus::kFinished || race.runners.empty()) return;
  CardHits hits;
  std::vector<const CardRunner*> home;
  for (const CardRunner& r : race.runners) {
    if (r.finish_position) home.push_back(&r);
  }
  std::stable_sort(home.begin(), home.end(),
                   [](const CardRunner* a, const CardRunner* b) { return *a->finish_position < *b->finish_position; });
  for (std::size_t k = 0; k < std::min<std::size_t>(5, home.size()); ++k) hits.arrival.push_back(home[k]->number);
  const CardRunner& top = race.runners.front();
  hits.top_pick_won = top.finish_position == 1;
  hits.top_pick_placed = top.finish_position && *top.finish_position <= 3;
  if (race.head.is_quinte) hits.quinte = quinte_claim(ticket, hits.arrival);
  for (const CardRunner& r : race.runners) {
    if (r.value_runner && r.finish_position == 1) hits.value_winners.push_back(r.number);
  }
  race.hits = std::move(hits);
}

}  // namespace

Result<DayCard> build_day_card(const CardOptions& options) {
  PADDOCK_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, open_database(options.db_path, Database::Access::kReadOnly));
  DayCard day_card;
  day_card.day = options.day;
  day_card.value_threshold = options.value_threshold;
  PADDOCK_ASSIGN_OR_RETURN(day_card.model, card_model(*db, options));

  RaceQuery query;
  query.from = query.to = options.day;
  query.with_runners_only = false;
  PADDOCK_ASSIGN_OR_RETURN(std::vector<RaceSummary> heads, db->list_races(query));
  if (heads.empty()) return no_race_on(*db, options.day);
  if (options.race) {
    std::erase_if(heads, [&](const RaceSummary& head) { return head.id != *options.race; });
    if (heads.empty()) {
      return make_error(ErrorCode::kNotFound,
                        fmt::format("race {} is not on {}: see `paddock card --date {}` for the day's races",
                                    *options.race, format_day(options.day), format_day(options.day)));
    }
  }
  std::vector<RaceId> ids;
  for (const RaceSummary& head : heads) ids.push_back(head.id);
  PADDOCK_ASSIGN_OR_RETURN(const std::vector<RaceCard> cards, db->load_race_cards(ids));
  std::map<RaceId, const RaceCard*> card_of;
  for (const RaceCard& card : cards) card_of[card.id] = &card;
  PADDOCK_ASSIGN_OR_RETURN(const auto stored, stored_predictions(*db, day_card.model.id, ids));

  std::optional<RacePredictor> predictor;  // opened for the first race that needs it
  for (RaceSummary& head : heads) {
    CardRace race;
    race.head = std::move(head);
    const auto found_card = card_of.find(race.head.id);
    if (found_card == card_of.end()) {
      race.unavailable = "no runners declared";
      day_card.races.push_back(std::move(race));
      continue;
    }
    const RaceCard& card = *found_card->second;
    for (const RunnerEntry& entry : card.runners) {
      if (entry.non_runner) race.non_runners.push_back(entry.number);
    }
    const std::vector<const RunnerEntry*> starters = starters_of(card);
    const auto stored_race = stored.find(race.head.id);
    const bool all_stored = stored_race != stored.end() && !starters.empty() &&
                            std::all_of(starters.begin(), starters.end(), [&](const RunnerEntry* s) {
                              return stored_race->second.count(s->number) > 0;
                            });
    if (race.head.status == "cancelled") {
      race.unavailable = "race cancelled";
    } else if (all_stored) {
      PADDOCK_ASSIGN_OR_RETURN(const auto names, db->runner_names(race.head.id));
      std::string job;
      for (const RunnerEntry* s : starters) {
        const Stored& p = stored_race->second.at(s->number);
        CardRunner runner;
        runner.number = s->number;
        runner.rank = p.rank;
        runner.probability = p.probability;
        runner.fundamental = p.fundamental;
        if (const auto name = names.find(s->number); name != names.end()) {
          runner.horse = name->second.first;
          runner.jockey = name->second.second;
        }
        if (job.empty()) job = p.job_id;
        race.runners.push_back(std::move(runner));
      }
      race.source = job.empty() ? "stored" : "job " + job;
    } else {
      if (!predictor) {
        PADDOCK_ASSIGN_OR_RETURN(RacePredictor opened, RacePredictor::open(options.db_path, day_card.model.id));
        predictor.emplace(std::move(opened));
      }
      Result<RaceForecast> forecast = predictor->predict(race.head.id);
      if (!forecast.ok()) {
        race.unavailable = first_line(forecast.error().message);
      } else {
        for (const RunnerForecast& f : forecast->runners) {
          CardRunner runner;
          runner.number = f.number;
          runner.horse = f.horse;
          runner.jockey = f.jockey;
          runner.rank = f.rank;
          runner.probability = f.win_probability;
          runner.fundamental = f.fundamental;
          race.runners.push_back(std::move(runner));
        }
        race.source = "predicted now";
        ++day_card.predicted_now;
      }
    }
    std::sort(race.runners.begin(), race.runners.end(),
              [](const CardRunner& a, const CardRunner& b) { return a.rank < b.rank; });
    complete_race(race, card, options.value_threshold);
    day_card.races.push_back(std::move(race));
  }
  return day_card;
}

namespace {

nlohmann::json optional_json(const auto& value) { return value ? nlohmann::json(*value) : nlohmann::json(nullptr); }

}  // namespace

std::string card_json(const DayCard& card) {
  nlohmann::json races = nlohmann::json::array();
  for (const CardRace& race : card.races) {
    const RaceSummary& h = race.head;
    nlohmann::json runners = nlohmann::json::array();
    for (const CardRunner& r : race.runners) {
      runners.push_back({{"rank", r.rank}, {"number", r.number}, {"horse", r.horse}, {"jockey", r.jockey},
                         {"win_probability", r.probability}, {"fair_odds", r.fair_odds}, {"odds", optional_json(r.odds)},
                         {"odds_source", r.odds ? (r.final_odds ? "final" : "morning") : nullptr},
                         {"market_probability", optional_json(r.market_probability)}, {"value", optional_json(r.value)},
                         {"value_runner", r.value_runner}, {"fundamental_probability", optional_json(r.fundamental)},
                         {"quinte_pick", r.pick > 0 ? nlohmann::json(r.pick) : nlohmann::json(nullptr)},
                         {"musique", r.musique}, {"finish_position", optional_json(r.finish_position)},
                         {"incident", r.incident.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.incident)}});
    }
    nlohmann::json hits = nullptr;
    if (race.hits) {
      hits = {{"arrival", race.hits->arrival}, {"top_pick_won", race.hits->top_pick_won},
              {"top_pick_placed", race.hits->top_pick_placed},
              {"quinte", race.hits->quinte.empty() ? nlohmann::json(nullptr) : nlohmann::json(race.hits->quinte)},
              {"value_winners", race.hits->value_winners}};
    }
    races.push_back({{"race_id", h.id}, {"post_time", h.post_time.empty() ? nlohmann::json(nullptr) : nlohmann::json(h.post_time)},
                     {"venue", h.venue}, {"meeting_no", h.meeting_no}, {"race_no", h.race_no}, {"name", h.name},
                     {"discipline", h.discipline}, {"distance_m", h.distance_m}, {"prize_eur", optional_json(h.prize_eur)},
                     {"is_quinte", h.is_quinte}, {"status", h.status}, {"starters", h.starters},
                     {"non_runners", race.non_runners}, {"source", race.source},
                     {"unavailable", race.unavailable.empty() ? nlohmann::json(nullptr) : nlohmann::json(race.unavailable)},
                     {"confidence", race.confidence}, {"runners", runners}, {"hits", hits}});
  }
  const nlohmann::json out = {{"date", format_day(card.day)},
                              {"model", {{"id", card.model.id}, {"name", card.model.name}}},
                              {"value_threshold", card.value_threshold},
                              {"predicted_now", card.predicted_now},
                              {"races", races}};
  return out.dump(2);
}

void write_card_csv(const DayCard& card, std::ostream& out) {
  out << "race_date,race_id,post_time,venue,meeting_no,race_no,race_name,discipline,distance_m,starters,is_quinte,"
         "status,source,rank,number,horse,jockey,win_probability,fair_odds,odds,odds_source,market_probability,value,"
         "value_runner,fundamental_probability,quinte_pick,musique,finish_position,incident\n";
  for (const CardRace& race : card.races) {
    const RaceSummary& h = race.head;
    for (const CardRunner& r : race.runners) {
      out << fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{:.6f},{:.2f},{},{},{},{},{},{},{},{},{},{}\n",
                         format_day(card.day), h.id, h.post_time, csv_field(h.venue), h.meeting_no, h.race_no,
                         csv_field(h.name), h.discipline, h.distance_m, h.starters, h.is_quinte ? 1 : 0, h.status,
                         csv_field(race.source), r.rank, r.number, csv_field(r.horse), csv_field(r.jockey),
                         r.probability, r.fair_odds, csv_number(r.odds, "{:g}"),
                         r.odds ? (r.final_odds ? "final" : "morning") : "", csv_number(r.market_probability, "{:.6f}"),
                         csv_number(r.value, "{:.4f}"), r.value_runner ? 1 : 0, csv_number(r.fundamental, "{:.6f}"),
                         r.pick > 0 ? std::to_string(r.pick) : "", csv_field(r.musique),
                         r.finish_position ? std::to_string(*r.finish_position) : "", r.incident);
    }
  }
}

}  // namespace paddock
