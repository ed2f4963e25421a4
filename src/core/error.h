// Errors as values. Every failure a user can cause (a bad flag, a bad CSV row, a missing model)
// is an `Error` with one of a small fixed set of codes and a message that names the file, line,
// field or value at fault. `Result<T>` holds a value or an Error and must not be ignored;
// `Status` is `Result<void>`. Each code maps in one place to a process exit code
// (`exit_code_for`), and later to an HTTP status.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace paddock {

enum class ErrorCode {
  kInvalidArgument,  // the caller's input is wrong: a flag, a CSV value, a date
  kNotFound,         // a file, race, job or model that does not exist
  kAlreadyExists,    // a unique thing created twice
  kFailedPrecondition,  // the input is well formed but the state forbids it (no active model)
  kIo,               // the operating system refused: open, read, write, fork
  kDatabase,         // SQLite or PostgreSQL reported an error
  kModel,            // XGBoost reported an error, or a model does not fit the features
  kCancelled,        // a user or signal asked to stop
  kInternal,         // a bug: an invariant that should hold did not
};

const char* to_string(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;

  // "invalid argument: races.csv line 4, column distance_m: '-1200' is not a positive integer"
  std::string describe() const;
};

inline Error make_error(ErrorCode code, std::string message) { return Error{code, std::move(message)}; }

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Error error) : state_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { assert(ok()); return std::get<0>(state_); }
  const T& value() const& { assert(ok()); return std::get<0>(state_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { assert(!ok()); return std::get<1>(state_); }

 private:
  std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { assert(!ok_); return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;

inline Status ok_status() { return Status(); }

// The first line of a message, cut to 500 characters: for a row's error column or a summary,
// where the whole text goes to a log.
std::string first_line(const std::string& text);

// Exit codes of the `paddock` program. Documented in docs/cli.md.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitCancelled = 3;

int exit_code_for(ErrorCode code);

}  // namespace paddock

#define PADDOCK_CONCAT_INNER(a, b) a##b
#define PADDOCK_CONCAT(a, b) PADDOCK_CONCAT_INNER(a, b)

// PADDOCK_TRY(status_expr): return the error of a failed Status/Result from the current function.
#define PADDOCK_TRY(expr)                                    \
  do {                                                       \
    auto&& paddock_try_result_ = (expr);                     \
    if (!paddock_try_result_.ok()) return paddock_try_result_.error(); \
  } while (false)

// PADDOCK_ASSIGN_OR_RETURN(lhs, result_expr): `lhs = value` or return the error. `lhs` may be a
// declaration, so it cannot be parenthesised.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define PADDOCK_ASSIGN_OR_RETURN(lhs, expr) \
  PADDOCK_ASSIGN_OR_RETURN_IMPL(PADDOCK_CONCAT(paddock_result_, __LINE__), lhs, expr)
#define PADDOCK_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return tmp.error();                  \
  lhs = std::move(tmp).value()
// NOLINTEND(bugprone-macro-parentheses)
