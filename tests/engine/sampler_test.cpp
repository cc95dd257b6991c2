#include "engine/sampler.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <numeric>
#include <random>
#include <set>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace servir {
namespace {

using sampling::Candidate;
using sampling::CandidateSet;
using sampling::keep_top_p;
using ::testing::HasSubstr;

constexpr std::int32_t kEos = 3;
const std::vector<std::int32_t> kNoTokens;
const std::vector<std::int32_t> kEosIds = {kEos};

std::vector<float> logits_of(const std::vector<double>& probabilities) {
  std::vector<float> out;
  for (const double p : probabilities) out.push_back(static_cast<float>(std::log(p)));
  return out;
}

// How often each token comes out of `draws` samples (nothing accepted).
std::map<std::int32_t, int> histogram(Sampler& sampler, const std::vector<float>& logits, int draws) {
  std::map<std::int32_t, int> counts;
  for (int i = 0; i < draws; ++i) ++counts[sampler.sample(logits).token];
  return counts;
}

std::vector<double> softmax_reference(const std::vector<float>& logits, double temperature) {
  double max = -INFINITY;
  for (const float l : logits) max = std::max(max, static_cast<double>(l) / temperature);
  std::vector<double> p;
  double sum = 0;
  for (const float l : logits) {
    p.push_back(std::exp(static_cast<double>(l) / temperature - max));
    sum += p.back();
  }
  for (double& x : p) x /= sum;
  return p;
}

// Observed frequencies within 5 binomial standard deviations of `expected`
// (with fixed seeds the draws are deterministic, so this cannot flake; it
// would catch any distribution off by more than ~1-2 points).
void expect_frequencies(const std::map<std::int32_t, int>& counts, const std::vector<double>& expected, int draws) {
  for (std::size_t id = 0; id < expected.size(); ++id) {
    const auto it = counts.find(static_cast<std::int32_t>(id));
    const double observed = it == counts.end() ? 0.0 : static_cast<double>(it->second) / draws;
    const double p = expected[id];
    const double sigma = std::sqrt(p * (1 - p) / draws);
    EXPECT_NEAR(observed, p, 5 * sigma + 1e-12) << "token " << id;
  }
}

TEST(Sampler, GreedyTakesTheLowestIdAmongEqualMaxima) {
  SamplingParams p{.temperature = 0.0f};
  Sampler sampler(p, kNoTokens, kNoTokens, 1);
  const std::vector<float> logits = {1.0f, 3.0f, 3.0f, 2.0f};
  EXPECT_EQ(sampler.sample(logits).token, 1);
  EXPECT_EQ(argmax(logits), 1);
}

TEST(Sampler, GreedyIgnoresTruncationOptions) {
  SamplingParams p{.temperature = 0.0f, .top_k = 2, .top_p = 0.1f, .min_p = 0.9f, .typical_p = 0.1f};
  Sampler sampler(p, kNoTokens, kNoTokens, 1);
  EXPECT_EQ(sampler.sample(logits_of({0.1, 0.6, 0.3})).token, 1);
}

TEST(Sampler, TopKNeverDrawsBeyondK) {
  SamplingParams p{.temperature = 1.0f, .top_k = 2};
  Sampler sampler(p, kNoTokens, kNoTokens, 42);
  const auto counts = histogram(sampler, logits_of({0.40, 0.25, 0.35}), 2000);
  EXPECT_EQ(counts.count(1), 0u);
  // The two kept tokens, renormalized: 0.40 / 0.75 and 0.35 / 0.75.
  expect_frequencies(counts, {0.40 / 0.75, 0.0, 0.35 / 0.75}, 2000);
}

TEST(Sampler, TopKOneIsArgmaxOnALargeVocabulary) {
  std::mt19937 rng(3);
  std::normal_distribution<float> normal(0.0f, 3.0f);
  std::vector<float> logits(150000);
  SamplingParams p{.temperature = 1.5f, .top_k = 1};
  Sampler sampler(p, kNoTokens, kNoTokens, 9);
  for (int row = 0; row < 5; ++row) {
    for (float& l : logits) l = normal(rng);
    EXPECT_EQ(sampler.sample(logits).token, argmax(logits));
  }
}

TEST(Sampler, TopPKeepsTheSmallestNucleus) {
  // Sorted masses 0.5, 0.8, 0.95, 1.0: top_p 0.75 keeps tokens {2, 0}.
  SamplingParams p{.temperature = 1.0f, .top_p = 0.75f};
  Sampler sampler(p, kNoTokens, kNoTokens, 5);
  const auto counts = histogram(sampler, logits_of({0.3, 0.05, 0.5, 0.15}), 4000);
  EXPECT_EQ(counts.count(1), 0u);
  EXPECT_EQ(counts.count(3), 0u);
  expect_frequencies(counts, {0.3 / 0.8, 0.0, 0.5 / 0.8, 0.0}, 4000);
}

TEST(Sampler, MinPDropsTokensBelowTheFractionOfTheTop) {
  // min_p 0.2 of the top 0.5 is 0.1: 0.05 goes, 0.15 stays.
  SamplingParams p{.temperature = 1.0f, .min_p = 0.2f};
  Sampler sampler(p, kNoTokens, kNoTokens, 6);
  const auto counts = histogram(sampler, logits_of({0.5, 0.3, 0.15, 0.05}), 4000);
  EXPECT_EQ(counts.count(3), 0u);
  expect_frequencies(counts, {0.5 / 0.95, 0.3 / 0.95, 0.15 / 0.95, 0.0}, 4000);
}

TEST(Sampler, TypicalPKeepsTheTokensClosestToTheEntropy) {
  // p = {0.5, 0.3, 0.15, 0.05}: entropy H = 1.1422 nats; surprisals
  // -ln p = 0.693, 1.204, 1.897, 2.996; |surprisal - H| = 0.449, 0.062,
  // 0.755, 1.854. Typical order: 1, 0, 2, 3 with cumulative mass 0.3, 0.8,
  // 0.95, 1.0.
  const auto logits = logits_of({0.5, 0.3, 0.15, 0.05});
  {
    // 0.25: token 1 alone, though token 0 is the most likely.
    SamplingParams p{.temperature = 1.0f, .typical_p = 0.25f};
    Sampler sampler(p, kNoTokens, kNoTokens, 7);
    const auto counts = histogram(sampler, logits, 500);
    EXPECT_EQ(counts.size(), 1u);
    EXPECT_EQ(counts.count(1), 1u);
  }
  {
    SamplingParams p{.temperature = 1.0f, .typical_p = 0.9f};
    Sampler sampler(p, kNoTokens, kNoTokens, 8);
    const auto counts = histogram(sampler, logits, 4000);
    EXPECT_EQ(counts.count(3), 0u);
    expect_frequencies(counts, {0.5 / 0.95, 0.3 / 0.95, 0.15 / 0.95, 0.0}, 4000);
  }
}

TEST(Sampler, TemperatureFrequenciesMatchTheSoftmax) {
  const std::vector<float> logits = {1.0f, 0.5f, 0.0f, -1.0f, 2.0f};
  for (const float temperature : {0.5f, 1.0f, 2.5f}) {
    SamplingParams p{.temperature = temperature};
    Sampler sampler(p, kNoTokens, kNoTokens, 11);
    constexpr int kDraws = 20000;
    const auto counts = histogram(sampler, logits, kDraws);
    SCOPED_TRACE(temperature);
    expect_frequencies(counts, softmax_reference(logits, temperature), kDraws);
  }
}

TEST(Sampler, StagesCompose) {
  // top_k 3 keeps {0, 1, 2} (0.4, 0.3, 0.2 of 0.9); top_p 0.7 of that keeps
  // {0, 1} (0.444 + 0.333 = 0.778).
  SamplingParams p{.temperature = 1.0f, .top_k = 3, .top_p = 0.7f};
  Sampler sampler(p, kNoTokens, kNoTokens, 12);
  const auto counts = histogram(sampler, logits_of({0.4, 0.3, 0.2, 0.1}), 4000);
  EXPECT_EQ(counts.count(2), 0u);
  EXPECT_EQ(counts.count(3), 0u);
  expect_frequencies(counts, {0.4 / 0.7, 0.3 / 0.7, 0.0, 0.0}, 4000);
}

TEST(Truncation, TopPOnALargeSetMatchesAReferenceNucleus) {
  // 5000 distinct logits in shuffled id order: the nucleus needs far more
  // than the first sorted prefix, so the prefix has to grow.
  std::mt19937 rng(4);
  std::vector<float> logits(5000);
  for (std::size_t i = 0; i < logits.size(); ++i) logits[i] = -0.001f * static_cast<float>(i);
  std::shuffle(logits.begin(), logits.end(), rng);

  for (const float top_p : {0.3f, 0.6f, 0.9f}) {
    CandidateSet set;
    set.reset(logits, 1.0f);
    set.softmax();
    keep_top_p(set, top_p);

    const auto p = softmax_reference(logits, 1.0);
    std::vector<std::int32_t> order(logits.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](std::int32_t a, std::int32_t b) { return logits[a] > logits[b]; });
    std::vector<std::int32_t> expected;
    double cumulative = 0;
    for (const std::int32_t id : order) {
      expected.push_back(id);
      cumulative += p[static_cast<std::size_t>(id)];
      if (cumulative >= top_p) break;
    }
    std::vector<std::int32_t> kept;
    for (const Candidate& c : set.items) kept.push_back(c.id);
    // Float and double sums may disagree on the boundary token only.
    EXPECT_LE(std::abs(static_cast<long>(kept.size()) - static_cast<long>(expected.size())), 1) << top_p;
    const std::size_t common = std::min(kept.size(), expected.size());
    EXPECT_TRUE(std::equal(kept.begin(), kept.begin() + static_cast<long>(common), expected.begin())) << top_p;
    double mass = 0;
    for (const Candidate& c : set.items) mass += c.p;
    EXPECT_NEAR(mass, 1.0, 1e-5);
  }
}

TEST(Truncation, HeapTopKEqualsSortingEverything) {
  // Few distinct values (many ties) and masked tokens.
  std::mt19937 rng(10);
  std::vector<float> logits(3000);
  for (float& l : logits) l = rng() % 7 == 0 ? -INFINITY : static_cast<float>(rng() % 50) * 0.5f;
  for (const int k : {1, 7, 100, 2999}) {
    CandidateSet heap;
    heap.reset_top_k(logits, static_cast<std::size_t>(k), 0.7f);
    CandidateSet full;
    full.reset(logits, 0.7f);
    full.sort_prefix(full.size());
    full.items.resize(std::min<std::size_t>(full.size(), static_cast<std::size_t>(k)));
    ASSERT_EQ(heap.size(), full.size()) << k;
    for (std::size_t i = 0; i < heap.size(); ++i) {
      EXPECT_EQ(heap.items[i].id, full.items[i].id) << k << " at " << i;
      EXPECT_EQ(heap.items[i].logit, full.items[i].logit);
    }
  }
}

TEST(LogitsProcessors, RepetitionPenaltyDividesPositiveAndMultipliesNegative) {
  std::vector<float> logits = {2.0f, -1.0f, 0.5f, 3.0f};
  const std::vector<std::int32_t> tokens = {0, 1, 99};  // 99: outside the row, ignored
  apply_repetition_penalty(logits, tokens, 1.5f);
  EXPECT_FLOAT_EQ(logits[0], 2.0f / 1.5f);
  EXPECT_FLOAT_EQ(logits[1], -1.5f);
  EXPECT_FLOAT_EQ(logits[2], 0.5f);
  EXPECT_FLOAT_EQ(logits[3], 3.0f);
}

TEST(LogitsProcessors, PresenceAndFrequencyFollowTheOpenAIFormula) {
  std::vector<float> logits = {1.0f, 1.0f, 1.0f};
  const TokenCounts counts = {{0, 3}, {2, 1}};
  apply_presence_frequency_penalties(logits, counts, 0.5f, 0.25f);
  EXPECT_FLOAT_EQ(logits[0], 1.0f - (3 * 0.25f + 0.5f));
  EXPECT_FLOAT_EQ(logits[1], 1.0f);
  EXPECT_FLOAT_EQ(logits[2], 1.0f - (0.25f + 0.5f));
}

TEST(LogitsProcessors, LogitBiasAddsAndMaskSetsMinusInfinity) {
  std::vector<float> logits = {1.0f, 2.0f, 3.0f};
  const std::vector<std::pair<std::int32_t, float>> bias = {{0, 2.5f}, {2, -1.0f}};
  apply_logit_bias(logits, bias);
  EXPECT_FLOAT_EQ(logits[0], 3.5f);
  EXPECT_FLOAT_EQ(logits[2], 2.0f);
  const std::vector<std::int32_t> masked = {1};
  mask_tokens(logits, masked);
  EXPECT_EQ(logits[1], -INFINITY);
}

TEST(Sampler, RepetitionPenaltyCountsPromptAndOutputTokensOnce) {
  // Greedy between 2.0 and 1.7: token 0 penalized once (2 / 1.1 = 1.82) still
  // wins; penalized twice (1.65) it would lose. It is in the prompt (twice)
  // and in the output, and must be penalized once.
  const std::vector<float> logits = {2.0f, 1.7f};
  const std::vector<std::int32_t> prompt = {0, 0};
  SamplingParams p{.temperature = 0.0f, .repetition_penalty = 1.1f};
  Sampler sampler(p, prompt, kNoTokens, 1);
  EXPECT_EQ(sampler.sample(logits).token, 0);
  sampler.accept(0);
  sampler.accept(0);
  EXPECT_EQ(sampler.sample(logits).token, 0);

  // A stronger penalty flips it; output-only tokens count too.
  SamplingParams strong{.temperature = 0.0f, .repetition_penalty = 1.3f};
  Sampler from_prompt(strong, prompt, kNoTokens, 1);
  EXPECT_EQ(from_prompt.sample(logits).token, 1);
  Sampler from_output(strong, kNoTokens, kNoTokens, 1);
  EXPECT_EQ(from_output.sample(logits).token, 0);
  from_output.accept(0);
  EXPECT_EQ(from_output.sample(logits).token, 1);
}

TEST(Sampler, FrequencyAndPresencePenaltiesApplyToGeneratedTokensOnly) {
  const std::vector<float> logits = {1.0f, 0.0f};
  const std::vector<std::int32_t> prompt = {0, 0, 0};
  // Three occurrences x 0.3 = 0.9 < 1.0: token 0 still wins; x 0.4 = 1.2 loses.
  SamplingParams light{.temperature = 0.0f, .frequency_penalty = 0.3f};
  SamplingParams heavy{.temperature = 0.0f, .frequency_penalty = 0.4f};
  Sampler a(light, prompt, kNoTokens, 1);
  Sampler b(heavy, prompt, kNoTokens, 1);
  EXPECT_EQ(b.sample(logits).token, 0);  // the prompt does not count
  for (int i = 0; i < 3; ++i) {
    a.accept(0);
    b.accept(0);
  }
  EXPECT_EQ(a.sample(logits).token, 0);
  EXPECT_EQ(b.sample(logits).token, 1);

  // Presence: once, whatever the count. 0.9 keeps token 0 ahead, 1.1 does not.
  SamplingParams presence{.temperature = 0.0f, .presence_penalty = 1.1f};
  Sampler c(presence, prompt, kNoTokens, 1);
  EXPECT_EQ(c.sample(logits).token, 0);
  c.accept(0);
  EXPECT_EQ(c.sample(logits).token, 1);
  SamplingParams mild{.temperature = 0.0f, .presence_penalty = 0.9f};
  Sampler d(mild, prompt, kNoTokens, 1);
  for (int i = 0; i < 5; ++i) d.accept(0);
  EXPECT_EQ(d.sample(logits).token, 0);
}

TEST(Sampler, LogitBiasForcesAndBansTokens) {
  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0.0f, 2.0f);
  std::vector<float> logits(1000);
  SamplingParams force{.temperature = 1.0f, .logit_bias = {{7, 100.0f}}};
  Sampler forced(force, kNoTokens, kNoTokens, 13);
  for (int i = 0; i < 200; ++i) {
    for (float& l : logits) l = normal(rng);
    EXPECT_EQ(forced.sample(logits).token, 7);
  }
  // -100 on the only likely token of two leaves the other.
  SamplingParams ban{.temperature = 1.0f, .logit_bias = {{0, -100.0f}}};
  Sampler banned(ban, kNoTokens, kNoTokens, 14);
  const auto counts = histogram(banned, {5.0f, 0.0f}, 1000);
  EXPECT_EQ(counts.count(0), 0u);
}

TEST(Sampler, MinTokensMasksEosAndStopTokenIds) {
  const std::vector<float> logits = {0.0f, 1.0f, 8.0f, 9.0f};  // EOS (3) best, stop token 2 next
  SamplingParams p{.temperature = 0.0f, .min_tokens = 2, .stop_token_ids = {2}};
  Sampler sampler(p, kNoTokens, kEosIds, 1);
  EXPECT_EQ(sampler.sample(logits).token, 1);
  sampler.accept(1);
  EXPECT_EQ(sampler.sample(logits).token, 1);
  sampler.accept(1);
  EXPECT_EQ(sampler.sample(logits).token, kEos);  // two out: free again
  EXPECT_EQ(sampler.generated(), 2);

  // Sampling (not only greedy) never draws a masked token.
  SamplingParams hot{.temperature = 1.0f, .min_tokens = 1000, .stop_token_ids = {2}};
  Sampler drawn(hot, kNoTokens, kEosIds, 2);
  const auto counts = histogram(drawn, logits, 2000);
  EXPECT_EQ(counts.count(2), 0u);
  EXPECT_EQ(counts.count(kEos), 0u);
}

TEST(Sampler, IgnoreEosLeavesEosUnmaskedDuringMinTokens) {
  const std::vector<float> logits = {0.0f, 1.0f, 8.0f, 9.0f};
  SamplingParams p{.temperature = 0.0f, .min_tokens = 5, .ignore_eos = true, .stop_token_ids = {2}};
  Sampler sampler(p, kNoTokens, kEosIds, 1);
  EXPECT_EQ(sampler.sample(logits).token, kEos);  // an ordinary token now
  SamplingParams q = p;
  q.logit_bias = {{kEos, -100.0f}};
  Sampler other(q, kNoTokens, kEosIds, 1);
  EXPECT_EQ(other.sample(logits).token, 1);  // stop token 2 still masked
}

TEST(Sampler, SameSeedSameTokensDifferentSeedDifferentTokens) {
  std::mt19937 rng(6);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<std::vector<float>> rows(200, std::vector<float>(500));
  for (auto& row : rows) {
    for (float& l : row) l = normal(rng);
  }
  SamplingParams p{.temperature = 0.9f, .top_k = 50, .top_p = 0.95f, .min_p = 0.01f, .repetition_penalty = 1.2f};
  const auto run = [&](std::uint64_t seed) {
    Sampler sampler(p, kNoTokens, kEosIds, seed);
    std::vector<std::int32_t> tokens;
    for (const auto& row : rows) {
      tokens.push_back(sampler.sample(row).token);
      sampler.accept(tokens.back());
    }
    return tokens;
  };
  const auto first = run(1234);
  EXPECT_EQ(run(1234), first);
  EXPECT_NE(run(1235), first);
}

// log-softmax in double, written the obvious way.
std::vector<double> log_softmax_reference(const std::vector<float>& logits) {
  double max = -INFINITY;
  for (const float l : logits) max = std::max(max, static_cast<double>(l));
  double sum = 0;
  for (const float l : logits) sum += std::exp(static_cast<double>(l) - max);
  std::vector<double> out;
  for (const float l : logits) out.push_back(static_cast<double>(l) - max - std::log(sum));
  return out;
}

TEST(Sampler, LogprobsAreTheRawLogSoftmax) {
  std::mt19937 rng(8);
  std::normal_distribution<float> normal(0.0f, 4.0f);
  std::vector<float> logits(32000);
  for (float& l : logits) l = normal(rng);
  logits[100] = logits[200] = 30.0f;  // a tie for the top: lower id first
  const auto reference = log_softmax_reference(logits);

  // The bias and temperature change what is drawn, not the reported logprobs.
  SamplingParams p{.temperature = 0.7f, .logit_bias = {{5, 100.0f}}, .logprobs = true, .top_logprobs = 5};
  Sampler sampler(p, kNoTokens, kNoTokens, 15);
  const SampledToken t = sampler.sample(logits);
  EXPECT_EQ(t.token, 5);
  EXPECT_NEAR(t.logprob, reference[5], 1e-5);

  std::vector<std::int32_t> order(logits.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::int32_t a, std::int32_t b) { return logits[a] > logits[b]; });
  ASSERT_EQ(t.top.size(), 5u);
  EXPECT_EQ(t.top[0].first, 100);
  EXPECT_EQ(t.top[1].first, 200);
  for (std::size_t i = 0; i < t.top.size(); ++i) {
    EXPECT_EQ(t.top[i].first, order[i]);
    EXPECT_NEAR(t.top[i].second, reference[static_cast<std::size_t>(order[i])], 1e-5);
  }
}

TEST(Sampler, NoLogprobsUnlessAsked) {
  SamplingParams p{.temperature = 0.0f};
  Sampler sampler(p, kNoTokens, kNoTokens, 1);
  const SampledToken t = sampler.sample(logits_of({0.2, 0.8}));
  EXPECT_EQ(t.token, 1);
  EXPECT_EQ(t.logprob, 0.0f);
  EXPECT_TRUE(t.top.empty());

  SamplingParams only_logprob{.temperature = 0.0f, .logprobs = true};
  Sampler with(only_logprob, kNoTokens, kNoTokens, 1);
  const SampledToken u = with.sample(logits_of({0.2, 0.8}));
  EXPECT_NEAR(u.logprob, std::log(0.8), 1e-6);
  EXPECT_TRUE(u.top.empty());
}

TEST(Logprobs, TopLogprobsForBeamSearch) {
  const std::vector<float> logits = {0.0f, 2.0f, -1.0f, 2.0f, 1.0f};
  const auto reference = log_softmax_reference(logits);
  std::vector<std::pair<std::int32_t, float>> top;
  top_logprobs(logits, 3, top);
  ASSERT_EQ(top.size(), 3u);
  EXPECT_EQ(top[0].first, 1);
  EXPECT_EQ(top[1].first, 3);
  EXPECT_EQ(top[2].first, 4);
  for (const auto& [id, lp] : top) EXPECT_NEAR(lp, reference[static_cast<std::size_t>(id)], 1e-6);
  top_logprobs(logits, 10, top);  // more than the row: all of it
  EXPECT_EQ(top.size(), 5u);
  EXPECT_EQ(top.back().first, 2);
  top_logprobs(logits, 0, top);
  EXPECT_TRUE(top.empty());
  EXPECT_NEAR(log_sum_exp(logits), std::log(1 + 2 * std::exp(2.0) + std::exp(-1.0) + std::exp(1.0)), 1e-6);
}

// Each invalid value is refused with kInvalidArgument and a message naming
// the parameter as the OpenAI / vLLM API spells it.
constexpr std::int32_t kVocab = 1000;

TEST(SamplingParams, ValidateNamesTheParameter) {
  EXPECT_TRUE(SamplingParams{}.validate(kVocab).ok());
  struct Case {
    std::function<void(SamplingParams&)> set;
    const char* name;
  };
  const std::vector<Case> cases = {
      {[](SamplingParams& p) { p.temperature = -0.1f; }, "temperature"},
      {[](SamplingParams& p) { p.temperature = 101.0f; }, "temperature"},
      {[](SamplingParams& p) { p.temperature = NAN; }, "temperature"},
      {[](SamplingParams& p) { p.top_k = -2; }, "top_k"},
      {[](SamplingParams& p) { p.top_p = 0.0f; }, "top_p"},
      {[](SamplingParams& p) { p.top_p = 1.5f; }, "top_p"},
      {[](SamplingParams& p) { p.min_p = -0.1f; }, "min_p"},
      {[](SamplingParams& p) { p.min_p = 1.1f; }, "min_p"},
      {[](SamplingParams& p) { p.typical_p = 0.0f; }, "typical_p"},
      {[](SamplingParams& p) { p.repetition_penalty = 0.0f; }, "repetition_penalty"},
      {[](SamplingParams& p) { p.repetition_penalty = INFINITY; }, "repetition_penalty"},
      {[](SamplingParams& p) { p.presence_penalty = 2.5f; }, "presence_penalty"},
      {[](SamplingParams& p) { p.frequency_penalty = -2.5f; }, "frequency_penalty"},
      {[](SamplingParams& p) {
         p.logit_bias = {{5, 101.0f}};
       },
       "logit_bias"},
      {[](SamplingParams& p) {
         p.logit_bias = {{kVocab, 1.0f}};
       },
       "logit_bias"},
      {[](SamplingParams& p) {
         p.logit_bias = {{-1, 1.0f}};
       },
       "logit_bias"},
      {[](SamplingParams& p) { p.stop_token_ids = {kVocab}; }, "stop_token_ids"},
      {[](SamplingParams& p) { p.max_tokens = 0; }, "max_tokens"},
      {[](SamplingParams& p) { p.min_tokens = -1; }, "min_tokens"},
      {[](SamplingParams& p) { p.min_tokens = 17; }, "min_tokens"},  // > max_tokens (16)
      {[](SamplingParams& p) { p.stop = std::vector<std::string>(17, "x"); }, "stop"},
      {[](SamplingParams& p) { p.stop = {""}; }, "stop"},
      {[](SamplingParams& p) { p.stop = {std::string(257, 'x')}; }, "stop"},
      {[](SamplingParams& p) {
         p.top_logprobs = 21;
         p.logprobs = true;
       },
       "top_logprobs"},
      {[](SamplingParams& p) { p.top_logprobs = 2; }, "top_logprobs requires logprobs"},
      {[](SamplingParams& p) { p.n = 0; }, "n must"},
      {[](SamplingParams& p) { p.n = 129; }, "n must"},
      {[](SamplingParams& p) {
         p.n = 3;
         p.best_of = 2;
       },
       "best_of"},
      {[](SamplingParams& p) {
         p.n = 3;
         p.best_of = 2;
         p.use_beam_search = true;
       },
       "best_of"},
      {[](SamplingParams& p) { p.best_of = 129; }, "best_of"},
      {[](SamplingParams& p) { p.length_penalty = NAN; }, "length_penalty"},
  };
  for (const Case& c : cases) {
    SamplingParams p;
    c.set(p);
    const Status st = p.validate(kVocab);
    EXPECT_EQ(st.code(), ErrorCode::kInvalidArgument) << c.name;
    EXPECT_THAT(st.message(), HasSubstr(c.name));
  }
  // Boundaries that are allowed.
  SamplingParams edge;
  edge.temperature = 0.0f;
  edge.top_k = -1;
  edge.min_p = 1.0f;
  edge.presence_penalty = -2.0f;
  edge.frequency_penalty = 2.0f;
  edge.logit_bias = {{0, -100.0f}, {kVocab - 1, 100.0f}};
  edge.min_tokens = edge.max_tokens;
  edge.stop = std::vector<std::string>(16, std::string(256, 'x'));
  edge.logprobs = true;
  edge.top_logprobs = 20;
  edge.n = 4;
  edge.best_of = 4;
  EXPECT_TRUE(edge.validate(kVocab).ok()) << edge.validate(kVocab).message();
}

}  // namespace
}  // namespace servir
