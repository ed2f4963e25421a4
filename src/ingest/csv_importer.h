// Importing races and runners from the canonical CSV files (docs/data-formats.md): races.csv,
// one row per race, and runners.csv, one row per runner, mapped by header name.
//
// The import is all or nothing by default: both files are read and every row is checked
// (values, duplicates, race ids, race slots already used in the database) before anything is
// written. Any bad row makes the import fail with a message listing the bad rows, and the
// database is left as it was. With BadRowPolicy::kSkip the good rows are imported and the bad
// ones listed in the report; a rejected race takes its runners with it.
//
// The writes happen in one transaction. Importing a race again updates it in place: race
// columns are replaced; runner columns are replaced except odds, finishing position and
// incident, which an empty cell does not erase (so results can arrive in a later file). A
// race with any result in the file gets the file's results whole: its stored positions and
// incidents are replaced (a corrected arrival).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/error.h"
#include "store/database.h"

namespace paddock {

enum class BadRowPolicy {
  kRejectAll,  // any bad row fails the import; nothing is written
  kSkip,       // import the good rows, report the bad ones
};

struct ImportOptions {
  std::filesystem::path races_csv;
  std::filesystem::path runners_csv;
  BadRowPolicy bad_rows = BadRowPolicy::kRejectAll;
};

// A row that was not imported, and why.
struct BadRow {
  std::string file;    // the file's name, e.g. "runners.csv"
  std::size_t line = 0;
  std::string column;  // empty when the fault is the whole row (e.g. its number of fields)
  std::string value;   // as the message shows it: at most 40 bytes, control bytes as \xNN
  // The full sentence, e.g. "runners.csv line 7, column final_odds: 'abc' is not a number".
  std::string message;
};

struct ImportReport {
  std::int64_t races = 0;          // race rows written: new_races + updated_races
  std::int64_t new_races = 0;
  std::int64_t updated_races = 0;  // races that were already in the database
  std::int64_t runners = 0;        // runner rows written (new or updated)
  // In file order, races.csv first. Includes the runners dropped with a rejected race.
  std::vector<BadRow> bad_rows;
  std::vector<std::string> warnings;  // e.g. columns that were ignored
};

// The bad rows' messages for an error text: up to 20 lines, each "\n  <message>", then
// "\n  ... and N more". Shared by the importers.
std::string list_bad_rows(const std::vector<BadRow>& rows);

// Imports `options.races_csv` and `options.runners_csv` into `db`.
// Errors, with nothing written:
//   kNotFound         a file does not exist (the message names it);
//   kIo               a file cannot be read, or memory ran out;
//   kInvalidArgument  a path is a directory or another file that is not a regular one, a file
//                     is malformed CSV or lacks a required column, or (kRejectAll) some rows are
//                     bad: the message lists up to 20 of them, then "... and N more";
//   kDatabase         the database refused a read or a write.
// Never throws. Uses `db` from the calling thread only, like every Database call.
Result<ImportReport> import_csv(Database& db, const ImportOptions& options);

}  // namespace paddock
