#include "engine/scheduler.h"

#include <algorithm>

#include "util/check.h"

namespace servir {

Scheduler::Scheduler(const SchedulerOptions& options, KvBlockManager& blocks) : options_(options), blocks_(&blocks) {
  CHECK(options.max_num_seqs > 0 && options.max_num_batched_tokens > 0);
}

void Scheduler::add_waiting(Sequence* seq) {
  seq->status = SequenceStatus::kWaiting;
  waiting_.insert(seq);
}

void Scheduler::add_running(Sequence* seq) {
  seq->status = SequenceStatus::kRunning;
  running_.insert(seq);
}

void Scheduler::remove(Sequence* seq) {
  running_.erase(seq);
  waiting_.erase(seq);
  blocks_->release(*seq);
  seq->status = SequenceStatus::kFinished;
}

std::int64_t Scheduler::waiting_tokens() const {
  std::int64_t n = 0;
  for (const Sequence* s : waiting_) n += s->num_tokens() - s->num_computed;
  return n;
}

int Scheduler::used_slots() const {
  int n = 0;
  for (const Sequence* s : running_) n += s->slots;
  return n;
}

void Scheduler::preempt(Sequence* victim, StepPlan& plan) {
  running_.erase(victim);
  blocks_->release(*victim);
  ++victim->preemptions;
  plan.preempted.push_back(victim);
  add_waiting(victim);
}

bool Scheduler::preempt_one(StepPlan& plan, const std::vector<Sequence*>& scheduled_now, const Sequence* better_than) {
  for (auto it = running_.rbegin(); it != running_.rend(); ++it) {
    Sequence* victim = *it;
    if (std::find(scheduled_now.begin(), scheduled_now.end(), victim) != scheduled_now.end()) continue;
    // Only sequences that come after `better_than` (or itself) may go.
    if (better_than != nullptr && victim != better_than && victim->order_key() < better_than->order_key()) {
      return false;
    }
    preempt(victim, plan);
    return true;
  }
  return false;
}

bool Scheduler::admit_head(StepPlan& plan, std::vector<Sequence*>& scheduled, std::int64_t& budget,
                           bool priority_only) {
  Sequence* s = *waiting_.begin();
  const std::int64_t hits = blocks_->find_cached_prefix(*s);
  const std::int64_t hit_tokens = hits * blocks_->block_size();
  const std::int64_t count = std::min(s->num_tokens() - hit_tokens, budget);
  auto fits = [&] {
    return blocks_->admit_cost(*s, hits, count) <= blocks_->pool().n_free() &&
           used_slots() + s->slots <= options_.max_num_seqs;
  };
  while (!fits()) {
    if (running_.empty()) return false;
    Sequence* worst = *running_.rbegin();
    if (priority_only && worst->priority <= s->priority) return false;
    if (!preempt_one(plan, scheduled, s)) return false;
  }
  const bool ok = blocks_->admit(*s, hits, count, plan.copies);
  CHECK(ok);
  if (!s->admitted_once) {
    s->admitted_once = true;
    s->cached_prompt_tokens = std::min(hit_tokens, s->prompt_len);
  }
  plan.prefix_query_tokens += s->num_tokens();
  plan.prefix_hit_tokens += hit_tokens;
  waiting_.erase(waiting_.begin());
  add_running(s);
  plan.chunks.push_back({s, hit_tokens, count});
  scheduled.push_back(s);
  plan.prefill_tokens += count;
  budget -= count;
  return true;
}

StepPlan Scheduler::schedule() {
  StepPlan plan;
  std::int64_t budget = options_.max_num_batched_tokens;
  std::vector<Sequence*> scheduled;
  const std::vector<Sequence*> order(running_.begin(), running_.end());

  // Grows a running sequence by `count` tokens, preempting worse sequences
  // when blocks run short. False if it could not (or preempted itself).
  auto grow = [&](Sequence* s, std::int64_t count) {
    while (blocks_->append_cost(*s, count) > blocks_->pool().n_free()) {
      if (!preempt_one(plan, scheduled, s)) return false;
      if (s->status != SequenceStatus::kRunning) return false;  // it was the worst
    }
    const bool ok = blocks_->append(*s, count, plan.copies);
    CHECK(ok);
    return true;
  };

  // 0. A waiting request of strictly better priority than some running
  // sequence is admitted first, preempting worse-priority ones if needed.
  while (budget > 0 && !waiting_.empty() && !running_.empty() &&
         (*waiting_.begin())->priority < (*running_.rbegin())->priority) {
    if (!admit_head(plan, scheduled, budget, /*priority_only=*/true)) break;
  }
  // 1. Decodes: every caught-up running sequence computes its newest token.
  for (Sequence* s : order) {
    if (budget == 0) break;
    if (s->status != SequenceStatus::kRunning || s->num_tokens() - s->num_computed != 1) continue;
    if (!grow(s, 1)) continue;
    plan.chunks.push_back({s, s->num_computed, 1});
    scheduled.push_back(s);
    ++plan.decode_tokens;
    --budget;
  }
  // Prompt tokens beside decodes are capped (scheduler.h).
  if (plan.decode_tokens > 0 && options_.max_prefill_tokens_per_decode_step > 0) {
    budget = std::min(budget, options_.max_prefill_tokens_per_decode_step);
  }
  // 2. Running sequences part-way through a prompt (or a recompute): next chunk.
  for (Sequence* s : order) {
    if (budget == 0) break;
    const std::int64_t need = s->num_tokens() - s->num_computed;
    if (s->status != SequenceStatus::kRunning || need <= 1) continue;
    const std::int64_t count = std::min(need, budget);
    if (!grow(s, count)) continue;
    plan.chunks.push_back({s, s->num_computed, count});
    scheduled.push_back(s);
    plan.prefill_tokens += count;
    budget -= count;
  }
  // 3. Admission in order; the first that does not fit stops it.
  while (budget > 0 && !waiting_.empty()) {
    if (!admit_head(plan, scheduled, budget, /*priority_only=*/false)) break;
  }
  return plan;
}

void Scheduler::commit(const StepPlan& plan) {
  for (const ScheduledChunk& c : plan.chunks) {
    Sequence* s = c.seq;
    CHECK(s->num_computed == c.start);
    s->num_computed = c.start + c.count;
    blocks_->on_computed(*s);
  }
}

}  // namespace servir
