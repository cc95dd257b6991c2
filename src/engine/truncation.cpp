#include "engine/truncation.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace servir::sampling {
namespace {

constexpr std::size_t kFirstSortedPrefix = 64;

bool better(const Candidate& a, const Candidate& b) { return a.logit > b.logit || (a.logit == b.logit && a.id < b.id); }

}  // namespace

void CandidateSet::reset(std::span<const float> logits, float temperature) {
  items.resize(logits.size());  // no reallocation after the first row
  sorted = 0;
  constexpr float kMasked = -std::numeric_limits<float>::infinity();
  std::size_t n = 0;
  for (std::size_t i = 0; i < logits.size(); ++i) {
    if (logits[i] == kMasked) continue;
    items[n++] = {static_cast<std::int32_t>(i), logits[i] / temperature, 0.0f, 0.0f};
  }
  items.resize(n);
}

void CandidateSet::reset_top_k(std::span<const float> logits, std::size_t k, float temperature) {
  items.clear();
  // A heap ordered by better(), so its front is the worst kept candidate.
  // The scan goes up in id order: a new candidate equal to the worst loses.
  constexpr float kMasked = -std::numeric_limits<float>::infinity();
  for (std::size_t i = 0; i < logits.size(); ++i) {
    if (logits[i] == kMasked) continue;
    const float scaled = logits[i] / temperature;
    if (items.size() == k) {
      if (!(scaled > items.front().logit)) continue;
      std::pop_heap(items.begin(), items.end(), better);
      items.back() = {static_cast<std::int32_t>(i), scaled, 0.0f, 0.0f};
    } else {
      items.push_back({static_cast<std::int32_t>(i), scaled, 0.0f, 0.0f});
    }
    std::push_heap(items.begin(), items.end(), better);
  }
  std::sort(items.begin(), items.end(), better);
  sorted = items.size();
}

void CandidateSet::sort_prefix(std::size_t n) {
  if (n <= sorted) return;
  const auto first = items.begin() + static_cast<std::ptrdiff_t>(sorted);
  const auto mid = items.begin() + static_cast<std::ptrdiff_t>(n);
  // Everything past `sorted` ranks below items[0, sorted), so only the rest
  // needs selecting.
  if (n < items.size()) std::nth_element(first, mid, items.end(), better);
  std::sort(first, mid, better);
  sorted = n;
}

void CandidateSet::softmax() {
  if (items.empty()) return;
  float max = items.front().logit;
  if (sorted == 0) {
    for (const Candidate& c : items) max = std::max(max, c.logit);
  }
  double sum = 0;
  for (Candidate& c : items) {
    c.p = std::exp(c.logit - max);
    sum += c.p;
  }
  const double scale = 1.0 / sum;
  for (Candidate& c : items) c.p = static_cast<float>(c.p * scale);
}

void CandidateSet::normalize() {
  double sum = 0;
  for (const Candidate& c : items) sum += c.p;
  if (sum <= 0) return;
  for (Candidate& c : items) c.p = static_cast<float>(c.p / sum);
}

void keep_top_k(CandidateSet& set, int k) {
  if (k <= 0 || static_cast<std::size_t>(k) >= set.size()) return;
  set.sort_prefix(static_cast<std::size_t>(k));
  set.items.resize(static_cast<std::size_t>(k));
  set.normalize();
}

namespace {

// Drops tokens that cannot be in the top_p nucleus, without sorting: buckets
// of logit distance below the best; the nucleus ends inside the first bucket
// where the mass reaches top_p, and everything in later buckets ranks below
// it. Leaves the survivors unsorted.
void drop_below_nucleus(CandidateSet& set, float top_p) {
  constexpr int kBuckets = 64;
  constexpr float kBucketsPerUnit = 4.0f;  // logit units (after temperature)
  float max = -std::numeric_limits<float>::infinity();
  for (const Candidate& c : set.items) max = std::max(max, c.logit);
  const auto bucket_of = [&](const Candidate& c) {
    const float d = (max - c.logit) * kBucketsPerUnit;
    return d < static_cast<float>(kBuckets - 1) ? static_cast<int>(d) : kBuckets - 1;
  };
  double mass[kBuckets] = {};
  for (const Candidate& c : set.items) mass[bucket_of(c)] += c.p;
  int last = 0;
  double cumulative = mass[0];
  // A margin keeps rounding (this sum and keep_top_p's run in different
  // orders) from ending one bucket too early.
  while (last < kBuckets - 1 && cumulative < static_cast<double>(top_p) + 1e-6) cumulative += mass[++last];
  if (last == kBuckets - 1) return;
  std::erase_if(set.items, [&](const Candidate& c) { return bucket_of(c) > last; });
}

}  // namespace

void keep_top_p(CandidateSet& set, float top_p) {
  if (top_p >= 1.0f || set.size() <= 1) return;
  if (set.sorted < set.size() && set.size() > 4 * kFirstSortedPrefix) {
    set.sorted = 0;
    drop_below_nucleus(set, top_p);
  }
  double cumulative = 0;
  std::size_t keep = 0;
  while (keep < set.size()) {
    if (keep == set.sorted) set.sort_prefix(std::min(set.size(), std::max(kFirstSortedPrefix, 2 * set.sorted)));
    cumulative += set.items[keep].p;
    ++keep;
    if (cumulative >= top_p) break;
  }
  // The kept prefix is sorted; whatever follows it goes.
  set.items.resize(keep);
  set.sorted = keep;
  set.normalize();
}

void keep_min_p(CandidateSet& set, float min_p) {
  if (min_p <= 0.0f || set.size() <= 1) return;
  float max_p = 0.0f;
  for (const Candidate& c : set.items) max_p = std::max(max_p, c.p);
  const float floor = min_p * max_p;
  // The best-first prefix loses a tail, and remove_if keeps relative order:
  // the set stays either in id order or sorted.
  std::size_t sorted_kept = 0;
  while (sorted_kept < set.sorted && set.items[sorted_kept].p >= floor) ++sorted_kept;
  std::erase_if(set.items, [floor](const Candidate& c) { return c.p < floor; });
  set.sorted = std::min(sorted_kept, set.size());
  set.normalize();
}

void keep_typical(CandidateSet& set, float mass) {
  if (mass >= 1.0f || set.size() <= 1) return;
  // Keep the tokens whose surprisal is closest to the entropy, in that order,
  // until they hold `mass`.
  double entropy = 0;
  for (const Candidate& c : set.items) {
    if (c.p > 0.0f) entropy -= static_cast<double>(c.p) * std::log(static_cast<double>(c.p));
  }
  for (Candidate& c : set.items) {
    c.key = c.p > 0.0f ? static_cast<float>(std::abs(-std::log(static_cast<double>(c.p)) - entropy))
                       : std::numeric_limits<float>::infinity();
  }
  std::sort(set.items.begin(), set.items.end(),
            [](const Candidate& a, const Candidate& b) { return a.key < b.key || (a.key == b.key && a.id < b.id); });
  double cumulative = 0;
  std::size_t keep = 0;
  while (keep < set.size()) {
    cumulative += set.items[keep].p;
    ++keep;
    if (cumulative >= mass) break;
  }
  set.items.resize(keep);
  set.sorted = 0;
  set.normalize();
}

std::int32_t draw(const CandidateSet& set, double u) {
  double total = 0;
  for (const Candidate& c : set.items) total += c.p;
  double r = u * total;
  std::int32_t last_possible = set.items.empty() ? -1 : set.items.front().id;
  for (const Candidate& c : set.items) {
    if (c.p <= 0.0f) continue;
    last_possible = c.id;
    r -= c.p;
    if (r < 0) return c.id;
  }
  return last_possible;  // rounding left r at or just above zero
}

}  // namespace servir::sampling
