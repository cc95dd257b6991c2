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
  GgmlType type = GgmlType::kF16;  // kF16, kBF16, kQ8_0 or kF32 (attention.h)

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

// Where the tile kernel keeps its scratch in AttendRunItem::work, as byte
// offsets (each 64-byte aligned) for `rows` query rows of head_dim: one
// layout that sizes the caller's buffer and carves the kernel's. Per 16-row
// query tile: Q^T in bf16 tiles of three split-mode segments (qt), O^T in
// f32 (ot), running max, running sum, token positions and first keys (m, l,
// qpos, first); per key block: K tiles in three segments for two halves of
// 32 keys (ka), V^T tiles (vt), the P^T tile (pt), S^T in f32 (s); one
// tile's scaled query rows and their low halves in f32 (qrows, qlo).
struct AttendRunWorkLayout {
  std::size_t qt, ka, vt, pt, s, ot, m, l, qpos, first, qrows, qlo, bytes;

  AttendRunWorkLayout(int rows, int head_dim) {
    const auto tiles = static_cast<std::size_t>((rows + 15) / 16), hd = static_cast<std::size_t>(head_dim);
    std::size_t at = 0;
    auto take = [&at](std::size_t n) {
      const std::size_t here = at;
      at += (n + 63) / 64 * 64;
      return here;
    };
    constexpr std::size_t kBf16 = 2, kF32 = 4;
    qt = take(tiles * 3 * 16 * hd * kBf16);
    ka = take(2 * 3 * 16 * hd * kBf16);
    vt = take(32 * hd * kBf16);
    pt = take(512 * kBf16);
    s = take(2 * 256 * kF32);
    ot = take(tiles * 16 * hd * kF32);
    m = take(tiles * 16 * kF32);
    l = take(tiles * 16 * kF32);
    qpos = take(tiles * 16 * kF32);
    first = take(tiles * 16 * kF32);
    qrows = take(16 * hd * kF32);
    qlo = take(16 * hd * kF32);
    bytes = at;
  }
};

inline std::size_t attend_run_work_floats(int rows, int head_dim) {
  return AttendRunWorkLayout(rows, head_dim).bytes / sizeof(float);
}

}  // namespace servir::kernels
