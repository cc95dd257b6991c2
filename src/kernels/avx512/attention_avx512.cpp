// Paged attention for one (token, KV head) item with AVX-512 (contract in
// kernels/attend.h): keys in blocks of 16, the 16 keys' K rows transposed so
// one broadcast query value times one register scores 16 keys for a head
// with no horizontal sums; online softmax per block (one exp512 per head and
// block); V rows converted once per block and accumulated with broadcast
// probabilities. K and V are read in place from the cache's type (F16,
// BF16, Q8_0 with its block scales, F32) and widened in registers. Head
// dims 32, 64, 80, 96, 128 and 256, groups up to 32 heads; other shapes
// return false.
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/attend.h"
#include "kernels/avx512/avx512_kernels.h"
#include "kernels/avx512/simd_avx512.h"

namespace servir::kernels::avx512 {
namespace {

constexpr int kKeys = 16;     // keys per block
constexpr int kQ8Block = 34;  // bytes of a Q8_0 block: f16 scale + 32 int8

// Elements e..e+15 of a head's K or V row (e a multiple of 16) as f32, read
// in place from the cache's type: F16 and BF16 widen, a Q8_0 row's int8
// values widen and take their block's scale (a 16-run never straddles a
// block of 32).
template <GgmlType T>
__m512 load16(const std::byte* row, int e) {
  if constexpr (T == GgmlType::kF16) {
    return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(row + 2 * e)));
  } else if constexpr (T == GgmlType::kBF16) {
    const __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(row + 2 * e));
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
  } else if constexpr (T == GgmlType::kQ8_0) {
    const std::byte* block = row + static_cast<std::ptrdiff_t>(e / 32) * kQ8Block;
    std::uint16_t scale_bits;
    std::memcpy(&scale_bits, block, sizeof scale_bits);
    const __m128i q = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block + 2 + e % 32));
    return _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(q)), _mm512_set1_ps(_cvtsh_ss(scale_bits)));
  } else {
    return _mm512_loadu_ps(reinterpret_cast<const float*>(row) + e);
  }
}

// NV = head_dim / 16 registers per head row, a compile-time constant so the
// per-head accumulators and the 8 score registers stay in registers.
template <GgmlType T, int NV>
void attend_impl(const AttendItem& it) {
  constexpr int hd = 16 * NV;
  constexpr int nv = NV;
  const int G = it.group;
  // Work: acc [G][hd], kt [hd][16] (K transposed), vb [16][hd], p [G][16].
  float* acc = it.work;
  float* kt = acc + G * hd;
  float* vb = kt + kKeys * hd;
  float* prob = vb + kKeys * hd;
  float run_max[32], run_sum[32];
  for (int g = 0; g < G; ++g) {
    run_max[g] = -INFINITY;
    run_sum[g] = 0;
  }
  for (int i = 0; i < G * hd; i += 16) _mm512_store_ps(acc + i, _mm512_setzero_ps());

  for (std::int64_t p0 = it.first_key; p0 < it.n_keys; p0 += kKeys) {
    const int n = static_cast<int>(std::min<std::int64_t>(kKeys, it.n_keys - p0));
    const std::byte* k_rows[kKeys];
    const std::byte* v_rows[kKeys];
    for (int i = 0; i < n; ++i) {
      const std::int64_t p = p0 + i;
      k_rows[i] = it.kv.k_row(p);
      v_rows[i] = it.kv.v_row(p);
    }
    // K block transposed: kt[d][i] = K[i][d] (keys past n are zero).
    for (int c = 0; c < nv; ++c) {
      __m512 r[16];
      for (int i = 0; i < 16; ++i) r[i] = i < n ? load16<T>(k_rows[i], 16 * c) : _mm512_setzero_ps();
      transpose_16x16(r);
      for (int d = 0; d < 16; ++d) _mm512_store_ps(kt + (16 * c + d) * kKeys, r[d]);
    }
    // Scores, 8 heads at a time so each kt row is loaded once per 8 heads
    // (a group that is not a multiple of 8 repeats its last head).
    const __mmask16 valid = static_cast<__mmask16>(n >= 16 ? 0xffff : (1u << n) - 1);
    const __m512 scale = _mm512_set1_ps(it.scale);
    for (int g0 = 0; g0 < G; g0 += 8) {
      const int gn = std::min(8, G - g0);
      const float* qh[8];
      for (int g = 0; g < 8; ++g) qh[g] = it.q + (g0 + std::min(g, gn - 1)) * hd;
      __m512 s[8];
      for (int g = 0; g < 8; ++g) s[g] = _mm512_setzero_ps();
      for (int d = 0; d < hd; ++d) {
        const __m512 kd = _mm512_load_ps(kt + d * kKeys);
        for (int g = 0; g < 8; ++g) s[g] = _mm512_fmadd_ps(_mm512_set1_ps(qh[g][d]), kd, s[g]);
      }
      for (int g = 0; g < gn; ++g) {
        const int h = g0 + g;
        const __m512 sc = _mm512_mask_mov_ps(_mm512_set1_ps(-INFINITY), valid, _mm512_mul_ps(s[g], scale));
        const float block_max = hmax(sc);
        const float new_max = std::max(run_max[h], block_max);
        const float rescale = std::exp(run_max[h] - new_max);  // 0 on the first block (exp(-inf))
        const __m512 e = _mm512_maskz_mov_ps(valid, exp512(_mm512_sub_ps(sc, _mm512_set1_ps(new_max))));
        run_sum[h] = run_sum[h] * rescale + hsum(e);
        run_max[h] = new_max;
        _mm512_store_ps(prob + h * kKeys, e);
        if (rescale != 1.0f) {
          const __m512 rs = _mm512_set1_ps(rescale);
          for (int c = 0; c < nv; ++c) {
            _mm512_store_ps(acc + h * hd + 16 * c, _mm512_mul_ps(_mm512_load_ps(acc + h * hd + 16 * c), rs));
          }
        }
      }
    }
    // V block to f32 once, then every head accumulates it.
    for (int i = 0; i < n; ++i) {
      for (int c = 0; c < nv; ++c) _mm512_store_ps(vb + i * hd + 16 * c, load16<T>(v_rows[i], 16 * c));
    }
    for (int h = 0; h < G; ++h) {
      __m512 a[NV];
      for (int c = 0; c < nv; ++c) a[c] = _mm512_load_ps(acc + h * hd + 16 * c);
      for (int i = 0; i < n; ++i) {
        const __m512 w = _mm512_set1_ps(prob[h * kKeys + i]);
        for (int c = 0; c < nv; ++c) a[c] = _mm512_fmadd_ps(w, _mm512_load_ps(vb + i * hd + 16 * c), a[c]);
      }
      for (int c = 0; c < nv; ++c) _mm512_store_ps(acc + h * hd + 16 * c, a[c]);
    }
  }
  for (int h = 0; h < G; ++h) {
    const __m512 inv = _mm512_set1_ps(run_sum[h] > 0 ? 1.0f / run_sum[h] : 0.0f);
    for (int c = 0; c < nv; ++c) {
      _mm512_storeu_ps(it.out + h * hd + 16 * c, _mm512_mul_ps(_mm512_load_ps(acc + h * hd + 16 * c), inv));
    }
  }
}

template <GgmlType T>
bool attend_typed(const AttendItem& it) {
  switch (it.head_dim) {
    case 32:
      attend_impl<T, 2>(it);
      return true;
    case 64:
      attend_impl<T, 4>(it);
      return true;
    case 80:
      if constexpr (T == GgmlType::kQ8_0) {
        return false;  // not whole Q8_0 blocks (the cache refuses it)
      } else {
        attend_impl<T, 5>(it);
        return true;
      }
    case 96:
      attend_impl<T, 6>(it);
      return true;
    case 128:
      attend_impl<T, 8>(it);
      return true;
    case 256:
      attend_impl<T, 16>(it);
      return true;
    default:
      return false;
  }
}

}  // namespace

bool attend(const AttendItem& it) {
  if (it.group < 1 || it.group > 32) return false;
  switch (it.kv.type) {
    case GgmlType::kF16:
      return attend_typed<GgmlType::kF16>(it);
    case GgmlType::kBF16:
      return attend_typed<GgmlType::kBF16>(it);
    case GgmlType::kQ8_0:
      return attend_typed<GgmlType::kQ8_0>(it);
    case GgmlType::kF32:
      return attend_typed<GgmlType::kF32>(it);
    default:
      return false;
  }
}

}  // namespace servir::kernels::avx512
