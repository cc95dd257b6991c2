// Randomized invariants of the scheduler + block manager: random arrivals,
// lengths, priorities, n > 1 forks and cancellations over a tiny pool that
// forces preemption. After every step each block's reference count equals
// the number of live sequences holding it; every request finishes exactly
// once with exactly max_tokens tokens per choice (unless cancelled); when
// idle the pool is whole again.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <random>
#include <set>

#include "engine/scheduler.h"

namespace servir {
namespace {

struct StressCase {
  std::uint64_t seed;
  bool prefix_caching;
};

class SchedulerStress : public ::testing::TestWithParam<StressCase> {};

TEST_P(SchedulerStress, NoLeaksNoLostRequestsUnderRandomLoad) {
  const StressCase param = GetParam();
  constexpr int kBlockSize = 4;
  constexpr std::int64_t kBlocks = 24;  // any one request (<= 70 tokens) fits alone
  KvBlockManager blocks(kBlocks, kBlockSize, param.prefix_caching);
  Scheduler scheduler({.max_num_seqs = 6, .max_num_batched_tokens = 24}, blocks);
  std::mt19937_64 rng(param.seed);
  auto uniform = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };

  struct Live {
    std::unique_ptr<Sequence> seq;
    int request = 0;
    int max_tokens = 0;
    int n_to_fork = 0;  // children still to fork after the prompt
  };
  std::map<std::uint64_t, Live> live;  // by sequence id
  std::map<int, int> open_choices;     // request -> choices not finished
  std::map<int, int> finished_count;   // request -> choices finished (must end == n)
  std::map<int, int> expected_choices;
  std::set<int> cancelled;
  std::uint64_t next_id = 1;
  int next_request = 0;
  std::int64_t preemptions = 0, hits = 0;

  auto finish = [&](std::uint64_t id) {
    Live& l = live.at(id);
    scheduler.remove(l.seq.get());
    ++finished_count[l.request];
    --open_choices[l.request];
    live.erase(id);
  };

  constexpr int kSteps = 3000;
  for (int step = 0; step < kSteps + 100000; ++step) {
    const bool arrivals_open = step < kSteps;
    if (arrivals_open && uniform(0, 2) == 0) {
      const int r = next_request++;
      auto seq = std::make_unique<Sequence>();
      seq->id = next_id++;
      seq->arrival = seq->id;
      seq->priority = uniform(0, 2);
      const int prompt = uniform(1, 40);
      // A few shared prefixes so the cache gets hits.
      const int family = uniform(0, 3);
      for (int t = 0; t < prompt; ++t) seq->tokens.push_back(t < 12 ? family * 100 + t : uniform(0, 999));
      seq->prompt_len = prompt;
      const int n = uniform(1, 3);
      seq->slots = n;
      expected_choices[r] = n;
      open_choices[r] = n;
      Sequence* raw = seq.get();
      live[raw->id] = Live{std::move(seq), r, uniform(1, 30), n - 1};
      scheduler.add_waiting(raw);
    }
    if (uniform(0, 40) == 0 && !live.empty()) {  // cancel a whole request
      auto it = live.begin();
      std::advance(it, uniform(0, static_cast<int>(live.size()) - 1));
      const int r = it->second.request;
      cancelled.insert(r);
      std::vector<std::uint64_t> ids;
      for (auto& [id, l] : live) {
        if (l.request == r) ids.push_back(id);
      }
      // Unforked choices of a cancelled request count as finished with it.
      for (auto& [id, l] : live) {
        if (l.request == r) finished_count[r] += l.n_to_fork, open_choices[r] -= l.n_to_fork, l.n_to_fork = 0;
      }
      for (auto id : ids) finish(id);
    }

    StepPlan plan = scheduler.schedule();
    ASSERT_TRUE(!plan.empty() || live.empty() || scheduler.n_running() == 0)
        << "step " << step << ": running sequences but nothing scheduled";
    if (live.empty() && !arrivals_open) break;
    preemptions += static_cast<std::int64_t>(plan.preempted.size());
    hits += plan.prefix_hit_tokens;
    std::int64_t tokens = 0;
    for (const auto& c : plan.chunks) tokens += c.count;
    ASSERT_LE(tokens, 24);
    scheduler.commit(plan);
    std::vector<std::uint64_t> done;
    for (const auto& c : plan.chunks) {
      if (!c.samples()) continue;
      Live& l = live.at(c.seq->id);
      // Fork the other choices from the prompt, sharing blocks.
      for (; l.n_to_fork > 0; --l.n_to_fork) {
        auto child = std::make_unique<Sequence>();
        child->id = next_id++;
        child->arrival = c.seq->arrival;
        child->priority = c.seq->priority;
        child->tokens = c.seq->tokens;
        child->prompt_len = c.seq->prompt_len;
        child->admitted_once = true;
        blocks.fork(*c.seq, *child);
        Sequence* raw = child.get();
        raw->tokens.push_back(static_cast<std::int32_t>(2000 + raw->id));
        live[raw->id] = Live{std::move(child), l.request, l.max_tokens, 0};
        scheduler.add_running(raw);
        if (l.max_tokens == 1) done.push_back(raw->id);
      }
      c.seq->slots = 1;
      c.seq->tokens.push_back(static_cast<std::int32_t>(uniform(0, 999)));
      const auto generated = c.seq->num_tokens() - c.seq->prompt_len;
      ASSERT_LE(generated, l.max_tokens);
      if (generated == l.max_tokens) done.push_back(c.seq->id);
    }
    for (auto id : done) {
      const Live& l = live.at(id);
      ASSERT_EQ(l.seq->num_tokens() - l.seq->prompt_len, l.max_tokens);
      finish(id);
    }

    // Reference counts match the block tables of live sequences exactly.
    ASSERT_TRUE(blocks.consistent()) << "step " << step;
    std::vector<int> holders(kBlocks, 0);
    for (auto& [id, l] : live) {
      for (BlockId b : l.seq->blocks) ++holders[static_cast<std::size_t>(b)];
      ASSERT_GE(static_cast<std::int64_t>(l.seq->blocks.size()) * kBlockSize, l.seq->num_computed);
    }
    for (BlockId b = 0; b < kBlocks; ++b) {
      ASSERT_EQ(blocks.pool().ref_count(b), holders[static_cast<std::size_t>(b)]) << "block " << b << " step " << step;
    }
  }
  EXPECT_TRUE(live.empty()) << live.size() << " sequences never finished";
  EXPECT_EQ(blocks.pool().n_free(), kBlocks) << "blocks leaked";
  for (const auto& [r, n] : expected_choices) {
    EXPECT_EQ(finished_count[r], n) << "request " << r << " finished " << finished_count[r] << " of " << n << " choices"
                                    << (cancelled.contains(r) ? " (cancelled)" : "");
  }
  EXPECT_GT(preemptions, 0) << "the pool was meant to force preemption";
  if (param.prefix_caching) {
    EXPECT_GT(hits, 0);
  }
  RecordProperty("preemptions", static_cast<int>(preemptions));
}

INSTANTIATE_TEST_SUITE_P(Seeds, SchedulerStress,
                         ::testing::Values(StressCase{1, true}, StressCase{2, true}, StressCase{3, false},
                                           StressCase{4, true}));

}  // namespace
}  // namespace servir
