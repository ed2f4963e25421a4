// How the importers quote what they read in their messages. Input files are untrusted: a cell,
// a column name or a JSON string may be a megabyte long or hold control bytes, so a message
// never echoes it whole: it shows at most a few dozen bytes, cut on a UTF-8 character
// boundary, with control bytes written as \xNN. And an exception thrown while importing (out of
// memory on a huge file, a JSON library error) becomes an Error here, so that no import aborts
// the process.
#pragma once

#include <cstddef>
#include <exception>
#include <string>
#include <string_view>

#include "core/error.h"

namespace paddock {

inline constexpr std::size_t kMaxShownBytes = 40;

// `text` as a message shows it: its first `max_bytes` bytes (fewer when that would cut a UTF-8
// character), then "..." when some were left out; bytes below 0x20 and 0x7F as \xNN.
std::string shown_text(std::string_view text, std::size_t max_bytes = kMaxShownBytes);

// The Error for an exception that stopped reading or writing `what` (a file, a directory):
// kIo for std::bad_alloc (the system refused memory), kInternal otherwise. The exception's text
// is shortened like any other: library messages quote the input they stopped at.
Error exception_error(const std::exception& exception, std::string_view what);

}  // namespace paddock
