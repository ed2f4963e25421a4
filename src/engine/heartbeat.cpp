#include "engine/heartbeat.h"

#include <memory>

#include "core/process_info.h"
#include "store/database.h"

namespace paddock {

Heartbeat::Heartbeat(std::string db_path, std::string job_id, std::chrono::milliseconds interval)
    : db_path_(std::move(db_path)), job_id_(std::move(job_id)), interval_(interval) {
  thread_ = std::thread([this] { beat(); });
}

Heartbeat::~Heartbeat() {
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  thread_.join();
}

void Heartbeat::beat() {
  Result<std::unique_ptr<Database>> db = open_database(db_path_);
  if (!db.ok()) return;  // the job's own writer still beats with every chunk
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stop_) {
    stop_cv_.wait_for(lock, interval_, [this] { return stop_; });
    if (stop_) break;
    lock.unlock();
    // A failed beat (the database busy past its timeout) is retried at the next interval; an
    // exception must not leave the thread (std::terminate would kill the job mid-chunk).
    try {
      (void)(*db)->heartbeat(job_id_, resident_memory_mb());
    } catch (const std::exception&) {  // NOLINT(bugprone-empty-catch): the next beat tries again
    }
    lock.lock();
  }
}

}  // namespace paddock
