// Q8_0, Q4_0, Q5_0, Q4_1 and Q5_1 weights x Q8_0 activations with AVX2.
// vpmaddubsw needs one unsigned operand, so signed weights go in as |w| and
// the activations take w's sign (vpsignb); vpmaddwd with ones widens to
// int32. Q4_1/Q5_1 levels are unsigned and go in directly.
#include <cstring>
#include <type_traits>

#include "kernels/avx2/avx2_kernels.h"
#include "kernels/avx2/simd_avx2.h"
#include "kernels/quant/block_types.h"

namespace servir::kernels::avx2 {
namespace {

struct Q8_0Loader {
  using Block = BlockQ8_0;
  static __m256i load(const BlockQ8_0& x) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x.qs)); }
};

// 32 nibbles in element order: the low nibbles of qs, then the high ones.
__m256i load_nibbles(const std::uint8_t* qs) {
  const __m128i q = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
  const __m128i mask = _mm_set1_epi8(0x0F);
  return _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(q, 4), mask), _mm_and_si128(q, mask));
}

// The 32 bits of qh spread to bytes: byte i is 0xFF where bit i is set
// (each byte takes its qh byte with every other bit forced on).
__m256i load_fifth_bits(const std::uint8_t* qh_bytes) {
  std::uint32_t qh;
  std::memcpy(&qh, qh_bytes, 4);
  const __m256i spread = _mm256_shuffle_epi8(
      _mm256_set1_epi32(static_cast<int>(qh)),
      _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202, 0x0101010101010101, 0x0000000000000000));
  return _mm256_cmpeq_epi8(_mm256_or_si256(spread, _mm256_set1_epi64x(0x7fbfdfeff7fbfdfe)), _mm256_set1_epi64x(-1));
}

struct Q4_0Loader {
  using Block = BlockQ4_0;
  static __m256i load(const BlockQ4_0& x) { return _mm256_sub_epi8(load_nibbles(x.qs), _mm256_set1_epi8(8)); }
};

// Q5_0: a clear fifth bit ORs in 0xF0, which is the -16 offset in two's
// complement.
struct Q5_0Loader {
  using Block = BlockQ5_0;
  static __m256i load(const BlockQ5_0& x) {
    return _mm256_or_si256(load_nibbles(x.qs),
                           _mm256_andnot_si256(load_fifth_bits(x.qh), _mm256_set1_epi8(static_cast<char>(0xF0))));
  }
};

// Q4_1 and Q5_1 levels are unsigned (0..15, 0..31); dot_blocks_with_min
// adds the block minimum times the activation sum.
struct Q4_1Loader {
  using Block = BlockQ4_1;
  static __m256i load(const BlockQ4_1& x) { return load_nibbles(x.qs); }
};

struct Q5_1Loader {
  using Block = BlockQ5_1;
  static __m256i load(const BlockQ5_1& x) {
    return _mm256_or_si256(load_nibbles(x.qs), _mm256_and_si256(load_fifth_bits(x.qh), _mm256_set1_epi8(16)));
  }
};

template <typename Loader, int NA>
void dot_blocks(std::int64_t k, const void* w, const void* act, std::size_t act_stride, float* out) {
  const auto* x = static_cast<const typename Loader::Block*>(w);
  const BlockQ8_0* y[NA];
  __m256 acc[NA];
  for (int r = 0; r < NA; ++r) {
    y[r] = reinterpret_cast<const BlockQ8_0*>(static_cast<const std::byte*>(act) + r * act_stride);
    acc[r] = _mm256_setzero_ps();
  }
  const __m256i ones = _mm256_set1_epi16(1);
  for (std::int64_t b = 0; b < k / kQK; ++b) {
    const __m256i wq = Loader::load(x[b]);
    const __m256i wabs = _mm256_sign_epi8(wq, wq);
    const float dw = _cvtsh_ss(x[b].d);
    for (int r = 0; r < NA; ++r) {
      const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[r][b].qs));
      const __m256i p16 = _mm256_maddubs_epi16(wabs, _mm256_sign_epi8(a, wq));
      const __m256i p32 = _mm256_madd_epi16(p16, ones);
      acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p32), _mm256_set1_ps(dw * _cvtsh_ss(y[r][b].d)), acc[r]);
    }
  }
  for (int r = 0; r < NA; ++r) out[r] = hsum(acc[r]);
}

template <typename Loader, int NA>
void dot_blocks_with_min(std::int64_t k, const void* w, const void* act, std::size_t act_stride, float* out) {
  const auto* x = static_cast<const typename Loader::Block*>(w);
  const BlockQ8_0* y[NA];
  __m256 acc[NA];
  for (int r = 0; r < NA; ++r) {
    y[r] = reinterpret_cast<const BlockQ8_0*>(static_cast<const std::byte*>(act) + r * act_stride);
    acc[r] = _mm256_setzero_ps();
  }
  const __m256i ones = _mm256_set1_epi16(1);
  const __m256i ones8 = _mm256_set1_epi8(1);
  for (std::int64_t b = 0; b < k / kQK; ++b) {
    const __m256i wq = Loader::load(x[b]);
    const float dw = _cvtsh_ss(x[b].d);
    const float mw = _cvtsh_ss(x[b].m);
    for (int r = 0; r < NA; ++r) {
      const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[r][b].qs));
      const __m256i dot = _mm256_madd_epi16(_mm256_maddubs_epi16(wq, a), ones);
      const __m256i sum_a = _mm256_madd_epi16(_mm256_maddubs_epi16(ones8, a), ones);
      const float dy = _cvtsh_ss(y[r][b].d);
      acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), _mm256_set1_ps(dw * dy), acc[r]);
      acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum_a), _mm256_set1_ps(mw * dy), acc[r]);
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

}  // namespace servir::kernels::avx2
