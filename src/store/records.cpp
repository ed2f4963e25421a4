#include "store/job_records.h"
#include "store/records.h"

namespace paddock {

std::string_view to_string(RaceStatus status) {
  switch (status) {
    case RaceStatus::kScheduled: return "scheduled";
    case RaceStatus::kFinished: return "finished";
    case RaceStatus::kCancelled: return "cancelled";
  }
  return "scheduled";
}

std::optional<RaceStatus> parse_race_status(std::string_view text) {
  for (RaceStatus status : {RaceStatus::kScheduled, RaceStatus::kFinished, RaceStatus::kCancelled}) {
    if (text == to_string(status)) return status;
  }
  return std::nullopt;
}

std::string_view to_string(JobStatus status) {
  switch (status) {
    case JobStatus::kQueued: return "queued";
    case JobStatus::kRunning: return "running";
    case JobStatus::kCompleted: return "completed";
    case JobStatus::kFailed: return "failed";
    case JobStatus::kCancelled: return "cancelled";
  }
  return "failed";
}

std::optional<JobStatus> parse_job_status(std::string_view text) {
  for (JobStatus status : {JobStatus::kQueued, JobStatus::kRunning, JobStatus::kCompleted,
                           JobStatus::kFailed, JobStatus::kCancelled}) {
    if (text == to_string(status)) return status;
  }
  return std::nullopt;
}

std::string_view to_string(JobRaceState state) {
  switch (state) {
    case JobRaceState::kPending: return "pending";
    case JobRaceState::kDone: return "done";
    case JobRaceState::kFailed: return "failed";
  }
  return "pending";
}

}  // namespace paddock
