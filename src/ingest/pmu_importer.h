// Importing races and runners from the PMU's JSON, as its API returns it (docs/data-formats.md,
// "PMU JSON"): a directory per race day, named DDMMYYYY like the API's paths, holding the day's
// programme and the participants of each race:
//
//   <day>/programme.json                GET .../programme/{DDMMYYYY}
//   <day>/R<r>/C<c>/participants.json   GET .../programme/{DDMMYYYY}/R{r}/C{c}/participants
//
// A race (course) becomes a races row: its slot (day, R, C) keeps the id it already has in the
// database, else gets the id YYYYMMDDRRCC. Its participants become runners rows; a race without
// a participants file is imported without runners (its card can come later). Results come
// from the participants (ordreArrivee, incident) or, failing that, from the programme's
// ordreArrivee. Amounts in centimes become euros, weights in hectograms kilograms.
//
// As with CSV, the import is all or nothing by default: a race with a missing or impossible
// field is a bad row, named by its file and JSON path, and nothing is written unless
// BadRowPolicy::kSkip, which imports the other races. A file that is not JSON fails the import.
// Importing a day again updates its races in place. The files are read before the database's
// write lock is taken; the lookups and writes then happen in one transaction.
#pragma once

#include <filesystem>
#include <vector>

#include "core/error.h"
#include "ingest/csv_importer.h"
#include "store/database.h"

namespace paddock {

struct PmuImportOptions {
  // Day directories (holding programme.json), or directories whose DDMMYYYY subdirectories are.
  std::vector<std::filesystem::path> paths;
  BadRowPolicy bad_rows = BadRowPolicy::kRejectAll;
};

// Errors, with nothing written: kNotFound (a path, or no day directory in it), kIo,
// kInvalidArgument (a file that is not JSON or not a programme, or bad races under
// kRejectAll: the message lists up to 20), kDatabase. BadRow::line is 0 and BadRow::column
// the JSON path (e.g. "reunions[0].courses[2].distance").
Result<ImportReport> import_pmu(Database& db, const PmuImportOptions& options);

}  // namespace paddock
