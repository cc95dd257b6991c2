// Int8 GEMM with AMX-INT8 over weights interleaved by 16 rows (contract in
// kernels/weights_x16.h, GemmX16Fn): batched decode, 12 to 47 rows
// (table_amx.cpp has the crossovers).
//
// Why the tiles pay here when they did not over GGUF rows (a branch of
// 2026-11-21 measured an AMX-INT8 path at 206 vs 234 t/s for batch 16):
// the B operand of TDPBSSD (8 rows of 4-value quads x 16 columns) is the
// interleaved block itself, so Q8_0 weights are loaded straight from
// memory and Q4_0 needs only a mask and a subtract per 64 bytes; the
// activations are the A operand as the split Q8_0 rows already hold them
// (16 rows x 32 bytes, row stride K), so nothing is packed per call. What
// is left per 32-value block is the tile work (two loads, TDPBSSD, a 1 KiB
// store) and per activation row one conversion, one scale product and one
// FMA, against 8 vpdpbusd and 4 scaling ops per row on the VNNI tiles.
// Two blocks are in flight (tiles 0-2 and 3-5).
#include <immintrin.h>

#include <algorithm>
#include <array>

#include "kernels/amx/amx_kernels.h"
#include "kernels/amx/tile_scope.h"
#include "kernels/avx512/simd_avx512.h"
#include "kernels/weights_x16.h"

namespace servir::kernels::amx {
namespace {

constexpr int kActRows = 16;  // activation rows per tile pass (A and C rows)

// Levels of one interleaved block as a B tile (64-byte rows).
struct Q4_0Levels {
  static constexpr std::size_t kBlockBytes = x16_block_bytes(GgmlType::kQ4_0);
  static constexpr std::size_t kScales = x16_scales_offset(GgmlType::kQ4_0);
  // Quad g < 4 is the low nibbles of the block's dword run g, quad g + 4
  // the high nibbles; minus 8 each.
  static const std::byte* b_tile(const std::byte* src, std::byte* buf) {
    const __m512i low4 = _mm512_set1_epi8(0x0F), eight = _mm512_set1_epi8(8);
    for (int q = 0; q < 4; ++q) {
      const __m512i packed = _mm512_loadu_si512(src + 64 * q);
      _mm512_store_si512(buf + 64 * q, _mm512_sub_epi8(_mm512_and_si512(packed, low4), eight));
      _mm512_store_si512(buf + 64 * (q + 4),
                         _mm512_sub_epi8(_mm512_and_si512(_mm512_srli_epi16(packed, 4), low4), eight));
    }
    return buf;
  }
};

struct Q8_0Levels {
  static constexpr std::size_t kBlockBytes = x16_block_bytes(GgmlType::kQ8_0);
  static constexpr std::size_t kScales = x16_scales_offset(GgmlType::kQ8_0);
  static const std::byte* b_tile(const std::byte* src, std::byte* /*buf*/) { return src; }
};

// The configuration for passes of n activation rows, configs()[n]. Static:
// GCC treats the stores into a local operand of LDTILECFG as dead and drops
// them (seen in the disassembly: an all-zero configuration, then #UD).
const TileConfig* configs() {
  static const auto table = [] {
    std::array<TileConfig, kActRows + 1> t{};
    for (int n = 1; n <= kActRows; ++n) {
      for (int tile : {0, 3}) {
        t[n].shape(tile, n, 32);      // A: activation rows x 32 values of a block
        t[n].shape(tile + 1, 8, 64);  // B: 8 quads x 16 weight rows
        t[n].shape(tile + 2, n, 64);  // C: activation rows x 16 int32
      }
    }
    return t;
  }();
  return table.data();
}

template <typename Levels>
void gemm_x16(const void* group, std::int64_t nb, const Int8Act& act, int n_act, float* c, std::size_t ldc) {
  const auto* g = static_cast<const std::byte*>(group);
  alignas(64) std::int32_t out[2][2][kActRows * 16];
  alignas(64) std::byte levels[2][512];
  int configured = 0;
  for (int m0 = 0; m0 < n_act; m0 += kActRows) {
    const int rows = std::min(kActRows, n_act - m0);
    if (rows != configured) {
      if (configured != 0) _tile_release();
      _tile_loadconfig(&configs()[rows]);
      configured = rows;
    }
    const std::int8_t* q = act.q + m0 * act.q_stride;
    const float* d = act.d + m0 * act.d_stride;
    const auto q_stride = static_cast<long>(act.q_stride);
    __m512 acc[kActRows];
    for (auto& v : acc) v = _mm512_setzero_ps();
    auto accumulate = [&](const std::int32_t* t, std::int64_t b, const std::byte* src) {
      const __m512 w_scale =
          _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + Levels::kScales)));
#pragma GCC unroll 16
      for (int m = 0; m < kActRows; ++m) {
        if (m < rows) {
          const __m512 scale = _mm512_mul_ps(w_scale, _mm512_set1_ps(d[m * act.d_stride + b]));
          acc[m] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_load_si512(t + 16 * m)), scale, acc[m]);
        }
      }
    };
    // Software-pipelined by block pairs: the products of pair p run on the
    // tile unit while the vector units scale pair p - 1, whose stores were
    // issued an iteration earlier (a vector load right after a tile store
    // waits for it).
    auto block_src = [&](std::int64_t b) { return g + b * static_cast<std::int64_t>(Levels::kBlockBytes); };
    const std::int64_t pairs = nb / 2;
    for (std::int64_t p = 0; p < pairs; ++p) {
      const std::int64_t b = 2 * p;
      const std::byte* src0 = block_src(b);
      const std::byte* src1 = src0 + Levels::kBlockBytes;
      if (m0 == 0) {
        avx512::prefetch_x16_block_ahead(src0, Levels::kBlockBytes);
        avx512::prefetch_x16_block_ahead(src1, Levels::kBlockBytes);
      }
      _tile_loadd(0, q + 32 * b, q_stride);
      _tile_loadd(1, Levels::b_tile(src0, levels[0]), 64);
      _tile_zero(2);
      _tile_dpbssd(2, 0, 1);
      _tile_loadd(3, q + 32 * (b + 1), q_stride);
      _tile_loadd(4, Levels::b_tile(src1, levels[1]), 64);
      _tile_zero(5);
      _tile_dpbssd(5, 3, 4);
      if (p > 0) {
        const int prev = static_cast<int>((p - 1) % 2);
        accumulate(out[prev][0], b - 2, block_src(b - 2));
        accumulate(out[prev][1], b - 1, block_src(b - 1));
      }
      _tile_stored(2, out[p % 2][0], 64);
      _tile_stored(5, out[p % 2][1], 64);
    }
    if (pairs > 0) {
      const int last = static_cast<int>((pairs - 1) % 2);
      accumulate(out[last][0], 2 * pairs - 2, block_src(2 * pairs - 2));
      accumulate(out[last][1], 2 * pairs - 1, block_src(2 * pairs - 1));
    }
    if (nb % 2 != 0) {
      const std::int64_t b = nb - 1;
      _tile_loadd(0, q + 32 * b, q_stride);
      _tile_loadd(1, Levels::b_tile(block_src(b), levels[0]), 64);
      _tile_zero(2);
      _tile_dpbssd(2, 0, 1);
      _tile_stored(2, out[0][0], 64);
      accumulate(out[0][0], b, block_src(b));
    }
    for (int m = 0; m < rows; ++m) _mm512_storeu_ps(c + (m0 + m) * ldc, acc[m]);
  }
  if (configured != 0) _tile_release();
}

}  // namespace

void gemm_x16_q4_0(const void* group, std::int64_t nb, const Int8Act& act, int n_act, float* c, std::size_t ldc) {
  gemm_x16<Q4_0Levels>(group, nb, act, n_act, c, ldc);
}

void gemm_x16_q8_0(const void* group, std::int64_t nb, const Int8Act& act, int n_act, float* c, std::size_t ldc) {
  gemm_x16<Q8_0Levels>(group, nb, act, n_act, c, ldc);
}

}  // namespace servir::kernels::amx
