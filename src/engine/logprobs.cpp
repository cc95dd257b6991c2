#include "engine/logprobs.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace servir {

double log_sum_exp(std::span<const float> logits) {
  float max = -std::numeric_limits<float>::infinity();
  for (const float l : logits) max = std::max(max, l);
  if (max == -std::numeric_limits<float>::infinity()) return max;
  // expf is accurate to an ulp or so; the double sum keeps 150k terms from
  // losing the small ones.
  double sum = 0;
  for (const float l : logits) sum += std::exp(l - max);
  return static_cast<double>(max) + std::log(sum);
}

void top_logprobs(std::span<const float> logits, int k, std::vector<std::pair<std::int32_t, float>>& out) {
  top_logprobs(logits, k, log_sum_exp(logits), out);
}

void top_logprobs(std::span<const float> logits, int k, double log_normalizer,
                  std::vector<std::pair<std::int32_t, float>>& out) {
  out.clear();
  const std::size_t want = std::min(static_cast<std::size_t>(std::max(k, 0)), logits.size());
  if (want == 0) return;
  // A sorted list of the best `want` seen so far (raw logits for now). The row
  // is scanned in id order, so a later equal logit never displaces an earlier
  // one: ties go to the lower id.
  out.reserve(want);
  for (std::size_t i = 0; i < logits.size(); ++i) {
    const float l = logits[i];
    if (out.size() == want && !(l > out.back().second)) continue;
    if (out.size() == want) out.pop_back();
    auto at = std::upper_bound(out.begin(), out.end(), l,
                               [](float value, const std::pair<std::int32_t, float>& e) { return value > e.second; });
    out.insert(at, {static_cast<std::int32_t>(i), l});
  }
  for (auto& [id, value] : out) value = static_cast<float>(static_cast<double>(value) - log_normalizer);
}

}  // namespace servir
