#include "jobs/process_launcher.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <set>

extern char** environ;

namespace paddock {
namespace {

// The children started here and not yet reaped; shared by every manager of the process.
std::mutex g_children_mutex;
std::set<pid_t> g_children;

// posix_spawn's attribute and file-action objects, destroyed on every path.
struct SpawnSetup {
  posix_spawnattr_t attributes{};
  posix_spawn_file_actions_t actions{};
  SpawnSetup() {
    posix_spawnattr_init(&attributes);
    posix_spawn_file_actions_init(&actions);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
};

Status prepare_output(const std::string& path) {
  std::error_code ec;
  const std::filesystem::path directory = std::filesystem::path(path).parent_path();
  if (!directory.empty()) std::filesystem::create_directories(directory, ec);
  if (ec) {
    return make_error(ErrorCode::kIo, fmt::format("cannot create log directory '{}': {}", directory.string(), ec.message()));
  }
  // Opened here once to report a path that cannot be written clearly; the child opens its own.
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return make_error(ErrorCode::kIo, fmt::format("cannot write log '{}': {}", path, std::strerror(errno)));
  ::close(fd);
  return ok_status();
}

}  // namespace

Result<long> launch_detached(const LaunchRequest& request) {
  PADDOCK_TRY(prepare_output(request.output_path));
  SpawnSetup setup;
  short flags = POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
  sigset_t none;
  sigemptyset(&none);
  sigset_t all;
  sigfillset(&all);
  posix_spawnattr_setsigmask(&setup.attributes, &none);   // the launcher's blocked signals are not the job's
  posix_spawnattr_setsigdefault(&setup.attributes, &all);  // nor its ignored ones (SIGTERM must stop it)
  posix_spawnattr_setflags(&setup.attributes, flags);
  posix_spawn_file_actions_addopen(&setup.actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&setup.actions, STDOUT_FILENO, request.output_path.c_str(),
                                   O_WRONLY | O_APPEND | O_CREAT, 0644);
  posix_spawn_file_actions_adddup2(&setup.actions, STDOUT_FILENO, STDERR_FILENO);
  posix_spawn_file_actions_addclosefrom_np(&setup.actions, STDERR_FILENO + 1);

  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(request.program.c_str()));
  for (const std::string& arg : request.args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, request.program.c_str(), &setup.actions, &setup.attributes, argv.data(), environ);
  if (rc != 0) {
    return make_error(ErrorCode::kIo, fmt::format("cannot start '{}': {}", request.program, std::strerror(rc)));
  }
  const std::lock_guard<std::mutex> lock(g_children_mutex);
  g_children.insert(pid);
  return static_cast<long>(pid);
}

void reap_children() {
  const std::lock_guard<std::mutex> lock(g_children_mutex);
  for (auto it = g_children.begin(); it != g_children.end();) {
    const pid_t done = ::waitpid(*it, nullptr, WNOHANG);
    // Ended (reaped now), or not a child of ours any more (reaped elsewhere): forget it.
    it = done == *it || (done < 0 && errno == ECHILD) ? g_children.erase(it) : std::next(it);
  }
}

}  // namespace paddock
