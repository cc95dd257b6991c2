// What the engine exposes for metrics and health: gauges of the current
// state, counters since start, and the last step's figures. Copied out under
// a lock (Engine::stats()), so readers never touch engine-thread state.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace servir {

struct StepStats {
  int batch_sequences = 0;  // sequences that ran this step
  int prefill_tokens = 0;
  int decode_tokens = 0;
  double seconds = 0.0;  // wall time of the step (schedule + forward + sample)
};

// Finished requests, latency samples and token counts since the last
// drain_finished_samples(): the server folds them into its histograms.
struct FinishedRequestSample {
  const char* finish_reason = "stop";
  int prompt_tokens = 0;
  int generation_tokens = 0;
  double queue_seconds = 0;  // arrival -> first scheduled
  double ttft_seconds = 0;   // arrival -> first token (0 when none)
  double e2e_seconds = 0;
  double prefill_seconds = 0;  // first scheduled -> first token
  double decode_seconds = 0;   // first token -> finished
  std::vector<float> inter_token_seconds;
};

struct EngineStats {
  // Gauges.
  int running = 0;  // sequences holding KV blocks
  int waiting = 0;  // requests queued (incl. preempted)
  std::int64_t waiting_prompt_tokens = 0;
  std::int64_t blocks_total = 0;
  std::int64_t blocks_used = 0;    // held by a sequence
  std::int64_t blocks_cached = 0;  // free but still holding a cached prefix
  int block_size = 0;
  std::string_view cache_dtype = "f16";  // the KV cache element type's name (static storage)
  // Counters.
  std::uint64_t steps = 0;
  std::uint64_t prompt_tokens = 0;           // prompt tokens of admitted requests
  std::uint64_t computed_prompt_tokens = 0;  // prefill tokens actually run
  std::uint64_t generation_tokens = 0;
  std::uint64_t prefix_cache_queries = 0;  // prompt tokens looked up
  std::uint64_t prefix_cache_hits = 0;     // of which found cached
  std::uint64_t preemptions = 0;
  std::uint64_t requests_finished = 0;
  std::uint64_t requests_rejected = 0;  // refused by submit()
  StepStats last_step;
  double engine_step_seconds_total = 0;
};

}  // namespace servir
