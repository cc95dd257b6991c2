// One engine step: admit new requests, schedule, run the model, sample,
// stop, and hand each request its new output.
#include <algorithm>
#include <cmath>

#include <spdlog/spdlog.h>

#include "engine/engine_impl.h"
#include "engine/prefix_hash.h"
#include "util/splitmix.h"

namespace servir {
namespace {

constexpr std::size_t kMaxFinishedSamples = 1 << 16;

double seconds_between(EngineClock::time_point a, EngineClock::time_point b) {
  if (a.time_since_epoch().count() == 0 || b.time_since_epoch().count() == 0) return 0.0;
  return std::chrono::duration<double>(b - a).count();
}

std::uint64_t mix_seed(std::uint64_t seed, std::uint64_t index) {
  return splitmix64_mix(seed + kSplitmixGamma * (index + 1));
}

}  // namespace

// Builds a choice: its sampler, detokenizer and stop checker. Choices of a
// seeded request get distinct, reproducible streams (seed mixed with index).
static std::unique_ptr<ChoiceState> make_choice(RequestState& state, int index, const Tokenizer* tokenizer,
                                                const std::vector<std::int32_t>& eos, std::uint64_t random_seed) {
  auto choice = std::make_unique<ChoiceState>();
  const SamplingParams& sp = state.request.sampling;
  choice->request = &state;
  choice->index = index;
  choice->pending.index = index;
  const std::uint64_t seed = sp.seed ? mix_seed(*sp.seed, static_cast<std::uint64_t>(index)) : random_seed;
  choice->sampler = std::make_unique<Sampler>(sp, state.request.prompt, eos, seed);
  choice->stop = std::make_unique<StopChecker>(sp, eos);
  if (tokenizer != nullptr) {
    choice->detokenizer = std::make_unique<IncrementalDetokenizer>(
        *tokenizer, DecodeOptions{.skip_special_tokens = sp.skip_special_tokens}, /*continues_text=*/true);
  }
  return choice;
}

void Engine::Impl::admit_new(std::unique_ptr<RequestState> state) {
  RequestState& st = *state;
  st.timings.arrival = EngineClock::now();
  auto choice = make_choice(st, 0, tokenizer_, options_.eos_token_ids, rng_());
  Sequence& seq = choice->seq;
  seq.id = next_seq_id_++;
  seq.priority = st.request.priority;
  seq.arrival = next_arrival_++;
  seq.tokens = st.request.prompt;
  seq.prompt_len = static_cast<std::int64_t>(seq.tokens.size());
  seq.salt_hash = prefix_root_hash(prefix_seed_, st.request.cache_salt);
  st.beam = st.request.sampling.use_beam_search;
  st.beam_width = st.beam ? std::max(st.request.sampling.best_of, st.request.sampling.n) : 0;
  seq.slots = st.beam ? st.beam_width : st.request.sampling.n;
  seq.owner = choice.get();
  st.choices.push_back(std::move(choice));
  scheduler_.add_waiting(&st.choices.front()->seq);
  {
    std::lock_guard lock(mutex_);
    stats_.prompt_tokens += static_cast<std::uint64_t>(seq.prompt_len);
  }
  const std::string id = st.request.id;
  requests_.emplace(id, std::move(state));
}

void Engine::Impl::finish_request(RequestState& state, FinishReason reason, const Status& error) {
  if (state.done) return;
  const int n = state.request.sampling.n;
  // Live choices (or beams) end here; choices not forked yet end with the
  // request (below).
  for (auto& c : state.choices) {
    if (c->finish != FinishReason::kNone) continue;
    scheduler_.remove(&c->seq);
    c->finish = reason;
    c->pending.finish_reason = reason;
    c->has_news = true;
  }
  state.done = true;
  state.timings.finished = EngineClock::now();
  RequestOutput out;
  out.request_id = state.request.id;
  if (state.beam) {
    // Beams are not choices: the best n hypotheses are (or none on abort).
    out.choices = std::move(state.beam_results);
    for (int i = static_cast<int>(out.choices.size()); i < n; ++i) {
      out.choices.push_back(ChoiceDelta{.index = i, .finish_reason = reason});
    }
  } else {
    for (auto& c : state.choices) {
      if (c->has_news) {
        out.choices.push_back(std::move(c->pending));
        c->pending = ChoiceDelta{.index = c->index};
        c->has_news = false;
      }
    }
    for (int i = static_cast<int>(state.choices.size()); i < n; ++i) {
      out.choices.push_back(ChoiceDelta{.index = i, .finish_reason = reason});
    }
  }
  out.finished = true;
  out.error = error;
  out.prompt_tokens = static_cast<int>(state.request.prompt.size());
  out.cached_prompt_tokens = static_cast<int>(state.choices.front()->seq.cached_prompt_tokens);
  out.completion_tokens = state.completion_tokens;
  for (auto& c : state.choices) out.preemptions += c->seq.preemptions;
  out.timings = std::move(state.timings);

  FinishedRequestSample sample;
  sample.finish_reason = finish_reason_name(reason);
  sample.prompt_tokens = out.prompt_tokens;
  sample.generation_tokens = out.completion_tokens;
  sample.queue_seconds = seconds_between(out.timings.arrival, out.timings.first_scheduled);
  sample.ttft_seconds = seconds_between(out.timings.arrival, out.timings.first_token);
  sample.e2e_seconds = seconds_between(out.timings.arrival, out.timings.finished);
  sample.prefill_seconds = seconds_between(out.timings.first_scheduled, out.timings.first_token);
  sample.decode_seconds = seconds_between(out.timings.first_token, out.timings.finished);
  sample.inter_token_seconds = out.timings.inter_token_seconds;
  {
    std::lock_guard lock(mutex_);
    live_ids_.erase(state.request.id);
    ++stats_.requests_finished;
    if (finished_samples_.size() >= kMaxFinishedSamples) finished_samples_.pop_front();
    finished_samples_.push_back(std::move(sample));
  }
  if (state.sink) state.sink(std::move(out));
}

void Engine::Impl::emit(RequestState& state) {
  RequestOutput out;
  out.request_id = state.request.id;
  for (auto& c : state.choices) {
    if (!c->has_news) continue;
    out.choices.push_back(std::move(c->pending));
    c->pending = ChoiceDelta{.index = c->index};
    c->has_news = false;
  }
  if (out.choices.empty()) return;
  out.prompt_tokens = static_cast<int>(state.request.prompt.size());
  out.cached_prompt_tokens = static_cast<int>(state.choices.front()->seq.cached_prompt_tokens);
  out.completion_tokens = state.completion_tokens;
  out.timings.arrival = state.timings.arrival;
  out.timings.first_scheduled = state.timings.first_scheduled;
  out.timings.first_token = state.timings.first_token;
  if (state.sink) state.sink(std::move(out));
}

std::unique_ptr<ChoiceState> Engine::Impl::fork_choice(ChoiceState& parent, int index) {
  RequestState& rs = *parent.request;
  auto child = make_choice(rs, index, tokenizer_, options_.eos_token_ids, rng_());
  child->seq.id = next_seq_id_++;
  child->seq.priority = parent.seq.priority;
  child->seq.arrival = parent.seq.arrival;
  child->seq.tokens = parent.seq.tokens;
  child->seq.prompt_len = parent.seq.prompt_len;
  child->seq.salt_hash = parent.seq.salt_hash;
  child->seq.cached_prompt_tokens = parent.seq.cached_prompt_tokens;
  child->seq.admitted_once = true;
  child->seq.owner = child.get();
  child->beam_logprob = parent.beam_logprob;
  blocks_.fork(parent.seq, child->seq);
  scheduler_.add_running(&child->seq);
  return child;
}

// Turns the token sampled for one choice into output; finishes the choice on
// a stop or at its length limit.
static void advance_choice(ChoiceState& c, SampledToken picked, std::int64_t max_model_len,
                           EngineClock::time_point now) {
  RequestState& st = *c.request;
  const SamplingParams& sp = st.request.sampling;
  c.sampler->accept(picked.token);
  c.seq.tokens.push_back(picked.token);
  ++c.generated;
  ++st.completion_tokens;
  if (st.timings.first_token.time_since_epoch().count() == 0) st.timings.first_token = now;
  if (c.index == 0) {
    if (c.generated > 1) {
      st.timings.inter_token_seconds.push_back(std::chrono::duration<float>(now - st.last_token_time).count());
    }
    st.last_token_time = now;
  }
  std::string piece = c.detokenizer ? c.detokenizer->push(picked.token) : std::string();
  StopChecker::Result r = c.stop->push(picked.token, piece);
  ChoiceDelta& d = c.pending;
  d.token_ids.push_back(picked.token);
  d.text += r.emit;
  if (sp.logprobs) {
    d.cumulative_logprob += picked.logprob;
    d.logprobs.push_back(TokenLogprob{picked.token, picked.logprob, std::move(picked.top)});
  }
  c.has_news = true;
  if (r.stopped) {
    c.finish = FinishReason::kStop;
    d.stop_string = std::move(r.stop_string);
    d.stop_token = r.stop_token;
  } else if (c.generated >= sp.max_tokens || c.seq.num_tokens() >= max_model_len) {
    c.finish = FinishReason::kLength;
    d.text += c.stop->flush();
    if (c.detokenizer) d.text += c.detokenizer->finish();
  }
  if (c.finish != FinishReason::kNone) d.finish_reason = c.finish;
}

void Engine::Impl::step() {
  const auto t0 = EngineClock::now();
  StepPlan plan = scheduler_.schedule();
  if (plan.empty()) {
    // Nothing fits right now (cannot happen with requests checked against the
    // pool at submit, but never spin): wait for the next event.
    publish_stats(&plan, 0);
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, options_.idle_tick);
    return;
  }
  for (const BlockCopy& copy : plan.copies) cache_->copy_block(copy.src, copy.dst);

  // The flat batch: one block-table row per chunk.
  std::size_t max_blocks = 1;
  for (const auto& c : plan.chunks) max_blocks = std::max(max_blocks, c.seq->blocks.size());
  batch_tokens_.clear();
  batch_seq_.clear();
  batch_positions_.clear();
  logit_rows_.clear();
  batch_tables_.assign(plan.chunks.size() * max_blocks, -1);
  for (std::size_t i = 0; i < plan.chunks.size(); ++i) {
    const ScheduledChunk& c = plan.chunks[i];
    std::copy(c.seq->blocks.begin(), c.seq->blocks.end(),
              batch_tables_.begin() + static_cast<std::ptrdiff_t>(i * max_blocks));
    for (std::int64_t p = c.start; p < c.start + c.count; ++p) {
      batch_tokens_.push_back(c.seq->tokens[static_cast<std::size_t>(p)]);
      batch_seq_.push_back(static_cast<std::int32_t>(i));
      batch_positions_.push_back(static_cast<std::int32_t>(p));
    }
    if (c.samples()) logit_rows_.push_back(static_cast<std::int32_t>(batch_tokens_.size() - 1));
    RequestState& st = *c.seq->owner->request;
    if (st.timings.first_scheduled.time_since_epoch().count() == 0) st.timings.first_scheduled = t0;
  }
  const auto vocab = static_cast<std::size_t>(model_->config().vocab_size);
  logits_.resize(logit_rows_.size() * vocab);
  const ForwardBatch batch{batch_tokens_, batch_seq_, batch_positions_, batch_tables_, static_cast<int>(max_blocks),
                           logit_rows_};
  Status st = model_->forward(*ctx_, batch, *cache_, logits_.data());
  if (!st.ok()) {
    // A bug, not bad input (requests were checked at submit): fail what ran.
    spdlog::error("engine: forward step failed: {}", st.to_string());
    for (const auto& c : plan.chunks) {
      RequestState& rs = *c.seq->owner->request;
      finish_request(rs, FinishReason::kError, make_error(ErrorCode::kInternal, "the model step failed"));
    }
    publish_stats(&plan, 0);
    return;
  }
  scheduler_.commit(plan);

  const auto now = EngineClock::now();
  std::size_t row = 0;
  std::uint64_t generated = 0;
  std::vector<RequestState*> touched, beam_touched;
  // The choices that sample this step, with their logits rows: gathered
  // first (forks for n > 1 made here), sampled in parallel (each choice's
  // sampler has its own state and RNG, and a full-vocabulary softmax per
  // choice on this thread alone kept the pool idle: ~4% of a 16-stream
  // step), then advanced in order.
  sample_choices_.clear();
  sample_rows_.clear();
  for (const auto& chunk : plan.chunks) {
    if (!chunk.samples()) continue;
    const std::span<const float> logits(logits_.data() + row++ * vocab, vocab);
    ChoiceState& c = *chunk.seq->owner;
    RequestState& rs = *c.request;
    if (rs.beam) {
      beam_collect(c, logits);
      if (std::find(beam_touched.begin(), beam_touched.end(), &rs) == beam_touched.end()) beam_touched.push_back(&rs);
      continue;
    }
    std::vector<ChoiceState*> to_sample{&c};
    // n > 1: the other choices fork from choice 0 once its prompt is in the
    // cache, sharing its blocks (copy-on-write) and these logits.
    if (!rs.forked) {
      rs.forked = true;
      const int n = rs.request.sampling.n;
      c.seq.slots = 1;
      for (int i = 1; i < n; ++i) {
        rs.choices.push_back(fork_choice(c, i));
        to_sample.push_back(rs.choices.back().get());
      }
    }
    for (ChoiceState* choice : to_sample) {
      sample_choices_.push_back(choice);
      sample_rows_.push_back(logits);
    }
  }
  sampled_.resize(sample_choices_.size());
  ctx_->parallel_for(static_cast<std::int64_t>(sample_choices_.size()), 1, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; ++i) {
      const auto k = static_cast<std::size_t>(i);
      sampled_[k] = sample_choices_[k]->sampler->sample(sample_rows_[k]);
    }
  });
  for (std::size_t k = 0; k < sample_choices_.size(); ++k) {
    ChoiceState* choice = sample_choices_[k];
    RequestState& rs = *choice->request;
    advance_choice(*choice, std::move(sampled_[k]), max_model_len_, now);
    ++generated;
    if (choice->finish != FinishReason::kNone) {
      scheduler_.remove(&choice->seq);
      ++rs.finished_choices;
    }
    if (std::find(touched.begin(), touched.end(), &rs) == touched.end()) touched.push_back(&rs);
  }
  for (RequestState* rs : beam_touched) {
    const int before = rs->completion_tokens;
    beam_expand(*rs);
    generated += static_cast<std::uint64_t>(rs->completion_tokens - before);
  }
  for (RequestState* rs : touched) {
    if (rs->finished_choices == rs->request.sampling.n) {
      finish_request(*rs, rs->choices.back()->finish, {});
    } else {
      emit(*rs);
    }
  }
  {
    std::lock_guard lock(mutex_);
    stats_.generation_tokens += generated;
  }
  publish_stats(&plan, std::chrono::duration<double>(EngineClock::now() - t0).count());
}

void Engine::Impl::publish_stats(const StepPlan* plan, double seconds) {
  int waiting_new = 0;
  std::int64_t waiting_new_tokens = 0;
  for (const Sequence* s : scheduler_.waiting()) {
    if (!s->admitted_once) {
      ++waiting_new;
      waiting_new_tokens += s->num_tokens();
    }
  }
  const auto& pool = blocks_.pool();
  std::lock_guard lock(mutex_);
  // Admission limits count requests not yet started: those still in incoming_
  // plus the never-admitted waiting ones.
  queued_requests_ = static_cast<int>(incoming_.size()) + waiting_new;
  queued_tokens_ = waiting_new_tokens;
  for (const auto& [request, sink] : incoming_) queued_tokens_ += static_cast<std::int64_t>(request.prompt.size());
  stats_.running = scheduler_.n_running();
  stats_.waiting = scheduler_.n_waiting();
  stats_.waiting_prompt_tokens = scheduler_.waiting_tokens();
  stats_.blocks_used = pool.n_used();
  stats_.blocks_cached = pool.n_evictable();
  if (plan == nullptr || plan->empty()) return;
  ++stats_.steps;
  stats_.computed_prompt_tokens += static_cast<std::uint64_t>(plan->prefill_tokens);
  stats_.prefix_cache_queries += static_cast<std::uint64_t>(plan->prefix_query_tokens);
  stats_.prefix_cache_hits += static_cast<std::uint64_t>(plan->prefix_hit_tokens);
  stats_.preemptions += plan->preempted.size();
  stats_.last_step = StepStats{static_cast<int>(plan->chunks.size()), static_cast<int>(plan->prefill_tokens),
                               static_cast<int>(plan->decode_tokens), seconds};
  stats_.engine_step_seconds_total += seconds;
}

}  // namespace servir
