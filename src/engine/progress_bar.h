// A one-line live progress bar on stderr for a person at a terminal: percentage, races done,
// rate and time left. Does nothing when stderr is not a terminal or when disabled.
#pragma once

#include <chrono>
#include <cstdint>

namespace paddock {

class ProgressBar {
 public:
  enum class Mode { kAuto, kOff };
  explicit ProgressBar(Mode mode);
  bool active() const { return active_; }
  // Redraws at most every 100 ms, and always when done == total.
  void update(std::int64_t done, std::int64_t total, double races_per_second);
  // Ends the line so that what follows starts on a fresh one.
  void finish();

 private:
  bool active_ = false;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace paddock
