// The engine's request and output types: what the server (or bench, or a
// test) submits, and the incremental outputs it gets back.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/sampling_params.h"
#include "util/status.h"

namespace servir {

using EngineClock = std::chrono::steady_clock;

struct GenerationRequest {
  std::string id;                    // unique among live requests
  std::vector<std::int32_t> prompt;  // token ids, non-empty
  SamplingParams sampling;
  int priority = 0;        // lower runs first; FCFS among equals
  std::string cache_salt;  // isolates prefix-cache entries between tenants
  // Finished with FinishReason::kAbort (error kUnavailable) when reached,
  // queued or running.
  std::optional<EngineClock::time_point> deadline;
};

enum class FinishReason {
  kNone,    // still running
  kStop,    // EOS, a stop token or a stop string
  kLength,  // max_tokens or the context limit
  kAbort,   // abort(), deadline, shutdown
  kError,   // the engine failed this request (see RequestOutput::error)
  // A guard policy stopped the choice's output (set by the server's output
  // guard; the engine itself never finishes a choice this way).
  kContentFilter,
};
// "stop", "length", "abort", "error", "content_filter"
const char* finish_reason_name(FinishReason reason);

struct TokenLogprob {
  std::int32_t token = 0;
  float logprob = 0.0f;                             // log-softmax of the model's raw logits
  std::vector<std::pair<std::int32_t, float>> top;  // top_logprobs most likely, best first
};

// What one choice (of n) produced since the last output.
struct ChoiceDelta {
  int index = 0;
  std::vector<std::int32_t> token_ids;
  std::string text;                    // detokenized, stop strings cut (unless included)
  std::vector<TokenLogprob> logprobs;  // one per token_ids entry when requested
  FinishReason finish_reason = FinishReason::kNone;
  // What stopped it, when finish_reason is kStop: the stop string matched,
  // or the stop / EOS token id.
  std::optional<std::string> stop_string;
  std::optional<std::int32_t> stop_token;
  double cumulative_logprob = 0.0;  // over all tokens so far (beam search ranks by it)
};

struct RequestTimings {
  EngineClock::time_point arrival;          // submit()
  EngineClock::time_point first_scheduled;  // first step that ran any of it
  EngineClock::time_point first_token;
  EngineClock::time_point finished;
  // Gap before each generated token after the first (inter-token latency),
  // of choice 0; filled on the final output only.
  std::vector<float> inter_token_seconds;
};

struct RequestOutput {
  std::string request_id;
  std::vector<ChoiceDelta> choices;  // only choices with news, by index
  bool finished = false;             // last output of this request
  Status error;                      // why, when a choice finished with kError or kAbort
  int prompt_tokens = 0;
  int cached_prompt_tokens = 0;  // prompt tokens served by the prefix cache
  int completion_tokens = 0;     // over all choices, so far
  int preemptions = 0;
  RequestTimings timings;
};

// Receives the outputs of one request, in order, on the engine thread, ending
// with one that has finished = true. It must return quickly and not block
// (post to an I/O loop or push to a queue) and must not call back into the
// engine's submit() synchronously (abort() is fine).
using OutputSink = std::function<void(RequestOutput&&)>;

}  // namespace servir
