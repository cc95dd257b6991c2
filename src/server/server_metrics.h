// The metrics `servir serve` exposes on /metrics: vLLM's names (so existing
// Grafana dashboards, KEDA triggers and the Gateway API Inference Extension
// read them unchanged) and servir_* ones for what vLLM lacks. Every sample
// carries model_name.
//
// The engine keeps its own counters and latency samples; the transport calls
// update_from_engine() with Engine::stats() and
// Engine::drain_finished_samples() at scrape time (and may call it more
// often), then render(). The transport bumps rejections, rate limits and
// auth failures as they happen, and copies the access log's dropped-line
// count at scrape time. Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "engine/engine_stats.h"
#include "server/metrics_registry.h"

namespace servir::server {

// servir_requests_rejected_total{reason}: the reasons the transport uses.
namespace reject_reason {
inline constexpr std::string_view kQueueFull = "queue_full";
inline constexpr std::string_view kInvalidRequest = "invalid_request";
inline constexpr std::string_view kContextLength = "context_length";
inline constexpr std::string_view kBodyTooLarge = "body_too_large";
inline constexpr std::string_view kHeadersTooLarge = "headers_too_large";
inline constexpr std::string_view kUnauthenticated = "unauthenticated";
inline constexpr std::string_view kRateLimited = "rate_limited";
inline constexpr std::string_view kNotReady = "not_ready";
inline constexpr std::string_view kTooManyConnections = "too_many_connections";
inline constexpr std::string_view kContentPolicy = "content_policy";
}  // namespace reject_reason

class ServerMetrics {
 public:
  // max_model_len bounds the token-count histograms' buckets (0: 100k).
  explicit ServerMetrics(std::string model_name, std::int64_t max_model_len = 0);

  // Gauges from `stats`, counters moved up to the engine's totals, each
  // sample folded into the histograms and the success counter.
  void update_from_engine(const EngineStats& stats, const std::vector<FinishedRequestSample>& samples);

  void count_rejection(std::string_view reason);
  void count_rate_limited();
  void count_auth_failure();
  // servir_access_log_dropped_total follows AccessLog::dropped_lines().
  void set_access_log_dropped(std::uint64_t total);
  // servir_guard_decisions_total{direction,scanner,action}: one per finding
  // a guard policy acted on; servir_guard_scan_seconds{direction}: the time
  // the rule scanners took over one request's texts (input) or one step of
  // a choice's stream (output).
  void count_guard_decision(std::string_view direction, std::string_view scanner, std::string_view action);
  void observe_guard_scan(std::string_view direction, double seconds);
  // servir_audit_log_dropped_total follows AuditLog::dropped_lines().
  void set_audit_log_dropped(std::uint64_t total);
  // servir_http_responses_total{code}: every logged response (the API
  // routes, not the probes or /metrics), for error-rate alerts.
  void count_response(int http_status);
  // servir_engine_heartbeat_age_seconds: what /health compares with
  // --health-stale, set at scrape time.
  void set_heartbeat_age(double seconds);

  // Refreshes servir_process_resident_memory_bytes from /proc/self/statm,
  // then renders everything.
  std::string render();

  MetricsRegistry& registry() { return registry_; }

 private:
  Counter& finished_counter(std::string_view reason);
  Counter& rejected_counter(std::string_view reason);
  Counter& response_counter(int http_status);
  Counter& guard_decisions_counter(std::string_view direction, std::string_view scanner, std::string_view action);
  Histogram& guard_scan_histogram(std::string_view direction);

  std::string model_name_;
  MetricsRegistry registry_;
  Gauge& running_;
  Gauge& waiting_;
  Gauge& kv_cache_usage_;
  Gauge& resident_memory_;
  Gauge& step_seconds_last_;
  Counter& step_seconds_total_;
  Counter& steps_;
  Counter& prompt_tokens_;
  Counter& generation_tokens_;
  Counter& preemptions_;
  Counter& prefix_queries_;
  Counter& prefix_hits_;
  Counter& rate_limited_;
  Counter& auth_failures_;
  Counter& access_log_dropped_;
  Counter& audit_log_dropped_;
  Gauge& heartbeat_age_;
  Histogram& ttft_;
  Histogram& itl_;
  Histogram& e2e_;
  Histogram& queue_time_;
  Histogram& prefill_time_;
  Histogram& decode_time_;
  Histogram& prompt_tokens_hist_;
  Histogram& generation_tokens_hist_;
  std::mutex update_mutex_;  // update_from_engine() may run on several I/O threads
  int cache_info_block_size_ = -1;
  std::int64_t cache_info_blocks_ = -1;
};

}  // namespace servir::server
