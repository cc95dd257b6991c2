// The one place where a request error becomes an HTTP status and OpenAI's
// error body:
//
//   {"error": {"message": "...", "type": "invalid_request_error",
//              "param": "temperature", "code": null}}
//
// Everything in the server that refuses a request (the protocol parser, the
// transport's auth, rate limits, body limits, admission, the engine's
// submit()) builds an ApiError through api_error(); nothing else picks an
// HTTP status for an error. The mapping:
//
//   ErrorCode                      code (default)            HTTP  type
//   kInvalidArgument, kCorruptData (none)                    400   invalid_request_error
//   kUnsupported                   "unsupported_parameter"   400   invalid_request_error
//     ... with code "method_not_allowed"                     405   invalid_request_error
//   kContextLengthExceeded         "context_length_exceeded" 400   invalid_request_error
//   kNotFound                      "model_not_found"         404   invalid_request_error
//   kUnauthenticated               "invalid_api_key"         401   invalid_request_error
//   kRateLimited                   "rate_limit_exceeded"     429   requests
//   kResourceExhausted             "queue_full"              429   server_overloaded
//     ... with code "request_too_large"                      413   invalid_request_error
//     ... with code "request_header_fields_too_large"        431   invalid_request_error
//   kUnavailable                   "service_unavailable"     503   service_unavailable
//   anything else                  (none)                    500   server_error
//
// A 500's message never carries the Status text (it may name files or
// internals): the caller logs the Status with the request id, and the body
// says only that the server failed, with that id. The transport adds
// Retry-After to 429 and 503 answers.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include <nlohmann/json.hpp>

#include "util/status.h"

namespace servir::server {

// OpenAI's string codes (the "code" member).
namespace api_code {
inline constexpr std::string_view kContextLengthExceeded = "context_length_exceeded";
inline constexpr std::string_view kModelNotFound = "model_not_found";
inline constexpr std::string_view kInvalidApiKey = "invalid_api_key";
inline constexpr std::string_view kRateLimitExceeded = "rate_limit_exceeded";
inline constexpr std::string_view kQueueFull = "queue_full";
inline constexpr std::string_view kRequestTooLarge = "request_too_large";
inline constexpr std::string_view kHeadersTooLarge = "request_header_fields_too_large";
inline constexpr std::string_view kMethodNotAllowed = "method_not_allowed";
inline constexpr std::string_view kUnsupportedParameter = "unsupported_parameter";
inline constexpr std::string_view kServiceUnavailable = "service_unavailable";
inline constexpr std::string_view kContentPolicyViolation = "content_policy_violation";
}  // namespace api_code

struct ApiError {
  int http_status = 500;
  std::string message;
  std::string type;                             // "invalid_request_error", "requests", "server_error", ...
  std::string param;                            // the offending request field; "" -> null
  std::string code;                             // OpenAI's string code; "" -> null
  ErrorCode error_code = ErrorCode::kInternal;  // what it was built from (metrics, logs)

  // {"error": {"message", "type", "param", "code"}}
  nlohmann::json to_json() const;
  // to_json().dump(), with invalid UTF-8 in messages replaced, never throws.
  std::string body() const;
};

struct ApiErrorDetail {
  std::string_view param;       // the request field at fault
  std::string_view code;        // overrides the default code of the ErrorCode
  std::string_view request_id;  // quoted in 500 bodies so a user can report it
};

// `status` must not be OK.
ApiError api_error(const Status& status, const ApiErrorDetail& detail = {});

// The HTTP status api_error() gives a code (with an optional code string).
int http_status_for(ErrorCode code, std::string_view api_code = {});

// A value or the ApiError that refuses the request (what the protocol
// functions return).
template <typename T>
class [[nodiscard]] ApiResult {
 public:
  ApiResult(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT(google-explicit-constructor)
  ApiResult(ApiError error)
      : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & {
    CHECK(ok()) << "ApiResult::value() on error: " << error().message;
    return std::get<0>(state_);
  }
  const T& value() const& {
    CHECK(ok()) << "ApiResult::value() on error: " << error().message;
    return std::get<0>(state_);
  }
  T&& value() && {
    CHECK(ok()) << "ApiResult::value() on error: " << error().message;
    return std::get<0>(std::move(state_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const ApiError& error() const {
    CHECK(!ok()) << "ApiResult::error() on a value";
    return std::get<1>(state_);
  }

 private:
  std::variant<T, ApiError> state_;
};

}  // namespace servir::server
