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

std::string servir_cmd(const std::string& args) { return testing::servir_command(args); }

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

namespace servir {
namespace {

TEST(BenchCli, ReportsThroughputAndBandwidth) {
  testing::TempDir dir;
  const auto model = (dir / "m.gguf").string();
  ASSERT_EQ(run_command(servir_cmd("testmodel --hidden 64 --layers 2 --heads 4 --kv-heads 2 --ffn 128 --vocab 256 "
                                   "--seed 1 --out " +
                                   model))
                .exit_code,
            0);
  const auto r = run_command(servir_cmd("bench -m " + model + " -p 32 -n 8 -r 2 --batch 3 --json"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_GT(j["prefill_tokens_per_s"]["mean"].get<double>(), 0);
  EXPECT_GT(j["decode_tokens_per_s"]["mean"].get<double>(), 0);
  EXPECT_EQ(j["batch"], 3);
  // Matrices: 2 layers x (q 64x64 + k,v 32x64 + o 64x64 + 3 x 128x64) + output 256x64, f32.
  EXPECT_EQ(j["weight_bytes_per_step"].get<double>(),
            4.0 * (2 * (2 * 64 * 64 + 2 * 32 * 64 + 3 * 128 * 64) + 256 * 64));
}

TEST(BenchCli, ConcurrencyDrivesTheEngineAndReportsLatencies) {
  testing::TempDir dir;
  const auto model = (dir / "m.gguf").string();
  ASSERT_EQ(run_command(servir_cmd("testmodel --hidden 64 --layers 2 --heads 4 --kv-heads 2 --ffn 128 --vocab 256 "
                                   "--seed 1 --out " +
                                   model))
                .exit_code,
            0);
  const auto r = run_command(servir_cmd("bench -m " + model +
                                        " --concurrency 4 --requests 10 -p 24 -n 6 --prefix-reuse-tokens 64 "
                                        "--kv-cache-memory 4MiB --json"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["requests"], 10);
  EXPECT_EQ(j["generated_tokens"], 60) << "every request generates exactly -n tokens";
  EXPECT_GT(j["generated_tokens_per_s"].get<double>(), 0);
  EXPECT_GT(j["ttft_s"]["p50"].get<double>(), 0);
  EXPECT_GE(j["itl_s"]["p99"].get<double>(), j["itl_s"]["p50"].get<double>());
  EXPECT_GT(j["prefix_reuse"]["ttft_first_s"].get<double>(), 0);
  EXPECT_EQ(j["preemptions"], 0);

  const auto bad = run_command(servir_cmd("bench -m " + model + " --concurrency 2 --kv-cache-memory lots 2>&1"));
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.output.find("not a byte size"), std::string::npos) << bad.output;
}

TEST(PerplexityCli, Stories260KOnWarAndPeace) {
  const auto model = testing::shared_path("models/stories260K.gguf");
  const auto text = testing::shared_path("testdata/text/war-and-peace.txt");
  SKIP_WITHOUT_SHARED(model);
  SKIP_WITHOUT_SHARED(text);
  testing::TempDir dir;
  testing::write_file(dir / "head.txt", testing::read_file(text).substr(0, 20000));
  const auto r = run_command(
      servir_cmd("perplexity -m " + model.string() + " -f " + (dir / "head.txt").string() + " --ctx 256 --json"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  // A TinyStories model on Tolstoy: far from random (vocab 512) yet far from fluent.
  EXPECT_GT(j["perplexity"].get<double>(), 5.0);
  EXPECT_LT(j["perplexity"].get<double>(), 200.0);
  EXPECT_GT(j["error"].get<double>(), 0.0);
  EXPECT_EQ(j["ctx"], 256);
}

}  // namespace
}  // namespace servir

namespace servir {
namespace {

TEST(TestmodelCli, QuantizedTypesAndMixesRun) {
  testing::TempDir dir;
  for (const std::string type : {"q8_0", "q4_0", "q4_k_m", "q6_k"}) {
    const auto model = (dir / (type + ".gguf")).string();
    auto made = run_command(servir_cmd("testmodel --hidden 256 --layers 8 --heads 4 --ffn 512 --vocab 512 --type " +
                                       type + " --seed 1 --out " + model + " 2>&1"));
    ASSERT_EQ(made.exit_code, 0) << made.output;
    const auto inspected = nlohmann::json::parse(run_command(servir_cmd("inspect --json " + model)).output);
    const std::string base = type == "q4_k_m" ? "q4_K" : type == "q6_k" ? "q6_K" : type;
    EXPECT_TRUE(inspected["tensor_types"].contains(base)) << inspected["tensor_types"].dump();
    if (type == "q4_k_m") {
      // llama.cpp's mix: the output and some attn_v / ffn_down layers in Q6_K.
      EXPECT_TRUE(inspected["tensor_types"].contains("q6_K"));
    }
    const auto bench = run_command(servir_cmd("bench -m " + model + " -p 16 -n 4 -r 1 --json 2>&1"));
    ASSERT_EQ(bench.exit_code, 0) << bench.output;
    EXPECT_GT(nlohmann::json::parse(bench.output)["decode_tokens_per_s"]["mean"].get<double>(), 0);
  }
  auto bad =
      run_command(servir_cmd("testmodel --hidden 64 --layers 1 --heads 4 --ffn 64 --vocab 100 --type q4_k "
                             "--seed 1 --out " +
                             (dir / "bad.gguf").string() + " 2>&1"));
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_THAT(bad.output, HasSubstr("not a whole number of q4_K blocks"));
  bad =
      run_command(servir_cmd("testmodel --hidden 64 --layers 1 --heads 4 --ffn 64 --vocab 100 --type q8_0 "
                             "--seed 1 --out " +
                             (dir / "hf").string() + " 2>&1"));
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_THAT(bad.output, HasSubstr("is a GGUF type"));
}

TEST(RunCli, DtypeQuantizesAnHfModelAtLoad) {
  const auto path = testing::shared_path("models/tinystories-656k");
  SKIP_WITHOUT_SHARED(path);
  const auto r = run_command(servir_cmd("run -m " + path.string() +
                                        " -p 'Once upon a time' --temp 0 -n 16 "
                                        "--dtype q8_0 --json"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(nlohmann::json::parse(r.output)["completion_tokens"], 16);
  const auto bad = run_command(servir_cmd("run -m " + path.string() + " --dtype f16 2>&1"));
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_THAT(bad.output, HasSubstr("--dtype f16 is not a quantized type"));
}

}  // namespace
}  // namespace servir

namespace servir {
namespace {

TEST(RunCli, ChatRendersTheTemplateTurnAfterTurn) {
  const auto tokenizer = testing::shared_path("testdata/tokenizers/qwen3/tokenizer.json");
  SKIP_WITHOUT_SHARED(tokenizer);
  testing::TempDir dir;
  const auto model = (dir / "chat").string();
  ASSERT_EQ(run_command(servir_cmd("testmodel --arch qwen3 --hidden 64 --layers 2 --heads 4 --kv-heads 2 --ffn 128 "
                                   "--vocab-from " +
                                   tokenizer.string() + " --seed 1 --out " + model))
                .exit_code,
            0);
  const auto r = run_command("printf 'Hello there\\nAnd again\\n/exit\\n' | " +
                             servir_cmd("run -m " + model + " --chat -n 6 --temp 0"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // Three prompts: two answered turns, then /exit.
  std::size_t prompts = 0;
  for (std::size_t pos = r.output.find("> "); pos != std::string::npos; pos = r.output.find("> ", pos + 2)) ++prompts;
  EXPECT_GE(prompts, 3u) << r.output;

  // A model without a chat template says so.
  const auto plain = (dir / "plain.gguf").string();
  ASSERT_EQ(
      run_command(servir_cmd("testmodel --hidden 64 --layers 1 --heads 4 --ffn 64 --vocab 100 --seed 1 --out " + plain))
          .exit_code,
      0);
  const auto no_template = run_command("printf 'hi\\n' | " + servir_cmd("run -m " + plain + " --chat 2>&1"));
  EXPECT_NE(no_template.exit_code, 0);
}

}  // namespace
}  // namespace servir

namespace servir {
namespace {

TEST(BenchCli, RefusesContextsPastASlidingWindow) {
  testing::TempDir dir;
  const auto model = (dir / "mistral").string();
  ASSERT_EQ(run_command(servir_cmd("testmodel --arch mistral --hidden 64 --layers 1 --heads 4 --ffn 64 --vocab 100 "
                                   "--seed 1 --out " +
                                   model))
                .exit_code,
            0);
  const auto config = std::filesystem::path(model) / "config.json";
  auto j = nlohmann::json::parse(testing::read_file(config));
  j["sliding_window"] = 32;
  testing::write_file(config, j.dump());
  auto r = run_command(servir_cmd("bench -m " + model + " -p 16 -n 4 -r 1 --ctx 64 2>&1"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("sliding-window attention (32 tokens) is not implemented yet; use --ctx 32"));
  r = run_command(servir_cmd("bench -m " + model + " -p 16 -n 4 -r 1 --ctx 32 --json"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

}  // namespace
}  // namespace servir
