// Scheduler: decides, every engine step, which tokens of which sequences run
// (policy; the KvBlockManager is the mechanism). Model-free, so it is tested
// with expected-state tables and a fake model.
//
// Each step has a token budget (max_num_batched_tokens) and a cap on running
// sequences (max_num_seqs). In order:
//  1. every running sequence that is caught up decodes one token;
//  2. running sequences part-way through their prompt get the next chunk;
//  3. waiting sequences are admitted in (priority, arrival) order, reusing
//     cached prefix blocks, their prompt chunked to fill the budget; the
//     first that does not fit stops admission (no overtaking).
// Prompt tokens in a step that also decodes are capped separately
// (max_prefill_tokens_per_decode_step): every running stream waits for the
// whole step, so a long prefill chunk shows as a stall in all of them; a
// step without decodes takes the full budget.
// Before all that, a waiting sequence of strictly better priority than a
// running one is admitted first, preempting worse-priority sequences.
// When blocks run out for a running sequence, the worst running sequence by
// (priority, arrival) that is not yet in this step is preempted: its blocks
// are freed and it waits again, to be recomputed (its prefix may still hit
// the cache). A sequence that is itself the worst preempts itself. A waiting
// sequence may preempt a running one only if it comes strictly first.
#pragma once

#include <cstdint>
#include <set>
#include <vector>

#include "engine/kv_block_manager.h"
#include "engine/sequence.h"

namespace servir {

struct SchedulerOptions {
  int max_num_seqs = 64;
  std::int64_t max_num_batched_tokens = 512;
  std::int64_t max_prefill_tokens_per_decode_step = 0;  // 0: the whole budget
};

struct ScheduledChunk {
  Sequence* seq = nullptr;
  std::int64_t start = 0;  // first token position computed
  std::int64_t count = 0;  // tokens computed this step
  // The chunk reaches the sequence's last known token: its logits are sampled.
  bool samples() const { return start + count == seq->num_tokens(); }
};

struct StepPlan {
  std::vector<ScheduledChunk> chunks;
  std::vector<BlockCopy> copies;     // KV block copies to do before the forward
  std::vector<Sequence*> preempted;  // moved back to waiting in this step
  std::int64_t prefill_tokens = 0;
  std::int64_t decode_tokens = 0;
  std::int64_t prefix_hit_tokens = 0;    // tokens served by the cache at admission
  std::int64_t prefix_query_tokens = 0;  // prompt tokens looked up at admission
  bool empty() const { return chunks.empty(); }
};

class Scheduler {
 public:
  Scheduler(const SchedulerOptions& options, KvBlockManager& blocks);

  // Queues a new (or preempted) sequence.
  void add_waiting(Sequence* seq);
  // A sequence forked from a running one joins the running set directly.
  void add_running(Sequence* seq);
  // Drops a sequence wherever it is (finished, aborted) and frees its blocks.
  void remove(Sequence* seq);

  StepPlan schedule();
  // After the model ran `plan`: advances num_computed and registers the
  // blocks that became full in the prefix cache.
  void commit(const StepPlan& plan);

  int n_running() const { return static_cast<int>(running_.size()); }
  int n_waiting() const { return static_cast<int>(waiting_.size()); }
  // Tokens the waiting sequences still have to compute.
  std::int64_t waiting_tokens() const;
  const std::set<Sequence*, SequenceOrder>& running() const { return running_; }
  const std::set<Sequence*, SequenceOrder>& waiting() const { return waiting_; }
  const SchedulerOptions& options() const { return options_; }

 private:
  int used_slots() const;
  // Preempts the worst running sequence not already in the plan; false if none.
  bool preempt_one(StepPlan& plan, const std::vector<Sequence*>& scheduled_now, const Sequence* better_than);
  void preempt(Sequence* victim, StepPlan& plan);
  // Admits the head of the waiting queue (preempting worse running sequences
  // when blocks or slots are short; with priority_only, only sequences of a
  // strictly worse priority). False when it does not fit.
  bool admit_head(StepPlan& plan, std::vector<Sequence*>& scheduled, std::int64_t& budget, bool priority_only);

  SchedulerOptions options_;
  KvBlockManager* blocks_;
  std::set<Sequence*, SequenceOrder> running_;
  std::set<Sequence*, SequenceOrder> waiting_;
};

}  // namespace servir
