#include "engine/job_log.h"

#include "core/date.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

namespace paddock {

Result<JobLog> JobLog::open(const std::string& path, Echo echo) {
  std::error_code ec;
  const auto directory = std::filesystem::path(path).parent_path();
  if (!directory.empty()) std::filesystem::create_directories(directory, ec);
  if (ec) {
    return make_error(ErrorCode::kIo, fmt::format("cannot create log directory '{}': {}",
                                                  directory.string(), ec.message()));
  }
  std::FILE* file = std::fopen(path.c_str(), "a");
  if (file == nullptr) {
    return make_error(ErrorCode::kIo, fmt::format("cannot open log '{}': {}", path, std::strerror(errno)));
  }
  return JobLog(file, path, echo);
}

JobLog::JobLog(JobLog&& other) noexcept
    : file_(std::exchange(other.file_, nullptr)), path_(std::move(other.path_)), echo_(other.echo_) {}

JobLog::~JobLog() {
  if (file_ != nullptr) std::fclose(file_);
}

void JobLog::line(std::string_view text) {
  file_only(text);
  const std::lock_guard<std::mutex> lock(mutex_);
  if (echo_ == Echo::kStdout) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
  }
}

void JobLog::file_only(std::string_view text) {
  const std::string stamp = utc_timestamp_now() + "  ";
  const std::lock_guard<std::mutex> lock(mutex_);
  if (file_ == nullptr) return;
  std::fwrite(stamp.data(), 1, stamp.size(), file_);
  std::fwrite(text.data(), 1, text.size(), file_);
  std::fputc('\n', file_);
  std::fflush(file_);
}

}  // namespace paddock
