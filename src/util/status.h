// Errors that cross a function boundary in servir.
//
// Untrusted input (model files, tokenizer files, templates, request bodies)
// never aborts the process: parsers return a Status or a Result<T>. Broken
// internal invariants use CHECK (util/check.h) instead.
//
// ErrorCode is the one error enum of the project. The server layer maps it to
// an HTTP status and an OpenAI-shaped body in exactly one place; nothing else
// may invent its own mapping.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include <fmt/format.h>

#include "util/check.h"

namespace servir {

enum class ErrorCode : std::uint8_t {
  kOk = 0,
  kInvalidArgument,    // a parameter or request field is wrong (HTTP 400)
  kNotFound,           // a file, model, tensor or key is absent (404)
  kUnsupported,        // valid input we do not handle (yet): dtype, arch, format version
  kCorruptData,        // a file or payload violates its format (truncated, out of bounds, ...)
  kIntegrity,          // a checksum does not match its manifest
  kUnsafeFormat,       // refused for safety: pickle checkpoints execute code on load
  kResourceExhausted,  // a limit was hit: size, count, memory, queue
  kContextLengthExceeded,
  kUnauthenticated,
  kRateLimited,
  kPolicyViolation,  // refused by a guard policy (content_policy_violation, 400)
  kUnavailable,      // not ready, draining
  kIoError,          // the OS refused: open, read, mmap
  kInternal,
};

std::string_view error_code_name(ErrorCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok_status() { return {}; }

  bool ok() const { return code_ == ErrorCode::kOk; }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "unsupported: tensor 'x' has dtype I32" style, for logs and CLI output.
  std::string to_string() const;

  // Adds context in front of the message: "model.gguf: <message>".
  Status with_prefix(std::string_view prefix) const&;
  Status with_prefix(std::string_view prefix) &&;

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
};

template <typename... Args>
Status make_error(ErrorCode code, fmt::format_string<Args...> format, Args&&... args) {
  return Status(code, fmt::format(format, std::forward<Args>(args)...));
}

// A value or the Status that explains why there is none. Like C++23
// std::expected<T, Status>, which GCC 12's library does not have yet.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Status status) : state_(std::in_place_index<1>, std::move(status)) {  // NOLINT(google-explicit-constructor)
    CHECK(!std::get<1>(state_).ok()) << "Result constructed from an OK status";
  }

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    CHECK(ok()) << "Result::value() on error: " << status().to_string();
    return std::get<0>(state_);
  }
  const T& value() const& {
    CHECK(ok()) << "Result::value() on error: " << status().to_string();
    return std::get<0>(state_);
  }
  T&& value() && {
    CHECK(ok()) << "Result::value() on error: " << status().to_string();
    return std::get<0>(std::move(state_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Status& status() const& {
    static const Status kOkStatus;
    return ok() ? kOkStatus : std::get<1>(state_);
  }
  Status status() && { return ok() ? Status() : std::get<1>(std::move(state_)); }

 private:
  std::variant<T, Status> state_;
};

}  // namespace servir
