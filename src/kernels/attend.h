// One unit of paged attention: the query heads of one token that share one
// KV head, against that head's keys and values at positions
// first_key..n_keys-1.
// paged_attention (attention.h) splits a batch into these items; a level
// with an `attend` kernel runs them, otherwise the generic loop in
// attention.cpp does (built on the table's dot products: the scalar twin).
#pragma once

#include <cstddef>
#include <cstdint>

#include "formats/ggml_type.h"

namespace servir::kernels {

struct AttendItem {
  const float* q = nullptr;  // group rows of head_dim, row g at q + g * head_dim
  float* out = nullptr;      // the same layout
  int group = 0;
  int head_dim = 0;
  float scale = 0;
  std::int64_t first_key = 0;  // positions first_key..n_keys-1 (a sliding window starts later)
  std::int64_t n_keys = 0;
  // Key p's head at k + slot(p) * slot_bytes (V likewise), slot(p) =
  // table[p / block_size] * block_size + p % block_size. The caller checked
  // the table entries against the pool.
  const std::byte* k = nullptr;
  const std::byte* v = nullptr;
  std::size_t slot_bytes = 0;
  const std::int32_t* table = nullptr;
  int block_size = 0;
  GgmlType kv_type = GgmlType::kF16;  // kF16 or kF32
  float* work = nullptr;              // attend_work_floats(group, head_dim), 64-byte aligned
};

// Runs one item; false when this kernel does not take the shape (the caller
// then uses the generic loop).
using AttendFn = bool (*)(const AttendItem& item);

inline std::size_t attend_work_floats(int group, int head_dim) {
  return static_cast<std::size_t>(group) * static_cast<std::size_t>(head_dim) +
         3 * 16 * static_cast<std::size_t>(head_dim) + 16 * static_cast<std::size_t>(group) + 64;
}

}  // namespace servir::kernels
