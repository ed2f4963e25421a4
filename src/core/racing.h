// The racing vocabulary shared by every module: disciplines, runner states and incidents, with
// their stored text forms. French PMU racing has two trotting disciplines (attelé: in harness,
// monté: ridden), flat (plat) and three jump disciplines (haies: hurdles, steeple, cross).
#pragma once

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

// How a runner's race ended, besides a finishing position.
enum class Incident { kNone, kDisqualified, kFell, kPulledUp, kUnseated, kDemoted };

// "", "disqualified", "fell", "pulled_up", "unseated", "demoted".
std::string_view to_string(Incident incident);
std::optional<Incident> parse_incident(std::string_view text);

}  // namespace paddock
