#include "server/access_log.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <ctime>
#include <deque>
#include <mutex>

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

// The queue the I/O threads fill and the writer thread drains. The writer
// holds the mutex only to take the whole queue, never while it writes.
struct AccessLog::Queue {
  Queue(std::unique_ptr<AccessLogSink> s, const AccessLogOptions& options)
      : sink(std::move(s)), max_lines(options.max_queued_lines), max_bytes(options.max_queued_bytes) {}

  const std::unique_ptr<AccessLogSink> sink;  // the writer thread's alone
  const std::size_t max_lines;
  const std::size_t max_bytes;

  std::mutex mu;
  std::condition_variable wake;  // lines queued, or stopping
  std::condition_variable done;  // the writer thread ended
  std::deque<std::string> lines;
  std::size_t queued_bytes = 0;
  bool stopping = false;
  bool writer_done = false;
  std::atomic<std::uint64_t> dropped{0};
  // Set when shutdown gave up on a stuck sink and detached the writer: from
  // then on the writer must not log, since the process may be exiting and
  // tearing down spdlog's globals (a warning from a detached writer at exit
  // crashed the process; seen in HttpAccessLogTest under load).
  std::atomic<bool> abandoned{false};
};

namespace {

class SpdlogSink final : public AccessLogSink {
 public:
  explicit SpdlogSink(std::shared_ptr<spdlog::logger> logger) : logger_(std::move(logger)) {}
  void write_line(std::string_view line) override { logger_->info(line); }
  void flush() override { logger_->flush(); }

 private:
  std::shared_ptr<spdlog::logger> logger_;
};

constexpr auto kDropWarningInterval = std::chrono::seconds(10);

}  // namespace

void AccessLog::run_writer(const std::shared_ptr<Queue>& queue) {
  std::deque<std::string> batch;
  std::uint64_t dropped_reported = 0;
  auto last_warning = std::chrono::steady_clock::time_point{};
  std::unique_lock lock(queue->mu);
  for (;;) {
    queue->wake.wait(lock, [&] { return !queue->lines.empty() || queue->stopping; });
    if (queue->lines.empty()) break;  // stopping, and everything is written
    batch.swap(queue->lines);
    queue->queued_bytes = 0;
    lock.unlock();
    try {
      for (const std::string& line : batch) queue->sink->write_line(line);
      queue->sink->flush();
    } catch (const std::exception& e) {
      if (!queue->abandoned.load()) spdlog::error("access log: writing failed: {}", e.what());
    }
    batch.clear();
    // Said here, not where lines are dropped: this thread may block on
    // stderr, an I/O thread must not.
    const std::uint64_t dropped = queue->dropped.load();
    const auto now = std::chrono::steady_clock::now();
    if (dropped > dropped_reported && now - last_warning >= kDropWarningInterval && !queue->abandoned.load()) {
      spdlog::warn("access log: {} line(s) dropped so far: the log's destination did not keep up", dropped);
      dropped_reported = dropped;
      last_warning = now;
    }
    lock.lock();
  }
  queue->writer_done = true;
  queue->done.notify_all();
}

AccessLog::AccessLog(std::shared_ptr<Queue> queue, bool log_prompts, std::chrono::milliseconds flush_timeout)
    : queue_(std::move(queue)), log_prompts_(log_prompts), flush_timeout_(flush_timeout) {
  if (queue_) writer_ = std::thread([queue = queue_] { run_writer(queue); });
}

AccessLog::~AccessLog() {
  if (!queue_) return;
  std::unique_lock lock(queue_->mu);
  queue_->stopping = true;
  queue_->wake.notify_one();
  if (queue_->done.wait_for(lock, flush_timeout_, [this] { return queue_->writer_done; })) {
    lock.unlock();
    writer_.join();
    return;
  }
  // The sink is stuck (a pipe nobody reads): leave the writer to it. It
  // owns the queue too, and ends once the sink lets go.
  const std::size_t unwritten = queue_->lines.size();
  queue_->lines.clear();
  queue_->queued_bytes = 0;
  queue_->dropped += unwritten;
  queue_->abandoned = true;
  lock.unlock();
  writer_.detach();
  spdlog::warn("access log: its destination blocked for {} ms at shutdown; {} queued line(s) not written",
               flush_timeout_.count(), unwritten);
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
  // default --log-level (warn) too. Not registered with spdlog, so only the
  // writer thread ever touches it.
  auto logger = std::make_shared<spdlog::logger>("access", std::move(sink));
  logger->set_pattern("%v");
  logger->set_level(spdlog::level::info);
  return to_sink(std::make_unique<SpdlogSink>(std::move(logger)), AccessLogOptions{.log_prompts = log_prompts});
}

std::unique_ptr<AccessLog> AccessLog::to_sink(std::unique_ptr<AccessLogSink> sink, const AccessLogOptions& options) {
  return std::unique_ptr<AccessLog>(
      new AccessLog(std::make_shared<Queue>(std::move(sink), options), options.log_prompts, options.flush_timeout));
}

std::unique_ptr<AccessLog> AccessLog::disabled() {
  return std::unique_ptr<AccessLog>(new AccessLog(nullptr, false, std::chrono::milliseconds(0)));
}

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
  if (!queue_) return;
  std::string line = format(record, log_prompts_);
  {
    std::lock_guard lock(queue_->mu);
    auto& q = *queue_;
    if (!q.lines.empty() && (q.lines.size() >= q.max_lines || q.queued_bytes + line.size() > q.max_bytes)) {
      q.dropped.fetch_add(1);
      return;
    }
    q.queued_bytes += line.size();
    q.lines.push_back(std::move(line));
  }
  queue_->wake.notify_one();
}

std::uint64_t AccessLog::dropped_lines() const { return queue_ ? queue_->dropped.load() : 0; }

}  // namespace servir::server
