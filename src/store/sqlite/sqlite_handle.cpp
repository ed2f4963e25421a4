#include "store/sqlite/sqlite_handle.h"

#include <fmt/format.h>

#include <filesystem>
#include <utility>

namespace paddock::sqlite {

namespace {

// A statement is named by its start: enough to find it in the code, where a multi-row insert
// in full would fill the screen with its placeholders.
std::string sql_excerpt(std::string_view sql) {
  constexpr std::size_t kShown = 100;
  return sql.size() > kShown ? std::string(sql.substr(0, kShown)) + "..." : std::string(sql);
}

}  // namespace

Statement::Statement(Statement&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)),
      stmt_(std::exchange(other.stmt_, nullptr)),
      first_bind_error_(other.first_bind_error_) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    db_ = std::exchange(other.db_, nullptr);
    stmt_ = std::exchange(other.stmt_, nullptr);
    first_bind_error_ = other.first_bind_error_;
  }
  return *this;
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Error Statement::error(int rc) const {
  const std::string_view sql = stmt_ != nullptr ? sqlite3_sql(stmt_) : "";
  return make_error(ErrorCode::kDatabase,
                    fmt::format("{} (SQLite code {}) in: {}", sqlite3_errmsg(db_), rc, sql_excerpt(sql)));
}

Statement& Statement::bind(int index, std::int64_t value) {
  const int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK && first_bind_error_ == SQLITE_OK) first_bind_error_ = rc;
  return *this;
}

Statement& Statement::bind(int index, double value) {
  const int rc = sqlite3_bind_double(stmt_, index, value);
  if (rc != SQLITE_OK && first_bind_error_ == SQLITE_OK) first_bind_error_ = rc;
  return *this;
}

Statement& Statement::bind(int index, std::string_view value) {
  const int rc = sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()),
                                   SQLITE_TRANSIENT);
  if (rc != SQLITE_OK && first_bind_error_ == SQLITE_OK) first_bind_error_ = rc;
  return *this;
}

Statement& Statement::bind_static(int index, std::string_view value) {
  const int rc = sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_STATIC);
  if (rc != SQLITE_OK && first_bind_error_ == SQLITE_OK) first_bind_error_ = rc;
  return *this;
}

Statement& Statement::bind_null(int index) {
  const int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK && first_bind_error_ == SQLITE_OK) first_bind_error_ = rc;
  return *this;
}

Statement& Statement::bind_text_or_null(int index, std::string_view value) {
  return value.empty() ? bind_null(index) : bind(index, value);
}

Result<bool> Statement::step() {
  if (first_bind_error_ != SQLITE_OK) {
    const int rc = std::exchange(first_bind_error_, SQLITE_OK);
    return error(rc);
  }
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  Error failure = error(rc);
  sqlite3_reset(stmt_);
  return failure;
}

Status Statement::run() {
  Result<bool> stepped = step();
  reset();
  if (!stepped.ok()) return stepped.error();
  return ok_status();
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  first_bind_error_ = SQLITE_OK;
}

bool Statement::is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
std::int64_t Statement::int64(int column) const { return sqlite3_column_int64(stmt_, column); }
double Statement::real(int column) const { return sqlite3_column_double(stmt_, column); }

// A column read once as a value, then asked its type and its content: each sqlite3_column_*
// call goes through the connection's checks again, and a card's row has two dozen columns.
// The connections are opened SQLITE_OPEN_NOMUTEX, where the value sqlite3_column_value gives
// may be read like any other (SQLite's "unprotected" values differ only by a mutex).
std::string Statement::text(int column) const { return std::string(text_view(column)); }

std::string_view Statement::text_view(int column) const {
  sqlite3_value* value = sqlite3_column_value(stmt_, column);
  const auto* bytes = sqlite3_value_text(value);
  if (bytes == nullptr) return {};
  return std::string_view(reinterpret_cast<const char*>(bytes), static_cast<std::size_t>(sqlite3_value_bytes(value)));
}

std::optional<std::int64_t> Statement::optional_int64(int column) const {
  sqlite3_value* value = sqlite3_column_value(stmt_, column);
  if (sqlite3_value_type(value) == SQLITE_NULL) return std::nullopt;
  return sqlite3_value_int64(value);
}

std::optional<int> Statement::optional_int(int column) const {
  sqlite3_value* value = sqlite3_column_value(stmt_, column);
  if (sqlite3_value_type(value) == SQLITE_NULL) return std::nullopt;
  return static_cast<int>(sqlite3_value_int64(value));
}

std::optional<double> Statement::optional_real(int column) const {
  sqlite3_value* value = sqlite3_column_value(stmt_, column);
  if (sqlite3_value_type(value) == SQLITE_NULL) return std::nullopt;
  return sqlite3_value_double(value);
}

namespace {

// A WAL file with content holds committed transactions that the main file does not have yet.
bool has_unmerged_wal(const std::string& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path + "-wal", ec);
  return !ec && size > 0;
}

}  // namespace

Result<std::unique_ptr<Connection>> Connection::open(const std::string& path, Mode mode) {
  const bool read_only = mode == Mode::kReadOnly;
  Result<std::unique_ptr<Connection>> opened = open_with(path, path, mode);
  if (opened.ok() || !read_only) return opened;
  // Reading a WAL database needs its -shm file, which a read-only directory (a read-only
  // mount, a shared dataset) cannot hold. A database that was closed cleanly has everything in
  // its main file: read that alone ("immutable", no locks) instead of failing.
  if (has_unmerged_wal(path)) {
    return make_error(ErrorCode::kIo,
                      fmt::format("cannot read database '{}': {} (its directory is not writable and '{}-wal' holds "
                                  "changes not yet in the main file; open it once where it can be written)",
                                  path, opened.error().message, path));
  }
  Result<std::unique_ptr<Connection>> immutable = open_with(path, "file:" + uri_escape(path) + "?immutable=1", mode);
  if (immutable.ok()) return immutable;
  return opened.error();
}

std::string Connection::uri_escape(const std::string& path) {
  std::string escaped;
  for (char c : path) {
    if (c == '%' || c == '?' || c == '#') {
      escaped += fmt::format("%{:02X}", static_cast<unsigned char>(c));
    } else {
      escaped += c;
    }
  }
  return escaped;
}

Result<std::unique_ptr<Connection>> Connection::open_with(const std::string& path, const std::string& name, Mode mode) {
  sqlite3* db = nullptr;
  const int flags = mode == Mode::kReadOnly ? SQLITE_OPEN_READONLY
                                            : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  const int rc = sqlite3_open_v2(name.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = fmt::format("cannot open database '{}': {}", path,
                                      db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_close(db);
    return make_error(ErrorCode::kDatabase, std::move(message));
  }
  std::unique_ptr<Connection> connection(new Connection(db, path));
  // SQLite opens a file it may not write read-only without a word, and fails later on the
  // first write: say at once what is wrong.
  if (mode == Mode::kReadWrite && sqlite3_db_readonly(db, "main") == 1) {
    return make_error(ErrorCode::kIo,
                      fmt::format("database '{}' cannot be written (a read-only file system, or a file this user "
                                  "may not write); this command needs to write to it", path));
  }
  sqlite3_busy_timeout(db, 30000);
  sqlite3_extended_result_codes(db, 1);
  const char* settings = mode == Mode::kReadOnly
      ? "PRAGMA foreign_keys=ON; PRAGMA cache_size=-16384; PRAGMA temp_store=MEMORY;"
      : "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        "PRAGMA cache_size=-32768; PRAGMA temp_store=MEMORY; PRAGMA wal_autocheckpoint=8000;";
  PADDOCK_TRY(connection->exec(settings));
  if (mode == Mode::kReadOnly) {
    // The settings touch no table: read the schema, so that a file SQLite cannot read (its
    // -shm missing in a read-only directory) fails here, where open() can still try otherwise.
    PADDOCK_TRY(connection->exec("SELECT COUNT(*) FROM sqlite_master"));
  }
  return connection;
}

Connection::~Connection() {
  cache_.clear();
  sqlite3_close(db_);
}

Status Connection::exec(std::string_view sql) {
  char* message = nullptr;
  const std::string text(sql);
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return ok_status();
  std::string description = message != nullptr ? message : sqlite3_errstr(rc);
  sqlite3_free(message);
  return make_error(ErrorCode::kDatabase,
                    fmt::format("{} on '{}' (SQLite code {})", description, path_, rc));
}

Result<Statement> Connection::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) {
    return make_error(ErrorCode::kDatabase,
                      fmt::format("{} (SQLite code {}) preparing: {}", sqlite3_errmsg(db_), rc, sql_excerpt(sql)));
  }
  return Statement(db_, stmt);
}

Result<Statement*> Connection::cached(const char* sql) {
  auto found = cache_.find(sql);
  if (found == cache_.end()) {
    PADDOCK_ASSIGN_OR_RETURN(Statement statement, prepare(sql));
    found = cache_.emplace(sql, std::move(statement)).first;
  }
  found->second.reset();
  return &found->second;
}

std::int64_t Connection::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
int Connection::changes() const { return sqlite3_changes(db_); }

}  // namespace paddock::sqlite
