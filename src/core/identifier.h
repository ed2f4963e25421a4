// Names that users give and that paddock turns into file names, URLs and log lines: job ids,
// model names. One alphabet for all of them, checked wherever such a name enters (command line,
// a job row, the API): 1 to 128 letters, digits, '_', '-' and '.', not starting with '.'. So a
// name can never climb out of its directory ("../x"), name one ("/tmp/x", "a/b"), hide a line
// break in a log, or need quoting in a shell.
#pragma once

#include <cstddef>
#include <string_view>

#include "core/error.h"

namespace paddock {

inline constexpr std::size_t kMaxIdentifierLength = 128;

// kInvalidArgument naming `what` ("job id"), the name (cut to 40 characters) and its first bad
// character with its position.
Status validate_identifier(std::string_view name, std::string_view what);

}  // namespace paddock
