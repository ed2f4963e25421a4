// RAII handles over SQLite's C API: a connection and a prepared statement. Every SQLite error
// becomes an Error of code kDatabase whose message carries SQLite's own text and the start of
// the SQL at fault. Only code in src/store/sqlite includes this header.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/error.h"

namespace paddock::sqlite {

class Statement {
 public:
  Statement() = default;
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Binds by 1-based index; std::nullopt and empty text optionals bind NULL.
  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
  Statement& bind(int index, double value);
  Statement& bind(int index, std::string_view value);
  Statement& bind(int index, const char* value) { return bind(index, std::string_view(value)); }
  Statement& bind(int index, const std::string& value) { return bind(index, std::string_view(value)); }
  Statement& bind_null(int index);
  // Binds text without copying it: `value` must outlive the statement's next reset.
  Statement& bind_static(int index, std::string_view value);
  template <typename T>
  Statement& bind(int index, const std::optional<T>& value) {
    return value ? bind(index, *value) : bind_null(index);
  }
  // Binds NULL for an empty string: optional text columns store NULL, not ''.
  Statement& bind_text_or_null(int index, std::string_view value);

  // Advances: true when a row is ready, false when done.
  Result<bool> step();
  // Runs to completion, for statements that return no rows. Resets afterwards.
  Status run();
  void reset();

  bool is_null(int column) const;
  std::int64_t int64(int column) const;
  int int32(int column) const { return static_cast<int>(int64(column)); }
  double real(int column) const;
  std::string text(int column) const;
  // The text of a column without a copy; valid until the next step or reset.
  std::string_view text_view(int column) const;
  std::optional<std::int64_t> optional_int64(int column) const;
  std::optional<int> optional_int(int column) const;
  std::optional<double> optional_real(int column) const;

 private:
  Error error(int rc) const;

  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  int first_bind_error_ = SQLITE_OK;
};

class Connection {
 public:
  enum class Mode { kReadWrite, kReadOnly };

  // Opens (creating it in read-write mode) and applies the connection settings: WAL, a busy
  // timeout, foreign keys on, NORMAL synchronous. A read-write open of a file that cannot be
  // written is an error (kIo) saying so. A read-only open of a database in a directory that
  // cannot be written (where SQLite cannot make the -shm file it reads WAL databases with)
  // reads the main file alone, when it holds everything (no unmerged -wal file).
  static Result<std::unique_ptr<Connection>> open(const std::string& path, Mode mode);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  Status exec(std::string_view sql);
  Result<Statement> prepare(std::string_view sql);
  // A statement prepared once per connection and reused; reset before it is returned. The
  // cache is keyed by the pointer: `sql` must live as long as the connection (a literal, or
  // a static string).
  Result<Statement*> cached(const char* sql);
  std::int64_t last_insert_rowid() const;
  int changes() const;
  const std::string& path() const { return path_; }
  sqlite3* raw() const { return db_; }

 private:
  Connection(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  static Result<std::unique_ptr<Connection>> open_with(const std::string& path, const std::string& name, Mode mode);
  static std::string uri_escape(const std::string& path);

  sqlite3* db_ = nullptr;
  std::string path_;
  std::unordered_map<const char*, Statement> cache_;
};

}  // namespace paddock::sqlite
