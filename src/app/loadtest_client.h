// The load generator behind `servir loadtest`: C keep-alive HTTP/1.1
// connections on one thread (Boost.Beast over one asio::io_context, callback
// style), each posting streaming completion requests back to back until R
// requests have been sent or the deadline passes. Every request's status,
// content-chunk times and the server's usage counts are recorded; the
// report (loadtest_report.h) aggregates them.
//
// A request succeeds when the server answers 200 and the event stream ends
// with "data: [DONE]". Failures are recorded by category: the HTTP status
// ("429", "500", ...), "connect", "write", "read" (connection lost
// mid-response), "timeout" (cut off by the deadline), "stream_error" (an
// error event inside the stream), "bad_stream" (unparsable events) and
// "incomplete_stream" (the body ended without [DONE]).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "app/loadtest_url.h"
#include "util/status.h"

namespace servir::app {

struct LoadtestConfig {
  LoadtestUrl url;
  LoadtestEndpoint endpoint = LoadtestEndpoint::kChat;
  std::string model;
  std::string api_key;  // sent as "Authorization: Bearer KEY" when not empty
  int concurrency = 1;
  int requests = 1;
  int prompt_words = 128;  // ~ prompt tokens (loadtest_prompt.h)
  int shared_prefix_words = 0;
  int max_tokens = 64;
  double timeout_s = 600;  // the whole run
  std::uint64_t seed = 0;
};

struct RequestRecord {
  int index = -1;
  int http_status = 0;           // 0: no response header arrived
  std::string error;             // empty on success, else the failure category
  std::string error_detail;      // the server's error message or the socket error
  double start_s = 0;            // request sent, seconds since the run began
  double ttft_s = -1;            // first content chunk after start (-1: none)
  double e2e_s = 0;              // end of the response after start
  int content_chunks = 0;        // stream events that carried generated text
  std::vector<double> itl_s;     // gaps between successive content chunks
  int usage_prompt_tokens = -1;  // from the server's usage (-1: not reported)
  int usage_completion_tokens = -1;
  int usage_cached_tokens = -1;

  bool ok() const { return error.empty(); }
  // The server's count when it reported usage, else one per content chunk.
  int output_tokens() const { return usage_completion_tokens >= 0 ? usage_completion_tokens : content_chunks; }
};

struct LoadtestResult {
  std::vector<RequestRecord> records;  // every request sent, in completion order
  int not_started = 0;                 // requests the deadline left unsent
  double duration_s = 0;               // run start to the last completion
  bool deadline_hit = false;
};

// The JSON body of request `index`: its synthetic prompt, stream with usage,
// exactly max_tokens tokens (max_tokens + vLLM's ignore_eos and min_tokens).
std::string loadtest_request_body(const LoadtestConfig& config, int index);

// Runs the load test to completion or to the deadline.
Result<LoadtestResult> run_loadtest(const LoadtestConfig& config);

// GET <api_root>/models and return the first model's id (for when --model
// is not given).
Result<std::string> discover_model(const LoadtestUrl& url, const std::string& api_key, double timeout_s);

}  // namespace servir::app
