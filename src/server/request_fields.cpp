#include "server/request_fields.h"

#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace servir::server {

std::string_view json_type_name(const nlohmann::ordered_json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::null:
      return "null";
    case nlohmann::json::value_t::boolean:
      return "boolean";
    case nlohmann::json::value_t::string:
      return "string";
    case nlohmann::json::value_t::array:
      return "array";
    case nlohmann::json::value_t::object:
      return "object";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
      return "integer";
    case nlohmann::json::value_t::number_float:
      return "number";
    default:
      return "value";
  }
}

std::optional<std::int64_t> json_integer(const nlohmann::ordered_json& value) {
  if (value.is_number_unsigned()) {
    const auto u = value.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
    return static_cast<std::int64_t>(u);
  }
  if (value.is_number_integer()) return value.get<std::int64_t>();
  if (value.is_number_float()) {
    const double d = value.get<double>();
    // 2^63 is the first double past int64's range.
    if (!std::isfinite(d) || d != std::floor(d) || d < -9.2233720368547758e18 || d >= 9.2233720368547758e18) {
      return std::nullopt;
    }
    return static_cast<std::int64_t>(d);
  }
  return std::nullopt;
}

const nlohmann::ordered_json* RequestFields::raw(std::string_view key) {
  known_.emplace(key);
  const auto it = body_.find(key);
  if (it == body_.end() || it->is_null()) return nullptr;
  return &*it;
}

std::optional<bool> RequestFields::boolean(std::string_view key) {
  const auto* v = raw(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_boolean()) {
    invalid(key, fmt::format("'{}' must be a boolean, not {}.", key, json_type_name(*v)));
    return std::nullopt;
  }
  return v->get<bool>();
}

std::optional<std::int64_t> RequestFields::integer(std::string_view key, std::int64_t min, std::int64_t max) {
  const auto* v = raw(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_number()) {
    invalid(key, fmt::format("'{}' must be an integer, not {}.", key, json_type_name(*v)));
    return std::nullopt;
  }
  const auto i = json_integer(*v);
  if (!i) {
    invalid(key, fmt::format("'{}' must be an integer, got {}.", key, v->dump()));
    return std::nullopt;
  }
  if (*i < min || *i > max) {
    invalid(key, fmt::format("'{}' must be in [{}, {}], got {}.", key, min, max, *i));
    return std::nullopt;
  }
  return i;
}

std::optional<double> RequestFields::number(std::string_view key, double min, double max) {
  const auto* v = raw(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_number()) {
    invalid(key, fmt::format("'{}' must be a number, not {}.", key, json_type_name(*v)));
    return std::nullopt;
  }
  const double d = v->get<double>();
  if (!std::isfinite(d) || d < min || d > max) {
    invalid(key, fmt::format("'{}' must be in [{}, {}], got {}.", key, min, max, v->dump()));
    return std::nullopt;
  }
  return d;
}

std::optional<std::string> RequestFields::string(std::string_view key) {
  const auto* v = raw(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_string()) {
    invalid(key, fmt::format("'{}' must be a string, not {}.", key, json_type_name(*v)));
    return std::nullopt;
  }
  return v->get<std::string>();
}

void RequestFields::invalid(std::string_view param, std::string message) {
  fail(api_error(Status(ErrorCode::kInvalidArgument, std::move(message)), {.param = param}));
}

void RequestFields::unsupported(std::string_view param, std::string message) {
  fail(api_error(Status(ErrorCode::kUnsupported, std::move(message)), {.param = param}));
}

void RequestFields::fail(ApiError error) {
  if (!error_) error_ = std::move(error);
}

std::vector<std::string> RequestFields::unknown_fields() const {
  std::vector<std::string> unknown;
  for (auto it = body_.begin(); it != body_.end(); ++it) {
    if (!known_.contains(it.key())) unknown.push_back(it.key());
  }
  return unknown;
}

}  // namespace servir::server
