#include "engine/progress_bar.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <string>

namespace paddock {

ProgressBar::ProgressBar(Mode mode) : active_(mode == Mode::kAuto && isatty(STDERR_FILENO) != 0) {}

void ProgressBar::update(std::int64_t done, std::int64_t total, double races_per_second) {
  if (!active_ || total <= 0) return;
  const auto now = std::chrono::steady_clock::now();
  if (done < total && drawn_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  drawn_ = true;
  constexpr int kWidth = 30;
  const double fraction = static_cast<double>(done) / static_cast<double>(total);
  const int filled = static_cast<int>(fraction * kWidth);
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.resize(kWidth, '.');
  std::string eta = "--:--";
  if (races_per_second > 0 && done < total) {
    const auto seconds = static_cast<std::int64_t>(static_cast<double>(total - done) / races_per_second);
    eta = fmt::format("{}:{:02d}", seconds / 60, seconds % 60);
  } else if (done >= total) {
    eta = "0:00";
  }
  const std::string text = fmt::format("\r[{}] {:3d}% {}/{} races  {:.0f} races/s  ETA {}  ", bar,
                                       static_cast<int>(fraction * 100), done, total,
                                       races_per_second, eta);
  std::fputs(text.c_str(), stderr);
  std::fflush(stderr);
}

void ProgressBar::finish() {
  if (active_ && drawn_) std::fputc('\n', stderr);
  drawn_ = false;
}

}  // namespace paddock
