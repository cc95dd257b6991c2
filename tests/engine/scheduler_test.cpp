// Scheduler with a fake model: expected-state tables per step (who runs,
// who waits, tokens per chunk, blocks held), chunked prefill boundaries,
// priority order, preemption and resume, prefix hits and LRU eviction.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <numeric>
#include <string>

#include "engine/scheduler.h"

namespace servir {
namespace {

// Drives a Scheduler the way the engine does, with a fake model: a sampled
// token is 1000 + the number of tokens generated so far.
class FakeEngine {
 public:
  FakeEngine(std::int64_t n_blocks, int block_size, SchedulerOptions options, bool prefix_caching = true)
      : blocks(n_blocks, block_size, prefix_caching), scheduler(options, blocks) {}

  Sequence* add(const std::string& name, int prompt_len, int max_tokens, int priority = 0, int first_token = 0) {
    auto s = std::make_unique<Sequence>();
    s->id = next_id++;
    s->arrival = s->id;
    s->priority = priority;
    s->tokens.resize(static_cast<std::size_t>(prompt_len));
    std::iota(s->tokens.begin(), s->tokens.end(), first_token);
    s->prompt_len = prompt_len;
    Sequence* raw = s.get();
    seqs[name] = std::move(s);
    names[raw] = name;
    max_tokens_of[raw] = max_tokens;
    scheduler.add_waiting(raw);
    return raw;
  }

  // One step; returns "name:count" per chunk in plan order, and marks
  // finished sequences.
  std::string step() {
    last = scheduler.schedule();
    scheduler.commit(last);
    std::string out;
    for (const auto& c : last.chunks) {
      if (!out.empty()) out += " ";
      out += names[c.seq] + ":" + std::to_string(c.count);
      if (c.samples()) {
        Sequence* s = c.seq;
        const int generated = static_cast<int>(s->num_tokens() - s->prompt_len);
        s->tokens.push_back(1000 + generated);
        if (generated + 1 >= max_tokens_of[s]) finished.push_back(s);
      }
    }
    for (Sequence* s : finished) scheduler.remove(s);
    finished.clear();
    EXPECT_TRUE(blocks.consistent());
    return out;
  }

  std::string running() const { return list(scheduler.running()); }
  std::string waiting() const { return list(scheduler.waiting()); }

  std::string list(const std::set<Sequence*, SequenceOrder>& set) const {
    std::string out;
    for (Sequence* s : set) out += (out.empty() ? "" : " ") + names.at(s);
    return out;
  }

  KvBlockManager blocks;
  Scheduler scheduler;
  StepPlan last;
  std::map<std::string, std::unique_ptr<Sequence>> seqs;
  std::map<const Sequence*, std::string> names;
  std::map<const Sequence*, int> max_tokens_of;
  std::vector<Sequence*> finished;
  std::uint64_t next_id = 1;
};

TEST(Scheduler, ChunkedPrefillFillsTheBudgetAndDecodesGoFirst) {
  FakeEngine e(64, 4, {.max_num_seqs = 8, .max_num_batched_tokens = 8});
  e.add("a", 3, 4);
  e.add("b", 20, 2);
  // Step table: chunks (name:tokens), running, waiting.
  struct Row {
    const char* chunks;
    const char* running;
    const char* waiting;
  };
  const Row expected[] = {
      {"a:3 b:5", "a b", ""},                        // a's whole prompt, b's first chunk fills the budget
      {"a:1 b:7", "a b", ""},                        // a decodes first, b gets the rest
      {"a:1 b:7", "a b", ""}, {"a:1 b:1", "b", ""},  // b's last prompt token; a finishes (4 tokens)
      {"b:1", "", ""},                               // b decodes, finishes (2 tokens)
  };
  for (const Row& row : expected) {
    EXPECT_EQ(e.step(), row.chunks);
    EXPECT_EQ(e.running(), row.running);
    EXPECT_EQ(e.waiting(), row.waiting);
  }
  EXPECT_EQ(e.blocks.pool().n_free(), 64);
}

// Beside decodes a step carries at most max_prefill_tokens_per_decode_step
// prompt tokens (running streams stall less); without decodes the whole
// budget.
TEST(Scheduler, PromptTokensBesideDecodesAreCapped) {
  FakeEngine e(64, 4, {.max_num_seqs = 8, .max_num_batched_tokens = 8, .max_prefill_tokens_per_decode_step = 3});
  e.add("a", 2, 4);
  e.add("b", 13, 2);
  struct Row {
    const char* chunks;
    const char* running;
  };
  const Row expected[] = {
      {"a:2 b:6", "a b"},                    // nothing decodes yet: the whole budget
      {"a:1 b:3", "a b"},                    // a decodes: b's chunk is capped
      {"a:1 b:3", "a b"}, {"a:1 b:1", "b"},  // b's last prompt token; a finishes
      {"b:1", ""},
  };
  for (const Row& row : expected) {
    EXPECT_EQ(e.step(), row.chunks);
    EXPECT_EQ(e.running(), row.running);
  }
  EXPECT_EQ(e.blocks.pool().n_free(), 64);
}

TEST(Scheduler, AdmitsByPriorityThenArrivalAndRespectsMaxNumSeqs) {
  FakeEngine e(64, 4, {.max_num_seqs = 2, .max_num_batched_tokens = 64});
  e.add("late-low", 2, 3, /*priority=*/5);
  e.add("urgent", 2, 3, /*priority=*/-1);
  e.add("normal1", 2, 3, 0);
  e.add("normal2", 2, 3, 0);
  EXPECT_EQ(e.step(), "urgent:2 normal1:2");
  EXPECT_EQ(e.waiting(), "normal2 late-low");
  EXPECT_EQ(e.step(), "urgent:1 normal1:1");
  EXPECT_EQ(e.step(), "urgent:1 normal1:1");  // both finish
  EXPECT_EQ(e.step(), "normal2:2 late-low:2");
}

TEST(Scheduler, PreemptsTheLatestArrivalWhenBlocksRunOutAndResumesIt) {
  // 4 blocks of 2 tokens. Two sequences of prompt 3 take 2 blocks each; the
  // first to need a third block preempts the later arrival.
  FakeEngine e(4, 2, {.max_num_seqs = 4, .max_num_batched_tokens = 16}, /*prefix_caching=*/false);
  Sequence* a = e.add("a", 3, 4);
  Sequence* b = e.add("b", 3, 4);
  EXPECT_EQ(e.step(), "a:3 b:3");  // 4 blocks used; both sample their 4th token
  EXPECT_EQ(e.blocks.pool().n_free(), 0);
  // a's 4th token fits its 2nd block; b's too.
  EXPECT_EQ(e.step(), "a:1 b:1");
  // a needs a 3rd block for its 5th token: b (later arrival) is preempted.
  EXPECT_EQ(e.step(), "a:1");
  EXPECT_EQ(e.last.preempted.size(), 1u);
  EXPECT_EQ(e.waiting(), "b");
  EXPECT_EQ(b->num_computed, 0);
  EXPECT_TRUE(b->blocks.empty());
  EXPECT_EQ(b->preemptions, 1);
  // a finishes (4 generated) next step; b is recomputed (prompt + 2 generated).
  EXPECT_EQ(e.step(), "a:1");
  EXPECT_EQ(e.running(), "");
  EXPECT_EQ(e.step(), "b:5");  // 3 prompt + 2 generated, recomputed
  EXPECT_EQ(e.step(), "b:1");  // b's 4th generated token: done
  EXPECT_EQ(e.running(), "");
  EXPECT_EQ(e.blocks.pool().n_free(), 4);
  (void)a;
}

TEST(Scheduler, AWaitingRequestDoesNotPreemptABetterRunningOne) {
  FakeEngine e(2, 4, {.max_num_seqs = 4, .max_num_batched_tokens = 16}, false);
  e.add("first", 8, 1);  // takes both blocks
  e.add("second", 4, 1);
  EXPECT_EQ(e.step(), "first:8");
  EXPECT_EQ(e.waiting(), "second");
  EXPECT_EQ(e.step(), "second:4");  // first finished and freed its blocks
}

TEST(Scheduler, AHigherPriorityArrivalPreemptsAWorseRunningSequence) {
  FakeEngine e(2, 4, {.max_num_seqs = 4, .max_num_batched_tokens = 16}, false);
  e.add("background", 4, 4, /*priority=*/10);
  EXPECT_EQ(e.step(), "background:4");
  e.add("urgent", 4, 1, /*priority=*/0);
  // urgent is admitted first; background's decode then needs the block
  // urgent took, and as the worst sequence it preempts itself.
  EXPECT_EQ(e.step(), "urgent:4");
  EXPECT_EQ(e.waiting(), "background");
  EXPECT_EQ(e.seqs["background"]->preemptions, 1);
  EXPECT_EQ(e.step(), "background:5");  // recomputed: prompt + 1 generated
  EXPECT_EQ(e.step(), "background:1");
}

TEST(Scheduler, SamePriorityWaitingRequestsNeverPreemptRunningOnes) {
  FakeEngine e(2, 4, {.max_num_seqs = 4, .max_num_batched_tokens = 16}, false);
  e.add("first", 4, 4);
  EXPECT_EQ(e.step(), "first:4");
  e.add("second", 4, 1);
  EXPECT_EQ(e.step(), "first:1");  // first takes the last block; second waits
  EXPECT_EQ(e.waiting(), "second");
  EXPECT_EQ(e.step(), "first:1");
  EXPECT_EQ(e.step(), "first:1");  // first's 4th token: done
  EXPECT_EQ(e.step(), "second:4");
}

TEST(Scheduler, PrefixHitsSkipCachedBlocks) {
  FakeEngine e(6, 4, {.max_num_seqs = 4, .max_num_batched_tokens = 64});
  e.add("a", 9, 1);
  EXPECT_EQ(e.step(), "a:9");  // a finishes; its 2 full blocks stay cached
  EXPECT_EQ(e.blocks.pool().n_evictable(), 2);
  e.add("b", 10, 1);           // shares a's first 9 tokens
  EXPECT_EQ(e.step(), "b:2");  // 8 tokens from the cache
  EXPECT_EQ(e.last.prefix_hit_tokens, 8);
  EXPECT_EQ(e.seqs["b"]->cached_prompt_tokens, 8);
}

TEST(Scheduler, CachedBlocksAreEvictedLeastRecentlyFreedFirst) {
  FakeEngine e(5, 4, {.max_num_seqs = 4, .max_num_batched_tokens = 64});
  e.add("a", 5, 1, 0, /*first_token=*/0);
  EXPECT_EQ(e.step(), "a:5");  // a's first block cached, freed first
  e.add("b", 5, 1, 0, /*first_token=*/100);
  EXPECT_EQ(e.step(), "b:5");  // b's first block cached, freed second
  EXPECT_EQ(e.blocks.pool().n_evictable(), 2);
  e.add("c", 16, 1, 0, /*first_token=*/500);  // 4 blocks: 3 uncached + the oldest cached
  EXPECT_EQ(e.step(), "c:16");
  Sequence again_a;
  again_a.tokens = {0, 1, 2, 3, 4};
  again_a.prompt_len = 5;
  Sequence again_b;
  again_b.tokens = {100, 101, 102, 103, 104};
  again_b.prompt_len = 5;
  EXPECT_EQ(e.blocks.find_cached_prefix(again_a), 0) << "a's block was the least recently freed";
  EXPECT_EQ(e.blocks.find_cached_prefix(again_b), 1);
}

}  // namespace
}  // namespace servir
