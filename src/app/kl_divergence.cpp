#include "app/kl_divergence.h"

#include <algorithm>
#include <cmath>
#include <tuple>
#include <utility>

namespace servir::app {
namespace {

std::int64_t argmax(const float* row, std::int64_t n) { return std::max_element(row, row + n) - row; }

// Mean of a sample with the standard error of that mean.
std::pair<double, double> mean_and_stderr(double sum, double sum_sq, std::int64_t n) {
  const double mean = sum / static_cast<double>(n);
  const double variance = std::max(sum_sq / static_cast<double>(n) - mean * mean, 0.0);
  return {mean, n > 1 ? std::sqrt(variance / static_cast<double>(n - 1)) : 0.0};
}

}  // namespace

void log_probs(const float* logits, std::int64_t vocab, float* out) {
  const float max_logit = *std::max_element(logits, logits + vocab);
  double sum = 0;
  for (std::int64_t v = 0; v < vocab; ++v) sum += std::exp(static_cast<double>(logits[v] - max_logit));
  const double log_sum = std::log(sum);
  for (std::int64_t v = 0; v < vocab; ++v) {
    out[v] = static_cast<float>(static_cast<double>(logits[v] - max_logit) - log_sum);
  }
}

void KlAccumulator::add(const float* base_log_probs, const float* log_probs, std::int64_t vocab, std::int32_t target) {
  double kl = 0;
  for (std::int64_t v = 0; v < vocab; ++v) {
    const double lb = base_log_probs[v];
    kl += std::exp(lb) * (lb - static_cast<double>(log_probs[v]));
  }
  // Rounding can leave a hair below zero (the rows sum to 1 only to f32
  // precision); KL itself never is.
  kl_.push_back(std::max(kl, 0.0));
  if (argmax(base_log_probs, vocab) == argmax(log_probs, vocab)) ++agree_;
  const double b = -static_cast<double>(base_log_probs[target]), t = -static_cast<double>(log_probs[target]);
  base_nll_ += b;
  base_nll_sq_ += b * b;
  nll_ += t;
  nll_sq_ += t * t;
}

KlSummary KlAccumulator::summary() const {
  KlSummary s;
  const auto n = static_cast<std::int64_t>(kl_.size());
  s.positions = n;
  if (n == 0) return s;
  double sum = 0, sum_sq = 0;
  for (double k : kl_) {
    sum += k;
    sum_sq += k * k;
  }
  std::tie(s.mean_kl, s.kl_stderr) = mean_and_stderr(sum, sum_sq, n);
  std::vector<double> sorted = kl_;
  std::sort(sorted.begin(), sorted.end());
  s.max_kl = sorted.back();
  s.median_kl = sorted[static_cast<std::size_t>(n / 2)];
  s.p99_kl = sorted[static_cast<std::size_t>(std::min<std::int64_t>(n - 1, n * 99 / 100))];
  s.top1_agreement = static_cast<double>(agree_) / static_cast<double>(n);
  s.top1_stderr = n > 1 ? std::sqrt(s.top1_agreement * (1 - s.top1_agreement) / static_cast<double>(n - 1)) : 0;
  // PPL = exp(mean NLL), its error carried through exp as perplexity prints it.
  const auto [base_mean, base_err] = mean_and_stderr(base_nll_, base_nll_sq_, n);
  const auto [mean, err] = mean_and_stderr(nll_, nll_sq_, n);
  s.base_ppl = std::exp(base_mean);
  s.base_ppl_stderr = s.base_ppl * base_err;
  s.ppl = std::exp(mean);
  s.ppl_stderr = s.ppl * err;
  return s;
}

}  // namespace servir::app
