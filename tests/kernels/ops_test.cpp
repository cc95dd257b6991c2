// Transformer-step ops: dispatched versions against the scalar references
// and closed-form values; RoPE layouts, partial rotary, Llama 3 and YaRN scaling.
#include <algorithm>
#include <cmath>

#include <gtest/gtest.h>

#include "isa_param.h"
#include "kernels/ops/ops.h"
#include "kernels/ops/ops_ref.h"
#include "kernels/ops/rope.h"
#include "util/half.h"

namespace servir::kernels {
namespace {

using testing::IsaTest;
using testing::random_values;

class Ops : public IsaTest {};

TEST_P(Ops, ElementwiseMatchReference) {
  for (std::int64_t n : {1, 7, 64, 1001}) {
    const auto x = random_values(static_cast<std::size_t>(n), 1, 3.0f);
    const auto g = random_values(static_cast<std::size_t>(n), 2);
    std::vector<float> want(x.size()), got(x.size());
    const KernelTable& t = table();

    ref::rms_norm(x.data(), g.data(), want.data(), n, 1e-5f);
    t.rms_norm(x.data(), g.data(), got.data(), n, 1e-5f);
    for (std::int64_t i = 0; i < n; ++i) ASSERT_NEAR(got[i], want[i], 1e-5 * std::fabs(want[i]) + 1e-6);

    for (std::int64_t i = 0; i < n; ++i) want[i] = x[i] / (1 + std::exp(-x[i]));
    t.silu(x.data(), got.data(), n);
    for (std::int64_t i = 0; i < n; ++i) ASSERT_NEAR(got[i], want[i], 1e-5 * std::fabs(want[i]) + 1e-6);

    t.swiglu(x.data(), g.data(), got.data(), n);
    for (std::int64_t i = 0; i < n; ++i) ASSERT_NEAR(got[i], want[i] * g[i], 1e-5 * std::fabs(want[i] * g[i]) + 1e-6);

    t.gelu(x.data(), got.data(), n);
    for (std::int64_t i = 0; i < n; ++i) {
      const double v = x[i];
      const double exact = 0.5 * v * (1 + std::erf(v / std::sqrt(2.0)));
      ASSERT_NEAR(got[i], exact, 1e-3 * std::fabs(exact) + 1e-3);  // tanh approximation
    }

    t.add(x.data(), g.data(), got.data(), n);
    for (std::int64_t i = 0; i < n; ++i) ASSERT_EQ(got[i], x[i] + g[i]);

    got = x;
    t.softmax(got.data(), n);
    double sum = 0;
    const float max = *std::max_element(x.begin(), x.end());
    double denom = 0;
    for (float v : x) denom += std::exp(static_cast<double>(v) - max);
    for (std::int64_t i = 0; i < n; ++i) {
      ASSERT_NEAR(got[i], std::exp(static_cast<double>(x[i]) - max) / denom, 1e-6);
      sum += got[i];
    }
    ASSERT_NEAR(sum, 1.0, 1e-5);
  }
}

TEST(Ops, ArgmaxTakesFirstOfTies) {
  const float x[] = {1, 5, 2, 5, -1};
  EXPECT_EQ(ref::argmax(x, 5), 1);
  EXPECT_EQ(ref::argmax(x, 1), 0);
}

TEST(Ops, SoftmaxIsStableForLargeInputs) {
  float x[] = {1000.0f, 1000.0f, -1000.0f};
  ref::softmax(x, 3);
  EXPECT_FLOAT_EQ(x[0], 0.5f);
  EXPECT_FLOAT_EQ(x[1], 0.5f);
  EXPECT_EQ(x[2], 0.0f);
}

TEST(Ops, EmbeddingRowsDequantize) {
  const KernelTable& t = kernel_table(Isa::kScalar);
  KernelContext ctx(t, nullptr);
  std::vector<std::uint16_t> table(4 * 8);
  for (std::size_t i = 0; i < table.size(); ++i) table[i] = f32_to_f16(static_cast<float>(i));
  const std::int32_t ids[] = {3, 0};
  std::vector<float> out(16);
  embedding_rows(ctx, TensorView::contiguous(table.data(), GgmlType::kF16, 8, 4), ids, 2, out.data());
  EXPECT_EQ(out[0], 24.0f);
  EXPECT_EQ(out[7], 31.0f);
  EXPECT_EQ(out[8], 0.0f);
}

// Naive RoPE straight from the definition, for one head.
std::vector<float> rope_naive(std::vector<float> v, const RopeConfig& cfg, const std::vector<float>& inv_freq,
                              std::int64_t pos) {
  const int half = cfg.n_rot / 2;
  for (int i = 0; i < half; ++i) {
    const double th = static_cast<double>(pos) * inv_freq[static_cast<std::size_t>(i)];
    const int i0 = cfg.layout == RopeLayout::kNormal ? 2 * i : i;
    const int i1 = cfg.layout == RopeLayout::kNormal ? 2 * i + 1 : i + half;
    const double a = v[static_cast<std::size_t>(i0)], b = v[static_cast<std::size_t>(i1)];
    v[static_cast<std::size_t>(i0)] = static_cast<float>(a * std::cos(th) - b * std::sin(th));
    v[static_cast<std::size_t>(i1)] = static_cast<float>(a * std::sin(th) + b * std::cos(th));
  }
  return v;
}

TEST(Rope, NormalAndNeoxWithPartialRotary) {
  for (RopeLayout layout : {RopeLayout::kNormal, RopeLayout::kNeox}) {
    RopeConfig cfg{.head_dim = 64, .n_rot = 32, .freq_base = 10000.0f, .layout = layout};
    RopeTable table(cfg);
    ASSERT_EQ(table.inv_freq().size(), 16u);
    EXPECT_FLOAT_EQ(table.inv_freq()[0], 1.0f);
    EXPECT_NEAR(table.inv_freq()[1], std::pow(10000.0, -2.0 / 32), 1e-7);
    auto x = random_values(3 * 64, 5);
    auto y = x;
    rope(table, y.data(), 3, 17);
    for (int h = 0; h < 3; ++h) {
      std::vector<float> head(x.begin() + h * 64, x.begin() + (h + 1) * 64);
      const auto want = rope_naive(head, cfg, table.inv_freq(), 17);
      for (int d = 0; d < 64; ++d) ASSERT_NEAR(y[h * 64 + d], want[static_cast<std::size_t>(d)], 1e-5);
      for (int d = 32; d < 64; ++d) ASSERT_EQ(y[h * 64 + d], x[h * 64 + d]);  // not rotated
    }
    // Position 0 is the identity.
    auto z = x;
    rope(table, z.data(), 3, 0);
    EXPECT_EQ(z, x);
  }
}

TEST(Rope, RelativePositionProperty) {
  // <rope(q, m), rope(k, n)> depends only on m - n.
  RopeConfig cfg{.head_dim = 16, .n_rot = 16, .layout = RopeLayout::kNeox};
  RopeTable table(cfg);
  const auto q = random_values(16, 1), k = random_values(16, 2);
  auto dot_at = [&](std::int64_t m, std::int64_t n) {
    auto a = q, b = k;
    rope(table, a.data(), 1, m);
    rope(table, b.data(), 1, n);
    double s = 0;
    for (int i = 0; i < 16; ++i) s += a[static_cast<std::size_t>(i)] * b[static_cast<std::size_t>(i)];
    return s;
  };
  EXPECT_NEAR(dot_at(10, 3), dot_at(107, 100), 1e-4);
}

TEST(Rope, Llama3FrequencyScaling) {
  RopeConfig cfg{.head_dim = 128, .n_rot = 128, .freq_base = 500000.0f};
  cfg.llama3 = {.factor = 8, .low_freq_factor = 1, .high_freq_factor = 4, .original_context = 8192};
  RopeTable scaled(cfg);
  cfg.llama3.factor = 0;
  RopeTable plain(cfg);
  for (std::size_t i = 0; i < 64; ++i) {
    const double f = plain.inv_freq()[i];
    const double wavelen = 2 * M_PI / f;
    double want = f;
    if (wavelen > 8192) {
      want = f / 8;
    } else if (wavelen >= 8192 / 4.0) {
      const double smooth = (8192 / wavelen - 1) / (4 - 1);
      want = (1 - smooth) * f / 8 + smooth * f;
    }
    EXPECT_NEAR(scaled.inv_freq()[i], want, 1e-6 * want) << i;
  }
  EXPECT_EQ(scaled.inv_freq()[0], plain.inv_freq()[0]);                 // high frequency kept
  EXPECT_NEAR(scaled.inv_freq()[63], plain.inv_freq()[63] / 8, 1e-12);  // low frequency divided
}

// YaRN with n_rot 16, base 1e4, original context 32, factor 4: the beta_fast
// (32 turns) correction dim is 16 ln(32 / 64 pi) / (2 ln 1e4) = -1.60, floored
// to -2 and clamped to 0; the beta_slow (1 turn) dim is 16 ln(32 / 2 pi) /
// (2 ln 1e4) = 1.41, ceiled to 2. So pair 0 keeps its frequency, pair 1 is
// half way and pairs 2.. are divided by 4.
TEST(Rope, YarnFrequencyBlend) {
  RopeConfig cfg{.head_dim = 16, .n_rot = 16, .freq_base = 10000.0f, .layout = RopeLayout::kNeox};
  const RopeTable plain(cfg);
  cfg.yarn = {.factor = 4, .original_context = 32, .beta_fast = 32, .beta_slow = 1};
  const RopeTable yarn(cfg);
  for (std::size_t i = 0; i < 8; ++i) {
    const double f = plain.inv_freq()[i];
    const double want = i == 0 ? f : i == 1 ? 0.5 * f + 0.5 * f / 4 : f / 4;
    EXPECT_NEAR(yarn.inv_freq()[i], want, 1e-6 * want) << i;
  }
  // Without truncation the ramp runs over the fractional dims [0, 1.414].
  cfg.yarn.truncate = false;
  const RopeTable untruncated(cfg);
  const double r = 1 / 1.4139402199235818;
  EXPECT_NEAR(untruncated.inv_freq()[1], r * plain.inv_freq()[1] / 4 + (1 - r) * plain.inv_freq()[1], 1e-7);
  EXPECT_NEAR(untruncated.inv_freq()[2], plain.inv_freq()[2] / 4, 1e-9);
}

// Qwen2.5's recipe (head 128, base 1e6, 32K original, factor 4): correction
// dims 128 ln(32768 / 64 pi) / (2 ln 1e6) = 23.6 -> 23 and
// 128 ln(32768 / 2 pi) / (2 ln 1e6) = 39.7 -> 40.
TEST(Rope, YarnQwenRecipe) {
  RopeConfig cfg{.head_dim = 128, .n_rot = 128, .freq_base = 1e6f, .layout = RopeLayout::kNeox};
  const RopeTable plain(cfg);
  cfg.yarn = {.factor = 4, .original_context = 32768};
  const RopeTable yarn(cfg);
  for (std::size_t i = 0; i < 64; ++i) {
    const double f = plain.inv_freq()[i];
    const double r = std::clamp((static_cast<double>(i) - 23) / (40 - 23), 0.0, 1.0);
    EXPECT_NEAR(yarn.inv_freq()[i], r * f / 4 + (1 - r) * f, 1e-6 * f) << i;
  }
  EXPECT_EQ(yarn.inv_freq()[23], plain.inv_freq()[23]);
  EXPECT_FLOAT_EQ(yarn.inv_freq()[40], plain.inv_freq()[40] / 4);
}

// YaRN's attention factor scales the rotated dimensions only.
TEST(Rope, AttentionFactorScalesRotatedDims) {
  RopeConfig cfg{.head_dim = 32, .n_rot = 16, .layout = RopeLayout::kNeox};
  const RopeTable plain(cfg);
  cfg.attention_factor = 1.25f;
  const RopeTable scaled(cfg);
  const auto x = random_values(2 * 32, 3);
  auto a = x, b = x;
  rope(plain, a.data(), 2, 41);
  rope(scaled, b.data(), 2, 41);
  for (int h = 0; h < 2; ++h) {
    for (int d = 0; d < 32; ++d) {
      const auto i = static_cast<std::size_t>(h * 32 + d);
      EXPECT_NEAR(b[i], d < 16 ? 1.25f * a[i] : x[i], 1e-6) << h << " " << d;
    }
  }
}

SERVIR_INSTANTIATE_ISA_TESTS(Ops);

}  // namespace
}  // namespace servir::kernels
