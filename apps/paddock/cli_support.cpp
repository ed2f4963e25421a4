#include "cli_support.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <string_view>
#include <vector>

namespace paddock::cli {
namespace {

// Edit distance, for "did you mean": small words, so the quadratic table is nothing.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// The known word nearest `word`, when it is near enough to be a typo (or a prefix of it).
std::string closest(const std::string& word, const std::vector<std::string>& known) {
  std::string best;
  std::size_t best_distance = std::max<std::size_t>(2, word.size() / 3) + 1;
  for (const std::string& candidate : known) {
    const std::size_t distance = candidate.starts_with(word) && word.size() > 2 ? 1 : edit_distance(word, candidate);
    if (distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

std::vector<std::string> flag_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::Option* option : app.get_options()) {
    for (const std::string& name : option->get_lnames()) names.push_back("--" + name);
    for (const std::string& name : option->get_snames()) names.push_back("-" + name);
  }
  return names;
}

std::string command_name(const CLI::App& app) {
  if (app.get_parent() == nullptr) {
    const std::string name = std::filesystem::path(app.get_name()).filename().string();
    return name.empty() ? "paddock" : name;
  }
  return "paddock " + app.get_name();
}

// An argument CLI11 could not place: an unknown flag, an unknown subcommand, or a stray value.
int report_unexpected(CLI::App& app) {
  const std::vector<CLI::App*> chosen = app.get_subcommands();
  CLI::App& where = chosen.empty() ? app : *chosen.front();
  const std::vector<std::string> extras = where.remaining();
  const std::string program = command_name(where);
  const std::string word = extras.empty() ? "" : extras.front();
  if (chosen.empty() && !app.get_subcommands({}).empty() && !word.empty() && !word.starts_with("-")) {
    std::vector<std::string> commands;
    for (const CLI::App* sub : app.get_subcommands({})) commands.push_back(sub->get_name());
    const std::string suggestion = closest(word, commands);
    fmt::print(stderr, "paddock: error: unknown subcommand '{}'{}\nRun `paddock --help` for the subcommands.\n", word,
               suggestion.empty() ? "" : "; did you mean " + suggestion + "?");
    return kExitUsage;
  }
  const auto flag = std::find_if(extras.begin(), extras.end(), [](const std::string& a) { return a.starts_with("-"); });
  if (flag != extras.end()) {
    const std::string name = flag->substr(0, flag->find('='));
    const std::string suggestion = closest(name, flag_names(where));
    fmt::print(stderr, "paddock: error: unknown flag '{}' for `{}`{}\nRun `{} --help` for its flags.\n", name, program,
               suggestion.empty() ? "" : "; did you mean " + suggestion + "?", program);
    return kExitUsage;
  }
  fmt::print(stderr, "paddock: error: unexpected argument '{}' for `{}` (a value follows its flag: --flag VALUE)\n"
             "Run `{} --help` for its flags.\n", word, program, program);
  return kExitUsage;
}

int report_parse_error(CLI::App& app, const CLI::ParseError& error) {
  if (dynamic_cast<const CLI::ExtrasError*>(&error) != nullptr) return report_unexpected(app);
  std::string message = error.what();
  if (dynamic_cast<const CLI::RequiredError*>(&error) != nullptr && message.find("--db") != std::string::npos) {
    message += " (give --db FILE, or set PADDOCK_DB=FILE)";
  }
  fmt::print(stderr, "paddock: error: {}\nRun with --help for more information.\n", message);
  return kExitUsage;
}

}  // namespace

CLI::Validator decimal_integer(std::int64_t min, std::int64_t max) {
  std::string description = "INTEGER";
  return CLI::Validator(
      [min, max](std::string& text) -> std::string {
        const bool negative = text.starts_with("-");
        const std::string_view digits = std::string_view(text).substr(negative ? 1 : 0);
        if (digits.empty() || !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
          return fmt::format("'{}' is not a decimal integer", text.size() > 40 ? text.substr(0, 40) + "..." : text);
        }
        std::int64_t value = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
        const bool in_range = ec == std::errc() && end == text.data() + text.size() && value >= min && value <= max;
        if (!in_range) {
          if (max == std::numeric_limits<std::int64_t>::max()) {
            return min == std::numeric_limits<std::int64_t>::min()
                       ? fmt::format("'{}' is too large", text)
                       : fmt::format("'{}' is not an integer of at least {}", text, min);
          }
          return fmt::format("'{}' is not an integer from {} to {}", text, min, max);
        }
        text = std::to_string(value);  // "0100" -> "100": CLI11 would read the first as octal
        return std::string();
      },
      description);
}

CLI::Option* add_db_option(CLI::App& app, std::string& target, const std::string& help) {
  return app.add_option("--db", target, help + " (or set PADDOCK_DB)")->envname("PADDOCK_DB")->required();
}

int run_cli(CLI::App& app, int argc, char** argv, Action& action) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return report_parse_error(app, e);
  }
  if (!action) {
    std::fputs(app.help().c_str(), stderr);
    return kExitUsage;
  }
  try {
    return action();
  } catch (const std::exception& e) {
    return report(make_error(ErrorCode::kInternal, fmt::format("unexpected error: {}", e.what())));
  }
}

int report(const Error& error) {
  std::fprintf(stderr, "paddock: error: %s\n", error.describe().c_str());
  return exit_code_for(error.code);
}

Result<std::unique_ptr<Database>> open_db(const std::string& path, Database::Access access) {
  if (!std::filesystem::exists(path)) {
    return make_error(ErrorCode::kNotFound, fmt::format("database '{}' does not exist (create one with "
                                                        "`paddock demo` or `paddock import`)", path));
  }
  return open_database(path, access);
}

Result<std::unique_ptr<Database>> open_or_create_db(const std::string& path) { return open_database(path); }

Result<std::optional<Day>> optional_day(const std::string& text, const char* flag) {
  if (text.empty()) return std::optional<Day>();
  Result<Day> day = parse_day(text);
  if (!day.ok()) return make_error(ErrorCode::kInvalidArgument, fmt::format("{}: {}", flag, day.error().message));
  return std::optional<Day>(*day);
}

Result<LoadedModel> load_model(Database& db, std::optional<ModelId> id) {
  std::optional<ModelRecord> record;
  if (id) {
    PADDOCK_ASSIGN_OR_RETURN(record, db.find_model(*id));
    if (!record) return make_error(ErrorCode::kNotFound, fmt::format("no model with id {} in '{}'", *id, db.location()));
  } else {
    PADDOCK_ASSIGN_OR_RETURN(record, db.active_model());
    if (!record) {
      return make_error(ErrorCode::kFailedPrecondition,
                        fmt::format("no active model in '{}'; train one with `paddock train --db {}`",
                                    db.location(), db.location()));
    }
  }
  PADDOCK_ASSIGN_OR_RETURN(Model model, Model::load(record->path));
  return LoadedModel{std::move(*record), std::move(model)};
}

}  // namespace paddock::cli
