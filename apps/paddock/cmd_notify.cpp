// paddock notify: where the word of a job's end goes (a webhook, an e-mail), and delivering it
// without the dashboard (src/notify).
#include <fmt/format.h>

#include <memory>

#include "cli_support.h"
#include "notify/notifier.h"
#include "schedule/scheduler.h"

namespace paddock::cli {
namespace {

struct NotifyArgs {
  std::string db;
  std::vector<std::string> assignments;  // key=value
  std::string job_id;
};

void print_settings(Database& db) {
  for (const NotifySetting& s : notify_settings()) {
    Result<std::optional<std::string>> value = db.setting(s.key);
    std::string shown = value.ok() && *value && !(*value)->empty() ? **value : "-";
    if (s.secret && shown != "-") shown = "(set, not shown)";
    fmt::print("{:<24} {:<36} {}\n", s.key, shown, s.help);
  }
}

}  // namespace

void add_notify_command(CLI::App& app, Action& action) {
  auto args = std::make_shared<NotifyArgs>();
  CLI::App* notify = app.add_subcommand("notify", "Notifications of job ends (webhook, e-mail): config, show, deliver");
  notify->require_subcommand(1);

  CLI::App* config = notify->add_subcommand("config", "Set notification settings: KEY=VALUE ... (an empty VALUE unsets)");
  add_db_option(*config, args->db, "SQLite database file");
  config->add_option("settings", args->assignments, "e.g. webhook_url=https://... email_to=me@example.org")->required();
  config->footer(R"(
Keys (the notify. prefix may be left out): webhook_url, webhook_secret, webhook_on (all|failures),
email_to, email_from, email_on (all|failures), smtp_url (smtp://host:587 or smtps://host:465),
smtp_user, smtp_password. Secrets are stored in the database and never printed.)");
  config->callback([args, &action] {
    action = [args] {
      Result<std::unique_ptr<Database>> db = open_db(args->db, Database::Access::kReadWrite);
      if (!db.ok()) return report(db.error());
      for (const std::string& assignment : args->assignments) {
        const std::size_t eq = assignment.find('=');
        if (eq == std::string::npos) {
          return report(make_error(ErrorCode::kInvalidArgument, fmt::format("'{}' is not KEY=VALUE", assignment.substr(0, 40))));
        }
        std::string key = assignment.substr(0, eq);
        if (key.rfind("notify.", 0) != 0) key = "notify." + key;
        const std::string value = assignment.substr(eq + 1);
        if (Status valid = validate_notify_setting(key, value); !valid.ok()) return report(valid.error());
        if (Status set = (*db)->set_setting(key, value); !set.ok()) return report(set.error());
      }
      print_settings(**db);
      return kExitOk;
    };
  });

  CLI::App* show = notify->add_subcommand("show", "The notification settings (secrets hidden), or a job's deliveries");
  add_db_option(*show, args->db, "SQLite database file");
  show->add_option("--job", args->job_id, "A job: its notifications and their deliveries");
  show->callback([args, &action] {
    action = [args] {
      Result<std::unique_ptr<Database>> db = open_db(args->db, Database::Access::kReadOnly);
      if (!db.ok()) return report(db.error());
      if (args->job_id.empty()) {
        print_settings(**db);
        return kExitOk;
      }
      Result<std::vector<OutboxRow>> rows = (*db)->job_notifications(args->job_id);
      if (!rows.ok()) return report(rows.error());
      if (rows->empty()) fmt::print("No notification for job {}.\n", args->job_id);
      for (const OutboxRow& row : *rows) {
        fmt::print("{:<8} {:<10} attempts {}  {}{}\n", row.channel, row.status, row.attempts,
                   row.status == "delivered" ? "at " + row.delivered_at : "next " + row.next_attempt_at,
                   row.last_error.empty() ? "" : "  last error: " + row.last_error);
      }
      return kExitOk;
    };
  });

  CLI::App* deliver = notify->add_subcommand("deliver", "Send the notifications that are due, once (paddock serve does it)");
  add_db_option(*deliver, args->db, "SQLite database file");
  deliver->callback([args, &action] {
    action = [args] {
      Result<std::unique_ptr<Database>> db = open_db(args->db, Database::Access::kReadWrite);
      if (!db.ok()) return report(db.error());
      Result<std::vector<DeliveryOutcome>> sent = deliver_due_notifications(**db, now_seconds());
      if (!sent.ok()) return report(sent.error());
      for (const DeliveryOutcome& o : *sent) {
        fmt::print("{} {} {}{}\n", o.job_id, o.channel, o.status, o.error.empty() ? "" : ": " + o.error);
      }
      if (sent->empty()) fmt::print("Nothing to deliver.\n");
      return kExitOk;
    };
  });
}

}  // namespace paddock::cli
