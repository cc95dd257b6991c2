// Engine::Impl: the engine thread's state. Private to the engine layer
// (engine.cpp runs the loop and the thread-safe entry points,
// engine_step.cpp one step: schedule, forward, sample, emit).
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "engine/engine.h"
#include "engine/kv_block_manager.h"
#include "engine/sampler.h"
#include "engine/scheduler.h"
#include "engine/sequence.h"
#include "engine/stop_checker.h"
#include "tokenizer/detokenizer.h"

namespace servir {

struct RequestState;

// One choice (of n) of a request: its sequence and what turns tokens into
// output (sampler, detokenizer, stop checker).
struct ChoiceState {
  RequestState* request = nullptr;
  int index = 0;
  Sequence seq;
  std::unique_ptr<Sampler> sampler;
  std::unique_ptr<IncrementalDetokenizer> detokenizer;  // null without a tokenizer
  std::unique_ptr<StopChecker> stop;
  int generated = 0;
  FinishReason finish = FinishReason::kNone;
  ChoiceDelta pending;  // news since the last output
  bool has_news = false;
  // Beam search: the beam's cumulative logprob and, once its logits are in,
  // its best 2 x width continuations (beams advance in lockstep).
  double beam_logprob = 0.0;
  std::vector<std::pair<std::int32_t, float>> beam_candidates;
  bool has_candidates = false;
};

// A finished beam-search hypothesis.
struct BeamHypothesis {
  std::vector<std::int32_t> tokens;  // generated tokens
  double logprob = 0.0;
  double score = 0.0;  // logprob / length^length_penalty
  FinishReason reason = FinishReason::kLength;
  std::optional<std::int32_t> stop_token;
};

struct RequestState {
  GenerationRequest request;
  OutputSink sink;
  std::vector<std::unique_ptr<ChoiceState>> choices;  // choice 0 first; the rest fork after the prompt
  bool forked = false;
  int finished_choices = 0;
  int completion_tokens = 0;
  RequestTimings timings;
  EngineClock::time_point last_token_time;
  bool done = false;
  // Beam search (use_beam_search): live beams are `choices`; finished
  // hypotheses collect here; the final output returns the best n.
  bool beam = false;
  int beam_width = 0;
  int beam_steps = 0;
  std::vector<BeamHypothesis> hypotheses;
  std::vector<ChoiceDelta> beam_results;
};

class Engine::Impl {
 public:
  Impl(TransformerModel& model, KvCache& cache, kernels::KernelContext& ctx, const Tokenizer* tokenizer,
       const EngineOptions& options, std::int64_t max_model_len);

  Status submit(GenerationRequest request, OutputSink sink);
  void abort(std::string_view id);
  void stop();
  void run();  // the engine thread

  // --- engine_step.cpp
  void step();
  void admit_new(std::unique_ptr<RequestState> state);
  void finish_request(RequestState& state, FinishReason reason, const Status& error);
  void emit(RequestState& state);
  void publish_stats(const StepPlan* plan, double seconds);
  std::unique_ptr<ChoiceState> fork_choice(ChoiceState& parent, int index);

  // --- beam_search.cpp
  void beam_collect(ChoiceState& beam, std::span<const float> logits);
  // Expands every live beam of `state` once all have their candidates; may
  // finish the request.
  void beam_expand(RequestState& state);
  void beam_finish(RequestState& state);

  TransformerModel* model_;
  KvCache* cache_;
  kernels::KernelContext* ctx_;
  const Tokenizer* tokenizer_;
  EngineOptions options_;
  std::int64_t max_model_len_;
  KvBlockManager blocks_;
  Scheduler scheduler_;

  // Shared with other threads, under mutex_.
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<std::pair<GenerationRequest, OutputSink>> incoming_;
  std::vector<std::string> aborts_;
  std::unordered_set<std::string> live_ids_;
  int queued_requests_ = 0;  // submitted, not yet run (incoming + waiting), as last seen
  std::int64_t queued_tokens_ = 0;
  bool stopping_ = false;
  bool admission_closed_ = false;
  std::uint64_t auto_id_ = 1;  // ids for requests submitted without one
  EngineStats stats_;
  std::deque<FinishedRequestSample> finished_samples_;
  std::chrono::milliseconds stall_{0};

  std::atomic<std::int64_t> heartbeat_ns_{0};
  std::thread thread_;

  // Engine-thread only.
  std::unordered_map<std::string, std::unique_ptr<RequestState>> requests_;
  std::uint64_t next_seq_id_ = 1;
  std::uint64_t next_arrival_ = 1;
  std::uint64_t prefix_seed_;
  std::mt19937_64 rng_;
  std::vector<std::int32_t> batch_tokens_, batch_seq_, batch_positions_, batch_tables_, logit_rows_;
  std::vector<float> logits_;
  // The choices sampling this step, their logits rows and their tokens.
  std::vector<ChoiceState*> sample_choices_;
  std::vector<std::span<const float>> sample_rows_;
  std::vector<SampledToken> sampled_;
};

}  // namespace servir
