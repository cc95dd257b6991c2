#include "server/api_error.h"

#include <fmt/format.h>

namespace servir::server {
namespace {

struct Mapping {
  int http_status;
  std::string_view type;
  std::string_view default_code;
};

Mapping mapping_for(ErrorCode code, std::string_view api_code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kCorruptData:
      return {400, "invalid_request_error", {}};
    case ErrorCode::kUnsupported:
      // A method the route does not take (the router sends Allow with it).
      if (api_code == api_code::kMethodNotAllowed) return {405, "invalid_request_error", api_code::kMethodNotAllowed};
      return {400, "invalid_request_error", api_code::kUnsupportedParameter};
    case ErrorCode::kContextLengthExceeded:
      return {400, "invalid_request_error", api_code::kContextLengthExceeded};
    case ErrorCode::kNotFound:
      return {404, "invalid_request_error", api_code::kModelNotFound};
    case ErrorCode::kUnauthenticated:
      return {401, "invalid_request_error", api_code::kInvalidApiKey};
    case ErrorCode::kPolicyViolation:
      return {400, "invalid_request_error", api_code::kContentPolicyViolation};
    case ErrorCode::kRateLimited:
      return {429, "requests", api_code::kRateLimitExceeded};
    case ErrorCode::kResourceExhausted:
      // The same code covers a full queue (the engine's submit()) and a body
      // or head past the transport's limits (it says which by the code string).
      if (api_code == api_code::kRequestTooLarge) return {413, "invalid_request_error", api_code::kRequestTooLarge};
      if (api_code == api_code::kHeadersTooLarge) return {431, "invalid_request_error", api_code::kHeadersTooLarge};
      return {429, "server_overloaded", api_code::kQueueFull};
    case ErrorCode::kUnavailable:
      return {503, "service_unavailable", api_code::kServiceUnavailable};
    default:
      return {500, "server_error", {}};
  }
}

}  // namespace

int http_status_for(ErrorCode code, std::string_view api_code) { return mapping_for(code, api_code).http_status; }

ApiError api_error(const Status& status, const ApiErrorDetail& detail) {
  const ErrorCode code = status.ok() ? ErrorCode::kInternal : status.code();
  const Mapping m = mapping_for(code, detail.code);
  ApiError e;
  e.http_status = m.http_status;
  e.type = std::string(m.type);
  e.param = std::string(detail.param);
  e.code = std::string(detail.code.empty() ? m.default_code : detail.code);
  e.error_code = code;
  if (m.http_status == 500) {
    // The Status may name files, tensors or addresses: it goes to the log,
    // the client gets the id to quote.
    e.message =
        detail.request_id.empty()
            ? std::string("The server had an error while processing your request.")
            : fmt::format("The server had an error while processing your request (request id {}).", detail.request_id);
  } else {
    e.message = status.message();
  }
  return e;
}

nlohmann::json ApiError::to_json() const {
  nlohmann::json error = {{"message", message},
                          {"type", type},
                          {"param", param.empty() ? nlohmann::json(nullptr) : nlohmann::json(param)},
                          {"code", code.empty() ? nlohmann::json(nullptr) : nlohmann::json(code)}};
  return {{"error", std::move(error)}};
}

std::string ApiError::body() const { return to_json().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

}  // namespace servir::server
