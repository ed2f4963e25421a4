// Starting a job's process so that it outlives whoever started it: its own session (no
// terminal, no process group shared with the launcher, so Ctrl-C in the launcher's shell does
// not reach it), no inherited descriptors, standard input from /dev/null, standard output and
// error appended to the job's log, the launcher's working directory (so that a relative
// PADDOCK_CONFIG or ./paddock.toml means the same to the job). posix_spawn does the fork and exec
// (glibc's is safe to call from a threaded process, unlike a hand-written fork).
//
// A launched process is a child of the launcher until the launcher exits: a long-lived
// launcher (the dashboard, a Python session) reaps its ended children with reap_children(),
// which the job manager calls on each of its calls, so that none stays a zombie.
#pragma once

#include <string>
#include <vector>

#include "core/error.h"

namespace paddock {

struct LaunchRequest {
  std::string program;             // an absolute path, or a name found in PATH
  std::vector<std::string> args;   // after the program's name
  std::string output_path;         // standard output and error, appended; its directory is made
};

// The pid of the started process. Errors: kIo when the output cannot be opened or the program
// cannot be started (errno's text and the program's path).
Result<long> launch_detached(const LaunchRequest& request);

// Waits, without blocking, for every ended child of this process that launch_detached started.
void reap_children();

}  // namespace paddock
