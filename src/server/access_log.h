// One JSON line per request, written when its response ended:
//
//   {"ts":"2024-05-01T12:00:00.123Z","request_id":"...","key_id":"1a2b3c4d",
//    "client":"127.0.0.1","method":"POST","path":"/v1/chat/completions",
//    "status":200,"stream":true,"prompt_tokens":12,"completion_tokens":40,
//    "cached_tokens":0,"finish_reason":"stop","queue_ms":0.4,"ttft_ms":35.1,
//    "total_ms":810.2,"error":null}
//
// Keys never appear (key_id is their short hash) and neither does prompt
// text, unless the server runs with --log-prompts ("prompt" is added then).
// Lines go to stderr, or to a file with --access-log. Thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "util/status.h"

namespace spdlog {
class logger;
}

namespace servir::server {

struct AccessRecord {
  std::string request_id;
  std::string key_id;  // "" when the server has no keys
  std::string client;  // remote IP
  std::string method;
  std::string path;
  int status = 0;
  bool stream = false;
  int prompt_tokens = 0;
  int completion_tokens = 0;
  int cached_tokens = 0;
  std::string finish_reason;  // "" when no generation ran
  std::optional<double> queue_ms;
  std::optional<double> ttft_ms;
  double total_ms = 0;
  std::string error;   // the error message sent, "" on success
  std::string prompt;  // only with --log-prompts
};

class AccessLog {
 public:
  // path "": stderr. Errors: kIoError when the file cannot be opened.
  static Result<std::unique_ptr<AccessLog>> open(const std::string& path, bool log_prompts);
  // A log that drops everything (tests).
  static std::unique_ptr<AccessLog> disabled();
  ~AccessLog();

  bool log_prompts() const { return log_prompts_; }
  void write(const AccessRecord& record);
  // The JSON line write() emits (without the timestamp when `with_time` is false).
  static std::string format(const AccessRecord& record, bool include_prompt, bool with_time = true);

 private:
  AccessLog(std::shared_ptr<spdlog::logger> logger, bool log_prompts);
  std::shared_ptr<spdlog::logger> logger_;
  bool log_prompts_;
};

}  // namespace servir::server
