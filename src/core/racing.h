// The racing vocabulary shared by every module: disciplines, runner states and incidents, with
// their stored text forms. French PMU racing has two trotting disciplines (attelé: in harness,
// monté: ridden), flat (plat) and three jump disciplines (haies: hurdles, steeple, cross).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace paddock {

enum class Discipline { kAttele, kMonte, kPlat, kHaies, kSteeple, kCross };
inline constexpr int kDisciplineCount = 6;

// "attele", "monte", "plat", "haies", "steeple", "cross".
std::string_view to_string(Discipline discipline);
// Accepts the stored names and the PMU names (ATTELE, MONTE, PLAT, HAIE, STEEPLECHASE, CROSS),
// case-insensitively.
std::optional<Discipline> parse_discipline(std::string_view text);
bool is_trot(Discipline discipline);
bool is_obstacle(Discipline discipline);

// The ground as the speed figures group it (features/pace_book.h): what `going` says, read
// from the stored text or the PMU's penetrometre label, case-insensitively. kUnknown for an
// empty or unrecognised label (trotting tracks usually publish none).
enum class GoingClass : std::uint8_t { kUnknown, kGood, kSoft, kHeavy, kAllWeather };
// PSF, STANDARD, RAPIDE, LENT: all-weather; LOURD, COLLANT, TRES SOUPLE: heavy; SOUPLE (BON
// SOUPLE included): soft; BON, SEC, LEGER: good.
GoingClass going_class_of(std::string_view going);

// How a runner's race ended, besides a finishing position.
enum class Incident { kNone, kDisqualified, kFell, kPulledUp, kUnseated, kDemoted };

// "", "disqualified", "fell", "pulled_up", "unseated", "demoted".
std::string_view to_string(Incident incident);
std::optional<Incident> parse_incident(std::string_view text);

}  // namespace paddock
