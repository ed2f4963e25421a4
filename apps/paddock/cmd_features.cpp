// paddock features: the stage-1 feature list (docs/features.md is generated from it), or with
// --rows, the feature rows themselves as CSV: what stage 1 sees, for training it elsewhere
// (Python's xgboost, say) and bringing it back with `paddock train --stage1`.
#include <fmt/format.h>

#include <cmath>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "cli_support.h"
#include "features/feature_set.h"
#include "features/race_stream.h"

namespace paddock::cli {
namespace {

struct FeaturesArgs {
  bool markdown = false;
  std::string db;
  std::string rows;  // output CSV; empty: list the features
  std::string from;
  std::string to;
};

int list_features(bool markdown) {
  const auto& infos = feature_infos();
  if (!markdown) {
    for (std::size_t i = 0; i < infos.size(); ++i) {
      fmt::print("{:>3}  {:<30} {:<8} {}\n", i, infos[i].name, infos[i].group, infos[i].description);
    }
    fmt::print("feature set: {}\n", feature_set_id());
    return kExitOk;
  }
  fmt::print("| # | name | group | meaning |\n|---|---|---|---|\n");
  for (std::size_t i = 0; i < infos.size(); ++i) {
    fmt::print("| {} | `{}` | {} | {} |\n", i, infos[i].name, infos[i].group, infos[i].description);
  }
  fmt::print("\nFeature set id: `{}`\n", feature_set_id());
  return kExitOk;
}

// One row per starter: race_id, race_date, number, finish_position (empty when unknown), then
// every feature in order. A missing feature is an empty cell; values are written in the
// shortest form that reads back as the same float, so a model fed these rows sees exactly
// what paddock's own stage 1 sees.
int write_rows(const FeaturesArgs& args) {
  Result<std::optional<Day>> from = optional_day(args.from, "--from");
  if (!from.ok()) return report(from.error());
  Result<std::optional<Day>> to = optional_day(args.to, "--to");
  if (!to.ok()) return report(to.error());
  Result<std::unique_ptr<Database>> db = open_db(args.db, Database::Access::kReadOnly);
  if (!db.ok()) return report(db.error());
  RaceQuery query;
  query.from = *from;
  query.to = *to;
  query.with_runners_only = true;
  Result<std::vector<RaceId>> ids = (*db)->find_races(query);
  if (!ids.ok()) return report(ids.error());
  Result<HistoryIndex> history = HistoryIndex::load(**db);
  if (!history.ok()) return report(history.error());

  std::FILE* out = std::fopen(args.rows.c_str(), "w");
  if (out == nullptr) {
    return report(make_error(ErrorCode::kIo, fmt::format("cannot write '{}': {}", args.rows, std::strerror(errno))));
  }
  fmt::print(out, "race_id,race_date,number,finish_position");
  for (const FeatureInfo& info : feature_infos()) fmt::print(out, ",{}", info.name);
  fmt::print(out, "\n");
  std::int64_t races = 0, rows = 0, skipped = 0;
  const Status walked = for_each_race_features(**db, *history, *ids, [&](const RaceCard& card, const Result<RaceFeatures>& features) {
    if (!features.ok()) {
      ++skipped;
      std::fprintf(stderr, "race %lld skipped: %s\n", static_cast<long long>(card.id), features.error().message.c_str());
      return;
    }
    const std::vector<std::optional<int>> positions = starter_positions(card);
    const std::string date = format_day(card.day);
    for (std::size_t r = 0; r < features->rows(); ++r) {
      fmt::print(out, "{},{},{},", card.id, date, features->numbers[r]);
      if (positions[r]) fmt::print(out, "{}", *positions[r]);
      for (std::size_t f = 0; f < kFeatureCount; ++f) {
        const float value = features->values[r * kFeatureCount + f];
        if (std::isnan(value)) {
          std::fputc(',', out);
        } else {
          fmt::print(out, ",{}", value);
        }
      }
      std::fputc('\n', out);
      ++rows;
    }
    ++races;
  });
  const bool write_failed = std::ferror(out) != 0;
  std::fclose(out);
  if (!walked.ok()) return report(walked.error());
  if (write_failed) return report(make_error(ErrorCode::kIo, fmt::format("cannot write '{}'", args.rows)));
  fmt::print("Wrote {} rows of {} races to {} ({} races skipped)\n", rows, races, args.rows, skipped);
  return kExitOk;
}

}  // namespace

void add_features_command(CLI::App& app, Action& action) {
  auto args = std::make_shared<FeaturesArgs>();
  CLI::App* cmd = app.add_subcommand("features", "List the model's features in order, or write the feature rows as CSV");
  cmd->add_flag("--markdown", args->markdown, "Print a Markdown table");
  CLI::Option* rows = cmd->add_option("--rows", args->rows,
                                      "Write one CSV row per starter (ids, finishing position, every feature) to this file");
  cmd->add_option("--db", args->db, "SQLite database file, with --rows")->envname("PADDOCK_DB");
  cmd->add_option("--from", args->from, "First race day, YYYY-MM-DD, with --rows")->needs(rows);
  cmd->add_option("--to", args->to, "Last race day, YYYY-MM-DD, with --rows")->needs(rows);
  rows->excludes(cmd->get_option("--markdown"));
  cmd->callback([args, &action] {
    action = [args] {
      if (args->rows.empty()) return list_features(args->markdown);
      if (args->db.empty()) return report(make_error(ErrorCode::kInvalidArgument, "--rows needs --db (or PADDOCK_DB)"));
      return write_rows(*args);
    };
  });
}

}  // namespace paddock::cli
