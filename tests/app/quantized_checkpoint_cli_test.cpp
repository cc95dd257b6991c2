// `servir testmodel --quant` and what the other commands make of its
// output: inspect shows the quantization, run generates from it, and an
// unsupported quantization_config is refused with the field named.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "testing/test_paths.h"

namespace servir {
namespace {

using ::testing::HasSubstr;
using testing::run_command;
using testing::TempDir;

constexpr const char* kShape = "--hidden 64 --layers 2 --heads 4 --kv-heads 2 --ffn 128 --vocab 128 --seed 5";

TEST(QuantizedCheckpointCli, GptqActOrderInspectsAndRuns) {
  TempDir dir;
  const std::string out = (dir / "gptq").string();
  auto made = run_command(
      testing::servir_command(std::string("testmodel ") + kShape +
                              " --quant gptq --bits 4 --group-size 32 --act-order --asym --out '" + out + "'"),
      true);
  ASSERT_EQ(made.exit_code, 0) << made.output;
  auto inspected = run_command(testing::servir_command("inspect --json '" + out + "'"));
  ASSERT_EQ(inspected.exit_code, 0) << inspected.output;
  const auto j = nlohmann::json::parse(inspected.output);
  EXPECT_EQ(j["quantization"]["method"], "gptq");
  EXPECT_EQ(j["quantization"]["bits"], 4);
  EXPECT_EQ(j["quantization"]["group_size"], 32);
  EXPECT_EQ(j["quantization"]["act_order"], true);
  EXPECT_EQ(j["quantization"]["symmetric"], false);
  EXPECT_EQ(j["tensor_types"]["gptq4->q4_0"]["tensors"], 14);
  auto text = run_command(testing::servir_command("inspect '" + out + "'"));
  EXPECT_THAT(text.output, HasSubstr("gptq 4-bit g32 asym act-order"));
}

TEST(QuantizedCheckpointCli, AwqGemvIsRefusedNamingTheField) {
  TempDir dir;
  const std::string out = (dir / "awq").string();
  ASSERT_EQ(run_command(testing::servir_command(std::string("testmodel ") + kShape +
                                                " --quant awq --group-size 64 --out '" + out + "'"))
                .exit_code,
            0);
  auto config = testing::read_file(dir / "awq" / "config.json");
  const auto at = config.find("\"gemm\"");
  ASSERT_NE(at, std::string::npos);
  config.replace(at, 6, "\"gemv\"");
  testing::write_file(dir / "awq" / "config.json", config);
  auto r = run_command(testing::servir_command("inspect '" + out + "'"), true);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.output, HasSubstr("quantization_config.version = \"gemv\""));
}

}  // namespace
}  // namespace servir
