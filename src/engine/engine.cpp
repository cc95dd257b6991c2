// Engine: the thread-safe entry points and the engine thread's loop.
#include "engine/engine.h"

#include <fmt/format.h>

#include "engine/engine_impl.h"
#include "util/log.h"

namespace servir {
namespace {

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(EngineClock::now().time_since_epoch()).count();
}

}  // namespace

const char* finish_reason_name(FinishReason reason) {
  switch (reason) {
    case FinishReason::kNone:
      return "none";
    case FinishReason::kStop:
      return "stop";
    case FinishReason::kLength:
      return "length";
    case FinishReason::kAbort:
      return "abort";
    case FinishReason::kError:
      return "error";
    case FinishReason::kContentFilter:
      return "content_filter";
  }
  return "error";
}

Engine::Impl::Impl(TransformerModel& model, KvCache& cache, kernels::KernelContext& ctx, const Tokenizer* tokenizer,
                   const EngineOptions& options, std::int64_t max_model_len)
    : model_(&model),
      cache_(&cache),
      ctx_(&ctx),
      tokenizer_(tokenizer),
      options_(options),
      max_model_len_(max_model_len),
      blocks_(cache.n_blocks(), cache.block_size(), options.enable_prefix_caching),
      scheduler_(SchedulerOptions{.max_num_seqs = options.max_num_seqs,
                                  .max_num_batched_tokens = options.max_num_batched_tokens,
                                  .max_prefill_tokens_per_decode_step = options.max_prefill_tokens_per_decode_step},
                 blocks_),
      prefix_seed_(std::random_device{}()),
      rng_(std::random_device{}()) {
  heartbeat_ns_ = now_ns();
  stats_.blocks_total = cache.n_blocks();
  stats_.block_size = cache.block_size();
  stats_.cache_dtype = ggml_type_name(cache.type());
}

Result<std::unique_ptr<Engine>> Engine::create(TransformerModel& model, KvCache& cache, kernels::KernelContext& ctx,
                                               const Tokenizer* tokenizer, const EngineOptions& options) {
  const auto& mo = model.options();
  if (options.max_num_seqs <= 0 || options.max_num_batched_tokens <= 0) {
    return make_error(ErrorCode::kInvalidArgument, "--max-num-seqs and --max-num-batched-tokens must be positive");
  }
  if (options.max_prefill_tokens_per_decode_step < 0) {
    return make_error(ErrorCode::kInvalidArgument, "--max-prefill-tokens-per-decode-step must not be negative");
  }
  if (options.max_num_batched_tokens > mo.max_batch_tokens) {
    return make_error(ErrorCode::kInvalidArgument,
                      "--max-num-batched-tokens {} exceeds the {} tokens the model's activations were sized for",
                      options.max_num_batched_tokens, mo.max_batch_tokens);
  }
  if (options.max_num_seqs > mo.max_logit_rows) {
    return make_error(ErrorCode::kInvalidArgument, "--max-num-seqs {} exceeds the model's {} logit rows per step",
                      options.max_num_seqs, mo.max_logit_rows);
  }
  std::int64_t max_len = model.config().context_length;
  if (options.max_model_len > 0) max_len = std::min(max_len, options.max_model_len);
  if (max_len <= 0) return make_error(ErrorCode::kInvalidArgument, "the model's context length is {}", max_len);
  auto impl = std::make_unique<Impl>(model, cache, ctx, tokenizer, options, max_len);
  Impl* raw = impl.get();
  std::unique_ptr<Engine> engine(new Engine(std::move(impl)));
  raw->thread_ = std::thread([raw] { raw->run(); });
  return engine;
}

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Engine::~Engine() { stop(); }

Status Engine::submit(GenerationRequest request, OutputSink sink) {
  return impl_->submit(std::move(request), std::move(sink));
}
void Engine::abort(std::string_view request_id) { impl_->abort(request_id); }
void Engine::stop() { impl_->stop(); }

void Engine::close_admission() {
  std::lock_guard lock(impl_->mutex_);
  impl_->admission_closed_ = true;
}

int Engine::live_requests() const {
  std::lock_guard lock(impl_->mutex_);
  return static_cast<int>(impl_->live_ids_.size());
}

EngineStats Engine::stats() const {
  std::lock_guard lock(impl_->mutex_);
  return impl_->stats_;
}

std::vector<FinishedRequestSample> Engine::drain_finished_samples() {
  std::lock_guard lock(impl_->mutex_);
  std::vector<FinishedRequestSample> out(std::make_move_iterator(impl_->finished_samples_.begin()),
                                         std::make_move_iterator(impl_->finished_samples_.end()));
  impl_->finished_samples_.clear();
  return out;
}

EngineClock::time_point Engine::heartbeat() const {
  return EngineClock::time_point(std::chrono::nanoseconds(impl_->heartbeat_ns_.load()));
}

const EngineOptions& Engine::options() const { return impl_->options_; }
std::int64_t Engine::max_model_len() const { return impl_->max_model_len_; }

void Engine::stall_for_testing(std::chrono::milliseconds duration) {
  std::lock_guard lock(impl_->mutex_);
  impl_->stall_ = duration;
  impl_->wake_.notify_all();
}

Status Engine::Impl::submit(GenerationRequest request, OutputSink sink) {
  const auto refuse = [this](Status st) {
    std::lock_guard lock(mutex_);
    ++stats_.requests_rejected;
    return st;
  };
  const SamplingParams& sp = request.sampling;
  if (Status st = sp.validate(model_->config().vocab_size); !st.ok()) return refuse(st);
  if (!sp.use_beam_search && sp.best_of != 0 && sp.best_of != sp.n) {
    return refuse(make_error(ErrorCode::kUnsupported, "best_of > n without use_beam_search is not supported yet"));
  }
  if (sp.use_beam_search && (!sp.stop.empty() || sp.logprobs)) {
    return refuse(
        make_error(ErrorCode::kUnsupported, "use_beam_search with stop strings or logprobs is not supported yet"));
  }
  if (request.prompt.empty()) return refuse(make_error(ErrorCode::kInvalidArgument, "the prompt is empty"));
  for (std::int32_t t : request.prompt) {
    if (t < 0 || t >= model_->config().vocab_size) {
      return refuse(make_error(ErrorCode::kInvalidArgument, "prompt token id {} is outside the vocabulary of {}", t,
                               model_->config().vocab_size));
    }
  }
  const auto prompt_len = static_cast<std::int64_t>(request.prompt.size());
  const std::int64_t total = prompt_len + sp.max_tokens;
  if (total > max_model_len_) {
    return refuse(make_error(ErrorCode::kContextLengthExceeded,
                             "This model's maximum context length is {} tokens. However, you requested {} tokens ({} "
                             "in the prompt, {} in the completion). Please reduce the prompt or max_tokens.",
                             max_model_len_, total, prompt_len, sp.max_tokens));
  }
  // One sequence must fit the whole pool alone, or preemption could not save it.
  const std::int64_t pool_tokens = cache_->n_blocks() * cache_->block_size();
  if (total > pool_tokens) {
    return refuse(make_error(ErrorCode::kContextLengthExceeded,
                             "the request needs {} tokens of KV cache ({} prompt + {} max_tokens) but the whole pool "
                             "holds {}; raise --kv-cache-memory or lower max_tokens",
                             total, prompt_len, sp.max_tokens, pool_tokens));
  }
  std::lock_guard lock(mutex_);
  if (stopping_ || admission_closed_) {
    ++stats_.requests_rejected;
    return make_error(ErrorCode::kUnavailable, "the server is shutting down");
  }
  if (options_.max_queue_len > 0 && queued_requests_ >= options_.max_queue_len) {
    ++stats_.requests_rejected;
    return make_error(ErrorCode::kResourceExhausted, "the queue is full ({} waiting requests); retry later",
                      queued_requests_);
  }
  if (options_.max_queued_tokens > 0 && queued_tokens_ + prompt_len > options_.max_queued_tokens) {
    ++stats_.requests_rejected;
    return make_error(ErrorCode::kResourceExhausted, "the queue is full ({} prompt tokens waiting); retry later",
                      queued_tokens_);
  }
  if (request.id.empty()) request.id = fmt::format("req-{}", auto_id_++);
  if (!live_ids_.insert(request.id).second) {
    ++stats_.requests_rejected;
    return make_error(ErrorCode::kInvalidArgument, "request id '{}' is already in use", request.id);
  }
  ++queued_requests_;
  queued_tokens_ += prompt_len;
  incoming_.emplace_back(std::move(request), std::move(sink));
  wake_.notify_all();
  return {};
}

void Engine::Impl::abort(std::string_view id) {
  std::lock_guard lock(mutex_);
  aborts_.emplace_back(id);
  wake_.notify_all();
}

void Engine::Impl::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    wake_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

void Engine::Impl::run() {
  spdlog::info("engine: {} KV blocks of {} tokens, max {} sequences and {} tokens per step, prefix cache {}",
               cache_->n_blocks(), cache_->block_size(), options_.max_num_seqs, options_.max_num_batched_tokens,
               options_.enable_prefix_caching ? "on" : "off");
  for (;;) {
    heartbeat_ns_ = now_ns();
    std::vector<std::pair<GenerationRequest, OutputSink>> incoming;
    std::vector<std::string> aborts;
    bool stopping = false;
    std::chrono::milliseconds stall{0};
    {
      std::unique_lock lock(mutex_);
      const bool idle = requests_.empty() && incoming_.empty() && aborts_.empty();
      if (idle && !stopping_ && stall_.count() == 0) {
        wake_.wait_for(lock, options_.idle_tick);
      }
      incoming.swap(incoming_);
      aborts.swap(aborts_);
      stopping = stopping_;
      std::swap(stall, stall_);
    }
    if (stall.count() > 0) std::this_thread::sleep_for(stall);
    heartbeat_ns_ = now_ns();
    for (auto& [request, sink] : incoming) {
      auto state = std::make_unique<RequestState>();
      state->request = std::move(request);
      state->sink = std::move(sink);
      admit_new(std::move(state));
    }
    for (const std::string& id : aborts) {
      auto it = requests_.find(id);
      if (it != requests_.end()) {
        finish_request(*it->second, FinishReason::kAbort, make_error(ErrorCode::kUnavailable, "request aborted"));
      }
    }
    if (stopping) {
      for (auto& [id, state] : requests_) {
        if (!state->done) {
          finish_request(*state, FinishReason::kAbort, make_error(ErrorCode::kUnavailable, "the engine is stopping"));
        }
      }
      requests_.clear();
      publish_stats(nullptr, 0);
      return;
    }
    // Deadlines.
    const auto now = EngineClock::now();
    for (auto& [id, state] : requests_) {
      if (!state->done && state->request.deadline && now >= *state->request.deadline) {
        finish_request(*state, FinishReason::kAbort,
                       make_error(ErrorCode::kUnavailable, "request timed out before it finished"));
      }
    }
    std::erase_if(requests_, [](const auto& entry) { return entry.second->done; });
    if (requests_.empty()) {
      publish_stats(nullptr, 0);
      continue;
    }
    step();
    std::erase_if(requests_, [](const auto& entry) { return entry.second->done; });
  }
}

}  // namespace servir
