// A tiny driver for TransformerModel in tests: sequences with private,
// linearly assigned KV blocks, and batches built from (sequence, tokens)
// pieces. The engine's real block manager arrives with the engine layer.
#pragma once

#include <cstdint>
#include <vector>

#include "formats/model_description.h"
#include "kernels/context.h"
#include "kernels/kernel_table.h"
#include "model/transformer.h"

namespace servir::testing {

struct BatchPiece {
  int seq = 0;                       // sequence index
  std::vector<std::int32_t> tokens;  // appended at the sequence's next positions
  bool want_logits_all = false;      // logits for every token (else only the last)
};

class SequenceDriver {
 public:
  SequenceDriver(TransformerModel& model, KvCache& cache, kernels::KernelContext& ctx, int n_seqs,
                 int max_blocks_per_seq)
      : model_(model),
        cache_(cache),
        ctx_(ctx),
        max_blocks_(max_blocks_per_seq),
        lengths_(n_seqs, 0),
        tables_(static_cast<std::size_t>(n_seqs * max_blocks_per_seq)) {
    // Sequence s owns blocks [s * max_blocks, (s + 1) * max_blocks).
    for (std::size_t i = 0; i < tables_.size(); ++i) tables_[i] = static_cast<std::int32_t>(i);
  }

  // Runs one step; returns logits rows in piece order ([rows, vocab] flat).
  std::vector<float> step(const std::vector<BatchPiece>& pieces) {
    std::vector<std::int32_t> tokens, seqs, positions, rows;
    for (const auto& p : pieces) {
      for (std::size_t i = 0; i < p.tokens.size(); ++i) {
        if (p.want_logits_all || i + 1 == p.tokens.size()) rows.push_back(static_cast<std::int32_t>(tokens.size()));
        tokens.push_back(p.tokens[i]);
        seqs.push_back(p.seq);
        positions.push_back(lengths_[static_cast<std::size_t>(p.seq)]++);
      }
    }
    ForwardBatch batch{tokens, seqs, positions, tables_, max_blocks_, rows};
    std::vector<float> logits(rows.size() * static_cast<std::size_t>(model_.config().vocab_size));
    status_ = model_.forward(ctx_, batch, cache_, logits.data());
    return logits;
  }

  const Status& status() const { return status_; }

 private:
  TransformerModel& model_;
  KvCache& cache_;
  kernels::KernelContext& ctx_;
  int max_blocks_;
  std::vector<std::int32_t> lengths_;
  std::vector<std::int32_t> tables_;
  Status status_;
};

}  // namespace servir::testing
