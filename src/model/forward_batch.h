// ForwardBatch: one step of work for the model, as the continuous-batching
// engine builds it: a flat list of tokens from any number of sequences
// (prefill chunks and single decode tokens mixed), each with the sequence it
// belongs to and its position there. Views only; the engine owns the arrays.
#pragma once

#include <cstdint>
#include <span>

namespace servir {

struct ForwardBatch {
  std::span<const std::int32_t> tokens;     // [n_tokens] token ids
  std::span<const std::int32_t> token_seq;  // [n_tokens] row of block_tables
  std::span<const std::int32_t> positions;  // [n_tokens] position in the sequence
  // [n_seqs, max_blocks_per_seq] KV block ids: block j of a sequence holds
  // its positions [j * block_size, (j + 1) * block_size).
  std::span<const std::int32_t> block_tables;
  int max_blocks_per_seq = 0;
  // Batch rows whose logits are wanted (usually each sequence's last token),
  // in the order the logits are written.
  std::span<const std::int32_t> logit_rows;
};

}  // namespace servir
