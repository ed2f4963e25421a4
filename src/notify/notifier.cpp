#include "notify/notifier.h"

#include <curl/curl.h>
#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>

#include "core/date.h"
#include "jobs/batch_job_manager.h"
#include "jobs/job_json.h"

namespace paddock {
namespace {

constexpr std::size_t kFailedRacesShown = 10;
constexpr long kTimeoutSeconds = 20;

std::string setting_or(Database& db, const std::string& key, const std::string& fallback = "") {
  Result<std::optional<std::string>> value = db.setting(key);
  return value.ok() && *value ? **value : fallback;
}

void init_curl() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Curl {
  CURL* handle = curl_easy_init();
  curl_slist* headers = nullptr;
  curl_slist* recipients = nullptr;
  ~Curl() {
    curl_slist_free_all(headers);
    curl_slist_free_all(recipients);
    if (handle != nullptr) curl_easy_cleanup(handle);
  }
};

std::size_t discard_body(char*, std::size_t size, std::size_t count, void*) { return size * count; }

struct Upload {
  std::string data;
  std::size_t at = 0;
};

std::size_t read_upload(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  const std::size_t n = std::min(size * count, upload->data.size() - upload->at);
  std::copy_n(upload->data.data() + upload->at, n, buffer);
  upload->at += n;
  return n;
}

Status post_webhook(Database& db, const JobSummary& summary) {
  init_curl();
  const std::string url = setting_or(db, "notify.webhook_url");
  const std::string secret = setting_or(db, "notify.webhook_secret");
  const std::string timestamp = std::to_string(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  Curl curl;
  if (curl.handle == nullptr) return make_error(ErrorCode::kIo, "cannot start libcurl");
  curl.headers = curl_slist_append(curl.headers, "Content-Type: application/json");
  curl.headers = curl_slist_append(curl.headers, "X-Paddock-Event: job.ended");
  curl.headers = curl_slist_append(curl.headers, ("X-Paddock-Timestamp: " + timestamp).c_str());
  if (!secret.empty()) {
    const std::string signature = "X-Paddock-Signature: sha256=" + hmac_sha256_hex(secret, timestamp + "." + summary.json);
    curl.headers = curl_slist_append(curl.headers, signature.c_str());
  }
  curl_easy_setopt(curl.handle, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.handle, CURLOPT_HTTPHEADER, curl.headers);
  curl_easy_setopt(curl.handle, CURLOPT_POSTFIELDS, summary.json.c_str());
  curl_easy_setopt(curl.handle, CURLOPT_POSTFIELDSIZE, static_cast<long>(summary.json.size()));
  curl_easy_setopt(curl.handle, CURLOPT_WRITEFUNCTION, discard_body);
  curl_easy_setopt(curl.handle, CURLOPT_TIMEOUT, kTimeoutSeconds);
  curl_easy_setopt(curl.handle, CURLOPT_NOSIGNAL, 1L);
  const CURLcode code = curl_easy_perform(curl.handle);
  if (code != CURLE_OK) return make_error(ErrorCode::kIo, fmt::format("webhook: {}", curl_easy_strerror(code)));
  long status = 0;
  curl_easy_getinfo(curl.handle, CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status >= 300) return make_error(ErrorCode::kIo, fmt::format("webhook: HTTP {}", status));
  return ok_status();
}

Status send_email(Database& db, const JobSummary& summary) {
  init_curl();
  const std::string url = setting_or(db, "notify.smtp_url");
  const std::string to = setting_or(db, "notify.email_to");
  const std::string from = setting_or(db, "notify.email_from", "paddock@localhost");
  if (url.empty()) return make_error(ErrorCode::kFailedPrecondition, "e-mail: notify.smtp_url is not set");
  Upload upload;
  upload.data = fmt::format(
      "Date: {}\r\nTo: <{}>\r\nFrom: paddock <{}>\r\nSubject: {}\r\nContent-Type: text/plain; charset=utf-8\r\n"
      "MIME-Version: 1.0\r\n\r\n{}\r\n",
      utc_timestamp_now(), to, from, summary.subject, summary.text);
  Curl curl;
  if (curl.handle == nullptr) return make_error(ErrorCode::kIo, "cannot start libcurl");
  curl.recipients = curl_slist_append(curl.recipients, ("<" + to + ">").c_str());
  curl_easy_setopt(curl.handle, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.handle, CURLOPT_MAIL_FROM, ("<" + from + ">").c_str());
  curl_easy_setopt(curl.handle, CURLOPT_MAIL_RCPT, curl.recipients);
  curl_easy_setopt(curl.handle, CURLOPT_READFUNCTION, read_upload);
  curl_easy_setopt(curl.handle, CURLOPT_READDATA, &upload);
  curl_easy_setopt(curl.handle, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl.handle, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_TRY));  // STARTTLS when offered
  const std::string user = setting_or(db, "notify.smtp_user");
  const std::string password = setting_or(db, "notify.smtp_password");
  if (!user.empty()) {
    curl_easy_setopt(curl.handle, CURLOPT_USERNAME, user.c_str());
    curl_easy_setopt(curl.handle, CURLOPT_PASSWORD, password.c_str());
  }
  curl_easy_setopt(curl.handle, CURLOPT_TIMEOUT, kTimeoutSeconds);
  curl_easy_setopt(curl.handle, CURLOPT_NOSIGNAL, 1L);
  const CURLcode code = curl_easy_perform(curl.handle);
  if (code != CURLE_OK) return make_error(ErrorCode::kIo, fmt::format("e-mail: {}", curl_easy_strerror(code)));
  return ok_status();
}

std::string duration_text(const BatchJobStatus& job) {
  const Result<std::chrono::system_clock::time_point> start = parse_utc_timestamp(job.start_time);
  const Result<std::chrono::system_clock::time_point> end = parse_utc_timestamp(job.end_time);
  if (!start.ok() || !end.ok()) return "-";
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(*end - *start).count();
  return seconds >= 60 ? fmt::format("{}m{:02}s", seconds / 60, seconds % 60) : fmt::format("{}s", seconds);
}

}  // namespace

const std::vector<NotifySetting>& notify_settings() {
  static const std::vector<NotifySetting> settings{
      {"notify.webhook_url", "where the webhook POSTs (http:// or https://)", false},
      {"notify.webhook_secret", "the HMAC-SHA256 key of X-Paddock-Signature", true},
      {"notify.webhook_on", "all (default) or failures: failed and cancelled jobs only", false},
      {"notify.email_to", "the address e-mails go to", false},
      {"notify.email_from", "the sender (default paddock@localhost)", false},
      {"notify.email_on", "all (default) or failures", false},
      {"notify.smtp_url", "smtp://host:587 (STARTTLS when offered) or smtps://host:465", false},
      {"notify.smtp_user", "SMTP login", false},
      {"notify.smtp_password", "SMTP password", true},
  };
  return settings;
}

Status validate_notify_setting(const std::string& key, const std::string& value) {
  const auto& all = notify_settings();
  if (std::none_of(all.begin(), all.end(), [&](const NotifySetting& s) { return key == s.key; })) {
    return make_error(ErrorCode::kInvalidArgument, fmt::format("'{}' is not a notification setting", key));
  }
  if (value.empty()) return ok_status();  // unset
  const auto starts = [&](const char* prefix) { return value.rfind(prefix, 0) == 0; };
  if (key == "notify.webhook_url" && !starts("http://") && !starts("https://")) {
    return make_error(ErrorCode::kInvalidArgument, key + ": not an http:// or https:// URL");
  }
  if (key == "notify.smtp_url" && !starts("smtp://") && !starts("smtps://")) {
    return make_error(ErrorCode::kInvalidArgument, key + ": not an smtp:// or smtps:// URL");
  }
  if ((key == "notify.webhook_on" || key == "notify.email_on") && value != "all" && value != "failures") {
    return make_error(ErrorCode::kInvalidArgument, key + ": all or failures");
  }
  if ((key == "notify.email_to" || key == "notify.email_from") &&
      (value.find('@') == std::string::npos || value.find_first_of(" <>\r\n") != std::string::npos)) {
    return make_error(ErrorCode::kInvalidArgument, key + ": not an e-mail address");
  }
  return ok_status();
}

std::string hmac_sha256_hex(const std::string& secret, const std::string& message) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest, &length);
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

Result<JobSummary> summarize_job(Database& db, const std::string& job_id) {
  PADDOCK_ASSIGN_OR_RETURN(const std::optional<JobRow> row, db.find_job(job_id));
  if (!row) return make_error(ErrorCode::kNotFound, fmt::format("no job '{}'", job_id));
  const BatchJobStatus job = BatchJobStatus::from_row(*row);
  nlohmann::json failed = nlohmann::json::array();
  PADDOCK_ASSIGN_OR_RETURN(const std::vector<JobRaceRow> failures, db.job_race_rows(job_id, JobRaceState::kFailed));
  for (std::size_t i = 0; i < failures.size() && i < kFailedRacesShown; ++i) {
    failed.push_back({{"race_id", failures[i].race_id}, {"reason", failures[i].reason}});
  }
  // A day's job: its Quinté+ pick, the top five of the day's Quinté+ race by the job's model.
  nlohmann::json pick;
  const nlohmann::json config = nlohmann::json::parse(row->config, nullptr, false);
  if (config.is_object() && config.contains("date") && config["date"].is_string() && row->model_id) {
    Result<Day> day = parse_day(config["date"].get<std::string>());
    if (day.ok()) {
      RaceQuery query;
      query.from = query.to = *day;
      PADDOCK_ASSIGN_OR_RETURN(const std::vector<RaceSummary> races, db.list_races(query));
      for (const RaceSummary& race : races) {
        if (!race.is_quinte) continue;
        ExportQuery rows;
        rows.race_ids = {race.id};
        rows.model_id = *row->model_id;
        std::vector<ExportRow> runners;
        PADDOCK_TRY(db.for_each_export_row(rows, [&](const ExportRow& r) { runners.push_back(r); }));
        std::sort(runners.begin(), runners.end(), [](const ExportRow& a, const ExportRow& b) { return a.predicted_rank < b.predicted_rank; });
        nlohmann::json numbers = nlohmann::json::array();
        for (std::size_t i = 0; i < runners.size() && i < 5; ++i) numbers.push_back(runners[i].number);
        if (!numbers.empty()) {
          pick = {{"race_id", race.id}, {"venue", race.venue}, {"race", fmt::format("R{}C{}", race.meeting_no, race.race_no)},
                  {"name", race.name}, {"numbers", numbers}};
        }
        break;
      }
    }
  }
  JobSummary summary;
  summary.json = nlohmann::json{{"event", "job.ended"},
                                {"job", to_json(job)},
                                {"duration", duration_text(job)},
                                {"failed_races", failed},
                                {"failed_races_total", failures.size()},
                                {"quinte_pick", pick},
                                {"sent_at", utc_timestamp_now()}}
                     .dump();
  summary.subject = fmt::format("paddock: job {} {}", job.job_id, job.status);
  std::string text = fmt::format("Job {} {}.\n{}\n\n", job.job_id, job.status, job.message);
  text += fmt::format("Races: {} of {} processed, {} successful, {} failed\n", job.processed_races, job.total_races,
                      job.successful_races, job.failed_races);
  text += fmt::format("Duration: {}   Throughput: {:.0f} races/s\n", duration_text(job), job.throughput);
  if (!job.error.empty()) text += "Error: " + job.error + "\n";
  if (!failures.empty()) {
    text += "\nFailed races:\n";
    for (std::size_t i = 0; i < failures.size() && i < kFailedRacesShown; ++i) {
      text += fmt::format("  {}: {}\n", failures[i].race_id, failures[i].reason);
    }
    if (failures.size() > kFailedRacesShown) text += fmt::format("  ... and {} more\n", failures.size() - kFailedRacesShown);
  }
  if (!pick.is_null()) {
    std::vector<int> numbers = pick["numbers"].get<std::vector<int>>();
    text += fmt::format("\nQuinté+ {} {} ({}): {}\n", pick["race"].get<std::string>(), pick["venue"].get<std::string>(),
                        pick["name"].get<std::string>(), fmt::join(numbers, " - "));
  }
  summary.text = text;
  return summary;
}

Result<std::vector<DeliveryOutcome>> deliver_due_notifications(Database& db, SysSeconds now) {
  PADDOCK_ASSIGN_OR_RETURN(std::vector<OutboxRow> due, db.due_notifications(format_utc(now), 50));
  std::vector<DeliveryOutcome> outcomes;
  for (OutboxRow& row : due) {
    Status sent = [&]() -> Status {
      PADDOCK_ASSIGN_OR_RETURN(const JobSummary summary, summarize_job(db, row.job_id));
      return row.channel == "webhook" ? post_webhook(db, summary) : send_email(db, summary);
    }();
    ++row.attempts;
    if (sent.ok()) {
      row.status = "delivered";
      row.delivered_at = format_utc(now);
      row.last_error.clear();
    } else {
      row.last_error = sent.error().message;
      if (row.attempts >= kMaxNotificationAttempts) {
        row.status = "failed";
      } else {
        const auto wait = std::chrono::minutes(std::min(60, 1 << std::min(row.attempts - 1, 6)));
        row.next_attempt_at = format_utc(now + wait);
      }
    }
    PADDOCK_TRY(db.update_notification(row));
    outcomes.push_back({row.id, row.job_id, row.channel, row.status, row.last_error});
  }
  return outcomes;
}

}  // namespace paddock
