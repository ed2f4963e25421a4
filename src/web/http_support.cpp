#include "web/http_support.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "core/date.h"
#include "core/identifier.h"

namespace paddock::web {

int http_status(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return 400;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kFailedPrecondition:
      return 409;
    default:
      return 500;
  }
}

void send_json(httplib::Response& res, const nlohmann::json& body, int status) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
}

void send_error(httplib::Response& res, int status, const std::string& code, const std::string& message) {
  send_json(res, {{"error", {{"code", code}, {"message", message}}}}, status);
}

void send_error(httplib::Response& res, const Error& error) {
  std::string code = to_string(error.code);
  std::replace(code.begin(), code.end(), ' ', '_');
  send_error(res, http_status(error.code), code, error.message);
}

Result<nlohmann::json> json_body(const httplib::Request& req) {
  if (req.body.find_first_not_of(" \t\r\n") == std::string::npos) return nlohmann::json::object();
  nlohmann::json body = nlohmann::json::parse(req.body, nullptr, false);
  if (body.is_discarded()) return make_error(ErrorCode::kInvalidArgument, "the request body is not valid JSON");
  if (!body.is_object()) return make_error(ErrorCode::kInvalidArgument, "the request body is not a JSON object");
  return body;
}

Status only_keys(const nlohmann::json& body, const std::vector<std::string>& allowed) {
  for (const auto& [key, value] : body.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("'{}' is not a field of this request (fields: {})", key.substr(0, 40),
                                    fmt::join(allowed, ", ")));
    }
  }
  return ok_status();
}

Result<std::optional<Day>> day_param(const httplib::Request& req, const char* name) {
  if (!req.has_param(name) || req.get_param_value(name).empty()) return std::optional<Day>();
  Result<Day> day = parse_day(req.get_param_value(name));
  if (!day.ok()) return make_error(ErrorCode::kInvalidArgument, fmt::format("{}: {}", name, day.error().message));
  return std::optional<Day>(*day);
}

Result<std::optional<std::int64_t>> integer_param(const httplib::Request& req, const char* name, std::int64_t min,
                                                  std::int64_t max) {
  if (!req.has_param(name) || req.get_param_value(name).empty()) return std::optional<std::int64_t>();
  const std::string text = req.get_param_value(name);
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{}: '{}' is not an integer from {} to {}", name, text.substr(0, 40), min, max));
  }
  return std::optional<std::int64_t>(value);
}

Result<std::string> job_id_param(const httplib::Request& req, int match) {
  std::string id = req.matches[match];
  PADDOCK_TRY(validate_identifier(id, "job id"));
  return id;
}

}  // namespace paddock::web
