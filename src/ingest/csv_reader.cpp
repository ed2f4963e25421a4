#include "ingest/csv_reader.h"

#include <fmt/format.h>

#include <string_view>
#include <utility>

#include "core/file_reader.h"
#include "ingest/import_messages.h"

namespace paddock {
namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

bool is_line_break(char c) { return c == '\n' || c == '\r'; }

}  // namespace

CsvReader::CsvReader(std::string text, std::string source)
    : text_(std::move(text)), source_(std::move(source)) {
  if (std::string_view(text_).substr(0, kUtf8Bom.size()) == kUtf8Bom) position_ = kUtf8Bom.size();
}

Result<CsvReader> CsvReader::open(const std::filesystem::path& path) {
  // read_file, not std::ifstream: a directory or a FIFO is an Error naming it, not an exception
  // or a read that never returns.
  PADDOCK_ASSIGN_OR_RETURN(std::string text, read_file(path));
  return from_text(std::move(text), path.filename().string());
}

Result<CsvReader> CsvReader::from_text(std::string text, std::string source) {
  CsvReader reader(std::move(text), std::move(source));
  CsvRecord header;
  PADDOCK_ASSIGN_OR_RETURN(const bool has_header, reader.next(header));
  if (!has_header) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{} is empty: expected a header row naming the columns", reader.source_));
  }
  reader.header_ = std::move(header.fields);
  return reader;
}

Result<bool> CsvReader::next(CsvRecord& record) {
  // Blank lines between records carry nothing; a trailing newline is the common case.
  while (position_ < text_.size() && is_line_break(text_[position_])) consume_line_break();
  if (position_ >= text_.size()) return false;

  record.line = line_;
  record.fields.clear();
  while (true) {
    PADDOCK_ASSIGN_OR_RETURN(std::string field, read_field());
    record.fields.push_back(std::move(field));
    if (position_ >= text_.size()) return true;
    if (text_[position_] == ',') {
      ++position_;
      continue;
    }
    consume_line_break();
    return true;
  }
}

// Reads one field and leaves the position on the separator, the line break or the end.
Result<std::string> CsvReader::read_field() {
  std::string field;
  if (position_ >= text_.size() || text_[position_] != '"') {
    const std::size_t end = text_.find_first_of(",\r\n", position_);
    const std::size_t stop = end == std::string::npos ? text_.size() : end;
    field.assign(text_, position_, stop - position_);
    position_ = stop;
    return field;
  }

  const std::size_t start_line = line_;
  ++position_;  // the opening quote
  while (true) {
    if (position_ >= text_.size()) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("{} line {}: a quoted field is not closed before the end of the file",
                                    source_, start_line));
    }
    const char c = text_[position_];
    if (c == '"') {
      if (position_ + 1 < text_.size() && text_[position_ + 1] == '"') {
        field.push_back('"');
        position_ += 2;
        continue;
      }
      ++position_;  // the closing quote
      break;
    }
    // A line break inside quotes is part of the field, but still a line of the file.
    if (c == '\n' || (c == '\r' && (position_ + 1 >= text_.size() || text_[position_ + 1] != '\n'))) ++line_;
    field.push_back(c);
    ++position_;
  }
  if (position_ < text_.size() && text_[position_] != ',' && !is_line_break(text_[position_])) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{} line {}: unexpected '{}' after the closing quote of a field",
                                  source_, line_, shown_text(std::string_view(text_).substr(position_, 1))));
  }
  return field;
}

// Consumes one CRLF, LF or lone CR.
void CsvReader::consume_line_break() {
  if (text_[position_] == '\r' && position_ + 1 < text_.size() && text_[position_ + 1] == '\n') ++position_;
  ++position_;
  ++line_;
}

}  // namespace paddock
