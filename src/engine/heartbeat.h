// Proof of life for a running job: a thread with its own database connection that writes the
// job row's heartbeat_at and memory every couple of seconds, whatever the job is doing (loading
// history, waiting on a slow chunk). A job whose heartbeat is stale and whose process is gone
// is dead, and can be resumed. Stops when destroyed.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace paddock {

class Heartbeat {
 public:
  Heartbeat(std::string db_path, std::string job_id,
            std::chrono::milliseconds interval = std::chrono::milliseconds(2000));
  ~Heartbeat();
  Heartbeat(const Heartbeat&) = delete;
  Heartbeat& operator=(const Heartbeat&) = delete;

 private:
  void beat();

  std::string db_path_;
  std::string job_id_;
  std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::condition_variable stop_cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace paddock
