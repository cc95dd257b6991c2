#include "engine/sampler.h"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace servir {

Status SamplingParams::validate() const {
  if (!(temperature >= 0.0f) || temperature > 100.0f) {
    return make_error(ErrorCode::kInvalidArgument, "temperature must be in [0, 100], got {}", temperature);
  }
  if (top_k < 0) return make_error(ErrorCode::kInvalidArgument, "top_k must be >= 0 (0 = off), got {}", top_k);
  if (!(top_p > 0.0f) || top_p > 1.0f) {
    return make_error(ErrorCode::kInvalidArgument, "top_p must be in (0, 1], got {}", top_p);
  }
  if (!(min_p >= 0.0f) || min_p > 1.0f) {
    return make_error(ErrorCode::kInvalidArgument, "min_p must be in [0, 1], got {}", min_p);
  }
  return {};
}

std::int32_t argmax(std::span<const float> logits) {
  return static_cast<std::int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
}

Sampler::Sampler(const SamplingParams& params)
    : params_(params),
      rng_state_(params.seed
                     ? *params.seed
                     : static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count())) {}

// splitmix64 -> a double in [0, 1): same stream on every platform.
double Sampler::next_uniform() {
  std::uint64_t z = (rng_state_ += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) * 0x1.0p-53;
}

std::int32_t Sampler::sample(std::span<const float> logits) {
  if (params_.temperature == 0.0f) return argmax(logits);

  // Stage 1: candidates, highest first (top_k bounds the sort).
  candidates_.clear();
  for (std::size_t i = 0; i < logits.size(); ++i) {
    candidates_.push_back({static_cast<std::int32_t>(i), logits[i], 0.0f});
  }
  auto by_logit = [](const Candidate& a, const Candidate& b) {
    return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
  };
  std::size_t keep = candidates_.size();
  if (params_.top_k > 0 && static_cast<std::size_t>(params_.top_k) < keep)
    keep = static_cast<std::size_t>(params_.top_k);
  std::partial_sort(candidates_.begin(), candidates_.begin() + static_cast<std::ptrdiff_t>(keep), candidates_.end(),
                    by_logit);
  candidates_.resize(keep);

  // Stage 2: temperature and softmax.
  const float inv_t = 1.0f / params_.temperature;
  const float top = candidates_.front().logit;
  double sum = 0;
  for (auto& c : candidates_) {
    c.p = std::exp((c.logit - top) * inv_t);
    sum += c.p;
  }
  for (auto& c : candidates_) c.p = static_cast<float>(c.p / sum);

  // Stage 3: min_p relative to the most likely token.
  if (params_.min_p > 0.0f) {
    const float floor = params_.min_p * candidates_.front().p;
    std::size_t n = 1;
    while (n < candidates_.size() && candidates_[n].p >= floor) ++n;
    candidates_.resize(n);
  }
  // Stage 4: top_p nucleus.
  if (params_.top_p < 1.0f) {
    double cumulative = 0;
    std::size_t n = 0;
    while (n < candidates_.size()) {
      cumulative += candidates_[n].p;
      ++n;
      if (cumulative >= params_.top_p) break;
    }
    candidates_.resize(n);
  }
  // Stage 5: draw from what is left (renormalized).
  double total = 0;
  for (const auto& c : candidates_) total += c.p;
  double r = next_uniform() * total;
  for (const auto& c : candidates_) {
    r -= c.p;
    if (r < 0) return c.id;
  }
  return candidates_.back().id;
}

}  // namespace servir
