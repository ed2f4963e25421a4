// Notifications when a job ends: a webhook (an HTTP POST of the job's summary as JSON, signed
// with HMAC-SHA256 when a secret is set) and an e-mail (SMTP through libcurl, STARTTLS when the
// server offers it, login when a user is set), with a plain-text summary a person reads on a
// phone.
//
// The database's settings say where (`notify.*`, set by `paddock notify config`). A trigger
// writes one outbox row per channel in the very transaction that ends a job (migration 7), so
// an end is never lost; deliver_due_notifications, run by `paddock serve` and `paddock schedules
// run` every few seconds, sends them, retrying with back-off (1, 2, 4 ... minutes, at most an
// hour apart) and giving up after kMaxAttempts. Secrets are never printed or logged.
//
// The webhook's request:
//   POST <url>   Content-Type: application/json
//   X-Paddock-Event: job.ended
//   X-Paddock-Timestamp: <unix seconds>
//   X-Paddock-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>   (with a secret)
// A receiver checks the signature and that the timestamp is recent (against replays).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "schedule/cron.h"
#include "store/database.h"

namespace paddock {

inline constexpr int kMaxNotificationAttempts = 10;

// The settings' keys, and what `paddock notify show` may print of each.
struct NotifySetting {
  const char* key;
  const char* help;
  bool secret;
};
const std::vector<NotifySetting>& notify_settings();

// kInvalidArgument naming the setting: a URL that is not http(s):// or smtp(s)://, an `*_on`
// that is not all or failures, an unknown key.
Status validate_notify_setting(const std::string& key, const std::string& value);

// The summary of an ended job, as the webhook's JSON and the e-mail's text.
struct JobSummary {
  std::string json;
  std::string subject;
  std::string text;
};
Result<JobSummary> summarize_job(Database& db, const std::string& job_id);

// hex(HMAC-SHA256(secret, message)).
std::string hmac_sha256_hex(const std::string& secret, const std::string& message);

struct DeliveryOutcome {
  std::int64_t id = 0;
  std::string job_id;
  std::string channel;
  std::string status;  // delivered, pending (retried later), failed (given up)
  std::string error;
};

// Sends what is due at `now`; one failure does not stop the others. Errors only from the database.
Result<std::vector<DeliveryOutcome>> deliver_due_notifications(Database& db, SysSeconds now);

}  // namespace paddock
