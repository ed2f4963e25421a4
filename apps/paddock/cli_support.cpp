#include "cli_support.h"

#include <fmt/format.h>

#include <cstdio>
#include <filesystem>

namespace paddock::cli {

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
