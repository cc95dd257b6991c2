// KL divergence of a run's next-token distributions from a base run's
// (servir perplexity --kl-base), llama.cpp's --kl-divergence in spirit:
// per scored position KL(base || this) = sum_v p_base(v) (log p_base(v) -
// log p_this(v)), whether both put their most likely token on the same id
// (top-1 agreement), and the perplexity of each on the scored tokens.
//
// Both rows come from `log_probs` (computed in double, kept as f32 as the
// file keeps them), so two identical runs give KL 0 and 100% agreement
// exactly.
#pragma once

#include <cstdint>
#include <vector>

namespace servir::app {

// The log-softmax of `logits`, computed in double.
void log_probs(const float* logits, std::int64_t vocab, float* out);

struct KlSummary {
  std::int64_t positions = 0;
  double mean_kl = 0, kl_stderr = 0;  // nats
  double max_kl = 0, median_kl = 0, p99_kl = 0;
  double top1_agreement = 0, top1_stderr = 0;  // fractions
  double base_ppl = 0, base_ppl_stderr = 0;
  double ppl = 0, ppl_stderr = 0;
};

class KlAccumulator {
 public:
  // One scored position: the base and this run's log-probs over the vocab
  // and the token that came next.
  void add(const float* base_log_probs, const float* log_probs, std::int64_t vocab, std::int32_t target);
  KlSummary summary() const;

 private:
  std::vector<double> kl_;
  double base_nll_ = 0, base_nll_sq_ = 0, nll_ = 0, nll_sq_ = 0;
  std::int64_t agree_ = 0;
};

}  // namespace servir::app
