#include "server/server_metrics.h"

#include <unistd.h>

#include <cstdio>

#include <fmt/format.h>

namespace servir::server {
namespace {

// Latency buckets close to vLLM's, so dashboards' histogram_quantile()
// panels show similar resolution.
const std::vector<double> kTtftBuckets = {0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1,  0.25,  0.5,   0.75,
                                          1.0,   2.5,   5.0,  7.5,  10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0};
const std::vector<double> kItlBuckets = {0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2,  0.3,  0.4, 0.5,
                                         0.75, 1.0,   2.5,  5.0,   7.5, 10.0, 20.0, 40.0, 80.0};
const std::vector<double> kRequestBuckets = {0.3,  0.5,  0.8,  1.0,  1.5,   2.0,   2.5,   5.0,   10.0,   15.0,  20.0,
                                             30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0};

// 1, 2, 5, 10, 20, 50, ... up to the context length.
std::vector<double> token_buckets(std::int64_t max_model_len) {
  const double limit = max_model_len > 0 ? static_cast<double>(max_model_len) : 100000.0;
  std::vector<double> buckets;
  for (double decade = 1;; decade *= 10) {
    for (const double m : {1.0, 2.0, 5.0}) {
      if (m * decade > limit) return buckets;
      buckets.push_back(m * decade);
    }
  }
}

double resident_memory_bytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long long size = 0, resident = 0;
  const int n = std::fscanf(f, "%llu %llu", &size, &resident);
  std::fclose(f);
  if (n != 2) return 0;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

}  // namespace

namespace {
// Rule scanners take microseconds per kilobyte; the top buckets catch a
// scan that ran into its time bound.
const std::vector<double> kGuardScanBuckets = {1e-5, 2.5e-5, 5e-5,   1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3,
                                               5e-3, 1e-2,   2.5e-2, 5e-2, 0.1,    0.25, 1.0};
}  // namespace

ServerMetrics::ServerMetrics(std::string model_name, std::int64_t max_model_len)
    : model_name_(std::move(model_name)),
      running_(registry_.gauge("vllm:num_requests_running", "Number of requests in model execution batches.",
                               {{"model_name", model_name_}})),
      waiting_(registry_.gauge("vllm:num_requests_waiting", "Number of requests waiting to be processed.",
                               {{"model_name", model_name_}})),
      kv_cache_usage_(registry_.gauge("vllm:kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage.",
                                      {{"model_name", model_name_}})),
      resident_memory_(registry_.gauge("servir_process_resident_memory_bytes", "Resident memory size in bytes.",
                                       {{"model_name", model_name_}})),
      step_seconds_last_(registry_.gauge("servir_engine_last_step_seconds",
                                         "Wall time of the last engine step (schedule, forward, sample).",
                                         {{"model_name", model_name_}})),
      step_seconds_total_(registry_.counter("servir_engine_step_seconds_total",
                                            "Wall time spent in engine steps since start.",
                                            {{"model_name", model_name_}})),
      steps_(registry_.counter("servir_engine_steps_total", "Engine steps run since start.",
                               {{"model_name", model_name_}})),
      prompt_tokens_(registry_.counter("vllm:prompt_tokens_total", "Number of prefill tokens processed.",
                                       {{"model_name", model_name_}})),
      generation_tokens_(registry_.counter("vllm:generation_tokens_total", "Number of generation tokens processed.",
                                           {{"model_name", model_name_}})),
      preemptions_(registry_.counter("vllm:num_preemptions_total", "Cumulative number of preemptions.",
                                     {{"model_name", model_name_}})),
      prefix_queries_(registry_.counter("vllm:prefix_cache_queries_total",
                                        "Prefix cache queries, in terms of number of queried tokens.",
                                        {{"model_name", model_name_}})),
      prefix_hits_(registry_.counter("vllm:prefix_cache_hits_total",
                                     "Prefix cache hits, in terms of number of cached tokens.",
                                     {{"model_name", model_name_}})),
      rate_limited_(registry_.counter("servir_rate_limited_requests_total", "Requests refused by a per-key rate limit.",
                                      {{"model_name", model_name_}})),
      auth_failures_(registry_.counter("servir_auth_failures_total", "Requests with a missing or unknown API key.",
                                       {{"model_name", model_name_}})),
      access_log_dropped_(registry_.counter("servir_access_log_dropped_total",
                                            "Access log lines dropped because their destination did not keep up.",
                                            {{"model_name", model_name_}})),
      audit_log_dropped_(registry_.counter("servir_audit_log_dropped_total",
                                           "Guard audit log lines dropped because their destination did not keep up.",
                                           {{"model_name", model_name_}})),
      heartbeat_age_(registry_.gauge("servir_engine_heartbeat_age_seconds",
                                     "Seconds since the engine loop last turned (/health fails past --health-stale).",
                                     {{"model_name", model_name_}})),
      ttft_(registry_.histogram("vllm:time_to_first_token_seconds", "Histogram of time to first token in seconds.",
                                kTtftBuckets, {{"model_name", model_name_}})),
      itl_(registry_.histogram("vllm:inter_token_latency_seconds", "Histogram of inter-token latency in seconds.",
                               kItlBuckets, {{"model_name", model_name_}})),
      e2e_(registry_.histogram("vllm:e2e_request_latency_seconds",
                               "Histogram of end to end request latency in seconds.", kRequestBuckets,
                               {{"model_name", model_name_}})),
      queue_time_(registry_.histogram("vllm:request_queue_time_seconds",
                                      "Histogram of time spent waiting in the queue in seconds.", kRequestBuckets,
                                      {{"model_name", model_name_}})),
      prefill_time_(registry_.histogram("vllm:request_prefill_time_seconds",
                                        "Histogram of time spent in the prefill phase in seconds.", kRequestBuckets,
                                        {{"model_name", model_name_}})),
      decode_time_(registry_.histogram("vllm:request_decode_time_seconds",
                                       "Histogram of time spent in the decode phase in seconds.", kRequestBuckets,
                                       {{"model_name", model_name_}})),
      prompt_tokens_hist_(registry_.histogram("vllm:request_prompt_tokens",
                                              "Number of prefill tokens processed per request.",
                                              token_buckets(max_model_len), {{"model_name", model_name_}})),
      generation_tokens_hist_(registry_.histogram("vllm:request_generation_tokens",
                                                  "Number of generation tokens processed per request.",
                                                  token_buckets(max_model_len), {{"model_name", model_name_}})) {
  // The families the transport fills on demand exist from the start, so a
  // dashboard sees them (at 0) before the first rejection.
  finished_counter("stop");
  rejected_counter(reject_reason::kQueueFull);
  guard_decisions_counter("input", "injection", "block");
  guard_scan_histogram("input");
  // Error-rate alerts divide 5xx by all responses: both series exist from
  // the start, so the ratio is 0 rather than empty on a healthy server.
  for (const int code : {200, 500, 503}) response_counter(code);
}

Counter& ServerMetrics::finished_counter(std::string_view reason) {
  return registry_.counter("vllm:request_success_total", "Count of successfully processed requests.",
                           {{"model_name", model_name_}, {"finished_reason", std::string(reason)}});
}

Counter& ServerMetrics::rejected_counter(std::string_view reason) {
  return registry_.counter("servir_requests_rejected_total", "Requests refused before reaching the engine, by reason.",
                           {{"model_name", model_name_}, {"reason", std::string(reason)}});
}

Counter& ServerMetrics::response_counter(int http_status) {
  return registry_.counter("servir_http_responses_total", "API responses sent, by HTTP status code.",
                           {{"model_name", model_name_}, {"code", std::to_string(http_status)}});
}

void ServerMetrics::update_from_engine(const EngineStats& stats, const std::vector<FinishedRequestSample>& samples) {
  std::lock_guard lock(update_mutex_);
  running_.set(stats.running);
  waiting_.set(stats.waiting);
  kv_cache_usage_.set(
      stats.blocks_total > 0 ? static_cast<double>(stats.blocks_used) / static_cast<double>(stats.blocks_total) : 0.0);
  if (stats.block_size != cache_info_block_size_ || stats.blocks_total != cache_info_blocks_) {
    // An info metric: its value is 1 and the facts are labels. The pool is
    // sized once, so this runs once.
    cache_info_block_size_ = stats.block_size;
    cache_info_blocks_ = stats.blocks_total;
    registry_
        .gauge("vllm:cache_config_info", "Information of the KV cache configuration.",
               {{"model_name", model_name_},
                {"block_size", std::to_string(stats.block_size)},
                {"cache_dtype", std::string(stats.cache_dtype)},
                {"num_gpu_blocks", std::to_string(stats.blocks_total)}})
        .set(1);
  }
  step_seconds_last_.set(stats.last_step.seconds);
  step_seconds_total_.set_total(stats.engine_step_seconds_total);
  steps_.set_total(static_cast<double>(stats.steps));
  prompt_tokens_.set_total(static_cast<double>(stats.prompt_tokens));
  generation_tokens_.set_total(static_cast<double>(stats.generation_tokens));
  preemptions_.set_total(static_cast<double>(stats.preemptions));
  prefix_queries_.set_total(static_cast<double>(stats.prefix_cache_queries));
  prefix_hits_.set_total(static_cast<double>(stats.prefix_cache_hits));
  for (const FinishedRequestSample& s : samples) {
    finished_counter(s.finish_reason != nullptr ? s.finish_reason : "unknown").add(1);
    if (s.ttft_seconds > 0) ttft_.observe(s.ttft_seconds);
    for (const float gap : s.inter_token_seconds) itl_.observe(gap);
    e2e_.observe(s.e2e_seconds);
    queue_time_.observe(s.queue_seconds);
    prefill_time_.observe(s.prefill_seconds);
    decode_time_.observe(s.decode_seconds);
    prompt_tokens_hist_.observe(s.prompt_tokens);
    generation_tokens_hist_.observe(s.generation_tokens);
  }
}

Counter& ServerMetrics::guard_decisions_counter(std::string_view direction, std::string_view scanner,
                                                std::string_view action) {
  return registry_.counter("servir_guard_decisions_total",
                           "Findings a guard policy acted on, by direction, scanner and action.",
                           {{"model_name", model_name_},
                            {"direction", std::string(direction)},
                            {"scanner", std::string(scanner)},
                            {"action", std::string(action)}});
}

Histogram& ServerMetrics::guard_scan_histogram(std::string_view direction) {
  return registry_.histogram("servir_guard_scan_seconds",
                             "Time the guard's rule scanners took, per request (input) or stream step (output).",
                             kGuardScanBuckets, {{"model_name", model_name_}, {"direction", std::string(direction)}});
}

void ServerMetrics::count_guard_decision(std::string_view direction, std::string_view scanner,
                                         std::string_view action) {
  guard_decisions_counter(direction, scanner, action).add(1);
}

void ServerMetrics::observe_guard_scan(std::string_view direction, double seconds) {
  guard_scan_histogram(direction).observe(seconds);
}

void ServerMetrics::set_audit_log_dropped(std::uint64_t total) {
  audit_log_dropped_.set_total(static_cast<double>(total));
}

void ServerMetrics::count_rejection(std::string_view reason) { rejected_counter(reason).add(1); }
void ServerMetrics::count_response(int http_status) { response_counter(http_status).add(1); }
void ServerMetrics::set_heartbeat_age(double seconds) { heartbeat_age_.set(seconds); }
void ServerMetrics::count_rate_limited() { rate_limited_.add(1); }
void ServerMetrics::count_auth_failure() { auth_failures_.add(1); }
void ServerMetrics::set_access_log_dropped(std::uint64_t total) {
  access_log_dropped_.set_total(static_cast<double>(total));
}

std::string ServerMetrics::render() {
  resident_memory_.set(resident_memory_bytes());
  return registry_.render();
}

}  // namespace servir::server
