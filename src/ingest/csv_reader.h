// Reading CSV files as RFC 4180 describes them: fields separated by commas, records by CRLF or
// LF; a field may be quoted with '"', and then holds commas, line breaks and doubled quotes
// ("" for one "). The first record is the header. A UTF-8 byte order mark before the header is
// skipped, and so are blank lines between records.
//
// Every record carries the 1-based line on which it starts in the file (the header is line 1
// when the file starts with it), so that messages can send a reader to the right line even when
// a quoted field spans several lines. Fields are returned as written: no trimming, no type.
//
// Hand-written on purpose: Debian 12 packages no CSV library for C++, and the format is small.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace paddock {

struct CsvRecord {
  std::size_t line = 0;  // where the record starts, 1-based
  std::vector<std::string> fields;
};

// Reads one CSV text, record by record, after its header. Holds the whole text in memory.
class CsvReader {
 public:
  // Reads the file at `path`. Errors: kNotFound when it does not exist, kIo when it cannot be
  // read, kInvalidArgument when it is not a regular file (a directory, a FIFO), when it has no
  // header row or the header is malformed. Messages name the file by its full path; later
  // messages name it by `source()`, its file name.
  static Result<CsvReader> open(const std::filesystem::path& path);
  // Reads CSV held in memory; `source` names it in messages.
  static Result<CsvReader> from_text(std::string text, std::string source);

  const std::string& source() const { return source_; }
  const std::vector<std::string>& header() const { return header_; }

  // Fills `record` with the next data record and returns true, or returns false at the end.
  // A malformed record (an unclosed quote, text after a closing quote) is a kInvalidArgument
  // error naming the source and line; the reader cannot resynchronise after it.
  Result<bool> next(CsvRecord& record);

 private:
  CsvReader(std::string text, std::string source);

  Result<std::string> read_field();
  void consume_line_break();

  std::string text_;
  std::string source_;
  std::vector<std::string> header_;
  std::size_t position_ = 0;
  std::size_t line_ = 1;
};

}  // namespace paddock
