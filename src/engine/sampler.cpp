#include "engine/sampler.h"
#include "util/splitmix.h"

#include <algorithm>

namespace servir {

using sampling::draw;
using sampling::keep_min_p;
using sampling::keep_top_k;
using sampling::keep_top_p;
using sampling::keep_typical;

std::int32_t argmax(std::span<const float> logits) {
  return static_cast<std::int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
}

Sampler::Sampler(const SamplingParams& params, std::span<const std::int32_t> prompt,
                 std::span<const std::int32_t> eos_ids, std::uint64_t seed)
    : params_(params), rng_state_(seed) {
  masked_until_min_tokens_.assign(params.stop_token_ids.begin(), params.stop_token_ids.end());
  if (!params.ignore_eos)
    masked_until_min_tokens_.insert(masked_until_min_tokens_.end(), eos_ids.begin(), eos_ids.end());
  if (params.repetition_penalty != 1.0f) {
    penalized_.assign(prompt.begin(), prompt.end());
    std::sort(penalized_.begin(), penalized_.end());
    penalized_.erase(std::unique(penalized_.begin(), penalized_.end()), penalized_.end());
    prompt_penalized_ = penalized_.size();
  }
}

// splitmix64 -> a double in [0, 1): the same stream on every platform.
double Sampler::next_uniform() {
  const std::uint64_t z = splitmix64_next(rng_state_);
  return static_cast<double>(z >> 11) * 0x1.0p-53;
}

void Sampler::accept(std::int32_t token) {
  ++generated_;
  const int seen = counts_[token]++;
  if (seen == 0 && params_.repetition_penalty != 1.0f) {
    const auto prompt_end = penalized_.begin() + static_cast<std::ptrdiff_t>(prompt_penalized_);
    if (!std::binary_search(penalized_.begin(), prompt_end, token)) penalized_.push_back(token);
  }
}

std::span<const float> Sampler::process(std::span<const float> logits) {
  const bool bias = !params_.logit_bias.empty();
  const bool repetition = params_.repetition_penalty != 1.0f && !penalized_.empty();
  const bool presence_frequency =
      (params_.presence_penalty != 0.0f || params_.frequency_penalty != 0.0f) && !counts_.empty();
  const bool mask = generated_ < params_.min_tokens && !masked_until_min_tokens_.empty();
  if (!bias && !repetition && !presence_frequency && !mask) return logits;

  work_.assign(logits.begin(), logits.end());
  if (bias) apply_logit_bias(work_, params_.logit_bias);
  if (repetition) apply_repetition_penalty(work_, penalized_, params_.repetition_penalty);
  if (presence_frequency) {
    apply_presence_frequency_penalties(work_, counts_, params_.presence_penalty, params_.frequency_penalty);
  }
  if (mask) mask_tokens(work_, masked_until_min_tokens_);
  return work_;
}

SampledToken Sampler::sample(std::span<const float> logits) {
  SampledToken out;
  const std::span<const float> processed = process(logits);
  if (params_.temperature == 0.0f) {
    out.token = argmax(processed);
  } else {
    if (params_.top_k > 0 && static_cast<std::size_t>(params_.top_k) < processed.size()) {
      candidates_.reset_top_k(processed, static_cast<std::size_t>(params_.top_k), params_.temperature);
    } else {
      candidates_.reset(processed, params_.temperature);
    }
    if (candidates_.size() == 0) {
      out.token = argmax(processed);  // everything masked: nothing better to do
    } else {
      keep_top_k(candidates_, params_.top_k);
      candidates_.softmax();
      keep_top_p(candidates_, params_.top_p);
      keep_min_p(candidates_, params_.min_p);
      keep_typical(candidates_, params_.typical_p);
      out.token = draw(candidates_, next_uniform());
    }
  }
  if (params_.logprobs) {
    const double normalizer = log_sum_exp(logits);
    out.logprob = static_cast<float>(static_cast<double>(logits[static_cast<std::size_t>(out.token)]) - normalizer);
    if (params_.top_logprobs > 0) top_logprobs(logits, params_.top_logprobs, normalizer, out.top);
  }
  return out;
}

}  // namespace servir
