#include "engine/prediction_export.h"

#include <fmt/format.h>

#include <string>
#include <vector>

namespace paddock {
std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + '"';
}

std::string csv_number(const std::optional<double>& value, const char* format) {
  return value ? fmt::format(fmt::runtime(format), *value) : "";
}

namespace {

// One race's rows, written together once the market's probabilities are known.
void write_race(const std::vector<ExportRow>& rows, std::ostream& out) {
  double inverse_sum = 0.0;
  bool complete = !rows.empty();
  for (const ExportRow& row : rows) {
    complete = complete && row.odds && *row.odds >= 1.0 && row.final_odds == rows.front().final_odds;
    if (complete) inverse_sum += 1.0 / *row.odds;
  }
  for (const ExportRow& row : rows) {
    const std::optional<double> market =
        complete ? std::optional<double>(1.0 / *row.odds / inverse_sum) : std::nullopt;
    const std::optional<double> value = row.odds ? std::optional<double>(row.win_probability * *row.odds) : std::nullopt;
    out << fmt::format("{},{},{},{},{},{},{},{:.6f},{:.6f},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", row.race_id,
                       row.race_date, csv_field(row.venue), row.meeting_no, row.race_no, row.number, csv_field(row.horse),
                       row.score, row.win_probability, row.predicted_rank, csv_number(row.odds, "{:g}"),
                       row.finish_position ? std::to_string(*row.finish_position) : "", row.incident, row.model_id,
                       csv_field(row.job_id), csv_field(row.race_name), row.discipline, row.distance_m,
                       row.is_quinte ? 1 : 0, row.post_time, csv_number(row.fundamental, "{:.6f}"),
                       csv_number(market, "{:.6f}"), csv_number(value, "{:.4f}"),
                       row.odds ? (row.final_odds ? "final" : "morning") : "");
  }
}

}  // namespace

Result<std::int64_t> export_predictions_csv(Database& db, const ExportQuery& query, std::ostream& out) {
  out << "race_id,race_date,venue,meeting_no,race_no,number,horse,score,win_probability,"
         "predicted_rank,odds,finish_position,incident,model_id,job_id,race_name,discipline,distance_m,"
         "is_quinte,post_time,fundamental_probability,market_probability,value,odds_source\n";
  std::int64_t rows = 0;
  std::vector<ExportRow> race;
  PADDOCK_TRY(db.for_each_export_row(query, [&](const ExportRow& row) {
    if (!race.empty() && race.front().race_id != row.race_id) {
      write_race(race, out);
      race.clear();
    }
    race.push_back(row);
    ++rows;
  }));
  write_race(race, out);
  out.flush();
  if (!out) return make_error(ErrorCode::kIo, "could not write the CSV output");
  return rows;
}

Result<std::string> explain_empty_export(Database& db, const ExportQuery& query) {
  std::vector<RaceId> races;
  std::string what;
  if (query.job_id) {
    PADDOCK_ASSIGN_OR_RETURN(races, db.job_races(*query.job_id, std::nullopt));
    what = fmt::format("job '{}'", *query.job_id);
    if (races.empty()) return fmt::format("{} has no races", what);
  } else {
    RaceQuery days;
    days.from = query.from;
    days.to = query.to;
    days.with_runners_only = false;
    PADDOCK_ASSIGN_OR_RETURN(races, db.find_races(days));
    const bool one_day = query.from && query.from == query.to;
    const std::string span = one_day ? format_day(*query.from)
                                     : fmt::format("{} .. {}", query.from ? format_day(*query.from) : "the first day",
                                                   query.to ? format_day(*query.to) : "the last day");
    if (races.empty()) return fmt::format("there is no race {} {}", one_day ? "on" : "in", span);
    what = "the races of " + span;
  }
  PADDOCK_ASSIGN_OR_RETURN(const auto by_model, db.predicted_races_by_model(races));
  const std::string model = query.model_id ? fmt::format("model {}", *query.model_id) : "the model";
  if (by_model.empty()) {
    return fmt::format("no model has predicted {} ({} races) yet: run `paddock predict` for them", what, races.size());
  }
  std::string others;
  for (const auto& [id, count] : by_model) {
    others += fmt::format("{}model {} ({} of {} races)", others.empty() ? "" : ", ", id, count, races.size());
  }
  return fmt::format("{} has no predictions for {}; predicted by: {} (pass --model)", model, what, others);
}

}  // namespace paddock
