#include "core/racing.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

namespace paddock {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

std::string_view to_string(Discipline discipline) {
  switch (discipline) {
    case Discipline::kAttele: return "attele";
    case Discipline::kMonte: return "monte";
    case Discipline::kPlat: return "plat";
    case Discipline::kHaies: return "haies";
    case Discipline::kSteeple: return "steeple";
    case Discipline::kCross: return "cross";
  }
  return "plat";
}

std::optional<Discipline> parse_discipline(std::string_view text) {
  for (Discipline d : {Discipline::kAttele, Discipline::kPlat, Discipline::kMonte, Discipline::kHaies,
                       Discipline::kSteeple, Discipline::kCross}) {
    if (text == to_string(d)) return d;  // the stored form, the common case
  }
  const std::string name = lower(text);
  struct Alias { const char* name; Discipline discipline; };
  static constexpr std::array<Alias, 12> kAliases{{
      {"attele", Discipline::kAttele}, {"trot_attele", Discipline::kAttele},
      {"monte", Discipline::kMonte}, {"trot_monte", Discipline::kMonte},
      {"plat", Discipline::kPlat}, {"flat", Discipline::kPlat},
      {"haies", Discipline::kHaies}, {"haie", Discipline::kHaies},
      {"steeple", Discipline::kSteeple}, {"steeplechase", Discipline::kSteeple},
      {"cross", Discipline::kCross}, {"cross_country", Discipline::kCross},
  }};
  for (const Alias& alias : kAliases) {
    if (name == alias.name) return alias.discipline;
  }
  return std::nullopt;
}

bool is_trot(Discipline discipline) {
  return discipline == Discipline::kAttele || discipline == Discipline::kMonte;
}

bool is_obstacle(Discipline discipline) {
  return discipline == Discipline::kHaies || discipline == Discipline::kSteeple ||
         discipline == Discipline::kCross;
}

GoingClass going_class_of(std::string_view going) {
  std::string upper(going);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto has = [&](std::string_view word) { return upper.find(word) != std::string::npos; };
  if (has("PSF") || has("STANDARD") || has("RAPIDE") || has("LENT")) return GoingClass::kAllWeather;
  // "TRES SOUPLE" and "TRÈS SOUPLE" (the accent is not ASCII) both end in "S SOUPLE".
  if (has("LOURD") || has("COLLANT") || has("S SOUPLE")) return GoingClass::kHeavy;
  if (has("SOUPLE")) return GoingClass::kSoft;
  if (has("BON") || has("SEC") || has("LEGER") || has("GER")) return GoingClass::kGood;
  return GoingClass::kUnknown;
}

std::string_view to_string(Incident incident) {
  switch (incident) {
    case Incident::kNone: return "";
    case Incident::kDisqualified: return "disqualified";
    case Incident::kFell: return "fell";
    case Incident::kPulledUp: return "pulled_up";
    case Incident::kUnseated: return "unseated";
    case Incident::kDemoted: return "demoted";
  }
  return "";
}

std::optional<Incident> parse_incident(std::string_view text) {
  if (text.empty()) return Incident::kNone;
  for (Incident incident : {Incident::kDisqualified, Incident::kFell, Incident::kPulledUp,
                            Incident::kUnseated, Incident::kDemoted}) {
    if (text == to_string(incident)) return incident;  // the stored form
  }
  const std::string name = lower(text);
  if (name.empty() || name == "none") return Incident::kNone;
  for (Incident incident : {Incident::kDisqualified, Incident::kFell, Incident::kPulledUp,
                            Incident::kUnseated, Incident::kDemoted}) {
    if (name == to_string(incident)) return incident;
  }
  return std::nullopt;
}

}  // namespace paddock
