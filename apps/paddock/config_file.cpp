#include "config_file.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "jobs/batch_job_manager.h"
#include "options/predict_options.h"

namespace paddock::cli {
namespace {

namespace fs = std::filesystem;

// The [predict] keys and the flag each sets, with its limits (the same as validate()'s).
struct PredictKey {
  const char* key;
  const char* flag;
  std::int64_t min;
  std::int64_t max;
};
constexpr PredictKey kPredictKeys[] = {
    {"workers", "--workers", -1, kMaxWorkers},
    {"chunk_size", "--chunk-size", 1, kMaxChunkSize},
    {"max_memory", "--max-memory", 1, kMaxMemoryMb},
    {"retries", "--retries", 0, kMaxRetries},
};

ConfigFile& config_storage() {
  static ConfigFile config;
  return config;
}

std::vector<fs::path> candidates() {
  std::vector<fs::path> paths{"paddock.toml"};
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg != nullptr && *xdg != '\0') {
    paths.push_back(fs::path(xdg) / "paddock" / "paddock.toml");
  } else if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    paths.push_back(fs::path(home) / ".config" / "paddock" / "paddock.toml");
  }
  return paths;
}

Error bad(const ConfigFile& config, const toml::node& node, const std::string& what) {
  return make_error(ErrorCode::kInvalidArgument,
                    fmt::format("{} line {}: {}", config.path, node.source().begin.line, what));
}

// A path in the file is relative to the file, not to wherever paddock runs.
std::string beside_file(const ConfigFile& config, const std::string& value) {
  const fs::path path(value);
  if (path.is_absolute()) return value;
  return (fs::path(config.path).parent_path() / path).lexically_normal().string();
}

Status read_predict_table(const toml::table& table, ConfigFile& config) {
  for (const auto& [key, node] : table) {
    const auto* spec = std::find_if(std::begin(kPredictKeys), std::end(kPredictKeys),
                                    [&](const PredictKey& k) { return key.str() == k.key; });
    if (spec == std::end(kPredictKeys)) {
      return bad(config, node, fmt::format("unknown key '{}' in [predict] (known: workers, chunk_size, max_memory, "
                                           "retries)", key.str()));
    }
    const std::optional<std::int64_t> value = node.value<std::int64_t>();
    if (!node.is_integer() || !value || *value < spec->min || *value > spec->max || (*value == 0 && spec->min == -1)) {
      return bad(config, node, fmt::format("predict.{} must be an integer from {} to {}{}", key.str(), spec->min,
                                           spec->max, spec->min == -1 ? " (not 0)" : ""));
    }
    config.predict[spec->flag + 2] = *value;
  }
  return ok_status();
}

Status read_table(const toml::table& root, ConfigFile& config) {
  for (const auto& [key, node] : root) {
    const std::string name(key.str());
    if (name == "db" || name == "log_dir") {
      const std::optional<std::string> text = node.value<std::string>();
      if (!node.is_string() || !text || text->empty()) return bad(config, node, name + " must be a non-empty string");
      (name == "db" ? config.db : config.log_dir) = beside_file(config, *text);
    } else if (name == "max_running") {
      const std::optional<std::int64_t> value = node.value<std::int64_t>();
      if (!node.is_integer() || !value || *value < 1 || *value > kMaxRunningJobsLimit) {
        return bad(config, node, fmt::format("max_running must be an integer from 1 to {}", kMaxRunningJobsLimit));
      }
      config.max_running = static_cast<int>(*value);
    } else if (name == "predict" && node.is_table()) {
      PADDOCK_TRY(read_predict_table(*node.as_table(), config));
    } else {
      return bad(config, node, fmt::format("unknown key '{}' (known: db, log_dir, max_running, [predict])", name));
    }
  }
  return ok_status();
}

void for_each_app(CLI::App& app, const std::function<void(CLI::App&)>& visit) {
  visit(app);
  for (CLI::App* sub : app.get_subcommands({})) for_each_app(*sub, visit);
}

}  // namespace

Result<ConfigFile> load_config_file() {
  ConfigFile config;
  std::vector<fs::path> paths;
  if (const char* chosen = std::getenv("PADDOCK_CONFIG"); chosen != nullptr && *chosen != '\0') {
    paths = {chosen};
    std::error_code ec;
    if (!fs::is_regular_file(chosen, ec)) {
      return make_error(ErrorCode::kNotFound, fmt::format("PADDOCK_CONFIG names '{}', which is not a file", chosen));
    }
  } else {
    paths = candidates();
  }
  for (const fs::path& path : paths) {
    config.searched.push_back(path.string());
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) continue;
    config.path = fs::absolute(path, ec).lexically_normal().string();
    try {
      const toml::table root = toml::parse_file(path.string());
      PADDOCK_TRY(read_table(root, config));
    } catch (const toml::parse_error& error) {
      return make_error(ErrorCode::kInvalidArgument, fmt::format("{} line {}: not valid TOML: {}", config.path,
                                                                 error.source().begin.line, error.description()));
    }
    return config;
  }
  return config;
}

void apply_config_defaults(CLI::App& app, const ConfigFile& config) {
  for_each_app(app, [&](CLI::App& command) {
    for (CLI::Option* option : command.get_options()) {
      if (config.db && option->check_lname("db")) {
        option->required(false)->run_callback_for_default()->default_val(*config.db);
        continue;
      }
      for (const auto& [flag, value] : config.predict) {
        if (option->check_lname(flag)) option->run_callback_for_default()->default_val(value);
      }
    }
  });
}

const ConfigFile& current_config() { return config_storage(); }
void set_current_config(ConfigFile config) { config_storage() = std::move(config); }

namespace {

struct ConfigArgs {
  std::string db;
};

int run_config_show(const ConfigArgs& args, CLI::App& show) {
  const ConfigFile& config = current_config();
  if (config.path.empty()) {
    fmt::print("Configuration file: none (searched {})\n", fmt::join(config.searched, ", "));
  } else {
    fmt::print("Configuration file: {}\n", config.path);
  }
  const bool db_flag = show.get_option("--db")->count() > 0;
  const char* env_db = std::getenv("PADDOCK_DB");
  std::string db_source = "not set: give --db, set PADDOCK_DB, or put db in paddock.toml";
  // CLI11 counts a value from the environment as given: compare with PADDOCK_DB's.
  if (env_db != nullptr && *env_db != '\0' && args.db == env_db) {
    db_source = "PADDOCK_DB";
  } else if (db_flag) {
    db_source = "--db";
  } else if (config.db) {
    db_source = "paddock.toml";
  }
  const auto line = [](const std::string& key, const std::string& value, const std::string& source) {
    fmt::print("  {:<18} = {:<36} ({})\n", key, value.empty() ? "-" : value, source);
  };
  line("db", args.db, db_source);
  line("log_dir", config.log_dir.value_or(args.db.empty() ? "" : "logs/ beside the database"),
       config.log_dir ? "paddock.toml" : "default");
  std::string running_source = config.max_running ? "paddock.toml" : "default";
  int running = config.max_running.value_or(kDefaultMaxRunningJobs);
  if (!args.db.empty()) {  // read only: showing the settings changes nothing
    Result<std::unique_ptr<Database>> db = open_db(args.db, Database::Access::kReadOnly);
    if (!db.ok()) return report(db.error());
    Result<std::optional<std::string>> stored = (*db)->setting(kMaxRunningJobsSetting);
    if (!stored.ok()) return report(stored.error());
    if (stored->has_value()) {
      running = std::atoi((*stored)->c_str());
      running_source = "the database's setting (paddock jobs config)";
    }
  }
  line("max_running", std::to_string(running), running_source);
  const PredictOptions defaults;
  const std::map<std::string, std::int64_t> built_in{{"workers", defaults.workers},
                                                      {"chunk-size", defaults.chunk_size},
                                                      {"max-memory", defaults.max_memory_mb},
                                                      {"retries", defaults.retries}};
  for (const auto& [flag, fallback] : built_in) {
    const auto found = config.predict.find(flag);
    std::string key = flag;
    std::replace(key.begin(), key.end(), '-', '_');  // the file's spelling
    line("predict." + key, std::to_string(found != config.predict.end() ? found->second : fallback),
         found != config.predict.end() ? "paddock.toml" : "default");
  }
  return kExitOk;
}

}  // namespace

void add_config_command(CLI::App& app, Action& action) {
  auto args = std::make_shared<ConfigArgs>();
  CLI::App* config = app.add_subcommand("config", "The settings in force (paddock.toml, PADDOCK_DB, flags)");
  config->require_subcommand(1);
  CLI::App* show = config->add_subcommand("show", "Print each setting, its value and where it came from");
  show->add_option("--db", args->db, "SQLite database file (or set PADDOCK_DB)")->envname("PADDOCK_DB");
  show->callback([args, show, &action] { action = [args, show] { return run_config_show(*args, *show); }; });
}

}  // namespace paddock::cli
