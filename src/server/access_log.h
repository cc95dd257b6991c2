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
// Lines go to stderr, or to a file with --access-log.
//
// Writing never blocks the caller (an I/O thread): write() formats the line
// and hands it to a BoundedLineWriter (util/line_writer.h), whose one thread
// drains it into the sink. When the sink is slow or stuck (stderr is a pipe
// nobody reads) and the queue is full, lines are dropped and counted
// (dropped_lines(), shown as servir_access_log_dropped_total). The
// destructor writes what is queued, waiting at most
// AccessLogOptions::flush_timeout. reopen() (SIGHUP) reopens the file.
//
// Thread-safety: write(), dropped_lines(), reopen() and log_prompts() may be
// called from any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "util/line_writer.h"
#include "util/status.h"

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

struct AccessLogOptions {
  bool log_prompts = false;
  // The queue: a line that would take it past either bound is dropped. A
  // line is always taken into an empty queue, however long it is.
  std::size_t max_queued_lines = 8192;
  std::size_t max_queued_bytes = std::size_t{16} << 20;
  // How long the destructor waits for the writer to empty the queue.
  std::chrono::milliseconds flush_timeout{2000};
};

class AccessLog {
 public:
  // path "": stderr. Errors: kIoError when the file cannot be opened.
  static Result<std::unique_ptr<AccessLog>> open(const std::string& path, bool log_prompts);
  // Lines to `sink`, through the queue (tests use a sink they control).
  static std::unique_ptr<AccessLog> to_sink(std::unique_ptr<LineSink> sink, const AccessLogOptions& options);
  // A log that drops everything (tests).
  static std::unique_ptr<AccessLog> disabled();
  ~AccessLog();  // flushes, waiting at most options.flush_timeout
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  bool log_prompts() const { return log_prompts_; }
  // Formats the line now (its timestamp is now) and queues it; never blocks
  // on the sink.
  void write(const AccessRecord& record);
  // Lines dropped since start because the queue was full (or the writer was
  // still stuck at shutdown).
  std::uint64_t dropped_lines() const;
  // Reopens the file before the next line (log rotation); no-op on stderr.
  void reopen();
  // The JSON line write() emits (without the timestamp when `with_time` is false).
  static std::string format(const AccessRecord& record, bool include_prompt, bool with_time = true);

 private:
  AccessLog(std::unique_ptr<BoundedLineWriter> writer, bool log_prompts);

  std::unique_ptr<BoundedLineWriter> writer_;  // null when disabled
  const bool log_prompts_;
};

}  // namespace servir::server
