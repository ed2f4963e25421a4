#include "ingest/row_writer.h"

#include <functional>
#include <optional>

namespace paddock {
namespace {

constexpr const char* kUnknownVenueCode = "UNKNOWN";

template <typename Upsert>
Result<EntityId> cached_id(std::unordered_map<std::string, EntityId>& cache, const std::string& key, Upsert upsert) {
  auto found = cache.find(key);
  if (found != cache.end()) return found->second;
  PADDOCK_ASSIGN_OR_RETURN(const EntityId id, upsert());
  cache.emplace(key, id);
  return id;
}

Result<std::optional<EntityId>> person_id(std::unordered_map<std::string, EntityId>& cache, const std::string& name,
                                          const std::function<Result<EntityId>(const std::string&)>& upsert) {
  if (name.empty()) return std::optional<EntityId>();
  PADDOCK_ASSIGN_OR_RETURN(const EntityId id, cached_id(cache, name, [&] { return upsert(name); }));
  return std::optional<EntityId>(id);
}

}  // namespace

Status RowWriter::write_race(Race& race) {
  if (race.venue_code.empty()) race.venue_code = race.venue_name.empty() ? kUnknownVenueCode : race.venue_name;
  PADDOCK_ASSIGN_OR_RETURN(const EntityId venue, cached_id(venues_, race.venue_code, [&] {
    return db_.upsert_venue(race.venue_code, race.venue_name);
  }));
  return db_.upsert_race(race, venue);
}

Status RowWriter::write_runner(const Runner& runner) {
  PADDOCK_ASSIGN_OR_RETURN(const EntityId horse, cached_id(horses_, runner.horse_key, [&] {
    return db_.upsert_horse(runner.horse_key, runner.horse_name, runner.sex, runner.birth_year);
  }));
  PADDOCK_ASSIGN_OR_RETURN(const std::optional<EntityId> jockey,
                           person_id(jockeys_, runner.jockey, [&](const std::string& name) { return db_.upsert_jockey(name); }));
  PADDOCK_ASSIGN_OR_RETURN(const std::optional<EntityId> trainer,
                           person_id(trainers_, runner.trainer, [&](const std::string& name) { return db_.upsert_trainer(name); }));
  return db_.upsert_runner(runner, horse, jockey, trainer);
}

}  // namespace paddock
