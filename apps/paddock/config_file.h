// paddock.toml: the settings a user would otherwise repeat on every command, as the batch
// prediction guide's app keeps its active database in config.yaml.
//
//   db = "data/demo.db"        # the database (relative paths are relative to this file)
//   log_dir = "data/logs"      # where job logs go (default: logs/ beside the database)
//   max_running = 2            # jobs running at once, when the database sets none
//   [predict]                  # defaults of the batch job flags
//   workers = -1
//   chunk_size = 50
//   max_memory = 4096
//   retries = 1
//
// Found as $PADDOCK_CONFIG, else ./paddock.toml, else $XDG_CONFIG_HOME/paddock/paddock.toml
// (~/.config/paddock/paddock.toml). A flag wins over PADDOCK_DB, which wins over the file.
#pragma once

#include <CLI/CLI.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cli_support.h"
#include "core/error.h"

namespace paddock::cli {

struct ConfigFile {
  std::string path;  // where it was read from; empty when there is none
  std::vector<std::string> searched;
  std::optional<std::string> db;
  std::optional<std::string> log_dir;
  std::optional<int> max_running;
  std::map<std::string, std::int64_t> predict;  // flag name without "--" -> value
};

// The file in force, or an empty ConfigFile when none exists. Errors (kInvalidArgument) name the
// file, the line and the key: a file that is not TOML, an unknown key, a value of the wrong type.
Result<ConfigFile> load_config_file();

// Makes the file's values the defaults of every command's flags (--db, the predict flags), so
// that a flag or the environment still overrides them.
void apply_config_defaults(CLI::App& app, const ConfigFile& config);

// The process-wide file, loaded once by main() before parsing.
const ConfigFile& current_config();
void set_current_config(ConfigFile config);

void add_config_command(CLI::App& app, Action& action);

}  // namespace paddock::cli
