#include "core/identifier.h"

#include <fmt/format.h>

#include <string>

namespace paddock {
namespace {

bool allowed(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
         c == '.';
}

// The name as a terminal can show it: at most 40 characters, anything outside the alphabet as '?'.
std::string shown(std::string_view name) {
  constexpr std::size_t kShown = 40;
  std::string text;
  for (char c : name.substr(0, kShown)) text += allowed(c) ? c : '?';
  return name.size() > kShown ? text + "..." : text;
}

std::string describe(char c) {
  const auto byte = static_cast<unsigned char>(c);
  if (byte < 0x20 || byte >= 0x7F) return fmt::format("byte 0x{:02X}", byte);
  return fmt::format("'{}'", c);
}

}  // namespace

Status validate_identifier(std::string_view name, std::string_view what) {
  if (name.empty()) return make_error(ErrorCode::kInvalidArgument, fmt::format("a {} cannot be empty", what));
  if (name.size() > kMaxIdentifierLength) {
    return make_error(ErrorCode::kInvalidArgument, fmt::format("{} '{}' is longer than {} characters", what,
                                                               shown(name), kMaxIdentifierLength));
  }
  if (name.front() == '.') {
    return make_error(ErrorCode::kInvalidArgument, fmt::format("{} '{}' cannot start with '.'", what, shown(name)));
  }
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (allowed(name[i])) continue;
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{} '{}' has {} at position {}; it may hold letters, digits, '_', '-' and '.'",
                                  what, shown(name), describe(name[i]), i + 1));
  }
  return ok_status();
}

}  // namespace paddock
