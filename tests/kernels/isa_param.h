// Runs a test once per ISA level; levels this CPU lacks are reported as
// skipped, so one ctest run covers every ISA the machine has.
#pragma once

#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "kernels/isa.h"
#include "kernels/kernel_table.h"

namespace servir::kernels::testing {

class IsaTest : public ::testing::TestWithParam<Isa> {
 protected:
  void SetUp() override {
    if (!isa_supported(GetParam())) {
      GTEST_SKIP() << "CPU lacks " << isa_name(GetParam()) << " (has: " << cpu_features().to_string() << ")";
    }
  }
  const KernelTable& table() const { return kernel_table(GetParam()); }
};

inline std::string isa_param_name(const ::testing::TestParamInfo<Isa>& info) {
  return std::string(isa_name(info.param));
}

#define SERVIR_INSTANTIATE_ISA_TESTS(suite)                                              \
  INSTANTIATE_TEST_SUITE_P(Isa, suite, ::testing::ValuesIn(::servir::kernels::kAllIsas), \
                           ::servir::kernels::testing::isa_param_name)

// Gaussian values with a few outliers, like real activations and weights.
inline std::vector<float> random_values(std::size_t n, std::uint32_t seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, scale);
  std::vector<float> v(n);
  for (auto& x : v) x = normal(rng);
  if (n > 8) v[seed % n] *= 6.0f;  // an outlier
  return v;
}

}  // namespace servir::kernels::testing
