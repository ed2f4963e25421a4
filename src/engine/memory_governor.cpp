#include "engine/memory_governor.h"

#include <fmt/format.h>

#include "core/process_info.h"

namespace paddock {

bool MemoryGovernor::admit(int in_flight) {
  const double before = resident_memory_mb();
  if (before <= limit_mb_) {
    const std::lock_guard<std::mutex> lock(mutex_);
    holding_ = false;
    return true;
  }
  const std::lock_guard<std::mutex> lock(mutex_);
  release_free_memory();
  const double after = resident_memory_mb();
  if (after <= limit_mb_) {
    say_(fmt::format("Memory {:.0f}MB above the {:.0f}MB limit: returned freed memory to the system ({:.0f}MB now)",
                     before, limit_mb_, after));
    holding_ = false;
    return true;
  }
  if (in_flight == 0) {
    if (!holding_) {
      say_(fmt::format("Memory {:.0f}MB above the {:.0f}MB limit even with nothing in flight: "
                       "going on one chunk at a time", after, limit_mb_));
    }
    holding_ = true;
    return true;
  }
  if (!holding_) {
    say_(fmt::format("Memory {:.0f}MB above the {:.0f}MB limit: holding new chunks until the {} in "
                     "flight are written", after, limit_mb_, in_flight));
  }
  holding_ = true;
  ++holds_;
  return false;
}

}  // namespace paddock
