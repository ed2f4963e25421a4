// paddock card: a day's races with their runners ranked, picks and value marked, results once in.
#include <fmt/color.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <memory>

#include "cli_support.h"
#include "engine/race_card.h"

namespace paddock::cli {
namespace {

struct CardArgs {
  std::string db;
  std::string date;
  std::optional<RaceId> race;
  std::optional<ModelId> model;
  bool json = false;
  bool csv = false;
  double value_threshold = 1.2;
  std::string color = "auto";
};

// Colours on a terminal only: never in a pipe or a file, never with NO_COLOR set.
bool use_colour(const std::string& when) {
  if (when == "always") return true;
  if (when == "never") return false;
  const char* no_color = std::getenv("NO_COLOR");
  return isatty(STDOUT_FILENO) == 1 && (no_color == nullptr || *no_color == '\0');
}

class Painter {
 public:
  explicit Painter(bool on) : on_(on) {}
  std::string operator()(const std::string& text, fmt::text_style style) const {
    return on_ ? fmt::format(style, "{}", text) : text;
  }

 private:
  bool on_;
};

// Cuts a name to `width` characters (UTF-8 code points), so that columns stay aligned.
std::string cut(const std::string& text, std::size_t width) {
  std::size_t points = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80 && points++ == width) return text.substr(0, i);
  }
  return text;
}

std::string pad(const std::string& text, std::size_t width) {
  std::size_t points = 0;
  for (char c : text) points += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return points >= width ? text : text + std::string(width - points, ' ');
}

// An incident in the result column, as racing prints it: F fell, PU pulled up, UR unseated,
// DQ disqualified (a demoted runner keeps the place it was given).
std::string incident_code(const std::string& incident) {
  if (incident == "fell") return "F";
  if (incident == "pulled_up") return "PU";
  if (incident == "unseated") return "UR";
  if (incident == "disqualified") return "DQ";
  return incident.substr(0, 4);
}

std::string percent(const std::optional<double>& p) { return p ? fmt::format("{:.1f}", *p * 100) : "-"; }

std::string race_title(const CardRace& race) {
  const RaceSummary& h = race.head;
  std::string title = fmt::format("R{}C{}", h.meeting_no, h.race_no);
  if (!h.post_time.empty()) title += "  " + h.post_time;
  title += "  " + h.venue;
  if (!h.name.empty()) title += " · " + h.name;
  title += fmt::format(" · {} {} m · {} starters", h.discipline, h.distance_m, h.starters);
  if (h.prize_eur) title += fmt::format(" · {} €", *h.prize_eur);
  return title;
}

void print_race(const CardRace& race, const Painter& paint) {
  const RaceSummary& h = race.head;
  std::string title = paint(race_title(race), fmt::emphasis::bold);
  if (h.is_quinte) title += "  " + paint("Quinté+", fmt::emphasis::bold | fmt::fg(fmt::color::gold));
  if (h.status != "scheduled") title += "  [" + h.status + "]";
  fmt::print("{}\n", title);
  if (!race.unavailable.empty()) {
    fmt::print("  no probabilities: {}\n\n", race.unavailable);
    return;
  }
  fmt::print("  {} · confidence {:.2f}\n", race.source, race.confidence);
  fmt::print("  {:>3} {:>3}  {} {} {:>5} {:>6} {:>6} {:>5} {:>6} {:>5}  {} {:<4} {:>4}\n", "rk", "no", pad("horse", 22),
             pad("jockey", 16), "win%", "fair", "odds", "mkt%", "value", "fund%", pad("musique", 16), "pick", "res");
  for (const CardRunner& r : race.runners) {
    const std::string odds = r.odds ? fmt::format("{:.1f}{}", *r.odds, r.final_odds ? "" : "m") : "-";
    std::string value = r.value ? fmt::format("{:6.2f}", *r.value) : fmt::format("{:>6}", "-");
    if (r.value_runner) value = paint(value, fmt::emphasis::bold | fmt::fg(fmt::color::green));
    std::string pick = r.pick > 0 ? fmt::format("Q{}", r.pick) : (r.value_runner ? "V" : "");
    pick = pad(pick, 4);
    if (r.pick > 0) pick = paint(pick, fmt::emphasis::bold | fmt::fg(fmt::color::gold));
    std::string result = r.finish_position ? std::to_string(*r.finish_position) : incident_code(r.incident);
    result = fmt::format("{:>4}", result);
    if (r.finish_position == 1) result = paint(result, fmt::emphasis::bold | fmt::fg(fmt::color::green));
    std::string horse = pad(cut(r.horse, 22), 22);
    if (r.rank == 1) horse = paint(horse, fmt::emphasis::bold);
    fmt::print("  {:>3} {:>3}  {} {} {:>5.1f} {:>6.1f} {:>6} {:>5} {} {:>5}  {} {} {}\n", r.rank, r.number, horse,
               pad(cut(r.jockey, 16), 16), r.probability * 100, r.fair_odds, odds, percent(r.market_probability),
               value, percent(r.fundamental), pad(cut(r.musique, 16), 16), pick, result);
  }
  if (!race.non_runners.empty()) fmt::print("  non-runners: {}\n", fmt::join(race.non_runners, ", "));
  if (race.hits) {
    const CardHits& hits = *race.hits;
    std::string line = fmt::format("  arrival: {}", fmt::join(hits.arrival, "-"));
    line += hits.top_pick_won ? " · top pick won" : (hits.top_pick_placed ? " · top pick placed" : " · top pick unplaced");
    if (h.is_quinte) line += " · Quinté+ pick: " + (hits.quinte.empty() ? std::string("no claim") : hits.quinte);
    if (!hits.value_winners.empty()) line += fmt::format(" · value winner {}", fmt::join(hits.value_winners, ", "));
    fmt::print("{}\n", paint(line, hits.top_pick_won || !hits.quinte.empty() ? fmt::fg(fmt::color::green) : fmt::text_style()));
  }
  fmt::print("\n");
}

void print_card(const DayCard& card, bool colour) {
  const Painter paint(colour);
  fmt::print("{}\n", paint(fmt::format("Card of {} · model {} ({}) · {} race{}", format_day(card.day), card.model.id,
                                       card.model.name, card.races.size(), card.races.size() == 1 ? "" : "s"),
                           fmt::emphasis::bold));
  fmt::print("win% the model's probability · fair = 1/p · odds: final, m = morning · mkt% 1/odds normalised · "
             "value = p x odds (V: >= {:g}) · fund% the model without the market · Q1-Q5 the Quinté+ pick · "
             "res: place, F fell, PU pulled up, UR unseated, DQ disqualified\n\n",
             card.value_threshold);
  for (const CardRace& race : card.races) print_race(race, paint);
  if (card.predicted_now > 0) {
    fmt::print("{} race{} not stored by model {} {} predicted now (`paddock predict --date {}` stores them).\n",
               card.predicted_now, card.predicted_now == 1 ? "" : "s", card.model.id,
               card.predicted_now == 1 ? "was" : "were", format_day(card.day));
  }
}

// The race's day, when only --race is given.
Result<Day> day_of_race(const std::string& db_path, RaceId race) {
  PADDOCK_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, open_db(db_path, Database::Access::kReadOnly));
  RaceQuery query;
  query.race_ids = {race};
  query.with_runners_only = false;
  PADDOCK_ASSIGN_OR_RETURN(const std::vector<RaceSummary> found, db->list_races(query));
  if (found.empty()) return make_error(ErrorCode::kNotFound, fmt::format("no race {} in '{}'", race, db_path));
  return parse_day(found.front().race_date);
}

int run_card(const CardArgs& args) {
  if (args.json && args.csv) return report(make_error(ErrorCode::kInvalidArgument, "give --json or --csv, not both"));
  CardOptions options;
  options.db_path = args.db;
  options.race = args.race;
  options.model = args.model;
  options.value_threshold = args.value_threshold;
  {
    Result<std::unique_ptr<Database>> db = open_db(args.db, Database::Access::kReadOnly);  // its clear error first
    if (!db.ok()) return report(db.error());
  }
  if (!args.date.empty()) {
    Result<std::optional<Day>> day = optional_day(args.date, "--date");
    if (!day.ok()) return report(day.error());
    options.day = **day;
  } else if (args.race) {
    Result<Day> day = day_of_race(args.db, *args.race);
    if (!day.ok()) return report(day.error());
    options.day = *day;
  } else {
    return report(make_error(ErrorCode::kInvalidArgument, "give --date YYYY-MM-DD (or --race ID)"));
  }
  Result<DayCard> card = build_day_card(options);
  if (!card.ok()) return report(card.error());
  if (args.json) {
    fmt::print("{}\n", card_json(*card));
  } else if (args.csv) {
    write_card_csv(*card, std::cout);
  } else {
    print_card(*card, use_colour(args.color));
  }
  return kExitOk;
}

}  // namespace

void add_card_command(CLI::App& app, Action& action) {
  auto args = std::make_shared<CardArgs>();
  CLI::App* cmd = app.add_subcommand("card", "Show a day's races with the runners ranked, the Quinté+ pick and value runners");
  add_db_option(*cmd, args->db, "SQLite database file");
  cmd->add_option("--date", args->date, "The day, YYYY-MM-DD (default: the day of --race)");
  cmd->add_option("--race", args->race, "One race of the day, by id")->transform(decimal_integer(1));
  cmd->add_option("--model", args->model, "Model id (default: the active model)")->transform(decimal_integer(1));
  cmd->add_option("--value-threshold", args->value_threshold, "Mark runners whose p x odds reaches this (default 1.2)")
      ->check(CLI::Range(0.0, 100.0));
  cmd->add_flag("--json", args->json, "Print JSON");
  cmd->add_flag("--csv", args->csv, "Print CSV, one row per runner");
  cmd->add_option("--color", args->color, "Colours: auto (on a terminal), always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  cmd->callback([args, &action] { action = [args] { return run_card(*args); }; });
}

}  // namespace paddock::cli
