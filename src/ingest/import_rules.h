// The rules every importer applies to the values it reads, shared by the CSV and the PMU JSON
// importers so that both accept and refuse the same things; docs/data-formats.md ("Limits")
// lists them.
//
// Numbers have limits far beyond anything real (a runner carries at most ~75 kg, the longest
// race is ~7 km, few horses start 300 times) but finite: a weight of 1e308 or odds of 2^62
// would pass the schema's checks and only fail later, when `predict` turns them into
// infinities. Where the schema has a range of its own (an age), the limit is that range.
#pragma once

#include <cstdint>

#include "core/racing.h"

namespace paddock::import_rules {

// R and C of R1C3 stay below 100: the PMU importer's race ids are YYYYMMDDRRCC.
inline constexpr int kMaxMeetingNo = 99;
inline constexpr int kMaxRaceNo = 99;
inline constexpr int kMaxDistanceM = 100'000;
// Prize money and career earnings, in euros: a thousand times the richest race's purse.
inline constexpr std::int64_t kMaxEuros = 1'000'000'000;

// A saddle-cloth number, a stall and a finishing place all count the runners of one race.
inline constexpr int kMaxRunnerNumber = 99;
inline constexpr int kMaxDraw = 99;
inline constexpr int kMaxFinishPosition = 99;
inline constexpr int kMinAge = 1;  // the schema's range
inline constexpr int kMaxAge = 30;
inline constexpr int kMinBirthYear = 1900;
inline constexpr int kMaxBirthYear = 2200;
// Career starts, wins and places.
inline constexpr int kMaxCareerCount = 1000;
inline constexpr double kMaxWeightKg = 200.0;
inline constexpr double kMinOdds = 1.0;  // the schema's floor: decimal odds include the stake
inline constexpr double kMaxOdds = 10'000.0;
// Times after the off: a race's or a runner's time (a cross-country takes about 8 minutes:
// an hour is far beyond anything real), a réduction kilométrique (about 70-90 s a km), beaten
// distances in lengths, official ratings (French flat and jump values run to about 60, Anglo
// ratings to about 140) and body weights.
inline constexpr double kMaxRaceSeconds = 3'600.0;
inline constexpr double kMaxReductionSecondsPerKm = 600.0;
inline constexpr double kMaxBeatenLengths = 1'000.0;
inline constexpr double kMaxOfficialRating = 1'000.0;
inline constexpr double kMaxBodyWeightKg = 2'000.0;
// The PMU's times: epoch milliseconds up to the year 2200, offsets from UTC within ±14 hours.
inline constexpr std::int64_t kMaxEpochMs = 7'258'118'400'000;
inline constexpr std::int64_t kMaxUtcOffsetMs = 14 * 3'600'000;

// True for the incidents after which a horse has no finishing place: it did not finish (fell,
// pulled up, unseated) or the stewards took its place away (disqualified). A demoted horse
// (distancé, rétrogradé) was placed behind others: it keeps a place, the one it was given.
inline bool leaves_no_place(Incident incident) {
  return incident == Incident::kDisqualified || incident == Incident::kFell || incident == Incident::kPulledUp ||
         incident == Incident::kUnseated;
}

}  // namespace paddock::import_rules
