// `servir run` end to end: real models, real tokenizer, the built binary.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "testing/test_paths.h"

namespace servir {
namespace {

using ::testing::HasSubstr;
using testing::run_command;
using ::testing::StartsWith;

std::string servir_cmd(const std::string& args) { return testing::servir_binary().string() + " " + args; }

TEST(RunCli, Stories260KGreedyFromBosTellsAStory) {
  const auto path = testing::shared_path("models/stories260K.gguf");
  SKIP_WITHOUT_SHARED(path);
  const auto r = run_command(servir_cmd("run -m " + path.string() + " --temp 0 -n 64"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, StartsWith("Once upon a time"));
  EXPECT_THAT(r.output, HasSubstr("Lily"));
}

TEST(RunCli, JsonOutputOfAnHfFolder) {
  const auto path = testing::shared_path("models/tinystories-656k");
  SKIP_WITHOUT_SHARED(path);
  const auto r = run_command(servir_cmd("run -m " + path.string() + " -p 'Once upon a time' --temp 0 -n 24 --json"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_GT(j["prompt_tokens"].get<int>(), 1);
  EXPECT_EQ(j["completion_tokens"], 24);
  EXPECT_EQ(j["token_ids"].size(), 24u);
  EXPECT_FALSE(j["text"].get<std::string>().empty());
  EXPECT_GT(j["prefill_tokens_per_s"].get<double>(), 0);
  EXPECT_GT(j["decode_tokens_per_s"].get<double>(), 0);
}

TEST(RunCli, SeededSamplingIsReproducible) {
  const auto path = testing::shared_path("models/stories260K.gguf");
  SKIP_WITHOUT_SHARED(path);
  const std::string cmd = servir_cmd("run -m " + path.string() + " --temp 1.0 --top-p 0.9 --seed 42 -n 32 --json");
  const auto a = run_command(cmd);
  const auto b = run_command(cmd);
  ASSERT_EQ(a.exit_code, 0) << a.output;
  EXPECT_EQ(nlohmann::json::parse(a.output)["token_ids"], nlohmann::json::parse(b.output)["token_ids"]);
}

TEST(RunCli, RefusesBadSamplingAndContext) {
  const auto path = testing::shared_path("models/stories260K.gguf");
  SKIP_WITHOUT_SHARED(path);
  auto r = run_command(servir_cmd("run -m " + path.string() + " --top-p 0 2>&1"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("top_p must be in (0, 1]"));
  r = run_command(servir_cmd("run -m " + path.string() + " --ctx 100000 2>&1"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("exceeds the model's context length"));
  r = run_command(servir_cmd("run -m " + path.string() + " --ctx 16 -n 100 --temp 0 --ignore-eos 2>&1"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("would reach 17 tokens; it holds 16"));
}

}  // namespace
}  // namespace servir
