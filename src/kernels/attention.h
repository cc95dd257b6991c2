// Attention over a paged KV cache (vLLM-style PagedAttention on the CPU).
//
// The cache is a pool of fixed-size blocks. K and V pools each hold
//   [n_blocks][block_size][n_kv_heads][head_dim]  of F16 (the default), BF16,
// Q8_0 or F32 (exact tests). A Q8_0 slot holds each head's row as
// head_dim / 32 blocks of 32 (an f16 scale and 32 int8 values), so a head
// never shares a block with the next one and attention reads it in place.
// A sequence's token at position p lives in block table[p / block_size],
// slot p % block_size. A batch mixes tokens of many sequences (prefill
// chunks and decode tokens): token t of the batch belongs to sequence
// token_seq[t], sits at position token_pos[t], and attends causally to the
// positions 0..token_pos[t] of its own sequence, which must already be in
// the cache (store the batch's K/V first). Heads share KV heads in groups
// of n_heads / n_kv_heads (GQA; MQA when n_kv_heads = 1).
#pragma once

#include <cstddef>
#include <cstdint>

#include "formats/ggml_type.h"
#include "kernels/context.h"

namespace servir::kernels {

// The element types a KV cache may hold: F16, BF16, Q8_0 and F32.
bool kv_type_supported(GgmlType type);

// Bytes of a row of n elements of a KV type (Q8_0: n a multiple of 32).
std::size_t kv_row_bytes(GgmlType type, std::int64_t n);

// A view of the K and V pools (owned by the KV cache).
struct PagedKvView {
  void* k = nullptr;
  void* v = nullptr;
  GgmlType type = GgmlType::kF16;  // a type kv_type_supported() takes
  std::int64_t n_blocks = 0;
  int block_size = 16;
  int n_kv_heads = 0;
  int head_dim = 0;

  // Bytes of one head's row of head_dim elements (Q8_0: head_dim / 32 blocks).
  std::size_t head_bytes() const { return kv_row_bytes(type, head_dim); }
  std::size_t slot_bytes() const { return head_bytes() * static_cast<std::size_t>(n_kv_heads); }
};

struct AttentionBatch {
  const float* q = nullptr;  // [n_tokens, n_heads, head_dim]
  float* out = nullptr;      // [n_tokens, n_heads, head_dim]
  std::int64_t n_tokens = 0;
  int n_heads = 0;
  const std::int32_t* token_seq = nullptr;     // [n_tokens]: row of block_tables
  const std::int32_t* token_pos = nullptr;     // [n_tokens]: position in its sequence
  const std::int32_t* block_tables = nullptr;  // [n_seqs, max_blocks_per_seq]
  int max_blocks_per_seq = 0;
  float scale = 0;  // usually 1 / sqrt(head_dim)
  // Sliding-window attention (Mistral v0.1): a token at position p sees
  // positions max(0, p + 1 - window)..p; 0 = the whole prefix.
  std::int64_t sliding_window = 0;
};

// Writes one token's K and V ([n_kv_heads, head_dim] f32 each) into the slot
// of position `pos` of the sequence with block table `table`.
void paged_kv_store(const PagedKvView& kv, const std::int32_t* table, std::int64_t pos, const float* k_row,
                    const float* v_row);

// out = softmax(q K^T * scale) V per token and head, over the paged cache.
void paged_attention(const KernelContext& ctx, const PagedKvView& kv, const AttentionBatch& batch);

}  // namespace servir::kernels
