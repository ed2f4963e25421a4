// Predictions as CSV, one row per predicted runner, races in date order and runners by
// predicted rank: race, date, venue, meeting and race number, runner number, horse, score,
// win probability, predicted rank, odds (final, else morning) and, once the race is run, the
// finishing position or incident; then the race's name, discipline, distance, Quinté+ flag and
// post time, the fundamental probability, the market's probability (1/odds normalised over the
// race's predicted runners, when every one has odds) and the value ratio p × odds. Fields are
// quoted as RFC 4180 requires. docs/data-formats.md describes every column.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

#include "core/error.h"
#include "store/database.h"

namespace paddock {

// One CSV field, quoted as RFC 4180 requires when it holds a comma, a quote or a line break.
std::string csv_field(const std::string& text);
// A number in a CSV cell with an fmt format ("{:.6f}"); empty when there is none.
std::string csv_number(const std::optional<double>& value, const char* format);

// Writes the header and the rows; returns the number of rows written.
Result<std::int64_t> export_predictions_csv(Database& db, const ExportQuery& query, std::ostream& out);

// Why a query exported nothing, in words: no race in its days, or which models did predict
// its races (or the job's), so that the user knows which --model to ask for.
Result<std::string> explain_empty_export(Database& db, const ExportQuery& query);

}  // namespace paddock
