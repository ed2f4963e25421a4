// Predictions as CSV, one row per predicted runner, races in date order and runners by
// predicted rank: race, date, venue, meeting and race number, runner number, horse, score,
// win probability, predicted rank, odds (final, else morning) and, once the race is run, the
// finishing position or incident. Fields are quoted as RFC 4180 requires.
#pragma once

#include <cstdint>
#include <ostream>

#include "core/error.h"
#include "store/database.h"

namespace paddock {

// Writes the header and the rows; returns the number of rows written.
Result<std::int64_t> export_predictions_csv(Database& db, const ExportQuery& query, std::ostream& out);

}  // namespace paddock
