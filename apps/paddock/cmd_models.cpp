// paddock models: list the registered models; activate one.
#include <fmt/format.h>

#include <memory>

#include "cli_support.h"
#include "model/model.h"

namespace paddock::cli {
namespace {

// What the model's meta.json says of its ranker: "depth 6, 187 trees (tuned)", "from a file",
// or "?" when the file cannot be read (a moved or deleted model directory).
std::string stage1_summary(const std::string& directory) {
  const Result<ModelMeta> meta = read_model_meta(directory + "/meta.json");
  if (!meta.ok()) return "?";
  if (!meta->stage1_source.empty()) return fmt::format("{} trees, from a file", meta->trees);
  return fmt::format("depth {}, {} trees{}", meta->depth, meta->trees, meta->tuning ? " (tuned)" : "");
}

struct ModelsArgs {
  std::string db;
  std::optional<ModelId> activate;
};

int run_models(const ModelsArgs& args) {
  // Listing only reads: a database on a read-only mount can still be listed.
  Result<std::unique_ptr<Database>> db =
      open_db(args.db, args.activate ? Database::Access::kReadWrite : Database::Access::kReadOnly);
  if (!db.ok()) return report(db.error());
  if (args.activate) {
    Status activated = (*db)->activate_model(*args.activate);
    if (!activated.ok()) return report(activated.error());
    fmt::print("Model {} is now active\n", *args.activate);
  }
  Result<std::vector<ModelRecord>> models = (*db)->list_models();
  if (!models.ok()) return report(models.error());
  fmt::print("{:>4}  {:<6} {:<28} {:<20}  {:<26}  {}\n", "id", "active", "name", "created", "stage 1", "path");
  for (const ModelRecord& m : *models) {
    fmt::print("{:>4}  {:<6} {:<28} {:<20}  {:<26}  {}\n", m.id, m.active ? "yes" : "", m.name, m.created_at,
               stage1_summary(m.path), m.path);
  }
  return kExitOk;
}

}  // namespace

void add_models_command(CLI::App& app, Action& action) {
  auto args = std::make_shared<ModelsArgs>();
  CLI::App* cmd = app.add_subcommand("models", "List registered models, or activate one");
  add_db_option(*cmd, args->db, "SQLite database file");
  cmd->add_option("--activate", args->activate, "Make this model id the active one")->transform(decimal_integer(1));
  cmd->callback([args, &action] { action = [args] { return run_models(*args); }; });
}

}  // namespace paddock::cli
