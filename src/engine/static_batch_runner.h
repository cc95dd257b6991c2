// StaticBatchRunner: drives a TransformerModel for a fixed set of sequences,
// each with its own private, equal share of the KV blocks. It serves
// `servir run`, `bench` and `perplexity`, and the model tests, until the
// continuous-batching engine (scheduler, shared block pool, prefix cache)
// replaces it for serving.
//
// Not thread-safe; one step at a time.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "kernels/context.h"
#include "model/kv_cache.h"
#include "model/transformer.h"

namespace servir {

class StaticBatchRunner {
 public:
  struct Piece {
    int seq = 0;                           // which sequence
    std::span<const std::int32_t> tokens;  // appended at its next positions
    bool all_logits = false;               // logits for every token, else only the last
  };

  // Fails when the cache cannot give every sequence at least one block.
  static Result<StaticBatchRunner> create(TransformerModel& model, KvCache& cache, kernels::KernelContext& ctx,
                                          int n_seqs);

  // One forward step over the pieces (at most the model's max_batch_tokens in
  // total). `logits` is resized to [rows, vocab], rows in piece order.
  Status step(std::span<const Piece> pieces, std::vector<float>& logits);

  // Appends a prompt of any length to one sequence in chunks that fit a step.
  // `logits` receives the last token's row, or every row when all_logits.
  Status prefill(int seq, std::span<const std::int32_t> tokens, std::vector<float>& logits, bool all_logits = false);

  std::int64_t length(int seq) const { return lengths_[static_cast<std::size_t>(seq)]; }
  // Tokens one sequence can hold: its blocks, capped by the model's context.
  std::int64_t capacity() const { return capacity_; }
  void reset(int seq) { lengths_[static_cast<std::size_t>(seq)] = 0; }
  // Keeps the first `length` tokens of a sequence (their K/V stay valid);
  // later positions are overwritten by the next step.
  void truncate(int seq, std::int64_t length) {
    auto& n = lengths_[static_cast<std::size_t>(seq)];
    n = std::min(n, std::max<std::int64_t>(length, 0));
  }
  void reset_all();
  int n_seqs() const { return static_cast<int>(lengths_.size()); }

 private:
  StaticBatchRunner(TransformerModel& model, KvCache& cache, kernels::KernelContext& ctx, int n_seqs,
                    int blocks_per_seq);

  TransformerModel* model_;
  KvCache* cache_;
  kernels::KernelContext* ctx_;
  int blocks_per_seq_;
  std::int64_t capacity_;
  std::vector<std::int64_t> lengths_;
  std::vector<std::int32_t> tables_;  // [n_seqs, blocks_per_seq]
  // Per-step arrays, reused.
  std::vector<std::int32_t> tokens_, seqs_, positions_, rows_;
  std::vector<float> chunk_logits_;
};

}  // namespace servir
