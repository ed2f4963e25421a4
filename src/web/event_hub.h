// The server-sent events of /api/events: the watcher publishes, each open stream waits for
// what is new. Events are kept in a short ring (the last kKeep), numbered; a stream that falls
// further behind than the ring (a client stalled for minutes) is sent a fresh "jobs" snapshot
// instead of what it missed.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace paddock::web {

struct ServerEvent {
  std::int64_t id = 0;
  std::string name;  // "job", "jobs", "deleted"
  std::string data;  // one line of JSON
};

// "id: 7\nevent: job\ndata: {...}\n\n"
std::string format_event(const ServerEvent& event);

class EventHub {
 public:
  static constexpr std::size_t kKeep = 512;

  std::int64_t publish(std::string name, std::string data);
  // The events after `after`, waiting up to `timeout` for one; empty on timeout or when closed.
  // `missed` is set when events after `after` have left the ring.
  std::vector<ServerEvent> wait_after(std::int64_t after, std::chrono::milliseconds timeout, bool& missed);
  std::int64_t last_id();
  // Wakes every waiting stream for good (the server is stopping).
  void close();
  bool closed();

  // Streams open now, for /metrics.
  void stream_opened();
  void stream_closed();
  int streams();

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<ServerEvent> events_;
  std::int64_t next_id_ = 1;
  bool closed_ = false;
  int streams_ = 0;
};

}  // namespace paddock::web
