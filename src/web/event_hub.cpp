#include "web/event_hub.h"

#include <fmt/format.h>

namespace paddock::web {

std::string format_event(const ServerEvent& event) {
  return fmt::format("id: {}\nevent: {}\ndata: {}\n\n", event.id, event.name, event.data);
}

std::int64_t EventHub::publish(std::string name, std::string data) {
  std::int64_t id = 0;
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    id = next_id_++;
    events_.push_back({id, std::move(name), std::move(data)});
    if (events_.size() > kKeep) events_.pop_front();
  }
  changed_.notify_all();
  return id;
}

std::vector<ServerEvent> EventHub::wait_after(std::int64_t after, std::chrono::milliseconds timeout, bool& missed) {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait_for(lock, timeout, [&] { return closed_ || next_id_ - 1 > after; });
  missed = !events_.empty() && events_.front().id > after + 1;
  std::vector<ServerEvent> out;
  if (closed_) return out;
  for (const ServerEvent& event : events_) {
    if (event.id > after) out.push_back(event);
  }
  return out;
}

std::int64_t EventHub::last_id() {
  const std::lock_guard<std::mutex> lock(mutex_);
  return next_id_ - 1;
}

void EventHub::close() {
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
  }
  changed_.notify_all();
}

bool EventHub::closed() {
  const std::lock_guard<std::mutex> lock(mutex_);
  return closed_;
}

void EventHub::stream_opened() {
  const std::lock_guard<std::mutex> lock(mutex_);
  ++streams_;
}

void EventHub::stream_closed() {
  const std::lock_guard<std::mutex> lock(mutex_);
  --streams_;
}

int EventHub::streams() {
  const std::lock_guard<std::mutex> lock(mutex_);
  return streams_;
}

}  // namespace paddock::web
