// Engine: continuous batching over a paged KV cache, on one engine thread.
//
// submit() hands a request over (thread-safe, never blocks on the model);
// the engine thread runs the step loop: the scheduler picks a batch under the
// token budget (decodes first, then chunked prefills), the block pool maps it
// to KV blocks (reusing cached prefix blocks), the model runs one forward
// step, the sampler picks tokens, and each request's sink receives its new
// tokens and text. abort() and deadlines free a request's blocks within one
// step. A heartbeat, refreshed every loop turn even when idle, lets a health
// check tell a hung engine from an idle one.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "engine/engine_stats.h"
#include "engine/request.h"
#include "kernels/context.h"
#include "model/kv_cache.h"
#include "model/transformer.h"
#include "tokenizer/tokenizer.h"
#include "util/status.h"

namespace servir {

struct EngineOptions {
  int max_num_seqs = 64;                      // running sequences per step
  std::int64_t max_num_batched_tokens = 512;  // tokens per step (<= the model's max_batch_tokens)
  // Prompt tokens in a step that also decodes (0: max_num_batched_tokens).
  // On a 2-core CPU a 512-token chunk takes ~0.7 s, which every stream
  // then sees as one inter-token gap; 256 cut the ITL p99 from ~590 to
  // ~360 ms for ~2% of throughput (Q4_0 TinyLlama shape, 16 streams).
  std::int64_t max_prefill_tokens_per_decode_step = 256;
  std::int64_t max_model_len = 0;  // prompt + output per sequence; 0: the model's context
  bool enable_prefix_caching = true;
  // Admission: submit() refuses with kResourceExhausted beyond these (0: no limit).
  int max_queue_len = 0;
  std::int64_t max_queued_tokens = 0;
  std::vector<std::int32_t> eos_token_ids;   // end generation unless ignore_eos
  std::chrono::milliseconds idle_tick{100};  // heartbeat period when idle
};

class Engine {
 public:
  // The model, cache, context and tokenizer must outlive the engine. The
  // tokenizer may be null (no text, no stop strings). Starts the engine thread.
  static Result<std::unique_ptr<Engine>> create(TransformerModel& model, KvCache& cache, kernels::KernelContext& ctx,
                                                const Tokenizer* tokenizer, const EngineOptions& options);
  ~Engine();  // stop()
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Queues a request. Refuses it up front, with the sink never called, when
  // its parameters are invalid (kInvalidArgument), when prompt + max_tokens
  // cannot fit the context or the whole KV pool (kContextLengthExceeded),
  // when the queue is full (kResourceExhausted), when its id is already live
  // (kInvalidArgument), or when the engine is stopping (kUnavailable).
  Status submit(GenerationRequest request, OutputSink sink);

  // Ends a request (queued or running) with FinishReason::kAbort; its sink
  // gets the final output from the engine thread within one step. Unknown
  // or finished ids are ignored. Thread-safe.
  void abort(std::string_view request_id);

  // Aborts everything, finishes every sink, joins the engine thread.
  void stop();
  // Stops admitting (submit() answers kUnavailable) but lets live requests run.
  void close_admission();
  // Live requests (queued or running).
  int live_requests() const;

  EngineStats stats() const;
  // Moves out the samples of requests finished since the last call.
  std::vector<FinishedRequestSample> drain_finished_samples();
  // Last time the engine loop turned (steady clock).
  EngineClock::time_point heartbeat() const;

  const EngineOptions& options() const;
  std::int64_t max_model_len() const;

  // Test hook: the engine loop sleeps this long before its next turn,
  // as a hung engine would (the heartbeat goes stale).
  void stall_for_testing(std::chrono::milliseconds duration);

  class Impl;

 private:
  explicit Engine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace servir
