// Facts about this process and others that the engine and the job manager need: resident
// memory (from /proc, so it is what the operating system sees, not what malloc thinks),
// returning freed heap pages to the system, whether a pid is alive, and the host name.
#pragma once

#include <cstdint>
#include <string>

namespace paddock {

// Resident set size of this process in MiB, read from /proc/self/statm; 0 if unreadable.
double resident_memory_mb();
// Peak resident set size (VmHWM) of this process in MiB; 0 if unreadable.
double peak_resident_memory_mb();
// Gives freed heap memory back to the operating system (glibc malloc_trim).
void release_free_memory();
// True when a process with this id exists (it may belong to another user).
bool process_alive(long pid);
// When the process with this id started, in clock ticks since boot (/proc/<pid>/stat, field
// 22); 0 when there is no such process. A pid is reused once its process has ended; the pair
// (pid, start) names one process for as long as the machine runs.
std::uint64_t process_start_ticks(long pid);
long current_pid();
std::string host_name();

}  // namespace paddock
