// Every dispatched vec_dot and activation quantizer against the scalar
// reference, per ISA, per weight type, over odd lengths, 1..4 activation
// rows and misaligned activations.
#include <cmath>
#include <cstring>

#include <gtest/gtest.h>

#include "isa_param.h"
#include "kernels/dtype_traits.h"

namespace servir::kernels {
namespace {

using testing::IsaTest;
using testing::random_values;

// Row lengths per block size: K not a multiple of 256 where the type allows.
std::vector<std::int64_t> lengths_for(std::int64_t block) {
  if (block == 1) return {1, 7, 16, 33, 100, 257, 1000};
  if (block == 32) return {32, 64, 96, 160, 544, 2048};
  return {256, 512, 1280};
}

class VecDot : public IsaTest {};

TEST_P(VecDot, MatchesScalarForEveryType) {
  for (const DTypeTraits& w_traits : all_dtype_traits()) {
    const DTypeTraits& a_traits = *dtype_traits(w_traits.vec_dot_type);
    const VecDotFn fast = table().dot(w_traits.type);
    ASSERT_NE(fast, nullptr) << ggml_type_name(w_traits.type);
    for (std::int64_t k : lengths_for(std::max(w_traits.block_size, a_traits.block_size))) {
      const auto w_f32 = random_values(static_cast<std::size_t>(k), static_cast<std::uint32_t>(k));
      std::vector<std::byte> w(row_bytes(w_traits, k));
      w_traits.from_f32(w_f32.data(), w.data(), k);
      // Activation rows with a stride that is not a multiple of 16 bytes and
      // a start 4 bytes past an aligned address.
      const std::size_t a_row = row_bytes(a_traits, k);
      const std::size_t stride = a_row + 4;
      std::vector<std::byte> act_storage(stride * kMaxDotRows + 64);
      std::byte* act = act_storage.data() + 4;
      double bound[kMaxDotRows];
      for (int r = 0; r < kMaxDotRows; ++r) {
        const auto a = random_values(static_cast<std::size_t>(k), 100 + static_cast<std::uint32_t>(r * k));
        a_traits.from_f32(a.data(), act + r * stride, k);
        double mag = 0;
        for (std::int64_t i = 0; i < k; ++i) mag += std::fabs(w_f32[i] * a[i]);
        bound[r] = 2e-5 * mag + 1e-5;
      }
      for (int n_act = 1; n_act <= kMaxDotRows; ++n_act) {
        float want[kMaxDotRows], got[kMaxDotRows];
        w_traits.vec_dot(k, w.data(), act, stride, n_act, want);
        fast(k, w.data(), act, stride, n_act, got);
        for (int r = 0; r < n_act; ++r) {
          ASSERT_NEAR(got[r], want[r], bound[r])
              << ggml_type_name(w_traits.type) << " k=" << k << " n_act=" << n_act << " row " << r;
        }
      }
    }
  }
}

TEST_P(VecDot, ActivationQuantizersAreBitExact) {
  for (GgmlType type : {GgmlType::kQ8_0, GgmlType::kQ8_K, GgmlType::kF16}) {
    const DTypeTraits& t = *dtype_traits(type);
    for (std::int64_t k : {256, 1280, 4096}) {
      auto x = random_values(static_cast<std::size_t>(k) + 1, static_cast<std::uint32_t>(k) + 3);
      // A block whose extremes tie in magnitude, and an all-zero block.
      x[1] = 3.0f;
      x[5] = -3.0f;
      if (k >= 512) std::fill(x.begin() + 257, x.begin() + 257 + 256, 0.0f);
      const float* src = x.data() + 1;  // misaligned by 4 bytes
      std::vector<std::byte> want(row_bytes(t, k)), got(row_bytes(t, k));
      t.from_f32(src, want.data(), k);
      table().quantizer(type)(src, got.data(), k);
      ASSERT_EQ(std::memcmp(want.data(), got.data(), want.size()), 0) << ggml_type_name(type) << " k=" << k;
    }
  }
}

TEST_P(VecDot, DequantizersMatchScalar) {
  for (const DTypeTraits& t : all_dtype_traits()) {
    const std::int64_t k = t.block_size == 1 ? 1001 : 1280;
    const auto x = random_values(static_cast<std::size_t>(k), 11);
    std::vector<std::byte> q(row_bytes(t, k));
    t.from_f32(x.data(), q.data(), k);
    std::vector<float> want(static_cast<std::size_t>(k)), got(static_cast<std::size_t>(k));
    t.to_f32(q.data(), want.data(), k);
    table().dequantizer(t.type)(q.data(), got.data(), k);
    ASSERT_EQ(want, got) << ggml_type_name(t.type);
  }
}

SERVIR_INSTANTIATE_ISA_TESTS(VecDot);

}  // namespace
}  // namespace servir::kernels
