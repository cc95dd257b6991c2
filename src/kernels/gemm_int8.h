// Int8 GEMM tiles for batched decode and prefill (matmul with M >= 2) over
// Q8_0, Q4_0 and Q4_K weights, used in place from the GGUF mmap.
//
// A thread takes 16 weight rows (one tile) and a chunk of K at a time,
// transposes that chunk into a small L1-resident tile (at run time, never at
// load), then runs every activation row over it, up to 8 at a time. In the
// tile one 64-byte group holds 4 consecutive values of each of the 16 rows,
// so one broadcast activation dword times one group adds into 16 output
// columns (vpdpbusd on AVX-512 VNNI, vpmaddubsw on AVX2), with no
// horizontal reductions.
//
// Weights enter the dot product as unsigned levels u with w = scale*u + offset
// per 32-value block (Q8_0: u = q + 128, offset = -128 scale; Q4_0: u =
// nibble, offset = -8 scale; Q4_K: u = nibble, scale = d*sc, offset =
// -dmin*m); activations stay signed (the Q8_0 / Q8_K values), each block with
// its f32 scale d and the scaled sum s = d * sum(q), so
//   c[m][j] = sum_b d[m][b] * scale[j][b] * dot(u[j][b], q[m][b]) + offset[j][b] * s[m][b].
//
// Tile layout, per 32-value block (kInt8TileBlockBytes each, blocks of the
// chunk in order):
//   [0, 512)    group g (0..7), row j (0..15), byte i: u of w[j][32b + 4g + i]
//   [512, 576)  f32 x16: scale of row j's block
//   [576, 640)  f32 x16: offset of row j's block
// Rows past n_rows are zero. Every function here has a scalar twin in
// gemm_int8_ref.cpp that the per-ISA variants are tested against.
#pragma once

#include <cstddef>
#include <cstdint>

namespace servir::kernels {

inline constexpr int kInt8TileRows = 16;                 // weight rows per tile
inline constexpr int kInt8TileMaxAct = 8;                // activation rows per kernel call
inline constexpr std::size_t kInt8TileBlockBytes = 640;  // tile bytes per 32 values of K

// Activations prepared for the tile kernel: row m's signed values at
// q + m * q_stride (32 per block, contiguous), block b's scale and scaled sum
// at d[m * d_stride + b] and s[m * d_stride + b].
struct Int8Act {
  const std::int8_t* q;
  std::size_t q_stride;
  const float* d;
  const float* s;
  std::size_t d_stride;
};

// Transposes blocks [b0, b1) (32-value blocks; multiples of 8 for Q4_K) of
// n_rows <= 16 weight rows, row j at w + j * w_stride, into `tile`.
using RepackInt8TileFn = void (*)(const void* w, std::size_t w_stride, int n_rows, std::int64_t b0, std::int64_t b1,
                                  void* tile);

// Weight bytes a tile kernel call asks the memory system for while it
// computes (the chunk a later repack reads), so that DRAM streams during the
// product instead of only during the repack: `bytes` from each of n_rows
// rows at rows + j * stride.
struct Int8Prefetch {
  const std::byte* rows = nullptr;
  std::size_t stride = 0;
  int n_rows = 0;
  std::size_t bytes = 0;
};

// c[r][j] (+)= the tile's n_blocks blocks times the activation rows r <
// n_act <= kInt8TileMaxAct starting at `act`, for columns j < n_cols;
// `accumulate` adds to c instead of overwriting (later chunks of K). Spreads
// the prefetches of `prefetch` over its blocks.
using GemmInt8TileFn = void (*)(std::int64_t n_blocks, const void* tile, const Int8Act& act, int n_act, float* c,
                                std::size_t ldc, int n_cols, bool accumulate, const Int8Prefetch& prefetch);

// Blocks [b0, b1) of n_rows <= 16 weight rows, row j at w + j * stride.
struct Int8Weights {
  const void* w;
  std::size_t stride;
  int n_rows;
  std::int64_t b0, b1;
};

// Output rows c + r * ldc; `accumulate` adds instead of overwriting.
struct Int8Out {
  float* c;
  std::size_t ldc;
  bool accumulate;
};

// Repack `w` into `tile` and multiply it by the first n_act activation rows
// in the same pass (equal to the repack, then the tile kernel, with n_cols
// = w.n_rows): the transposes of one block overlap the product of the one
// before. Later activation rows then take the tile kernel.
using RepackGemmInt8TileFn = void (*)(const Int8Weights& w, void* tile, const Int8Act& act, int n_act,
                                      const Int8Out& out, const Int8Prefetch& prefetch);

namespace ref {

void repack_q8_0_tile(const void* w, std::size_t w_stride, int n_rows, std::int64_t b0, std::int64_t b1, void* tile);
void repack_q4_0_tile(const void* w, std::size_t w_stride, int n_rows, std::int64_t b0, std::int64_t b1, void* tile);
void repack_q4_K_tile(const void* w, std::size_t w_stride, int n_rows, std::int64_t b0, std::int64_t b1, void* tile);
void gemm_int8_tile(std::int64_t n_blocks, const void* tile, const Int8Act& act, int n_act, float* c, std::size_t ldc,
                    int n_cols, bool accumulate, const Int8Prefetch& prefetch);
// The fused twins: the type's repack, then gemm_int8_tile.
void repack_gemm_q8_0_tile(const Int8Weights& w, void* tile, const Int8Act& act, int n_act, const Int8Out& out,
                           const Int8Prefetch& prefetch);
void repack_gemm_q4_0_tile(const Int8Weights& w, void* tile, const Int8Act& act, int n_act, const Int8Out& out,
                           const Int8Prefetch& prefetch);
void repack_gemm_q4_K_tile(const Int8Weights& w, void* tile, const Int8Act& act, int n_act, const Int8Out& out,
                           const Int8Prefetch& prefetch);

}  // namespace ref

// Splits an activation row in the Q8_0 or Q8_K layout (k values) into the
// Int8Act form: k signed values, k/32 scales and scaled sums.
void split_int8_act_q8_0(const void* row, std::int64_t k, std::int8_t* q, float* d, float* s);
void split_int8_act_q8_K(const void* row, std::int64_t k, std::int8_t* q, float* d, float* s);

}  // namespace servir::kernels
