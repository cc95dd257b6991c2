// Quantized weights interleaved by 16 rows: the same bytes as the GGUF rows,
// rearranged once at load so that the int8 tile repack (gemm_int8.h) and
// the bf16 strip packer (gemm_bf16.h) read one sequential stream and need
// no transposes and no gathers.
//
// Why: a batched-decode step spends most of its time in the int8 tiles, and
// there the repack of row-major blocks (register transposes of 16 rows, a
// gather of 16 f16 scales) competes with vpdpbusd for the same shuffle port
// and needs software prefetch over 16 streams. From this layout the repack
// is 4 (Q4_0) or 8 (Q8_0) contiguous 64-byte loads and a mask per block.
//
// Layout, for Q4_0 and Q8_0 (blocks of 32 values: an f16 scale d, then
// qs bytes, 16 for Q4_0 and 32 for Q8_0): rows are taken 16 at a time (a
// group; N must be a multiple of 16), group g at base + g * x16_group_bytes.
// Within a group, per 32-value block b (x16_block_bytes each, in order):
//   [0, 16 * qs)           dword q (0 .. qs/4 - 1), row j (0..15), byte i:
//                          qs byte 4q + i of row j's block b
//   [16 * qs, 16 * qs + 32)  f16 x16: row j's scale d
// So for Q8_0 the first 512 bytes are the tile's 8 groups of 64 bytes, as
// signed values (the tile holds them + 128); for Q4_0 dword q holds the
// low nibbles of elements 4q..4q+3 and, in the high nibbles, 16 + 4q...
//
// Every kernel over this layout has a scalar twin here; the twins
// de-interleave and call the row-major scalar kernels, so the layout is
// checked against the same references as the GGUF rows.
#pragma once

#include <cstddef>
#include <cstdint>

#include "formats/ggml_type.h"
#include "kernels/gemm_int8.h"
#include "kernels/quant/block_types.h"
#include "kernels/tensor_view.h"

namespace servir::kernels {

inline constexpr int kX16Rows = 16;

// Bytes of one 32-value block of a group (16 rows); 0 for types without an
// interleaved form.
constexpr std::size_t x16_block_bytes(GgmlType type) {
  switch (type) {
    case GgmlType::kQ4_0:
      return kX16Rows * sizeof(BlockQ4_0);
    case GgmlType::kQ8_0:
      return kX16Rows * sizeof(BlockQ8_0);
    default:
      return 0;
  }
}

// Offset of the 16 f16 scales within a block (after the 16 rows' qs bytes).
constexpr std::size_t x16_scales_offset(GgmlType type) { return x16_block_bytes(type) - kX16Rows * 2; }

// Bytes of one group of 16 rows of k values.
inline std::size_t x16_group_bytes(GgmlType type, std::int64_t k) {
  return x16_block_bytes(type) * static_cast<std::size_t>(k / 32);
}

// Whether a [n_rows, k] matrix of `type` can be interleaved.
bool x16_supported(GgmlType type, std::int64_t n_rows, std::int64_t k);

// Rows r < n_rows (a multiple of 16; row r at w + r * stride, k values) into
// the interleaved layout at `out` (n_rows / 16 groups), and back.
void interleave_x16(GgmlType type, const void* w, std::size_t stride, std::int64_t n_rows, std::int64_t k, void* out);
void deinterleave_x16(GgmlType type, const void* groups, std::int64_t n_rows, std::int64_t k, void* w,
                      std::size_t stride);

// The group holding row `row` (a multiple of 16) of an interleaved view.
inline const std::byte* x16_group(const TensorView& w, std::int64_t row) {
  return static_cast<const std::byte*>(w.data) +
         static_cast<std::size_t>(row / kX16Rows) * x16_group_bytes(w.type, w.cols());
}

// Repack blocks [b0, b1) of one group into an int8 tile and multiply it by
// the first n_act activation rows in the same pass (as RepackGemmInt8TileFn
// for all 16 rows; later rows take the GemmInt8TileFn over the tile).
using RepackGemmX16Fn = void (*)(const void* group, std::int64_t b0, std::int64_t b1, void* tile, const Int8Act& act,
                                 int n_act, const Int8Out& out);

// The n_groups (1 or 2) consecutive groups at `groups` (k values each) into
// a bf16 strip (gemm_bf16.h; rows past 16 * n_groups are zero).
using PackBf16StripX16Fn = void (*)(const void* groups, int n_groups, std::int64_t k, std::uint16_t* strip);

// AMX-INT8 (or its twin): c[m][j] = the product of activation rows m <
// n_act (any count; 16 per tile pass) and the 16 weight rows of one group,
// over all nb blocks of K, overwriting c (row m at c + m * ldc, 16 columns).
// Weights enter as signed levels (Q4_0: nibble - 8, Q8_0: q), so a block's
// exact int32 dot needs only the scale product: per block and row,
// c += float(dot) * (d_w * d_a) as one FMA. act.s is not read.
using GemmX16Fn = void (*)(const void* group, std::int64_t nb, const Int8Act& act, int n_act, float* c,
                           std::size_t ldc);

namespace ref {

void gemm_x16_q4_0(const void* group, std::int64_t nb, const Int8Act& act, int n_act, float* c, std::size_t ldc);
void gemm_x16_q8_0(const void* group, std::int64_t nb, const Int8Act& act, int n_act, float* c, std::size_t ldc);

// Blocks [b0, b1) of one group into an int8 tile: the tile the row repack
// (ref::repack_q4_0_tile, ...) makes from the same 16 rows.
void repack_x16_tile(GgmlType type, const void* group, std::int64_t b0, std::int64_t b1, void* tile);
void repack_gemm_q4_0_x16(const void* group, std::int64_t b0, std::int64_t b1, void* tile, const Int8Act& act,
                          int n_act, const Int8Out& out);
void repack_gemm_q8_0_x16(const void* group, std::int64_t b0, std::int64_t b1, void* tile, const Int8Act& act,
                          int n_act, const Int8Out& out);
void pack_bf16_strip_x16_q4_0(const void* groups, int n_groups, std::int64_t k, std::uint16_t* strip);
void pack_bf16_strip_x16_q8_0(const void* groups, int n_groups, std::int64_t k, std::uint16_t* strip);

}  // namespace ref
}  // namespace servir::kernels
