// KvCache: the storage of the paged KV cache (owner, move-only).
//
// One pool of `n_blocks` blocks per layer for K and one for V, each block
// holding `block_size` token slots of [n_kv_heads, head_dim] elements: F16 by
// default, BF16, Q8_0 (each head's row as head_dim / 32 blocks of 32 int8
// and a scale: 34 bytes per 32 values, so about 1.9x the tokens of F16 in
// the same memory) or F32 for exact tests (--kv-cache-dtype). This class owns memory only: which sequence
// holds which block (block tables, reference counts, the prefix cache) is the
// engine's business. All memory is allocated once, at construction.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "formats/ggml_type.h"
#include "formats/model_config.h"
#include "kernels/attention.h"
#include "util/status.h"

namespace servir {

struct KvCacheConfig {
  int block_size = 16;             // tokens per block (--kv-block-size)
  std::int64_t n_blocks = 0;       // 0: derive from memory_bytes
  std::uint64_t memory_bytes = 0;  // --kv-cache-memory, when n_blocks == 0
  GgmlType type = GgmlType::kF16;  // kF16, kBF16, kQ8_0 or kF32 (--kv-cache-dtype)
};

class KvCache {
 public:
  static Result<KvCache> create(const ModelConfig& model, const KvCacheConfig& config);

  KvCache(KvCache&&) noexcept = default;
  KvCache& operator=(KvCache&&) noexcept = default;
  KvCache(const KvCache&) = delete;
  KvCache& operator=(const KvCache&) = delete;

  const kernels::PagedKvView& layer(std::int64_t i) const { return layers_[static_cast<std::size_t>(i)]; }
  std::int64_t n_blocks() const { return n_blocks_; }
  int block_size() const { return block_size_; }
  std::int64_t n_token_slots() const { return n_blocks_ * block_size_; }
  std::uint64_t bytes() const { return bytes_; }
  // Bytes one block takes across all layers, K and V.
  std::uint64_t bytes_per_block() const { return bytes_per_block_; }
  // Bytes one token takes across all layers, K and V.
  std::uint64_t bytes_per_token() const { return bytes_per_block_ / static_cast<std::uint64_t>(block_size_); }
  GgmlType type() const { return type_; }
  // Copies block `src` into block `dst` in every layer, K and V: the
  // copy-on-write step when forked sequences diverge inside a shared block
  // (bytes, whatever the type: a Q8_0 block never spans two slots).
  void copy_block(std::int64_t src, std::int64_t dst);

 private:
  KvCache() = default;
  struct FreeAligned {
    void operator()(std::byte* p) const;
  };

  std::unique_ptr<std::byte, FreeAligned> storage_;
  std::vector<kernels::PagedKvView> layers_;
  std::int64_t n_blocks_ = 0;
  int block_size_ = 0;
  GgmlType type_ = GgmlType::kF16;
  std::uint64_t bytes_ = 0;
  std::uint64_t bytes_per_block_ = 0;
};

}  // namespace servir
