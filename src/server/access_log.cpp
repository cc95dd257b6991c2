#include "server/access_log.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>
#include <ctime>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace servir::server {
namespace {

std::string utc_timestamp() {
  const auto now = std::chrono::system_clock::now();
  const auto t = std::chrono::system_clock::to_time_t(now);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

nlohmann::json ms_value(std::optional<double> ms) {
  if (!ms) return nullptr;
  return std::round(*ms * 10) / 10;
}

}  // namespace

AccessLog::AccessLog(std::shared_ptr<spdlog::logger> logger, bool log_prompts)
    : logger_(std::move(logger)), log_prompts_(log_prompts) {}
AccessLog::~AccessLog() {
  if (logger_) logger_->flush();
}

Result<std::unique_ptr<AccessLog>> AccessLog::open(const std::string& path, bool log_prompts) {
  std::shared_ptr<spdlog::sinks::sink> sink;
  if (path.empty()) {
    sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  } else {
    try {
      sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(path);
    } catch (const spdlog::spdlog_ex& e) {
      return make_error(ErrorCode::kIoError, "--access-log {}: {}", path, e.what());
    }
  }
  // Its own logger, not the default one: access lines are wanted at the
  // default --log-level (warn) too.
  auto logger = std::make_shared<spdlog::logger>("access", std::move(sink));
  logger->set_pattern("%v");
  logger->set_level(spdlog::level::info);
  logger->flush_on(spdlog::level::info);
  return std::unique_ptr<AccessLog>(new AccessLog(std::move(logger), log_prompts));
}

std::unique_ptr<AccessLog> AccessLog::disabled() { return std::unique_ptr<AccessLog>(new AccessLog(nullptr, false)); }

std::string AccessLog::format(const AccessRecord& r, bool include_prompt, bool with_time) {
  nlohmann::ordered_json j;
  if (with_time) j["ts"] = utc_timestamp();
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
  if (!logger_) return;
  logger_->info(format(record, log_prompts_));
}

}  // namespace servir::server
