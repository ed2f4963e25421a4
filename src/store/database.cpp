#include "store/database.h"

#include "store/sqlite/sqlite_database.h"

namespace paddock {

Result<std::unique_ptr<Database>> open_database(const std::string& path, Database::Access access) {
  if (path.rfind("postgres://", 0) == 0 || path.rfind("postgresql://", 0) == 0) {
    return make_error(ErrorCode::kInvalidArgument,
                      "PostgreSQL databases are not supported by this build yet; use a SQLite file");
  }
  if (path.empty()) return make_error(ErrorCode::kInvalidArgument, "no database path given (--db)");
  return sqlite::SqliteDatabase::open(path, access);
}

Result<WriteTransaction> WriteTransaction::begin(Database& db) {
  PADDOCK_TRY(db.begin_write());
  return WriteTransaction(&db);
}

Status WriteTransaction::commit() {
  Database* db = db_;
  db_ = nullptr;
  Status committed = db->commit();
  if (!committed.ok()) db->rollback();
  return committed;
}

}  // namespace paddock
