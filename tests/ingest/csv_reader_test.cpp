#include "ingest/csv_reader.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <vector>

#include "support/test_fixture.h"

namespace paddock {
namespace {

// Every data record of `text`, or the reader's error.
Result<std::vector<CsvRecord>> read_all(std::string text) {
  PADDOCK_ASSIGN_OR_RETURN(CsvReader reader, CsvReader::from_text(std::move(text), "test.csv"));
  std::vector<CsvRecord> records;
  CsvRecord record;
  while (true) {
    PADDOCK_ASSIGN_OR_RETURN(const bool more, reader.next(record));
    if (!more) return records;
    records.push_back(record);
  }
}

using Fields = std::vector<std::string>;

TEST(CsvReader, ReadsHeaderAndRecordsWithLineNumbers) {
  Result<CsvReader> reader = CsvReader::from_text("a,b,c\n1,2,3\n4,5,6\n", "test.csv");
  ASSERT_TRUE(reader.ok()) << reader.error().describe();
  EXPECT_EQ(reader->header(), (Fields{"a", "b", "c"}));
  CsvRecord record;
  ASSERT_TRUE(*reader->next(record));
  EXPECT_EQ(record.line, 2u);
  EXPECT_EQ(record.fields, (Fields{"1", "2", "3"}));
  ASSERT_TRUE(*reader->next(record));
  EXPECT_EQ(record.line, 3u);
  EXPECT_EQ(record.fields, (Fields{"4", "5", "6"}));
  EXPECT_FALSE(*reader->next(record));
}

TEST(CsvReader, QuotedFieldsHoldCommasQuotesAndNewlines) {
  Result<std::vector<CsvRecord>> records =
      read_all("name,note\n\"Prix de l'Essai, attelé\",\"He said \"\"go\"\"\"\n\"two\nlines\",x\n");
  ASSERT_TRUE(records.ok()) << records.error().describe();
  ASSERT_EQ(records->size(), 2u);
  EXPECT_EQ((*records)[0].fields, (Fields{"Prix de l'Essai, attelé", "He said \"go\""}));
  EXPECT_EQ((*records)[1].fields, (Fields{"two\nlines", "x"}));
}

TEST(CsvReader, RecordSpanningLinesCountsTheLineWhereItStarts) {
  Result<std::vector<CsvRecord>> records = read_all("a,b\n1,\"x\ny\nz\"\n2,w\n");
  ASSERT_TRUE(records.ok()) << records.error().describe();
  ASSERT_EQ(records->size(), 2u);
  EXPECT_EQ((*records)[0].line, 2u);
  EXPECT_EQ((*records)[1].line, 5u);
}

TEST(CsvReader, AcceptsCrlfAndLfAlike) {
  Result<std::vector<CsvRecord>> records = read_all("a,b\r\n1,\"x\r\ny\"\r\n2,3\r\n");
  ASSERT_TRUE(records.ok()) << records.error().describe();
  ASSERT_EQ(records->size(), 2u);
  EXPECT_EQ((*records)[0].fields, (Fields{"1", "x\r\ny"}));
  EXPECT_EQ((*records)[1].fields, (Fields{"2", "3"}));
  EXPECT_EQ((*records)[1].line, 4u);
}

TEST(CsvReader, SkipsByteOrderMarkAndBlankLines) {
  Result<CsvReader> reader = CsvReader::from_text("\xEF\xBB\xBFrace_id,x\n\n1,2\n\n\n3,4", "test.csv");
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(reader->header(), (Fields{"race_id", "x"}));
  CsvRecord record;
  ASSERT_TRUE(*reader->next(record));
  EXPECT_EQ(record.line, 3u);
  ASSERT_TRUE(*reader->next(record));
  EXPECT_EQ(record.line, 6u);
  EXPECT_EQ(record.fields, (Fields{"3", "4"}));  // no newline at the end of the file
  EXPECT_FALSE(*reader->next(record));
}

TEST(CsvReader, KeepsEmptyFieldsIncludingTheLast) {
  Result<std::vector<CsvRecord>> records = read_all("a,b,c\n,,\n1,\"\",\n");
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 2u);
  EXPECT_EQ((*records)[0].fields, (Fields{"", "", ""}));
  EXPECT_EQ((*records)[1].fields, (Fields{"1", "", ""}));
}

TEST(CsvReader, UnclosedQuoteIsAnErrorNamingTheLineWhereTheFieldStarts) {
  Result<std::vector<CsvRecord>> records = read_all("a,b\n1,2\n3,\"never\nclosed\n");
  ASSERT_FALSE(records.ok());
  EXPECT_EQ(records.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(records.error().message.find("test.csv line 3"), std::string::npos) << records.error().message;
}

TEST(CsvReader, TextAfterClosingQuoteIsAnError) {
  Result<std::vector<CsvRecord>> records = read_all("a,b\n\"x\"y,2\n");
  ASSERT_FALSE(records.ok());
  EXPECT_NE(records.error().message.find("test.csv line 2"), std::string::npos) << records.error().message;
}

TEST(CsvReader, EmptyTextHasNoHeaderAndIsAnError) {
  Result<CsvReader> reader = CsvReader::from_text("", "empty.csv");
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(reader.error().message.find("empty.csv"), std::string::npos);
}

TEST(CsvReader, MissingFileIsNotFoundAndNamesThePath) {
  Result<CsvReader> reader = CsvReader::open("/nonexistent/dir/races.csv");
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.error().code, ErrorCode::kNotFound);
  EXPECT_NE(reader.error().message.find("/nonexistent/dir/races.csv"), std::string::npos);
}

TEST(CsvReader, ADirectoryOrAFifoIsAnErrorNamingIt) {
  testing::TempDir dir("csv-reader");
  const std::string directory = dir.file("races.csv");
  std::filesystem::create_directory(directory);
  Result<CsvReader> reader = CsvReader::open(directory);
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(reader.error().message.find(directory + "' is a directory"), std::string::npos) << reader.error().message;

  // A FIFO without a writer must neither hang the import nor be read as an empty file.
  const std::string fifo = dir.file("runners.csv");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  reader = CsvReader::open(fifo);
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(reader.error().message.find(fifo + "' is not a regular file"), std::string::npos) << reader.error().message;
}

TEST(CsvReader, ControlBytesAfterAClosingQuoteAreShownEscaped) {
  Result<std::vector<CsvRecord>> records = read_all(std::string("a,b\n\"x\"\x01,2\n"));
  ASSERT_FALSE(records.ok());
  EXPECT_NE(records.error().message.find("unexpected '\\x01' after the closing quote"), std::string::npos)
      << records.error().message;
}

TEST(CsvReader, OpensAFileAndNamesItByItsFileName) {
  Result<CsvReader> reader = CsvReader::open(PADDOCK_TEST_DATA_DIR "/import/races.csv");
  ASSERT_TRUE(reader.ok()) << reader.error().describe();
  EXPECT_EQ(reader->source(), "races.csv");
  EXPECT_EQ(reader->header().front(), "race_id");
}

}  // namespace
}  // namespace paddock
