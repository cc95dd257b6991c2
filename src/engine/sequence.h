// Sequence: one stream of tokens the scheduler runs (a request's choice).
// The engine owns Sequences (one per choice of each live request); the
// scheduler and the KV block manager hold pointers to them while they are
// queued or running.
#pragma once

#include <cstdint>
#include <tuple>
#include <vector>

#include "engine/block_pool.h"

namespace servir {

struct ChoiceState;  // the engine's per-choice state (engine_impl.h)

enum class SequenceStatus { kWaiting, kRunning, kFinished };

struct Sequence {
  std::uint64_t id = 0;              // unique; the last tie-break of the order
  int priority = 0;                  // lower runs first
  std::uint64_t arrival = 0;         // submit order; earlier runs first among equals
  std::vector<std::int32_t> tokens;  // the prompt, then generated tokens
  std::int64_t prompt_len = 0;
  std::uint64_t salt_hash = 0;  // root of the block hash chain (cache_salt)
  // Sequence slots it will need once running: n for a request whose choices
  // fork from it after the prompt, 1 otherwise.
  int slots = 1;

  // --- Scheduler and block manager state.
  SequenceStatus status = SequenceStatus::kWaiting;
  std::int64_t num_computed = 0;            // leading tokens whose K/V are in `blocks`
  std::vector<BlockId> blocks;              // block table
  std::vector<std::uint64_t> block_hashes;  // chained hashes of its full token blocks (grows lazily)
  std::int64_t num_registered = 0;          // leading blocks already in the prefix cache
  std::int64_t cached_prompt_tokens = 0;    // prompt tokens the prefix cache served (first admission)
  bool admitted_once = false;
  int preemptions = 0;
  ChoiceState* owner = nullptr;  // back-pointer for the engine; unused by the scheduler

  std::int64_t num_tokens() const { return static_cast<std::int64_t>(tokens.size()); }
  // Order of service: priority, then arrival, then id.
  auto order_key() const { return std::make_tuple(priority, arrival, id); }
};

struct SequenceOrder {
  bool operator()(const Sequence* a, const Sequence* b) const { return a->order_key() < b->order_key(); }
};

}  // namespace servir
