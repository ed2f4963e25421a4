#include "demo/demo_generator.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <numeric>
#include <string_view>
#include <vector>

#include "demo/random.h"
#include "demo/win_probability.h"

namespace paddock {
namespace {

using demo::Random;

// ---------------------------------------------------------------------------------------------
// The world's constants. Tuned so that the market favourite wins about a third of the races,
// as at the PMU, and the over-round (sum of 1/odds) lies between 1.15 and 1.30.

constexpr double kStrengthScale = 1.75;     // win odds multiply by e^1.75 per unit of strength
constexpr double kSeenFormSd = 0.25;        // the day's form that the market sees (paddock, news)
constexpr double kHiddenFormSd = 0.30;      // the day's form that nobody knows in advance
constexpr double kMarketBias = 0.88;        // the market's strengths are shrunk: longshots overbet
constexpr double kFinalMarketError = 0.30;  // the final market's own error, in strength units
constexpr double kMorningMarketError = 0.45;  // the morning market knows less
constexpr double kNonRunnerRate = 0.03;
constexpr int kMeetingsWeekday = 4;
constexpr int kMeetingsWeekend = 5;

enum class Family { kTrot, kFlat, kJump };
constexpr int kFamilies = 3;
constexpr int kClassBins = 10;

struct VenueSpec {
  const char* code;
  const char* name;
  bool trot;
  bool flat;
  bool jump;
};

// Public place names of French racecourses; every figure attached to them is generated.
constexpr std::array<VenueSpec, 24> kVenues{{
    {"VIN", "PARIS-VINCENNES", true, false, false},  {"ENG", "ENGHIEN", true, false, true},
    {"CAB", "CABOURG", true, false, false},          {"CAE", "CAEN", true, false, false},
    {"LAV", "LAVAL", true, false, false},            {"MAU", "MAUQUENCHY", true, false, false},
    {"VIC", "VICHY", true, true, false},             {"AGE", "AGEN", true, false, false},
    {"LON", "PARISLONGCHAMP", false, true, false},   {"CHA", "CHANTILLY", false, true, false},
    {"DEA", "DEAUVILLE", false, true, false},        {"STC", "SAINT-CLOUD", false, true, false},
    {"LYP", "LYON-PARILLY", false, true, false},     {"MAR", "MARSEILLE-BORELY", false, true, false},
    {"TOU", "TOULOUSE", false, true, true},          {"BOR", "BORDEAUX-LE BOUSCAT", false, true, false},
    {"COM", "COMPIEGNE", false, true, true},         {"CSM", "CAGNES-SUR-MER", true, true, true},
    {"AUT", "AUTEUIL", false, false, true},          {"PAU", "PAU", false, false, true},
    {"FON", "FONTAINEBLEAU", false, true, true},     {"DIE", "DIEPPE", false, true, true},
    {"NAN", "NANTES", true, false, true},            {"CLA", "CLAIREFONTAINE", false, true, true},
}};

constexpr std::array<const char*, 48> kNameFirst{{
    "ECLAIR", "BOLERO", "CALYPSO", "DIAMANT", "ESPOIR", "FLAMBEAU", "GALOPIN", "HERMES",
    "IRIS", "JASMIN", "KALIF", "LUTIN", "MISTRAL", "NECTAR", "ORAGE", "PRINCE",
    "QUARTZ", "RUBIS", "SAPHIR", "TONNERRE", "ULYSSE", "VOLCAN", "WAPITI", "ZEPHYR",
    "ARGENT", "BRUME", "CORSAIRE", "DUCHESSE", "ETOILE", "FORTUNE", "GITANE", "HARMONIE",
    "IDOLE", "JOLIE", "KERMESSE", "LEGENDE", "MELODIE", "NOBLESSE", "OPALE", "PERLE",
    "REINE", "SIRENE", "TEMPETE", "URANIE", "VALSE", "VICTOIRE", "AURORE", "BALLADE"}};
constexpr std::array<const char*, 40> kNameSecond{{
    "DU PLESSIS", "DE LA VALLEE", "DES CHAMPS", "DU BOCAGE", "DE VANDEL", "D'ARGENT",
    "DU MOULIN", "DE L'ITON", "DES PRES", "DU GOUTIER", "DE BAILLY", "DU VIVIER",
    "DE MONTFORT", "DES LANDES", "DU CHATEAU", "DE LA COTE", "D'AUVRAY", "DU RIB",
    "DE CHENU", "DES BRUYERES", "DU PONT", "DE LOU", "DE FELINE", "DU BERRY",
    "DE LA ROCHE", "D'ECAJEUL", "DU LOISIR", "DE RIVIERE", "DES FORGES", "DU MAINE",
    "DE NAVARRE", "D'ORGERES", "DU HOULET", "DE SAUTOU", "DES OBEAUX", "DU CARDONNEY",
    "DE LA NOE", "D'ERONVILLE", "DU PERCHE", "DE GODREL"}};
constexpr std::array<const char*, 12> kNameThird{{
    "", "II", "III", "STAR", "ROYAL", "BLUE", "DREAM", "FLASH", "GOLD", "JET", "KING", "SPIRIT"}};
constexpr std::array<const char*, 40> kSurnames{{
    "MARTIN", "BERNARD", "DUBOIS", "THOMAS", "ROBERT", "RICHARD", "PETIT", "DURAND",
    "LEROY", "MOREAU", "SIMON", "LAURENT", "LEFEBVRE", "MICHEL", "GARCIA", "DAVID",
    "BERTRAND", "ROUX", "VINCENT", "FOURNIER", "MOREL", "GIRARD", "ANDRE", "LEFEVRE",
    "MERCIER", "DUPONT", "LAMBERT", "BONNET", "FRANCOIS", "MARTINEZ", "LEGRAND", "GARNIER",
    "FAURE", "ROUSSEAU", "BLANC", "GUERIN", "MULLER", "HENRY", "ROUSSEL", "NICOLAS"}};
constexpr std::string_view kInitials = "ABCDEFGHJLMNPRSTVY";

// ---------------------------------------------------------------------------------------------
// The world's inhabitants.

struct Person {
  std::string name;
  double skill = 0.0;
  double popularity = 1.0;
  EntityId db_id = 0;
};

struct PastRun {
  Day day = 0;
  char result = '0';  // '1'..'9', '0' (10th or worse), 'D', 'T', 'A'
  char letter = 'a';  // discipline letter
};

struct Horse {
  std::string name;
  char sex = 'M';
  int birth_year = 2015;
  Family family = Family::kTrot;
  double base = 0.0;
  double preferred_distance = 2100.0;
  double distance_tolerance = 0.25;
  double discipline_edge = 0.0;   // trot: + attelé / - monté; jumps: + haies / - steeple
  double fail_propensity = 1.0;
  int trainer = 0;
  int regular_jockey = 0;
  Day next_available = 0;
  Day running_on = -1;  // the day it was last entered in a race
  bool retired = false;
  EntityId db_id = 0;
  int starts = 0;
  int wins = 0;
  int places = 0;
  std::int64_t earnings = 0;
  std::vector<PastRun> recent;  // oldest first, at most kMusiqueRuns
};

constexpr std::size_t kMusiqueRuns = 10;
// Prize shares of the first five, as a fraction of the race's prize.
constexpr double kPrizeShares[] = {0.50, 0.20, 0.15, 0.10, 0.05};

struct Venue {
  const VenueSpec* spec = nullptr;
  double stall_bias = 0.0;  // > 0: inside stalls favoured
  EntityId db_id = 0;
};

struct FamilyPool {
  std::vector<int> bins[kClassBins];  // indices into World::horses, by class
  std::vector<int> jockeys;           // indices into World::jockeys
  std::vector<int> trainers;
  std::vector<double> jockey_weights;
  int target_size = 0;
};

struct World {
  std::vector<Horse> horses;
  std::vector<Person> jockeys;
  std::vector<Person> trainers;
  std::vector<Venue> venues;
  FamilyPool pools[kFamilies];
};

int family_index(Family family) { return static_cast<int>(family); }

char discipline_letter(Discipline discipline) {
  switch (discipline) {
    case Discipline::kAttele: return 'a';
    case Discipline::kMonte: return 'm';
    case Discipline::kPlat: return 'p';
    case Discipline::kHaies: return 'h';
    case Discipline::kSteeple: return 's';
    case Discipline::kCross: return 'c';
  }
  return 'p';
}

int class_bin(double base) {
  return std::clamp(static_cast<int>(std::floor((base + 2.5) / 0.5)), 0, kClassBins - 1);
}

double peak_age(Family family) {
  switch (family) {
    case Family::kTrot: return 6.5;
    case Family::kFlat: return 4.0;
    case Family::kJump: return 7.0;
  }
  return 5.0;
}

double age_effect(Family family, int age) {
  const double d = age - peak_age(family);
  switch (family) {
    case Family::kTrot: return -0.07 * d * d;
    case Family::kFlat: return -0.14 * d * d;
    case Family::kJump: return -0.05 * d * d;
  }
  return 0.0;
}

int youngest_age(Family family) { return family == Family::kFlat ? 2 : family == Family::kTrot ? 3 : 4; }
int oldest_age(Family family) { return family == Family::kFlat ? 7 : family == Family::kTrot ? 10 : 11; }

std::string horse_name(std::int64_t index) {
  const auto first = static_cast<std::size_t>(index % static_cast<std::int64_t>(kNameFirst.size()));
  index /= static_cast<std::int64_t>(kNameFirst.size());
  const auto second = static_cast<std::size_t>(index % static_cast<std::int64_t>(kNameSecond.size()));
  index /= static_cast<std::int64_t>(kNameSecond.size());
  const auto third = static_cast<std::size_t>(index % static_cast<std::int64_t>(kNameThird.size()));
  index /= static_cast<std::int64_t>(kNameThird.size());
  std::string name = fmt::format("{} {}", kNameFirst[first], kNameSecond[second]);
  if (kNameThird[third][0] != '\0') name += fmt::format(" {}", kNameThird[third]);
  if (index > 0) name += fmt::format(" {}", index + 1);
  return name;
}

std::string person_name(std::int64_t index) {
  const auto initial = static_cast<std::size_t>(index % static_cast<std::int64_t>(kInitials.size()));
  index /= static_cast<std::int64_t>(kInitials.size());
  const auto surname = static_cast<std::size_t>(index % static_cast<std::int64_t>(kSurnames.size()));
  index /= static_cast<std::int64_t>(kSurnames.size());
  std::string name = fmt::format("{}. {}", kInitials[initial], kSurnames[surname]);
  if (index > 0) name += fmt::format(" ({})", index + 1);
  return name;
}

// ---------------------------------------------------------------------------------------------
// Building the world.

int pick_weighted(Random& random, const std::vector<double>& weights, double total) {
  double target = random.uniform() * total;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    target -= weights[i];
    if (target <= 0) return static_cast<int>(i);
  }
  return static_cast<int>(weights.size()) - 1;
}

Discipline pick_discipline(Random& random, Family family);
int pick_distance(Random& random, Discipline discipline);
double distance_fit(const Horse& horse, int distance);
double discipline_fit(const Horse& horse, Discipline discipline);
double base_fail_rate(Discipline discipline);
char discipline_letter(Discipline discipline);

// The career a horse already had when the database starts: runs in the seasons before `start`
// against virtual fields of its class. They are not races of the database, but the horse's
// career figures and musique on its first runs come from them, as a PMU card would show.
void simulate_prior_career(Horse& horse, Random& random, Day start) {
  const int seasons = year_of(start) - horse.birth_year - youngest_age(horse.family);
  if (seasons <= 0) return;
  std::vector<Day> days;
  for (int s = 1; s <= seasons; ++s) {
    const int runs = random.integer(3, 10);
    for (int r = 0; r < runs; ++r) days.push_back(start - 365 * (s - 1) - random.integer(1, 364));
  }
  std::sort(days.begin(), days.end());
  const double class_center = -2.5 + 0.5 * class_bin(horse.base) + 0.25;
  for (Day day : days) {
    const Discipline discipline = pick_discipline(random, horse.family);
    const int distance = pick_distance(random, discipline);
    const int age = year_of(day) - horse.birth_year;
    const double strength = horse.base + age_effect(horse.family, age) + distance_fit(horse, distance) +
                            discipline_fit(horse, discipline) + random.normal(0.0, 0.39);
    const int opponents = random.integer(6, 14);
    PastRun run{day, '0', discipline_letter(discipline)};
    ++horse.starts;
    if (random.chance(std::min(0.5, base_fail_rate(discipline) * horse.fail_propensity))) {
      run.result = is_trot(discipline) ? 'D' : (random.chance(0.6) ? 'T' : 'A');
    } else {
      const double mine = kStrengthScale * strength + random.gumbel();
      int position = 1;
      for (int o = 0; o < opponents; ++o) {
        const double theirs = kStrengthScale * random.normal(class_center + random.uniform(-0.5, 0.5), 0.6) + random.gumbel();
        position += theirs > mine ? 1 : 0;
      }
      run.result = position <= 9 ? static_cast<char>('0' + position) : '0';
      horse.wins += position == 1 ? 1 : 0;
      horse.places += position <= 3 ? 1 : 0;
      const double prize = 16000.0 * std::exp(0.25 * (class_bin(horse.base) - 5));
      if (position <= 5) horse.earnings += static_cast<std::int64_t>(std::lround(prize * kPrizeShares[position - 1]));
    }
    horse.recent.push_back(run);
    if (horse.recent.size() > kMusiqueRuns) horse.recent.erase(horse.recent.begin());
  }
}

void add_horse(World& world, Random& random, Family family, int year, bool initial, Day start) {
  FamilyPool& pool = world.pools[family_index(family)];
  Horse horse;
  horse.family = family;
  const int age = initial ? random.integer(youngest_age(family), oldest_age(family) - 1)
                          : youngest_age(family) + (random.chance(0.3) ? 1 : 0);
  horse.birth_year = year - age;
  const double u = random.uniform();
  horse.sex = u < 0.45 ? 'M' : (u < 0.8 ? 'F' : 'H');
  horse.base = random.normal(0.0, 0.75);
  switch (family) {
    case Family::kTrot:
      horse.preferred_distance = random.uniform(2000.0, 2900.0);
      horse.distance_tolerance = random.uniform(0.12, 0.35);
      horse.discipline_edge = random.normal(0.0, 0.35);
      horse.fail_propensity = std::exp(random.normal(0.0, 0.6));
      break;
    case Family::kFlat:
      horse.preferred_distance = std::exp(random.uniform(std::log(1100.0), std::log(3100.0)));
      horse.distance_tolerance = random.uniform(0.10, 0.30);
      horse.fail_propensity = std::exp(random.normal(0.0, 0.3));
      break;
    case Family::kJump:
      horse.preferred_distance = random.uniform(3500.0, 5500.0);
      horse.distance_tolerance = random.uniform(0.15, 0.35);
      horse.discipline_edge = random.normal(0.0, 0.35);
      horse.fail_propensity = std::exp(random.normal(0.0, 0.5));
      break;
  }
  horse.trainer = pool.trainers[static_cast<std::size_t>(random.integer(0, static_cast<int>(pool.trainers.size()) - 1))];
  double total = std::accumulate(pool.jockey_weights.begin(), pool.jockey_weights.end(), 0.0);
  horse.regular_jockey = pool.jockeys[static_cast<std::size_t>(pick_weighted(random, pool.jockey_weights, total))];
  horse.name = horse_name(static_cast<std::int64_t>(world.horses.size()));
  if (initial) simulate_prior_career(horse, random, start);
  const int index = static_cast<int>(world.horses.size());
  world.horses.push_back(std::move(horse));
  pool.bins[class_bin(world.horses.back().base)].push_back(index);
}

// Sizes follow the share of races of each family and the mean rest between runs.
World build_world(Random& random, Day start) {
  const int year = year_of(start);
  World world;
  for (const VenueSpec& spec : kVenues) {
    Venue venue;
    venue.spec = &spec;
    venue.stall_bias = random.normal(0.0, 0.18);
    world.venues.push_back(venue);
  }
  const int jockeys_per_family[kFamilies] = {260, 160, 110};
  const int trainers_per_family[kFamilies] = {420, 260, 150};
  const int horses_per_family[kFamilies] = {12000, 7500, 4500};
  for (int f = 0; f < kFamilies; ++f) {
    FamilyPool& pool = world.pools[f];
    for (int j = 0; j < jockeys_per_family[f]; ++j) {
      Person person;
      person.name = person_name(static_cast<std::int64_t>(world.jockeys.size()));
      person.skill = random.normal(0.0, 0.22);
      person.popularity = std::exp(1.6 * person.skill + random.normal(0.0, 0.5));
      pool.jockeys.push_back(static_cast<int>(world.jockeys.size()));
      pool.jockey_weights.push_back(person.popularity);
      world.jockeys.push_back(std::move(person));
    }
    for (int t = 0; t < trainers_per_family[f]; ++t) {
      Person person;
      person.name = person_name(static_cast<std::int64_t>(world.trainers.size()) + 7919);
      person.skill = random.normal(0.0, 0.2);
      pool.trainers.push_back(static_cast<int>(world.trainers.size()));
      world.trainers.push_back(std::move(person));
    }
    pool.target_size = horses_per_family[f];
    for (int h = 0; h < horses_per_family[f]; ++h) add_horse(world, random, static_cast<Family>(f), year, true, start);
  }
  return world;
}

// On the first day of a year: the oldest horses retire and young ones arrive.
void renew_pools(World& world, Random& random, int year) {
  for (int f = 0; f < kFamilies; ++f) {
    const auto family = static_cast<Family>(f);
    FamilyPool& pool = world.pools[f];
    int active = 0;
    for (std::vector<int>& bin : pool.bins) {
      std::erase_if(bin, [&](int index) {
        Horse& horse = world.horses[static_cast<std::size_t>(index)];
        const int age = year - horse.birth_year;
        if (age > oldest_age(family) || (age >= oldest_age(family) - 2 && random.chance(0.3))) {
          horse.retired = true;
        }
        return horse.retired;
      });
      active += static_cast<int>(bin.size());
    }
    for (int n = active; n < pool.target_size; ++n) add_horse(world, random, family, year, false, 0);
  }
}

// ---------------------------------------------------------------------------------------------
// One race.

struct RaceSetup {
  Family family = Family::kTrot;
  Discipline discipline = Discipline::kAttele;
  int distance = 2100;
  int field = 12;
  int class_bin = 5;
  bool quinte = false;
  bool trot_volte = false;  // trot start "à la volte" with distance handicaps, else autostart
  std::string category;
  std::int64_t prize = 20000;
};

struct Entry {
  int horse = 0;
  int jockey = 0;
  int number = 0;
  std::optional<int> draw;
  std::optional<double> weight;
  int recul = 0;  // metres behind the start line (trot handicap)
  bool non_runner = false;
  double strength = 0.0;
  double hidden_form = 0.0;  // the part of the strength no market sees
  double fail = 0.0;
  double truth = 0.0;
  std::optional<int> position;
  Incident incident = Incident::kNone;
  std::optional<double> morning_odds;
  std::optional<double> final_odds;
  std::optional<double> performance;  // the finisher's run: strength plus the day's luck
  // After the off: the runner's time, réduction kilométrique (trot) and beaten lengths.
  std::optional<double> time_s;
  std::optional<double> reduction_km_s;
  std::optional<double> beaten_lengths;
};

// How fast races are run, for the times, réductions kilométriques and beaten distances that
// follow from the finishers' performances: a winner's speed in m/s at a reference distance, what
// 1,000 m more costs, and the ground's effect (flat and jumps). A length is about 2.4 m.
struct Pace {
  double speed_mps;
  double reference_m;
  double per_extra_km;
};

Pace pace_of(Discipline discipline) {
  switch (discipline) {
    case Discipline::kAttele: return {14.05, 2100, 0.25};   // réduction about 1'11"2
    case Discipline::kMonte: return {13.75, 2150, 0.25};
    case Discipline::kPlat: return {16.45, 1600, 0.55};
    case Discipline::kHaies: return {14.60, 3800, 0.35};
    case Discipline::kSteeple: return {13.90, 4300, 0.35};
    case Discipline::kCross: return {12.60, 6000, 0.30};
  }
  return {15.0, 2000, 0.4};
}

double going_effect(const std::string& going) {
  if (going == "SOUPLE") return -0.30;
  if (going == "LOURD") return -0.75;
  return 0.0;
}

// FNV-1a: a hash that is the same on every standard library (std::hash is not), so that the
// demo's bytes follow from its seed alone.
std::uint64_t stable_hash(std::string_view text) {
  std::uint64_t h = 1469598103934665603ULL;
  for (char c : text) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  return h;
}

// A venue's track: some run fast, some slow (its shape, its surface), the same every day.
double track_effect(const std::string& venue_code) {
  return (static_cast<double>(stable_hash(venue_code) % 1000) / 999.0 - 0.5) * 0.5;  // ±0.25 m/s
}

Discipline pick_discipline(Random& random, Family family) {
  switch (family) {
    case Family::kTrot: return random.chance(0.85) ? Discipline::kAttele : Discipline::kMonte;
    case Family::kFlat: return Discipline::kPlat;
    case Family::kJump: {
      const double u = random.uniform();
      return u < 0.55 ? Discipline::kHaies : (u < 0.92 ? Discipline::kSteeple : Discipline::kCross);
    }
  }
  return Discipline::kPlat;
}

int pick_distance(Random& random, Discipline discipline) {
  switch (discipline) {
    case Discipline::kAttele: {
      static constexpr int kDistances[] = {2100, 2150, 2175, 2700, 2850, 2875, 1609, 2200, 2250, 2600};
      return kDistances[random.integer(0, 9)];
    }
    case Discipline::kMonte: {
      static constexpr int kDistances[] = {2175, 2200, 2700, 2850};
      return kDistances[random.integer(0, 3)];
    }
    case Discipline::kPlat: return 100 * random.integer(10, 31);
    case Discipline::kHaies: return 100 * random.integer(34, 44);
    case Discipline::kSteeple: return 100 * random.integer(35, 60);
    case Discipline::kCross: return 100 * random.integer(50, 70);
  }
  return 2000;
}

int pick_field(Random& random, const RaceSetup& setup) {
  if (setup.quinte) return random.integer(14, 18);
  switch (setup.family) {
    case Family::kTrot: return std::clamp(static_cast<int>(std::lround(random.normal(13.0, 2.8))), 6, 18);
    case Family::kFlat: return std::clamp(static_cast<int>(std::lround(random.normal(11.0, 3.6))), 5, 20);
    case Family::kJump: return std::clamp(static_cast<int>(std::lround(random.normal(10.5, 2.8))), 5, 16);
  }
  return 10;
}

RaceSetup plan_race(Random& random, Family family, bool quinte) {
  RaceSetup setup;
  setup.family = family;
  setup.quinte = quinte;
  setup.discipline = pick_discipline(random, family);
  if (quinte && setup.discipline == Discipline::kMonte && random.chance(0.7)) setup.discipline = Discipline::kAttele;
  if (quinte && setup.discipline == Discipline::kCross) setup.discipline = Discipline::kSteeple;
  setup.distance = pick_distance(random, setup.discipline);
  setup.field = pick_field(random, setup);
  setup.class_bin = quinte ? random.integer(5, 8) : random.integer(1, kClassBins - 2);
  const double class_factor = std::exp(0.25 * (setup.class_bin - 5));
  if (family == Family::kTrot) {
    setup.trot_volte = setup.discipline == Discipline::kMonte || random.chance(0.35);
    setup.category = setup.trot_volte && random.chance(0.5) ? "HANDICAP" : "COURSE_A_CONDITIONS";
    if (!setup.trot_volte && random.chance(0.3)) setup.category = "AUTOSTART";
  } else {
    const double u = random.uniform();
    setup.category = u < 0.42 ? "HANDICAP" : (u < 0.8 ? "COURSE_A_CONDITIONS" : (u < 0.93 ? "A_RECLAMER" : "LISTED"));
    if (setup.class_bin >= 8 && family == Family::kFlat && random.chance(0.5)) setup.category = "GROUPE_III";
  }
  if (quinte) setup.category = family == Family::kTrot ? "COURSE_A_CONDITIONS" : "HANDICAP";
  setup.prize = static_cast<std::int64_t>(std::lround(
      (quinte ? 55000.0 : 16000.0) * class_factor * random.uniform(0.8, 1.3) / 500.0)) * 500;
  return setup;
}

// Chooses the field: rested horses of the right family and class, at most one run a day. When
// too few are rested, trainers bring horses back sooner (up to four weeks early).
std::vector<int> choose_horses(World& world, Random& random, const RaceSetup& setup, Day day) {
  FamilyPool& pool = world.pools[family_index(setup.family)];
  std::vector<int> chosen;
  for (int early : {0, 7, 14, 28}) {
    for (int widen = 2; widen <= kClassBins && static_cast<int>(chosen.size()) < setup.field; ++widen) {
      const int low = std::max(0, setup.class_bin - widen);
      const int high = std::min(kClassBins - 1, setup.class_bin + widen);
      std::size_t candidates = 0;
      for (int b = low; b <= high; ++b) candidates += pool.bins[b].size();
      if (candidates == 0) continue;
      for (int attempt = 0; attempt < setup.field * 12 && static_cast<int>(chosen.size()) < setup.field; ++attempt) {
        auto pick = static_cast<std::size_t>(random.next() % candidates);
        int b = low;
        while (pick >= pool.bins[b].size()) pick -= pool.bins[b++].size();
        const int index = pool.bins[b][pick];
        Horse& horse = world.horses[static_cast<std::size_t>(index)];
        if (horse.retired || horse.running_on == day || horse.next_available > day + early) continue;
        const int age = year_of(day) - horse.birth_year;
        if (setup.discipline == Discipline::kPlat && setup.quinte && age < 3) continue;
        // Trainers enter horses over distances that suit them.
        if (early < 28 && !random.chance(std::exp(2.0 * distance_fit(horse, setup.distance)))) continue;
        horse.running_on = day;
        chosen.push_back(index);
      }
    }
    if (static_cast<int>(chosen.size()) >= setup.field) break;
  }
  return chosen;
}

double distance_fit(const Horse& horse, int distance) {
  const double x = std::log(distance / horse.preferred_distance) / horse.distance_tolerance;
  return -0.35 * x * x;
}

double discipline_fit(const Horse& horse, Discipline discipline) {
  switch (discipline) {
    case Discipline::kAttele:
    case Discipline::kHaies: return horse.discipline_edge;
    case Discipline::kMonte:
    case Discipline::kSteeple:
    case Discipline::kCross: return -horse.discipline_edge;
    case Discipline::kPlat: return 0.0;
  }
  return 0.0;
}

double base_fail_rate(Discipline discipline) {
  switch (discipline) {
    case Discipline::kAttele: return 0.075;
    case Discipline::kMonte: return 0.09;
    case Discipline::kPlat: return 0.004;
    case Discipline::kHaies: return 0.05;
    case Discipline::kSteeple: return 0.09;
    case Discipline::kCross: return 0.10;
  }
  return 0.01;
}

Incident incident_for(Random& random, Discipline discipline) {
  if (is_trot(discipline)) return Incident::kDisqualified;
  if (discipline == Discipline::kPlat) return Incident::kUnseated;
  const double u = random.uniform();
  return u < 0.55 ? Incident::kFell : (u < 0.85 ? Incident::kPulledUp : Incident::kUnseated);
}

double round_odds(double odds) {
  odds = std::max(odds, 1.1);
  if (odds < 10.0) return std::round(odds * 10.0) / 10.0;
  if (odds < 100.0) return std::round(odds);
  return std::min(999.0, std::round(odds / 5.0) * 5.0);
}

// Assigns draws, numbers, weights and distance handicaps, as French racing does.
void lay_out_field(World& world, Random& random, const RaceSetup& setup, std::vector<Entry>& entries,
                   int year) {
  const std::size_t n = entries.size();
  std::vector<int> permutation(n);
  std::iota(permutation.begin(), permutation.end(), 1);
  for (std::size_t i = n; i > 1; --i) std::swap(permutation[i - 1], permutation[static_cast<std::size_t>(random.integer(0, static_cast<int>(i) - 1))]);

  if (setup.family == Family::kTrot) {
    if (setup.trot_volte) {
      // Distance handicap: the richest third starts 25 m behind (50 m for the very richest).
      std::vector<std::size_t> by_earnings(n);
      std::iota(by_earnings.begin(), by_earnings.end(), 0);
      std::sort(by_earnings.begin(), by_earnings.end(), [&](std::size_t a, std::size_t b) {
        return world.horses[static_cast<std::size_t>(entries[a].horse)].earnings <
               world.horses[static_cast<std::size_t>(entries[b].horse)].earnings;
      });
      for (std::size_t rank = 0; rank < n; ++rank) {
        Entry& e = entries[by_earnings[rank]];
        e.recul = rank >= n - n / 8 && n >= 8 ? 50 : (rank >= n - n / 3 ? 25 : 0);
      }
      std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.recul < b.recul; });
      for (std::size_t i = 0; i < n; ++i) entries[i].number = static_cast<int>(i) + 1;
    } else {
      for (std::size_t i = 0; i < n; ++i) {
        entries[i].draw = permutation[i];
        entries[i].number = permutation[i];
      }
    }
    return;
  }

  const bool handicap = setup.category == "HANDICAP";
  const double base_weight = setup.family == Family::kJump ? 66.0 : 56.0;
  std::vector<double> ratings(n);
  for (std::size_t i = 0; i < n; ++i) {
    const Horse& horse = world.horses[static_cast<std::size_t>(entries[i].horse)];
    ratings[i] = horse.base + age_effect(horse.family, year - horse.birth_year) + random.normal(0.0, 0.3);
  }
  const double mean = std::accumulate(ratings.begin(), ratings.end(), 0.0) / static_cast<double>(n);
  for (std::size_t i = 0; i < n; ++i) {
    const Horse& horse = world.horses[static_cast<std::size_t>(entries[i].horse)];
    double weight = base_weight;
    if (handicap) {
      weight += 4.0 * (ratings[i] - mean) / 0.6;
    } else {
      weight += (horse.sex == 'F' ? -1.5 : 0.0) + (horse.wins >= 3 ? 2.0 : 0.0) +
                (year - horse.birth_year == 2 ? -2.0 : 0.0);
    }
    weight = std::clamp(std::round(weight * 2.0) / 2.0, base_weight - 6.0, base_weight + 8.0);
    entries[i].weight = weight;
    if (setup.family == Family::kFlat) entries[i].draw = permutation[i];
  }
  // Numbers follow the weights, top weight first, as in a handicap's card.
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return *a.weight > *b.weight; });
  for (std::size_t i = 0; i < n; ++i) entries[i].number = static_cast<int>(i) + 1;
}

// The runner's strength on the day, without its hidden form (added by the caller).
double strength_of(const World& world, const RaceSetup& setup, const Venue& venue, const Entry& e,
                   double mean_weight, int starters, int year, Random& random) {
  const Horse& horse = world.horses[static_cast<std::size_t>(e.horse)];
  double s = horse.base + age_effect(horse.family, year - horse.birth_year) +
             distance_fit(horse, setup.distance) + discipline_fit(horse, setup.discipline) +
             world.jockeys[static_cast<std::size_t>(e.jockey)].skill +
             world.trainers[static_cast<std::size_t>(horse.trainer)].skill;
  if (e.weight) s -= 0.07 * (*e.weight - mean_weight);
  s -= 0.014 * e.recul;
  if (e.draw && starters > 1) {
    const double relative = (*e.draw - 1.0) / (starters - 1.0);
    s += venue.stall_bias * (1.0 - 2.0 * relative);
    if (setup.family == Family::kTrot && *e.draw <= 8) s += 0.08;
  }
  s += random.normal(0.0, kSeenFormSd);
  return s;
}

// A market's view: the strengths it can see (all but the hidden form) with its own error,
// shrunk towards the field (favourite-longshot bias), as probabilities with the over-round.
std::vector<double> market_odds(Random& random, const std::vector<double>& seen_strengths,
                                double error, double overround) {
  std::vector<double> logits(seen_strengths.size());
  for (std::size_t i = 0; i < logits.size(); ++i) {
    logits[i] = kStrengthScale * kMarketBias * (seen_strengths[i] + random.normal(0.0, error));
  }
  const double top = *std::max_element(logits.begin(), logits.end());
  double total = 0.0;
  for (double& v : logits) total += (v = std::exp(v - top));
  std::vector<double> odds(logits.size());
  for (std::size_t i = 0; i < logits.size(); ++i) odds[i] = round_odds(1.0 / (logits[i] / total * overround));
  return odds;
}

std::string musique_of(const Horse& horse, int race_year) {
  std::string text;
  int marker_year = race_year;
  for (auto run = horse.recent.rbegin(); run != horse.recent.rend(); ++run) {
    const int run_year = year_of(run->day);
    if (run_year != marker_year) {
      text += fmt::format("({:02d})", run_year % 100);
      marker_year = run_year;
    }
    text += run->result;
    text += run->letter;
  }
  return text;
}

char musique_result(const Entry& e) {
  if (e.incident == Incident::kDisqualified) return 'D';
  if (e.incident == Incident::kPulledUp) return 'A';
  if (e.incident != Incident::kNone) return 'T';
  if (e.position && *e.position <= 9) return static_cast<char>('0' + *e.position);
  return '0';
}


struct Tally {
  std::int64_t finished = 0;
  std::int64_t favourite_wins = 0;
  std::int64_t truth_favourite_wins = 0;
  double overround = 0.0;
  std::int64_t starters = 0;
  std::int64_t declared = 0;
  std::int64_t non_runners = 0;
  std::int64_t incidents = 0;
  std::int64_t finished_starters = 0;
};

class Generator {
 public:
  Generator(Database& db, const DemoOptions& options) : db_(db), options_(options), random_(options.seed) {}

  Result<DemoReport> run(const std::function<void(std::string_view)>& say);

 private:
  Status generate_day(Day day, const std::vector<int>& meeting_sizes, bool upcoming);
  Status generate_race(Day day, int meeting, int race_no, Venue& venue, const RaceSetup& setup,
                       bool upcoming);
  Result<EntityId> horse_id(Horse& horse);
  Result<EntityId> person_id(Person& person, bool jockey);
  Result<EntityId> venue_id(Venue& venue);
  void settle(Horse& horse, const Entry& entry, const RaceSetup& setup, Day day);

  Database& db_;
  DemoOptions options_;
  Random random_;
  World world_;
  Tally tally_;
  DemoReport report_;
};

Result<EntityId> Generator::horse_id(Horse& horse) {
  if (horse.db_id == 0) {
    const std::string sex(1, horse.sex);
    PADDOCK_ASSIGN_OR_RETURN(horse.db_id, db_.upsert_horse(fmt::format("{}-{}", horse.name, horse.birth_year),
                                                           horse.name, sex, horse.birth_year));
    ++report_.horses;
  }
  return horse.db_id;
}

Result<EntityId> Generator::person_id(Person& person, bool jockey) {
  if (person.db_id == 0) {
    PADDOCK_ASSIGN_OR_RETURN(person.db_id, jockey ? db_.upsert_jockey(person.name) : db_.upsert_trainer(person.name));
  }
  return person.db_id;
}

Result<EntityId> Generator::venue_id(Venue& venue) {
  if (venue.db_id == 0) {
    PADDOCK_ASSIGN_OR_RETURN(venue.db_id, db_.upsert_venue(venue.spec->code, venue.spec->name));
  }
  return venue.db_id;
}

void Generator::settle(Horse& horse, const Entry& entry, const RaceSetup& setup, Day day) {
  ++horse.starts;
  if (entry.position == 1) ++horse.wins;
  if (entry.position && *entry.position <= 3) ++horse.places;
  if (entry.position && *entry.position <= 5) {
    horse.earnings += static_cast<std::int64_t>(std::lround(setup.prize * kPrizeShares[*entry.position - 1]));
  }
  horse.recent.push_back(PastRun{day, musique_result(entry), discipline_letter(setup.discipline)});
  if (horse.recent.size() > kMusiqueRuns) horse.recent.erase(horse.recent.begin());
  const int rest = setup.family == Family::kJump ? 21 : 12;
  horse.next_available = day + rest + static_cast<int>(-std::log(1.0 - random_.uniform()) * 18.0);
  if (random_.chance(0.004)) horse.retired = true;  // injury; skipped by later selections
}

// The finishers' times, réductions kilométriques (trot) and beaten lengths, from their
// performances: the winner runs at the discipline's pace for the distance, the ground and the
// track, faster the better its run; each length behind costs about 2.4 m. Returns the winner's
// time (nullopt when nobody finished).
std::optional<double> run_times(const RaceSetup& setup, const std::string& going, const Venue& venue,
                                std::vector<Entry>& entries, Random& timing) {
  const auto winner = std::find_if(entries.begin(), entries.end(), [](const Entry& e) { return e.position == 1; });
  if (winner == entries.end() || !winner->performance) return std::nullopt;
  const Pace pace = pace_of(setup.discipline);
  const bool trot = setup.family == Family::kTrot;
  const double speed = pace.speed_mps - pace.per_extra_km * (setup.distance - pace.reference_m) / 1000.0 +
                       (trot ? 0.0 : going_effect(going)) + track_effect(venue.spec->code) +
                       0.10 * *winner->performance + timing.normal(0.0, 0.10);
  const double lengths_per_unit = 1.5 * std::sqrt(setup.distance / 2000.0);
  const double winner_distance = setup.distance + winner->recul;
  const double winner_time = winner_distance / speed;
  for (Entry& e : entries) {
    if (!e.position || !e.performance) continue;
    // The performances already hold the day's luck: margins follow them, in twentieths of a length.
    e.beaten_lengths = std::round((*winner->performance - *e.performance) * lengths_per_unit * 20.0) / 20.0;
    const double run_distance = setup.distance + e.recul;
    const double time = winner_time * run_distance / winner_distance + *e.beaten_lengths * 2.4 / speed;
    e.time_s = std::round(time * 100.0) / 100.0;
    if (trot) e.reduction_km_s = std::round(*e.time_s / (run_distance / 1000.0) * 10.0) / 10.0;
  }
  return winner->time_s;
}

Status Generator::generate_race(Day day, int meeting, int race_no, Venue& venue,
                                const RaceSetup& setup, bool upcoming) {
  const int year = year_of(day);
  std::vector<int> horses = choose_horses(world_, random_, setup, day);
  if (horses.size() < 5) {
    return make_error(ErrorCode::kInternal,
                      fmt::format("the demo's horse pool ran dry on {} ({} horses for a field of {})",
                                  format_day(day), horses.size(), setup.field));
  }

  FamilyPool& pool = world_.pools[family_index(setup.family)];
  const double jockey_total = std::accumulate(pool.jockey_weights.begin(), pool.jockey_weights.end(), 0.0);
  std::vector<Entry> entries(horses.size());
  for (std::size_t i = 0; i < horses.size(); ++i) {
    entries[i].horse = horses[i];
    const Horse& horse = world_.horses[static_cast<std::size_t>(horses[i])];
    entries[i].jockey = random_.chance(0.75)
                            ? horse.regular_jockey
                            : pool.jockeys[static_cast<std::size_t>(pick_weighted(random_, pool.jockey_weights, jockey_total))];
    entries[i].non_runner = random_.chance(kNonRunnerRate);
  }
  lay_out_field(world_, random_, setup, entries, year);

  // The starters' strengths, incident chances and true win probabilities.
  // A race keeps at least two starters: scratchings beyond that are withdrawn.
  auto starter_count = [&] {
    return std::count_if(entries.begin(), entries.end(), [](const Entry& e) { return !e.non_runner; });
  };
  for (Entry& e : entries) {
    if (starter_count() >= 2) break;
    e.non_runner = false;
  }
  std::vector<std::size_t> starters;
  double weight_sum = 0.0;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].non_runner) continue;
    starters.push_back(i);
    if (entries[i].weight) weight_sum += *entries[i].weight;
  }
  const int n = static_cast<int>(starters.size());
  const double mean_weight = weight_sum / std::max(1, n);
  std::vector<double> strengths, fails, seen;
  for (std::size_t i : starters) {
    Entry& e = entries[i];
    const double visible = strength_of(world_, setup, venue, e, mean_weight, n, year, random_);
    e.hidden_form = random_.normal(0.0, kHiddenFormSd);
    e.strength = visible + e.hidden_form;
    seen.push_back(visible);
    const Horse& horse = world_.horses[static_cast<std::size_t>(e.horse)];
    e.fail = std::min(0.5, base_fail_rate(setup.discipline) * horse.fail_propensity);
    strengths.push_back(std::exp(kStrengthScale * e.strength));
    fails.push_back(e.fail);
  }
  const std::vector<double> truth = demo::win_probabilities(strengths, fails);
  for (std::size_t k = 0; k < starters.size(); ++k) entries[starters[k]].truth = truth[k];

  // Markets: the morning's and, for run races, the final one.
  const double overround = random_.uniform(1.16, 1.28);
  const std::vector<double> morning = market_odds(random_, seen, kMorningMarketError, overround);
  const std::vector<double> final_odds = market_odds(random_, seen, kFinalMarketError, overround);
  for (std::size_t k = 0; k < starters.size(); ++k) {
    entries[starters[k]].morning_odds = morning[k];
    if (!upcoming) entries[starters[k]].final_odds = final_odds[k];
  }
  for (Entry& e : entries) {
    if (e.non_runner) e.morning_odds = round_odds(random_.uniform(5.0, 40.0));
  }

  // The result: incidents, then a Plackett-Luce order among those who finish.
  if (!upcoming) {
    std::vector<std::pair<double, std::size_t>> order;
    for (std::size_t k = 0; k < starters.size(); ++k) {
      Entry& e = entries[starters[k]];
      if (random_.chance(e.fail)) {
        e.incident = incident_for(random_, setup.discipline);
        ++tally_.incidents;
      } else {
        order.emplace_back(std::log(strengths[k]) + random_.gumbel(), starters[k]);
      }
    }
    std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    for (std::size_t rank = 0; rank < order.size(); ++rank) {
      entries[order[rank].second].position = static_cast<int>(rank) + 1;
      entries[order[rank].second].performance = order[rank].first;
    }
    if (!order.empty()) {
      ++tally_.finished;
      for (std::size_t k : starters) tally_.overround += 1.0 / *entries[k].final_odds;
      tally_.finished_starters += static_cast<std::int64_t>(starters.size());
      const auto favourite = std::min_element(starters.begin(), starters.end(), [&](std::size_t a, std::size_t b) {
        return *entries[a].final_odds < *entries[b].final_odds;
      });
      tally_.favourite_wins += entries[*favourite].position == 1 ? 1 : 0;
      const auto true_favourite = std::max_element(starters.begin(), starters.end(), [&](std::size_t a, std::size_t b) {
        return entries[a].truth < entries[b].truth;
      });
      tally_.truth_favourite_wins += entries[*true_favourite].position == 1 ? 1 : 0;
    }
  }

  // The rows.
  Race race;
  race.id = static_cast<RaceId>(yyyymmdd(day)) * 10000 + meeting * 100 + race_no;
  race.day = day;
  race.meeting_no = meeting;
  race.race_no = race_no;
  race.name = fmt::format("PRIX {}", kNameFirst[static_cast<std::size_t>(random_.integer(0, static_cast<int>(kNameFirst.size()) - 1))]);
  race.discipline = setup.discipline;
  race.distance_m = setup.distance;
  race.prize_eur = setup.prize;
  race.category = setup.category;
  race.is_quinte = setup.quinte;
  race.going = setup.family == Family::kTrot ? "" : (random_.chance(0.5) ? "BON" : (random_.chance(0.5) ? "SOUPLE" : "LOURD"));
  race.status = upcoming ? RaceStatus::kScheduled : RaceStatus::kFinished;
  // Meetings start a little apart (R1 at 13:30, as the Quinté+'s afternoon meeting does; R2 at
  // 12:00, R3 at 16:00, later ones in the evening), with a race every 30 minutes.
  constexpr std::array<int, 4> kFirstOff{13 * 60 + 30, 12 * 60, 16 * 60, 18 * 60 + 15};
  const int first_off = kFirstOff[static_cast<std::size_t>(std::min(meeting, 4) - 1)] + (meeting > 4 ? 20 * (meeting - 4) : 0);
  race.post_time = format_time_of_day(first_off + 30 * (race_no - 1));
  // What the race tells after the off, and the handicapper's ratings and body weights before
  // it, on a random stream of the race's own: the rest of the demo is the same bytes whatever
  // these figures do.
  Random timing(options_.seed ^ (static_cast<std::uint64_t>(race.id) * 0x9E3779B97F4A7C15ULL));
  if (!upcoming) race.winning_time_s = run_times(setup, race.going, venue, entries, timing);
  PADDOCK_ASSIGN_OR_RETURN(const EntityId venue_db_id, venue_id(venue));
  PADDOCK_TRY(db_.upsert_race(race, venue_db_id));

  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.number < b.number; });
  for (const Entry& e : entries) {
    Horse& horse = world_.horses[static_cast<std::size_t>(e.horse)];
    Runner runner;
    runner.race_id = race.id;
    runner.number = e.number;
    runner.age = year - horse.birth_year;
    runner.sex = std::string(1, horse.sex);
    runner.draw = e.draw;
    runner.weight_kg = e.weight;
    if (setup.family == Family::kTrot) runner.handicap_distance_m = setup.distance + e.recul;
    if (setup.family == Family::kTrot) {
      const double u = random_.uniform();
      runner.shoes = u < 0.35 ? "DEFERRE_ANTERIEURS_POSTERIEURS" : (u < 0.55 ? "DEFERRE_POSTERIEURS" : "");
    }
    runner.blinkers = random_.chance(0.15) ? "OEILLERES_CLASSIQUE" : "";
    runner.musique = musique_of(horse, year);
    runner.career_starts = horse.starts;
    runner.career_wins = horse.wins;
    runner.career_places = horse.places;
    runner.career_earnings_eur = horse.earnings;
    runner.morning_odds = e.morning_odds;
    runner.final_odds = e.final_odds;
    runner.non_runner = e.non_runner;
    runner.finish_position = e.position;
    runner.incident = e.incident;
    runner.finish_time_s = e.time_s;
    runner.reduction_km_s = e.reduction_km_s;
    runner.beaten_lengths = e.beaten_lengths;
    // Flat and jumps carry the handicapper's value: the horse's ability as he reads it, on
    // the French scale (about 20 to 60), to the half point.
    if (setup.family != Family::kTrot) {
      runner.official_rating = std::max(0.0, std::round(2.0 * (40.0 + 8.0 * horse.base + timing.normal(0.0, 1.5))) / 2.0);
    }
    // A horse's weight changes little from run to run: its own frame, give or take a few kilos.
    const double frame = 430.0 + static_cast<double>(stable_hash(horse.name) % 90);
    runner.body_weight_kg = std::round(frame + timing.normal(0.0, 3.0));
    PADDOCK_ASSIGN_OR_RETURN(const EntityId h, horse_id(horse));
    PADDOCK_ASSIGN_OR_RETURN(const EntityId j, person_id(world_.jockeys[static_cast<std::size_t>(e.jockey)], true));
    PADDOCK_ASSIGN_OR_RETURN(const EntityId t, person_id(world_.trainers[static_cast<std::size_t>(horse.trainer)], false));
    PADDOCK_TRY(db_.upsert_runner(runner, h, j, t));
    if (!e.non_runner) PADDOCK_TRY(db_.upsert_truth(race.id, e.number, e.truth));
    ++report_.runners;
    ++tally_.declared;
    if (e.non_runner) {
      ++tally_.non_runners;
    } else {
      ++tally_.starters;
    }
    if (!upcoming && !e.non_runner) {
      settle(horse, e, setup, day);
    } else if (upcoming) {
      horse.next_available = day + 7;
    }
  }
  ++report_.races;
  if (upcoming) ++report_.upcoming_races;
  if (setup.quinte) ++report_.quinte_races;
  return ok_status();
}

Family pick_family(Random& random) {
  const double u = random.uniform();
  return u < 0.5 ? Family::kTrot : (u < 0.84 ? Family::kFlat : Family::kJump);
}

Venue& pick_venue(Random& random, World& world, Family family) {
  while (true) {
    Venue& venue = world.venues[static_cast<std::size_t>(random.integer(0, static_cast<int>(world.venues.size()) - 1))];
    if ((family == Family::kTrot && venue.spec->trot) || (family == Family::kFlat && venue.spec->flat) ||
        (family == Family::kJump && venue.spec->jump)) {
      return venue;
    }
  }
}

Status Generator::generate_day(Day day, const std::vector<int>& meeting_sizes, bool upcoming) {
  for (std::size_t m = 0; m < meeting_sizes.size(); ++m) {
    const int meeting = static_cast<int>(m) + 1;
    const Family family = pick_family(random_);
    Venue& venue = pick_venue(random_, world_, family);
    for (int race_no = 1; race_no <= meeting_sizes[m]; ++race_no) {
      const bool quinte = meeting == 1 && race_no == 4;
      const RaceSetup setup = plan_race(random_, family, quinte);
      PADDOCK_TRY(generate_race(day, meeting, race_no, venue, setup, upcoming));
    }
  }
  return ok_status();
}

// The calendar: how many meetings each day has and how many races each meeting, until the
// requested number of races. Planned first so that the last `days_ahead` days are known.
std::vector<std::vector<int>> plan_calendar(const DemoOptions& options) {
  Random random(options.seed ^ 0x5EED5EED5EED5EEDULL);
  std::vector<std::vector<int>> days;
  std::int64_t planned = 0;
  for (Day day = options.start; planned < options.races; ++day) {
    const int meetings = weekday_of(day) >= 5 ? kMeetingsWeekend : kMeetingsWeekday;
    std::vector<int> sizes;
    for (int m = 0; m < meetings && planned < options.races; ++m) {
      const int races = static_cast<int>(std::min<std::int64_t>(random.integer(7, 9), options.races - planned));
      sizes.push_back(races);
      planned += races;
    }
    days.push_back(std::move(sizes));
  }
  return days;
}

Result<DemoReport> Generator::run(const std::function<void(std::string_view)>& say) {
  const auto started = std::chrono::steady_clock::now();
  PADDOCK_ASSIGN_OR_RETURN(const Database::Counts counts, db_.counts());
  if (counts.races > 0) {
    return make_error(ErrorCode::kFailedPrecondition,
                      fmt::format("database '{}' already holds {} races; `paddock demo` fills an "
                                  "empty database (choose a new --db file)",
                                  db_.location(), counts.races));
  }
  world_ = build_world(random_, options_.start);
  const std::vector<std::vector<int>> calendar = plan_calendar(options_);
  const std::size_t upcoming_from =
      calendar.size() - std::min(calendar.size() - 1, static_cast<std::size_t>(options_.days_ahead));

  std::int64_t next_report = options_.races / 10;
  int current_year = year_of(options_.start);
  PADDOCK_ASSIGN_OR_RETURN(WriteTransaction transaction, WriteTransaction::begin(db_));
  for (std::size_t d = 0; d < calendar.size(); ++d) {
    const Day day = options_.start + static_cast<Day>(d);
    if (year_of(day) != current_year) {
      current_year = year_of(day);
      renew_pools(world_, random_, current_year);
    }
    PADDOCK_TRY(generate_day(day, calendar[d], d >= upcoming_from));
    ++report_.days;
    if (report_.races >= next_report || d + 1 == calendar.size()) {
      PADDOCK_TRY(transaction.commit());
      const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      say(fmt::format("[{:3d}%] {} races generated, up to {} ({:.0f} races/s)",
                      static_cast<int>(100 * report_.races / options_.races), report_.races,
                      format_day(day), static_cast<double>(report_.races) / std::max(elapsed, 1e-9)));
      next_report += std::max<std::int64_t>(1, options_.races / 10);
      PADDOCK_ASSIGN_OR_RETURN(transaction, WriteTransaction::begin(db_));
    }
  }
  PADDOCK_TRY(transaction.commit());
  const Day last = options_.start + static_cast<Day>(calendar.size()) - 1;
  report_.first_day = format_day(options_.start);
  report_.last_day = format_day(last);
  report_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (tally_.finished > 0) {
    report_.favourite_win_rate = static_cast<double>(tally_.favourite_wins) / static_cast<double>(tally_.finished);
    report_.truth_favourite_win_rate = static_cast<double>(tally_.truth_favourite_wins) / static_cast<double>(tally_.finished);
    report_.mean_overround = tally_.overround / static_cast<double>(tally_.finished);
  }
  if (report_.races > 0) report_.mean_field_size = static_cast<double>(tally_.starters) / static_cast<double>(report_.races);
  if (tally_.declared > 0) report_.non_runner_rate = static_cast<double>(tally_.non_runners) / static_cast<double>(tally_.declared);
  if (tally_.finished_starters > 0) {
    report_.incident_rate = static_cast<double>(tally_.incidents) / static_cast<double>(tally_.finished_starters);
  }
  return report_;
}

}  // namespace

Result<DemoReport> generate_demo(Database& db, const DemoOptions& options,
                                 const std::function<void(std::string_view)>& say) {
  if (options.races <= 0) return make_error(ErrorCode::kInvalidArgument, "--races must be a positive number");
  if (options.days_ahead < 0) return make_error(ErrorCode::kInvalidArgument, "--days-ahead must be 0 or more");
  Generator generator(db, options);
  return generator.run(say);
}

}  // namespace paddock
