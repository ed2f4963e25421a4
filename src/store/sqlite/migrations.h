// The SQLite schema as numbered migrations. A database records the versions it has in
// `schema_migrations`; opening it applies the missing ones in order, all in one transaction.
// Never edit a released migration: add the next number. docs/schema.md describes the result.
#pragma once

#include "core/error.h"
#include "store/sqlite/sqlite_handle.h"

namespace paddock::sqlite {

// Applies every migration newer than the database's version. Fails if the database is newer
// than this program.
Status apply_migrations(Connection& connection);
int latest_schema_version();
// The version a database records, without writing (0 for a database without the table).
Result<int> stored_schema_version(Connection& connection);

}  // namespace paddock::sqlite
