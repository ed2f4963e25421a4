// The `musique`: a horse's recent form as PMU prints it, e.g. "3m4m(24)7m5m2mDm(23)8m".
// Read left to right from the most recent run to the oldest; each run is a result and a
// discipline letter; "(24)" says the runs to its right were in 2024. Results: 1-9 a place,
// 0 unplaced (10th or worse), D disqualified, T fell (tombé), A pulled up (arrêté),
// R or Ret demoted (rétrogradé). Disciplines: a attelé, m monté, p plat, h haies, s steeple,
// c cross, o obstacle. See docs/features.md.
//
// The parser never fails and never reads out of bounds: whitespace is skipped, an unknown
// lowercase letter is kept as an unknown discipline, and any other character is skipped and
// counted in `skipped_characters`.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "core/racing.h"

namespace paddock {

enum class MusiqueResult { kPlace, kUnplaced, kDisqualified, kFell, kPulledUp, kDemoted };

struct MusiqueRun {
  MusiqueResult result = MusiqueResult::kUnplaced;
  int place = 0;  // 1-9 for kPlace, 0 otherwise
  char discipline_letter = '\0';  // as written; '\0' when the run had none
  std::optional<Discipline> discipline;  // nullopt for 'o', unknown letters and none
  std::optional<int> year;  // two-digit year of the run when a marker named it
  int seasons_back = 0;     // 0 for the current season, +1 for each year marker passed
};

struct Musique {
  std::vector<MusiqueRun> runs;  // most recent first
  int skipped_characters = 0;
};

Musique parse_musique(std::string_view text);
// The same, into `out` (cleared first), reusing its memory: for hot loops.
void parse_musique(std::string_view text, Musique& out);

}  // namespace paddock
