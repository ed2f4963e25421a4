#include "core/error.h"

namespace paddock {

const char* to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "invalid argument";
    case ErrorCode::kNotFound: return "not found";
    case ErrorCode::kAlreadyExists: return "already exists";
    case ErrorCode::kFailedPrecondition: return "failed precondition";
    case ErrorCode::kIo: return "i/o error";
    case ErrorCode::kDatabase: return "database error";
    case ErrorCode::kModel: return "model error";
    case ErrorCode::kCancelled: return "cancelled";
    case ErrorCode::kInternal: return "internal error";
  }
  return "error";
}

std::string Error::describe() const { return std::string(to_string(code)) + ": " + message; }

int exit_code_for(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kNotFound:
      return kExitUsage;
    case ErrorCode::kCancelled:
      return kExitCancelled;
    default:
      return kExitFailure;
  }
}

std::string first_line(const std::string& text) {
  constexpr std::size_t kMaxLength = 500;
  std::string line = text.substr(0, text.find('\n'));
  if (line.size() > kMaxLength) line = line.substr(0, kMaxLength) + "...";
  return line;
}

}  // namespace paddock
