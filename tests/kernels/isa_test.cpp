#include "kernels/isa.h"

#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "kernels/kernel_table.h"

namespace servir::kernels {
namespace {

TEST(Isa, ScalarAlwaysSupportedAndListedFirst) {
  const auto isas = supported_isas();
  ASSERT_FALSE(isas.empty());
  EXPECT_EQ(isas.front(), Isa::kScalar);
  EXPECT_EQ(best_isa(), isas.back());
  for (Isa isa : isas) EXPECT_EQ(kernel_table(isa).isa, isa);
}

TEST(Isa, ChooseHonorsNamesAndRefusesUnknown) {
  EXPECT_EQ(*choose_isa(""), best_isa());
  EXPECT_EQ(*choose_isa("scalar"), Isa::kScalar);
  const auto bad = choose_isa("sse9");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidArgument);
  if (!isa_supported(Isa::kAvx512)) {
    const auto missing = choose_isa("avx512");
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.status().message().find("lacks"), std::string::npos);
  }
}

TEST(Isa, EveryTableIsComplete) {
  for (Isa isa : supported_isas()) {
    const KernelTable& t = kernel_table(isa);
    EXPECT_NE(t.rms_norm, nullptr);
    EXPECT_NE(t.softmax, nullptr);
    EXPECT_NE(t.swiglu, nullptr);
    EXPECT_NE(t.dot(GgmlType::kQ4_K), nullptr);
    EXPECT_NE(t.quantizer(GgmlType::kQ8_K), nullptr);
  }
}

}  // namespace
}  // namespace servir::kernels

namespace servir::kernels {
namespace {

// SERVIR_ISA forces a level; an unknown name is refused with the reason.
TEST(Isa, DefaultTableHonorsEnvironment) {
  const char* old = std::getenv("SERVIR_ISA");
  const std::string saved = old != nullptr ? old : "";
  setenv("SERVIR_ISA", "scalar", 1);
  auto forced = default_kernel_table();
  ASSERT_TRUE(forced.ok());
  EXPECT_EQ((*forced)->isa, Isa::kScalar);
  setenv("SERVIR_ISA", "avx9000", 1);
  auto bad = default_kernel_table();
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("avx9000"), std::string::npos);
  unsetenv("SERVIR_ISA");
  auto best = default_kernel_table();
  ASSERT_TRUE(best.ok());
  EXPECT_EQ((*best)->isa, best_isa());
  if (old != nullptr) setenv("SERVIR_ISA", saved.c_str(), 1);
}

}  // namespace
}  // namespace servir::kernels
