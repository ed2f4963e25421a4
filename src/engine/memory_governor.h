// Keeps a job's resident memory under --max-memory. Memory is measured (the process's resident
// set from /proc), not estimated. Before a worker takes a new chunk it asks `admit`: below the
// limit it may go on; above it, the governor first gives freed heap pages back to the system
// (malloc_trim) and measures again; if still above, new chunks are held back until the chunks
// in flight are written. With nothing in flight one chunk is always admitted, so a job whose
// floor is above the limit still finishes, one chunk at a time. Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

namespace paddock {

class MemoryGovernor {
 public:
  using Say = std::function<void(const std::string&)>;

  MemoryGovernor(double limit_mb, Say say) : limit_mb_(limit_mb), say_(std::move(say)) {}

  // May a new chunk start, with `in_flight` chunks not yet written?
  bool admit(int in_flight);
  double limit_mb() const { return limit_mb_; }
  // Times a new chunk was held back.
  std::int64_t holds() const { return holds_.load(); }

 private:
  double limit_mb_;
  Say say_;
  std::mutex mutex_;
  bool holding_ = false;
  std::atomic<std::int64_t> holds_{0};
};

}  // namespace paddock
