#include "model/tuning.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <numeric>

#include "model/conditional_logit.h"

namespace paddock {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kMinFoldTrainRaces = 50;
constexpr int kMinFoldValidationRaces = 20;
constexpr std::size_t kCurvePoints = 100;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Races scored round by round: their rows, and the sum of the trees grown so far for each row.
// Each round's trees are predicted alone (XGBoost's iteration range), so a round costs one tree
// a row. Every such prediction carries the base score too; the sum is therefore the model's
// margin plus a constant, which a softmax within a race ignores.
class RoundScorer {
 public:
  explicit RoundScorer(const RankingData& races) : races_(races), margins_(races.rows(), 0.0) {
    std::size_t offset = 0;
    for (const unsigned size : races.groups) {
      const auto first = races.labels.begin() + static_cast<std::ptrdiff_t>(offset);
      // The winner carries the highest relevance (3); training keeps only races with a winner.
      winners_.push_back(static_cast<std::size_t>(std::max_element(first, first + size) - first));
      offset += size;
    }
  }

  // Adds the trees of `round` (0-based) and returns the fundamental log loss of the races.
  Result<double> add_round(Booster& booster, int round) {
    PADDOCK_ASSIGN_OR_RETURN(const std::vector<float> tree,
                             booster.predict_rounds(races_.values.data(), races_.rows(), races_.columns, round,
                                                    round + 1));
    for (std::size_t i = 0; i < tree.size(); ++i) margins_[i] += tree[i];
    return fitted_log_loss();
  }

 private:
  // The winner's mean -log p under softmax(theta * margin), theta fitted on these races (from
  // the last round's theta: one round moves it little).
  double fitted_log_loss() {
    std::vector<ChoiceSet> sets;
    sets.reserve(winners_.size());
    std::size_t offset = 0;
    for (std::size_t r = 0; r < winners_.size(); ++r) {
      const std::size_t size = races_.groups[r];
      sets.push_back(ChoiceSet{std::vector<double>(margins_.begin() + static_cast<std::ptrdiff_t>(offset),
                                                   margins_.begin() + static_cast<std::ptrdiff_t>(offset + size)),
                               size, winners_[r]});
      offset += size;
    }
    const LogitFit fit = fit_conditional_logit(sets, 1, {theta_});
    theta_ = fit.theta[0];
    return -fit.log_likelihood / static_cast<double>(sets.size());
  }

  const RankingData& races_;
  std::vector<double> margins_;
  std::vector<std::size_t> winners_;
  double theta_ = 1.0;
};

// The rows of some races (group indices, in order) of `data`.
RankingData subset(const RankingData& data, const std::vector<std::size_t>& offsets,
                   const std::vector<std::size_t>& races) {
  RankingData part;
  part.columns = data.columns;
  part.feature_names = data.feature_names;
  for (const std::size_t race : races) {
    const std::size_t first = offsets[race];
    const std::size_t size = data.groups[race];
    part.values.insert(part.values.end(), data.values.begin() + static_cast<std::ptrdiff_t>(first * data.columns),
                       data.values.begin() + static_cast<std::ptrdiff_t>((first + size) * data.columns));
    part.labels.insert(part.labels.end(), data.labels.begin() + static_cast<std::ptrdiff_t>(first),
                       data.labels.begin() + static_cast<std::ptrdiff_t>(first + size));
    part.groups.push_back(data.groups[race]);
  }
  return part;
}

// A fold's races (group indices) and days.
struct FoldPlan {
  std::vector<std::size_t> train;
  std::vector<std::size_t> validation;
  TuningFold days;
};

// Cuts the distinct days into folds + 1 blocks of consecutive days; fold k trains on the races of
// blocks 0..k-1 and is scored on those of block k.
Result<std::vector<FoldPlan>> plan_folds(std::span<const Day> race_days, int folds) {
  std::vector<Day> days(race_days.begin(), race_days.end());
  std::sort(days.begin(), days.end());
  days.erase(std::unique(days.begin(), days.end()), days.end());
  const std::size_t blocks = static_cast<std::size_t>(folds) + 1;
  if (days.size() < blocks) {
    return make_error(ErrorCode::kFailedPrecondition,
                      fmt::format("the training window has {} race days; {} folds need at least {} (use fewer "
                                  "--tune-folds)", days.size(), folds, blocks));
  }
  // block_start[b]: the first day of block b; block_start[blocks]: past the last day.
  std::vector<Day> block_start;
  for (std::size_t b = 0; b < blocks; ++b) block_start.push_back(days[b * days.size() / blocks]);
  block_start.push_back(std::numeric_limits<Day>::max());
  std::vector<FoldPlan> plans(static_cast<std::size_t>(folds));
  for (std::size_t race = 0; race < race_days.size(); ++race) {
    const auto block = static_cast<std::size_t>(
        std::upper_bound(block_start.begin(), block_start.end(), race_days[race]) - block_start.begin() - 1);
    for (std::size_t k = 1; k < blocks; ++k) {
      if (block < k) plans[k - 1].train.push_back(race);
      if (block == k) plans[k - 1].validation.push_back(race);
    }
  }
  for (std::size_t k = 1; k < blocks; ++k) {
    FoldPlan& plan = plans[k - 1];
    const std::size_t validation_first = k * days.size() / blocks;
    const std::size_t validation_end = (k + 1) * days.size() / blocks;
    plan.days.train_from = format_day(days.front());
    plan.days.train_to = format_day(days[validation_first - 1]);
    plan.days.validation_from = format_day(days[validation_first]);
    plan.days.validation_to = format_day(days[validation_end - 1]);
    plan.days.train_races = static_cast<std::int64_t>(plan.train.size());
    plan.days.validation_races = static_cast<std::int64_t>(plan.validation.size());
    if (plan.train.size() < kMinFoldTrainRaces || plan.validation.size() < kMinFoldValidationRaces) {
      return make_error(ErrorCode::kFailedPrecondition,
                        fmt::format("fold {} of {} would train on {} races ({} .. {}) and be scored on {} ({} .. {}); "
                                    "tuning needs {} and {} (use fewer --tune-folds, or more days)",
                                    k, folds, plan.train.size(), plan.days.train_from, plan.days.train_to,
                                    plan.validation.size(), plan.days.validation_from, plan.days.validation_to,
                                    kMinFoldTrainRaces, kMinFoldValidationRaces));
    }
  }
  return plans;
}

// One fold being boosted: its booster and its scored races.
struct FoldRun {
  BoostingRun run;
  RoundScorer scorer;
  std::vector<double> curve;
};

std::size_t best_index(const std::vector<double>& curve) {
  return static_cast<std::size_t>(std::min_element(curve.begin(), curve.end()) - curve.begin());
}

// Boosts every fold at one depth, in step, until the mean curve stops improving or the cap.
Result<DepthTrial> try_depth(const std::vector<RankingData>& train_parts, const std::vector<RankingData>& scored_parts,
                             BoosterParams params, int depth, const TuningOptions& options,
                             const std::function<void(std::string_view)>& say) {
  const auto started = Clock::now();
  params.depth = depth;
  std::vector<FoldRun> folds;
  folds.reserve(train_parts.size());
  for (std::size_t k = 0; k < train_parts.size(); ++k) {
    PADDOCK_ASSIGN_OR_RETURN(BoostingRun run, BoostingRun::start(train_parts[k], params));
    folds.push_back(FoldRun{std::move(run), RoundScorer(scored_parts[k]), {}});
  }
  DepthTrial trial;
  trial.depth = depth;
  std::vector<double> mean;
  int last_reported = 0;
  for (int round = 0; round < params.trees; ++round) {
    double sum = 0.0;
    for (FoldRun& fold : folds) {
      PADDOCK_TRY(fold.run.add_round());
      PADDOCK_ASSIGN_OR_RETURN(const double loss, fold.scorer.add_round(fold.run.booster(), round));
      fold.curve.push_back(loss);
      sum += loss;
    }
    mean.push_back(sum / static_cast<double>(folds.size()));
    const int best = static_cast<int>(best_index(mean)) + 1;
    trial.stopped_early = round + 1 - best >= options.early_stopping_rounds && round + 1 < params.trees;
    if (trial.stopped_early || round + 1 == params.trees || round + 1 - last_reported >= std::max(1, params.trees / 10)) {
      last_reported = round + 1;
      say(fmt::format("  depth {}: {}/{} trees, log loss {:.4f}, best {:.4f} at {} ({:.1f}s)", depth, round + 1,
                      params.trees, mean.back(), mean[static_cast<std::size_t>(best - 1)], best,
                      seconds_since(started)));
    }
    if (trial.stopped_early) break;
  }
  trial.rounds = static_cast<int>(mean.size());
  trial.best_round = static_cast<int>(best_index(mean)) + 1;
  trial.log_loss = mean[static_cast<std::size_t>(trial.best_round - 1)];
  for (const FoldRun& fold : folds) {
    const std::size_t best = best_index(fold.curve);
    trial.folds.push_back(FoldBest{static_cast<int>(best) + 1, fold.curve[best]});
  }
  trial.curve = thin_curve(mean, trial.best_round);
  return trial;
}

}  // namespace

Status validate_tuning_options(const TuningOptions& options) {
  if (options.depths.empty() || options.depths.size() > static_cast<std::size_t>(kMaxTuningDepths)) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("tuning needs 1 to {} candidate depths, not {}", kMaxTuningDepths, options.depths.size()));
  }
  for (std::size_t i = 0; i < options.depths.size(); ++i) {
    const int depth = options.depths[i];
    if (depth < 1 || depth > 16) {
      return make_error(ErrorCode::kInvalidArgument, fmt::format("candidate depth {} is not between 1 and 16", depth));
    }
    if (std::find(options.depths.begin(), options.depths.begin() + static_cast<std::ptrdiff_t>(i), depth) !=
        options.depths.begin() + static_cast<std::ptrdiff_t>(i)) {
      return make_error(ErrorCode::kInvalidArgument, fmt::format("candidate depth {} is given twice", depth));
    }
  }
  if (options.folds < kMinTuningFolds || options.folds > kMaxTuningFolds) {
    return make_error(ErrorCode::kInvalidArgument, fmt::format("tuning folds {} is not between {} and {}", options.folds,
                                                               kMinTuningFolds, kMaxTuningFolds));
  }
  if (options.early_stopping_rounds < 1 || options.early_stopping_rounds > 5000) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("early stopping after {} rounds is not between 1 and 5000", options.early_stopping_rounds));
  }
  return ok_status();
}

Result<std::vector<int>> parse_depth_list(std::string_view text) {
  TuningOptions options;
  options.depths.clear();
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    std::string_view item = text.substr(start, comma - start);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    int depth = 0;
    const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), depth);
    if (item.empty() || ec != std::errc() || end != item.data() + item.size() || item.front() == '+') {
      const std::string shown(item.substr(0, 40));
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("'{}' is not a depth: give whole numbers from 1 to 16 separated by commas, "
                                    "such as 4,6,8", shown));
    }
    options.depths.push_back(depth);
    start = comma + 1;
  }
  PADDOCK_TRY(validate_tuning_options(options));
  std::sort(options.depths.begin(), options.depths.end());
  return options.depths;
}

std::vector<CurvePoint> thin_curve(std::span<const double> curve, int best_round) {
  std::vector<CurvePoint> points;
  const std::size_t n = curve.size();
  const std::size_t step = std::max<std::size_t>(1, (n + kCurvePoints - 1) / kCurvePoints);
  for (std::size_t round = 1; round <= n; ++round) {
    if (round == 1 || round % step == 0 || round == n || static_cast<int>(round) == best_round) {
      points.push_back(CurvePoint{static_cast<int>(round), curve[round - 1]});
    }
  }
  return points;
}

void to_json(nlohmann::json& j, const TuningSummary& s) {
  const auto curve_json = [](const std::vector<CurvePoint>& curve) {
    nlohmann::json points = nlohmann::json::array();
    for (const CurvePoint& p : curve) points.push_back({p.round, p.log_loss});
    return points;
  };
  j = nlohmann::json::object();
  j["metric"] = "fundamental_log_loss";
  j["candidate_depths"] = s.depths;
  j["max_trees"] = s.max_trees;
  j["early_stopping_rounds"] = s.early_stopping_rounds;
  j["folds"] = nlohmann::json::array();
  for (const TuningFold& f : s.folds) {
    j["folds"].push_back({{"train_from", f.train_from}, {"train_to", f.train_to},
                          {"validation_from", f.validation_from}, {"validation_to", f.validation_to},
                          {"train_races", f.train_races}, {"validation_races", f.validation_races}});
  }
  j["candidates"] = nlohmann::json::array();
  for (const DepthTrial& t : s.trials) {
    nlohmann::json folds = nlohmann::json::array();
    for (const FoldBest& f : t.folds) folds.push_back({{"best_round", f.round}, {"log_loss", f.log_loss}});
    j["candidates"].push_back({{"depth", t.depth}, {"rounds", t.rounds}, {"stopped_early", t.stopped_early},
                               {"best_round", t.best_round}, {"log_loss", t.log_loss}, {"folds", folds},
                               {"curve", curve_json(t.curve)}});
  }
  j["chosen"] = {{"depth", s.chosen_depth}, {"trees", s.chosen_trees}, {"log_loss", s.chosen_log_loss}};
  j["calibration_window"] = {{"best_round", s.calibration_best_round}, {"curve", curve_json(s.calibration_curve)}};
}

void from_json(const nlohmann::json& j, TuningSummary& s) {
  const auto curve_of = [](const nlohmann::json& points) {
    std::vector<CurvePoint> curve;
    for (const nlohmann::json& p : points) curve.push_back(CurvePoint{p.at(0).get<int>(), p.at(1).get<double>()});
    return curve;
  };
  s = TuningSummary();
  s.depths = j.at("candidate_depths").get<std::vector<int>>();
  s.max_trees = j.at("max_trees").get<int>();
  s.early_stopping_rounds = j.at("early_stopping_rounds").get<int>();
  for (const nlohmann::json& f : j.at("folds")) {
    s.folds.push_back(TuningFold{f.at("train_from").get<std::string>(), f.at("train_to").get<std::string>(),
                                 f.at("validation_from").get<std::string>(), f.at("validation_to").get<std::string>(),
                                 f.at("train_races").get<std::int64_t>(), f.at("validation_races").get<std::int64_t>()});
  }
  for (const nlohmann::json& c : j.at("candidates")) {
    DepthTrial t;
    t.depth = c.at("depth").get<int>();
    t.rounds = c.at("rounds").get<int>();
    t.stopped_early = c.at("stopped_early").get<bool>();
    t.best_round = c.at("best_round").get<int>();
    t.log_loss = c.at("log_loss").get<double>();
    for (const nlohmann::json& f : c.at("folds")) {
      t.folds.push_back(FoldBest{f.at("best_round").get<int>(), f.at("log_loss").get<double>()});
    }
    t.curve = curve_of(c.at("curve"));
    s.trials.push_back(std::move(t));
  }
  const nlohmann::json& chosen = j.at("chosen");
  s.chosen_depth = chosen.at("depth").get<int>();
  s.chosen_trees = chosen.at("trees").get<int>();
  s.chosen_log_loss = chosen.at("log_loss").get<double>();
  const nlohmann::json& calibration = j.at("calibration_window");
  s.calibration_best_round = calibration.at("best_round").get<int>();
  s.calibration_curve = curve_of(calibration.at("curve"));
}

Result<TuningSummary> tune_stage1(const RankingData& data, std::span<const Day> race_days,
                                  const BoosterParams& params, const TuningOptions& options,
                                  const std::function<void(std::string_view)>& say) {
  PADDOCK_TRY(validate_tuning_options(options));
  if (race_days.size() != data.groups.size()) {
    return make_error(ErrorCode::kInternal, fmt::format("tuning: {} race days for {} races", race_days.size(),
                                                        data.groups.size()));
  }
  PADDOCK_ASSIGN_OR_RETURN(const std::vector<FoldPlan> plans, plan_folds(race_days, options.folds));
  std::vector<std::size_t> offsets(data.groups.size() + 1, 0);
  for (std::size_t r = 0; r < data.groups.size(); ++r) offsets[r + 1] = offsets[r] + data.groups[r];

  TuningSummary summary;
  summary.depths = options.depths;
  std::sort(summary.depths.begin(), summary.depths.end());
  summary.max_trees = params.trees;
  summary.early_stopping_rounds = options.early_stopping_rounds;
  std::vector<RankingData> train_parts;
  std::vector<RankingData> scored_parts;
  for (const FoldPlan& plan : plans) {
    summary.folds.push_back(plan.days);
    say(fmt::format("  fold {}: train {} .. {} ({} races), score {} .. {} ({} races)", summary.folds.size(),
                    plan.days.train_from, plan.days.train_to, plan.days.train_races, plan.days.validation_from,
                    plan.days.validation_to, plan.days.validation_races));
    train_parts.push_back(subset(data, offsets, plan.train));
    scored_parts.push_back(subset(data, offsets, plan.validation));
  }

  for (const int depth : summary.depths) {
    PADDOCK_ASSIGN_OR_RETURN(DepthTrial trial, try_depth(train_parts, scored_parts, params, depth, options, say));
    if (summary.trials.empty() || trial.log_loss < summary.chosen_log_loss) {
      summary.chosen_depth = trial.depth;
      summary.chosen_trees = trial.best_round;
      summary.chosen_log_loss = trial.log_loss;
    }
    summary.trials.push_back(std::move(trial));
  }
  return summary;
}

Result<WatchedFit> train_watching(const RankingData& data, const RankingData& watch, const BoosterParams& params,
                                  const std::function<void(int, int)>& on_tree) {
  PADDOCK_ASSIGN_OR_RETURN(BoostingRun run, BoostingRun::start(data, params));
  RoundScorer scorer(watch);
  std::vector<double> curve;
  for (int round = 0; round < params.trees; ++round) {
    PADDOCK_TRY(run.add_round());
    PADDOCK_ASSIGN_OR_RETURN(const double loss, scorer.add_round(run.booster(), round));
    curve.push_back(loss);
    if (on_tree) on_tree(round + 1, params.trees);
  }
  PADDOCK_ASSIGN_OR_RETURN(Booster booster, std::move(run).finish());
  return WatchedFit{std::move(booster), std::move(curve)};
}

}  // namespace paddock
