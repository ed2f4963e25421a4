#include "ingest/import_messages.h"

#include <fmt/format.h>

#include <algorithm>
#include <new>

namespace paddock {
namespace {

constexpr std::size_t kMaxShownExceptionBytes = 200;

bool is_utf8_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

bool is_control(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return byte < 0x20 || byte == 0x7F;
}

}  // namespace

std::string shown_text(std::string_view text, std::size_t max_bytes) {
  std::size_t end = std::min(text.size(), max_bytes);
  // Cutting inside a character would leave a message that is not UTF-8: cut before it.
  if (end < text.size()) {
    while (end > 0 && is_utf8_continuation(text[end])) --end;
  }
  std::string out;
  out.reserve(end + 3);
  for (const char c : text.substr(0, end)) {
    if (is_control(c)) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    } else {
      out.push_back(c);
    }
  }
  if (end < text.size()) out += "...";
  return out;
}

Error exception_error(const std::exception& exception, std::string_view what) {
  if (dynamic_cast<const std::bad_alloc*>(&exception) != nullptr) {
    return make_error(ErrorCode::kIo, fmt::format("{}: out of memory", what));
  }
  return make_error(ErrorCode::kInternal,
                    fmt::format("{}: {}", what, shown_text(exception.what(), kMaxShownExceptionBytes)));
}

}  // namespace paddock
