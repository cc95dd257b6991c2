#include "model/kv_cache.h"

#include <cstdlib>
#include <cstring>

#include "util/check.h"

namespace servir {

void KvCache::FreeAligned::operator()(std::byte* p) const { std::free(p); }

Result<KvCache> KvCache::create(const ModelConfig& model, const KvCacheConfig& config) {
  if (config.block_size <= 0 || config.block_size > 1024) {
    return make_error(ErrorCode::kInvalidArgument, "KV block size {} must be in 1..1024", config.block_size);
  }
  if (!kernels::kv_type_supported(config.type)) {
    return make_error(ErrorCode::kInvalidArgument, "KV cache type {} must be f16, bf16, q8_0 or f32",
                      ggml_type_name(config.type));
  }
  if (config.type == GgmlType::kQ8_0 && model.head_dim % 32 != 0) {
    return make_error(ErrorCode::kInvalidArgument,
                      "a q8_0 KV cache needs a head dimension that is a multiple of 32 (blocks of 32 per head); "
                      "this model's is {}: use --kv-cache-dtype f16 or bf16",
                      model.head_dim);
  }
  const std::uint64_t slot_bytes =
      kernels::kv_row_bytes(config.type, model.head_dim) * static_cast<std::uint64_t>(model.n_kv_heads);
  const std::uint64_t block_bytes = slot_bytes * static_cast<std::uint64_t>(config.block_size);  // one of K or V
  const std::uint64_t per_block_all_layers = 2 * block_bytes * static_cast<std::uint64_t>(model.n_layers);
  std::int64_t n_blocks = config.n_blocks;
  if (n_blocks == 0) n_blocks = static_cast<std::int64_t>(config.memory_bytes / per_block_all_layers);
  if (n_blocks <= 0) {
    return make_error(ErrorCode::kResourceExhausted,
                      "KV cache memory of {} bytes holds no block: one block of {} tokens takes {} bytes over {} "
                      "layers",
                      config.memory_bytes, config.block_size, per_block_all_layers, model.n_layers);
  }
  const std::uint64_t total = per_block_all_layers * static_cast<std::uint64_t>(n_blocks);
  KvCache cache;
  auto* memory = static_cast<std::byte*>(std::aligned_alloc(64, (total + 63) / 64 * 64));
  if (memory == nullptr) {
    return make_error(ErrorCode::kResourceExhausted, "cannot allocate {} bytes for the KV cache", total);
  }
  // Zeroed so that a bug reading an unwritten slot shows as zeros, never as
  // NaN garbage from an earlier user (and pages are committed up front).
  std::memset(memory, 0, total);
  cache.storage_.reset(memory);
  cache.n_blocks_ = n_blocks;
  cache.block_size_ = config.block_size;
  cache.type_ = config.type;
  cache.bytes_ = total;
  cache.bytes_per_block_ = per_block_all_layers;
  const std::uint64_t pool_bytes = block_bytes * static_cast<std::uint64_t>(n_blocks);
  for (std::int64_t l = 0; l < model.n_layers; ++l) {
    kernels::PagedKvView view;
    view.k = memory + static_cast<std::uint64_t>(2 * l) * pool_bytes;
    view.v = memory + static_cast<std::uint64_t>(2 * l + 1) * pool_bytes;
    view.type = config.type;
    view.n_blocks = n_blocks;
    view.block_size = config.block_size;
    view.n_kv_heads = static_cast<int>(model.n_kv_heads);
    view.head_dim = static_cast<int>(model.head_dim);
    cache.layers_.push_back(view);
  }
  return cache;
}

void KvCache::copy_block(std::int64_t src, std::int64_t dst) {
  CHECK(src >= 0 && src < n_blocks_ && dst >= 0 && dst < n_blocks_);
  if (src == dst) return;
  const std::uint64_t block_bytes = bytes_per_block_ / (2 * layers_.size());
  for (const auto& view : layers_) {
    for (void* pool : {view.k, view.v}) {
      auto* base = static_cast<std::byte*>(pool);
      std::memcpy(base + static_cast<std::uint64_t>(dst) * block_bytes,
                  base + static_cast<std::uint64_t>(src) * block_bytes, block_bytes);
    }
  }
}

}  // namespace servir
