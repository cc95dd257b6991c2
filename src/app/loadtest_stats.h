// Latency statistics for `servir loadtest`: percentiles and a summary.
// Header-only so the unit tests link it without the rest of the app.
#pragma once

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

namespace servir::app {

// The p-th percentile (0 <= p <= 100) of already sorted values, linearly
// interpolated between the closest ranks (numpy's default, so figures
// compare with vLLM's benchmark scripts). NaN for no values.
inline double percentile_of_sorted(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return std::nan("");
  p = std::clamp(p, 0.0, 100.0);
  const double rank = p / 100.0 * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(rank));
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  const double frac = rank - static_cast<double>(lo);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * frac;
}

struct LatencySummary {
  std::size_t count = 0;
  double mean = std::nan("");
  double p50 = std::nan("");
  double p90 = std::nan("");
  double p99 = std::nan("");
  double min = std::nan("");
  double max = std::nan("");
};

// Summarises values (any order; taken by value because it sorts them).
inline LatencySummary summarize(std::vector<double> values) {
  LatencySummary s;
  s.count = values.size();
  if (values.empty()) return s;
  std::sort(values.begin(), values.end());
  s.mean = std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
  s.p50 = percentile_of_sorted(values, 50);
  s.p90 = percentile_of_sorted(values, 90);
  s.p99 = percentile_of_sorted(values, 99);
  s.min = values.front();
  s.max = values.back();
  return s;
}

}  // namespace servir::app
