#include "engine/prediction_export.h"

#include <fmt/format.h>

#include <string>

namespace paddock {
namespace {

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + '"';
}

}  // namespace

Result<std::int64_t> export_predictions_csv(Database& db, const ExportQuery& query, std::ostream& out) {
  out << "race_id,race_date,venue,meeting_no,race_no,number,horse,score,win_probability,"
         "predicted_rank,odds,finish_position,incident,model_id,job_id\n";
  std::int64_t rows = 0;
  PADDOCK_TRY(db.for_each_export_row(query, [&](const ExportRow& row) {
    out << fmt::format("{},{},{},{},{},{},{},{:.6f},{:.6f},{},{},{},{},{},{}\n", row.race_id, row.race_date,
                       csv_field(row.venue), row.meeting_no, row.race_no, row.number, csv_field(row.horse),
                       row.score, row.win_probability, row.predicted_rank,
                       row.odds ? fmt::format("{:g}", *row.odds) : "",
                       row.finish_position ? std::to_string(*row.finish_position) : "", row.incident,
                       row.model_id, csv_field(row.job_id));
    ++rows;
  }));
  out.flush();
  if (!out) return make_error(ErrorCode::kIo, "could not write the CSV output");
  return rows;
}

}  // namespace paddock
