// Writes imported races and runners through the Database interface, for every importer (CSV,
// PMU JSON). Venues, horses, jockeys and trainers are identified by their code, key or name,
// and each is resolved to its id once per import. Runs inside the importer's transaction.
#pragma once

#include <string>
#include <unordered_map>

#include "core/error.h"
#include "store/database.h"

namespace paddock {

class RowWriter {
 public:
  explicit RowWriter(Database& db) : db_(db) {}

  // Upserts the race and its venue. A race without a venue code is filed under its venue's
  // name, or under the venue "UNKNOWN"; `race.venue_code` is set accordingly.
  Status write_race(Race& race);
  // Upserts the runner, its horse (by horse_key), its jockey and trainer (by name, when given).
  Status write_runner(const Runner& runner);

 private:
  Database& db_;
  std::unordered_map<std::string, EntityId> venues_;
  std::unordered_map<std::string, EntityId> horses_;
  std::unordered_map<std::string, EntityId> jockeys_;
  std::unordered_map<std::string, EntityId> trainers_;
};

}  // namespace paddock
