// Q8_0, Q4_0, Q5_0, Q4_1 and Q5_1 weights x Q8_0 activations with AVX-512
// VNNI. Two 32-value blocks fill one zmm; vpdpbusd needs one unsigned
// operand, so Q8_0 weights go in as |w| and the activations take w's sign
// (masked negate); the other types' levels are unsigned already.
#include <immintrin.h>

#include <cstring>
#include <type_traits>

#include "kernels/avx512/avx512_kernels.h"
#include "kernels/avx512/simd_avx512.h"
#include "kernels/quant/block_types.h"

namespace servir::kernels::avx512 {
namespace {

const BlockQ8_0* act_row(const void* act, std::size_t stride, int r) {
  return reinterpret_cast<const BlockQ8_0*>(static_cast<const std::byte*>(act) + r * stride);
}

// Two blocks (or one, upper half zero) of activations as 64 bytes.
__m512i load_act_pair(const BlockQ8_0* y, bool two) {
  const __m256i lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[0].qs));
  const __m256i hi = two ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[1].qs)) : _mm256_setzero_si256();
  return _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
}

// Weights of two Q8_0 blocks (upper half zero when `two` is false).
struct Q8_0Loader {
  using Block = BlockQ8_0;
  static constexpr bool kUnsigned = false;
  static __m512i load(const BlockQ8_0* x, bool two) { return load_act_pair(x, two); }
};

// Nibbles (0..15) of two 32-value blocks in element order: each block's 16
// bytes are broadcast to both halves of a ymm, shifted by 0 / 4 bits per half
// and masked, giving [b0 lo, b0 hi | b1 lo, b1 hi].
template <typename Block>
__m512i load_nibble_pair(const Block* x, bool two) {
  const __m256i q0 = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x[0].qs)));
  const __m256i q1 = two ? _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x[1].qs)))
                         : _mm256_setzero_si256();
  const __m512i both = _mm512_inserti64x4(_mm512_castsi256_si512(q0), q1, 1);
  const __m512i shifted = _mm512_srlv_epi64(both, _mm512_set_epi64(4, 4, 0, 0, 4, 4, 0, 0));
  return _mm512_and_si512(shifted, _mm512_set1_epi8(0x0F));
}

// The nibbles plus 16 where the fifth bit is set: the 64 qh bits of the pair
// are the byte mask of those lanes.
template <typename Block>
__m512i load_five_bit_pair(const Block* x, bool two) {
  const __m512i nibbles = load_nibble_pair(x, two);
  std::uint32_t qh0, qh1 = 0;
  std::memcpy(&qh0, x[0].qh, 4);
  if (two) std::memcpy(&qh1, x[1].qh, 4);
  const __mmask64 high = _cvtu64_mask64(std::uint64_t{qh0} | std::uint64_t{qh1} << 32);
  return _mm512_mask_add_epi8(nibbles, high, nibbles, _mm512_set1_epi8(16));
}

// Q4_0 and Q5_0 levels stay unsigned (0..15 / 0..31); dot_blocks takes the
// offset off as kOffset * sum(a).
struct Q4_0Loader {
  using Block = BlockQ4_0;
  static constexpr bool kUnsigned = true;
  static constexpr char kOffset = 8;
  static __m512i load(const BlockQ4_0* x, bool two) { return load_nibble_pair(x, two); }
};

struct Q5_0Loader {
  using Block = BlockQ5_0;
  static constexpr bool kUnsigned = true;
  static constexpr char kOffset = 16;
  static __m512i load(const BlockQ5_0* x, bool two) { return load_five_bit_pair(x, two); }
};

// Q4_1 and Q5_1 (unsigned levels and an f16 minimum): dot_blocks_with_min.
struct Q4_1Loader {
  using Block = BlockQ4_1;
  static __m512i load(const BlockQ4_1* x, bool two) { return load_nibble_pair(x, two); }
};

struct Q5_1Loader {
  using Block = BlockQ5_1;
  static __m512i load(const BlockQ5_1* x, bool two) { return load_five_bit_pair(x, two); }
};

template <typename Loader, int NA>
void dot_blocks(std::int64_t k, const void* w, const void* act, std::size_t act_stride, float* out) {
  using Block = typename Loader::Block;
  const auto* x = static_cast<const Block*>(w);
  const BlockQ8_0* y[NA];
  __m512 acc[NA];
  for (int r = 0; r < NA; ++r) {
    y[r] = act_row(act, act_stride, r);
    acc[r] = _mm512_setzero_ps();
  }
  const std::int64_t nb = k / kQK;
  const __m512i pair_index = _mm512_set_epi32(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0);
  for (std::int64_t b = 0; b < nb; b += 2) {
    const bool two = b + 1 < nb;
    prefetch_ahead(x + b);
    const std::uint64_t dw = x[b].d | (two ? std::uint64_t{x[b + 1].d} << 16 : 0);
    // Q4_0/Q5_0 levels stay unsigned (0..15 / 0..31) and the offset comes
    // off as 8 * sum(a) / 16 * sum(a);
    // Q8_0 takes |w| and moves w's sign onto the activations.
    __m512i wq = Loader::load(x + b, two);
    __mmask64 neg = 0;
    if constexpr (!Loader::kUnsigned) {
      neg = _mm512_movepi8_mask(wq);
      wq = _mm512_abs_epi8(wq);
    }
    for (int r = 0; r < NA; ++r) {
      __m512i a = load_act_pair(y[r] + b, two);
      __m512i dot;
      if constexpr (Loader::kUnsigned) {
        dot = _mm512_sub_epi32(_mm512_dpbusd_epi32(_mm512_setzero_si512(), wq, a),
                               _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_set1_epi8(Loader::kOffset), a));
      } else {
        a = _mm512_mask_sub_epi8(a, neg, _mm512_setzero_si512(), a);
        dot = _mm512_dpbusd_epi32(_mm512_setzero_si512(), wq, a);
      }
      // The four f16 scales of the pair go through one vcvtph2ps: with 512-bit
      // ops only two vector ports issue, so per-scalar conversions would cost
      // more than the dot product itself.
      const std::uint64_t da = y[r][b].d | (two ? std::uint64_t{y[r][b + 1].d} << 16 : 0);
      const __m128 f = _mm_cvtph_ps(_mm_cvtsi64_si128(static_cast<long long>(dw | da << 32)));
      const __m128 s01 = _mm_mul_ps(f, _mm_movehl_ps(f, f));  // [dw0*da0, dw1*da1, ...]
      const __m512 scale = _mm512_permutexvar_ps(pair_index, _mm512_castps128_ps512(s01));
      acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), scale, acc[r]);
    }
  }
  for (int r = 0; r < NA; ++r) out[r] = hsum(acc[r]);
}

// sum (d*q + m) * da*a = d*da * sum q*a + m*da * sum a, two blocks per zmm.
template <typename Loader, int NA>
void dot_blocks_with_min(std::int64_t k, const void* w, const void* act, std::size_t act_stride, float* out) {
  using Block = typename Loader::Block;
  const auto* x = static_cast<const Block*>(w);
  const BlockQ8_0* y[NA];
  __m512 acc[NA];
  for (int r = 0; r < NA; ++r) {
    y[r] = act_row(act, act_stride, r);
    acc[r] = _mm512_setzero_ps();
  }
  const std::int64_t nb = k / kQK;
  const __m512i pair_index = _mm512_set_epi32(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0);
  const __m512i min_index = _mm512_add_epi32(pair_index, _mm512_set1_epi32(2));
  const __m512i ones8 = _mm512_set1_epi8(1);
  for (std::int64_t b = 0; b < nb; b += 2) {
    const bool two = b + 1 < nb;
    prefetch_ahead(x + b);
    // [d0, d1, m0, m1] in one conversion.
    const std::uint64_t dm = x[b].d | std::uint64_t{x[b].m} << 32 |
                             (two ? std::uint64_t{x[b + 1].d} << 16 | std::uint64_t{x[b + 1].m} << 48 : 0);
    const __m128 fw = _mm_cvtph_ps(_mm_cvtsi64_si128(static_cast<long long>(dm)));
    const __m512i wq = Loader::load(x + b, two);
    for (int r = 0; r < NA; ++r) {
      const __m512i a = load_act_pair(y[r] + b, two);
      const __m512i dot = _mm512_dpbusd_epi32(_mm512_setzero_si512(), wq, a);
      const __m512i sum_a = _mm512_dpbusd_epi32(_mm512_setzero_si512(), ones8, a);
      const std::uint64_t da = y[r][b].d | (two ? std::uint64_t{y[r][b + 1].d} << 16 : 0);
      const __m128 fa = _mm_cvtph_ps(_mm_cvtsi64_si128(static_cast<long long>(da)));
      const __m128 s = _mm_mul_ps(fw, _mm_movelh_ps(fa, fa));  // [d0*da0, d1*da1, m0*da0, m1*da1]
      const __m512 s512 = _mm512_castps128_ps512(s);
      acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), _mm512_permutexvar_ps(pair_index, s512), acc[r]);
      acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sum_a), _mm512_permutexvar_ps(min_index, s512), acc[r]);
    }
  }
  for (int r = 0; r < NA; ++r) out[r] = hsum(acc[r]);
}

template <typename Loader, int NA>
void dot_rows(std::int64_t k, const void* w, const void* act, std::size_t act_stride, float* out) {
  using Block = typename Loader::Block;
  if constexpr (std::is_same_v<Block, BlockQ4_1> || std::is_same_v<Block, BlockQ5_1>) {
    dot_blocks_with_min<Loader, NA>(k, w, act, act_stride, out);
  } else {
    dot_blocks<Loader, NA>(k, w, act, act_stride, out);
  }
}

template <typename Loader>
void dot_dispatch(std::int64_t k, const void* w, const void* act, std::size_t act_stride, int n_act, float* out) {
  switch (n_act) {
    case 1:
      return dot_rows<Loader, 1>(k, w, act, act_stride, out);
    case 2:
      return dot_rows<Loader, 2>(k, w, act, act_stride, out);
    case 3:
      return dot_rows<Loader, 3>(k, w, act, act_stride, out);
    default:
      return dot_rows<Loader, 4>(k, w, act, act_stride, out);
  }
}

}  // namespace

void vec_dot_q8_0(std::int64_t k, const void* w, const void* act, std::size_t act_stride, int n_act, float* out) {
  dot_dispatch<Q8_0Loader>(k, w, act, act_stride, n_act, out);
}

void vec_dot_q4_0(std::int64_t k, const void* w, const void* act, std::size_t act_stride, int n_act, float* out) {
  dot_dispatch<Q4_0Loader>(k, w, act, act_stride, n_act, out);
}

void vec_dot_q5_0(std::int64_t k, const void* w, const void* act, std::size_t act_stride, int n_act, float* out) {
  dot_dispatch<Q5_0Loader>(k, w, act, act_stride, n_act, out);
}

void vec_dot_q4_1(std::int64_t k, const void* w, const void* act, std::size_t act_stride, int n_act, float* out) {
  dot_dispatch<Q4_1Loader>(k, w, act, act_stride, n_act, out);
}

void vec_dot_q5_1(std::int64_t k, const void* w, const void* act, std::size_t act_stride, int n_act, float* out) {
  dot_dispatch<Q5_1Loader>(k, w, act, act_stride, n_act, out);
}

}  // namespace servir::kernels::avx512
