#include "server/access_log.h"

#include <cmath>

#include <nlohmann/json.hpp>

#include "util/timestamp.h"

namespace servir::server {
namespace {

nlohmann::json ms_value(std::optional<double> ms) {
  if (!ms) return nullptr;
  return std::round(*ms * 10) / 10;
}

}  // namespace

AccessLog::AccessLog(std::unique_ptr<BoundedLineWriter> writer, bool log_prompts)
    : writer_(std::move(writer)), log_prompts_(log_prompts) {}

AccessLog::~AccessLog() = default;

Result<std::unique_ptr<AccessLog>> AccessLog::open(const std::string& path, bool log_prompts) {
  auto sink = open_line_file(path);
  if (!sink.ok()) return make_error(ErrorCode::kIoError, "--access-log {}", sink.status().message());
  return to_sink(std::move(sink).value(), AccessLogOptions{.log_prompts = log_prompts});
}

std::unique_ptr<AccessLog> AccessLog::to_sink(std::unique_ptr<LineSink> sink, const AccessLogOptions& options) {
  auto writer = std::make_unique<BoundedLineWriter>(std::move(sink),
                                                    LineWriterOptions{.max_queued_lines = options.max_queued_lines,
                                                                      .max_queued_bytes = options.max_queued_bytes,
                                                                      .flush_timeout = options.flush_timeout,
                                                                      .name = "access log"});
  return std::unique_ptr<AccessLog>(new AccessLog(std::move(writer), options.log_prompts));
}

std::unique_ptr<AccessLog> AccessLog::disabled() { return std::unique_ptr<AccessLog>(new AccessLog(nullptr, false)); }

std::string AccessLog::format(const AccessRecord& r, bool include_prompt, bool with_time) {
  nlohmann::ordered_json j;
  if (with_time) j["ts"] = utc_timestamp_ms();
  j["request_id"] = r.request_id;
  j["key_id"] = r.key_id.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(r.key_id);
  j["client"] = r.client;
  j["method"] = r.method;
  j["path"] = r.path;
  j["status"] = r.status;
  j["stream"] = r.stream;
  j["prompt_tokens"] = r.prompt_tokens;
  j["completion_tokens"] = r.completion_tokens;
  j["cached_tokens"] = r.cached_tokens;
  j["finish_reason"] =
      r.finish_reason.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(r.finish_reason);
  j["queue_ms"] = ms_value(r.queue_ms);
  j["ttft_ms"] = ms_value(r.ttft_ms);
  j["total_ms"] = std::round(r.total_ms * 10) / 10;
  j["error"] = r.error.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(r.error);
  if (include_prompt) j["prompt"] = r.prompt;
  // Client-supplied strings (paths, ids, prompts) may be invalid UTF-8.
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

void AccessLog::write(const AccessRecord& record) {
  if (writer_) writer_->push(format(record, log_prompts_));
}

std::uint64_t AccessLog::dropped_lines() const { return writer_ ? writer_->dropped_lines() : 0; }

void AccessLog::reopen() {
  if (writer_) writer_->request_reopen();
}

}  // namespace servir::server
