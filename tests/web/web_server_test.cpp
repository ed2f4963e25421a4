// paddock serve's API, in process on a free port, with real jobs (paddock predict processes):
// launch, watch by events, cancel, retry, logs, CSV, predictions, models, metrics, and every
// kind of bad request answered with a clear JSON error while the server goes on serving.
#include "web/server.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "support/test_fixture.h"

namespace paddock::web {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

class WebServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = testing::demo_database_copy(dir_.path());
    server_ = start({});
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    client_->set_read_timeout(60);
  }

  std::unique_ptr<WebServer> start(const std::string& token, const std::string& host = "127.0.0.1") {
    ServeOptions options;
    options.db_path = db_;
    options.host = host;
    options.port = 0;
    options.token = token;
    options.paddock_binary = PADDOCK_BINARY;
    options.dispatch_interval = std::chrono::milliseconds(500);
    Result<std::unique_ptr<WebServer>> server = WebServer::create(options);
    if (!server.ok()) throw std::runtime_error(server.error().describe());
    (*server)->start();
    return std::move(*server);
  }

  static json body_of(const httplib::Result& res) {
    if (!res) return json();
    return json::parse(res->body, nullptr, false);
  }

  httplib::Result get(const std::string& path) { return client_->Get(path.c_str()); }
  httplib::Result post(const std::string& path, const json& body = json::object()) {
    return client_->Post(path.c_str(), body.dump(), "application/json");
  }

  // Asserts a JSON error answer with this status whose message contains `needle`.
  static void expect_error(const httplib::Result& res, int status, const std::string& needle) {
    ASSERT_TRUE(res) << "no answer";
    EXPECT_EQ(res->status, status) << res->body;
    const json body = json::parse(res->body, nullptr, false);
    ASSERT_TRUE(body.contains("error")) << res->body;
    EXPECT_NE(body["error"]["message"].get<std::string>().find(needle), std::string::npos) << res->body;
  }

  json wait_until_ended(const std::string& job_id, std::chrono::seconds limit = std::chrono::seconds(60)) {
    const auto deadline = Clock::now() + limit;
    json job;
    while (Clock::now() < deadline) {
      job = body_of(get("/api/jobs/" + job_id));
      if (job.is_object() && job.contains("is_running") && !job["is_running"].get<bool>()) return job;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "job " << job_id << " did not end: " << job.dump();
    return job;
  }

  std::string launch(const json& options) {
    const httplib::Result res = post("/api/jobs", options);
    EXPECT_TRUE(res && res->status == 201) << (res ? res->body : "no answer");
    return body_of(res).value("job_id", "");
  }

  testing::TempDir dir_{"web"};
  std::string db_;
  std::unique_ptr<WebServer> server_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(WebServerTest, ServesThePageItsFilesAndHealth) {
  const httplib::Result page = get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->get_header_value("Content-Type").find("text/html"), std::string::npos);
  EXPECT_NE(page->get_header_value("Content-Security-Policy").find("default-src 'self'"), std::string::npos);
  EXPECT_NE(page->body.find("<html"), std::string::npos);
  const json health = body_of(get("/api/health"));
  EXPECT_EQ(health["status"], "ok");
  EXPECT_EQ(health["jobs"]["running"], 0);
  expect_error(get("/no-such-file.js"), 404, "no such page");
  expect_error(get("/api/no/such/route"), 404, "no such page or API route");
}

TEST_F(WebServerTest, ALaunchedJobReachesTheEventStreamAndCompletes) {
  // An event stream open before the launch sees the job's updates, 100% last.
  std::atomic<bool> stop{false};
  std::string stream;
  std::mutex stream_mutex;
  std::thread reader([&] {
    httplib::Client events("127.0.0.1", server_->port());
    events.set_read_timeout(30);
    events.Get("/api/events", [&](const char* data, std::size_t length) {
      const std::lock_guard<std::mutex> lock(stream_mutex);
      stream.append(data, length);
      return !stop.load();
    });
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const std::string id = launch({{"date", "2020-03-10"}, {"workers", 1}});
  ASSERT_FALSE(id.empty());
  const json done = wait_until_ended(id);
  EXPECT_EQ(done["status"], "completed");
  EXPECT_EQ(done["progress"], 100);
  EXPECT_GT(done["successful_races"].get<int>(), 20);
  // The stream's last word on the job is its completion, within a second of it.
  const auto deadline = Clock::now() + std::chrono::seconds(3);
  bool seen = false;
  while (!seen && Clock::now() < deadline) {
    {
      const std::lock_guard<std::mutex> lock(stream_mutex);
      seen = stream.find("\"status\":\"completed\"") != std::string::npos;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  stop = true;
  // Something must arrive for the reader to notice `stop`: a job change does.
  launch({{"race_ids", {999999999}}});
  reader.join();
  EXPECT_TRUE(seen) << stream.substr(0, 2000);
  EXPECT_EQ(stream.find("event: jobs"), stream.find("event: "));  // the snapshot comes first
  EXPECT_NE(stream.find("event: job\n"), std::string::npos);
  EXPECT_NE(stream.find("\"job_id\":\"" + id + "\""), std::string::npos);

  // Its log, whole and as a tail that starts at a whole line; its CSV; its listing.
  const json log = body_of(get("/api/jobs/" + id + "/log?offset=0"));
  EXPECT_NE(log["text"].get<std::string>().find(id), std::string::npos);
  EXPECT_TRUE(log["job_finished"].get<bool>());
  const json tail = body_of(get("/api/jobs/" + id + "/log?tail=200"));
  EXPECT_LE(tail["text"].get<std::string>().size(), 200U);
  EXPECT_EQ(tail["next_offset"], log["next_offset"]);
  EXPECT_EQ(tail["text"].get<std::string>().substr(0, 4), "2026");
  const httplib::Result csv = get("/api/jobs/" + id + "/predictions.csv");
  ASSERT_TRUE(csv);
  EXPECT_EQ(csv->status, 200);
  EXPECT_EQ(csv->body.rfind("race_id,race_date,venue", 0), 0U);
  const std::int64_t lines = std::count(csv->body.begin(), csv->body.end(), '\n');
  EXPECT_EQ(lines - 1, testing::query_int(db_, "SELECT COUNT(*) FROM predictions p JOIN races r ON r.id = p.race_id "
                                               "WHERE r.race_date = '2020-03-10'"));
  const json listed = body_of(get("/api/jobs?status=completed"));
  EXPECT_TRUE(std::any_of(listed["jobs"].begin(), listed["jobs"].end(),
                          [&](const json& job) { return job["job_id"] == id; }));
}

TEST_F(WebServerTest, ARunningJobIsCancelled) {
  const std::string id = launch({{"all", true}, {"workers", 1}, {"chunk_size", 1}});
  json job;
  for (int i = 0; i < 600; ++i) {
    job = body_of(get("/api/jobs/" + id));
    if (job["processed_races"].get<int>() >= 5) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const httplib::Result cancelled = post("/api/jobs/" + id + "/cancel");
  ASSERT_TRUE(cancelled);
  EXPECT_EQ(cancelled->status, 200) << cancelled->body;
  const json ended = wait_until_ended(id);
  EXPECT_EQ(ended["status"], "cancelled");
  EXPECT_LT(ended["processed_races"].get<int>(), ended["total_races"].get<int>());
  expect_error(post("/api/jobs/" + id + "/cancel"), 409, "");
  // A cancelled job resumes, and then completes its races.
  const httplib::Result resumed = post("/api/jobs/" + id + "/resume");
  ASSERT_TRUE(resumed);
  EXPECT_EQ(resumed->status, 200) << resumed->body;
}

TEST_F(WebServerTest, FailedRacesAreListedWithReasonsAndRetried) {
  const std::int64_t real = testing::query_int(db_, "SELECT MIN(id) FROM races WHERE race_date = '2020-03-10'");
  const std::string id = launch({{"race_ids", {real, 999999991, 999999992}}, {"retries", 0}});
  const json ended = wait_until_ended(id);
  EXPECT_EQ(ended["failed_races"], 2);
  const json failed = body_of(get("/api/jobs/" + id + "/failed-races"));
  ASSERT_EQ(failed["races"].size(), 2U);
  EXPECT_EQ(failed["races"][0]["race_id"], 999999991);
  EXPECT_NE(failed["races"][0]["reason"].get<std::string>().find("not found"), std::string::npos);
  EXPECT_TRUE(failed["races"][0]["race_date"].is_null());
  const httplib::Result retry = post("/api/jobs/" + id + "/retry");
  ASSERT_TRUE(retry);
  EXPECT_EQ(retry->status, 201) << retry->body;
  const json retried = body_of(retry);
  EXPECT_EQ(retried["job"]["retry_of"], id);
  EXPECT_EQ(wait_until_ended(retried["job_id"])["total_races"], 2);
  // Preview counts what a launch would select; unknown ids apart.
  const json preview = body_of(post("/api/jobs/preview", {{"race_ids", {real, 999999991}}}));
  EXPECT_EQ(preview["races"], 1);
  EXPECT_EQ(preview["unknown_race_ids"], json::array({999999991}));
  const json day = body_of(post("/api/jobs/preview", {{"date", "2020-03-10"}, {"all", true}}));
  EXPECT_EQ(day["races"], testing::query_int(db_, "SELECT COUNT(*) FROM races WHERE race_date = '2020-03-10'"));
}

TEST_F(WebServerTest, TheCardOfADayIsServedAsTheCommandPrintsIt) {
  // No job has predicted the day: every race is predicted now, ranked, nothing is stored.
  const json card = body_of(get("/api/card?date=2020-03-10"));
  ASSERT_FALSE(card["races"].empty());
  EXPECT_EQ(card["date"], "2020-03-10");
  EXPECT_EQ(card["predicted_now"].get<std::size_t>(), card["races"].size());
  for (const json& race : card["races"]) {
    EXPECT_EQ(race["source"], "predicted now");
    ASSERT_FALSE(race["runners"].empty());
    EXPECT_EQ(race["runners"][0]["rank"], 1);
    if (race["is_quinte"].get<bool>()) {
      EXPECT_EQ(race["runners"][0]["quinte_pick"], 1);
    }
  }
  EXPECT_EQ(testing::query_int(db_, "SELECT COUNT(*) FROM predictions"), 0);
  const std::int64_t race = card["races"][0]["race_id"].get<std::int64_t>();
  const json one = body_of(get("/api/card?date=2020-03-10&race=" + std::to_string(race) + "&value_threshold=1.5"));
  ASSERT_EQ(one["races"].size(), 1U);
  EXPECT_EQ(one["value_threshold"], 1.5);
  expect_error(get("/api/card"), 400, "date: required");
  expect_error(get("/api/card?date=2020-03-10&value_threshold=lots"), 400, "value_threshold");
  expect_error(get("/api/card?date=2019-01-01"), 404, "no race on 2019-01-01");
}

TEST_F(WebServerTest, BadRequestsGetClearErrorsAndTheServerGoesOn) {
  // Changes only as JSON.
  const httplib::Result form = client_->Post("/api/jobs", "date=2020-03-10", "application/x-www-form-urlencoded");
  expect_error(form, 415, "Content-Type: application/json");
  expect_error(client_->Post("/api/jobs", "{not json", "application/json"), 400, "not valid JSON");
  expect_error(client_->Post("/api/jobs", "[1,2]", "application/json"), 400, "not a JSON object");
  expect_error(post("/api/jobs", {{"wrokers", 2}}), 400, "'wrokers' is not a field");
  expect_error(post("/api/jobs", {{"workers", 100000}}), 400, "workers");
  expect_error(post("/api/jobs", {{"workers", "2"}}), 400, "'workers' is not an integer");
  expect_error(post("/api/jobs", {{"date", "2020-13-45"}}), 400, "date");
  expect_error(post("/api/jobs", {{"date", "2020-03-10"}, {"from", "2020-03-01"}}), 400, "");
  expect_error(post("/api/jobs", {{"job_id", "../../etc/passwd"}}), 400, "job id");
  expect_error(post("/api/jobs", {{"log_dir", "/tmp"}}), 400, "'log_dir' is not a field");
  expect_error(post("/api/jobs", {{"model_id", 99}}), 404, "");
  expect_error(get("/api/jobs/a%20b"), 400, "job id");
  expect_error(get("/api/jobs/.hidden"), 400, "job id");
  expect_error(get("/api/jobs/no_such_job"), 404, "no_such_job");
  expect_error(get("/api/jobs?status=done"), 400, "status: 'done'");
  expect_error(get("/api/jobs?limit=0"), 400, "limit");
  expect_error(get("/api/jobs?limit=12abc"), 400, "limit");
  expect_error(get("/api/predictions?date=yesterday"), 400, "date");
  expect_error(get("/api/predictions"), 400, "date: required");
  expect_error(get("/api/predictions?date=2020-03-10&model=7"), 404, "no model 7");
  expect_error(post("/api/queue", {{"max_running", 0}}), 400, "max_running");
  expect_error(post("/api/jobs/x/priority", {{"priority", 5000}}), 400, "priority");
  expect_error(post("/api/jobs/cleanup", {{"older_than_days", -1}}), 400, "older_than_days");
  expect_error(post("/api/models/99/activate"), 404, "no model 99");
  expect_error(client_->Delete("/api/jobs/no_such_job", "{}", "application/json"), 404, "");
  // An empty body reads as {}: the missing field is named.
  const httplib::Headers json_type{{"Content-Type", "application/json"}};
  expect_error(client_->Post("/api/queue", json_type), 400, "max_running");
  // A body over the limit.
  expect_error(client_->Post("/api/jobs", std::string(100 * 1024, ' '), "application/json"), 413, "larger");
  // A failure of the server's own (the model's trees unreadable): a 500 in JSON, and it goes on.
  // (On this test's own copy of the model: the fixture's is shared by tests running meanwhile.)
  const std::string model_dir = dir_.file("model");
  std::filesystem::copy(testing::query_text(db_, "SELECT path FROM models WHERE is_active = 1"), model_dir);
  testing::exec_sql(db_, "UPDATE models SET path = '" + model_dir + "' WHERE is_active = 1");
  const std::string model_file = model_dir + "/model.json";
  std::filesystem::rename(model_file, model_file + ".moved");
  std::ofstream(model_file) << R"({"learner": "not trees"})";
  const httplib::Result broken = get("/api/models/1/evaluation");
  std::filesystem::rename(model_file + ".moved", model_file);
  ASSERT_TRUE(broken);
  EXPECT_EQ(broken->status, 500);
  EXPECT_TRUE(body_of(broken).contains("error"));
  EXPECT_EQ(body_of(get("/api/health"))["status"], "ok");
  EXPECT_NE(get("/metrics")->body.find("paddock_http_server_errors_total 1"), std::string::npos);
}

TEST_F(WebServerTest, ATokenGuardsEveryApiCall) {
  const std::unique_ptr<WebServer> guarded = start("s3cret");
  httplib::Client client("127.0.0.1", guarded->port());
  expect_error(client.Get("/api/jobs"), 401, "token");
  expect_error(client.Get("/metrics"), 401, "token");
  expect_error(client.Get("/api/jobs", {{"Authorization", "Bearer wrong"}}), 401, "wrong token");
  EXPECT_EQ(client.Get("/api/jobs", {{"Authorization", "Bearer s3cret"}})->status, 200);
  EXPECT_EQ(client.Get("/api/jobs", {{"X-Paddock-Token", "s3cret"}})->status, 200);
  EXPECT_EQ(client.Get("/api/jobs?token=s3cret")->status, 200);  // for EventSource and links
  // A change never takes the token from the URL.
  expect_error(client.Post("/api/queue?token=s3cret", R"({"max_running": 3})", "application/json"), 401, "");
  EXPECT_EQ(client.Post("/api/queue", {{"Authorization", "Bearer s3cret"}}, R"({"max_running": 3})",
                        "application/json")->status, 200);
  EXPECT_EQ(client.Get("/")->status, 200);  // the page asks for the token itself
  // Beyond this machine, a token is required.
  ServeOptions open;
  open.db_path = db_;
  open.host = "0.0.0.0";
  open.port = 0;
  const Result<std::unique_ptr<WebServer>> refused = WebServer::create(open);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("needs a token"), std::string::npos);
  open.db_path = dir_.file("missing.db");
  open.host = "127.0.0.1";
  EXPECT_NE(WebServer::create(open).error().message.find("no such database"), std::string::npos);
}

TEST_F(WebServerTest, PredictionsOfADayAreRankedWithTheMarketAndTheResults) {
  const std::string id = launch({{"date", "2020-03-10"}});
  EXPECT_EQ(wait_until_ended(id)["status"], "completed");
  const json day = body_of(get("/api/predictions?date=2020-03-10"));
  ASSERT_FALSE(day["races"].empty());
  bool saw_hit = false;
  for (const json& race : day["races"]) {
    if (!race["predicted"].get<bool>()) continue;
    double sum = 0.0;
    double market = 0.0;
    double previous = 2.0;
    int rank = 0;
    for (const json& runner : race["runners"]) {
      EXPECT_EQ(runner["predicted_rank"], ++rank);
      EXPECT_LE(runner["win_probability"].get<double>(), previous);
      previous = runner["win_probability"].get<double>();
      sum += previous;
      if (!runner["market_probability"].is_null()) market += runner["market_probability"].get<double>();
      EXPECT_EQ(runner["in_quinte_pick"].get<bool>(), race["is_quinte"].get<bool>() && rank <= 5);
      saw_hit |= runner["hit"].get<bool>();
    }
    EXPECT_NEAR(sum, 1.0, 1e-6);
    if (market > 0) {
      EXPECT_NEAR(market, 1.0, 1e-9);
    }
  }
  EXPECT_TRUE(saw_hit);
  const RaceId first = day["races"][0]["race_id"];
  const json race = body_of(get("/api/predictions/race/" + std::to_string(first)));
  EXPECT_EQ(race["runners"], day["races"][0]["runners"]);
  expect_error(get("/api/predictions/race/1"), 404, "no race 1");
  const httplib::Result csv = get("/api/predictions.csv?date=2020-03-10");
  ASSERT_TRUE(csv);
  EXPECT_EQ(csv->get_header_value("Content-Disposition"), "attachment; filename=\"predictions-2020-03-10.csv\"");
  const json days = body_of(get("/api/days?limit=400"));
  bool predicted_day = false;
  for (const json& d : days["days"]) predicted_day |= d["date"] == "2020-03-10" && d["predicted"] == d["races"];
  EXPECT_TRUE(predicted_day) << days.dump();
  const json races = body_of(get("/api/races?date=2020-03-10"));
  EXPECT_EQ(races["races"].size(), day["races"].size());
}

TEST_F(WebServerTest, ModelsTheirEvaluationWithCalibrationAndMetrics) {
  const json models = body_of(get("/api/models"));
  ASSERT_EQ(models["models"].size(), 1U);
  EXPECT_TRUE(models["models"][0]["is_active"].get<bool>());
  const json evaluation = body_of(get("/api/models/1/evaluation?from=2020-03-01&to=2020-03-20"));
  ASSERT_TRUE(evaluation.contains("predictors")) << evaluation.dump();
  EXPECT_GT(evaluation["races_scored"].get<int>(), 100);
  std::set<std::string> names;
  for (const json& predictor : evaluation["predictors"]) {
    names.insert(predictor["name"]);
    std::int64_t runners = 0;
    for (const json& bucket : predictor["calibration"]) {
      EXPECT_GE(bucket["mean_probability"].get<double>(), bucket["low"].get<double>());
      EXPECT_LE(bucket["mean_probability"].get<double>(), bucket["high"].get<double>());
      runners += bucket["runners"].get<std::int64_t>();
    }
    EXPECT_GT(runners, 1000);
  }
  EXPECT_EQ(names.count("combined model"), 1U) << evaluation.dump();
  EXPECT_EQ(names.count("market (1/odds)"), 1U) << evaluation.dump();
  EXPECT_EQ(post("/api/models/1/activate")->status, 200);
  const std::string metrics = get("/metrics")->body;
  EXPECT_NE(metrics.find("# TYPE paddock_jobs gauge"), std::string::npos);
  EXPECT_NE(metrics.find("paddock_jobs{state=\"completed\"} 0"), std::string::npos);
  EXPECT_NE(metrics.find("paddock_http_requests_total"), std::string::npos);
}

TEST_F(WebServerTest, TheQueueLimitAndPrioritiesAreSteered) {
  EXPECT_EQ(body_of(post("/api/queue", {{"max_running", 1}}))["max_running"], 1);
  const std::string first = launch({{"all", true}, {"workers", 1}, {"chunk_size", 1}});
  const std::string second = launch({{"date", "2020-03-10"}, {"all", true}});
  const json queued = body_of(get("/api/jobs/" + second));
  EXPECT_EQ(queued["status"], "queued");
  EXPECT_EQ(queued["queue_position"], 1);
  EXPECT_EQ(body_of(post("/api/jobs/" + second + "/priority", {{"priority", 7}}))["priority"], 7);
  const json active = body_of(get("/api/jobs/active"));
  ASSERT_EQ(active["jobs"].size(), 2U);
  EXPECT_EQ(active["jobs"][0]["job_id"], first);
  expect_error(client_->Delete(("/api/jobs/" + first).c_str(), "{}", "application/json"), 409, "");
  EXPECT_EQ(post("/api/jobs/" + first + "/cancel")->status, 200);
  // The first ended, the dispatcher starts the second without any client asking.
  EXPECT_EQ(wait_until_ended(second)["status"], "completed");
  const httplib::Result deleted = client_->Delete(("/api/jobs/" + second).c_str(), "{}", "application/json");
  ASSERT_TRUE(deleted);
  EXPECT_EQ(body_of(deleted)["deleted"], second);
  expect_error(get("/api/jobs/" + second), 404, "");
  EXPECT_EQ(body_of(post("/api/jobs/cleanup", {{"older_than_days", 0}}))["deleted"].get<int>(), 1);
}

TEST_F(WebServerTest, APortInUseIsRefused) {
  ServeOptions second;
  second.db_path = db_;
  second.port = server_->port();
  const Result<std::unique_ptr<WebServer>> refused = WebServer::create(second);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("cannot listen on 127.0.0.1:" + std::to_string(server_->port())),
            std::string::npos);
}

TEST_F(WebServerTest, StopsWithStreamsOpen) {
  std::thread reader([&] {
    httplib::Client events("127.0.0.1", server_->port());
    events.Get("/api/events", [](const char*, std::size_t) { return true; });
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(body_of(get("/api/health"))["event_streams"], 1);
  const auto before = Clock::now();
  server_->stop();
  reader.join();
  EXPECT_LT(Clock::now() - before, std::chrono::seconds(3));
}

}  // namespace
}  // namespace paddock::web
