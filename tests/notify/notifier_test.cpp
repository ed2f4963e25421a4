// Notifications of job ends: a webhook to a local receiver, signed (checked with the openssl
// command, not our own code), retried after a 500; the outbox filled by the job's end while
// nothing delivers, and delivered later; settings checked.
#include "notify/notifier.h"

#include <gtest/gtest.h>
#include <fmt/format.h>
#include <httplib.h>

#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "jobs/batch_job_manager.h"
#include "schedule/scheduler.h"
#include "web/server.h"
#include "support/test_fixture.h"

namespace paddock {
namespace {

struct Received {
  std::string body;
  std::string timestamp;
  std::string signature;
};

class Receiver {
 public:
  Receiver() {
    server_.Post("/hook", [this](const httplib::Request& req, httplib::Response& res) {
      const std::lock_guard<std::mutex> lock(mutex_);
      ++calls_;
      if (calls_ == 1) {  // the first attempt fails
        res.status = 500;
        return;
      }
      received_.push_back({req.body, req.get_header_value("X-Paddock-Timestamp"),
                           req.get_header_value("X-Paddock-Signature")});
      res.set_content("ok", "text/plain");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ~Receiver() {
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }
  int calls() {
    const std::lock_guard<std::mutex> lock(mutex_);
    return calls_;
  }
  std::vector<Received> received() {
    const std::lock_guard<std::mutex> lock(mutex_);
    return received_;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  int calls_ = 0;
  std::vector<Received> received_;
};

class NotifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_path_ = testing::demo_database_copy(dir_.path());
    db_ = testing::open_or_die(db_path_);
  }

  std::string run_job(const PredictOptions& options) {
    BatchJobManager m = *BatchJobManager::open({db_path_, PADDOCK_BINARY, std::nullopt});
    const std::string id = *m.launch_job(options);
    for (int i = 0; i < 3000; ++i) {
      if (!m.get_job_status(id)->is_running) return id;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << "job did not end";
    return id;
  }

  testing::TempDir dir_{"notifier"};
  std::string db_path_;
  std::unique_ptr<Database> db_;
};

TEST_F(NotifierTest, AJobsEndIsPostedSignedAndRetriedAfterAServerError) {
  Receiver receiver;
  ASSERT_TRUE(db_->set_setting("notify.webhook_url", fmt::format("http://127.0.0.1:{}/hook", receiver.port())).ok());
  ASSERT_TRUE(db_->set_setting("notify.webhook_secret", "s3cret").ok());
  // The job ends while nothing delivers: its notification waits in the outbox.
  PredictOptions options;
  options.date = *parse_day("2020-03-10");
  options.all = true;
  const std::string job = run_job(options);
  std::vector<OutboxRow> rows = *db_->job_notifications(job);
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_EQ(rows[0].channel, "webhook");
  EXPECT_EQ(rows[0].status, "pending");
  EXPECT_EQ(rows[0].job_status, "completed");

  const SysSeconds now = now_seconds();
  std::vector<DeliveryOutcome> first = *deliver_due_notifications(*db_, now);
  ASSERT_EQ(first.size(), 1U);
  EXPECT_EQ(first[0].status, "pending");  // HTTP 500: tried again later
  EXPECT_NE(first[0].error.find("HTTP 500"), std::string::npos);
  EXPECT_TRUE(deliver_due_notifications(*db_, now + std::chrono::seconds(30))->empty());  // backing off
  std::vector<DeliveryOutcome> second = *deliver_due_notifications(*db_, now + std::chrono::minutes(2));
  ASSERT_EQ(second.size(), 1U);
  EXPECT_EQ(second[0].status, "delivered");
  EXPECT_EQ(receiver.calls(), 2);
  rows = *db_->job_notifications(job);
  EXPECT_EQ(rows[0].status, "delivered");
  EXPECT_EQ(rows[0].attempts, 2);
  EXPECT_TRUE(deliver_due_notifications(*db_, now + std::chrono::hours(2))->empty());  // once only

  const Received got = receiver.received().at(0);
  const nlohmann::json body = nlohmann::json::parse(got.body);
  EXPECT_EQ(body["event"], "job.ended");
  EXPECT_EQ(body["job"]["job_id"], job);
  EXPECT_EQ(body["job"]["status"], "completed");
  EXPECT_GT(body["job"]["successful_races"].get<int>(), 20);
  // The signature, checked by the openssl program: HMAC-SHA256(secret, "<timestamp>.<body>").
  const std::string signed_file = dir_.file("signed");
  std::ofstream(signed_file, std::ios::binary) << got.timestamp << "." << got.body;
  const testing::CommandResult digest =
      testing::run_command("/usr/bin/openssl", {"dgst", "-sha256", "-hmac", "s3cret", "-r", signed_file});
  ASSERT_EQ(digest.exit_code, 0) << digest.output;
  EXPECT_EQ(got.signature, "sha256=" + digest.output.substr(0, 64));
  const long long sent_at = std::stoll(got.timestamp);
  const long long wall = std::chrono::duration_cast<std::chrono::seconds>(
                             std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_LE(std::llabs(wall - sent_at), 120);  // recent: a receiver refuses old ones
}

TEST_F(NotifierTest, FailuresOnlyAndEveryWayAJobEnds) {
  ASSERT_TRUE(db_->set_setting("notify.webhook_url", "http://127.0.0.1:9/unreachable").ok());
  ASSERT_TRUE(db_->set_setting("notify.webhook_on", "failures").ok());
  PredictOptions ok_job;
  ok_job.date = *parse_day("2020-03-10");
  ok_job.all = true;
  EXPECT_TRUE(db_->job_notifications(run_job(ok_job))->empty());  // completed: not wanted
  // A job's own choice wins over the settings: all, or none even for a failure.
  ok_job.notify = "all";
  EXPECT_EQ(db_->job_notifications(run_job(ok_job))->size(), 1U);
  testing::exec_sql(db_path_, "INSERT INTO prediction_jobs (job_id, status, config, created_at) "
                              "VALUES ('quiet', 'running', '{\"notify\": \"none\"}', '2026-01-01T00:00:00Z')");
  testing::exec_sql(db_path_, "UPDATE prediction_jobs SET status = 'failed' WHERE job_id = 'quiet'");
  EXPECT_TRUE(db_->job_notifications("quiet")->empty());
  // A config that is not JSON does not stop the job's end from being written.
  testing::exec_sql(db_path_, "INSERT INTO prediction_jobs (job_id, status, config, created_at) "
                              "VALUES ('odd', 'running', 'not json', '2026-01-01T00:00:00Z')");
  testing::exec_sql(db_path_, "UPDATE prediction_jobs SET status = 'failed' WHERE job_id = 'odd'");
  EXPECT_EQ(db_->job_notifications("odd")->size(), 1U);
  // A job ended by another writer (here: the dead-job check's kind of update, by hand).
  testing::exec_sql(db_path_, "INSERT INTO prediction_jobs (job_id, status, config, created_at) "
                              "VALUES ('by-hand', 'running', '{}', '2026-01-01T00:00:00Z')");
  testing::exec_sql(db_path_, "UPDATE prediction_jobs SET status = 'failed' WHERE job_id = 'by-hand'");
  testing::exec_sql(db_path_, "UPDATE prediction_jobs SET status = 'failed', message = 'x' WHERE job_id = 'by-hand'");
  std::vector<OutboxRow> rows = *db_->job_notifications("by-hand");
  ASSERT_EQ(rows.size(), 1U);  // once: an update of an ended job is not a new end
  EXPECT_EQ(rows[0].job_status, "failed");
  // An unreachable receiver: the error is kept, and after the last attempt it is given up.
  SysSeconds now = now_seconds();
  for (int attempt = 1; attempt <= kMaxNotificationAttempts; ++attempt) {
    const std::vector<DeliveryOutcome> out = *deliver_due_notifications(*db_, now);
    ASSERT_EQ(out.size(), 3U) << "attempt " << attempt;  // the "all" job, by-hand, odd
    for (const DeliveryOutcome& o : out) {
      EXPECT_EQ(o.status, attempt < kMaxNotificationAttempts ? "pending" : "failed");
      EXPECT_NE(o.error.find("webhook:"), std::string::npos);
    }
    now += std::chrono::hours(2);
  }
  EXPECT_TRUE(deliver_due_notifications(*db_, now)->empty());
}

TEST_F(NotifierTest, AJobThatEndedWhileNoServerRanIsNotifiedOnceTheServerStarts) {
  Receiver receiver;
  ASSERT_TRUE(db_->set_setting("notify.webhook_url", fmt::format("http://127.0.0.1:{}/hook", receiver.port())).ok());
  PredictOptions options;
  options.race_ids = {999999991};  // fails: "race not found"
  const std::string job = run_job(options);
  ASSERT_EQ(db_->job_notifications(job)->at(0).status, "pending");
  web::ServeOptions serve;
  serve.db_path = db_path_;
  serve.port = 0;
  serve.paddock_binary = PADDOCK_BINARY;
  serve.dispatch_interval = std::chrono::milliseconds(200);
  std::unique_ptr<web::WebServer> server = std::move(*web::WebServer::create(serve));
  server->start();
  // The first attempt is answered 500; the second, a minute later by the back-off, is not due
  // in this test: the server's first delivery is what shows it picked the outbox up.
  for (int i = 0; i < 200 && receiver.calls() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(25));
  server->stop();
  EXPECT_EQ(receiver.calls(), 1);
  const OutboxRow row = db_->job_notifications(job)->at(0);
  EXPECT_EQ(row.attempts, 1);
  EXPECT_EQ(row.job_status, "completed");
  EXPECT_NE(row.last_error.find("HTTP 500"), std::string::npos);
}

TEST(NotifySettings, BadValuesAreNamed) {
  EXPECT_TRUE(validate_notify_setting("notify.webhook_url", "https://example.org/hook").ok());
  EXPECT_NE(validate_notify_setting("notify.webhook_url", "ftp://x").error().message.find("notify.webhook_url"),
            std::string::npos);
  EXPECT_NE(validate_notify_setting("notify.smtp_url", "http://x").error().message.find("smtp://"), std::string::npos);
  EXPECT_NE(validate_notify_setting("notify.email_on", "sometimes").error().message.find("all or failures"),
            std::string::npos);
  EXPECT_NE(validate_notify_setting("notify.email_to", "me").error().message.find("e-mail address"), std::string::npos);
  EXPECT_NE(validate_notify_setting("notify.colour", "red").error().message.find("not a notification setting"),
            std::string::npos);
  // RFC 4231, test case 2.
  EXPECT_EQ(hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

}  // namespace
}  // namespace paddock
