// Paged attention for one (token, KV head) item with AVX2 + FMA (contract in
// kernels/attend.h): the 8-lane twin of avx512/attention_avx512.cpp. Keys in
// blocks of 8, the block's K rows transposed so one broadcast query value
// times one register scores 8 keys for a head; online softmax per block;
// V rows widened once per block and accumulated with broadcast
// probabilities. K and V are read in place from the cache's type (F16,
// BF16, Q8_0 with its block scales, F32). Head dims 32, 64, 96, 128 and 256
// (and 80 but for Q8_0), groups up to 32 heads; other shapes return false.
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/attend.h"
#include "kernels/avx2/avx2_kernels.h"
#include "kernels/avx2/simd_avx2.h"

namespace servir::kernels::avx2 {
namespace {

constexpr int kKeys = 8;      // keys per block
constexpr int kQ8Block = 34;  // bytes of a Q8_0 block: f16 scale + 32 int8

// Elements e..e+7 of a head's K or V row (e a multiple of 8) as f32.
template <GgmlType T>
__m256 load8(const std::byte* row, int e) {
  if constexpr (T == GgmlType::kF16) {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(row + 2 * e)));
  } else if constexpr (T == GgmlType::kBF16) {
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(row + 2 * e));
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
  } else if constexpr (T == GgmlType::kQ8_0) {
    const std::byte* block = row + static_cast<std::ptrdiff_t>(e / 32) * kQ8Block;
    std::uint16_t scale_bits;
    std::memcpy(&scale_bits, block, sizeof scale_bits);
    const __m128i q = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(block + 2 + e % 32));
    return _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(q)), _mm256_set1_ps(_cvtsh_ss(scale_bits)));
  } else {
    return _mm256_loadu_ps(reinterpret_cast<const float*>(row) + e);
  }
}

void transpose_8x8(__m256 r[8]) {
  __m256 t[8];
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
  }
  __m256 u[8];
  for (int i = 0; i < 8; i += 4) {
    u[i] = _mm256_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(1, 0, 1, 0));
    u[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(3, 2, 3, 2));
    u[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(1, 0, 1, 0));
    u[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
  for (int i = 0; i < 4; ++i) {
    r[i] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x20);
    r[i + 4] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x31);
  }
}

// NV = head_dim / 8 registers per head row.
template <GgmlType T, int NV>
void attend_impl(const AttendItem& it) {
  constexpr int hd = 8 * NV;
  const int G = it.group;
  // Work: acc [G][hd], kt [hd][8] (K transposed), vb [8][hd], prob [G][8].
  float* acc = it.work;
  float* kt = acc + G * hd;
  float* vb = kt + kKeys * hd;
  float* prob = vb + kKeys * hd;
  float run_max[32], run_sum[32];
  for (int g = 0; g < G; ++g) {
    run_max[g] = -INFINITY;
    run_sum[g] = 0;
  }
  for (int i = 0; i < G * hd; i += 8) _mm256_store_ps(acc + i, _mm256_setzero_ps());
  const __m256 scale = _mm256_set1_ps(it.scale);
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);

  for (std::int64_t p0 = it.first_key; p0 < it.n_keys; p0 += kKeys) {
    const int n = static_cast<int>(std::min<std::int64_t>(kKeys, it.n_keys - p0));
    const std::byte* k_rows[kKeys];
    const std::byte* v_rows[kKeys];
    for (int i = 0; i < n; ++i) {
      k_rows[i] = it.kv.k_row(p0 + i);
      v_rows[i] = it.kv.v_row(p0 + i);
    }
    // K block transposed: kt[d][i] = K[i][d] (keys past n are zero).
    for (int c = 0; c < NV; ++c) {
      __m256 r[8];
      for (int i = 0; i < 8; ++i) r[i] = i < n ? load8<T>(k_rows[i], 8 * c) : _mm256_setzero_ps();
      transpose_8x8(r);
      for (int d = 0; d < 8; ++d) _mm256_store_ps(kt + (8 * c + d) * kKeys, r[d]);
    }
    const __m256 valid = _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32(n), lane));
    // Scores, 4 heads at a time so each kt row is loaded once per 4 heads
    // (a group that is not a multiple of 4 repeats its last head).
    for (int g0 = 0; g0 < G; g0 += 4) {
      const int gn = std::min(4, G - g0);
      const float* qh[4];
      for (int g = 0; g < 4; ++g) qh[g] = it.q + (g0 + std::min(g, gn - 1)) * hd;
      __m256 s[4];
      for (int g = 0; g < 4; ++g) s[g] = _mm256_setzero_ps();
      for (int d = 0; d < hd; ++d) {
        const __m256 kd = _mm256_load_ps(kt + d * kKeys);
        for (int g = 0; g < 4; ++g) s[g] = _mm256_fmadd_ps(_mm256_set1_ps(qh[g][d]), kd, s[g]);
      }
      for (int g = 0; g < gn; ++g) {
        const int h = g0 + g;
        const __m256 sc = _mm256_blendv_ps(_mm256_set1_ps(-INFINITY), _mm256_mul_ps(s[g], scale), valid);
        const float new_max = std::max(run_max[h], hmax(sc));
        const float rescale = std::exp(run_max[h] - new_max);  // 0 on the first block (exp(-inf))
        const __m256 e = _mm256_and_ps(valid, exp256(_mm256_sub_ps(sc, _mm256_set1_ps(new_max))));
        run_sum[h] = run_sum[h] * rescale + hsum(e);
        run_max[h] = new_max;
        _mm256_store_ps(prob + h * kKeys, e);
        if (rescale != 1.0f) {
          const __m256 rs = _mm256_set1_ps(rescale);
          for (int c = 0; c < NV; ++c) {
            _mm256_store_ps(acc + h * hd + 8 * c, _mm256_mul_ps(_mm256_load_ps(acc + h * hd + 8 * c), rs));
          }
        }
      }
    }
    // V block to f32 once, then every head accumulates it.
    for (int i = 0; i < n; ++i) {
      for (int c = 0; c < NV; ++c) _mm256_store_ps(vb + i * hd + 8 * c, load8<T>(v_rows[i], 8 * c));
    }
    for (int h = 0; h < G; ++h) {
      for (int c = 0; c < NV; ++c) {
        __m256 a = _mm256_load_ps(acc + h * hd + 8 * c);
        for (int i = 0; i < n; ++i) {
          a = _mm256_fmadd_ps(_mm256_set1_ps(prob[h * kKeys + i]), _mm256_load_ps(vb + i * hd + 8 * c), a);
        }
        _mm256_store_ps(acc + h * hd + 8 * c, a);
      }
    }
  }
  for (int h = 0; h < G; ++h) {
    const __m256 inv = _mm256_set1_ps(run_sum[h] > 0 ? 1.0f / run_sum[h] : 0.0f);
    for (int c = 0; c < NV; ++c) {
      _mm256_storeu_ps(it.out + h * hd + 8 * c, _mm256_mul_ps(_mm256_load_ps(acc + h * hd + 8 * c), inv));
    }
  }
}

template <GgmlType T>
bool attend_typed(const AttendItem& it) {
  switch (it.head_dim) {
    case 32:
      attend_impl<T, 4>(it);
      return true;
    case 64:
      attend_impl<T, 8>(it);
      return true;
    case 80:
      if constexpr (T == GgmlType::kQ8_0) {
        return false;  // not whole Q8_0 blocks (the cache refuses it)
      } else {
        attend_impl<T, 10>(it);
        return true;
      }
    case 96:
      attend_impl<T, 12>(it);
      return true;
    case 128:
      attend_impl<T, 16>(it);
      return true;
    case 256:
      attend_impl<T, 32>(it);
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

}  // namespace servir::kernels::avx2
