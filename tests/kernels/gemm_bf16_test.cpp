// BF16 tile GEMM (kernels/gemm_bf16.h): the AMX packers bit-exact against
// their scalar twins, the tile kernel against the scalar product of the same
// bf16 values, for every strip width, group count and K.
#include <cmath>
#include <cstdlib>
#include <memory>
#include <vector>

#include <gtest/gtest.h>

#include "isa_param.h"
#include "kernels/dtype_traits.h"
#include "kernels/gemm_bf16.h"
#include "util/half.h"

namespace servir::kernels {
namespace {

using testing::random_values;

const KernelTable* amx_table() { return isa_supported(Isa::kAmx) ? &kernel_table(Isa::kAmx) : nullptr; }

#define REQUIRE_AMX()                                                                         \
  if (amx_table() == nullptr) {                                                               \
    GTEST_SKIP() << "CPU (or OS) lacks AMX-BF16 (has: " << cpu_features().to_string() << ")"; \
  }                                                                                           \
  const KernelTable& t = *amx_table()

struct AlignedBuf {
  struct Free {
    void operator()(std::uint16_t* p) const { std::free(p); }
  };
  explicit AlignedBuf(std::size_t elems)
      : p(static_cast<std::uint16_t*>(std::aligned_alloc(64, (elems * 2 + 63) / 64 * 64))) {}
  std::unique_ptr<std::uint16_t, Free> p;
  std::uint16_t* get() const { return p.get(); }
};

TEST(Bf16Rounding, NearestEvenFlushesDenormalsKeepsNan) {
  EXPECT_EQ(f32_to_bf16_ftz(1.0f), 0x3f80);
  EXPECT_EQ(f32_to_bf16_ftz(-2.0f), 0xc000);
  EXPECT_EQ(f32_to_bf16_ftz(bf16_to_f32(0x3f80) + std::ldexp(1.0f, -8)), 0x3f80);  // tie to even (down)
  EXPECT_EQ(f32_to_bf16_ftz(bf16_to_f32(0x3f81) + std::ldexp(1.0f, -8)), 0x3f82);  // tie to even (up)
  EXPECT_EQ(f32_to_bf16_ftz(1e-40f), 0x0000);
  EXPECT_EQ(f32_to_bf16_ftz(-1e-40f), 0x8000);
  EXPECT_TRUE(std::isnan(bf16_to_f32(f32_to_bf16_ftz(NAN))));
  EXPECT_EQ(f32_to_bf16_ftz(INFINITY), 0x7f80);
}

// Every packer the AMX table has equals to_f32 followed by the scalar row
// packer, bit for bit, for 1..32 rows (rows past n_rows zero).
TEST(Bf16Tiles, StripPackersMatchScalar) {
  REQUIRE_AMX();
  constexpr std::int64_t K = 256;
  for (const DTypeTraits& d : all_dtype_traits()) {
    const PackBf16StripFn pack = t.pack_bf16_strip[static_cast<std::uint32_t>(d.type)];
    if (pack == nullptr) continue;
    const std::size_t row = row_bytes(d, K);
    const auto w_f32 = random_values(32 * K, 11);
    std::vector<std::byte> w(row * 32 + 2);
    std::byte* w0 = w.data() + 2;  // rows not 4- or 64-byte aligned (f16 and bf16 stay 2-byte aligned)
    for (int j = 0; j < 32; ++j) d.from_f32(w_f32.data() + j * K, w0 + j * row, K);
    for (int n_rows : {1, 5, 16, 17, 32}) {
      AlignedBuf want(32 * K), got(32 * K);
      std::vector<float> deq(K);
      for (int j = 0; j < 32; ++j) {
        if (j < n_rows) {
          d.to_f32(w0 + j * row, deq.data(), K);
        } else {
          std::fill(deq.begin(), deq.end(), 0.0f);
        }
        ref::pack_bf16_row(deq.data(), K, j, want.get());
      }
      pack(w0, row, n_rows, K, got.get());
      for (std::int64_t i = 0; i < 32 * K; ++i) {
        ASSERT_EQ(got.get()[i], want.get()[i]) << ggml_type_name(d.type) << " n_rows=" << n_rows << " at " << i;
      }
    }
  }
}

TEST(Bf16Tiles, RowAndActivationPackersMatchScalar) {
  REQUIRE_AMX();
  constexpr std::int64_t K = 160;
  const std::size_t lda = K + 5;
  auto a = random_values(16 * lda + 1, 3);
  a[7] = 1e-40f;  // a denormal: flushed by both
  for (int n_rows = 1; n_rows <= 16; ++n_rows) {
    AlignedBuf want(16 * K), got(16 * K);
    ref::pack_bf16_act(a.data() + 1, lda, n_rows, K, want.get());
    t.pack_bf16_act(a.data() + 1, lda, n_rows, K, got.get());
    for (std::int64_t i = 0; i < 16 * K; ++i) ASSERT_EQ(got.get()[i], want.get()[i]) << n_rows << " at " << i;
  }
  AlignedBuf want(32 * K), got(32 * K);
  for (int j = 0; j < 32; ++j) {
    ref::pack_bf16_row(a.data() + j % 16 * lda, K, j, want.get());
    t.pack_bf16_row(a.data() + j % 16 * lda, K, j, got.get());
  }
  for (std::int64_t i = 0; i < 32 * K; ++i) ASSERT_EQ(got.get()[i], want.get()[i]) << "row packer at " << i;
}

// Split mode: the f16 strip packer against its scalar twin, bit for bit;
// hi + lo gives back every f16 weight exactly.
TEST(Bf16Tiles, SplitPackersMatchScalar) {
  REQUIRE_AMX();
  constexpr std::int64_t K = 96;
  const PackBf16SplitStripFn pack = t.pack_bf16_split_strip[static_cast<std::uint32_t>(GgmlType::kF16)];
  ASSERT_NE(pack, nullptr);
  const auto w_f32 = random_values(32 * K, 21);
  std::vector<std::uint16_t> w(32 * K);
  for (std::size_t i = 0; i < w.size(); ++i) w[i] = f32_to_f16(w_f32[i]);
  for (int n_rows : {1, 17, 32}) {
    AlignedBuf want(2 * 32 * K), got(2 * 32 * K);
    ref::pack_bf16_split_strip_f16(w.data(), K * 2, n_rows, K, want.get());
    pack(w.data(), K * 2, n_rows, K, got.get());
    for (std::int64_t i = 0; i < 2 * 32 * K; ++i) ASSERT_EQ(got.get()[i], want.get()[i]) << n_rows << " at " << i;
  }
  AlignedBuf strip(2 * 32 * K);
  pack(w.data(), K * 2, 32, K, strip.get());
  for (int j = 0; j < 32; ++j) {
    for (std::int64_t i = 0; i < K; ++i) {
      const std::int64_t s = i / 32, e = i % 32;
      const float hi = bf16_to_f32(strip.get()[(s * 32 + j) * 32 + e]);
      const float lo = bf16_to_f32(strip.get()[((K / 32 + s) * 32 + j) * 32 + e]);
      ASSERT_EQ(hi + lo, f16_to_f32(w[j * K + i])) << j << "," << i;
    }
  }
}

// The tile kernel against the scalar product of the same packed bf16
// values; only the f32 summation order differs (tolerance: 1e-5 of the sum
// of |products|).
TEST(Bf16Tiles, StripKernelMatchesScalar) {
  REQUIRE_AMX();
  for (std::int64_t K : {32, 96, 512}) {
    const auto w = random_values(32 * K, 5);
    AlignedBuf strip(32 * K);
    for (int j = 0; j < 32; ++j) ref::pack_bf16_row(w.data() + j * K, K, j, strip.get());
    for (std::int64_t M : {1, 15, 16, 17, 32, 33, 50}) {
      const std::int64_t groups = (M + 15) / 16;
      const auto a = random_values(static_cast<std::size_t>(M * K), static_cast<std::uint32_t>(M));
      AlignedBuf act(static_cast<std::size_t>(groups * 16 * K));
      for (std::int64_t g = 0; g < groups; ++g) {
        ref::pack_bf16_act(a.data() + g * 16 * K, K, static_cast<int>(std::min<std::int64_t>(16, M - g * 16)), K,
                           act.get() + g * 16 * K);
      }
      for (int n_cols : {1, 9, 16, 20, 32}) {
        const std::size_t ldc = 37;
        std::vector<float> want(M * ldc, -7.0f), got(M * ldc, -7.0f);
        ref::gemm_bf16_strip(strip.get(), n_cols, K, act.get(), M, want.data(), ldc);
        t.gemm_bf16_strip(strip.get(), n_cols, K, act.get(), M, got.data(), ldc);
        for (std::int64_t m = 0; m < M; ++m) {
          for (std::size_t j = 0; j < ldc; ++j) {
            const float g = got[m * ldc + j], e = want[m * ldc + j];
            if (j >= static_cast<std::size_t>(n_cols)) {
              ASSERT_EQ(g, -7.0f) << "wrote past n_cols at " << m << "," << j;
              continue;
            }
            double mag = 0;
            for (std::int64_t k = 0; k < K; ++k) {
              mag += std::fabs(static_cast<double>(bf16_to_f32(f32_to_bf16_ftz(a[m * K + k]))) *
                               bf16_to_f32(f32_to_bf16_ftz(w[j * K + k])));
            }
            ASSERT_NEAR(g, e, 1e-5 * mag + 1e-6)
                << "K=" << K << " M=" << M << " n_cols=" << n_cols << " at " << m << "," << j;
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace servir::kernels
