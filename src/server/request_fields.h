// Typed access to the fields of a request body, for the protocol parsers.
//
// Each getter marks its key as known, treats a missing key or null as
// absent (std::nullopt) and, on a wrong type or a value out of range,
// records a 400 naming the field and returns std::nullopt. Only the first
// error is kept: a parser reads every field it wants, then checks failed()
// once, so no early return hides in a macro. Keys never read are the
// unknown fields that X-Servir-Ignored-Fields lists.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

#include "server/api_error.h"

namespace servir::server {

class RequestFields {
 public:
  explicit RequestFields(const nlohmann::ordered_json& body) : body_(body) {}

  // The raw value, or null when absent or JSON null; marks the key known.
  const nlohmann::ordered_json* raw(std::string_view key);

  std::optional<bool> boolean(std::string_view key);
  // Integral JSON numbers (5 or 5.0) within [min, max].
  std::optional<std::int64_t> integer(std::string_view key, std::int64_t min, std::int64_t max);
  std::optional<double> number(std::string_view key, double min, double max);
  std::optional<std::string> string(std::string_view key);

  // Records a 400 (invalid_request_error) unless an error is already held.
  void invalid(std::string_view param, std::string message);
  void unsupported(std::string_view param, std::string message);
  void fail(ApiError error);

  bool failed() const { return error_.has_value(); }
  const ApiError& error() const { return *error_; }
  // Top-level keys never read, in body order.
  std::vector<std::string> unknown_fields() const;

 private:
  const nlohmann::ordered_json& body_;
  std::unordered_set<std::string> known_;
  std::optional<ApiError> error_;
};

// The JSON type name a client would recognize ("string", "array", ...).
std::string_view json_type_name(const nlohmann::ordered_json& value);

// Integral JSON number (5 or 5.0) as int64, nullopt otherwise (incl. out of
// int64 range).
std::optional<std::int64_t> json_integer(const nlohmann::ordered_json& value);

}  // namespace servir::server
