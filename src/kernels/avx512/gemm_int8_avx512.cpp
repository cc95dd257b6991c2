// Int8 GEMM micro-kernel for Q8_0, Q4_0 and Q4_K weights with AVX-512
// VNNI, at full vpdpbusd width: 16 weight rows are repacked (per tile, at
// run time) so that one zmm holds 4 consecutive values of each of the 16
// rows; one activation dword broadcast against it adds into 16 output
// columns, with no horizontal reductions. Activations enter as u8 (q + 128)
// with f32 scales and scaled block sums; the +128 is taken back with the
// precomputed 128 * sum(w) of each weight block, and a weight block's offset
// (the Q4_K minimum) multiplies the activation block sum.
//
// Tile layout, per 32-value block b (kInt8TileBlockBytes each):
//   [0, 512)    group g (0..7), row j (0..15), byte i: w[j][32b + 4g + i]
//   [512, 576)  int32 x16: 128 * sum_k w[j][b][k]
//   [576, 640)  f32 x16: the scale of w[j]'s block b
//   [640, 704)  f32 x16: its offset (w = scale * q + offset; 0 for Q8_0/Q4_0)
#include <immintrin.h>

#include <cstring>

#include "kernels/avx512/avx512_kernels.h"
#include "kernels/quant/block_types.h"

namespace servir::kernels::avx512 {
namespace {

// Writes block b of weight row j (32 int8 values and its scale) into a tile.
void put_block(std::byte* tile, std::int64_t b, int j, const std::int8_t* q, float d, float offset = 0.0f) {
  std::byte* t = tile + b * kInt8TileBlockBytes;
  int sum = 0;
  for (int g = 0; g < 8; ++g) std::memcpy(t + 64 * g + 4 * j, q + 4 * g, 4);
  for (int i = 0; i < 32; ++i) sum += q[i];
  const std::int32_t corr = 128 * sum;
  std::memcpy(t + 512 + 4 * j, &corr, 4);
  std::memcpy(t + 576 + 4 * j, &d, 4);
  std::memcpy(t + 640 + 4 * j, &offset, 4);
}

template <int NA>
void tile_rows(std::int64_t k, const std::byte* tile, const std::uint8_t* act_u8, std::size_t u8_stride,
               const float* act_d, const float* act_sum, std::size_t d_stride, float* c, std::size_t ldc, int n_cols) {
  __m512 facc[NA];
  for (int r = 0; r < NA; ++r) facc[r] = _mm512_setzero_ps();
  for (std::int64_t b = 0; b < k / kQK; ++b) {
    const std::byte* t = tile + b * kInt8TileBlockBytes;
    __m512i w[8];
    for (int g = 0; g < 8; ++g) w[g] = _mm512_loadu_si512(t + 64 * g);
    __m512i acc0[NA], acc1[NA];
    for (int r = 0; r < NA; ++r) {
      acc0[r] = _mm512_setzero_si512();
      acc1[r] = _mm512_setzero_si512();
    }
    for (int g = 0; g < 8; g += 2) {
      for (int r = 0; r < NA; ++r) {
        const std::uint8_t* a = act_u8 + r * u8_stride + 32 * b + 4 * g;
        std::int32_t a0, a1;
        std::memcpy(&a0, a, 4);
        std::memcpy(&a1, a + 4, 4);
        acc0[r] = _mm512_dpbusd_epi32(acc0[r], _mm512_set1_epi32(a0), w[g]);
        acc1[r] = _mm512_dpbusd_epi32(acc1[r], _mm512_set1_epi32(a1), w[g + 1]);
      }
    }
    const __m512i corr = _mm512_loadu_si512(t + 512);
    const __m512 dw = _mm512_loadu_ps(reinterpret_cast<const float*>(t + 576));
    const __m512 offset = _mm512_loadu_ps(reinterpret_cast<const float*>(t + 640));
    for (int r = 0; r < NA; ++r) {
      const __m512i dot = _mm512_sub_epi32(_mm512_add_epi32(acc0[r], acc1[r]), corr);
      const __m512 scale = _mm512_mul_ps(dw, _mm512_set1_ps(act_d[r * d_stride + b]));
      facc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), scale, facc[r]);
      facc[r] = _mm512_fmadd_ps(offset, _mm512_set1_ps(act_sum[r * d_stride + b]), facc[r]);
    }
  }
  const auto mask = static_cast<__mmask16>((1u << n_cols) - 1);
  for (int r = 0; r < NA; ++r) _mm512_mask_storeu_ps(c + r * ldc, mask, facc[r]);
}

}  // namespace

void repack_q8_0_tile(const void* w, std::size_t w_stride, int n_rows, std::int64_t k, void* tile) {
  auto* out = static_cast<std::byte*>(tile);
  std::memset(out, 0, static_cast<std::size_t>(k / kQK) * kInt8TileBlockBytes);
  for (int j = 0; j < n_rows; ++j) {
    const auto* x = reinterpret_cast<const BlockQ8_0*>(static_cast<const std::byte*>(w) + j * w_stride);
    for (std::int64_t b = 0; b < k / kQK; ++b) put_block(out, b, j, x[b].qs, _cvtsh_ss(x[b].d));
  }
}

void repack_q4_0_tile(const void* w, std::size_t w_stride, int n_rows, std::int64_t k, void* tile) {
  auto* out = static_cast<std::byte*>(tile);
  std::memset(out, 0, static_cast<std::size_t>(k / kQK) * kInt8TileBlockBytes);
  const __m128i low4 = _mm_set1_epi8(0x0F), eight = _mm_set1_epi8(8);
  for (int j = 0; j < n_rows; ++j) {
    const auto* x = reinterpret_cast<const BlockQ4_0*>(static_cast<const std::byte*>(w) + j * w_stride);
    for (std::int64_t b = 0; b < k / kQK; ++b) {
      const __m128i q = _mm_loadu_si128(reinterpret_cast<const __m128i*>(x[b].qs));
      alignas(16) std::int8_t v[32];
      _mm_store_si128(reinterpret_cast<__m128i*>(v), _mm_sub_epi8(_mm_and_si128(q, low4), eight));
      _mm_store_si128(reinterpret_cast<__m128i*>(v + 16),
                      _mm_sub_epi8(_mm_and_si128(_mm_srli_epi16(q, 4), low4), eight));
      put_block(out, b, j, v, _cvtsh_ss(x[b].d));
    }
  }
}

void repack_q4_K_tile(const void* w, std::size_t w_stride, int n_rows, std::int64_t k, void* tile) {
  auto* out = static_cast<std::byte*>(tile);
  std::memset(out, 0, static_cast<std::size_t>(k / kQK) * kInt8TileBlockBytes);
  const __m256i low4 = _mm256_set1_epi8(0x0F);
  for (int j = 0; j < n_rows; ++j) {
    const auto* x = reinterpret_cast<const BlockQ4_K*>(static_cast<const std::byte*>(w) + j * w_stride);
    for (std::int64_t b = 0; b < k / kQK_K; ++b) {
      const float d = _cvtsh_ss(x[b].d), dmin = _cvtsh_ss(x[b].dmin);
      for (int c = 0; c < 4; ++c) {
        const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[b].qs + 32 * c));
        alignas(32) std::int8_t v[64];
        _mm256_store_si256(reinterpret_cast<__m256i*>(v), _mm256_and_si256(q, low4));
        _mm256_store_si256(reinterpret_cast<__m256i*>(v + 32), _mm256_and_si256(_mm256_srli_epi16(q, 4), low4));
        for (int h = 0; h < 2; ++h) {
          std::uint8_t sc, m;
          k_scale_min(2 * c + h, x[b].scales, &sc, &m);
          put_block(out, 8 * b + 2 * c + h, j, v + 32 * h, d * sc, -dmin * m);
        }
      }
    }
  }
}

void gemm_int8_tile(std::int64_t k, const void* tile, const std::uint8_t* act_u8, std::size_t u8_stride,
                    const float* act_d, const float* act_sum, std::size_t d_stride, int n_act, float* c,
                    std::size_t ldc, int n_cols) {
  const auto* t = static_cast<const std::byte*>(tile);
  switch (n_act) {
    case 1:
      return tile_rows<1>(k, t, act_u8, u8_stride, act_d, act_sum, d_stride, c, ldc, n_cols);
    case 2:
      return tile_rows<2>(k, t, act_u8, u8_stride, act_d, act_sum, d_stride, c, ldc, n_cols);
    case 3:
      return tile_rows<3>(k, t, act_u8, u8_stride, act_d, act_sum, d_stride, c, ldc, n_cols);
    default:
      return tile_rows<4>(k, t, act_u8, u8_stride, act_d, act_sum, d_stride, c, ldc, n_cols);
  }
}

}  // namespace servir::kernels::avx512
