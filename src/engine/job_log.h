// The job's log file, `logs/<job_id>.log` beside the database, in the batch prediction guide's
// format, each line of the file after its UTC time ("2026-11-27T17:29:31Z  "): a header with the
// job's settings, one "[P%] Processing chunk i/K (Mem: NNNMB)..." line per chunk, the
// races that failed and why, and a closing summary block. Lines are flushed as written, so
// `tail -f` and the dashboard see them at once. Optionally echoed to stdout. Thread-safe.
#pragma once

#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>

#include "core/error.h"
#include "store/job_records.h"

namespace paddock {

class JobLog {
 public:
  enum class Echo { kNone, kStdout };

  // Opens for appending (a resumed job continues its log), creating the directory.
  static Result<JobLog> open(const std::string& path, Echo echo);
  JobLog(JobLog&& other) noexcept;
  JobLog& operator=(JobLog&&) = delete;
  JobLog(const JobLog&) = delete;
  JobLog& operator=(const JobLog&) = delete;
  ~JobLog();

  // A line: to the file with its time, and to the terminal as it is when echoing.
  void line(std::string_view text);
  // A line written to the file only, never echoed.
  void file_only(std::string_view text);
  const std::string& path() const { return path_; }

 private:
  JobLog(std::FILE* file, std::string path, Echo echo) : file_(file), path_(std::move(path)), echo_(echo) {}
  std::FILE* file_ = nullptr;
  std::string path_;
  Echo echo_ = Echo::kNone;
  std::mutex mutex_;
};

}  // namespace paddock
