#include "store/job_lifecycle.h"

#include <fmt/format.h>

#include "core/date.h"
#include "core/identifier.h"
#include "core/process_info.h"

namespace paddock {
namespace {

bool heartbeat_stale(const ProcessView& process) {
  return !process.heartbeat_age_seconds ||
         *process.heartbeat_age_seconds > static_cast<double>(kHeartbeatStaleAfter.count());
}

std::string heartbeat_words(const ProcessView& process) {
  if (!process.heartbeat_age_seconds) return "no heartbeat recorded";
  return fmt::format("last heartbeat {:.0f}s ago", *process.heartbeat_age_seconds);
}

}  // namespace

Status validate_job_id(std::string_view id) { return validate_identifier(id, "job id"); }

LivenessVerdict assess_liveness(const JobRow& job, const ProcessView& process) {
  if (job.pid == 0) {  // claimed by a dispatcher, its process not started yet (or never)
    if (heartbeat_stale(process)) {
      return {Liveness::kDead, fmt::format("the job's process never started (claimed by a dispatcher; {})",
                                           heartbeat_words(process)),
              DeathCause::kNeverStarted};
    }
    return {Liveness::kAlive, "starting"};
  }
  if (!process.same_host) {
    if (heartbeat_stale(process)) {
      return {Liveness::kDead, fmt::format("its host {} has sent no heartbeat for over {}s ({})", job.host,
                                           kHeartbeatStaleAfter.count(), heartbeat_words(process)),
              DeathCause::kSilent};
    }
    return {Liveness::kAlive, fmt::format("running on host {} ({})", job.host, heartbeat_words(process))};
  }
  if (!process.exists) return {Liveness::kDead, fmt::format("its process {} is gone", job.pid), DeathCause::kGone};
  if (job.pid_start != 0) {
    if (process.start_ticks != job.pid_start) {
      return {Liveness::kDead, fmt::format("its process {} is gone (the pid now belongs to another program)", job.pid),
              DeathCause::kPidReused};
    }
    return {Liveness::kAlive, fmt::format("process {} is running ({})", job.pid, heartbeat_words(process))};
  }
  if (heartbeat_stale(process)) {
    return {Liveness::kDead, fmt::format("process {} exists but the job has sent no heartbeat for over {}s ({}): "
                                         "the pid belongs to another program",
                                         job.pid, kHeartbeatStaleAfter.count(), heartbeat_words(process)),
            DeathCause::kPidReused};
  }
  return {Liveness::kAlive, fmt::format("process {} is running ({})", job.pid, heartbeat_words(process))};
}

bool claimed_for_process(const JobRow& job, long pid, const std::string& host) {
  return job.status == JobStatus::kRunning && job.host == host && (job.pid == 0 || job.pid == pid);
}

LivenessVerdict check_liveness(const JobRow& job) {
  ProcessView process;
  process.same_host = job.host.empty() || job.host == host_name();
  if (process.same_host) {
    process.exists = process_alive(job.pid);
    process.start_ticks = process.exists ? process_start_ticks(job.pid) : 0;
  }
  Result<std::chrono::system_clock::time_point> beat = parse_utc_timestamp(job.heartbeat_at);
  if (beat.ok()) {
    process.heartbeat_age_seconds = std::chrono::duration<double>(std::chrono::system_clock::now() - *beat).count();
  }
  return assess_liveness(job, process);
}

}  // namespace paddock
