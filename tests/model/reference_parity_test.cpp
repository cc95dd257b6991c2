// Logits parity against an independent implementation: the NumPy forward
// pass in tests/reference/llama_reference.py (float64, its own GGUF and
// safetensors readers). Tolerance: max |logit difference| <= 1e-3 of the
// reference's logit range, F32 weights and F32 KV cache; and 64 greedy
// tokens identical. RoPE scaling (llama3 factors, YaRN) is computed by the
// reference from the model's own config.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "model_test_util.h"
#include "testing/synthetic_specs.h"
#include "testing/test_paths.h"

namespace servir {
namespace {

using testing::SequenceDriver;

constexpr int kGreedyTokens = 64;
constexpr double kRelativeTolerance = 1e-3;

struct ReferenceRun {
  std::vector<std::vector<double>> logits;  // [prompt positions, vocab]
  std::vector<std::int32_t> greedy;
};

// Debian's interpreter, where python3-numpy lives (a pyenv python3 on PATH
// may lack numpy).
ReferenceRun run_reference(const std::string& model, const std::vector<std::int32_t>& prompt,
                           const testing::TempDir& dir, int greedy_tokens = kGreedyTokens,
                           const std::string& extra_args = "") {
  const auto out = dir / "reference.json";
  const std::string cmd = fmt::format("/usr/bin/python3 '{}' --model '{}' --tokens {} --greedy {} --out '{}' {} 2>&1",
                                      (testing::source_dir() / "tests/reference/llama_reference.py").string(), model,
                                      fmt::join(prompt, ","), greedy_tokens, out.string(), extra_args);
  const auto result = testing::run_command(cmd);
  EXPECT_EQ(result.exit_code, 0) << cmd << "\n" << result.output;
  ReferenceRun run;
  const auto json = nlohmann::json::parse(testing::read_file(out), nullptr, false);
  if (json.is_discarded()) return run;
  run.logits = json["logits"].get<std::vector<std::vector<double>>>();
  run.greedy = json["greedy_tokens"].get<std::vector<std::int32_t>>();
  return run;
}

// max over prompt rows of |servir - reference| / the reference row's range.
double max_relative_diff(const std::vector<float>& logits, const ReferenceRun& ref, std::size_t vocab) {
  double worst = 0;
  for (std::size_t p = 0; p < ref.logits.size(); ++p) {
    const auto& r = ref.logits[p];
    if (r.size() != vocab || logits.size() < (p + 1) * vocab) return INFINITY;
    const auto [lo, hi] = std::minmax_element(r.begin(), r.end());
    const double range = *hi - *lo;
    for (std::size_t v = 0; v < vocab; ++v) {
      worst = std::max(worst, std::fabs(logits[p * vocab + v] - r[v]) / range);
    }
  }
  return worst;
}

// Compares servir with the reference; `prompt_logits`, when given, receives
// servir's logits for every prompt position ([prompt, vocab]).
void expect_parity(const std::string& model_path, const std::vector<std::int32_t>& prompt,
                   std::vector<float>* prompt_logits = nullptr) {
  testing::TempDir dir;
  auto desc = open_model(model_path);
  ASSERT_TRUE(desc.ok()) << desc.status().to_string();
  auto table = kernels::default_kernel_table();
  ASSERT_TRUE(table.ok());
  auto model = TransformerModel::create(*desc, **table, {.max_batch_tokens = 128, .max_logit_rows = 128});
  ASSERT_TRUE(model.ok()) << model.status().to_string();
  const auto& c = desc->config();
  auto cache = KvCache::create(c, {.block_size = 16, .n_blocks = 16, .type = GgmlType::kF32});
  ASSERT_TRUE(cache.ok());
  kernels::ThreadPool pool(2);
  kernels::KernelContext ctx(**table, &pool);
  SequenceDriver driver(*StaticBatchRunner::create(*model, *cache, ctx, 1));

  const auto vocab = static_cast<std::size_t>(c.vocab_size);
  auto logits = driver.step({{0, prompt, /*want_logits_all=*/true}});
  ASSERT_TRUE(driver.status().ok()) << driver.status().to_string();

  if (prompt_logits != nullptr) *prompt_logits = logits;

  const ReferenceRun ref = run_reference(model_path, prompt, dir);
  ASSERT_EQ(ref.logits.size(), prompt.size());
  const double worst = max_relative_diff(logits, ref, vocab);
  EXPECT_LE(worst, kRelativeTolerance) << model_path;
  ::testing::Test::RecordProperty("max_relative_logit_diff", fmt::format("{:.3g}", worst));
  std::printf("%s: max |logit diff| / range = %.3g\n", model_path.c_str(), worst);

  // Greedy continuation, decoded step by step through the KV cache.
  std::vector<std::int32_t> greedy;
  std::vector<float> last(logits.end() - static_cast<std::ptrdiff_t>(vocab), logits.end());
  for (int i = 0; i < kGreedyTokens; ++i) {
    const auto next = static_cast<std::int32_t>(std::max_element(last.begin(), last.end()) - last.begin());
    greedy.push_back(next);
    if (i + 1 < kGreedyTokens) {
      last = driver.step({{0, {next}}});
      ASSERT_TRUE(driver.status().ok()) << driver.status().to_string();
    }
  }
  EXPECT_EQ(greedy, ref.greedy) << model_path;
}

struct SyntheticCase {
  Architecture arch;
  bool gguf;
  bool tied;
};

class SyntheticParity : public ::testing::TestWithParam<SyntheticCase> {};

TEST_P(SyntheticParity, MatchesTheNumpyReference) {
  const auto& p = GetParam();
  testing::TempDir dir;
  auto spec = testing::small_model_spec(p.arch, (dir / (p.gguf ? "m.gguf" : "hf")).string(), /*seed=*/5);
  spec.config.vocab_size = 128;
  spec.config.tied_embeddings = p.tied;
  ASSERT_TRUE(complete_synthetic_spec(spec).ok());
  ASSERT_TRUE(write_synthetic_model(spec).ok());
  expect_parity(spec.out_path, {1, 17, 3, 99, 42, 7, 7, 120, 64, 5, 2, 33});
}

INSTANTIATE_TEST_SUITE_P(Models, SyntheticParity,
                         ::testing::Values(SyntheticCase{Architecture::kLlama, true, false},
                                           SyntheticCase{Architecture::kLlama, false, false},
                                           SyntheticCase{Architecture::kLlama, false, true},
                                           SyntheticCase{Architecture::kQwen2, true, false},
                                           SyntheticCase{Architecture::kQwen2, false, true},
                                           SyntheticCase{Architecture::kQwen3, true, true},
                                           SyntheticCase{Architecture::kQwen3, false, false}),
                         [](const auto& info) {
                           return fmt::format("{}_{}{}", architecture_name(info.param.arch),
                                              info.param.gguf ? "gguf" : "hf", info.param.tied ? "_tied" : "");
                         });

// Llama 3.1+ GGUF conversions store RoPE scaling as a rope_freqs tensor of
// per-pair frequency divisors; the reference reads the same tensor.
TEST(ReferenceParity, LlamaWithRopeFreqsTensor) {
  testing::TempDir dir;
  auto spec = testing::small_model_spec(Architecture::kLlama, (dir / "m.gguf").string(), /*seed=*/9);
  spec.config.vocab_size = 128;
  ASSERT_TRUE(complete_synthetic_spec(spec).ok());
  for (std::int64_t i = 0; i < spec.config.rope_dim / 2; ++i) spec.rope_freqs.push_back(1.0f + 0.75f * i);
  ASSERT_TRUE(write_synthetic_model(spec).ok());
  expect_parity(spec.out_path, {1, 17, 3, 99, 42, 7, 7, 120, 64, 5, 2, 33});
}

// Mistral's sliding window, narrowed to 5 so that the 12-token prompt and
// the 64 greedy tokens run far past it, in GGUF and HF form.
TEST(ReferenceParity, MistralSlidingWindow) {
  for (const char* name : {"m.gguf", "hf"}) {
    testing::TempDir dir;
    auto spec = testing::small_model_spec(Architecture::kMistral, (dir / name).string(), /*seed=*/11);
    spec.config.vocab_size = 128;
    spec.config.sliding_window = 5;
    ASSERT_TRUE(complete_synthetic_spec(spec).ok());
    ASSERT_TRUE(write_synthetic_model(spec).ok());
    expect_parity(spec.out_path, {1, 17, 3, 99, 42, 7, 7, 120, 64, 5, 2, 33});
  }
}

// YaRN (factor 4) over an original context of 32 that the 40-token prompt
// and the greedy tokens run past, with the reference computing the frequency
// blend and attention factor itself from the config. The reference run with
// the scaling dropped must miss the tolerance: the test sees the scaling.
struct YarnCase {
  Architecture arch;
  bool gguf;
  double beta_fast;
  std::optional<double> attention_factor;
};

class YarnParity : public ::testing::TestWithParam<YarnCase> {};

TEST_P(YarnParity, MatchesTheNumpyReference) {
  const auto& p = GetParam();
  testing::TempDir dir;
  auto spec = testing::small_model_spec(p.arch, (dir / (p.gguf ? "m.gguf" : "hf")).string(), /*seed=*/13);
  spec.config.vocab_size = 128;
  spec.config.rope_scaling = {.type = RopeScalingType::kYarn,
                              .factor = 4.0,
                              .original_context_length = 32,
                              .yarn_beta_fast = p.beta_fast,
                              .yarn_attention_factor = p.attention_factor};
  ASSERT_TRUE(complete_synthetic_spec(spec).ok());
  ASSERT_TRUE(write_synthetic_model(spec).ok());
  std::vector<std::int32_t> prompt;
  for (int i = 0; i < 40; ++i) prompt.push_back((37 * i + 11) % 128);
  std::vector<float> logits;
  expect_parity(spec.out_path, prompt, &logits);

  const ReferenceRun unscaled = run_reference(spec.out_path, prompt, dir, 0, "--ignore-rope-scaling");
  const double without = max_relative_diff(logits, unscaled, static_cast<std::size_t>(spec.config.vocab_size));
  EXPECT_GT(without, kRelativeTolerance) << "the reference without YaRN agrees too: the test cannot see it";
  std::printf("%s: without the scaling, max |logit diff| / range = %.3g\n", spec.out_path.c_str(), without);
}

INSTANTIATE_TEST_SUITE_P(Models, YarnParity,
                         ::testing::Values(YarnCase{Architecture::kQwen2, false, 32, std::nullopt},
                                           YarnCase{Architecture::kQwen2, true, 32, std::nullopt},
                                           YarnCase{Architecture::kLlama, true, 32, std::nullopt},
                                           YarnCase{Architecture::kQwen3, false, 16, 1.5},
                                           YarnCase{Architecture::kQwen3, true, 16, 1.5}),
                         [](const auto& info) {
                           return fmt::format("{}_{}{}", architecture_name(info.param.arch),
                                              info.param.gguf ? "gguf" : "hf",
                                              info.param.attention_factor ? "_stated_factor" : "");
                         });

TEST(ReferenceParity, Stories260K) {
  const auto path = testing::shared_path("models/stories260K.gguf");
  SKIP_WITHOUT_SHARED(path);
  expect_parity(path.string(), {1});
}

TEST(ReferenceParity, TinyStories656k) {
  const auto path = testing::shared_path("models/tinystories-656k");
  SKIP_WITHOUT_SHARED(path);
  expect_parity(path.string(), {1, 400, 1000, 33});
}

}  // namespace
}  // namespace servir
