// The rules of a job's life that the engine (resume, take-over), the job manager (cancel,
// retry, the dead-job check) and the dashboard all need, as functions of the job's row and of
// facts about its process, so that each caller decides the same way. Nothing here writes.
//
// A job id enters from the command line, and later from the API and the web page; it names
// the job's log file, so it is a restricted alphabet checked wherever it enters.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"
#include "store/job_records.h"

namespace paddock {

// A job id is an identifier (core/identifier.h): safe as a file name, in a URL and in a shell.
Status validate_job_id(std::string_view id);

// A running job's process writes a heartbeat every 2 s (engine/heartbeat.h); one silent for
// this long is taken to be gone when nothing better is known.
inline constexpr std::chrono::seconds kHeartbeatStaleAfter{60};

enum class Liveness {
  kAlive,  // its process is running (or, on another host, its heartbeat is fresh)
  kDead,   // its process is gone, or the pid belongs to another program now
};

// Why a job counts as dead.
enum class DeathCause {
  kNone,          // alive
  kGone,          // no process with its pid (or a zombie)
  kPidReused,     // a process with its pid, started at another time: another program
  kSilent,        // no heartbeat for too long (another host, or a row without a start time)
  kNeverStarted,  // claimed by a dispatcher, its process never took the row
};

struct LivenessVerdict {
  Liveness liveness = Liveness::kDead;
  std::string reason;  // why, in words: "its process 4242 is gone"
  DeathCause cause = DeathCause::kNone;
};

// What is known of the process a running job's row names.
struct ProcessView {
  bool same_host = true;         // the row's host is this machine
  bool exists = false;           // a process with the row's pid exists here
  std::uint64_t start_ticks = 0;  // that process's start (process_start_ticks)
  std::optional<double> heartbeat_age_seconds;  // none when the row has no readable heartbeat
};

// Whether a job in state `running` still has a live process. On this host a pid names the
// job's process only if it started when the row says (a reused pid is another program);
// rows written before start times were kept rely on the heartbeat. On another host only the
// heartbeat can tell.
LivenessVerdict assess_liveness(const JobRow& job, const ProcessView& process);

// The same, with the facts read from this machine (/proc, the clock).
LivenessVerdict check_liveness(const JobRow& job);

// A dispatcher claims a queued job by making it `running` with pid 0 on its host (one
// conditional write), then starts the process that runs it. That process, and only it, may
// take the row over: a running row of this host whose pid is 0 (not yet taken) or its own.
bool claimed_for_process(const JobRow& job, long pid, const std::string& host);

}  // namespace paddock
