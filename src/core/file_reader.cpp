// Whole-file reads with POSIX calls: each failure is a value carrying errno's text.
#include "core/file_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace paddock {
namespace {

Error open_error(const std::filesystem::path& path, int error_number) {
  if (error_number == ENOENT || error_number == ENOTDIR) {
    return make_error(ErrorCode::kNotFound, fmt::format("'{}' does not exist", path.string()));
  }
  return make_error(ErrorCode::kIo, fmt::format("cannot open '{}': {}", path.string(), std::strerror(error_number)));
}

Status check_kind(const std::filesystem::path& path, const struct stat& info) {
  if (S_ISDIR(info.st_mode)) {
    return make_error(ErrorCode::kInvalidArgument, fmt::format("'{}' is a directory, not a file", path.string()));
  }
  if (!S_ISREG(info.st_mode)) {
    return make_error(ErrorCode::kInvalidArgument, fmt::format("'{}' is not a regular file", path.string()));
  }
  return ok_status();
}

// Closes the descriptor on every path out of read_file.
class Descriptor {
 public:
  explicit Descriptor(int fd) : fd_(fd) {}
  ~Descriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

Status check_regular_file(const std::filesystem::path& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return open_error(path, errno);
  return check_kind(path, info);
}

Result<std::string> read_file(const std::filesystem::path& path, std::size_t max_bytes) {
  // O_NONBLOCK: opening a FIFO must not hang; it is refused below as not a regular file.
  const Descriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (fd.get() < 0) return open_error(path, errno);
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) {
    return make_error(ErrorCode::kIo, fmt::format("cannot read '{}': {}", path.string(), std::strerror(errno)));
  }
  PADDOCK_TRY(check_kind(path, info));
  const auto size = static_cast<std::size_t>(info.st_size);
  if (size > max_bytes) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("'{}' is larger than the {} bytes this file may hold", path.string(), max_bytes));
  }
  std::string text;
  text.resize(size);
  std::size_t done = 0;
  while (true) {
    if (done == text.size()) {
      // A file that grew while being read: read on, within the limit.
      if (text.size() >= max_bytes) {
        char extra = 0;
        if (::read(fd.get(), &extra, 1) > 0) {
          return make_error(ErrorCode::kInvalidArgument,
                            fmt::format("'{}' is larger than the {} bytes this file may hold", path.string(), max_bytes));
        }
        break;
      }
      text.resize(std::min(max_bytes, std::max<std::size_t>(text.size() * 2, 4096)));
    }
    const ssize_t got = ::read(fd.get(), text.data() + done, text.size() - done);
    if (got < 0) {
      if (errno == EINTR) continue;
      return make_error(ErrorCode::kIo, fmt::format("cannot read '{}': {}", path.string(), std::strerror(errno)));
    }
    if (got == 0) break;
    done += static_cast<std::size_t>(got);
  }
  text.resize(done);
  return text;
}

}  // namespace paddock
