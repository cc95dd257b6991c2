// The truncation stages of the sampler: after the logits processors and
// temperature, each stage narrows the set of tokens that may still be drawn
// (top_k, top_p, min_p, typical_p), then draw() picks one.
//
// Order of the set, which draw() walks: it is either in id order (as built,
// when no stage had to sort) or fully sorted best first (logit descending,
// ties to the lower id; typical_p: by its own key). Both are defined by the
// values alone, never by how a standard library implements nth_element, so a
// seeded draw picks the same token everywhere.
//
// Cost: building is one pass over the vocabulary (with top_k, a pass that
// keeps only the k best); top_p first drops, by a histogram of probabilities,
// the tokens that cannot be in the nucleus, then sorts a prefix that grows as
// needed; min_p is one pass; typical_p sorts what is left (set top_k to bound
// it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

// In their own namespace: `Candidate` is too common a word for servir::.
namespace servir::sampling {

struct Candidate {
  std::int32_t id;
  float logit;  // after the processors, divided by the temperature
  float p;      // probability within the set (after softmax())
  float key;    // scratch for stages that order by something else
};

struct CandidateSet {
  std::vector<Candidate> items;  // reused across calls: no allocation per token
  std::size_t sorted = 0;        // items[0, sorted) are the best, in order

  // Every token whose logit is not -inf (masked ones cannot be drawn), with
  // logit / temperature, in id order.
  void reset(std::span<const float> logits, float temperature);
  // The same set cut to its k best, sorted, in one pass with a k-sized heap
  // (top_k without materializing the vocabulary). k >= 1.
  void reset_top_k(std::span<const float> logits, std::size_t k, float temperature);
  // Makes items[0, n) the n best, in order (n <= size()).
  void sort_prefix(std::size_t n);
  // Probabilities over the set, summing to one.
  void softmax();
  void normalize();
  std::size_t size() const { return items.size(); }
};

// Each stage leaves the probabilities normalized and keeps at least one token.
void keep_top_k(CandidateSet& set, int k);         // the k highest logits; k <= 0: all
void keep_top_p(CandidateSet& set, float top_p);   // smallest best-first prefix with mass >= top_p
void keep_min_p(CandidateSet& set, float min_p);   // p >= min_p * max p
void keep_typical(CandidateSet& set, float mass);  // locally typical sampling (Meister et al.)

// Picks a token with probability proportional to p; u is uniform in [0, 1).
std::int32_t draw(const CandidateSet& set, double u);

}  // namespace servir::sampling
