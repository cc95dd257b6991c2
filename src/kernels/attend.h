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

// One KV head of one sequence in the paged cache: key p's head at
// k + slot(p) * slot_bytes (V likewise), slot(p) = table[p / block_size] *
// block_size + p % block_size. The caller checked the table entries
// against the pool.
struct PagedKvHead {
  const std::byte* k = nullptr;
  const std::byte* v = nullptr;
  std::size_t slot_bytes = 0;
  const std::int32_t* table = nullptr;
  int block_size = 0;
  GgmlType type = GgmlType::kF16;  // kF16 or kF32

  std::size_t slot(std::int64_t p) const {
    return static_cast<std::size_t>(static_cast<std::int64_t>(table[p / block_size]) * block_size + p % block_size);
  }
  const std::byte* k_row(std::int64_t p) const { return k + slot(p) * slot_bytes; }
  const std::byte* v_row(std::int64_t p) const { return v + slot(p) * slot_bytes; }
};

struct AttendItem {
  const float* q = nullptr;  // group rows of head_dim, row g at q + g * head_dim
  float* out = nullptr;      // the same layout
  int group = 0;
  int head_dim = 0;
  float scale = 0;
  std::int64_t first_key = 0;  // positions first_key..n_keys-1 (a sliding window starts later)
  std::int64_t n_keys = 0;
  PagedKvHead kv;
  float* work = nullptr;  // attend_work_floats(group, head_dim), 64-byte aligned
};

// Runs one item; false when this kernel does not take the shape (the caller
// then uses the generic loop).
using AttendFn = bool (*)(const AttendItem& item);

inline std::size_t attend_work_floats(int group, int head_dim) {
  return static_cast<std::size_t>(group) * static_cast<std::size_t>(head_dim) +
         3 * 16 * static_cast<std::size_t>(head_dim) + 16 * static_cast<std::size_t>(group) + 64;
}

// A run: n_tokens consecutive tokens of one sequence (positions pos0,
// pos0 + 1, ...) x the query heads of one KV head, so that a matrix unit
// can score many query rows against each block of keys at once. Query row
// (t, g) is at q + t * q_token_stride + g * head_dim (out likewise). Token t
// sees positions max(0, pos0 + t + 1 - sliding_window)..pos0 + t (the whole
// prefix when sliding_window is 0).
struct AttendRunItem {
  const float* q = nullptr;
  float* out = nullptr;
  std::size_t q_token_stride = 0;  // floats
  int n_tokens = 0;
  int group = 0;
  int head_dim = 0;
  float scale = 0;
  std::int64_t pos0 = 0;
  std::int64_t sliding_window = 0;
  PagedKvHead kv;
  float* work = nullptr;  // attend_run_work_floats(n_tokens * group, head_dim), 64-byte aligned
};

// Query rows a run item may hold (the caller splits longer runs).
inline constexpr int kAttendRunMaxRows = 128;

// Runs one run item; false when this kernel does not take the shape.
using AttendRunFn = bool (*)(const AttendRunItem& item);

inline std::size_t attend_run_work_floats(int rows, int head_dim) {
  const auto tiles = static_cast<std::size_t>((rows + 15) / 16), hd = static_cast<std::size_t>(head_dim);
  // bf16 Q and K tiles (three split-mode segments each), V tiles and the P
  // tile (2 bytes per value), S, O, the per-row softmax state and one
  // tile's scaled query rows and their low halves (f32).
  const std::size_t bf16_values = 3 * tiles * 16 * hd + 3 * 2 * 16 * hd + 32 * hd + 512;
  return bf16_values / 2 + 512 + tiles * 16 * hd + tiles * 64 + 2 * 16 * hd + 64;
}

}  // namespace servir::kernels
