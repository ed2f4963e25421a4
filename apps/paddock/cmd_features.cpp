// paddock features: the stage-1 feature list (docs/features.md is generated from it).
#include <fmt/format.h>

#include <memory>

#include "cli_support.h"
#include "features/feature_set.h"

namespace paddock::cli {
namespace {

int run_features(bool markdown) {
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

}  // namespace

void add_features_command(CLI::App& app, Action& action) {
  auto markdown = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand("features", "List the model's features in order");
  cmd->add_flag("--markdown", *markdown, "Print a Markdown table");
  cmd->callback([markdown, &action] { action = [markdown] { return run_features(*markdown); }; });
}

}  // namespace paddock::cli
