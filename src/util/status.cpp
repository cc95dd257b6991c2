#include "util/status.h"

namespace servir {

std::string_view error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk:
      return "ok";
    case ErrorCode::kInvalidArgument:
      return "invalid argument";
    case ErrorCode::kNotFound:
      return "not found";
    case ErrorCode::kUnsupported:
      return "unsupported";
    case ErrorCode::kCorruptData:
      return "corrupt data";
    case ErrorCode::kIntegrity:
      return "integrity check failed";
    case ErrorCode::kUnsafeFormat:
      return "unsafe format";
    case ErrorCode::kResourceExhausted:
      return "resource exhausted";
    case ErrorCode::kContextLengthExceeded:
      return "context length exceeded";
    case ErrorCode::kUnauthenticated:
      return "unauthenticated";
    case ErrorCode::kRateLimited:
      return "rate limited";
    case ErrorCode::kPolicyViolation:
      return "content policy violation";
    case ErrorCode::kUnavailable:
      return "unavailable";
    case ErrorCode::kIoError:
      return "i/o error";
    case ErrorCode::kInternal:
      return "internal error";
  }
  return "unknown error";
}

std::string Status::to_string() const {
  if (ok()) return "ok";
  return fmt::format("{}: {}", error_code_name(code_), message_);
}

Status Status::with_prefix(std::string_view prefix) const& {
  if (ok()) return *this;
  return Status(code_, fmt::format("{}: {}", prefix, message_));
}

Status Status::with_prefix(std::string_view prefix) && {
  if (ok()) return std::move(*this);
  message_ = fmt::format("{}: {}", prefix, message_);
  return std::move(*this);
}

}  // namespace servir
