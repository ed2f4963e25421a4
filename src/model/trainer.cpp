#include "model/trainer.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/file_reader.h"
#include "core/identifier.h"
#include "features/feature_set.h"
#include "features/market.h"
#include "features/race_stream.h"
#include "model/conditional_logit.h"
#include "model/race_metrics.h"
#include "model/tuning.h"

namespace paddock {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Relevance label for the ranker: 3 for the winner, 2 second, 1 third, 0 otherwise.
float relevance(const std::optional<int>& position) {
  return position && *position <= 3 ? static_cast<float>(4 - *position) : 0.0F;
}

// A validation race kept in memory for calibration.
struct ValidationRace {
  RaceFeatures features;
  std::vector<std::optional<int>> positions;
  std::optional<MarketView> market;
  bool is_quinte = false;
  std::size_t winner = 0;
  std::vector<double> scores;
};

std::optional<std::size_t> winner_of(const std::vector<std::optional<int>>& positions) {
  for (std::size_t i = 0; i < positions.size(); ++i) {
    if (positions[i] == 1) return i;
  }
  return std::nullopt;
}

struct Windows {
  Day train_from = 0, train_to = 0, validation_from = 0, validation_to = 0;
};

Result<Windows> split_days(Database& db, const TrainOptions& options) {
  PADDOCK_ASSIGN_OR_RETURN(std::vector<Day> days, db.finished_race_days());
  std::erase_if(days, [&](Day d) {
    return (options.from && d < *options.from) || (options.to && d > *options.to);
  });
  if (days.size() < 10) {
    return make_error(ErrorCode::kFailedPrecondition,
                      fmt::format("only {} days of finished races in the window; training needs at "
                                  "least 10 (create data with `paddock demo` or `paddock import`)",
                                  days.size()));
  }
  const auto validation_days = std::max<std::size_t>(
      2, static_cast<std::size_t>(std::lround(static_cast<double>(days.size()) * options.validation_fraction)));
  const std::size_t split = days.size() - validation_days;
  return Windows{days.front(), days[split - 1], days[split], days.back()};
}

Result<std::vector<RaceId>> finished_between(Database& db, Day from, Day to) {
  RaceQuery query;
  query.from = from;
  query.to = to;
  query.finished_only = true;
  return db.find_races(query);
}

std::string metrics_json(const MetricsSummary& fundamental, const MetricsSummary& market,
                         const MetricsSummary& combined) {
  nlohmann::json j;
  for (const MetricsSummary* m : {&fundamental, &market, &combined}) {
    j[m->name] = {{"races", m->races},           {"log_loss", m->log_loss},
                  {"pseudo_r2", m->pseudo_r2},   {"winner_hit", m->winner_hit},
                  {"top5_overlap", m->top5_overlap}};
  }
  return j.dump();
}

// Says "trees 30/300 (4.1s)" about every tenth of the trees.
std::function<void(int, int)> tree_progress(const ProgressLine& say) {
  return [&say, started = Clock::now(), last_reported = 0](int done, int total) mutable {
    if (done == total || done - last_reported >= std::max(1, total / 10)) {
      last_reported = done;
      say(fmt::format("  trees {}/{} ({:.1f}s)", done, total, seconds_since(started)));
    }
  };
}

Result<Booster> train_stage1(const RankingData& data, const BoosterParams& params, const ProgressLine& say) {
  return Booster::train(data, params, tree_progress(say));
}

// The rows of the validation races, labelled like the training rows, for the curve on the
// calibration window.
RankingData validation_rows(const std::vector<ValidationRace>& validation) {
  RankingData rows;
  rows.columns = kFeatureCount;
  for (const ValidationRace& race : validation) {
    rows.values.insert(rows.values.end(), race.features.values.begin(), race.features.values.end());
    for (const std::optional<int>& position : race.positions) rows.labels.push_back(relevance(position));
    rows.groups.push_back(static_cast<unsigned>(race.features.rows()));
  }
  return rows;
}

// The final fit of a tuned model: the chosen depth and trees on the whole training window,
// with the curve on the calibration window recorded in `tuning` (it chooses nothing).
Result<Booster> train_tuned_stage1(const RankingData& data, const std::vector<ValidationRace>& validation,
                                   const BoosterParams& params, TuningSummary& tuning, const ProgressLine& say) {
  say(fmt::format("Final fit: depth {}, {} trees on the whole training window", params.depth, params.trees));
  PADDOCK_ASSIGN_OR_RETURN(WatchedFit fit,
                           train_watching(data, validation_rows(validation), params, tree_progress(say)));
  const auto best = std::min_element(fit.curve.begin(), fit.curve.end());
  tuning.calibration_best_round = static_cast<int>(best - fit.curve.begin()) + 1;
  tuning.calibration_curve = thin_curve(fit.curve, tuning.calibration_best_round);
  say(fmt::format("Calibration window curve (recorded, not used to choose): log loss {:.4f} at {} trees, "
                  "lowest {:.4f} at {}", fit.curve.back(), params.trees, *best, tuning.calibration_best_round));
  return std::move(fit.booster);
}

Status check_train_options(const TrainOptions& options) {
  if (!options.tuning) return ok_status();
  if (!options.stage1_file.empty()) {
    return make_error(ErrorCode::kInvalidArgument,
                      "tuning (--tune) cannot be used with a stage 1 from a file (--stage1): its trees are already grown");
  }
  return validate_tuning_options(*options.tuning);
}

// A model trained elsewhere must take paddock's features, in paddock's order.
Result<Booster> load_stage1(const TrainOptions& options, const ProgressLine& say) {
  const std::string& path = options.stage1_file;
  Status file = check_regular_file(path);
  if (!file.ok()) return make_error(file.error().code, "stage-1 model file: " + file.error().message);
  PADDOCK_ASSIGN_OR_RETURN(Booster booster, Booster::load(path));
  PADDOCK_TRY(check_booster_features(booster, fmt::format("stage-1 model '{}'", path)));
  PADDOCK_TRY(booster.set_threads(options.booster.threads));
  PADDOCK_ASSIGN_OR_RETURN(const Booster::Description description, booster.describe());
  // Scores must be margins, one a row, that order the runners: ranking and regression
  // objectives, or logistic margins. Probabilities or several classes would not.
  const std::string& objective = description.objective;
  if (!objective.starts_with("rank:") && !objective.starts_with("reg:") && !objective.starts_with("binary:")) {
    return make_error(ErrorCode::kModel,
                      fmt::format("stage-1 model '{}' has the objective '{}'; stage 1 needs one score a runner "
                                  "(rank:*, reg:* or binary:*)", path, objective));
  }
  if (description.trees == 0) {
    return make_error(ErrorCode::kModel,
                      fmt::format("stage-1 model '{}' has no trees (a linear booster?); stage 1 must be a tree model",
                                  path));
  }
  say(fmt::format("Stage 1 from {}: {} trees, objective {}", path, description.trees, objective));
  return booster;
}

// The calibration is only honest on races the ranker never saw: scripts/train_stage1.py
// records its last training day in the file (attribute paddock_train_to).
Result<std::string> check_stage1_days(const Booster& booster, Day validation_from, const std::string& path,
                                      const ProgressLine& say) {
  PADDOCK_ASSIGN_OR_RETURN(const std::optional<std::string> trained_to, booster.attribute("paddock_train_to"));
  if (!trained_to) {
    say(fmt::format("Warning: {} does not say which days trained it (attribute paddock_train_to); they must end "
                    "before {}, or the calibration flatters it", path, format_day(validation_from)));
    return std::string();
  }
  const Result<Day> parsed = parse_day(*trained_to);
  if (!parsed.ok()) {
    return make_error(ErrorCode::kModel, fmt::format("stage-1 model '{}': attribute paddock_train_to: {}", path,
                                                     parsed.error().message));
  }
  const Day last = *parsed;
  if (last >= validation_from) {
    return make_error(ErrorCode::kFailedPrecondition,
                      fmt::format("stage-1 model '{}' was trained on days up to {}, but calibration starts on {}: "
                                  "train it with --to before that day, or give --to/--validation-fraction so that "
                                  "the validation window starts later", path, *trained_to, format_day(validation_from)));
  }
  return *trained_to;
}

}  // namespace

// The model's name and directory, chosen before any work: a name or a directory the user gave
// must be new (Model::save refuses to replace one); a default name gets a suffix when its
// second already has a model.
static Result<std::pair<std::string, std::string>> model_destination(const Database& db, const TrainOptions& options) {
  if (!options.name.empty()) PADDOCK_TRY(validate_identifier(options.name, "model name (--name)"));
  std::string name = options.name.empty() ? "model-" + compact_utc_now() : options.name;
  std::string directory = options.out_dir;
  if (directory.empty()) {
    const std::filesystem::path db_dir = std::filesystem::path(db.location()).parent_path();
    const std::filesystem::path models = (db_dir.empty() ? std::filesystem::path(".") : db_dir) / "models";
    const std::string base = name;
    for (int suffix = 2; options.name.empty() && std::filesystem::exists(models / name); ++suffix) {
      name = fmt::format("{}-{}", base, suffix);
    }
    directory = (models / name).string();
  }
  std::error_code ec;
  if (std::filesystem::exists(directory, ec)) {
    return make_error(ErrorCode::kAlreadyExists,
                      fmt::format("model directory '{}' already exists; a model's files are never replaced "
                                  "(choose another --name or --out)", directory));
  }
  return std::make_pair(name, directory);
}

Result<TrainReport> train_model(Database& db, const TrainOptions& options, const ProgressLine& say) {
  TrainReport report;
  PADDOCK_TRY(check_train_options(options));
  PADDOCK_ASSIGN_OR_RETURN(const auto destination, model_destination(db, options));
  const auto& [name, directory] = destination;
  PADDOCK_ASSIGN_OR_RETURN(const Windows windows, split_days(db, options));
  if (options.stage1_file.empty()) {
    say(fmt::format("Stage 1 window {} .. {}, validation window {} .. {}", format_day(windows.train_from),
                    format_day(windows.train_to), format_day(windows.validation_from),
                    format_day(windows.validation_to)));
  } else {
    say(fmt::format("Stage 1 from a file; validation window {} .. {}", format_day(windows.validation_from),
                    format_day(windows.validation_to)));
  }

  auto started = Clock::now();
  PADDOCK_ASSIGN_OR_RETURN(HistoryIndex history, HistoryIndex::load(db));
  report.seconds_history = seconds_since(started);
  say(fmt::format("History index: {} runs in {:.1f}s", history.run_count(), report.seconds_history));

  // Stage-1 rows (none when stage 1 comes from a file).
  started = Clock::now();
  RankingData data;
  data.columns = kFeatureCount;
  for (const FeatureInfo& info : feature_infos()) data.feature_names.emplace_back(info.name);
  std::vector<RaceId> train_ids;
  std::vector<Day> train_days;  // the day of each race of `data`, for tuning's folds
  if (options.stage1_file.empty()) {
    PADDOCK_ASSIGN_OR_RETURN(train_ids, finished_between(db, windows.train_from, windows.train_to));
  }
  std::int64_t train_races = 0;
  PADDOCK_TRY(for_each_race_features(db, history, train_ids,
      [&](const RaceCard& card, const Result<RaceFeatures>& features) {
        const std::vector<std::optional<int>> positions = starter_positions(card);
        if (!features.ok() || features->rows() < 2 || !winner_of(positions)) {
          ++report.skipped_races;
          return;
        }
        data.values.insert(data.values.end(), features->values.begin(), features->values.end());
        for (const std::optional<int>& position : positions) data.labels.push_back(relevance(position));
        data.groups.push_back(static_cast<unsigned>(features->rows()));
        train_days.push_back(card.day);
        ++train_races;
      }));

  // Validation races, kept for calibration.
  PADDOCK_ASSIGN_OR_RETURN(std::vector<RaceId> validation_ids,
                           finished_between(db, windows.validation_from, windows.validation_to));
  std::vector<ValidationRace> validation;
  PADDOCK_TRY(for_each_race_features(db, history, validation_ids,
      [&](const RaceCard& card, const Result<RaceFeatures>& features) {
        std::vector<std::optional<int>> positions = starter_positions(card);
        const std::optional<std::size_t> winner = winner_of(positions);
        if (!features.ok() || features->rows() < 2 || !winner) {
          ++report.skipped_races;
          return;
        }
        ValidationRace race;
        race.features = *features;
        race.positions = std::move(positions);
        race.market = market_view(starters_of(card));
        race.is_quinte = card.is_quinte;
        race.winner = *winner;
        validation.push_back(std::move(race));
      }));
  report.seconds_features = seconds_since(started);
  say(fmt::format("Features: {} training races ({} rows), {} validation races, {} skipped, in {:.1f}s",
                  train_races, data.rows(), validation.size(), report.skipped_races,
                  report.seconds_features));
  const bool trains_stage1 = options.stage1_file.empty();
  if ((trains_stage1 && train_races < 50) || validation.size() < 20) {
    return make_error(ErrorCode::kFailedPrecondition,
                      fmt::format("too few usable races to train ({} training, {} validation; need "
                                  "50 and 20)", train_races, validation.size()));
  }

  // Stage 1: the ranker, tuned and trained here, or read from a file.
  BoosterParams params = options.booster;
  std::optional<TuningSummary> tuning;
  if (trains_stage1 && options.tuning) {
    started = Clock::now();
    say(fmt::format("Tuning on the training window: {} folds in day order, up to {} trees, early stopping after {} "
                    "rounds", options.tuning->folds, params.trees, options.tuning->early_stopping_rounds));
    PADDOCK_ASSIGN_OR_RETURN(tuning, tune_stage1(data, train_days, params, *options.tuning, say));
    report.seconds_tuning = seconds_since(started);
    params.depth = tuning->chosen_depth;
    params.trees = tuning->chosen_trees;
    say(fmt::format("Tuned: depth {}, {} trees (cross-validated log loss {:.4f}) in {:.1f}s", params.depth,
                    params.trees, tuning->chosen_log_loss, report.seconds_tuning));
  }
  started = Clock::now();
  Result<Booster> fitted = !trains_stage1 ? load_stage1(options, say)
                           : tuning     ? train_tuned_stage1(data, validation, params, *tuning, say)
                                        : train_stage1(data, params, say);
  PADDOCK_ASSIGN_OR_RETURN(Booster booster, std::move(fitted));
  report.seconds_boosting = seconds_since(started);
  std::string stage1_trained_to;
  if (!trains_stage1) {
    PADDOCK_ASSIGN_OR_RETURN(stage1_trained_to,
                             check_stage1_days(booster, windows.validation_from, options.stage1_file, say));
  }
  const std::size_t train_rows = data.rows();
  data = RankingData();  // the training matrix is no longer needed

  // Calibration on the validation window.
  started = Clock::now();
  for (ValidationRace& race : validation) {
    PADDOCK_ASSIGN_OR_RETURN(std::vector<float> scores,
                             booster.predict(race.features.values.data(), race.features.rows(), kFeatureCount));
    race.scores.assign(scores.begin(), scores.end());
  }
  std::vector<ChoiceSet> score_sets;
  for (const ValidationRace& race : validation) score_sets.push_back(ChoiceSet{race.scores, race.scores.size(), race.winner});
  const LogitFit temperature_fit = fit_conditional_logit(score_sets, 1, {1.0});
  const double inverse_temperature = std::max(temperature_fit.theta[0], 1e-6);
  const double temperature = 1.0 / inverse_temperature;

  std::vector<ChoiceSet> combination_sets;
  for (ValidationRace& race : validation) {
    if (!race.market) continue;
    const std::vector<double> fundamental = fundamental_probabilities(race.scores, temperature);
    ChoiceSet set;
    set.rows = fundamental.size();
    set.winner = race.winner;
    for (std::size_t i = 0; i < set.rows; ++i) {
      set.x.push_back(std::log(std::max(fundamental[i], 1e-12)));
      set.x.push_back(std::log(std::max(race.market->probabilities[i], 1e-12)));
    }
    combination_sets.push_back(std::move(set));
  }
  double alpha = 1.0;
  double beta = 0.0;
  if (combination_sets.size() >= 20) {
    const LogitFit combination = fit_conditional_logit(combination_sets, 2, {0.5, 0.5});
    alpha = combination.theta[0];
    beta = combination.theta[1];
  }
  report.seconds_calibration = seconds_since(started);

  RaceMetrics fundamental_metrics("fundamental"), market_metrics("market"), combined_metrics("combined");
  for (const ValidationRace& race : validation) {
    if (!race.market) continue;
    const std::vector<double> fundamental = fundamental_probabilities(race.scores, temperature);
    const std::vector<double> combined =
        combine_with_market(fundamental, race.market->probabilities, alpha, beta);
    fundamental_metrics.add(fundamental, race.features.numbers, race.positions, race.is_quinte);
    market_metrics.add(race.market->probabilities, race.features.numbers, race.positions, race.is_quinte);
    combined_metrics.add(combined, race.features.numbers, race.positions, race.is_quinte);
  }
  const MetricsSummary f = fundamental_metrics.summary();
  const MetricsSummary m = market_metrics.summary();
  const MetricsSummary c = combined_metrics.summary();
  say(fmt::format("Calibration: temperature {:.4f}, alpha {:.4f}, beta {:.4f} ({} races with odds)",
                  temperature, alpha, beta, combination_sets.size()));
  say(fmt::format("Validation log loss: fundamental {:.4f}, market {:.4f}, combined {:.4f} (uniform {:.4f})",
                  f.log_loss, m.log_loss, c.log_loss, c.uniform_log_loss));

  // The model directory and its registration.
  ModelMeta meta;
  meta.feature_set = feature_set_id();
  for (const FeatureInfo& info : feature_infos()) meta.features.emplace_back(info.name);
  meta.temperature = temperature;
  meta.alpha = alpha;
  meta.beta = beta;
  if (trains_stage1) {
    meta.objective = params.objective;
    meta.trees = params.trees;
    meta.depth = params.depth;
    meta.learning_rate = params.learning_rate;
    meta.tuning = std::move(tuning);
    meta.train_from = format_day(windows.train_from);
    meta.train_to = format_day(windows.train_to);
  } else {
    PADDOCK_ASSIGN_OR_RETURN(const Booster::Description description, booster.describe());
    meta.objective = description.objective;
    meta.trees = description.trees;
    meta.train_to = stage1_trained_to;
    meta.stage1_source = std::filesystem::absolute(options.stage1_file).lexically_normal().string();
  }
  meta.validation_from = format_day(windows.validation_from);
  meta.validation_to = format_day(windows.validation_to);
  meta.train_races = train_races;
  meta.train_rows = static_cast<std::int64_t>(train_rows);
  meta.validation_races = static_cast<std::int64_t>(validation.size());
  meta.metrics_json = metrics_json(f, m, c);
  meta.xgboost_version = Booster::library_version();
  meta.created_at = utc_timestamp_now();

  Model model = Model::from_parts(std::move(booster), meta);
  PADDOCK_TRY(model.save(directory));

  ModelRecord record;
  record.name = name;
  record.path = std::filesystem::absolute(directory).lexically_normal().string();
  record.created_at = meta.created_at;
  record.feature_set = meta.feature_set;
  record.metrics_json = meta.metrics_json;
  PADDOCK_ASSIGN_OR_RETURN(report.model_id, db.insert_model(record));
  if (options.activate) PADDOCK_TRY(db.activate_model(report.model_id));
  report.directory = record.path;
  report.meta = std::move(meta);
  return report;
}

}  // namespace paddock
