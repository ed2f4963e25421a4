// What every route of the API shares: JSON answers, errors as HTTP statuses, reading a JSON
// body and query parameters with errors that name the field, and a pool of database
// connections (a connection serves one thread at a time).
#pragma once

#include <httplib.h>

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "store/records.h"

namespace paddock::web {

// 400 invalid argument, 404 not found, 409 already exists or a state that forbids it, 500 the rest.
int http_status(ErrorCode code);

// {"error": {"code": "not_found", "message": "..."}} with the status for the code.
void send_error(httplib::Response& res, const Error& error);
void send_error(httplib::Response& res, int status, const std::string& code, const std::string& message);
void send_json(httplib::Response& res, const nlohmann::json& body, int status = 200);

// The request's JSON body: {} when empty; kInvalidArgument when not a JSON object.
Result<nlohmann::json> json_body(const httplib::Request& req);
// kInvalidArgument naming the first key of `body` that is not in `allowed`.
Status only_keys(const nlohmann::json& body, const std::vector<std::string>& allowed);

// Query parameters, validated: kInvalidArgument naming the parameter.
Result<std::optional<Day>> day_param(const httplib::Request& req, const char* name);
Result<std::optional<std::int64_t>> integer_param(const httplib::Request& req, const char* name, std::int64_t min,
                                                  std::int64_t max);

// A job id from the path, checked against the identifier alphabet (core/identifier.h).
Result<std::string> job_id_param(const httplib::Request& req, int match);

// Objects made on demand and lent to one thread at a time (database connections, job
// managers); at most `capacity` kept idle.
template <typename T>
class Pool {
 public:
  using Factory = std::function<Result<std::unique_ptr<T>>()>;

  Pool(Factory factory, std::size_t capacity) : factory_(std::move(factory)), capacity_(capacity) {}

  class Lease {
   public:
    Lease(Pool* pool, std::unique_ptr<T> object) : pool_(pool), object_(std::move(object)) {}
    Lease(Lease&&) noexcept = default;
    Lease& operator=(Lease&&) noexcept = default;
    ~Lease() {
      if (object_ && !broken_) pool_->give_back(std::move(object_));
    }
    T* operator->() const { return object_.get(); }
    T& operator*() const { return *object_; }
    // Not returned to the pool (after an error that may have left it in a bad state).
    void discard() { broken_ = true; }

   private:
    Pool* pool_;
    std::unique_ptr<T> object_;
    bool broken_ = false;
  };

  Result<Lease> acquire() {
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      if (!idle_.empty()) {
        std::unique_ptr<T> object = std::move(idle_.back());
        idle_.pop_back();
        return Lease(this, std::move(object));
      }
    }
    PADDOCK_ASSIGN_OR_RETURN(std::unique_ptr<T> made, factory_());
    return Lease(this, std::move(made));
  }

 private:
  void give_back(std::unique_ptr<T> object) {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (idle_.size() < capacity_) idle_.push_back(std::move(object));
  }

  Factory factory_;
  std::size_t capacity_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<T>> idle_;
};

}  // namespace paddock::web
