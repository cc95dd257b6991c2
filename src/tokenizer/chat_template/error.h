// Internal error signalling of the chat-template interpreter.
//
// Parsing and rendering are deep recursions over untrusted input; unwinding
// them with a private exception keeps every evaluation step free of
// error-propagation boilerplate. The exception never leaves the public entry
// points in chat_template.cpp, which turn it into a Status that carries the
// template line number.
#pragma once

#include <string>
#include <utility>

#include <fmt/format.h>

#include "util/status.h"

namespace servir::jinja {

class TemplateError {
 public:
  TemplateError(ErrorCode code, std::string message, int line = 0)
      : code_(code), message_(std::move(message)), line_(line) {}

  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  int line() const { return line_; }
  void set_line_if_unknown(int line) {
    if (line_ == 0) line_ = line;
  }

 private:
  ErrorCode code_;
  std::string message_;
  int line_;
};

// A template or its data is wrong: a type error, an undefined value misused,
// a syntax error, raise_exception().
template <typename... Args>
[[noreturn]] void fail(fmt::format_string<Args...> format, Args&&... args) {
  throw TemplateError(ErrorCode::kInvalidArgument, fmt::format(format, std::forward<Args>(args)...));
}

// A sandbox limit was hit.
template <typename... Args>
[[noreturn]] void fail_limit(fmt::format_string<Args...> format, Args&&... args) {
  throw TemplateError(ErrorCode::kResourceExhausted, fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace servir::jinja
